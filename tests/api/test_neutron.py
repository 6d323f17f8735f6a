"""Neutron v2.0 through ``ostack api serve``: networks, subnets, ports, routers and their
interfaces, floating IPs, security groups and rules, quotas, extensions and tags, with
``NeutronError`` bodies, ``fields``, filters and paging links as Neutron answers them."""

from __future__ import annotations

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


def test_networks_and_subnets(api_server: ApiServer, member: str) -> None:
    made = neutron(api_server, "POST", "/networks", member, {"network": {"name": "blue"}})
    assert made.status_code == 201, made.text
    network = made.json()["network"]
    assert network["status"] == "ACTIVE" and network["subnets"] == []
    assert network["tenant_id"] == network["project_id"]
    # A member does not see the provider attributes.
    assert "provider:network_type" not in network
    subnet = neutron(api_server, "POST", "/subnets", member, {"subnet": {
        "network_id": network["id"], "ip_version": 4, "cidr": "10.42.0.0/24",
        "name": "blue-v4"}})
    assert subnet.status_code == 201, subnet.text
    body = subnet.json()["subnet"]
    assert (body["gateway_ip"], body["allocation_pools"]) == (
        "10.42.0.1", [{"start": "10.42.0.2", "end": "10.42.0.254"}])
    shown = neutron(api_server, "GET", f"/networks/{network['id']}?fields=id&fields=subnets",
                    member).json()
    assert shown == {"network": {"id": network["id"], "subnets": [body["id"]]}}
    filtered = neutron(api_server, "GET", "/networks?name=blue", member).json()["networks"]
    assert [n["id"] for n in filtered] == [network["id"]]
    assert neutron(api_server, "GET", "/networks?name=nothing", member).json() == {
        "networks": []}
    updated = neutron(api_server, "PUT", f"/networks/{network['id']}", member,
                      {"network": {"description": "the blue one"}})
    assert updated.json()["network"]["description"] == "the blue one"
    readonly = neutron(api_server, "PUT", f"/networks/{network['id']}", member,
                       {"network": {"status": "DOWN"}})
    assert readonly.status_code == 400
    assert readonly.json() == error("HTTPBadRequest", "Cannot update read-only attribute status")
    unknown = neutron(api_server, "POST", "/networks", member, {"network": {"colour": "red"}})
    assert unknown.json() == error("HTTPBadRequest", "Unrecognized attribute(s) 'colour'")
    not_bool = neutron(api_server, "POST", "/networks", member,
                       {"network": {"admin_state_up": "maybe"}})
    assert not_bool.json() == error(
        "InvalidInput", "Invalid input for operation: 'maybe' cannot be converted to boolean.")
    refused = neutron(api_server, "POST", "/networks", member,
                      {"network": {"provider:network_type": "flat"}})
    assert refused.status_code == 403
    assert refused.json() == error("PolicyNotAuthorized", (
        "(rule:create_network and rule:create_network:provider:network_type) is disallowed "
        "by policy"))
    missing = neutron(api_server, "GET", "/networks/nope", member)
    assert missing.json() == error("NetworkNotFound", "Network nope could not be found.")
    no_body = neutron(api_server, "POST", "/subnets", member, {"subnet": {"cidr": "10.0.9.0/24"}})
    assert no_body.json() == error("HTTPBadRequest", (
        "Failed to parse request. Required attribute 'network_id' not specified"))
    port = neutron(api_server, "POST", "/ports", member, {"port": {
        "network_id": network["id"], "device_id": "elsewhere", "device_owner": "compute:x"}})
    in_use = neutron(api_server, "DELETE", f"/networks/{network['id']}", member)
    assert in_use.status_code == 409
    assert in_use.json()["NeutronError"]["type"] == "NetworkInUse"
    assert neutron(api_server, "DELETE", f"/ports/{port.json()['port']['id']}",
                   member).status_code == 204
    # Neutron deletes a network's subnets with it.
    assert neutron(api_server, "DELETE", f"/networks/{network['id']}", member).status_code \
        == 204
    assert neutron(api_server, "GET", f"/subnets/{body['id']}", member).status_code == 404


