"""Keystone's groups through ``ostack api serve``: CRUD, membership, a group's grants and
what they give its members' tokens, with Keystone 30's bodies, statuses and messages
(realstack), over HTTP and through the real python-openstackclient."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ApiServer


def _error(answer: Any) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["message"]


def _id_of(api_server: ApiServer, token: str, collection: str, name: str) -> str:
    found = api_server.request("GET", f"/v3/{collection}?name={name}", token=token).json()
    return str(found[collection][0]["id"])


def test_group_crud_and_membership(api_server: ApiServer) -> None:
    token = api_server.token()
    base = api_server.base_url
    made = api_server.request("POST", "/v3/groups", token=token,
                              json_body={"group": {"name": "web-devs", "description": "d"}})
    assert made.status_code == 201, made.text
    group = made.json()["group"]
    group_id = group["id"]
    assert group == {"id": group_id, "name": "web-devs", "domain_id": "default",
                     "description": "d", "links": {"self": f"{base}/v3/groups/{group_id}"}}
    again = api_server.request("POST", "/v3/groups", token=token,
                               json_body={"group": {"name": "web-devs"}})
    assert _error(again) == (409, "Conflict occurred attempting to store group - Duplicate "
                                  "entry found with name web-devs at domain ID default.")
    assert _error(api_server.request("POST", "/v3/groups", token=token,
                                     json_body={"group": {}})) == (
        400, "Invalid input for field/attribute group. Value: {}. 'name' is a required "
             "property")
    listed = api_server.request("GET", "/v3/groups?name=web-devs", token=token).json()
    assert [g["id"] for g in listed["groups"]] == [group_id]
    assert api_server.request("GET", "/v3/groups?domain_id=nosuch",
                              token=token).json()["groups"] == []
    assert _error(api_server.request("GET", "/v3/groups/nosuch", token=token)) == (
        404, "Could not find group: nosuch.")
    assert _error(api_server.request("PATCH", f"/v3/groups/{group_id}", token=token,
                                     json_body={"group": {}})) == (
        400, "Invalid input for field/attribute group. Value: {}. {} should be non-empty")
    renamed = api_server.request("PATCH", f"/v3/groups/{group_id}", token=token,
                                 json_body={"group": {"description": "d2"}})
    assert renamed.status_code == 200 and renamed.json()["group"]["description"] == "d2"

    demo_id = _id_of(api_server, token, "users", "demo")
    member_path = f"/v3/groups/{group_id}/users/{demo_id}"
    assert api_server.request("HEAD", member_path, token=token).status_code == 404
    assert api_server.request("PUT", member_path, token=token).status_code == 204
    assert api_server.request("HEAD", member_path, token=token).status_code == 204
    users = api_server.request("GET", f"/v3/groups/{group_id}/users", token=token).json()
    assert [u["name"] for u in users["users"]] == ["demo"]
    mine = api_server.request("GET", f"/v3/users/{demo_id}/groups", token=token).json()
    assert [g["id"] for g in mine["groups"]] == [group_id]
    assert _error(api_server.request("PUT", "/v3/groups/nosuch/users/nosuch",
                                     token=token)) == (404, "Could not find group: nosuch.")
    assert _error(api_server.request("PUT", f"/v3/groups/{group_id}/users/nosuch",
                                     token=token)) == (404, "Could not find user: nosuch.")
    assert api_server.request("DELETE", member_path, token=token).status_code == 204
    assert _error(api_server.request("DELETE", member_path, token=token)) == (
        404, f"User '{demo_id}' not found in group '{group_id}'")

    # A member may not list or change groups (Keystone's default policy).
    demo = api_server.token("demo", "demo")
    before = api_server.records()
    assert _error(api_server.request("POST", "/v3/groups", token=demo,
                                     json_body={"group": {"name": "x"}})) == (
        403, "You are not authorized to perform the requested action: identity:create_group.")
    assert _error(api_server.request("PUT", member_path, token=demo)) == (
        403, "You are not authorized to perform the requested action: "
             "identity:add_user_to_group.")
    assert api_server.records() == before

    assert api_server.request("DELETE", f"/v3/groups/{group_id}", token=token).status_code \
        == 204
    assert api_server.request("GET", f"/v3/groups/{group_id}", token=token).status_code == 404


def test_a_groups_grant_is_in_its_members_tokens(api_server: ApiServer) -> None:
    token = api_server.token()
    base = api_server.base_url
    made = api_server.request("POST", "/v3/users", token=token, json_body={
        "user": {"name": "carol", "password": "carol-pw"}})
    carol_id = made.json()["user"]["id"]
    group_id = api_server.request("POST", "/v3/groups", token=token, json_body={
        "group": {"name": "carols"}}).json()["group"]["id"]
    project_id = _id_of(api_server, token, "projects", "demo")
    reader_id = _id_of(api_server, token, "roles", "reader")
    grant = f"/v3/projects/{project_id}/groups/{group_id}/roles/{reader_id}"
    assert _error(api_server.request("PUT", f"/v3/projects/nosuch/groups/nosuch/roles/"
                                     f"{reader_id}", token=token)) == (
        404, "Could not find group: nosuch.")
    assert api_server.request("HEAD", grant, token=token).status_code == 404
    assert _error(api_server.request("GET", grant, token=token)) == (
        404, f"Could not find role assignment with role: {reader_id}, user or group: "
             f"{group_id}, project, domain, or system: {project_id}.")
    assert api_server.request("PUT", f"/v3/groups/{group_id}/users/{carol_id}",
                              token=token).status_code == 204
    assert api_server.request("PUT", grant, token=token).status_code == 204
    assert api_server.request("HEAD", grant, token=token).status_code == 204
    roles = api_server.request("GET", f"/v3/projects/{project_id}/groups/{group_id}/roles",
                               token=token).json()["roles"]
    assert [r["name"] for r in roles] == ["reader"]

    rows = api_server.request("GET", f"/v3/role_assignments?group.id={group_id}",
                              token=token).json()["role_assignments"]
    assert rows == [{"links": {"assignment": f"{base}/v3{grant[3:]}"},
                     "scope": {"project": {"id": project_id}}, "group": {"id": group_id},
                     "role": {"id": reader_id}}]
    effective = api_server.request("GET", f"/v3/role_assignments?effective&user.id={carol_id}",
                                   token=token).json()["role_assignments"]
    assert effective == [{
        "links": {"membership": f"{base}/v3/groups/{group_id}/users/{carol_id}",
                  "assignment": f"{base}/v3{grant[3:]}"},
        "scope": {"project": {"id": project_id}}, "user": {"id": carol_id},
        "role": {"id": reader_id}}]
    assert _error(api_server.request(
        "GET", f"/v3/role_assignments?effective&group.id={group_id}", token=token)) == (
        400, "Combining effective and group filter will always result in an empty list.")

    # The group's role is carol's: her token on demo carries it.
    issued = api_server.request("POST", "/v3/auth/tokens", json_body={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "carol", "domain": {"name": "Default"}, "password": "carol-pw"}}},
        "scope": {"project": {"id": project_id}}}})
    assert issued.status_code == 201, issued.text
    assert [r["name"] for r in issued.json()["token"]["roles"]] == ["reader"]
    carol = issued.headers["X-Subject-Token"]
    assert api_server.request("GET", "/compute/v2.1/servers", token=carol).status_code == 200

    # Revoked, the grant gives nothing: no token for demo.
    assert api_server.request("DELETE", grant, token=token).status_code == 204
    refused = api_server.request("POST", "/v3/auth/tokens", json_body={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "carol", "domain": {"name": "Default"}, "password": "carol-pw"}}},
        "scope": {"project": {"id": project_id}}}})
    assert refused.status_code == 401
    assert api_server.request("DELETE", f"/v3/groups/{group_id}", token=token).status_code \
        == 204
    assert api_server.request("DELETE", f"/v3/users/{carol_id}", token=token).status_code \
        == 204


def _real(api_server: ApiServer, binary: Path, *args: str, user: str | None = None,
          password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(api_server.clouds_yaml),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    auth: tuple[str, ...] = ("--os-cloud", "ostack")
    if user is not None:
        env.update({"OS_AUTH_URL": f"{api_server.base_url}/v3", "OS_USERNAME": user,
                    "OS_PASSWORD": password or "", "OS_PROJECT_NAME": "demo",
                    "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
                    "OS_IDENTITY_API_VERSION": "3"})
        env.pop("OS_CLIENT_CONFIG_FILE")
        auth = ()
    return subprocess.run([str(binary), *auth, *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


@pytest.mark.slow
def test_real_client_groups(api_server: ApiServer, real_openstack: Path) -> None:
    """The real client's group commands, and a group's admin role letting its member list
    users (an admin-only call) with a token from ``token issue``."""
    def ok(*args: str, **kw: Any) -> str:
        done = _real(api_server, real_openstack, *args, **kw)
        assert done.returncode == 0, done.stderr
        return done.stdout

    made = json.loads(ok("group", "create", "ops", "--description", "operators", "-f", "json"))
    assert list(made) == ["description", "domain_id", "id", "name"]
    ok("user", "create", "--password", "dave-pw", "dave")
    assert ok("group", "add", "user", "ops", "dave") == ""
    assert ok("group", "contains", "user", "ops", "dave") == "dave in group ops\n"
    assert json.loads(ok("user", "list", "--group", "ops", "-f", "json"))[0]["Name"] == "dave"
    assert json.loads(ok("group", "list", "--user", "dave", "-f", "json")) == [
        {"ID": made["id"], "Name": "ops"}]

    refused = _real(api_server, real_openstack, "user", "list", user="dave",
                    password="dave-pw")
    assert refused.returncode == 1  # no role on demo yet: no token
    ok("role", "add", "--group", "ops", "--project", "demo", "admin")
    assert json.loads(ok("role", "assignment", "list", "--group", "ops", "--names", "-f",
                         "json")) == [
        {"Role": "admin", "User": "", "Group": "ops@Default", "Project": "demo@Default",
         "Domain": "", "System": "", "Inherited": False}]
    issued = json.loads(ok("token", "issue", "-f", "json", user="dave", password="dave-pw"))
    assert issued["project_id"] and issued["user_id"]
    users = json.loads(ok("user", "list", "-f", "json", user="dave", password="dave-pw"))
    assert "dave" in {u["Name"] for u in users}

    ok("group", "remove", "user", "ops", "dave")
    missing = _real(api_server, real_openstack, "group", "contains", "user", "ops", "dave")
    assert (missing.returncode, missing.stdout, missing.stderr) == (
        0, "", "dave not in group ops\n")
    ok("group", "delete", "ops")
    ok("user", "delete", "dave")
