from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

# port_forwardings: Neutron with the port forwarding plugin (expose-port-forwarding-in-fip).
SHOW_FIELDS = [
    "created_at", "description", "dns_domain", "dns_name", "fixed_ip_address",
    "floating_ip_address", "floating_network_id", "id", "name", "port_details",
    "port_forwardings", "port_id", "project_id", "qos_policy_id", "revision_number",
    "router_id", "status", "subnet_id", "tags", "updated_at",
]


def value(cli: Runner, *args: str) -> str:
    result = cli(*args, "-f", "value", "-c", "id")
    assert result.rc == 0, result.err
    return result.out.strip()


@pytest.fixture
def ids(cli: Runner) -> dict[str, str]:
    """An external /29 (5 usable addresses after the gateway), a private net, a router."""
    made = {
        "ext": value(cli, "network", "create", "ext", "--external"),
        "ext_sub": value(cli, "subnet", "create", "ext-sub", "--network", "ext", "--no-dhcp",
                         "--subnet-range", "192.168.61.0/29"),
        "net": value(cli, "network", "create", "net1"),
        "sub": value(cli, "subnet", "create", "s1", "--network", "net1",
                     "--subnet-range", "10.0.0.0/24"),
        "port": value(cli, "port", "create", "vm-port", "--network", "net1",
                      "--device-owner", "compute:nova"),
    }
    made["router"] = value(cli, "router", "create", "r1", "--external-gateway", "ext")
    assert cli("router", "add", "subnet", "r1", "s1").rc == 0
    return made


