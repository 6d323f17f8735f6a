"""Neutron's attribute validators: MACs (checked against netaddr, Neutron's own parser, which
the test environment has), names, tags, address pairs, DNS names, MTUs."""

from __future__ import annotations

import netaddr
import pytest

from ostack_cli.backend.local import ipam
from ostack_cli.backend.local.neutron_input import (
    check_address_pairs,
    check_dns_domain,
    check_fip_dns_name,
    check_name,
    check_service_types,
    check_subnet_mtu,
    check_tags,
    mac_address_error,
    normalize_mac,
)
from ostack_cli.errors import BadRequest, Conflict

MAC_SPELLINGS = [
    "fa:16:3e:00:00:0a", "FA:16:3E:00:00:0A", "fa-16-3e-00-00-0a", "fa:16:3e:0:0:a",
    "fa16:3e00:000a", "fa16-3e00-000a", "fa16.3e00.000a", "fa163e-00000a", "fa163e:00000a",
    "fa163e00000a", "a163e00000a", "f:16:3e:0:0:a",
    # not MACs, or not usable ones
    "", "fa:16:3e:00:00", "fa:16:3e:00:00:0a:0b", "zz:16:3e:00:00:00", "fa:16:3e:00:00:0a\n",
    " fa:16:3e:00:00:0a", "fa:16:3e:00:00:0a ", "fa::16:3e:00:00", "fa:16:3e:000:00:0a",
    "fa163e00000a0", "fa.16.3e.00.00.0a", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff",
    "FF-FF-FF-FF-FF-FF", "0000.0000.0000",
]


def _neutron_accepts_mac(value: str) -> bool:
    """neutron-lib validate_mac_address, with netaddr."""
    if any(c.isspace() for c in value) or not netaddr.valid_mac(value):
        return False
    return netaddr.EUI(value) not in (netaddr.EUI("00:00:00:00:00:00"),
                                      netaddr.EUI("ff:ff:ff:ff:ff:ff"))


@pytest.mark.parametrize("value", MAC_SPELLINGS)
def test_mac_spellings_are_netaddrs(value: str) -> None:
    assert (mac_address_error(value) is None) == _neutron_accepts_mac(value)
    if mac_address_error(value) is None:
        # convert_to_sanitized_mac_address: netaddr's mac_unix_expanded.
        expected = str(netaddr.EUI(value, dialect=netaddr.mac_unix_expanded))
        assert normalize_mac(value) == expected
    else:
        with pytest.raises(BadRequest) as exc:
            normalize_mac(value)
        assert str(exc.value) == (
            f"Invalid input for mac_address. Reason: '{value}' is not a valid MAC address.")


@pytest.mark.parametrize("name", [
    "", "web", "a b", "ünïcode ok", "mid\u3000dle", "\ufffd", "x" * 255,
])
def test_names_neutron_takes(name: str) -> None:
    check_name(name)


@pytest.mark.parametrize("name", [
    " lead", "trail ", "tab\there", "new\nline", "bell\a", "\u00a0nbsp", "nbsp\u00a0",
    "line\u2028sep", "zero\u200bwidth", "\u3000a", " ", "\uffff",
    # Neutron's pattern covers the Basic Multilingual Plane only.
    "emoji \U0001F600",
    # Neutron's "$" would let one trailing newline through; the whole name is matched here.
    "abc\n",
])
def test_names_neutron_refuses(name: str) -> None:
    # validate_name_string: printable characters only, no separator at either end.
    with pytest.raises(BadRequest) as exc:
        check_name(name)
    assert str(exc.value) == f"Invalid input for name. Reason: '{name}' is not a valid string."


def test_tags() -> None:
    assert check_tags(["b", "a", "b"], "networks") == ["b", "a"]
    with pytest.raises(BadRequest) as exc:
        check_tags(["t" * 256], "networks")
    assert str(exc.value) == (
        f"Invalid input for operation: '{'t' * 256}' exceeds maximum length of 255.")
    check_tags([f"t{i}" for i in range(50)], "ports")
    with pytest.raises(BadRequest) as exc:
        check_tags([f"t{i}" for i in range(51)], "ports")
    assert str(exc.value) == (
        "Bad ports request: The number of tags exceed the per-resource limit of 50.")


def test_address_pairs_accepted() -> None:
    assert check_address_pairs([
        {"ip_address": "10.0.0.5"},
        {"ip_address": "10.9.0.0/16", "mac_address": "FA-16-3E-00-00-01"},
        {"ip_address": "10.0.0.5/24"},  # host bits kept, as validate_subnet takes them
        {"ip_address": "fd00::/64"},
        {"ip_address": "0.0.0.0/0"},  # the one range the multicast check lets through
    ]) == [
        {"ip_address": "10.0.0.5"},
        {"ip_address": "10.9.0.0/16", "mac_address": "fa:16:3e:00:00:01"},
        {"ip_address": "10.0.0.5/24"},
        {"ip_address": "fd00::/64"},
        {"ip_address": "0.0.0.0/0"},
    ]