def test_paging(api_server: ApiServer, member: str) -> None:
    ids = [neutron(api_server, "POST", "/networks", member,
                   {"network": {"name": f"page-{n}", "description": "paged"}}).json()[
        "network"]["id"] for n in range(3)]
    try:
        first = neutron(api_server, "GET",
                        "/networks?description=paged&limit=2&sort_key=name&sort_dir=asc",
                        member).json()
        assert [n["name"] for n in first["networks"]] == ["page-0", "page-1"]
        links = {link["rel"]: link["href"] for link in first["networks_links"]}
        assert links["next"].endswith(f"marker={ids[1]}")
        rest = requests.get(links["next"], headers={"X-Auth-Token": member},
                            timeout=30).json()
        assert [n["name"] for n in rest["networks"]] == ["page-2"]
        assert [link["rel"] for link in rest["networks_links"]] == ["previous"]
    finally:
        for network_id in ids:
            neutron(api_server, "DELETE", f"/networks/{network_id}", member)


def test_router_ports_and_floating_ips(api_server: ApiServer, admin: str) -> None:
    external = neutron(api_server, "GET", "/networks?router:external=True", admin).json()[
        "networks"][0]
    network = neutron(api_server, "POST", "/networks", admin,
                      {"network": {"name": "inside"}}).json()["network"]
    subnet = neutron(api_server, "POST", "/subnets", admin, {"subnet": {
        "network_id": network["id"], "ip_version": 4, "cidr": "10.43.0.0/24"}}).json()[
        "subnet"]
    router = neutron(api_server, "POST", "/routers", admin, {"router": {"name": "edge"}})
    assert router.status_code == 201, router.text
    router_id = router.json()["router"]["id"]
    attached = neutron(api_server, "PUT", f"/routers/{router_id}/add_router_interface", admin,
                       {"subnet_id": subnet["id"]})
    assert attached.status_code == 200, attached.text
    info = attached.json()
    assert (info["id"], info["subnet_id"], info["subnet_ids"], info["network_id"]) == (
        router_id, subnet["id"], [subnet["id"]], network["id"])
    gateway = neutron(api_server, "PUT", f"/routers/{router_id}", admin, {"router": {
        "external_gateway_info": {"network_id": external["id"]}}})
    assert gateway.status_code == 200, gateway.text
    assert gateway.json()["router"]["external_gateway_info"]["network_id"] == external["id"]
    port = neutron(api_server, "POST", "/ports", admin, {"port": {
        "network_id": network["id"], "name": "vip"}})
    assert port.status_code == 201, port.text
    port_body = port.json()["port"]
    assert port_body["fixed_ips"][0]["subnet_id"] == subnet["id"]
    assert port_body["binding:vnic_type"] == "normal"
    by_ip = neutron(api_server, "GET",
                    f"/ports?fixed_ips=ip_address={port_body['fixed_ips'][0]['ip_address']}",
                    admin).json()["ports"]
    assert [p["id"] for p in by_ip] == [port_body["id"]]
    fip = neutron(api_server, "POST", "/floatingips", admin, {"floatingip": {
        "floating_network_id": external["id"]}})
    assert fip.status_code == 201, fip.text
    fip_body = fip.json()["floatingip"]
    assert (fip_body["status"], fip_body["port_id"]) == ("DOWN", None)
    associated = neutron(api_server, "PUT", f"/floatingips/{fip_body['id']}", admin,
                         {"floatingip": {"port_id": port_body["id"]}}).json()["floatingip"]
    assert associated["router_id"] == router_id
    assert associated["port_details"]["network_id"] == network["id"]
    missing = neutron(api_server, "GET", "/floatingips/nope", admin)
    assert missing.json() == error("FloatingIPNotFound", "Floating IP nope could not be found")
    assert neutron(api_server, "GET", "/routers/nope", admin).json() == error(
        "RouterNotFound", "Router nope could not be found")

    assert neutron(api_server, "DELETE", f"/floatingips/{fip_body['id']}", admin).status_code \
        == 204
    assert neutron(api_server, "DELETE", f"/ports/{port_body['id']}", admin).status_code == 204
    detached = neutron(api_server, "PUT", f"/routers/{router_id}/remove_router_interface",
                       admin, {"subnet_id": subnet["id"]})
    assert detached.status_code == 200, detached.text
    assert detached.json()["subnet_id"] == subnet["id"]
    both = neutron(api_server, "PUT", f"/routers/{router_id}/add_router_interface", admin, {})
    assert both.status_code == 400
    assert neutron(api_server, "PUT", f"/routers/{router_id}", admin, {"router": {
        "external_gateway_info": {}}}).json()["router"]["external_gateway_info"] is None
    assert neutron(api_server, "DELETE", f"/routers/{router_id}", admin).status_code == 204
    neutron(api_server, "DELETE", f"/subnets/{subnet['id']}", admin)
    neutron(api_server, "DELETE", f"/networks/{network['id']}", admin)


