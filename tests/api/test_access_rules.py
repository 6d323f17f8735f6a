"""Keystone's access rules through ``ostack api``: ``/v3/users/{user_id}/access_rules`` with
realstack's bodies and refusals, and their enforcement (keystonemiddleware's
``validate_allowed_request``): a token from a credential with access rules calls only the
matching service, method and path; then the real client (keystoneauth's
``v3applicationcredential``) allowed on one route and refused on another."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.api.conftest import ApiServer

UNAUTHORIZED = {"error": {"code": 401, "message": "The request you have made requires "
                          "authentication.", "title": "Unauthorized"}}


def owner(api_server: ApiServer, token: str) -> str:
    answer = api_server.request("GET", "/v3/auth/tokens", token=token,
                                headers={"X-Subject-Token": token})
    return str(answer.json()["token"]["user"]["id"])


def credential(api_server: ApiServer, token: str, name: str,
               rules: list[dict[str, Any]]) -> dict[str, Any]:
    made = api_server.request(
        "POST", f"/v3/users/{owner(api_server, token)}/application_credentials", token=token,
        json_body={"application_credential": {"name": name, "secret": "s3cret",
                                               "access_rules": rules}})
    assert made.status_code == 201, made.text
    return dict(made.json()["application_credential"])


def credential_token(api_server: ApiServer, credential_id: str) -> str:
    answer = api_server.request("POST", "/v3/auth/tokens", json_body={"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": credential_id, "secret": "s3cret"}}}})
    assert answer.status_code == 201, answer.text
    return str(answer.headers["X-Subject-Token"])


def test_access_rule_bodies_and_refusals(api_server: ApiServer) -> None:
    token = api_server.token()
    user_id = owner(api_server, token)
    made = credential(api_server, token, "ruled", [
        {"service": "compute", "method": "GET", "path": "/v2.1/servers"}])
    [rule] = made["access_rules"]
    path = f"/v3/users/{user_id}/access_rules"
    expected = {**rule, "links": {"self": api_server.url(f"/v3/access_rules/{rule['id']}")}}
    assert list(expected) == ["id", "service", "path", "method", "links"]
    listed = api_server.request("GET", f"{path}?service=compute", token=token).json()
    assert listed == {"access_rules": [expected], "links": {
        "next": None, "self": api_server.url(f"{path}?service=compute"), "previous": None}}
    assert api_server.request("GET", f"{path}?method=POST", token=token).json()[
        "access_rules"] == []
    shown = api_server.request("GET", f"{path}/{rule['id']}", token=token).json()
    assert shown == {"access_rule": expected}

    before = api_server.records()
    in_use = api_server.request("DELETE", f"{path}/{rule['id']}", token=token)
    assert (in_use.status_code, in_use.json()["error"]["message"]) == (
        403, "May not delete access rule in use")
    missing = api_server.request("GET", f"{path}/nosuch", token=token)
    assert (missing.status_code, missing.json()["error"]["message"]) == (
        404, "Could not find Access Rule: nosuch.")
    demo = api_server.token("demo", "demo")
    others = api_server.request("GET", path, token=demo)
    assert (others.status_code, others.json()["error"]["message"]) == (
        403, "You are not authorized to perform the requested action: "
             "identity:list_access_rules.")
    assert api_server.records() == before

    assert api_server.request(
        "DELETE", f"/v3/users/{user_id}/application_credentials/{made['id']}",
        token=token).status_code == 204
    assert api_server.request("DELETE", f"{path}/{rule['id']}", token=token).status_code == 204
    assert api_server.request("GET", path, token=token).json()["access_rules"] == []


def test_access_rules_are_enforced(api_server: ApiServer) -> None:
    token = api_server.token()
    made = credential(api_server, token, "enforced", [
        {"service": "compute", "method": "GET", "path": "/v2.1/servers"},
        {"service": "compute", "method": "GET", "path": "/v2.1/flavors/*"},
        {"service": "image", "method": "GET", "path": "/v2/**"}])
    ruled = credential_token(api_server, made["id"])

    def status(method: str, path: str) -> int:
        return int(api_server.request(method, path, token=ruled).status_code)

    assert status("GET", "/compute/v2.1/servers") == 200
    assert status("GET", "/image/v2/images") == 200
    assert status("GET", "/image/v2/schemas/image") == 200
    # ``*`` is one segment: the flavor's ID, not the list nor what lies below a flavor.
    assert status("GET", "/compute/v2.1/flavors/1") in (200, 404)
    assert status("GET", "/compute/v2.1/flavors") == 401
    assert status("GET", "/compute/v2.1/flavors/1/os-extra_specs") == 401
    # Another method, path or service: keystonemiddleware's 401.
    refused = api_server.request("POST", "/compute/v2.1/servers", token=ruled, json_body={})
    assert (refused.status_code, refused.json()) == (401, UNAUTHORIZED)
    assert refused.headers["WWW-Authenticate"] == f'Keystone uri="{api_server.base_url}"'
    assert status("GET", "/compute/v2.1/servers/detail") == 401
    assert status("GET", "/network/v2.0/networks") == 401
    assert status("GET", "/v3/projects") == 401

    # Keystone validates such a token only for a caller that enforces the rules.
    def validated(**headers: str) -> int:
        return int(api_server.request("GET", "/v3/auth/tokens", token=token,
                                      headers={"X-Subject-Token": ruled, **headers}
                                      ).status_code)

    assert validated() == 404
    assert validated(**{"OpenStack-Identity-Access-Rules": "1.0"}) == 200

    # Without access rules, a credential's token goes anywhere its roles allow.
    free = credential_token(api_server, credential(api_server, token, "free", [])["id"])
    assert api_server.request("GET", "/network/v2.0/networks", token=free).status_code == 200


def _env(clouds: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(clouds), "CLIFF_MAX_TERM_WIDTH": "0"})
    return env


def test_real_client_meets_the_rules(api_server: ApiServer, real_openstack: Path,
                                     tmp_path: Path) -> None:
    token = api_server.token()
    made = credential(api_server, token, "osc", [
        {"service": "compute", "method": "GET", "path": "/v2.1/servers/detail"}])
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(yaml.safe_dump({"clouds": {"ruled": {
        "auth_type": "v3applicationcredential", "region_name": "RegionOne",
        "auth": {"auth_url": api_server.url("/v3"), "application_credential_id": made["id"],
                 "application_credential_secret": "s3cret"}}}}))
    clouds.chmod(0o600)

    def real(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(real_openstack), "--os-cloud", "ruled", *args],
                              capture_output=True, text=True, env=_env(clouds), timeout=120,
                              check=False)

    allowed = real("server", "list", "-f", "json")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout) == []
    refused = real("network", "list")
    assert refused.returncode == 1
    assert "The request you have made requires authentication." in refused.stderr
