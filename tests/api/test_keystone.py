"""Keystone v3 and the services' version documents through ``ostack api serve``: bodies,
statuses and headers as Keystone 30, Nova 34, Neutron 29 and Glance 33 answer them
(realstack; docs/api.md keeps the recorded answers these come from)."""

from __future__ import annotations

import re
from typing import Any

from tests.api.conftest import ApiServer

REQUEST_ID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_discovery_documents(api_server: ApiServer) -> None:
    base = api_server.base_url
    root = api_server.request("GET", "/")
    assert root.status_code == 300
    assert root.headers["Location"] == f"{base}/v3/"
    assert root.json() == {"versions": {"values": [{
        "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": f"{base}/v3/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.identity-v3+json"}]}]}}
    assert api_server.request("GET", "/v3").json()["version"]["id"] == "v3.14"

    nova = api_server.request("GET", "/compute")
    assert nova.status_code == 200
    assert [(v["id"], v["status"], v["version"], v["min_version"])
            for v in nova.json()["versions"]] == [("v2.0", "DEPRECATED", "", ""),
                                                  ("v2.1", "CURRENT", "2.100", "2.1")]
    v21 = api_server.request("GET", "/compute/v2.1/")
    assert v21.json()["version"]["links"][0] == {"rel": "self", "href": f"{base}/compute/v2.1/"}
    assert v21.headers["OpenStack-API-Version"] == "compute 2.1"
    assert v21.headers["X-OpenStack-Nova-API-Version"] == "2.1"
    assert v21.headers["Vary"] == "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
    assert v21.headers["x-compute-request-id"] == v21.headers["x-openstack-request-id"]

    neutron = api_server.request("GET", "/network/")
    assert neutron.json() == {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
        {"rel": "self", "href": f"{base}/network/v2.0/"}]}]}

    glance = api_server.request("GET", "/image/")
    assert glance.status_code == 300
    ids = [(v["id"], v["status"]) for v in glance.json()["versions"]]
    assert ids[:3] == [("v2.15", "SUPPORTED"), ("v2.9", "SUPPORTED"), ("v2.17", "CURRENT")]
    assert ids[-1] == ("v2.0", "SUPPORTED")
    assert {v["links"][0]["href"] for v in glance.json()["versions"]} == {f"{base}/image/v2/"}
    assert api_server.request("GET", "/image/versions").status_code == 200


def test_request_ids_everywhere(api_server: ApiServer) -> None:
    token = api_server.token()
    for method, path in (("GET", "/"), ("GET", "/v3/projects"), ("GET", "/nothing"),
                         ("GET", "/compute/v2.1/nothing"), ("GET", "/network/v2.0"),
                         ("DELETE", "/v3/auth/catalog")):
        answer = api_server.request(method, path, token=token)
        assert REQUEST_ID.match(answer.headers["x-openstack-request-id"]), path


def test_microversions(api_server: ApiServer) -> None:
    token = api_server.token()

    def ask(**headers: str) -> Any:
        # The version document negotiates as every versioned route does (Nova's too).
        return api_server.request("GET", "/compute/v2.1/", token=token, headers=headers)

    answer = ask(**{"OpenStack-API-Version": "compute 2.60"})
    assert answer.headers["OpenStack-API-Version"] == "compute 2.60"
    assert answer.headers["X-OpenStack-Nova-API-Version"] == "2.60"
    assert ask(**{"X-OpenStack-Nova-API-Version": "2.53"}).headers[
        "OpenStack-API-Version"] == "compute 2.53"
    assert ask(**{"OpenStack-API-Version": "image 2.5, compute latest"}).headers[
        "OpenStack-API-Version"] == "compute 2.100"
    refused = ask(**{"OpenStack-API-Version": "compute 2.500"})
    assert refused.status_code == 406
    assert refused.json() == {"computeFault": {"code": 406, "message": (
        "Version 2.500 is not supported by the API. Minimum is 2.1 and maximum is 2.100.")}}
    assert refused.headers["OpenStack-API-Version"] == "compute 2.500"
    bad = ask(**{"OpenStack-API-Version": "compute 2.x"})
    assert bad.status_code == 400
    assert "OpenStack-API-Version" not in bad.headers
    # A path Nova has no route for is webob's 404 page, without version headers.
    unknown = api_server.request("GET", "/compute/v2.1/nothing", token=token)
    assert (unknown.status_code, unknown.headers["Content-Type"]) == (
        404, "text/html; charset=UTF-8")
    assert "OpenStack-API-Version" not in unknown.headers
    assert bad.json()["badRequest"]["message"] == (
        "API Version String 2.x is of invalid format. Must be of format MajorNum.MinorNum.")


