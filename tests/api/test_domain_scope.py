"""Keystone's domain-scoped tokens through ``ostack api serve``: who gets one (a role on the
domain: the bootstrap admin, as devstack gives it, or anyone ``role add --domain`` names),
the token's body, what it may do in Keystone (the domain's identity resources) and how the
other services refuse it, each as realstack answers (Keystone 30, Nova, Neutron, Glance,
Cinder, Placement)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api.conftest import ApiServer
from tests.api.test_clients import real

UNAUTHORIZED = {"error": {"code": 401, "title": "Unauthorized",
                          "message": "The request you have made requires authentication."}}
MALFORMED = ("The server could not comply with the request since it is either malformed or "
             "otherwise incorrect. The client is assumed to be in error.")


def scoped(api_server: ApiServer, user: str, scope: Any) -> requests.Response:
    auth = {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"}, "password": api_server.passwords[user]}}},
        "scope": scope}
    return api_server.request("POST", "/v3/auth/tokens", json_body={"auth": auth})


@pytest.fixture(scope="module")
def domain_token(api_server: ApiServer) -> str:
    answer = scoped(api_server, "admin", {"domain": {"id": "default"}})
    assert answer.status_code == 201, answer.text
    return answer.headers["X-Subject-Token"]


def test_the_bootstrap_admin_gets_a_domain_token(api_server: ApiServer) -> None:
    for domain in ({"id": "default"}, {"name": "Default"}):
        answer = scoped(api_server, "admin", {"domain": domain})
        assert answer.status_code == 201, answer.text
        body = answer.json()["token"]
        # keystone/token/provider.py: the domain instead of the project, no is_domain.
        assert list(body) == ["methods", "user", "audit_ids", "expires_at", "issued_at",
                              "domain", "roles", "catalog"]
        assert body["domain"] == {"id": "default", "name": "Default"}
        assert [r["name"] for r in body["roles"]] == ["admin", "manager", "member", "reader"]
        assert "placement" in [entry["type"] for entry in body["catalog"]]
    nocatalog = api_server.request("POST", "/v3/auth/tokens?nocatalog", json_body={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"},
            "password": api_server.passwords["admin"]}}},
        "scope": {"domain": {"id": "default"}}}})
    assert "catalog" not in nocatalog.json()["token"]


def test_domain_scope_refusals(api_server: ApiServer) -> None:
    # No role on the domain, or no such domain: Keystone's 401, its message hidden.
    for user, domain in (("demo", {"id": "default"}), ("admin", {"id": "nosuch"}),
                         ("admin", {"name": "Nosuch"})):
        answer = scoped(api_server, user, {"domain": domain})
        assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)
    answer = scoped(api_server, "admin", {"domain": {}})
    assert (answer.status_code, answer.json()["error"]["message"]) == (
        400, "Invalid input for field scope/domain: id or name must be present.")
    answer = scoped(api_server, "admin", {"domain": {"id": "default"}, "project": {"id": "x"}})
    assert (answer.status_code, answer.json()["error"]["message"]) == (
        400, "Expecting to find system, project, domain, OS-TRUST:trust or unscoped in scope. "
             + MALFORMED)


def test_auth_domains_and_validation(api_server: ApiServer, domain_token: str) -> None:
    admin = api_server.token()
    listed = api_server.request("GET", "/v3/auth/domains", token=admin).json()["domains"]
    assert [(d["id"], d["name"]) for d in listed] == [("default", "Default")]
    demo = api_server.token("demo", "demo")
    assert api_server.request("GET", "/v3/auth/domains", token=demo).json()["domains"] == []
    checked = api_server.request("GET", "/v3/auth/tokens", token=admin,
                                 headers={"X-Subject-Token": domain_token})
    assert checked.status_code == 200
    assert sorted(checked.json()["token"]) == ["audit_ids", "catalog", "domain", "expires_at",
                                               "issued_at", "methods", "roles", "user"]
    # A catalog needs a project (Keystone's 403 for a domain token too).
    catalog = api_server.request("GET", "/v3/auth/catalog", token=domain_token)
    assert catalog.status_code == 403


def test_a_domain_admin_manages_the_domains_identity(api_server: ApiServer,
                                                     domain_token: str) -> None:
    users = api_server.request("GET", "/v3/users", token=domain_token)
    assert users.status_code == 200
    assert {"admin", "demo"} <= {u["name"] for u in users.json()["users"]}
    made = api_server.request("POST", "/v3/users", token=domain_token,
                              json_body={"user": {"name": "domain-made"}})
    assert made.status_code == 201, made.text
    user_id = made.json()["user"]["id"]
    assignments = api_server.request(
        "GET", "/v3/role_assignments?scope.domain.id=default&include_names", token=domain_token)
    assert [(a["user"]["name"], a["role"]["name"])
            for a in assignments.json()["role_assignments"]] == [("admin", "admin")]
    gone = api_server.request("DELETE", f"/v3/users/{user_id}", token=domain_token)
    assert gone.status_code == 204


def test_the_other_services_refuse_a_domain_token(api_server: ApiServer,
                                                  domain_token: str) -> None:
    def get(path: str) -> requests.Response:
        return api_server.request("GET", path, token=domain_token)

    # Nova: project-scoped policies by name; flavors answer any token.
    for path, rule in (("/compute/v2.1/servers", "os_compute_api:servers:index"),
                       ("/compute/v2.1/os-hypervisors", "os_compute_api:os-hypervisors:list")):
        answer = get(path)
        assert (answer.status_code, answer.json()) == (403, {"forbidden": {
            "code": 403, "message": f"Policy doesn't allow {rule} to be performed."}})
    assert get("/compute/v2.1/flavors").status_code == 200
    # Neutron: every item fails its scope check, the lists are empty; quotas refused.
    for collection in ("networks", "subnets", "ports", "routers", "security-groups"):
        answer = get(f"/network/v2.0/{collection}")
        assert (answer.status_code, answer.json()) == (200, {collection.replace("-", "_"): []})
    quotas = get("/network/v2.0/quotas")
    assert (quotas.status_code, quotas.json()["NeutronError"]["type"]) == (403, "InvalidScope")
    assert quotas.json()["NeutronError"]["message"] == (
        "rule:get_quota requires a scope of ['project'], request was made with domain scope.")
    # Glance: its policy's 403 page.
    images = get("/image/v2/images")
    assert images.status_code == 403
    assert "You are not authorized to complete get_images action." in images.text
    # Cinder: nothing in no project.
    assert (get("/volume/v3/volumes").status_code, get("/volume/v3/volumes").json()) == (
        200, {"volumes": []})
    # Placement: admin-only, and this admin is no project's.
    providers = get("/placement/resource_providers")
    assert providers.status_code == 403
    assert providers.json()["errors"][0]["detail"] == (
        "Access was denied to this resource.\n\n placement:resource_providers:list  ")


@pytest.mark.slow
def test_real_client_domain_roles(api_server: ApiServer, real_openstack: Path) -> None:
    """``role add --domain`` gives a domain token; ``role remove`` takes it back."""
    listed = real(api_server, real_openstack, "role", "assignment", "list", "--domain",
                  "default", "--names")
    assert [(r["Role"], r["User"], r["Domain"]) for r in listed] == [
        ("admin", "admin@Default", "Default")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    import subprocess

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(real_openstack), "--os-cloud", "ostack", *args],
                              capture_output=True, text=True, env=env, timeout=120,
                              check=False)

    done = run("role", "add", "--domain", "default", "--user", "demo", "member")
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert scoped(api_server, "demo", {"domain": {"id": "default"}}).status_code == 201
    listed = real(api_server, real_openstack, "role", "assignment", "list", "--domain",
                  "default", "--names")
    assert ("member", "demo@Default", "Default") in [(r["Role"], r["User"], r["Domain"])
                                                     for r in listed]
    done = run("role", "remove", "--domain", "default", "--user", "demo", "member")
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert scoped(api_server, "demo", {"domain": {"id": "default"}}).status_code == 401


@pytest.mark.slow
def test_openstacksdk_with_a_domain_scope(api_server: ApiServer) -> None:
    import openstack

    conn = openstack.connect(auth_url=f"{api_server.base_url}/v3", username="admin",
                             password=api_server.passwords["admin"],
                             user_domain_name="Default", domain_name="Default")
    try:
        assert conn.session.auth.get_access(conn.session).domain_id == "default"
        assert {"admin", "demo"} <= {u.name for u in conn.identity.users()}
    finally:
        conn.close()