def fip(cli: Runner, *args: str) -> dict[str, Any]:
    result = cli("floating", "ip", "create", "ext", *args, "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def test_create_takes_the_lowest_free_address(cli: Runner, ids: dict[str, str]) -> None:
    data = fip(cli)
    assert list(data) == SHOW_FIELDS
    for key in ("id", "created_at", "updated_at", "project_id"):
        data.pop(key)
    # .1 is the gateway, .2 the router's gateway port.
    assert data == {
        "description": "", "dns_domain": None, "dns_name": None, "fixed_ip_address": None,
        "floating_ip_address": "192.168.61.3", "floating_network_id": ids["ext"],
        "name": "192.168.61.3", "port_details": None, "port_forwardings": [], "port_id": None,
        "qos_policy_id": None,
        "revision_number": 0, "router_id": None, "status": "DOWN", "subnet_id": None,
        "tags": [],
    }
    # The address is held by a port no project sees; Neutron shows it to an admin only.
    owner_filter = ("--device-owner", "network:floatingip", "-f", "value", "-c", "Status")
    assert cli("--os-project-name", "demo", "port", "list", *owner_filter).out == ""
    assert cli("port", "list", "--network", "ext", *owner_filter).out == "N/A\n"


def test_table_forms(cli: Runner, ids: dict[str, str]) -> None:
    created = cli("floating", "ip", "create", "ext").out
    assert "| port_details        | None " in created
    assert "| tags                | []   " in created
    shown = cli("floating", "ip", "show", "192.168.61.3", "-f", "json").json()
    assert shown["port_details"] == {}  # osc-lib's DictColumn prints null as {}


def test_bad_creates_change_nothing(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    cli("network", "create", "noipv4", "--external")
    empty = value(cli, "network", "show", "noipv4")
    fip(cli, "--floating-ip-address", "192.168.61.5")
    before = store_snapshot()
    for network, args, message in (
        ("net1", (), f"Bad floatingip request: Network {ids['net']} is not a valid external "
                     "network."),
        ("noipv4", (), f"Bad floatingip request: Network {empty} does not contain any IPv4 "
                       "subnet."),
        ("ext", ("--floating-ip-address", "192.168.61.5"),
         f"IP address 192.168.61.5 already allocated in subnet {ids['ext_sub']}"),
        ("ext", ("--floating-ip-address", "192.168.61.2"),
         f"IP address 192.168.61.2 already allocated in subnet {ids['ext_sub']}"),
        ("ext", ("--floating-ip-address", "10.9.9.9"),
         "IP address 10.9.9.9 is not a valid IP for any of the subnets on the specified "
         "network."),
        ("ext", ("--fixed-ip-address", "10.0.0.2"),
         "Bad floatingip request: fixed_ip_address cannot be specified without a port_id."),
        ("ext", ("--qos-policy", "q"), "No QoSPolicy found for q"),
        ("nosuch", (), "No Network found for nosuch"),
    ):
        result = cli("floating", "ip", "create", network, *args)
        assert (result.rc, result.out, result.err.strip()) == (1, "", message), args
    assert store_snapshot() == before


def test_exhausted_pool(cli: Runner, ids: dict[str, str], store_snapshot: Snapshot) -> None:
    addresses = [fip(cli)["floating_ip_address"] for _ in range(4)]
    assert addresses == ["192.168.61.3", "192.168.61.4", "192.168.61.5", "192.168.61.6"]
    before = store_snapshot()
    result = cli("floating", "ip", "create", "ext")
    assert (result.rc, result.err.strip()) == (
        1, f"No more IP addresses available on network {ids['ext']}.")
    assert store_snapshot() == before
    assert cli("floating", "ip", "delete", "192.168.61.4").out == ""
    assert fip(cli)["floating_ip_address"] == "192.168.61.4"


def test_associate_at_create_and_port_details(cli: Runner, ids: dict[str, str]) -> None:
    data = fip(cli, "--port", "vm-port")
    assert (data["status"], data["port_id"], data["fixed_ip_address"], data["router_id"]) == (
        "ACTIVE", ids["port"], "10.0.0.2", ids["router"])
    port = cli("port", "show", "vm-port", "-f", "json").json()
    assert data["port_details"] == {
        "name": "vm-port", "network_id": ids["net"], "mac_address": port["mac_address"],
        "admin_state_up": True, "status": "DOWN", "device_id": "",
        "device_owner": "compute:nova",
    }
    table = cli("floating", "ip", "show", data["id"]).out
    assert "admin_state_up='True', device_id='', device_owner='compute:nova'" in table


def test_association_needs_a_router_to_the_external_network(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    cli("network", "create", "lonely")
    lonely_sub = value(cli, "subnet", "create", "ls", "--network", "lonely",
                       "--subnet-range", "10.5.0.0/24")
    lonely_port = value(cli, "port", "create", "lp", "--network", "lonely")
    address = fip(cli)["floating_ip_address"]
    before = store_snapshot()
    for args, message in (
        (("--port", "lp"),
         f"External network {ids['ext']} is not reachable from subnet {lonely_sub}.  Therefore, "
         f"cannot associate Port {lonely_port} with a Floating IP."),
        (("--port", "vm-port", "--fixed-ip-address", "10.0.0.99"),
         f"Bad floatingip request: Port {ids['port']} does not have fixed ip 10.0.0.99."),
        (("--fixed-ip-address", "10.0.0.2"),
         "Bad floatingip request: fixed_ip_address cannot be specified without a port_id."),
    ):
        result = cli("floating", "ip", "set", address, *args)
        assert (result.rc, result.err.strip()) == (1, message), args
    gateway_port = cli("router", "show", "r1", "-f", "json").json()["interfaces_info"][0][
        "port_id"]
    result = cli("floating", "ip", "set", address, "--port", gateway_port)
    assert result.err.strip() == (
        f"Bad floatingip request: Port {gateway_port} is unable to be assigned a floating IP.")
    assert store_snapshot() == before
    # The same create refuses as the set did, and leaves nothing behind.
    result = cli("floating", "ip", "create", "ext", "--port", "lp")
    assert result.rc == 1
    assert store_snapshot() == before


def test_set_and_unset_port(cli: Runner, ids: dict[str, str]) -> None:
    address = fip(cli)["floating_ip_address"]
    assert cli("floating", "ip", "set", address, "--port", "vm-port", "--description", "web",
               "--tag", "t").out == ""
    shown = cli("floating", "ip", "show", address, "-f", "json").json()
    assert (shown["status"], shown["port_id"], shown["fixed_ip_address"], shown["router_id"],
            shown["description"], shown["tags"], shown["revision_number"]) == (
        "ACTIVE", ids["port"], "10.0.0.2", ids["router"], "web", ["t"], 1)
    other = fip(cli)["floating_ip_address"]
    result = cli("floating", "ip", "set", other, "--port", "vm-port")
    assert result.err.strip() == (
        f"Cannot associate floating IP {other} "
        f"({value(cli, 'floating', 'ip', 'show', other)}) with port {ids['port']} using fixed IP "
        f"10.0.0.2, as that fixed IP already has a floating IP on external network "
        f"{ids['ext']}.")
    # The interface cannot go while a floating IP needs it.
    result = cli("router", "remove", "subnet", "r1", "s1")
    assert result.err.strip() == (
        f"Router interface for subnet {ids['sub']} on router {ids['router']} cannot be deleted, "
        "as it is required by one or more floating IPs.")
    assert cli("floating", "ip", "unset", address, "--port", "--tag", "t").out == ""
    shown = cli("floating", "ip", "show", address, "-f", "json").json()
    assert (shown["status"], shown["port_id"], shown["fixed_ip_address"], shown["router_id"],
            shown["port_details"], shown["tags"]) == ("DOWN", None, None, None, {}, [])


def test_deleting_the_port_disassociates(cli: Runner, ids: dict[str, str]) -> None:
    address = fip(cli, "--port", "vm-port")["floating_ip_address"]
    assert cli("port", "delete", "vm-port").rc == 0
    shown = cli("floating", "ip", "show", address, "-f", "json").json()
    assert (shown["status"], shown["port_id"], shown["router_id"]) == ("DOWN", None, None)


def test_list_columns_and_filters(cli: Runner, ids: dict[str, str]) -> None:
    a = fip(cli, "--port", "vm-port")
    b = fip(cli, "--description", "spare")
    project = a["project_id"]
    assert cli("floating", "ip", "list", "-f", "json").json() == [
        {"ID": a["id"], "Floating IP Address": "192.168.61.3", "Fixed IP Address": "10.0.0.2",
         "Port": ids["port"], "Floating Network": ids["ext"], "Project": project},
        {"ID": b["id"], "Floating IP Address": "192.168.61.4", "Fixed IP Address": None,
         "Port": None, "Floating Network": ids["ext"], "Project": project},
    ]
    long = cli("floating", "ip", "list", "--long", "-f", "json").json()
    assert list(long[1])[6:] == ["Router", "Status", "Description", "Tags", "DNS Name",
                                 "DNS Domain"]
    assert (long[1]["Status"], long[1]["Description"], long[1]["Tags"]) == ("DOWN", "spare", [])

    def addresses(*args: str) -> list[str]:
        return cli("floating", "ip", "list", *args, "-f", "value", "-c",
                   "Floating IP Address").out.split()

    assert addresses("--port", "vm-port") == ["192.168.61.3"]
    assert addresses("--status", "DOWN") == ["192.168.61.4"]
    assert addresses("--router", "r1") == ["192.168.61.3"]
    assert addresses("--network", "ext") == ["192.168.61.3", "192.168.61.4"]
    assert addresses("--fixed-ip-address", "10.0.0.2") == ["192.168.61.3"]
    assert addresses("--floating-ip-address", "192.168.61.4") == ["192.168.61.4"]
    assert addresses("--project", "demo") == []
    assert cli("--os-project-name", "demo", "floating", "ip", "list", "-f", "value").out == ""


def test_delete_by_address_or_id_and_many(cli: Runner, ids: dict[str, str]) -> None:
    a = fip(cli)
    fip(cli)
    result = cli("floating", "ip", "delete", a["id"], "192.168.61.4", "192.168.61.9")
    assert result.err.splitlines() == [
        "Failed to delete floating IP with name or ID '192.168.61.9': No FloatingIP found for "
        "192.168.61.9",
        "1 of 3 floating IPs failed to delete.",
    ]
    assert cli("floating", "ip", "list", "-f", "value").out == ""
    # Both addresses are back in the pool.
    assert fip(cli)["floating_ip_address"] == "192.168.61.3"


def test_router_gateway_cannot_go_while_floating_ips_use_it(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    fip(cli, "--port", "vm-port")
    before = store_snapshot()
    result = cli("router", "unset", "r1", "--external-gateway")
    assert result.err.strip() == (
        f"Gateway cannot be updated for router {ids['router']}, since a gateway to external "
        f"network {ids['ext']} is required by one or more floating IPs.")
    assert store_snapshot() == before


def test_parser(cli: Runner) -> None:
    assert cli("floating", "ip", "create").rc == 2
    assert cli("floating", "ip", "create", "ext", "--tag", "a", "--no-tag").rc == 2
    assert cli("floating", "ip", "list", "--status", "ERROR").rc == 2
    assert cli("floating", "ip", "set", "x", "--qos-policy", "q", "--no-qos-policy").rc == 2
    assert cli("floating", "ip", "delete").rc == 2
    assert cli("floating", "ip", "show", "10.1.1.1").err.strip() == \
        "No FloatingIP found for 10.1.1.1"


def test_the_associated_fixed_ip_cannot_leave_the_port(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    # l3_db prevent_internal_ip_change_for_fip: a port update whose fixed_ips drop the
    # address a floating IP maps to is refused; the floating IP never points at nothing.
    address = fip(cli, "--port", "vm-port")["fixed_ip_address"]
    refusal = (1, f"Bad port request: Cannot update the fixed_ips of the port {ids['port']}, "
                  "because its original fixed_ip has been associated to a floating ip.\n")
    before = store_snapshot()
    for args in (
        ("--no-fixed-ip", "--fixed-ip", "ip-address=10.0.0.77"),
        ("--no-fixed-ip",),
        # Asked for by subnet only, the address might stay, but Neutron looks at the request.
        ("--no-fixed-ip", "--fixed-ip", "subnet=s1"),
    ):
        result = cli("port", "set", "vm-port", *args)
        assert (result.rc, result.err) == refusal, args
    result = cli("port", "unset", "vm-port", "--fixed-ip", f"subnet=s1,ip-address={address}")
    assert (result.rc, result.err) == refusal
    assert store_snapshot() == before
    # Keeping the address, the port may take another one.
    assert cli("port", "set", "vm-port", "--fixed-ip", "ip-address=10.0.0.77").rc == 0
    ips = cli("port", "show", "vm-port", "-f", "json").json()["fixed_ips"]
    assert [ip["ip_address"] for ip in ips] == [address, "10.0.0.77"]
    shown = cli("floating", "ip", "list", "-f", "json").json()
    assert [row["Fixed IP Address"] for row in shown] == [address]
    # Once the floating IP lets go, the address may go too.
    assert cli("floating", "ip", "unset", "--port", shown[0]["ID"]).rc == 0
    assert cli("port", "set", "vm-port", "--no-fixed-ip",
               "--fixed-ip", "ip-address=10.0.0.77").rc == 0
