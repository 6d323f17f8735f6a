from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

SHOW_FIELDS = [
    "admin_state_up", "availability_zone_hints", "availability_zones", "created_at",
    "description", "distributed", "enable_ndp_proxy", "external_gateway_info", "flavor_id",
    "ha", "id", "interfaces_info", "name", "project_id", "revision_number", "routes", "status",
    "tags", "updated_at",
]


def value(cli: Runner, *args: str) -> str:
    result = cli(*args, "-f", "value", "-c", "id")
    assert result.rc == 0, result.err
    return result.out.strip()


@pytest.fixture
def ids(cli: Runner) -> dict[str, str]:
    return {
        "ext": value(cli, "network", "create", "ext", "--external"),
        "ext_sub": value(cli, "subnet", "create", "ext-sub", "--network", "ext", "--no-dhcp",
                         "--subnet-range", "192.168.61.0/24"),
        "net": value(cli, "network", "create", "net1"),
        "sub": value(cli, "subnet", "create", "s1", "--network", "net1",
                     "--subnet-range", "10.0.0.0/24"),
    }


def router(cli: Runner, *args: str, name: str = "r1") -> dict[str, Any]:
    result = cli("router", "create", name, *args, "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def test_create_without_gateway(cli: Runner) -> None:
    data = router(cli)
    assert list(data) == [f for f in SHOW_FIELDS if f != "interfaces_info"]
    for key in ("id", "created_at", "updated_at", "project_id"):
        data.pop(key)
    assert data == {
        "admin_state_up": True, "availability_zone_hints": [], "availability_zones": [],
        "description": "", "distributed": False, "enable_ndp_proxy": None,
        "external_gateway_info": None, "flavor_id": None, "ha": False, "name": "r1",
        "revision_number": 1, "routes": [],
        "status": "ACTIVE", "tags": [],
    }
    table = cli("router", "show", "r1").out
    assert "| external_gateway_info   | null " in table
    assert "| interfaces_info         | []   " in table


def test_gateway_takes_the_lowest_external_address(cli: Runner, ids: dict[str, str]) -> None:
    data = router(cli, "--external-gateway", "ext", "--disable-snat")
    assert data["external_gateway_info"] == {
        "network_id": ids["ext"],
        "external_fixed_ips": [{"subnet_id": ids["ext_sub"], "ip_address": "192.168.61.2"}],
        "enable_snat": False,
    }
    line = next(x for x in cli("router", "show", "r1").out.splitlines()
                if "external_gateway_info" in x)
    assert line.split("|")[2].strip() == json.dumps(data["external_gateway_info"])
    ports = cli("port", "list", "--router", "r1", "--long", "-f", "json").json()
    assert [p["Device Owner"] for p in ports] == ["network:router_gateway"]
    data = router(cli, "--external-gateway", "ext", "--fixed-ip",
                  "subnet=ext-sub,ip-address=192.168.61.77", name="r2")
    assert data["external_gateway_info"]["external_fixed_ips"][0]["ip_address"] == \
        "192.168.61.77"
    assert data["external_gateway_info"]["enable_snat"] is True


def test_gateway_errors_change_nothing(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    before = store_snapshot()
    for args, message in (
        (("--external-gateway", "net1"),
         f"Bad router request: Network {ids['net']} is not an external network."),
        (("--external-gateway", "ext", "--fixed-ip", "ip-address=192.168.61.1"),
         "Bad router request: External IP 192.168.61.1 is the same as the gateway IP."),
        (("--enable-snat",),
         "You must specify '--external-gateway' in order to specify SNAT or fixed-ip values"),
        (("--external-gateway", "ext", "--external-gateway", "ext"),
         "Supplying --external-gateway option multiple times is not supported due to the lack "
         "of external-gateway-multihoming extension at the Neutron side."),
        (("--ha",), "Unrecognized attribute(s) 'ha'"),
        (("--external-gateway", "ext", "--fixed-ip", "subnet=s1"),
         f"Subnet {ids['sub']} does not belong to any of the networks provided for "
         "--external-gateway."),
    ):
        result = cli("router", "create", "bad", *args)
        assert (result.rc, result.out, result.err.strip()) == (1, "", message), args
    assert store_snapshot() == before


def test_a_gateway_may_not_overlap_an_interface(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    """l3_db ``_create_gw_port`` checks the external subnets against the interfaces', as
    ``router add subnet`` checks an interface against the gateway's."""
    router(cli)
    value(cli, "network", "create", "near")
    near_sub = value(cli, "subnet", "create", "near-sub", "--network", "near",
                     "--subnet-range", "192.168.61.0/25")
    assert cli("router", "add", "subnet", "r1", "near-sub").rc == 0
    before = store_snapshot()
    result = cli("router", "set", "r1", "--external-gateway", "ext")
    assert (result.rc, result.err.strip()) == (
        1, f"Bad router request: Cidr 192.168.61.0/24 of subnet {ids['ext_sub']} overlaps "
           f"with cidr 192.168.61.0/25 of subnet {near_sub}.")
    assert store_snapshot() == before
    assert cli("router", "remove", "subnet", "r1", "near-sub").rc == 0
    assert cli("router", "add", "subnet", "r1", "ext-sub").rc == 0
    result = cli("router", "set", "r1", "--external-gateway", "ext")
    assert (result.rc, result.err.strip()) == (
        1, f"Bad router request: Router already has a port on subnet {ids['ext_sub']}.")
    # A new address on the same external network is no new attachment: no check.
    assert cli("router", "remove", "subnet", "r1", "ext-sub").rc == 0
    assert cli("router", "set", "r1", "--external-gateway", "ext").rc == 0
    assert cli("router", "set", "r1", "--external-gateway", "ext", "--fixed-ip",
               "ip-address=192.168.61.50").rc == 0


def test_add_and_remove_subnet(cli: Runner, ids: dict[str, str]) -> None:
    router(cli, "--external-gateway", "ext")
    assert cli("router", "add", "subnet", "r1", "s1").out == ""
    shown = cli("router", "show", "r1", "-f", "json").json()
    assert list(shown) == SHOW_FIELDS
    [interface] = shown["interfaces_info"]
    assert (interface["ip_address"], interface["subnet_id"]) == ("10.0.0.1", ids["sub"])
    assert shown["revision_number"] == 2
    port = cli("port", "show", interface["port_id"], "-f", "json").json()
    assert (port["device_owner"], port["device_id"], port["security_group_ids"]) == (
        "network:router_interface", shown["id"], [])
    assert cli("router", "remove", "subnet", "r1", "s1").out == ""
    assert cli("router", "show", "r1", "-f", "json").json()["interfaces_info"] == []
    assert cli("port", "list", "--device-owner", "network:router_interface", "-f",
               "value").out == ""


def test_add_subnet_refusals(cli: Runner, ids: dict[str, str], store_snapshot: Snapshot) -> None:
    r1 = router(cli, "--external-gateway", "ext")["id"]
    cli("router", "add", "subnet", "r1", "s1")
    nogw = value(cli, "subnet", "create", "nogw", "--network", "net1", "--gateway", "none",
                 "--subnet-range", "10.0.5.0/24")
    cli("network", "create", "net2")
    overlap = value(cli, "subnet", "create", "overlap", "--network", "net2",
                    "--subnet-range", "10.0.0.0/16")
    cli("network", "create", "net3")
    value(cli, "subnet", "create", "taken", "--network", "net3", "--subnet-range", "10.3.0.0/24")
    cli("port", "create", "squatter", "--network", "net3", "--fixed-ip", "ip-address=10.3.0.1")
    taken = value(cli, "subnet", "show", "taken")
    cli("network", "create", "net4")
    ext_overlap = value(cli, "subnet", "create", "extover", "--network", "net4",
                        "--subnet-range", "192.168.61.128/25")
    before = store_snapshot()
    for subnet, message in (
        ("s1", f"Bad router request: Router already has a port on subnet {ids['sub']}."),
        ("nogw", "Bad router request: Subnet for router interface must have a gateway IP."),
        ("overlap", f"Bad router request: Cidr 10.0.0.0/16 of subnet {overlap} overlaps with "
                    f"cidr 10.0.0.0/24 of subnet {ids['sub']}."),
        ("extover", f"Bad router request: Cidr 192.168.61.128/25 of subnet {ext_overlap} "
                    f"overlaps with cidr 192.168.61.0/24 of subnet {ids['ext_sub']}."),
        ("taken", f"IP address 10.3.0.1 already allocated in subnet {taken}"),
    ):
        result = cli("router", "add", "subnet", "r1", subnet)
        assert (result.rc, result.err.strip()) == (1, message), subnet
    result = cli("router", "remove", "subnet", "r1", "nogw")
    assert result.err.strip() == f"Router {r1} has no interface on subnet {nogw}"
    assert store_snapshot() == before


def test_add_and_remove_port(cli: Runner, ids: dict[str, str]) -> None:
    r1 = router(cli)["id"]
    port = value(cli, "port", "create", "p", "--network", "net1")
    assert cli("router", "add", "port", "r1", "p").out == ""
    shown = cli("port", "show", "p", "-f", "json").json()
    assert (shown["device_owner"], shown["device_id"]) == ("network:router_interface", r1)
    result = cli("port", "delete", "p")
    assert result.err.splitlines()[0] == (
        f"Failed to delete port with name or ID 'p': Port {port} cannot be deleted directly via "
        "the port API: has device owner network:router_interface.")
    other = value(cli, "port", "create", "other", "--network", "net1", "--device", "vm")
    result = cli("router", "add", "port", "r1", "other")
    assert result.err.strip() == (
        f"Unable to complete operation on port {other} for network {ids['net']}. Port already "
        "has an attached device vm.")
    result = cli("router", "remove", "port", "r1", "other")
    assert result.err.strip() == f"Router {r1} does not have an interface with id {other}"
    assert cli("router", "remove", "port", "r1", "p").out == ""
    assert cli("port", "show", "p").err.strip() == "No Port found for p"


def test_delete_refused_while_interfaces_remain(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    r1 = router(cli, "--external-gateway", "ext")["id"]
    cli("router", "add", "subnet", "r1", "s1")
    interface = cli("router", "show", "r1", "-f", "json").json()["interfaces_info"][0]["port_id"]
    before = store_snapshot()
    result = cli("router", "delete", "r1")
    assert result.err.splitlines() == [
        f"Failed to delete router with name or ID 'r1': Router {r1} has ports still attached: "
        f"{interface}",
        "1 of 1 routers failed to delete.",
    ]
    assert store_snapshot() == before
    cli("router", "remove", "subnet", "r1", "s1")
    assert cli("router", "delete", "r1").out == ""
    # The gateway port went with it, and its address is free again.
    assert cli("port", "list", "-f", "value").out == ""
    assert router(cli, "--external-gateway", "ext", name="r2")["external_gateway_info"][
        "external_fixed_ips"][0]["ip_address"] == "192.168.61.2"


def test_routes(cli: Runner, ids: dict[str, str], store_snapshot: Snapshot) -> None:
    router(cli, "--external-gateway", "ext")
    cli("router", "add", "subnet", "r1", "s1")
    assert cli("router", "set", "r1", "--route", "destination=10.9.0.0/16,gateway=10.0.0.50",
               "--route", "destination=0.0.0.0/0,gateway=192.168.61.254").out == ""
    # Neutron returns routes in its table's order: destination, then nexthop, as text.
    routes = [{"destination": "0.0.0.0/0", "nexthop": "192.168.61.254"},
              {"destination": "10.9.0.0/16", "nexthop": "10.0.0.50"}]
    assert cli("router", "show", "r1", "-f", "json").json()["routes"] == routes
    table = cli("router", "show", "r1").out
    assert "| routes                  | destination='0.0.0.0/0', gateway='192.168.61.254'" in table
    before = store_snapshot()
    result = cli("router", "set", "r1", "--route", "destination=10.7.0.0/16,gateway=10.5.0.1")
    assert result.err.strip() == (
        "Invalid format for routes: [{'destination': '10.7.0.0/16', 'nexthop': '10.5.0.1'}, "
        "{'destination': '0.0.0.0/0', 'nexthop': '192.168.61.254'}, {'destination': "
        "'10.9.0.0/16', 'nexthop': '10.0.0.50'}], the nexthop is not connected with router")
    result = cli("router", "set", "r1", "--no-route", "--route",
                 "destination=10.7.0.0/16,gateway=10.0.0.1")
    assert result.err.strip() == (
        "Invalid format for routes: [{'destination': '10.7.0.0/16', 'nexthop': '10.0.0.1'}], "
        "the nexthop is used by router")
    result = cli("router", "remove", "subnet", "r1", "s1")
    assert result.err.strip() == (
        f"Router interface for subnet {ids['sub']} on router "
        f"{cli('router', 'show', 'r1', '-f', 'value', '-c', 'id').out.strip()} cannot be "
        "deleted, as it is required by one or more routes.")
    result = cli("router", "unset", "r1", "--route", "destination=10.1.0.0/16,gateway=10.0.0.9")
    assert result.err.strip() == (
        "Router does not contain route {'destination': '10.1.0.0/16', 'nexthop': '10.0.0.9'}")
    assert store_snapshot() == before
    assert cli("router", "unset", "r1", "--route",
               "destination=10.9.0.0/16,gateway=10.0.0.50").rc == 0
    assert cli("router", "show", "r1", "-f", "json").json()["routes"] == routes[:1]
    assert cli("router", "set", "r1", "--no-route").rc == 0
    assert cli("router", "show", "r1", "-f", "json").json()["routes"] == []


def test_set_and_unset_gateway(cli: Runner, ids: dict[str, str]) -> None:
    router(cli)
    assert cli("router", "set", "r1", "--external-gateway", "ext", "--disable-snat",
               "--name", "r9", "--description", "d", "--disable", "--tag", "t").out == ""
    shown = cli("router", "show", "r9", "-f", "json").json()
    assert shown["external_gateway_info"]["enable_snat"] is False
    assert (shown["description"], shown["admin_state_up"], shown["tags"]) == ("d", False, ["t"])
    result = cli("router", "set", "r9", "--enable-snat")
    assert result.err.strip() == (
        "You must specify '--external-gateway' in order to update the SNAT or fixed-ip values")
    assert cli("router", "set", "r9", "--external-gateway", "ext", "--fixed-ip",
               "ip-address=192.168.61.99").rc == 0
    info = cli("router", "show", "r9", "-f", "json").json()["external_gateway_info"]
    assert info["external_fixed_ips"][0]["ip_address"] == "192.168.61.99"
    assert cli("port", "list", "--router", "r9", "-f", "value", "-c", "ID").out.count("\n") == 1
    assert cli("router", "unset", "r9", "--external-gateway", "--tag", "t").out == ""
    shown = cli("router", "show", "r9", "-f", "json").json()
    assert (shown["external_gateway_info"], shown["tags"]) == (None, [])
    assert cli("port", "list", "-f", "value").out == ""


def test_list(cli: Runner, ids: dict[str, str]) -> None:
    r1 = router(cli, "--external-gateway", "ext")
    r2 = router(cli, "--disable", "--tag", "x", name="r2")
    project = r1["project_id"]
    assert cli("router", "list", "-f", "json").json() == [
        {"ID": r1["id"], "Name": "r1", "Status": "ACTIVE", "State": True, "Project": project,
         "Distributed": False, "HA": False},
        {"ID": r2["id"], "Name": "r2", "Status": "ACTIVE", "State": False, "Project": project,
         "Distributed": False, "HA": False},
    ]
    long = cli("router", "list", "--long", "-f", "json").json()
    # No zones column: the local Neutron has no router_availability_zone extension.
    assert list(long[0]) == ["ID", "Name", "Status", "State", "Project", "Distributed", "HA",
                             "Routes", "External gateway info", "Tags"]
    assert long[0]["External gateway info"] == r1["external_gateway_info"]
    rows = cli("router", "list").out.splitlines()
    assert [c.strip() for c in rows[3].split("|")[1:-1]] == [
        r1["id"], "r1", "ACTIVE", "UP", project, "False", "False"]
    assert cli("router", "list", "--disable", "-f", "value", "-c", "Name").out == "r2\n"
    assert cli("router", "list", "--tags", "x", "-f", "value", "-c", "Name").out == "r2\n"
    assert cli("--os-project-name", "demo", "router", "list", "-f", "value").out == ""


def test_subnet_gateway_cannot_move_under_a_router(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    router(cli)
    cli("router", "add", "subnet", "r1", "s1")
    interface = cli("router", "show", "r1", "-f", "json").json()["interfaces_info"][0]["port_id"]
    before = store_snapshot()
    for args in (("--gateway", "10.0.0.254"), ("--gateway", "none")):
        result = cli("subnet", "set", "s1", *args)
        assert result.err.strip() == (
            f"Current gateway ip 10.0.0.1 already in use by port {interface}. Unable to update.")
    result = cli("subnet", "delete", "s1")
    assert result.err.splitlines()[0] == (
        f"Failed to delete subnet with name or ID 's1': Unable to complete operation on subnet "
        f"{ids['sub']}: One or more ports have an IP allocation from this subnet.")
    assert store_snapshot() == before


def test_parser(cli: Runner) -> None:
    for args in (
        ("router", "create"),
        ("router", "create", "r", "--enable", "--disable"),
        ("router", "create", "r", "--enable-snat", "--disable-snat"),
        ("router", "create", "r", "--tag", "a", "--no-tag"),
        ("router", "set", "r", "--route", "destination=10.0.0.0/8"),
        ("router", "set", "r", "--route", "gateway=10.0.0.1"),
        ("router", "add", "subnet", "r"),
        ("router", "remove", "port", "r"),
        ("router", "unset", "r", "--tag", "a", "--all-tag"),
    ):
        assert cli(*args).rc == 2, args
    assert cli("router", "show", "nosuch").err.strip() == "No Router found for nosuch"
    assert cli("router", "list", "-f", "value").out == ""
