"""Neutron's address checks, pure: every rule with its exact message."""

from __future__ import annotations

import ipaddress

import pytest

from ostack_cli.backend.local import ipam
from ostack_cli.backend.local.neutron_input import check_name, normalize_mac, parse_mtu
from ostack_cli.errors import BadRequest, Conflict, OstackError

NET = ipaddress.ip_network("10.0.0.0/24")


def message(exc: pytest.ExceptionInfo[OstackError]) -> str:
    return str(exc.value)


@pytest.mark.parametrize(("data", "reason"), [
    ("10.0.0.1", None),
    ("fd00::1", None),
    ("10.0.0", "'10.0.0' is not a valid IP address"),
    ("10.0.0.256", "'10.0.0.256' is not a valid IP address"),
    ("10.0.0.01", "'10.0.0.01' is not an accepted IP address, '10.0.0.1' is recommended"),
    (" 10.0.0.1", "' 10.0.0.1' is not a valid IP address"),
    ("fd00::g", "'fd00::g' is not a valid IP address"),
    ("", "'' is not a valid IP address"),
])
def test_ip_address_error(data: str, reason: str | None) -> None:
    assert ipam.ip_address_error(data) == reason


@pytest.mark.parametrize(("data", "valid"), [
    ("10.0.0.0/24", True),
    ("10.0.0.5/24", True),  # host bits are allowed and cleared
    ("fd00::/64", True),
    ("10.0.0.0", False),
    ("10.0.0.0/33", False),
    ("10.0.0.0/024", False),
    ("10.0.0.0/255.255.255.0", False),
    ("10.0.0/24", False),
    ("x", False),
    ("10.0.0.0 /24", False),
])
def test_subnet_error(data: str, valid: bool) -> None:
    assert (ipam.subnet_error(data) is None) == valid
    if not valid:
        assert ipam.subnet_error(data) == f"'{data}' is not a valid IP subnet"


def test_parse_cidr_normalizes_and_checks_version() -> None:
    assert str(ipam.parse_cidr("10.0.0.5/24", 4)) == "10.0.0.0/24"
    with pytest.raises(BadRequest) as exc:
        ipam.parse_cidr("10.0.0.0/x", 4)
    assert message(exc) == "Invalid input for cidr. Reason: '10.0.0.0/x' is not a valid IP subnet."
    with pytest.raises(BadRequest) as exc:
        ipam.parse_cidr("fd00::/64", 4)
    assert message(exc) == (
        "Invalid input for operation: cidr 'fd00::/64' does not match the ip_version '4'.")
    with pytest.raises(BadRequest) as exc:
        ipam.parse_cidr("::/64", 6)
    assert message(exc) == "Invalid input for operation: IPv6 subnet '::' is not supported."


def test_dhcp_needs_room() -> None:
    ipam.check_dhcp_prefix(ipaddress.ip_network("10.0.0.0/30"))
    with pytest.raises(BadRequest) as exc:
        ipam.check_dhcp_prefix(ipaddress.ip_network("10.0.0.0/31"))
    assert message(exc) == ("Invalid input for operation: Subnet has a prefix length that is "
                            "incompatible with DHCP service enabled.")


@pytest.mark.parametrize("gateway", ["10.0.0.0", "10.0.0.255"])
def test_gateway_is_not_the_network_or_broadcast_address(gateway: str) -> None:
    with pytest.raises(BadRequest) as exc:
        ipam.check_gateway(NET, gateway)
    assert message(exc) == "Invalid input for operation: Gateway is not valid on subnet."


@pytest.mark.parametrize(("cidr", "gateway"), [
    ("10.0.0.0/24", "10.1.0.1"),  # outside: an on-link router (check_gateway_invalid_in_subnet)
    ("10.0.0.0/24", "10.0.1.0"),  # another subnet's network address is fine outside this one
    ("10.0.0.0/24", "192.168.1.255"),
    ("fd00::/64", "fd00::"),  # IPv6 has no network/broadcast exception
    ("fd00::/64", "fd01::1"),
])
def test_gateway_may_lie_outside_the_subnet(cidr: str, gateway: str) -> None:
    net = ipaddress.ip_network(cidr)
    assert ipam.check_gateway(net, gateway) == gateway


