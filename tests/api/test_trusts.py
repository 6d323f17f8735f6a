"""Keystone's trusts through ``ostack api``: ``/v3/OS-TRUST/trusts`` with the bodies, statuses
and refusals realstack's Keystone 30 answers, trust-scoped tokens (the trustee's, with the
trust's roles on the trustor's project), and the real client's ``trust`` commands giving
what ostack's own give."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.api.conftest import ApiServer

UNAUTHORIZED = {"error": {"code": 401, "message": "The request you have made requires "
                          "authentication.", "title": "Unauthorized"}}
FORBIDDEN = {"error": {"code": 403, "message": "You are not authorized to perform the "
                       "requested action.", "title": "Forbidden"}}
LIST_KEYS = ["id", "trustor_user_id", "trustee_user_id", "project_id", "impersonation",
             "expires_at", "remaining_uses", "deleted_at", "redelegated_trust_id",
             "redelegation_count", "links"]
SHOW_KEYS = ["roles", *LIST_KEYS[:-1], "roles_links", "links"]


def whoami(api_server: ApiServer, token: str) -> dict[str, Any]:
    answer = api_server.request("GET", "/v3/auth/tokens?nocatalog", token=token,
                                headers={"X-Subject-Token": token})
    return dict(answer.json()["token"])


def create(api_server: ApiServer, token: str, **ref: Any) -> Any:
    return api_server.request("POST", "/v3/OS-TRUST/trusts", token=token,
                              json_body={"trust": ref})


def trust_token(api_server: ApiServer, trust_id: str, user: str = "demo") -> Any:
    auth = {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"},
        "password": api_server.passwords[user]}}},
        "scope": {"OS-TRUST:trust": {"id": trust_id}}}
    return api_server.request("POST", "/v3/auth/tokens?nocatalog", json_body={"auth": auth})


def _ids(api_server: ApiServer) -> tuple[str, str, str, str]:
    admin = api_server.token()
    demo = api_server.token("demo", "demo")
    admin_ref, demo_ref = whoami(api_server, admin), whoami(api_server, demo)
    return admin, admin_ref["user"]["id"], demo_ref["user"]["id"], admin_ref["project"]["id"]


def test_trust_bodies_and_scoped_tokens(api_server: ApiServer) -> None:
    admin, admin_id, demo_id, project_id = _ids(api_server)
    made = create(api_server, admin, trustor_user_id=admin_id, trustee_user_id=demo_id,
                  project_id=project_id, impersonation=False, roles=[{"name": "member"}])
    assert made.status_code == 201, made.text
    trust = made.json()["trust"]
    assert list(trust) == SHOW_KEYS
    assert [r["name"] for r in trust["roles"]] == ["member"]
    role_id = trust["roles"][0]["id"]
    assert trust["roles"][0]["links"] == {"self": api_server.url(f"/v3/roles/{role_id}")}
    # Keystone's roles_links leaves out OS-TRUST/trusts.
    assert trust["roles_links"] == {"self": api_server.url(f"/v3/{trust['id']}/roles"),
                                    "next": None, "previous": None}
    assert (trust["redelegation_count"], trust["deleted_at"], trust["expires_at"]) == (
        0, None, None)
    path = f"/v3/OS-TRUST/trusts/{trust['id']}"
    listed = api_server.request("GET", "/v3/OS-TRUST/trusts", token=admin).json()
    assert [list(t) for t in listed["trusts"]] == [LIST_KEYS]
    shown = api_server.request("GET", path, token=admin).json()["trust"]
    assert shown == trust
    roles = api_server.request("GET", f"{path}/roles", token=admin).json()
    assert roles == {"roles": trust["roles"], "links": trust["roles_links"]}
    one = api_server.request("GET", f"{path}/roles/{role_id}", token=admin).json()
    assert one == {"role": trust["roles"][0]}
    missing = api_server.request("GET", f"{path}/roles/nosuch", token=admin)
    assert (missing.status_code, missing.json()["error"]["message"]) == (
        404, "Could not find role: nosuch.")

    # The trustee's token: the trust's roles (and those they imply) on the trustor's project.
    issued = trust_token(api_server, trust["id"])
    assert issued.status_code == 201, issued.text
    body = issued.json()["token"]
    assert body["OS-TRUST:trust"] == {"id": trust["id"], "trustor_user": {"id": admin_id},
                                      "trustee_user": {"id": demo_id}, "impersonation": False}
    assert (body["user"]["id"], body["project"]["id"]) == (demo_id, project_id)
    assert [r["name"] for r in body["roles"]] == ["member", "reader"]
    assert "is_domain" not in body
    token = issued.headers["X-Subject-Token"]
    servers = api_server.request("GET", "/compute/v2.1/servers", token=token)
    assert servers.status_code == 200, servers.text
    # A trust-scoped token makes no other token.
    rescoped = api_server.request("POST", "/v3/auth/tokens", json_body={"auth": {
        "identity": {"methods": ["token"], "token": {"id": token}},
        "scope": {"project": {"id": project_id}}}})
    assert rescoped.status_code == 403
    assert "Using trust-scoped token to create another token" in rescoped.text
    # Delegated: no application credentials, access rules, nor a trust redelegated.
    before = api_server.records()
    for where in ("application_credentials", "access_rules"):
        refused = api_server.request("GET", f"/v3/users/{demo_id}/{where}", token=token)
        assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    demo_project = whoami(api_server, api_server.token("demo", "demo"))["project"]["id"]
    again = create(api_server, token, trustor_user_id=demo_id, trustee_user_id=admin_id,
                   project_id=demo_project, impersonation=False, roles=[{"name": "reader"}])
    assert (again.status_code, again.json()) == (403, FORBIDDEN)
    assert api_server.records() == before
    # Only the trustee uses it; an unknown trust is the 401; the ID is required.
    assert trust_token(api_server, trust["id"], user="admin").json() == FORBIDDEN
    assert trust_token(api_server, "nosuch").json() == UNAUTHORIZED
    bad = api_server.request("POST", "/v3/auth/tokens", json_body={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"name": "Default"},
            "password": api_server.passwords["demo"]}}},
        "scope": {"OS-TRUST:trust": {}}}})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("Expecting to find trust_id in trust.")

    # Deleted: its tokens no longer validate.
    assert api_server.request("DELETE", path, token=admin).status_code == 204
    validated = api_server.request("GET", "/v3/auth/tokens", token=admin,
                                   headers={"X-Subject-Token": token})
    assert (validated.status_code, validated.json()["error"]["message"]) == (
        404, f"Could not find trust: {trust['id']}.")
    assert api_server.request("GET", "/compute/v2.1/servers", token=token).status_code == 401
    assert api_server.request("GET", path, token=admin).status_code == 404


def test_impersonation_and_remaining_uses(api_server: ApiServer) -> None:
    admin, admin_id, demo_id, project_id = _ids(api_server)
    made = create(api_server, admin, trustor_user_id=admin_id, trustee_user_id=demo_id,
                  project_id=project_id, impersonation=True, remaining_uses=2,
                  expires_at="2030-01-01T00:00:00", roles=[{"name": "reader"}]).json()["trust"]
    assert (made["expires_at"], made["remaining_uses"]) == ("2030-01-01T00:00:00.000000Z", 2)
    first = trust_token(api_server, made["id"])
    assert first.status_code == 201
    # Impersonation: the token's user is the trustor.
    assert first.json()["token"]["user"]["id"] == admin_id
    assert first.json()["token"]["expires_at"] <= "2030-01-01T00:00:00.000000Z"
    shown = api_server.request("GET", f"/v3/OS-TRUST/trusts/{made['id']}", token=admin)
    assert shown.json()["trust"]["remaining_uses"] == 1
    # The last use is used up by the token it issues, as Keystone's is.
    assert trust_token(api_server, made["id"]).status_code == 201
    assert trust_token(api_server, made["id"]).json() == UNAUTHORIZED
    listed = api_server.request("GET", f"/v3/OS-TRUST/trusts?trustee_user_id={demo_id}",
                                token=admin).json()["trusts"]
    assert [(t["id"], t["remaining_uses"]) for t in listed if t["id"] == made["id"]] == [
        (made["id"], 0)]
    assert api_server.request("DELETE", f"/v3/OS-TRUST/trusts/{made['id']}",
                              token=admin).status_code == 404


def test_trust_refusals(api_server: ApiServer) -> None:
    admin, admin_id, demo_id, project_id = _ids(api_server)
    demo = api_server.token("demo", "demo")
    before = api_server.records()

    def refused(token: str, **ref: Any) -> tuple[int, str]:
        answer = create(api_server, token, **ref)
        return answer.status_code, answer.json()["error"]["message"]

    base = {"trustor_user_id": admin_id, "trustee_user_id": demo_id,
            "project_id": project_id, "impersonation": False}
    assert refused(demo, **base, roles=[{"name": "member"}]) == (
        403, "You are not authorized to perform the requested action: identity:create_trust.")
    assert refused(admin, **base) == (
        403, "You are not authorized to perform the requested action: At least one role "
             "should be specified.")
    assert refused(admin, **{**base, "trustee_user_id": "nosuch"},
                   roles=[{"name": "member"}]) == (404, "Could not find user: nosuch.")
    assert refused(admin, **base, roles=[{"id": "nosuch"}]) == (
        404, "Could not find role: nosuch.")
    status, _ = refused(admin, **base, roles=[{"name": "member"}], remaining_uses=0)
    assert status == 400
    assert api_server.request("GET", "/v3/OS-TRUST/trusts", token=demo).json()["error"][
        "message"] == "You are not authorized to perform the requested action: " \
                      "identity:list_trusts."
    assert api_server.request("GET", f"/v3/OS-TRUST/trusts?trustor_user_id={admin_id}",
                              token=demo).status_code == 403
    own = api_server.request("GET", f"/v3/OS-TRUST/trusts?trustee_user_id={demo_id}",
                             token=demo).json()
    assert {t["trustee_user_id"] for t in own["trusts"]} <= {demo_id}
    assert own["links"] == {"next": None, "previous": None, "self": api_server.url(
        f"/v3/OS-TRUST/trusts?trustee_user_id={demo_id}")}
    assert api_server.records() == before


# -- the real client --------------------------------------------------------------------------


def _env(clouds: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(clouds), "CLIFF_MAX_TERM_WIDTH": "0"})
    return env


def test_real_client_trusts_match_ostack(api_server: ApiServer, real_openstack: Path) -> None:
    def real(*args: str) -> Any:
        done = subprocess.run([str(real_openstack), "--os-cloud", "ostack", *args],
                              capture_output=True, text=True, env=_env(api_server.clouds_yaml),
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout else None

    def own(*args: str) -> Any:
        done = api_server.ostack(*args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout else None

    made = real("trust", "create", "--project", "admin", "--role", "member", "admin", "demo",
                "-f", "json")
    mine = own("trust", "create", "--project", "admin", "--role", "member", "admin", "demo",
               "-f", "json")

    def same(shown: dict[str, Any]) -> dict[str, Any]:
        # The API's role references carry links; the CLI on the store has no endpoint.
        return {**shown, "id": None,
                "roles": [{k: v for k, v in r.items() if k != "links"} for r in shown["roles"]]}

    assert same(made) == same(mine)
    assert made["roles"][0]["links"]["self"].startswith(api_server.url("/v3/roles/"))
    assert same(real("trust", "show", made["id"], "-f", "json")) == same(
        own("trust", "show", mine["id"], "-f", "json"))
    assert real("trust", "list", "-f", "json") == own("trust", "list", "-f", "json")
    real("trust", "delete", made["id"])
    own("trust", "delete", mine["id"])
    left = {t["ID"] for t in own("trust", "list", "-f", "json")}
    assert not left & {made["id"], mine["id"]}
