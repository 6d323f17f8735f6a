"""Neutron's subnet pools, network IP availabilities and agents through ``ostack api
serve``: bodies, statuses and ``NeutronError``s as realstack's Neutron answers them
(recorded there: a pool's prefix lengths are strings, ``tags`` cannot be PUT on a pool, a
member's IP availability is webob's plain 404, an agent it cannot see ``AgentNotFound``),
and the real client's ``-f json`` through the API the same as ``ostack``'s on the store."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api.conftest import ApiServer

NETWORK = "/network/v2.0"


def neutron(api_server: ApiServer, method: str, path: str, token: str,
            body: Any = None) -> requests.Response:
    return api_server.request(method, NETWORK + path, token=token, json_body=body)


def error(kind: str, message: str) -> dict[str, Any]:
    return {"NeutronError": {"type": kind, "message": message, "detail": ""}}


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


@pytest.fixture(scope="module")
def member(api_server: ApiServer) -> str:
    return api_server.token("demo", "demo")


def test_subnet_pools(api_server: ApiServer, admin: str, member: str) -> None:
    made = neutron(api_server, "POST", "/subnetpools", admin, {"subnetpool": {
        "name": "pool-a", "prefixes": ["10.250.0.0/16", "10.250.1.0/24"],
        "default_prefixlen": 26}})
    assert made.status_code == 201, made.text
    pool = made.json()["subnetpool"]
    assert sorted(pool) == sorted([
        "id", "name", "project_id", "default_prefixlen", "min_prefixlen", "max_prefixlen",
        "is_default", "shared", "prefixes", "ip_version", "default_quota",
        "address_scope_id", "description", "tags", "created_at", "updated_at",
        "revision_number", "tenant_id"])
    # Compacted prefixes; the prefix lengths as Neutron sends them, strings.
    assert (pool["prefixes"], pool["default_prefixlen"], pool["min_prefixlen"],
            pool["max_prefixlen"], pool["ip_version"], pool["default_quota"],
            pool["is_default"], pool["shared"]) == (
        ["10.250.0.0/16"], "26", "8", "32", 4, None, False, False)
    pool_id = pool["id"]
    assert neutron(api_server, "GET", f"/subnetpools/{pool_id}", admin).json() == {
        "subnetpool": pool}
    cut = neutron(api_server, "GET", "/subnetpools?name=pool-a&fields=id&fields=min_prefixlen",
                  admin).json()
    assert cut == {"subnetpools": [{"id": pool_id, "min_prefixlen": "8"}]}

    for change, message in (({"shared": True}, "Cannot update read-only attribute shared"),
                            ({"ip_version": 6}, "Cannot update read-only attribute ip_version"),
                            ({"tags": ["a"]}, "Cannot update read-only attribute tags")):
        refused = neutron(api_server, "PUT", f"/subnetpools/{pool_id}", admin,
                          {"subnetpool": change})
        assert (refused.status_code, refused.json()) == (400, error("HTTPBadRequest", message))
    for body, expected in (
        ({"name": "x"}, error("HTTPBadRequest",
                              "Failed to parse request. Required attribute 'prefixes' not "
                              "specified")),
        ({"name": "x", "prefixes": ["10.0.0.0/8"], "default_prefixlen": "abc"},
         error("InvalidInput", "Invalid input for operation: 'abc' is not an integer.")),
        ({"name": "x", "prefixes": "10.0.0.0/8"},
         error("HTTPBadRequest", "Invalid input for prefixes. Reason: '10.0.0.0/8' is not a "
                                 "list.")),
        ({"name": "x", "prefixes": ["10.9.0.0/16"], "min_prefixlen": 24,
          "max_prefixlen": 20},
         error("IllegalSubnetPoolPrefixBounds",
               "Illegal prefix bounds: min_prefixlen=24, max_prefixlen=20.")),
    ):
        refused = neutron(api_server, "POST", "/subnetpools", admin, {"subnetpool": body})
        assert (refused.status_code, refused.json()) == (400, expected)
    shared = neutron(api_server, "POST", "/subnetpools", member, {"subnetpool": {
        "name": "d", "prefixes": ["10.251.0.0/16"], "shared": True}})
    assert (shared.status_code, shared.json()) == (403, error(
        "PolicyNotAuthorized",
        "(rule:create_subnetpool and rule:create_subnetpool:shared) is disallowed by policy"))
    hidden = neutron(api_server, "GET", f"/subnetpools/{pool_id}", member)
    assert (hidden.status_code, hidden.json()) == (404, error(
        "SubnetPoolNotFound", f"Subnet pool {pool_id} could not be found."))
    for method in ("GET", "PUT", "DELETE"):
        missing = neutron(api_server, method, "/subnetpools/nope", admin,
                          {"subnetpool": {"name": "x"}} if method == "PUT" else None)
        assert missing.json() == error("SubnetPoolNotFound",
                                       "Subnet pool nope could not be found.")

    updated = neutron(api_server, "PUT", f"/subnetpools/{pool_id}", admin,
                      {"subnetpool": {"min_prefixlen": "12", "description": "d"}})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["subnetpool"]["min_prefixlen"],
            updated.json()["subnetpool"]["revision_number"]) == ("12", 1)
    tagged = neutron(api_server, "PUT", f"/subnetpools/{pool_id}/tags/blue", admin)
    assert tagged.status_code == 201
    assert neutron(api_server, "GET", f"/subnetpools/{pool_id}/tags", admin).json() == {
        "tags": ["blue"]}
    assert [p["id"] for p in neutron(api_server, "GET", "/subnetpools?tags=blue",
                                     admin).json()["subnetpools"]] == [pool_id]

    # A subnet from the pool: its default prefix length, or the one asked for.
    network = neutron(api_server, "POST", "/networks", admin,
                      {"network": {"name": "pooled"}}).json()["network"]["id"]
    subnet = neutron(api_server, "POST", "/subnets", admin, {"subnet": {
        "network_id": network, "ip_version": 4, "subnetpool_id": pool_id, "prefixlen": 28}})
    assert subnet.status_code == 201, subnet.text
    body = subnet.json()["subnet"]
    assert (body["cidr"], body["subnetpool_id"], body["gateway_ip"],
            body["allocation_pools"]) == ("10.250.0.0/28", pool_id, "10.250.0.1",
                                          [{"start": "10.250.0.2", "end": "10.250.0.14"}])
    second = neutron(api_server, "POST", "/subnets", admin, {"subnet": {
        "network_id": network, "ip_version": 4, "subnetpool_id": pool_id}})
    assert second.json()["subnet"]["cidr"] == "10.250.0.64/26"
    too_long = neutron(api_server, "POST", "/subnets", admin, {"subnet": {
        "network_id": network, "ip_version": 4, "subnetpool_id": pool_id, "prefixlen": 8}})
    assert (too_long.status_code, too_long.json()) == (400, error(
        "MinPrefixSubnetAllocationError",
        "Unable to allocate subnet with prefix length 8, minimum allowed prefix is 12."))
    in_use = neutron(api_server, "DELETE", f"/subnetpools/{pool_id}", admin)
    assert (in_use.status_code, in_use.json()) == (400, error(
        "SubnetPoolDeleteError",
        "Unable to delete subnet pool: Subnet pool has existing allocations."))
    assert neutron(api_server, "DELETE", f"/networks/{network}", admin).status_code == 204
    assert neutron(api_server, "DELETE", f"/subnetpools/{pool_id}", admin).status_code == 204
    assert neutron(api_server, "GET", f"/subnetpools/{pool_id}", admin).status_code == 404


def test_network_ip_availabilities(api_server: ApiServer, admin: str, member: str) -> None:
    network = neutron(api_server, "POST", "/networks", admin,
                      {"network": {"name": "counted"}}).json()["network"]["id"]
    subnet = neutron(api_server, "POST", "/subnets", admin, {"subnet": {
        "network_id": network, "ip_version": 4, "cidr": "10.77.0.0/24",
        "name": "counted-v4"}}).json()["subnet"]["id"]
    assert neutron(api_server, "POST", "/ports", admin,
                   {"port": {"network_id": network}}).status_code == 201
    shown = neutron(api_server, "GET", f"/network-ip-availabilities/{network}", admin)
    assert shown.status_code == 200, shown.text
    details = {"total_ips_in_subnet": 254, "total_ips_in_allocation_pool": 253,
               "used_ips_in_subnet": 1, "used_ips_in_allocation_pool": 1}
    project = shown.json()["network_ip_availability"]["project_id"]
    assert shown.json() == {"network_ip_availability": {
        "network_id": network, "network_name": "counted", "project_id": project,
        "subnet_ip_availability": [{
            "subnet_id": subnet, "ip_version": 4, "cidr": "10.77.0.0/24",
            "subnet_name": "counted-v4", "used_ips": 1, "total_ips": 253,
            "ip_availability_details": details}],
        "used_ips": 1, "total_ips": 253, "ip_availability_details": details,
        "tenant_id": project}}
    listed = neutron(api_server, "GET", "/network-ip-availabilities", admin).json()[
        "network_ip_availabilities"]
    assert network in [a["network_id"] for a in listed]
    assert [a["network_id"] for a in listed] == sorted(a["network_id"] for a in listed)
    named = neutron(api_server, "GET", "/network-ip-availabilities?network_name=counted",
                    admin).json()["network_ip_availabilities"]
    assert [a["network_id"] for a in named] == [network]
    assert neutron(api_server, "GET", "/network-ip-availabilities?ip_version=6",
                   admin).json() == {"network_ip_availabilities": []}
    paged = neutron(api_server, "GET", "/network-ip-availabilities?limit=1", admin).json()
    assert len(paged["network_ip_availabilities"]) == 1
    assert [link["rel"] for link in paged["network_ip_availabilities_links"]] == [
        "next", "previous"]
    missing = neutron(api_server, "GET", "/network-ip-availabilities/nope", admin)
    assert (missing.status_code, missing.json()) == (404, error(
        "NetworkNotFound", "Network nope could not be found."))
    # Neutron's policy is admin only: a member lists none and finds none.
    assert neutron(api_server, "GET", "/network-ip-availabilities", member).json() == {
        "network_ip_availabilities": []}
    hidden = neutron(api_server, "GET", f"/network-ip-availabilities/{network}", member)
    assert (hidden.status_code, hidden.json()) == (404, error(
        "HTTPNotFound", "The resource could not be found."))


def test_agents(api_server: ApiServer, admin: str, member: str) -> None:
    listed = neutron(api_server, "GET", "/agents", admin)
    assert listed.status_code == 200, listed.text
    agents = listed.json()["agents"]
    assert [(a["agent_type"], a["binary"], a["topic"], a["availability_zone"])
            for a in agents] == [
        ("DHCP agent", "neutron-dhcp-agent", "dhcp_agent", "nova"),
        ("L3 agent", "neutron-l3-agent", "l3_agent", "nova"),
        ("Metadata agent", "neutron-metadata-agent", "N/A", None)]
    assert sorted(agents[0]) == sorted([
        "id", "agent_type", "binary", "topic", "host", "admin_state_up", "created_at",
        "started_at", "heartbeat_timestamp", "description", "resources_synced",
        "availability_zone", "configurations", "alive"])
    l3 = agents[1]
    shown = neutron(api_server, "GET", f"/agents/{l3['id']}", admin).json()["agent"]
    assert {k: v for k, v in shown.items() if k != "heartbeat_timestamp"} == {
        k: v for k, v in l3.items() if k != "heartbeat_timestamp"}
    assert neutron(api_server, "GET", "/agents?agent_type=L3%20agent&fields=id",
                   admin).json() == {"agents": [{"id": l3["id"]}]}
    missing = neutron(api_server, "GET", "/agents/nope", admin)
    assert (missing.status_code, missing.json()) == (404, error(
        "AgentNotFound", "Agent nope could not be found."))

    router = neutron(api_server, "POST", "/routers", admin,
                     {"router": {"name": "agented"}}).json()["router"]["id"]
    hosting = neutron(api_server, "GET", f"/routers/{router}/l3-agents", admin).json()
    assert [a["id"] for a in hosting["agents"]] == [l3["id"]]
    no_router = neutron(api_server, "GET", "/routers/nope/l3-agents", admin)
    assert (no_router.status_code, no_router.json()) == (404, error(
        "RouterNotFound", "Router nope could not be found"))
    # Neutron asks its scheduler: an unknown network is hosted by no agent, not a 404.
    assert neutron(api_server, "GET", "/networks/nope/dhcp-agents", admin).json() == {
        "agents": []}

    assert neutron(api_server, "GET", "/agents", member).json() == {"agents": []}
    hidden = neutron(api_server, "GET", f"/agents/{l3['id']}", member)
    assert (hidden.status_code, hidden.json()) == (404, error(
        "AgentNotFound", f"Agent {l3['id']} could not be found."))
    own = neutron(api_server, "POST", "/networks", member,
                  {"network": {"name": "mine"}}).json()["network"]["id"]
    refused = neutron(api_server, "GET", f"/networks/{own}/dhcp-agents", member)
    assert (refused.status_code, refused.json()) == (403, error(
        "PolicyNotAuthorized", "rule:get_dhcp-agents is disallowed by policy"))
    for path in (f"/routers/{router}/l3-agents", "/routers/nope/l3-agents"):
        refused = neutron(api_server, "GET", path, member)
        assert (refused.status_code, refused.json()) == (403, error(
            "PolicyNotAuthorized", "rule:get_l3-agents is disallowed by policy"))
    assert neutron(api_server, "DELETE", f"/routers/{router}", admin).status_code == 204
    assert neutron(api_server, "DELETE", f"/networks/{own}", member).status_code == 204


# -- the real client through the API, and ostack on the store ------------------------------


def real(api_server: ApiServer, binary: Path, *args: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(api_server.clouds_yaml),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    done = subprocess.run([str(binary), "--os-cloud", "ostack", *args, "-f", "json"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, (args, done.stderr)
    return json.loads(done.stdout)


def local(api_server: ApiServer, *args: str) -> Any:
    done = api_server.ostack(*args, "-f", "json")
    assert done.returncode == 0, (args, done.stderr)
    return json.loads(done.stdout)


# Agents report as each command runs.
HEARTBEAT = ("last_heartbeat_at",)


def _same(through_api: Any, on_the_store: Any, volatile: tuple[str, ...] = ()) -> None:
    def cut(value: Any) -> Any:
        if isinstance(value, list):
            return [cut(v) for v in value]
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k not in volatile}
        return value

    assert cut(through_api) == cut(on_the_store)


def real_quiet(api_server: ApiServer, binary: Path, *args: str) -> None:
    """A real client's command that prints nothing (set, delete)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    done = subprocess.run([str(binary), "--os-cloud", "ostack", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, ""), (args, done.stderr)