def test_pools_leave_out_only_a_gateway_inside() -> None:
    assert ipam.generate_pools(NET, "10.1.0.1") == [{"start": "10.0.0.1", "end": "10.0.0.254"}]


def test_gateway_format_and_version() -> None:
    assert ipam.check_gateway(NET, "10.0.0.254") == "10.0.0.254"
    with pytest.raises(BadRequest) as exc:
        ipam.check_gateway(NET, "nope")
    assert message(exc) == "Invalid input for gateway_ip. Reason: 'nope' is not a valid IP address."
    with pytest.raises(BadRequest) as exc:
        ipam.check_gateway(NET, "fd00::1")
    assert message(exc) == ("Invalid input for operation: gateway_ip 'fd00::1' does not match "
                            "the ip_version '4'.")


@pytest.mark.parametrize(("cidr", "gateway", "pools"), [
    ("10.0.0.0/24", "10.0.0.1", [("10.0.0.2", "10.0.0.254")]),
    ("10.0.0.0/24", "10.0.0.100",
     [("10.0.0.1", "10.0.0.99"), ("10.0.0.101", "10.0.0.254")]),
    ("10.0.0.0/24", "10.0.0.254", [("10.0.0.1", "10.0.0.253")]),
    ("10.0.0.0/24", None, [("10.0.0.1", "10.0.0.254")]),
    ("192.168.61.0/29", "192.168.61.1", [("192.168.61.2", "192.168.61.6")]),
    ("10.0.0.0/31", None, [("10.0.0.0", "10.0.0.1")]),
    ("fd00::/64", "fd00::1", [("fd00::2", "fd00::ffff:ffff:ffff:ffff")]),
])
def test_default_pools_split_around_the_gateway(
    cidr: str, gateway: str | None, pools: list[tuple[str, str]]
) -> None:
    expected = [{"start": s, "end": e} for s, e in pools]
    assert ipam.generate_pools(ipaddress.ip_network(cidr), gateway) == expected


@pytest.mark.parametrize(("pools", "error", "text"), [
    ([{"start": "10.0.0.5", "end": "x"}], BadRequest,
     "Invalid input for allocation_pools. Reason: 'x' is not a valid IP address."),
    ([{"start": "10.0.0.50", "end": "10.0.0.10"}], BadRequest,
     "The allocation pool {'start': '10.0.0.50', 'end': '10.0.0.10'} is not valid."),
    ([{"start": "10.0.0.5", "end": "10.0.1.10"}], BadRequest,
     "The allocation pool 10.0.0.5-10.0.1.10 spans beyond the subnet cidr 10.0.0.0/24."),
    ([{"start": "10.0.0.0", "end": "10.0.0.10"}], BadRequest,
     "The allocation pool 10.0.0.0-10.0.0.10 spans beyond the subnet cidr 10.0.0.0/24."),
    ([{"start": "fd00::1", "end": "fd00::9"}], BadRequest,
     "The allocation pool fd00::1-fd00::9 is not valid."),
    ([{"start": "10.0.0.10", "end": "10.0.0.20"}, {"start": "10.0.0.15", "end": "10.0.0.30"}],
     Conflict,
     "Found overlapping allocation pools: 10.0.0.10-10.0.0.20 10.0.0.15-10.0.0.30 for subnet "
     "10.0.0.0/24."),
    ([{"start": "10.0.0.1", "end": "10.0.0.20"}], Conflict,
     "Gateway ip 10.0.0.1 conflicts with allocation pool 10.0.0.1-10.0.0.20."),
])
def test_bad_pools(pools: list[dict[str, str]], error: type[OstackError], text: str) -> None:
    with pytest.raises(error) as exc:
        ipam.check_pools(pools, NET, "10.0.0.1")
    assert str(exc.value) == text


def test_good_pools_keep_their_order() -> None:
    pools = [{"end": "10.0.0.200", "start": "10.0.0.100"}, {"start": "10.0.0.2", "end": "10.0.0.9"}]
    assert ipam.check_pools(pools, NET, "10.0.0.1") == [
        {"start": "10.0.0.100", "end": "10.0.0.200"}, {"start": "10.0.0.2", "end": "10.0.0.9"}]