def test_security_groups(api_server: ApiServer, member: str) -> None:
    groups = neutron(api_server, "GET", "/security-groups", member).json()["security_groups"]
    default = next(g for g in groups if g["name"] == "default")
    assert len(default["security_group_rules"]) == 4
    assert {r["belongs_to_default_sg"] for r in default["security_group_rules"]} == {None}
    rule = neutron(api_server, "POST", "/security-group-rules", member, {
        "security_group_rule": {"security_group_id": default["id"], "direction": "ingress",
                                "ethertype": "IPv4", "protocol": "icmp",
                                "remote_ip_prefix": "0.0.0.0/0"}})
    assert rule.status_code == 201, rule.text
    body = rule.json()["security_group_rule"]
    assert (body["protocol"], body["normalized_cidr"], body["belongs_to_default_sg"],
            body["description"]) == ("icmp", "0.0.0.0/0", True, "")
    assert "tags" not in body and "standard_attr_id" not in body
    twice = neutron(api_server, "POST", "/security-group-rules", member, {
        "security_group_rule": {"security_group_id": default["id"], "direction": "ingress",
                                "protocol": "icmp", "remote_ip_prefix": "0.0.0.0/0"}})
    assert twice.status_code == 409
    assert twice.json()["NeutronError"]["message"] == (
        f"Security group rule already exists. Rule id is {body['id']}.")
    made = neutron(api_server, "POST", "/security-groups", member, {"security_group": {
        "name": "web", "description": "http"}})
    assert made.status_code == 201
    group = made.json()["security_group"]
    assert [r["direction"] for r in group["security_group_rules"]] == ["egress", "egress"]
    assert neutron(api_server, "GET", "/security-groups/nope", member).json() == error(
        "SecurityGroupNotFound", "Security group nope does not exist")
    assert neutron(api_server, "DELETE", f"/security-group-rules/{body['id']}",
                   member).status_code == 204
    assert neutron(api_server, "DELETE", f"/security-groups/{group['id']}",
                   member).status_code == 204


def test_quotas_extensions_and_tags(api_server: ApiServer, admin: str, member: str) -> None:
    demo_id = api_server.ostack("project", "show", "demo", "-f", "value", "-c", "id") \
        .stdout.strip()
    quota = neutron(api_server, "GET", f"/quotas/{demo_id}", member).json()["quota"]
    assert quota == {"network": 100, "subnet": 100, "subnetpool": -1, "port": 500,
                     "router_route": 30, "router": 10, "floatingip": 50, "rbac_policy": 10,
                     "security_group": 10, "security_group_rule": 100}
    refused = neutron(api_server, "PUT", f"/quotas/{demo_id}", member,
                      {"quota": {"network": 5}})
    assert refused.status_code == 403
    assert neutron(api_server, "PUT", f"/quotas/{demo_id}", admin,
                   {"quota": {"network": 5}}).json()["quota"]["network"] == 5
    details = neutron(api_server, "GET", f"/quotas/{demo_id}/details", admin).json()
    assert details["quota"]["network"]["limit"] == 5
    assert neutron(api_server, "DELETE", f"/quotas/{demo_id}", admin).status_code == 204
    assert neutron(api_server, "GET", f"/quotas/{demo_id}", admin).json()["quota"][
        "network"] == 100

    extensions = neutron(api_server, "GET", "/extensions", member).json()["extensions"]
    assert "router" in {e["alias"] for e in extensions}
    router_ext = neutron(api_server, "GET", "/extensions/router", member).json()
    assert router_ext["extension"]["name"] == "Neutron L3 Router"
    assert neutron(api_server, "GET", "/extensions/nothing", member).status_code == 404

    network = neutron(api_server, "POST", "/networks", member,
                      {"network": {"name": "tagged"}}).json()["network"]
    path = f"/networks/{network['id']}/tags"
    assert neutron(api_server, "PUT", f"{path}/red", member).status_code == 201
    assert neutron(api_server, "PUT", path, member, {"tags": ["a", "b"]}).json() == {
        "tags": ["a", "b"]}
    assert neutron(api_server, "GET", "/networks?tags=a,b", member).json()["networks"][0][
        "id"] == network["id"]
    assert neutron(api_server, "GET", f"{path}/red", member).status_code == 404
    assert neutron(api_server, "DELETE", path, member).status_code == 204
    assert neutron(api_server, "GET", path, member).json() == {"tags": []}
    neutron(api_server, "DELETE", f"/networks/{network['id']}", member)