@pytest.mark.slow
def test_real_client_pools_availability_agents(api_server: ApiServer,
                                               real_openstack: Path) -> None:
    made = real(api_server, real_openstack, "subnet", "pool", "create", "--pool-prefix",
                "10.90.0.0/16", "--default-prefix-length", "24", "--description", "via api",
                "--tag", "red", "rc-pool")
    # The real client tags the pool after making it (a PUT, which counts a revision) and
    # prints what the POST returned, as against Neutron.
    _same(made, local(api_server, "subnet", "pool", "show", "rc-pool"),
          ("revision_number", "updated_at"))
    real_quiet(api_server, real_openstack, "subnet", "pool", "set", "--min-prefix-length",
               "12", "--max-prefix-length", "28", "--tag", "green", "rc-pool")
    network = local(api_server, "network", "create", "rc-net")["id"]
    subnet = real(api_server, real_openstack, "subnet", "create", "--network", network,
                  "--subnet-pool", "rc-pool", "--prefix-length", "26", "rc-sub")
    assert subnet["cidr"] == "10.90.0.0/26"
    assert subnet == local(api_server, "subnet", "show", "rc-sub")
    router = local(api_server, "router", "create", "rc-router")["id"]
    for command in (("subnet", "pool", "show", "rc-pool"), ("subnet", "pool", "list"),
                    ("subnet", "pool", "list", "--long"),
                    ("ip", "availability", "list"),
                    ("ip", "availability", "show", "rc-net"),
                    ("network", "agent", "list"),
                    ("network", "agent", "list", "--agent-type", "l3"),
                    ("network", "agent", "list", "--network", "rc-net"),
                    ("network", "agent", "list", "--host", "localhost"),
                    ("network", "agent", "list", "--router", router, "--long")):
        _same(real(api_server, real_openstack, *command), local(api_server, *command))
    for agent in local(api_server, "network", "agent", "list"):
        command = ("network", "agent", "show", agent["ID"])
        _same(real(api_server, real_openstack, *command), local(api_server, *command),
              HEARTBEAT)
    assert api_server.ostack("router", "delete", router).returncode == 0
    assert api_server.ostack("subnet", "delete", "rc-sub").returncode == 0
    real_quiet(api_server, real_openstack, "subnet", "pool", "delete", "rc-pool")
    assert api_server.ostack("subnet", "pool", "show", "rc-pool").returncode == 1