def test_token_bodies(api_server: ApiServer) -> None:
    auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"name": "Default"},
        "password": api_server.passwords["admin"]}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
    issued = api_server.request("POST", "/v3/auth/tokens", json_body=auth)
    assert issued.status_code == 201
    token = issued.headers["X-Subject-Token"]
    body = issued.json()["token"]
    assert list(body) == ["methods", "user", "audit_ids", "expires_at", "issued_at", "project",
                          "is_domain", "roles", "catalog"]
    assert body["methods"] == ["password"]
    assert body["user"]["name"] == "admin"
    assert body["user"]["domain"] == {"id": "default", "name": "Default"}
    assert body["project"]["name"] == "admin"
    assert sorted(r["name"] for r in body["roles"]) == ["admin", "manager", "member", "reader"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$", body["expires_at"])
    assert len(body["audit_ids"]) == 1 and len(body["audit_ids"][0]) == 22
    assert {e["type"] for e in body["catalog"]} == {"compute", "identity", "image", "network",
                                                    "placement", "block-storage", "volumev3"}
    # Validation gives the same body back, without the catalog when asked.
    shown = api_server.request("GET", "/v3/auth/tokens?nocatalog", token=token,
                               headers={"X-Subject-Token": token})
    assert shown.headers["X-Subject-Token"] == token
    assert shown.json()["token"] == {k: v for k, v in body.items() if k != "catalog"}
    # Unscoped (admin has no default project), then rescoped with the token method.
    unscoped_auth = {"auth": {"identity": auth["auth"]["identity"]}}
    unscoped = api_server.request("POST", "/v3/auth/tokens", json_body=unscoped_auth)
    assert list(unscoped.json()["token"]) == ["methods", "user", "audit_ids", "expires_at",
                                              "issued_at"]
    first = unscoped.headers["X-Subject-Token"]
    assert api_server.request("GET", "/v3/auth/catalog", token=first).status_code == 403
    assert [p["name"] for p in api_server.request(
        "GET", "/v3/auth/projects", token=first).json()["projects"]] == ["admin"]
    rescoped = api_server.request("POST", "/v3/auth/tokens", json_body={"auth": {
        "identity": {"methods": ["token"], "token": {"id": first}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    assert rescoped.status_code == 201, rescoped.text
    again = rescoped.json()["token"]
    assert again["methods"] == ["password", "token"]
    assert again["audit_ids"][1] == unscoped.json()["token"]["audit_ids"][0]
    assert again["expires_at"] == unscoped.json()["token"]["expires_at"]


def test_projects_and_tags(api_server: ApiServer) -> None:
    token = api_server.token()
    made = api_server.request("POST", "/v3/projects", token=token, json_body={"project": {
        "name": "tagged", "description": "d", "tags": ["a"], "color": "blue"}})
    assert made.status_code == 201, made.text
    project = made.json()["project"]
    assert project["color"] == "blue" and project["tags"] == ["a"]
    assert project["links"] == {"self": f"{api_server.base_url}/v3/projects/{project['id']}"}
    pid = project["id"]
    added = api_server.request("PUT", f"/v3/projects/{pid}/tags/b", token=token)
    assert added.status_code == 201
    assert added.headers["Location"].endswith(f"/v3/projects/{pid}/tags/b")
    assert api_server.request("GET", f"/v3/projects/{pid}/tags",
                              token=token).json() == {"tags": ["a", "b"]}
    assert api_server.request("GET", f"/v3/projects/{pid}/tags/b",
                              token=token).status_code == 204
    assert api_server.request("DELETE", f"/v3/projects/{pid}/tags/a",
                              token=token).status_code == 204
    missing = api_server.request("GET", f"/v3/projects/{pid}/tags/a", token=token)
    assert missing.status_code == 404
    duplicate = api_server.request("POST", "/v3/projects", token=token,
                                   json_body={"project": {"name": "tagged"}})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["message"] == (
        "Conflict occurred attempting to store project - Duplicate entry found with name "
        "tagged at domain ID default.")
    filtered = api_server.request("GET", "/v3/projects?name=tagged", token=token).json()
    assert [p["id"] for p in filtered["projects"]] == [pid]
    assert filtered["links"] == {"next": None, "previous": None,
                                 "self": f"{api_server.base_url}/v3/projects?name=tagged"}
    # The CLI sees what the API made, on the same store, and the other way round.
    assert api_server.ostack("project", "show", "tagged", "-f", "value", "-c", "id"
                             ).stdout.strip() == pid
    assert api_server.ostack("project", "create", "from-cli").returncode == 0
    names = [p["name"] for p in api_server.request("GET", "/v3/projects",
                                                   token=token).json()["projects"]]
    assert "from-cli" in names
    patched = api_server.request("PATCH", f"/v3/projects/{pid}", token=token,
                                 json_body={"project": {"description": "e", "enabled": False}})
    assert (patched.json()["project"]["description"],
            patched.json()["project"]["enabled"]) == ("e", False)
    assert api_server.request("DELETE", f"/v3/projects/{pid}", token=token).status_code == 204
    gone = api_server.request("GET", f"/v3/projects/{pid}", token=token)
    assert (gone.status_code, gone.json()["error"]["message"]) == (
        404, f"Could not find project: {pid}.")


def test_paging(api_server: ApiServer) -> None:
    token = api_server.token()
    everything = api_server.request("GET", "/v3/roles", token=token).json()["roles"]
    first = api_server.request("GET", "/v3/roles?limit=2", token=token).json()
    assert [r["id"] for r in first["roles"]] == [r["id"] for r in everything[:2]]
    assert first["truncated"] is True
    assert first["links"]["next"] == (f"{api_server.base_url}/v3/roles?limit=2&marker="
                                      f"{everything[1]['id']}")
    second = api_server.request("GET", first["links"]["next"].removeprefix(
        api_server.base_url), token=token).json()
    assert [r["id"] for r in second["roles"]] == [r["id"] for r in everything[2:4]]


def test_grants_and_assignments(api_server: ApiServer) -> None:
    token = api_server.token()

    def one(kind: str, name: str) -> str:
        found = api_server.request("GET", f"/v3/{kind}?name={name}", token=token).json()
        return str(found[kind][0]["id"])

    demo_user, admin_project, reader = one("users", "demo"), one("projects", "admin"), \
        one("roles", "reader")
    url = f"/v3/projects/{admin_project}/users/{demo_user}/roles/{reader}"
    missing = api_server.request("HEAD", url, token=token)
    assert missing.status_code == 404
    assert api_server.request("PUT", url, token=token).status_code == 204
    assert api_server.request("HEAD", url, token=token).status_code == 204
    listed = api_server.request(
        "GET", f"/v3/role_assignments?user.id={demo_user}&scope.project.id={admin_project}"
               "&include_names", token=token).json()["role_assignments"]
    assert listed == [{
        "links": {"assignment": f"{api_server.base_url}{url}"},
        "scope": {"project": {"id": admin_project, "name": "admin",
                              "domain": {"id": "default", "name": "Default"}}},
        "user": {"id": demo_user, "name": "demo", "domain": {"id": "default",
                                                             "name": "Default"}},
        "role": {"id": reader, "name": "reader"}}]
    # demo can now scope to admin, as a reader.
    reader_token = api_server.token("demo", "admin")
    assert api_server.request("GET", "/v3/users", token=reader_token).status_code == 403
    assert api_server.request("DELETE", url, token=token).status_code == 204
    assert api_server.request("GET", "/v3/auth/projects",
                              token=reader_token).status_code == 401
    gone = api_server.request("DELETE", url, token=token)
    assert gone.status_code == 404
    nobody = api_server.request("PUT", f"/v3/projects/{admin_project}/users/nobody/roles/"
                                       f"{reader}", token=token)
    assert (nobody.status_code, nobody.json()["error"]["message"]) == (
        404, "Could not find user: nobody.")


def test_users(api_server: ApiServer) -> None:
    token = api_server.token()
    made = api_server.request("POST", "/v3/users", token=token, json_body={"user": {
        "name": "dave", "email": "d@example.org", "password": "pw-dave"}})
    assert made.status_code == 201
    user = made.json()["user"]
    assert "password" not in user
    assert (user["email"], user["enabled"], user["domain_id"]) == ("d@example.org", True,
                                                                   "default")
    assert api_server.request("GET", f"/v3/users/{user['id']}/projects",
                              token=token).json()["projects"] == []
    assert api_server.request("DELETE", f"/v3/users/{user['id']}", token=token).status_code \
        == 204
    assert api_server.request("GET", f"/v3/users/{user['id']}", token=token).status_code == 404