MALFORMED: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("/networks", {"network": {"admin_state_up": "maybe"}}, error(
        "InvalidInput", "Invalid input for operation: 'maybe' cannot be converted to boolean.")),
    ("/networks", {"network": {"name": "n" * 300}}, error(
        "HTTPBadRequest", f"Invalid input for name. Reason: '{'n' * 300}' exceeds maximum "
                          "length of 255.")),
    ("/networks", {"network": {"mtu": "big"}}, error(
        "InvalidInput", "Invalid input for operation: 'big' is not an integer.")),
    ("/networks", {"network": {"name": "x", "colour": "red"}}, error(
        "HTTPBadRequest", "Unrecognized attribute(s) 'colour'")),
    ("/networks", {"network": "x"}, error(
        "HTTPBadRequest", "Object 'network' contains invalid data")),
    ("/networks", {"net": {}}, error(
        "HTTPBadRequest", "Unable to find 'network' in request body")),
    ("/subnets", {"subnet": {"network_id": "not-a-uuid", "ip_version": 4,
                             "cidr": "10.0.0.0/24"}}, error(
        "HTTPBadRequest", "Invalid input for network_id. Reason: 'not-a-uuid' is not a valid "
                          "UUID.")),
    ("/security-group-rules", {"security_group_rule": {"direction": "ingress"}}, error(
        "HTTPBadRequest", "Failed to parse request. Required attribute 'security_group_id' not "
                          "specified")),
]


@pytest.mark.parametrize(("path", "body", "expected"), MALFORMED)
def test_malformed_bodies(api_server: ApiServer, member: str, path: str, body: dict[str, Any],
                          expected: dict[str, Any]) -> None:
    before = api_server.records()
    answer = neutron(api_server, "POST", path, member, body)
    assert answer.status_code == 400, answer.text
    assert answer.json() == expected
    assert api_server.records() == before


def test_quota_force_and_a_revert_below_usage(api_server: ApiServer, admin: str,
                                              member: str) -> None:
    demo_id = api_server.ostack("project", "show", "demo", "-f", "value", "-c", "id") \
        .stdout.strip()
    path = f"/quotas/{demo_id}"
    assert neutron(api_server, "PUT", path, admin,
                   {"quota": {"security_group": 14}}).status_code == 200
    made = [neutron(api_server, "POST", "/security-groups", member,
                    {"security_group": {"name": f"q{i}"}}).json()["security_group"]["id"]
            for i in range(11)]
    try:
        used = neutron(api_server, "GET", f"{path}/details", admin).json()["quota"][
            "security_group"]["used"]
        assert used > 10
        below = neutron(api_server, "PUT", path, admin, {"quota": {"security_group": 5}})
        assert below.status_code == 400
        assert below.json()["NeutronError"]["message"] == (
            f"Quota limit 5 for security_group must be greater than or equal to already "
            f"used {used}")
        forced = neutron(api_server, "PUT", path, admin,
                         {"quota": {"security_group": 5, "force": True}})
        assert forced.json()["quota"]["security_group"] == 5
        # A revert to the defaults (10) is taken whatever the project uses.
        assert neutron(api_server, "DELETE", path, admin).status_code == 204
        assert neutron(api_server, "GET", path, admin).json()["quota"]["security_group"] == 10
    finally:
        for group_id in made:
            neutron(api_server, "DELETE", f"/security-groups/{group_id}", member)
