"""Neutron's address scopes and RBAC policies through ``ostack api serve``: bodies, statuses
and ``NeutronError``s as realstack's Neutron answers them (``target_tenant`` in a policy's
body, ``tenant_id`` beside ``project_id``), a member's view, and the real client's
``-f json`` through the API the same as ``ostack``'s on the store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api.conftest import ApiServer
from tests.api.test_neutron_pools_agents import local, real, real_quiet

NETWORK = "/network/v2.0"


def neutron(api_server: ApiServer, method: str, path: str, token: str,
            body: Any = None) -> requests.Response:
    return api_server.request(method, NETWORK + path, token=token, json_body=body)


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


@pytest.fixture(scope="module")
def member(api_server: ApiServer) -> str:
    return api_server.token("demo", "demo")


def test_address_scopes(api_server: ApiServer, admin: str, member: str) -> None:
    made = neutron(api_server, "POST", "/address-scopes", admin, {"address_scope": {
        "name": "scope-a", "ip_version": 4}})
    assert made.status_code == 201, made.text
    scope = made.json()["address_scope"]
    assert sorted(scope) == ["id", "ip_version", "name", "project_id", "shared", "tenant_id"]
    assert (scope["ip_version"], scope["shared"]) == (4, False)
    assert neutron(api_server, "GET", f"/address-scopes/{scope['id']}", admin).json() == {
        "address_scope": scope}
    cut = neutron(api_server, "GET", "/address-scopes?name=scope-a&fields=id", admin).json()
    assert cut == {"address_scopes": [{"id": scope["id"]}]}
    assert neutron(api_server, "GET", "/address-scopes", member).json() == {
        "address_scopes": []}
    refused = neutron(api_server, "PUT", f"/address-scopes/{scope['id']}", admin,
                      {"address_scope": {"ip_version": 6}})
    assert refused.json()["NeutronError"]["message"] == (
        "Cannot update read-only attribute ip_version")
    updated = neutron(api_server, "PUT", f"/address-scopes/{scope['id']}", admin,
                      {"address_scope": {"shared": True}}).json()["address_scope"]
    assert updated["shared"] is True
    refused = neutron(api_server, "PUT", f"/address-scopes/{scope['id']}", admin,
                      {"address_scope": {"shared": False}})
    assert (refused.status_code, refused.json()["NeutronError"]["type"]) == (
        400, "AddressScopeUpdateError")
    pool = neutron(api_server, "POST", "/subnetpools", admin, {"subnetpool": {
        "name": "scoped", "prefixes": ["10.240.0.0/16"], "address_scope_id": scope["id"]}})
    assert pool.json()["subnetpool"]["address_scope_id"] == scope["id"]
    in_use = neutron(api_server, "DELETE", f"/address-scopes/{scope['id']}", admin)
    assert (in_use.status_code, in_use.json()["NeutronError"]["type"]) == (
        409, "AddressScopeInUse")
    pool_id = pool.json()["subnetpool"]["id"]
    assert neutron(api_server, "DELETE", f"/subnetpools/{pool_id}", admin).status_code == 204
    assert neutron(api_server, "DELETE", f"/address-scopes/{scope['id']}",
                   admin).status_code == 204
    gone = neutron(api_server, "GET", f"/address-scopes/{scope['id']}", admin)
    assert (gone.status_code, gone.json()["NeutronError"]) == (404, {
        "type": "AddressScopeNotFound",
        "message": f"Address scope {scope['id']} could not be found.", "detail": ""})


def test_rbac_policies(api_server: ApiServer, admin: str, member: str) -> None:
    net = neutron(api_server, "POST", "/networks", admin, {"network": {"name": "rbac-net"}})
    net_id = net.json()["network"]["id"]
    demo = api_server.ostack("project", "show", "demo", "-f", "value", "-c", "id")
    demo_id = demo.stdout.strip()
    made = neutron(api_server, "POST", "/rbac-policies", admin, {"rbac_policy": {
        "object_type": "network", "object_id": net_id, "action": "access_as_shared",
        "target_tenant": demo_id}})
    assert made.status_code == 201, made.text
    policy = made.json()["rbac_policy"]
    assert sorted(policy) == ["action", "id", "object_id", "object_type", "project_id",
                              "target_tenant", "tenant_id"]
    assert neutron(api_server, "GET", f"/rbac-policies/{policy['id']}", admin).json() == {
        "rbac_policy": policy}
    listed = neutron(api_server, "GET", f"/rbac-policies?target_tenant={demo_id}",
                     member).json()
    assert listed == {"rbac_policies": [policy]}
    shown = neutron(api_server, "GET", f"/networks/{net_id}", member).json()["network"]
    assert shown["shared"] is True
    dup = neutron(api_server, "POST", "/rbac-policies", admin, {"rbac_policy": {
        "object_type": "network", "object_id": net_id, "action": "access_as_shared",
        "target_tenant": demo_id}})
    assert (dup.status_code, dup.json()["NeutronError"]) == (409, {
        "type": "DuplicateRbacPolicy",
        "message": "An RBAC policy already exists with those values.", "detail": ""})
    port = neutron(api_server, "POST", "/ports", member, {"port": {"network_id": net_id}})
    assert port.status_code == 201, port.text
    in_use = neutron(api_server, "DELETE", f"/rbac-policies/{policy['id']}", admin)
    assert (in_use.status_code, in_use.json()["NeutronError"]["type"]) == (
        409, "RbacPolicyInUse")
    assert re.search(r"Unable to reconfigure sharing settings for network",
                     in_use.json()["NeutronError"]["message"])
    port_id = port.json()["port"]["id"]
    assert neutron(api_server, "DELETE", f"/ports/{port_id}", member).status_code == 204
    moved = neutron(api_server, "PUT", f"/rbac-policies/{policy['id']}", admin,
                    {"rbac_policy": {"target_tenant": "*"}}).json()["rbac_policy"]
    assert moved["target_tenant"] == "*"
    refused = neutron(api_server, "PUT", f"/rbac-policies/{policy['id']}", admin,
                      {"rbac_policy": {"action": "access_as_external"}})
    assert refused.json()["NeutronError"]["message"] == (
        "Cannot update read-only attribute action")
    assert neutron(api_server, "DELETE", f"/rbac-policies/{policy['id']}",
                   admin).status_code == 204
    gone = neutron(api_server, "GET", f"/rbac-policies/{policy['id']}", admin)
    assert (gone.status_code, gone.json()["NeutronError"]["type"]) == (
        404, "RbacPolicyNotFound")
    assert neutron(api_server, "DELETE", f"/networks/{net_id}", admin).status_code == 204


def test_extensions_list_rbac_and_address_scopes(api_server: ApiServer, admin: str) -> None:
    aliases = {e["alias"] for e in neutron(api_server, "GET", "/extensions",
                                           admin).json()["extensions"]}
    assert {"address-scope", "rbac-policies", "rbac-address-scope", "rbac-subnetpool",
            "rbac-security-groups"} <= aliases


def test_real_client_address_scopes_and_rbac(api_server: ApiServer,
                                             real_openstack: Path) -> None:
    made = real(api_server, real_openstack, "address", "scope", "create", "--share", "rc-scope")
    assert made == local(api_server, "address", "scope", "show", "rc-scope")
    local(api_server, "network", "create", "rc-rbac-net")
    policy = real(api_server, real_openstack, "network", "rbac", "create", "--type",
                  "network", "--action", "access_as_shared", "--target-project", "demo",
                  "rc-rbac-net")
    assert policy == local(api_server, "network", "rbac", "show", policy["id"])
    command = ("network", "rbac", "list", "--long")
    assert real(api_server, real_openstack, *command) == local(api_server, *command)
    real_quiet(api_server, real_openstack, "network", "rbac", "delete", policy["id"])
    assert api_server.ostack("network", "delete", "rc-rbac-net").returncode == 0
    assert api_server.ostack("address", "scope", "delete", "rc-scope").returncode == 0
