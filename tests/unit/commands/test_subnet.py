from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ostack_cli.backend.local import LocalBackend
from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

SHOW_FIELDS = [
    "allocation_pools", "cidr", "created_at", "description", "dns_nameservers",
    "dns_publish_fixed_ip", "enable_dhcp", "gateway_ip", "host_routes", "id", "ip_version",
    "ipv6_address_mode", "ipv6_ra_mode", "name", "network_id", "project_id", "revision_number",
    "segment_id", "service_types", "subnetpool_id", "tags", "updated_at",
]


@pytest.fixture
def net(cli: Runner) -> str:
    return str(cli("network", "create", "net1", "-f", "value", "-c", "id").out.strip())


def subnet(cli: Runner, *args: str, name: str = "s1", network: str = "net1") -> dict[str, Any]:
    result = cli("subnet", "create", name, "--network", network, *args, "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def test_create_defaults(cli: Runner, net: str) -> None:
    data = subnet(cli, "--subnet-range", "10.0.0.0/24")
    assert list(data) == SHOW_FIELDS
    for key in ("id", "created_at", "updated_at", "project_id"):
        data.pop(key)
    assert data == {
        "allocation_pools": [{"start": "10.0.0.2", "end": "10.0.0.254"}],
        "cidr": "10.0.0.0/24", "description": "", "dns_nameservers": [],
        "dns_publish_fixed_ip": None, "enable_dhcp": True, "gateway_ip": "10.0.0.1",
        "host_routes": [], "ip_version": 4, "ipv6_address_mode": None, "ipv6_ra_mode": None,
        "name": "s1", "network_id": net, "revision_number": 0, "segment_id": None,
        "service_types": [], "subnetpool_id": None, "tags": [],
    }


def test_network_lists_its_subnets_and_bumps_its_revision(cli: Runner, net: str) -> None:
    first = subnet(cli, "--subnet-range", "10.0.0.0/24")["id"]
    second = subnet(cli, "--subnet-range", "10.0.1.0/24", name="s2")["id"]
    shown = cli("network", "show", "net1", "-f", "json").json()
    assert (shown["subnets"], shown["revision_number"]) == ([first, second], 3)
    assert cli("subnet", "delete", "s1").rc == 0
    shown = cli("network", "show", "net1", "-f", "json").json()
    assert (shown["subnets"], shown["revision_number"]) == ([second], 4)


def test_options_and_table_formatters(cli: Runner, net: str) -> None:
    data = subnet(cli, "--subnet-range", "10.0.0.5/24", "--gateway", "10.0.0.100",
                  "--allocation-pool", "start=10.0.0.10,end=10.0.0.20",
                  "--allocation-pool", "start=10.0.0.150,end=10.0.0.160",
                  "--dns-nameserver", "9.9.9.9", "--dns-nameserver", "1.1.1.1",
                  "--host-route", "destination=10.8.0.0/16,gateway=10.0.0.254",
                  "--no-dhcp", "--description", "desc", "--tag", "t")
    assert data["cidr"] == "10.0.0.0/24"
    assert data["gateway_ip"] == "10.0.0.100"
    assert data["allocation_pools"] == [{"start": "10.0.0.10", "end": "10.0.0.20"},
                                        {"start": "10.0.0.150", "end": "10.0.0.160"}]
    assert data["dns_nameservers"] == ["9.9.9.9", "1.1.1.1"]
    assert data["host_routes"] == [{"destination": "10.8.0.0/16", "nexthop": "10.0.0.254"}]
    assert (data["enable_dhcp"], data["description"], data["tags"]) == (False, "desc", ["t"])
    table = cli("subnet", "show", "s1").out
    assert "| allocation_pools     | 10.0.0.10-10.0.0.20,10.0.0.150-10.0.0.160 " in table
    assert "| dns_nameservers      | 9.9.9.9, 1.1.1.1 " in table
    assert "| host_routes          | destination='10.8.0.0/16', gateway='10.0.0.254' " in table


def test_gateway_none_and_auto(cli: Runner, net: str) -> None:
    data = subnet(cli, "--subnet-range", "10.0.0.0/24", "--gateway", "none")
    assert (data["gateway_ip"], data["allocation_pools"]) == (
        None, [{"start": "10.0.0.1", "end": "10.0.0.254"}])
    data = subnet(cli, "--subnet-range", "10.0.1.0/24", "--gateway", "auto", name="s2")
    assert data["gateway_ip"] == "10.0.1.1"


def test_ipv6(cli: Runner, net: str) -> None:
    data = subnet(cli, "--ip-version", "6", "--subnet-range", "fd00:1::/64",
                  "--ipv6-address-mode", "slaac", "--ipv6-ra-mode", "slaac")
    # Neutron's IPv6 default gateway is the subnet-router anycast address.
    assert (data["ip_version"], data["gateway_ip"], data["ipv6_address_mode"]) == (
        6, "fd00:1::", "slaac")
    assert data["allocation_pools"] == [{"start": "fd00:1::1",
                                         "end": "fd00:1::ffff:ffff:ffff:ffff"}]


def test_overlap_is_refused_on_one_network_only(
    cli: Runner, net: str, store_snapshot: Snapshot
) -> None:
    subnet(cli, "--subnet-range", "10.0.0.0/24")
    before = store_snapshot()
    result = cli("subnet", "create", "s2", "--network", "net1", "--subnet-range", "10.0.0.128/25")
    assert (result.rc, result.err.strip()) == (
        1, f"Invalid input for operation: Requested subnet with cidr: 10.0.0.128/25 for "
           f"network: {net} overlaps with another subnet.")
    assert store_snapshot() == before
    cli("network", "create", "net2")
    assert subnet(cli, "--subnet-range", "10.0.0.0/24", name="s2", network="net2")["cidr"] == \
        "10.0.0.0/24"


@pytest.mark.parametrize(("args", "message"), [
    (("--subnet-range", "10.0.0.0/33"),
     "Invalid input for cidr. Reason: '10.0.0.0/33' is not a valid IP subnet."),
    (("--subnet-range", "banana"),
     "Invalid input for cidr. Reason: 'banana' is not a valid IP subnet."),
    ((), "Bad subnets request: a subnetpool must be specified in the absence of a cidr."),
    (("--subnet-range", "fd00::/64"),
     "Invalid input for operation: cidr 'fd00::/64' does not match the ip_version '4'."),
    (("--subnet-range", "10.0.0.0/31"),
     "Invalid input for operation: Subnet has a prefix length that is incompatible with DHCP "
     "service enabled."),
    (("--subnet-range", "0.0.0.0/0", "--no-dhcp"),
     "Invalid input for operation: 0 is not allowed as CIDR prefix length."),
    (("--subnet-range", "10.0.0.0/24", "--gateway", "10.0.0.0"),
     "Invalid input for operation: Gateway is not valid on subnet."),
    (("--subnet-range", "10.0.0.0/24", "--gateway", "10.0.0.255"),
     "Invalid input for operation: Gateway is not valid on subnet."),
    (("--subnet-range", "10.0.0.0/24", "--gateway", "gw"),
     "Invalid input for gateway_ip. Reason: 'gw' is not a valid IP address."),
    (("--subnet-range", "10.0.0.0/24", "--allocation-pool", "start=10.0.1.1,end=10.0.1.9"),
     "The allocation pool 10.0.1.1-10.0.1.9 spans beyond the subnet cidr 10.0.0.0/24."),
    (("--subnet-range", "10.0.0.0/24", "--allocation-pool", "start=10.0.0.5,end=10.0.0.9",
      "--allocation-pool", "start=10.0.0.9,end=10.0.0.20"),
     "Found overlapping allocation pools: 10.0.0.5-10.0.0.9 10.0.0.9-10.0.0.20 for subnet "
     "10.0.0.0/24."),
    (("--subnet-range", "10.0.0.0/24", "--allocation-pool", "start=10.0.0.1,end=10.0.0.9"),
     "Gateway ip 10.0.0.1 conflicts with allocation pool 10.0.0.1-10.0.0.9."),
    (("--subnet-range", "10.0.0.0/24", "--dns-nameserver", "dns"),
     "Invalid input for dns_nameservers. Reason: 'dns' is not a valid nameserver. 'dns' is not "
     "a valid IP address."),
    (("--subnet-range", "10.0.0.0/24", "--host-route", "destination=10.1.0.1/16,gateway=10.0.0.9"),
     "Invalid input for host_routes. Reason: '10.1.0.1/16' is not a valid CIDR."),
    (("--subnet-range", "10.0.0.0/24", "--subnet-pool", "pool"), "No SubnetPool found for pool"),
    (("--ip-version", "6", "--subnet-range", "fd00:9::/64", "--ipv6-ra-mode", "slaac",
      "--ipv6-address-mode", "dhcpv6-stateful"),
     "Invalid input for operation: ipv6_ra_mode set to 'slaac' with ipv6_address_mode set to "
     "'dhcpv6-stateful' is not valid. If both attributes are set, they must be the same "
     "value."),
    (("--ip-version", "6", "--subnet-range", "fd00:9::/80", "--ipv6-address-mode", "slaac"),
     "Invalid input for operation: Invalid CIDR fd00:9::/80 for IPv6 address mode. OpenStack "
     "uses the EUI-64 address format, which requires the prefix to be /64."),
    (("--ip-version", "6", "--subnet-range", "fd00:9::/80", "--ipv6-ra-mode",
      "dhcpv6-stateless"),
     "Invalid input for operation: Invalid CIDR fd00:9::/80 for IPv6 address mode. OpenStack "
     "uses the EUI-64 address format, which requires the prefix to be /64."),
    (("--ip-version", "6", "--subnet-range", "fd00:9::/64", "--ipv6-address-mode", "slaac",
      "--no-dhcp"),
     "Invalid input for operation: ipv6_ra_mode or ipv6_address_mode cannot be set when "
     "enable_dhcp is set to False."),
])
def test_bad_input_changes_nothing(
    cli: Runner, net: str, store_snapshot: Snapshot, args: tuple[str, ...], message: str
) -> None:
    before = store_snapshot()
    result = cli("subnet", "create", "bad", "--network", "net1", *args)
    assert (result.rc, result.out, result.err.strip()) == (1, "", message)
    assert store_snapshot() == before


def test_parser(cli: Runner, net: str) -> None:
    assert cli("subnet", "create", "s", "--subnet-range", "10.0.0.0/24").rc == 2  # no --network
    assert cli("subnet", "create", "s", "--network", "net1", "--ip-version", "5").rc == 2
    assert cli("subnet", "create", "s", "--network", "net1", "--allocation-pool",
               "start=10.0.0.2").rc == 2
    assert cli("subnet", "create", "s", "--network", "nosuch", "--subnet-range",
               "10.0.0.0/24").err.strip() == "No Network found for nosuch"


def test_list_columns_and_filters(cli: Runner, net: str) -> None:
    s1 = subnet(cli, "--subnet-range", "10.0.0.0/24")
    cli("network", "create", "net2")
    s2 = subnet(cli, "--subnet-range", "fd00::/64", "--ip-version", "6", "--no-dhcp",
                name="s2", network="net2")
    assert cli("subnet", "list", "-f", "json").json() == [
        {"ID": s1["id"], "Name": "s1", "Network": net, "Subnet": "10.0.0.0/24"},
        {"ID": s2["id"], "Name": "s2", "Network": s2["network_id"], "Subnet": "fd00::/64"},
    ]
    long = cli("subnet", "list", "--long", "-f", "json").json()[0]
    assert list(long) == ["ID", "Name", "Network", "Subnet", "Project", "DHCP", "Name Servers",
                          "Allocation Pools", "Host Routes", "IP Version", "Gateway",
                          "Service Types", "Tags"]
    assert long["Allocation Pools"] == [{"start": "10.0.0.2", "end": "10.0.0.254"}]

    def names(*args: str) -> list[str]:
        return cli("subnet", "list", *args, "-f", "value", "-c", "Name").out.split()

    assert names("--network", "net2") == ["s2"]
    assert names("--ip-version", "4") == ["s1"]
    assert names("--no-dhcp") == ["s2"]
    assert names("--dhcp") == ["s1"]
    assert names("--gateway", "10.0.0.1") == ["s1"]
    assert names("--subnet-range", "fd00::/64") == ["s2"]
    assert names("--name", "s1") == ["s1"]


def test_set_appends_and_no_options_clear(cli: Runner, net: str) -> None:
    subnet(cli, "--subnet-range", "10.0.0.0/24", "--dns-nameserver", "1.1.1.1")
    assert cli("subnet", "set", "s1", "--dns-nameserver", "8.8.8.8", "--name", "s9",
               "--description", "x", "--no-dhcp", "--tag", "t",
               "--host-route", "destination=10.5.0.0/16,gateway=10.0.0.7").out == ""
    data = cli("subnet", "show", "s9", "-f", "json").json()
    assert data["dns_nameservers"] == ["8.8.8.8", "1.1.1.1"]
    assert (data["enable_dhcp"], data["description"], data["tags"]) == (False, "x", ["t"])
    assert data["host_routes"] == [{"destination": "10.5.0.0/16", "nexthop": "10.0.0.7"}]
    assert data["revision_number"] == 1
    assert cli("subnet", "set", "s9", "--no-dns-nameservers", "--no-host-route",
               "--no-allocation-pool", "--allocation-pool",
               "start=10.0.0.50,end=10.0.0.60").rc == 0
    data = cli("subnet", "show", "s9", "-f", "json").json()
    assert (data["dns_nameservers"], data["host_routes"]) == ([], [])
    assert data["allocation_pools"] == [{"start": "10.0.0.50", "end": "10.0.0.60"}]
    assert cli("subnet", "set", "s9", "--gateway", "none").rc == 0
    assert cli("subnet", "show", "s9", "-f", "value", "-c", "gateway_ip").out == "None\n"
    assert cli("subnet", "set", "s9", "--gateway", "10.0.0.254").rc == 0
    assert cli("subnet", "show", "s9", "-f", "value", "-c", "gateway_ip").out == "10.0.0.254\n"


def test_ipv6_stateful_subnets_may_be_longer_than_a_64(cli: Runner, net: str) -> None:
    data = subnet(cli, "--ip-version", "6", "--subnet-range", "fd00:9::/80",
                  "--ipv6-ra-mode", "dhcpv6-stateful")
    assert (data["cidr"], data["ipv6_ra_mode"]) == ("fd00:9::/80", "dhcpv6-stateful")


def test_dhcp_stays_on_while_ipv6_modes_are_set(
    cli: Runner, net: str, store_snapshot: Snapshot
) -> None:
    subnet(cli, "--ip-version", "6", "--subnet-range", "fd00:9::/64",
           "--ipv6-address-mode", "slaac", name="s6")
    subnet(cli, "--ip-version", "6", "--subnet-range", "fd00:8::/64", name="plain6")
    before = store_snapshot()
    result = cli("subnet", "set", "s6", "--no-dhcp")
    assert (result.rc, result.err.strip()) == (
        1, "Invalid input for operation: Cannot disable enable_dhcp with ipv6 attributes set.")
    assert store_snapshot() == before
    assert cli("subnet", "set", "plain6", "--no-dhcp").rc == 0


def test_set_refusals(cli: Runner, net: str, store_snapshot: Snapshot) -> None:
    subnet(cli, "--subnet-range", "10.0.0.0/24")
    before = store_snapshot()
    for args, message in (
        (("--gateway", "auto"),
         "Auto option is not available for Subnet Set. Valid options are <ip-address> or none"),
        (("--gateway", "10.0.0.5"),
         "Gateway ip 10.0.0.5 conflicts with allocation pool 10.0.0.2-10.0.0.254."),
        (("--gateway", "10.0.0.255"),
         "Invalid input for operation: Gateway is not valid on subnet."),
        (("--dns-nameserver", "x"), "Invalid input for dns_nameservers. Reason: 'x' is not a "
                                    "valid nameserver. 'x' is not a valid IP address."),
        (("--name", "n" * 256),
         f"Invalid input for name. Reason: '{'n' * 256}' exceeds maximum length of 255."),
    ):
        result = cli("subnet", "set", "s1", *args)
        assert (result.rc, result.err.strip()) == (1, message)
    assert store_snapshot() == before


def test_unset(cli: Runner, net: str) -> None:
    subnet(cli, "--subnet-range", "10.0.0.0/24", "--dns-nameserver", "1.1.1.1",
           "--dns-nameserver", "8.8.8.8", "--tag", "a", "--tag", "b",
           "--host-route", "destination=10.5.0.0/16,gateway=10.0.0.7")
    assert cli("subnet", "unset", "s1", "--dns-nameserver", "1.1.1.1", "--tag", "a",
               "--host-route", "destination=10.5.0.0/16,gateway=10.0.0.7", "--gateway").out == ""
    data = cli("subnet", "show", "s1", "-f", "json").json()
    assert (data["dns_nameservers"], data["tags"], data["host_routes"], data["gateway_ip"]) == (
        ["8.8.8.8"], ["b"], [], None)
    result = cli("subnet", "unset", "s1", "--dns-nameserver", "9.9.9.9")
    assert (result.rc, result.err.strip()) == (1, "Subnet does not contain dns-nameserver 9.9.9.9")
    result = cli("subnet", "unset", "s1", "--allocation-pool", "start=10.0.0.2,end=10.0.0.3")
    assert result.err.strip() == (
        "Subnet does not contain allocation-pool {'start': '10.0.0.2', 'end': '10.0.0.3'}")


def test_delete_refused_while_ports_use_it(
    cli: Runner, net: str, store_snapshot: Snapshot
) -> None:
    sub = subnet(cli, "--subnet-range", "10.0.0.0/24")
    cli("port", "create", "p", "--network", "net1")
    before = store_snapshot()
    result = cli("subnet", "delete", "s1", "nosuch")
    assert result.err.splitlines() == [
        f"Failed to delete subnet with name or ID 's1': Unable to complete operation on subnet "
        f"{sub['id']}: One or more ports have an IP allocation from this subnet.",
        "Failed to delete subnet with name or ID 'nosuch': No Subnet found for nosuch",
        "2 of 2 subnets failed to delete.",
    ]
    assert store_snapshot() == before


def _claim_dhcp_ports() -> list[list[dict[str, str]]]:
    """What the host side does before each converge (the DHCP agent's port), and the DHCP
    ports' addresses after."""
    backend = LocalBackend.open()
    try:
        backend.services.host_sync._claim_dhcp_ports()
        return [p.fixed_ips for p in backend.ports() if p.device_owner == "network:dhcp"]
    finally:
        backend.close()


def test_a_dhcp_port_that_cannot_be_made_claims_no_address(cli: Runner, net: str) -> None:
    one = subnet(cli, "--subnet-range", "10.0.0.0/24")
    subnet(cli, "--subnet-range", "10.0.1.0/24", "--allocation-pool",
           "start=10.0.1.2,end=10.0.1.2", name="full")
    assert cli("port", "create", "guest", "--network", "net1", "--fixed-ip", "subnet=full",
               "--device-owner", "compute:nova").rc == 0
    for _ in range(3):
        assert _claim_dhcp_ports() == []  # no address left on "full": no DHCP port
    # Nothing was claimed on the other subnet by the port that could not be made.
    data = cli("port", "create", "p", "--network", "net1", "--fixed-ip", "subnet=s1",
               "-f", "json").json()
    assert data["fixed_ips"] == [{"subnet_id": one["id"], "ip_address": "10.0.0.2"}]


def test_the_dhcp_port_follows_the_subnets_dhcp_serves(cli: Runner, net: str) -> None:
    """The DHCP agent's ``_setup_existing_dhcp_port``: an address on each DHCP subnet."""
    one = subnet(cli, "--subnet-range", "10.0.0.0/24")
    two = subnet(cli, "--subnet-range", "10.0.1.0/24", "--no-dhcp", name="s2")
    assert cli("port", "create", "guest", "--network", "net1",
               "--device-owner", "compute:nova").rc == 0
    assert _claim_dhcp_ports() == [[{"subnet_id": one["id"], "ip_address": "10.0.0.3"}]]
    assert cli("subnet", "set", "s2", "--dhcp").rc == 0
    assert _claim_dhcp_ports() == [[{"subnet_id": one["id"], "ip_address": "10.0.0.3"},
                                    {"subnet_id": two["id"], "ip_address": "10.0.1.2"}]]
    assert cli("subnet", "set", "s1", "--no-dhcp").rc == 0
    assert _claim_dhcp_ports() == [[{"subnet_id": two["id"], "ip_address": "10.0.1.2"}]]


def test_dhcp_ports_do_not_keep_a_subnet(cli: Runner, net: str) -> None:
    subnet(cli, "--subnet-range", "10.0.0.0/24")
    second = subnet(cli, "--subnet-range", "10.0.1.0/24", name="s2")
    dhcp = cli("port", "create", "dhcp", "--network", "net1", "--device-owner", "network:dhcp",
               "--fixed-ip", "subnet=s1", "--fixed-ip", "subnet=s2", "-f", "json").json()
    assert len(dhcp["fixed_ips"]) == 2
    assert cli("subnet", "delete", "s1").rc == 0
    # Neutron removes the DHCP port's address on the subnet, not the port.
    assert cli("port", "show", dhcp["id"], "-f", "json").json()["fixed_ips"] == [
        {"subnet_id": second["id"], "ip_address": "10.0.1.2"}]
    assert cli("subnet", "delete", "s2").rc == 0
    assert cli("port", "list", "-f", "value").out == ""
    assert subnet(cli, "--subnet-range", "10.0.1.0/24", name="s3")["id"]
    assert cli("port", "create", "p", "--network", "net1", "-f", "json").json()["fixed_ips"][0][
        "ip_address"] == "10.0.1.2"


def test_a_gateway_outside_the_subnet_is_accepted_as_neutron_does(
    cli: Runner, net: str, store_snapshot: Snapshot
) -> None:
    # ipam.utils.check_gateway_invalid_in_subnet refuses only the network and broadcast
    # addresses of an IPv4 subnet: a gateway outside it is an on-link router.
    data = subnet(cli, "--subnet-range", "10.0.0.0/24", "--gateway", "10.0.1.1")
    assert data["gateway_ip"] == "10.0.1.1"
    # generate_pools leaves out only a gateway inside the range.
    assert data["allocation_pools"] == [{"start": "10.0.0.1", "end": "10.0.0.254"}]
    assert cli("subnet", "set", "s1", "--gateway", "192.168.5.1").rc == 0
    assert cli("subnet", "show", "s1", "-f", "value", "-c", "gateway_ip").out == "192.168.5.1\n"
    # A router's interface would take the gateway address, which IPAM refuses for the subnet
    # (l3_db _add_interface_by_subnet, then ipam_backend_mixin _get_subnet_for_fixed_ip).
    assert cli("router", "create", "r").rc == 0
    before = store_snapshot()
    result = cli("router", "add", "subnet", "r", "s1")
    assert (result.rc, result.out, result.err) == (
        1, "", "IP address 192.168.5.1 is not a valid IP for the specified subnet.\n")
    assert store_snapshot() == before
    # Ports take any address of the range.
    port = cli("port", "create", "p", "--network", "net1", "-f", "json").json()
    assert port["fixed_ips"][0]["ip_address"] == "10.0.0.1"
    # Back inside, the gateway must stay out of the pools again.
    result = cli("subnet", "set", "s1", "--gateway", "10.0.0.254")
    assert (result.rc, result.err) == (
        1, "Gateway ip 10.0.0.254 conflicts with allocation pool 10.0.0.1-10.0.0.254.\n")


def test_an_external_gateway_outside_the_subnet(cli: Runner) -> None:
    # The router's gateway port takes an address of the range; the gateway stays outside.
    assert cli("network", "create", "ext", "--external").rc == 0
    data = subnet(cli, "--subnet-range", "192.168.61.0/24", "--gateway", "192.168.60.1",
                  "--no-dhcp", name="ext-sub", network="ext")
    assert data["gateway_ip"] == "192.168.60.1"
    router = cli("router", "create", "r", "--external-gateway", "ext", "-f", "json").json()
    assert router["external_gateway_info"]["external_fixed_ips"][0]["ip_address"] == \
        "192.168.61.1"