@pytest.mark.parametrize(("pairs", "message"), [
    ([{"ip_address": "foo"}], "'foo' is not a valid IP address"),
    ([{"ip_address": "10.0.0.256"}], "'10.0.0.256' is not a valid IP address"),
    ([{"ip_address": "10.0.0.05"}],
     "'10.0.0.05' is not an accepted IP address, '10.0.0.5' is recommended"),
    ([{"ip_address": "fe80::1%eth0"}], "'fe80::1%eth0' is not a valid IP address"),
    ([{"ip_address": "10.0.0.0/33"}], "'10.0.0.0/33' is not a valid IP subnet"),
    ([{"ip_address": "10.0.0.1 "}], "'10.0.0.1 ' is not a valid IP address"),
    ([{"ip_address": "10.0.0.1", "mac_address": "zz"}], "'zz' is not a valid MAC address"),
    ([{"ip_address": "10.0.0.1", "mac_address": "ff:ff:ff:ff:ff:ff"}],
     "'ff:ff:ff:ff:ff:ff' is not a valid MAC address"),
    ([{"ip_address": "10.0.0.1", "mac_address": "01:00:5e:00:00:01"}],
     "MAC address 01:00:5e:00:00:01 is a multicast address, which is not supported."),
    ([{"ip_address": "224.0.0.1"}], "IP 224.0.0.1 is a multicast address, which is not supported."),
    ([{"ip_address": "ff02::1"}], "IP ff02::1 is a multicast address, which is not supported."),
    ([{"ip_address": "192.0.0.0/2"}],
     "Subnet 192.0.0.0/2 overlaps with multicast range 224.0.0.0/4, which is not supported."),
    ([{"ip_address": "::/0"}],
     "Subnet ::/0 overlaps with multicast range ff00::/8, which is not supported."),
    ([{"ip_address": "10.0.0.1"}, {"ip_address": "10.0.0.1"}],
     "Request contains duplicate address pair: mac_address None "
     "ip_address 10.0.0.1."),
    ([{"ip_address": "10.0.0.1", "vlan": "5"}], "Unrecognized attribute(s) 'vlan'"),
    ([{"mac_address": "fa:16:3e:00:00:01"}],
     "AllowedAddressPair must contain ip_address"),
    ([{"ip_address": f"10.0.0.{i}"} for i in range(11)],
     "The number of allowed address pair exceeds the maximum 10."),
])
def test_address_pairs_refused(pairs: list[dict[str, str]], message: str) -> None:
    with pytest.raises(BadRequest) as exc:
        check_address_pairs(pairs)
    assert str(exc.value) == message


def test_dns_domain_and_fip_dns_name() -> None:
    assert check_dns_domain("Example.ORG.") == "example.org."
    assert check_dns_domain("") == ""
    assert check_fip_dns_name("Web-1") == "web-1"
    cases = [
        (check_dns_domain, "example.org",
         "Invalid input for dns_domain. Reason: 'example.org' is not a FQDN."),
        (check_dns_domain, "a..b.",
         "Invalid input for dns_domain. Reason: 'a..b.' not a valid PQDN or FQDN. Reason: "
         "Encountered an empty component."),
        (check_dns_domain, "-a.org.",
         "Invalid input for dns_domain. Reason: '-a.org.' not a valid PQDN or FQDN. Reason: "
         "Name '-a' must not start or end with a hyphen."),
        (check_dns_domain, "a_b.org.",
         "Invalid input for dns_domain. Reason: 'a_b.org.' not a valid PQDN or FQDN. Reason: "
         "Name 'a_b' must be 1-63 characters long, each of which can only be alphanumeric or "
         "a hyphen."),
        (check_dns_domain, "a.123.",
         "Invalid input for dns_domain. Reason: 'a.123.' not a valid PQDN or FQDN. Reason: "
         "TLD '123' must not be all numeric."),
        (check_fip_dns_name, "web.",
         "Invalid input for dns_name. Reason: 'web.' is a FQDN. It should be a relative "
         "domain name."),
        (check_fip_dns_name, "web\nx",
         "Invalid input for dns_name. Reason: 'web\nx' not a valid PQDN or FQDN. Reason: "
         "Name 'web\nx' must be 1-63 characters long, each of which can only be alphanumeric "
         "or a hyphen."),
    ]
    for check, value, message in cases:
        with pytest.raises(BadRequest) as exc:
            check(value)
        assert str(exc.value) == message


def test_subnet_mtu_follows_neutrons_minimums() -> None:
    check_subnet_mtu("n", 1280, [4, 6])
    check_subnet_mtu("n", 100, [4])
    check_subnet_mtu("n", 0, [])  # no subnets: anything goes
    for mtu, versions, minimum in ((67, [4], 68), (0, [6], 68), (1279, [6], 1280),
                                   (100, [4, 6], 1280)):
        with pytest.raises(Conflict) as exc:
            check_subnet_mtu("n", mtu, versions)
        assert str(exc.value) == f"MTU of n is not valid, subnet requires a minimum of {minimum}"


def test_fixed_ips() -> None:
    ipam.check_fixed_ips(["10.0.0.5", None, "fd00::5"])
    for addresses, reason in (
        (["10.0.0.5", "10.0.0.5"], "Duplicate IP address '10.0.0.5'"),
        (["nope"], "'nope' is not a valid IP address"),
    ):
        with pytest.raises(BadRequest) as exc:
            ipam.check_fixed_ips(addresses)
        assert str(exc.value) == f"Invalid input for fixed_ips. Reason: {reason}."


def test_subnet_service_types() -> None:
    accepted = ["network:floatingip_agent_gateway", "neutron:x", "compute:nova",
                # neutron-lib adds "compute:" to its prefixes one character at a time
                "container", ":x"]
    assert check_service_types(accepted) == accepted
    for bad in ("baremetal:none", "network", "x:compute"):
        with pytest.raises(BadRequest) as exc:
            check_service_types([bad])
        assert str(exc.value) == (f"Invalid input for operation: Subnet service type {bad} "
                                  "does not correspond to a valid device owner.")
