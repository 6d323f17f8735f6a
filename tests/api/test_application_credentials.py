"""Keystone's application credentials through ``ostack api``: the CRUD under
``/v3/users/{user_id}/application_credentials`` and the ``application_credential`` auth
method, with the bodies, statuses and refusals realstack's Keystone answers (recorded with
the real client and openstacksdk's session); then the real client and openstacksdk
authenticating with ``auth_type: v3applicationcredential``."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.api.conftest import ApiServer

UNAUTHORIZED = {"error": {"code": 401, "message": "The request you have made requires "
                          "authentication.", "title": "Unauthorized"}}
RESTRICTED = ("You are not authorized to perform the requested action: Using method "
              "'application_credential' is not allowed for managing additional application "
              "credentials..")
CREDENTIAL_KEYS = ["id", "name", "description", "user_id", "project_id", "system",
                   "expires_at", "unrestricted", "roles", "links"]


def user_id(api_server: ApiServer, token: str) -> str:
    answer = api_server.request("GET", "/v3/auth/tokens", token=token,
                                headers={"X-Subject-Token": token})
    return str(answer.json()["token"]["user"]["id"])


def create(api_server: ApiServer, token: str, **ref: Any) -> dict[str, Any]:
    owner = user_id(api_server, token)
    answer = api_server.request("POST", f"/v3/users/{owner}/application_credentials",
                                token=token, json_body={"application_credential": ref})
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["application_credential"])


def credential_token(api_server: ApiServer, method: dict[str, Any],
                     **extra: Any) -> Any:
    auth = {"identity": {"methods": ["application_credential"],
                         "application_credential": method}, **extra}
    return api_server.request("POST", "/v3/auth/tokens?nocatalog", json_body={"auth": auth})


def test_crud_bodies(api_server: ApiServer) -> None:
    token = api_server.token()
    owner = user_id(api_server, token)
    made = create(api_server, token, name="crud", secret="s3cret",
                  roles=[{"name": "member"}], description="d")
    assert list(made) == [*CREDENTIAL_KEYS[:-1], "secret", "links"]
    assert made["secret"] == "s3cret"
    assert (made["unrestricted"], made["system"], made["expires_at"]) == (None, None, None)
    # The role asked for, then the roles it implies.
    assert [r["name"] for r in made["roles"]] == ["member", "reader"]
    assert made["links"] == {"self": api_server.url(f"/v3/application_credentials/"
                                                    f"{made['id']}")}
    path = f"/v3/users/{owner}/application_credentials"
    listed = api_server.request("GET", f"{path}?name=crud", token=token).json()
    assert listed["links"] == {"next": None, "self": api_server.url(f"{path}?name=crud"),
                               "previous": None}
    [item] = listed["application_credentials"]
    assert list(item) == CREDENTIAL_KEYS
    assert [r["id"] for r in item["roles"]] == sorted(r["id"] for r in made["roles"])
    shown = api_server.request("GET", f"{path}/{made['id']}", token=token).json()
    assert shown == {"application_credential": item}
    for method in ("GET", "DELETE"):
        missing = api_server.request(method, f"{path}/nope", token=token)
        assert (missing.status_code, missing.json()) == (404, {"error": {
            "code": 404, "message": "Could not find Application Credential: nope.",
            "title": "Not Found"}})
    assert api_server.request("DELETE", f"{path}/{made['id']}", token=token).status_code == 204
    assert api_server.request("GET", f"{path}?name=crud", token=token).json()[
        "application_credentials"] == []


def test_create_refusals(api_server: ApiServer) -> None:
    token = api_server.token()
    owner = user_id(api_server, token)
    path = f"/v3/users/{owner}/application_credentials"
    before = api_server.records()
    cases = [
        ({"name": "x", "roles": [{"name": "nope"}]}, 404, "Role nope is not defined"),
        ({"name": "x", "expires_at": "2020-01-01T00:00:00"}, 400,
         "The 'expires_at' must not be before now. The server could not comply with the "
         "request since it is either malformed or otherwise incorrect. The client is assumed "
         "to be in error."),
    ]
    for ref, status, message in cases:
        answer = api_server.request("POST", path, token=token,
                                    json_body={"application_credential": ref})
        assert (answer.status_code, answer.json()["error"]["message"]) == (status, message)
    assert api_server.request("POST", path, token=token, json_body={
        "application_credential": {"bogus": 1}}).status_code == 400
    member = api_server.token("demo", "demo")
    escalated = api_server.request("POST", f"/v3/users/{user_id(api_server, member)}"
                                   "/application_credentials", token=member,
                                   json_body={"application_credential": {
                                       "name": "x", "roles": [{"name": "admin"}]}})
    assert (escalated.status_code, escalated.json()["error"]["message"]) == (
        400, "Invalid application credential: Cannot create an application credential with "
             "unassigned role")
    foreign = api_server.request("GET", path, token=member)
    assert (foreign.status_code, foreign.json()["error"]["message"]) == (
        403, "You are not authorized to perform the requested action: "
             "identity:list_application_credentials.")
    assert api_server.records() == before


def test_authenticate_by_id_and_by_name(api_server: ApiServer) -> None:
    token = api_server.token()
    owner = user_id(api_server, token)
    made = create(api_server, token, name="auth", secret="s3cret", roles=[{"name": "member"}])
    by_id = credential_token(api_server, {"id": made["id"], "secret": "s3cret"})
    assert by_id.status_code == 201, by_id.text
    body = by_id.json()["token"]
    assert body["methods"] == ["application_credential"]
    assert body["project"]["id"] == made["project_id"]
    assert [r["name"] for r in body["roles"]] == [r["name"] for r in sorted(
        made["roles"], key=lambda r: r["id"])]
    assert body["application_credential"] == {"id": made["id"], "name": "auth",
                                              "restricted": True}
    issued = by_id.headers["X-Subject-Token"]
    # Only the credential's roles: no admin call.
    refused = api_server.request("GET", "/v3/users", token=issued)
    assert refused.status_code == 403
    validated = api_server.request("GET", "/v3/auth/tokens?nocatalog", token=issued,
                                   headers={"X-Subject-Token": issued})
    assert validated.json()["token"]["application_credential"]["id"] == made["id"]
    for user in ({"id": owner}, {"name": "admin", "domain": {"id": "default"}}):
        by_name = credential_token(api_server, {"name": "auth", "user": user,
                                                "secret": "s3cret"})
        assert by_name.status_code == 201, by_name.text


def test_authentication_refusals(api_server: ApiServer) -> None:
    token = api_server.token()
    owner = user_id(api_server, token)
    made = create(api_server, token, name="refused", secret="s3cret")
    wrong = credential_token(api_server, {"id": made["id"], "secret": "bad"})
    assert (wrong.status_code, wrong.json()) == (401, UNAUTHORIZED)
    assert wrong.headers["WWW-Authenticate"].startswith("Keystone uri=")
    unknown = credential_token(api_server, {"id": "nope", "secret": "bad"})
    assert (unknown.status_code, unknown.json()["error"]["message"]) == (
        404, "Could not find Application Credential: nope.")
    by_unknown_name = credential_token(api_server, {"name": "nope", "secret": "s3cret",
                                                    "user": {"id": owner}})
    assert (by_unknown_name.status_code, by_unknown_name.json()) == (401, UNAUTHORIZED)
    no_user = credential_token(api_server, {"name": "refused", "secret": "s3cret"})
    assert (no_user.status_code, no_user.json()["error"]["message"]) == (
        400, "Expecting to find user in application credential. The server could not comply "
             "with the request since it is either malformed or otherwise incorrect. The "
             "client is assumed to be in error.")
    no_name = credential_token(api_server, {"secret": "s3cret"})
    assert no_name.json()["error"]["message"].startswith(
        "Expecting to find name or ID in application credential.")
    scoped = credential_token(api_server, {"id": made["id"], "secret": "s3cret"},
                              scope={"project": {"id": made["project_id"]}})
    assert (scoped.status_code, scoped.json()) == (401, {"error": {
        "code": 401, "identity": {}, "message": "Error authenticating with application "
        "credential: Application credentials cannot request a scope.",
        "title": "Unauthorized"}})
    missing = api_server.request("POST", "/v3/auth/tokens", json_body={"auth": {"identity": {
        "methods": ["application_credential"]}}})
    assert missing.json()["error"]["message"].startswith(
        "Expecting to find application_credential in identity.")


def test_restricted_credentials_manage_nothing(api_server: ApiServer) -> None:
    token = api_server.token()
    owner = user_id(api_server, token)
    path = f"/v3/users/{owner}/application_credentials"
    restricted = create(api_server, token, name="restricted", secret="s3cret")
    issued = credential_token(api_server, {"id": restricted["id"], "secret": "s3cret"}
                              ).headers["X-Subject-Token"]
    before = api_server.records()
    made = api_server.request("POST", path, token=issued,
                              json_body={"application_credential": {"name": "child"}})
    assert (made.status_code, made.json()["error"]["message"]) == (403, RESTRICTED)
    gone = api_server.request("DELETE", f"{path}/{restricted['id']}", token=issued)
    assert (gone.status_code, gone.json()["error"]["message"]) == (403, RESTRICTED)
    trust = api_server.request("POST", "/v3/OS-TRUST/trusts", token=issued, json_body={
        "trust": {"trustor_user_id": owner, "trustee_user_id": owner,
                  "impersonation": False}})
    assert (trust.status_code, trust.json()["error"]["message"]) == (
        403, "You are not authorized to perform the requested action: Delegated tokens "
             "cannot manage trusts..")
    assert api_server.request("GET", path, token=issued).status_code == 200
    assert api_server.records() == before

    # An unrestricted one may make others, within its own roles.
    free = create(api_server, token, name="free", secret="s3cret", unrestricted=True,
                  roles=[{"name": "member"}])
    issued = credential_token(api_server, {"id": free["id"], "secret": "s3cret"}
                              ).headers["X-Subject-Token"]
    child = api_server.request("POST", path, token=issued,
                               json_body={"application_credential": {"name": "child"}})
    assert child.status_code == 201, child.text
    assert sorted(r["name"] for r in child.json()["application_credential"]["roles"]) == [
        "member", "reader"]
    escalated = api_server.request("POST", path, token=issued, json_body={
        "application_credential": {"name": "admin-child", "roles": [{"name": "admin"}]}})
    assert escalated.status_code == 400


def test_expired_and_deleted_credentials(api_server: ApiServer) -> None:
    token = api_server.token()
    owner = user_id(api_server, token)
    # Far enough for the create and the first token on a busy machine.
    ends = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=8)
    soon = ends.strftime("%Y-%m-%dT%H:%M:%S")
    expiring = create(api_server, token, name="expiring", secret="x", expires_at=soon)
    assert expiring["expires_at"] == soon + ".000000"
    first = credential_token(api_server, {"id": expiring["id"], "secret": "x"})
    assert first.status_code == 201
    # The token never outlives its credential.
    assert first.json()["token"]["expires_at"] == soon + ".000000Z"
    time.sleep(max(0.0, (ends - datetime.datetime.now(datetime.UTC)).total_seconds()) + 1)
    late = credential_token(api_server, {"id": expiring["id"], "secret": "x"})
    assert (late.status_code, late.json()) == (401, UNAUTHORIZED)

    deleted = create(api_server, token, name="deleted", secret="x")
    issued = credential_token(api_server, {"id": deleted["id"], "secret": "x"}
                              ).headers["X-Subject-Token"]
    assert api_server.request("DELETE", f"/v3/users/{owner}/application_credentials/"
                              f"{deleted['id']}", token=token).status_code == 204
    validated = api_server.request("GET", "/v3/auth/tokens", token=token,
                                   headers={"X-Subject-Token": issued})
    assert (validated.status_code, validated.json()["error"]["message"]) == (
        404, f"Could not find Application Credential: {deleted['id']}.")
    assert api_server.request("GET", "/compute/v2.1/servers", token=issued).status_code == 401
    again = credential_token(api_server, {"id": deleted["id"], "secret": "x"})
    assert again.status_code == 404


# -- clients ----------------------------------------------------------------------------------


def _env(clouds: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(clouds), "CLIFF_MAX_TERM_WIDTH": "0"})
    return env


def _real(binary: Path, clouds: Path, cloud: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary), "--os-cloud", cloud, *args], capture_output=True,
                          text=True, env=_env(clouds), timeout=120, check=False)


@pytest.mark.slow
def test_clients_authenticate_with_a_credential(api_server: ApiServer, real_openstack: Path,
                                                tmp_path: Path) -> None:
    made = _real(real_openstack, api_server.clouds_yaml, "ostack-demo", "application",
                 "credential", "create", "ansible", "--description", "for Ansible",
                 "-f", "json")
    assert made.returncode == 0, made.stderr
    credential = json.loads(made.stdout)
    assert credential["Unrestricted"] is False and credential["Access Rules"] == []
    listed = _real(real_openstack, api_server.clouds_yaml, "ostack-demo", "application",
                   "credential", "list", "-f", "json")
    assert [c["Name"] for c in json.loads(listed.stdout)] == ["ansible"]

    auth_url = api_server.url("/v3")
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(yaml.safe_dump({"clouds": {
        "by-id": {"auth_type": "v3applicationcredential", "auth": {
            "auth_url": auth_url, "application_credential_id": credential["ID"],
            "application_credential_secret": credential["Secret"]}},
        "by-name": {"auth_type": "v3applicationcredential", "auth": {
            "auth_url": auth_url, "application_credential_name": "ansible",
            "application_credential_secret": credential["Secret"],
            "username": "demo", "user_domain_name": "Default"}},
        "wrong": {"auth_type": "v3applicationcredential", "auth": {
            "auth_url": auth_url, "application_credential_id": credential["ID"],
            "application_credential_secret": "wrong"}},
    }}))
    clouds.chmod(0o600)
    for cloud in ("by-id", "by-name"):
        issued = _real(real_openstack, clouds, cloud, "token", "issue", "-f", "json")
        assert issued.returncode == 0, issued.stderr
        token = json.loads(issued.stdout)
        assert token["project_id"] == credential["Project ID"]
        servers = _real(real_openstack, clouds, cloud, "server", "list", "-f", "json")
        assert servers.returncode == 0, servers.stderr
        assert json.loads(servers.stdout) == []
    refused = _real(real_openstack, clouds, "wrong", "server", "list")
    assert refused.returncode == 1
    assert "The request you have made requires authentication." in refused.stderr

    import openstack

    saved = os.environ.get("OS_CLIENT_CONFIG_FILE")
    os.environ["OS_CLIENT_CONFIG_FILE"] = str(clouds)
    try:
        conn = openstack.connect(cloud="by-id")
        assert conn.current_project_id == credential["Project ID"]
        assert list(conn.compute.servers()) == []
        assert [n.name for n in conn.network.networks()]
        conn.close()
    finally:
        if saved is None:
            os.environ.pop("OS_CLIENT_CONFIG_FILE", None)
        else:
            os.environ["OS_CLIENT_CONFIG_FILE"] = saved
    deleted = _real(real_openstack, api_server.clouds_yaml, "ostack-demo", "application",
                    "credential", "delete", "ansible")
    assert deleted.returncode == 0, deleted.stderr
    gone = _real(real_openstack, clouds, "by-id", "token", "issue")
    assert gone.returncode == 1
