"""``floating ip port forwarding create|delete|list|set|show``: Neutron's port forwarding
plugin's rules and messages, the real client's output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

SHOW_FIELDS = ["description", "external_port", "external_port_range", "id",
               "internal_ip_address", "internal_port", "internal_port_id",
               "internal_port_range", "name", "protocol"]
LIST_HEADERS = ["ID", "Internal Port ID", "Internal IP Address", "Internal Port",
                "Internal Port Range", "External Port", "External Port Range", "Protocol",
                "Description"]


def value(cli: Runner, *args: str) -> str:
    result = cli(*args, "-f", "value", "-c", "id")
    assert result.rc == 0, result.err
    return result.out.strip()


@pytest.fixture
def ids(cli: Runner) -> dict[str, str]:
    """An external network, a private one with a router between them, two guest ports and
    a free floating IP (192.168.61.3: .1 is the gateway, .2 the router's)."""
    made = {
        "ext": value(cli, "network", "create", "ext", "--external"),
        "ext_sub": value(cli, "subnet", "create", "ext-sub", "--network", "ext", "--no-dhcp",
                         "--subnet-range", "192.168.61.0/24"),
        "net": value(cli, "network", "create", "net1"),
        "sub": value(cli, "subnet", "create", "s1", "--network", "net1",
                     "--subnet-range", "10.0.0.0/24"),
        "port": value(cli, "port", "create", "vm-port", "--network", "net1",
                      "--fixed-ip", "ip-address=10.0.0.5", "--device-owner", "compute:nova"),
        "port2": value(cli, "port", "create", "vm-port2", "--network", "net1",
                       "--fixed-ip", "ip-address=10.0.0.6", "--device-owner", "compute:nova"),
    }
    made["router"] = value(cli, "router", "create", "r1", "--external-gateway", "ext")
    assert cli("router", "add", "subnet", "r1", "s1").rc == 0
    made["fip"] = value(cli, "floating", "ip", "create", "ext")
    return made


def create(cli: Runner, *args: str, internal: str = "22", external: str = "2222",
           protocol: str = "tcp", port: str = "vm-port", ip: str = "10.0.0.5",
           fip: str = "192.168.61.3") -> Any:
    return cli("floating", "ip", "port", "forwarding", "create", "--internal-ip-address", ip,
               "--port", port, "--internal-protocol-port", internal,
               "--external-protocol-port", external, "--protocol", protocol, *args, fip,
               "-f", "json")


def test_create_show_list_as_the_real_client(cli: Runner, ids: dict[str, str]) -> None:
    result = create(cli, "--description", "ssh")
    assert result.rc == 0, result.err
    data = result.json()
    assert list(data) == SHOW_FIELDS
    pf_id = data.pop("id")
    assert data == {
        "description": "ssh", "external_port": 2222, "external_port_range": "2222:2222",
        "internal_ip_address": "10.0.0.5", "internal_port": 22,
        "internal_port_id": ids["port"], "internal_port_range": "22:22", "name": None,
        "protocol": "tcp",
    }
    ranged = create(cli, internal="8000:8010", external="9000:9010", protocol="udp").json()
    assert (ranged["internal_port"], ranged["external_port"], ranged["internal_port_range"],
            ranged["external_port_range"]) == (None, None, "8000:8010", "9000:9010")
    shown = cli("floating", "ip", "port", "forwarding", "show", ids["fip"], pf_id, "-f", "json")
    assert shown.json() == {**data, "id": pf_id}
    rows = cli("floating", "ip", "port", "forwarding", "list", "192.168.61.3", "-f",
               "json").json()
    assert [list(r) for r in rows] == [LIST_HEADERS, LIST_HEADERS]
    assert {r["ID"]: r["Internal Port Range"] for r in rows} == {
        pf_id: "22:22", ranged["id"]: "8000:8010"}
    # Filters: the port (by name), the external port or range, the protocol.
    def listed(*args: str) -> list[str]:
        return cli("floating", "ip", "port", "forwarding", "list", "192.168.61.3", *args,
                   "-f", "value", "-c", "ID").out.split()

    assert listed("--protocol", "udp") == [ranged["id"]]
    assert listed("--external-protocol-port", "2222") == [pf_id]
    assert listed("--external-protocol-port", "9000:9010") == [ranged["id"]]
    assert listed("--port", "vm-port2") == []
    # The floating IP shows its port forwardings and is bound to the router.
    fip = cli("floating", "ip", "show", "192.168.61.3", "-f", "json").json()
    assert fip["router_id"] == ids["router"]
    assert fip["port_id"] is None
    assert {pf["id"] for pf in fip["port_forwardings"]} == {pf_id, ranged["id"]}
    assert {"id": pf_id, "internal_ip_address": "10.0.0.5", "protocol": "tcp",
            "internal_port": 22, "external_port": 2222,
            "internal_port_id": ids["port"]} in fip["port_forwardings"]


@pytest.mark.parametrize(("internal", "external", "message"), [
    ("22:20", "2222", "The last number in port range must be greater or equal to the first"),
    ("22:30", "2222:2225", "The relation between internal and external ports does not match "
     "the pattern 1:N and N:N"),
    ("0", "2222", "The port number range is <1-65535>"),
    ("22", "70000", "The port number range is <1-65535>"),
    ("ssh", "22", "invalid literal for int() with base 10: 'ssh'"),
])
def test_client_side_port_checks(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot,
    internal: str, external: str, message: str,
) -> None:
    before = store_snapshot()
    result = create(cli, internal=internal, external=external)
    assert (result.rc, result.err.strip()) == (1, message)
    assert store_snapshot() == before


def test_neutron_refusals(cli: Runner, ids: dict[str, str], store_snapshot: Snapshot) -> None:
    assert create(cli).rc == 0
    before = store_snapshot()
    fip_id, port_id = ids["fip"], ids["port"]
    for kwargs, message in [
        ({}, "Bad port_forwarding request: There is a port collision with the "
             "internal_port_range. The following ranges collide: 22:22 and 22:22."),
        ({"internal": "23"}, "Bad port_forwarding request: There is a port collision with the "
         "external_port_range. The following ranges collide: 2222:2222 and 2222:2222."),
        # One port inside for a range outside (1:N) is fine, but the range holds 2222.
        ({"internal": "23", "external": "2200:2230"},
         "Bad port_forwarding request: There is a port collision with the "
         "external_port_range. The following ranges collide: 2222:2222 and 2200:2230."),
        ({"internal": "23", "external": "2223", "ip": "10.0.0.9"},
         f"Bad port_forwarding request: Requested internal IP address 10.0.0.9 is not "
         f"suitable for internal neutron port {port_id}, as its fixed_ips are "
         f"[{{'subnet_id': '{ids['sub']}', 'ip_address': '10.0.0.5'}}]."),
        ({"internal": "23", "external": "2223", "protocol": "TCP"},
         "Invalid input for protocol. Reason: TCP is not in valid_values."),
        ({"internal": "23", "external": "2223", "protocol": "gre"},
         "Invalid input for operation: IP protocol 'gre' is not supported. Only protocol "
         "names and their integer representation (0 to 255) are supported."),
        ({"internal": "23", "external": "2223", "fip": "192.168.61.99"},
         "No FloatingIP found for 192.168.61.99"),
        ({"internal": "23", "external": "2223", "port": "nope"}, "No Port found for nope"),
    ]:
        result = create(cli, **kwargs)
        assert (result.rc, result.err.strip()) == (1, message), kwargs
    # A floating IP that forwards ports is never mapped to a port, nor deleted.
    in_use = f"Floating IP {fip_id} in use by Port Forwarding resources."
    result = cli("floating", "ip", "set", "--port", "vm-port2", "192.168.61.3")
    assert (result.rc, result.err.strip()) == (1, in_use)
    result = cli("floating", "ip", "delete", "192.168.61.3")
    assert result.err.splitlines()[0] == (
        f"Failed to delete floating IP with name or ID '192.168.61.3': {in_use}")
    assert store_snapshot() == before


def test_floating_ip_mapped_to_a_port_forwards_nothing(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    # The floating IP is mapped to a port: it forwards no ports.
    assert cli("floating", "ip", "set", "--port", "vm-port2", "192.168.61.3").rc == 0
    before = store_snapshot()
    result = create(cli)
    assert result.err.strip() == (
        f"Cannot associate floating IP 192.168.61.3 ({ids['fip']}) with port {ids['port']} "
        "using fixed IP 10.0.0.5, as that fixed IP already has a floating IP on external "
        f"network {ids['ext']}.")
    assert store_snapshot() == before
    # A port mapped to a floating IP is no port forwarding's target either.
    other = value(cli, "floating", "ip", "create", "ext")
    result = create(cli, port="vm-port2", ip="10.0.0.6", fip=other)
    assert result.err.strip() == (
        f"Cannot create port forwarding to floating IP 192.168.61.3 ({ids['fip']}) with port "
        f"{ids['port2']} using fixed IP 10.0.0.6, as that port already has a binding floating "
        "IP.")
    assert cli("floating", "ip", "port", "forwarding", "list", other, "-f", "value").out == ""


def test_unreachable_external_network(cli: Runner, ids: dict[str, str]) -> None:
    assert cli("network", "create", "lonely").rc == 0
    sub = value(cli, "subnet", "create", "ls", "--network", "lonely", "--subnet-range",
                "10.1.0.0/24")
    port = value(cli, "port", "create", "lp", "--network", "lonely", "--fixed-ip",
                 "ip-address=10.1.0.5")
    result = create(cli, port="lp", ip="10.1.0.5")
    assert result.err.strip() == (
        f"Bad port_forwarding request: External network {ids['ext']} is not reachable from "
        f"subnet {sub}. Cannot set Port forwarding for port {port} with Floating IP "
        f"{ids['fip']}.")


def test_set_delete_and_the_router_binding(cli: Runner, ids: dict[str, str]) -> None:
    pf = create(cli).json()["id"]
    second = create(cli, internal="80", external="8080").json()["id"]

    def run(*args: str) -> Any:
        return cli("floating", "ip", "port", "forwarding", *args)

    assert run("set", "192.168.61.3", pf, "--external-protocol-port", "2200",
               "--description", "moved").out == ""
    shown = run("show", "192.168.61.3", pf, "-f", "json").json()
    assert (shown["external_port"], shown["description"]) == (2200, "moved")
    result = run("set", "192.168.61.3", pf, "--external-protocol-port", "8080")
    assert result.err.strip() == (
        "Bad port_forwarding request: Another port forwarding entry with the same attributes "
        "already exists, conflicting values are {'floating_ip_address': '192.168.61.3', "
        "'external_port': 8080}.")
    result = run("set", "192.168.61.3", pf, "--internal-ip-address", "10.0.0.6")
    assert result.err.strip() == (
        "Bad port_forwarding request: The internal IP does not correspond to an address on "
        f"the internal port, which has fixed_ips [{{'subnet_id': '{ids['sub']}', "
        "'ip_address': '10.0.0.5'}].")
    assert run("set", "192.168.61.3", "nope", "--description", "x").err.strip() == (
        "Port Forwarding nope could not be found.")
    # No option: nothing is sent, so nothing is looked up (openstacksdk's way).
    assert run("set", "192.168.61.3", "nope").rc == 0
    assert run("show", "192.168.61.3", "nope").err.strip() == "No PortForwarding found for nope"
    result = run("delete", "192.168.61.3", "nope", pf)
    assert result.err.splitlines() == [
        "Failed to delete floating IP port forwarding 'nope': Port Forwarding nope could not "
        "be found.",
        "1 of 2 Port forwarding failed to delete.",
    ]
    assert cli("floating", "ip", "show", ids["fip"], "-f", "value", "-c", "router_id").out \
        .strip() == ids["router"]
    # The last one gone, the floating IP is free of the router again.
    assert run("delete", "192.168.61.3", second).rc == 0
    assert cli("floating", "ip", "show", ids["fip"], "-f", "value", "-c", "router_id").out \
        .strip() == "None"


def test_the_port_takes_its_forwardings_along(cli: Runner, ids: dict[str, str]) -> None:
    assert create(cli).rc == 0
    # A fixed IP change that drops the forwarded address drops the forwarding.
    assert cli("port", "set", "vm-port", "--no-fixed-ip", "--fixed-ip",
               "ip-address=10.0.0.7").rc == 0
    assert cli("floating", "ip", "port", "forwarding", "list", ids["fip"], "-f",
               "value").out == ""
    assert create(cli, ip="10.0.0.7").rc == 0
    assert cli("port", "delete", "vm-port").rc == 0
    shown = cli("floating", "ip", "show", ids["fip"], "-f", "json").json()
    assert (shown["port_forwardings"], shown["router_id"]) == ([], None)
