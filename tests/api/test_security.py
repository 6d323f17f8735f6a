"""Who may do what through the API, and what a refusal looks like (Keystone's, Nova's,
Neutron's and Glance's statuses and bodies, as realstack answers them)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.api.fernet_keys import KeyRepository
from ostack_cli.api.tokens import TokenFormatter, new_token_data
from tests.api.conftest import ApiServer

UNAUTHORIZED = {"error": {"code": 401, "title": "Unauthorized",
                          "message": "The request you have made requires authentication."}}


def forbidden(action: str) -> dict[str, Any]:
    return {"error": {"code": 403, "title": "Forbidden", "message":
                      f"You are not authorized to perform the requested action: {action}."}}


def ids(api_server: ApiServer, kind: str, name: str) -> str:
    done = api_server.ostack(kind, "show", name, "-f", "value", "-c", "id")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("path", ["/v3/projects", "/v3/users", "/v3/auth/catalog",
                                  "/compute/v2.1/servers", "/network/v2.0/networks",
                                  "/network/v2.0"])
def test_no_token(api_server: ApiServer, path: str) -> None:
    answer = api_server.request("GET", path)
    assert answer.status_code == 401
    assert answer.json() == UNAUTHORIZED
    assert answer.headers["WWW-Authenticate"].startswith('Keystone uri="http://127.0.0.1:')
    assert answer.headers["x-openstack-request-id"].startswith("req-")


def test_no_token_glance(api_server: ApiServer) -> None:
    answer = api_server.request("GET", "/image/v2/images")
    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert "<h1>401 Unauthorized</h1>" in answer.text
    json_answer = api_server.request("GET", "/image/v2/images",
                                     headers={"Accept": "application/json"})
    assert json_answer.json()["code"] == "401 Unauthorized"


def test_garbage_and_expired_tokens(api_server: ApiServer) -> None:
    for token in ("nonsense", "gAAAAABnotreally"):
        assert api_server.request("GET", "/v3/projects", token=token).json() == UNAUTHORIZED
    formatter = TokenFormatter(KeyRepository.for_state_dir(api_server.home))
    admin_id = ids(api_server, "user", "admin")
    project_id = ids(api_server, "project", "admin")
    expired = formatter.pack(new_token_data(admin_id, project_id, ("password",),
                                            now=time.time() - 7200))
    answer = api_server.request("GET", "/v3/projects", token=expired)
    assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)
    # As a subject: Keystone's 404s.
    admin = api_server.token()
    answer = api_server.request("GET", "/v3/auth/tokens", token=admin,
                                headers={"X-Subject-Token": expired})
    assert (answer.status_code, answer.json()["error"]["message"]) == (
        404, "Failed to validate token")
    answer = api_server.request("GET", "/v3/auth/tokens", token=admin,
                                headers={"X-Subject-Token": "nonsense"})
    assert (answer.status_code, answer.json()["error"]["message"]) == (
        404, "Could not recognize Fernet token")
    # Keys this server did not make: not a token at all.
    other = TokenFormatter(KeyRepository(api_server.home.parent / "other-keys"))
    other.keys.setup()
    forged = other.pack(new_token_data(admin_id, project_id, ("password",)))
    assert api_server.request("GET", "/v3/projects", token=forged).status_code == 401


def test_revoked_token(api_server: ApiServer) -> None:
    token = api_server.token()
    admin = api_server.token()
    assert api_server.request("HEAD", "/v3/auth/tokens", token=admin,
                              headers={"X-Subject-Token": token}).status_code == 200
    answer = api_server.request("DELETE", "/v3/auth/tokens", token=admin,
                                headers={"X-Subject-Token": token})
    assert answer.status_code == 204
    assert api_server.request("GET", "/v3/projects", token=token).json() == UNAUTHORIZED
    answer = api_server.request("GET", "/v3/auth/tokens", token=admin,
                                headers={"X-Subject-Token": token})
    assert (answer.status_code, answer.json()["error"]["message"]) == (
        404, "Failed to validate token")
    # The other token of the same user still works.
    assert api_server.request("GET", "/v3/projects", token=admin).status_code == 200


def test_member_refusals(api_server: ApiServer) -> None:
    demo = api_server.token("demo", "demo")
    admin_project = ids(api_server, "project", "admin")
    admin_user = ids(api_server, "user", "admin")
    cases = [
        ("GET", "/v3/users", "identity:list_users"),
        ("GET", "/v3/projects", "identity:list_projects"),
        ("GET", f"/v3/projects/{admin_project}", "identity:get_project"),
        ("GET", f"/v3/users/{admin_user}", "identity:get_user"),
        ("GET", f"/v3/users/{admin_user}/projects", "identity:list_user_projects"),
        ("GET", "/v3/roles", "identity:list_roles"),
        ("GET", "/v3/role_assignments", "identity:list_role_assignments"),
        ("GET", "/v3/domains", "identity:list_domains"),
        ("DELETE", f"/v3/users/{admin_user}", "identity:delete_user"),
        ("PATCH", f"/v3/projects/{admin_project}", "identity:update_project"),
    ]
    before = api_server.records()
    for method, path, action in cases:
        body = {"project": {"description": "x"}} if method == "PATCH" else None
        answer = api_server.request(method, path, token=demo, json_body=body)
        assert (answer.status_code, answer.json()) == (403, forbidden(action)), path
    assert api_server.records() == before
    # What a member may do: its project, itself, its own projects, the Default domain.
    demo_project = ids(api_server, "project", "demo")
    demo_user = ids(api_server, "user", "demo")
    for path in (f"/v3/projects/{demo_project}", f"/v3/users/{demo_user}",
                 f"/v3/users/{demo_user}/projects", "/v3/auth/projects",
                 "/v3/domains/default", "/v3/auth/catalog"):
        assert api_server.request("GET", path, token=demo).status_code == 200, path


def test_other_project_token(api_server: ApiServer) -> None:
    """A token scoped to demo reads demo, not admin; a user cannot scope where it has no
    role."""
    demo = api_server.token("demo", "demo")
    admin_project = ids(api_server, "project", "admin")
    answer = api_server.request("GET", f"/v3/projects/{admin_project}/tags", token=demo)
    assert answer.json() == forbidden("identity:list_project_tags")
    auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "demo", "domain": {"id": "default"},
        "password": api_server.passwords["demo"]}}},
        "scope": {"project": {"id": admin_project}}}}
    answer = api_server.request("POST", "/v3/auth/tokens", json_body=auth)
    assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)


def test_wrong_password_and_unknown_user(api_server: ApiServer) -> None:
    for user, password in (("admin", "wrong"), ("nobody", "x")):
        auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": "Default"}, "password": password}}}}}
        answer = api_server.request("POST", "/v3/auth/tokens", json_body=auth)
        assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)


def test_password_change_and_disable_revoke_tokens(api_server: ApiServer) -> None:
    admin = api_server.token()
    made = api_server.request("POST", "/v3/users", token=admin, json_body={"user": {
        "name": "carol", "password": "first-secret", "default_project_id":
        ids(api_server, "project", "demo")}})
    assert made.status_code == 201, made.text
    carol_id = made.json()["user"]["id"]
    grant = api_server.request(
        "PUT", f"/v3/projects/{ids(api_server, 'project', 'demo')}/users/{carol_id}/roles/"
               f"{ids(api_server, 'role', 'member')}", token=admin)
    assert grant.status_code == 204, grant.text
    # No scope: Keystone scopes to the default project.
    token = api_server.token("carol", None, password="first-secret")
    body = api_server.request("GET", "/v3/auth/tokens", token=admin,
                              headers={"X-Subject-Token": token}).json()["token"]
    assert body["project"]["name"] == "demo"
    assert [r["name"] for r in body["roles"]] == ["member", "reader"]
    changed = api_server.request("PATCH", f"/v3/users/{carol_id}", token=admin,
                                 json_body={"user": {"password": "second-secret"}})
    assert changed.status_code == 200, changed.text
    assert api_server.request("GET", "/v3/auth/projects", token=token).status_code == 401
    fresh = api_server.token("carol", "demo", password="second-secret")
    assert api_server.request("GET", "/v3/auth/projects", token=fresh).status_code == 200
    api_server.request("PATCH", f"/v3/users/{carol_id}", token=admin,
                       json_body={"user": {"enabled": False}})
    assert api_server.request("GET", "/v3/auth/projects", token=fresh).status_code == 401
    assert api_server.request("DELETE", f"/v3/users/{carol_id}", token=admin).status_code == 204


MALFORMED: list[tuple[str, str, Any, str]] = [
    ("POST", "/v3/projects", b"not json",
     "Expecting to find valid JSON in request body. The server could not comply with the "
     "request since it is either malformed or otherwise incorrect. The client is assumed to "
     "be in error."),
    ("POST", "/v3/projects", {"project": {"name": 5}},
     "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'"),
    ("POST", "/v3/projects", {"project": {"name": "x" * 65}},
     f"Invalid input for field/attribute name. Value: {'x' * 65}. '{'x' * 65}' is too long"),
    ("POST", "/v3/projects", {"project": {"name": "   "}},
     "Invalid input for field/attribute name. Value:    . '   ' does not match '[\\\\S]+'"),
    ("POST", "/v3/projects", {"project": {"description": "no name"}},
     "Invalid input for field/attribute project. Value: {'description': 'no name'}. 'name' "
     "is a required property"),
    ("POST", "/v3/projects", {"project": {"name": "p", "tags": ["a/b"]}},
     "Invalid input for field/attribute 0. Value: a/b. 'a/b' does not match '^[^,/]*$'"),
    ("POST", "/v3/projects", {"proj": {}},
     "Additional properties are not allowed ('proj' was unexpected)"),
    ("PATCH", "/v3/users/{admin}", {"user": {}},
     "Invalid input for field/attribute user. Value: {}. {} should be non-empty"),
    ("POST", "/v3/projects", {"project": {"name": "p", "enabled": "maybe"}},
     "Invalid input for field/attribute enabled. Value: maybe. 'maybe' is not one of [True, "
     "'True', 'TRUE', 'true', False, 'False', 'FALSE', 'false', '', '1', '0', 'y', 'Y', 'n', "
     "'N', 'on', 'ON', 'off', 'OFF', 'yes', 'no']"),
    ("POST", "/v3/users", {"user": {"name": ["alice"]}},
     "Invalid input for field/attribute name. Value: ['alice']. ['alice'] is not of type "
     "'string'"),
    ("POST", "/v3/users", {"user": {"name": "u" * 300}}, None),
    ("POST", "/v3/roles", {"role": {"name": 1.5}},
     "Invalid input for field/attribute name. Value: 1.5. 1.5 is not of type 'string'"),
    ("POST", "/v3/auth/tokens", {"auth": {}}, None),
    ("POST", "/v3/auth/tokens", {"auth": {"identity": {"methods": ["password"]}}},
     "Expecting to find password in identity. The server could not comply with the request "
     "since it is either malformed or otherwise incorrect. The client is assumed to be in "
     "error."),
    ("POST", "/v3/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": "admin", "password": "x"}}}}},
     "Expecting to find domain in user. The server could not comply with the request since "
     "it is either malformed or otherwise incorrect. The client is assumed to be in error."),
]


@pytest.mark.parametrize(("method", "path", "body", "message"), MALFORMED)
def test_malformed_bodies(api_server: ApiServer, method: str, path: str, body: Any,
                          message: str | None) -> None:
    admin = api_server.token()
    path = path.replace("{admin}", ids(api_server, "user", "admin"))
    before = api_server.records()
    if isinstance(body, bytes):
        answer = api_server.request(method, path, token=admin, data=body,
                                    headers={"Content-Type": "application/json"})
    else:
        answer = api_server.request(method, path, token=admin, json_body=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["title"]) == (400, "Bad Request")
    if message is not None:
        assert error["message"] == message
    assert api_server.records() == before


def test_huge_body(api_server: ApiServer) -> None:
    admin = api_server.token()
    before = api_server.records()
    answer = api_server.request("POST", "/v3/projects", token=admin,
                                json_body={"project": {"name": "big", "x": "y" * 200_000}})
    assert answer.status_code == 413
    assert answer.json()["error"]["message"] == "Request is too large."
    assert api_server.records() == before


def test_no_secret_in_the_log(api_server: ApiServer) -> None:
    token = api_server.token()
    api_server.request("GET", "/v3/projects", token=token)
    api_server.request("GET", "/v3/auth/tokens", token=token,
                       headers={"X-Subject-Token": token})
    log = api_server.log()
    assert "POST /v3/auth/tokens 201" in log
    assert "GET /v3/projects 200" in log
    for secret in (token, *api_server.passwords.values(), "first-secret", "second-secret"):
        assert secret not in log
    assert "gAAAAA" not in log


def test_tokens_do_not_reach_the_store(api_server: ApiServer) -> None:
    token = api_server.token()
    text = "\n".join(str(r) for r in api_server.records())
    assert token not in text
    assert not any(p in text for p in api_server.passwords.values())


def test_keys_are_private(api_server: ApiServer) -> None:
    keys = Path(api_server.home) / "fernet-keys"
    assert keys.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in keys.iterdir()) == ["0", "1"]
    for path in keys.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600