def test_nameservers() -> None:
    assert ipam.check_nameservers(["8.8.8.8", "1.1.1.1"], 4) == ["8.8.8.8", "1.1.1.1"]
    cases = [
        (["8.8.8"], "Invalid input for dns_nameservers. Reason: '8.8.8' is not a valid "
                    "nameserver. '8.8.8' is not a valid IP address."),
        (["8.8.8.8", "8.8.8.8"],
         "Invalid input for dns_nameservers. Reason: Duplicate nameserver '8.8.8.8'."),
        (["fd00::53"], "Invalid input for operation: dns_nameserver 'fd00::53' does not match "
                       "the ip_version '4'."),
        ([f"10.0.0.{i}" for i in range(1, 7)],
         "Unable to complete operation for new subnet. The number of DNS nameservers exceeds "
         "the limit 5."),
    ]
    for servers, text in cases:
        with pytest.raises(BadRequest) as exc:
            ipam.check_nameservers(servers, 4)
        assert str(exc.value) == text


def test_routes() -> None:
    route = {"destination": "10.1.0.0/16", "nexthop": "10.0.0.254"}
    assert ipam.check_host_routes([route], 4) == [route]
    cases = [
        ({"destination": "10.1.0.1/16", "nexthop": "10.0.0.254"},
         "Invalid input for host_routes. Reason: '10.1.0.1/16' is not a valid CIDR."),
        ({"destination": "127.0.0.0/8", "nexthop": "10.0.0.254"},
         "Invalid input for host_routes. Reason: '127.0.0.0/8' is not a routable CIDR."),
        ({"destination": "10.1.0.0/16", "nexthop": "nope"},
         "Invalid input for host_routes. Reason: 'nope' is not a valid IP address."),
    ]
    for bad, text in cases:
        with pytest.raises(BadRequest) as exc:
            ipam.check_host_routes([bad], 4)
        assert str(exc.value) == text
    with pytest.raises(BadRequest) as exc:
        ipam.check_routes([route, dict(route)], "routes")
    assert str(exc.value) == (
        "Invalid input for routes. Reason: Duplicate hostroute "
        "'{'destination': '10.1.0.0/16', 'nexthop': '10.0.0.254'}'.")


@pytest.mark.parametrize(("cidr", "address", "owner", "inside"), [
    ("10.0.0.0/24", "10.0.0.1", "", True),
    ("10.0.0.0/24", "10.0.0.0", "", False),
    ("10.0.0.0/24", "10.0.0.255", "", False),
    ("10.0.0.0/24", "10.0.1.1", "", False),
    ("10.0.0.0/24", "fd00::1", "", False),
    ("10.0.0.0/31", "10.0.0.1", "", True),
    ("10.0.0.0/31", "10.0.0.0", "", False),
    ("fd00::/64", "fd00::", "compute:nova", False),
    ("fd00::/64", "fd00::", "network:router_interface", True),
])
def test_ip_in_subnet(cidr: str, address: str, owner: str, inside: bool) -> None:
    assert ipam.ip_in_subnet(cidr, address, owner) is inside


def test_names_macs_and_mtus() -> None:
    check_name("x" * 255)
    with pytest.raises(BadRequest) as exc:
        check_name("y" * 256)
    assert str(exc.value) == f"Invalid input for name. Reason: '{'y' * 256}' exceeds maximum " \
                             "length of 255."
    assert normalize_mac("FA-16-3E-00-00-0A") == "fa:16:3e:00:00:0a"
    assert normalize_mac("fa16.3e00.000a") == "fa:16:3e:00:00:0a"
    for bad in ("fa:16:3e:00:00", "00:00:00:00:00:00", "zz:16:3e:00:00:00"):
        with pytest.raises(BadRequest) as exc:
            normalize_mac(bad)
        assert str(exc.value) == f"Invalid input for mac_address. Reason: '{bad}' is not a " \
                                 "valid MAC address."
    assert parse_mtu("1450") == 1450
    for bad, text in (
        ("abc", "Invalid input for mtu. Reason: 'abc' is not an integer."),
        ("-1", "Invalid input for mtu. Reason: '-1' should be non-negative."),
        ("9001", "Invalid input for operation: Requested MTU is too big, maximum is 9000."),
    ):
        with pytest.raises(BadRequest) as exc:
            parse_mtu(bad)
        assert str(exc.value) == text
