"""Values Neutron's API refuses are refused at the boundary, with its message, one line on
stderr, exit 1, and nothing stored; what it accepts is stored as Neutron stores it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]


@pytest.fixture
def topology(cli: Runner) -> Runner:
    """External, private (10.0.0.0/24), router1 between them, and a port p1 on private."""
    assert cli("bootstrap").rc == 0
    assert cli("port", "create", "p1", "--network", "private").rc == 0
    return cli


LONG = "x" * 256

REFUSED: list[tuple[tuple[str, ...], str]] = [
    # ports
    (("port", "create", "p", "--network", "private", "--allowed-address", "ip-address=foo"),
     "'foo' is not a valid IP address"),
    (("port", "create", "p", "--network", "private", "--allowed-address",
      "ip-address=10.0.0.50,mac-address=fa:16:3e:00:00"),
     "'fa:16:3e:00:00' is not a valid MAC address"),
    (("port", "create", "p", "--network", "private", "--allowed-address",
      "ip-address=239.1.1.1"),
     "IP 239.1.1.1 is a multicast address, which is not supported."),
    (("port", "set", "p1", "--allowed-address", "ip-address=10.0.0.50,mac-address=zz"),
     "'zz' is not a valid MAC address"),
    (("port", "set", "p1", "--allowed-address", "ip-address=10.0.0.50/33"),
     "'10.0.0.50/33' is not a valid IP subnet"),
    (("port", "create", "p", "--network", "private", "--fixed-ip", "ip-address=10.0.0.300"),
     "Invalid input for fixed_ips. Reason: '10.0.0.300' is not a valid IP address."),
    (("port", "create", "p", "--network", "private", "--fixed-ip", "ip-address=10.0.0.7",
      "--fixed-ip", "ip-address=10.0.0.7"),
     "Invalid input for fixed_ips. Reason: Duplicate IP address '10.0.0.7'."),
    (("port", "set", "p1", "--fixed-ip", "ip-address=10.0.0.007"),
     "Invalid input for fixed_ips. Reason: '10.0.0.007' is not an accepted IP address, "
     "'10.0.0.7' is recommended."),
    (("port", "create", "p", "--network", "private", "--mac-address", "fa:16:3e:00:00:0g"),
     "Invalid input for mac_address. Reason: 'fa:16:3e:00:00:0g' is not a valid MAC address."),
    (("port", "set", "p1", "--mac-address", "ff:ff:ff:ff:ff:ff"),
     "Invalid input for mac_address. Reason: 'ff:ff:ff:ff:ff:ff' is not a valid MAC address."),
    (("port", "create", "p", "--network", "private", "--device-owner", LONG),
     f"Invalid input for device_owner. Reason: '{LONG}' exceeds maximum length of 255."),
    (("port", "set", "p1", "--device", LONG),
     f"Invalid input for device_id. Reason: '{LONG}' exceeds maximum length of 255."),
    (("port", "create", " p", "--network", "private"),
     "Invalid input for name. Reason: ' p' is not a valid string."),
    (("port", "set", "p1", "--description", LONG),
     f"Invalid input for description. Reason: '{LONG}' exceeds maximum length of 255."),
    (("port", "set", "p1", "--tag", LONG),
     f"Invalid input for operation: '{LONG}' exceeds maximum length of 255."),
    # networks
    (("network", "create", "n\n"), "Invalid input for name. Reason: 'n\n' is not a valid string."),
    (("network", "create", "n", "--mtu", "-1"),
     "Invalid input for mtu. Reason: '-1' should be non-negative."),
    (("network", "set", "private", "--mtu", "0"),
     "MTU of {private} is not valid, subnet requires a minimum of 68"),
    (("network", "create", "n", "--dns-domain", "example.org"),
     "Invalid input for dns_domain. Reason: 'example.org' is not a FQDN."),
    # subnets
    (("subnet", "create", "s", "--network", "private", "--subnet-range", "10.1.0.0/24",
      "--gateway", "10.1.0.255"),
     "Invalid input for operation: Gateway is not valid on subnet."),
    (("subnet", "set", "private-subnet", "--name", "s "),
     "Invalid input for name. Reason: 's ' is not a valid string."),
    (("subnet", "set", "private-subnet", "--dns-nameserver", "fe80::1%eth0"),
     "Invalid input for dns_nameservers. Reason: 'fe80::1%eth0' is not a valid nameserver. "
     "'fe80::1%eth0' is not a valid IP address."),
    (("subnet", "set", "private-subnet", "--host-route", "destination=10.5.0.0/16,gateway=x"),
     "Invalid input for host_routes. Reason: 'x' is not a valid IP address."),
    (("subnet", "set", "private-subnet", "--allocation-pool", "start=10.0.0.300,end=10.0.0.9"),
     "Invalid input for allocation_pools. Reason: '10.0.0.300' is not a valid IP address."),
    (("subnet", "set", "private-subnet", "--service-type", "baremetal:none"),
     "Invalid input for operation: Subnet service type baremetal:none does not correspond to "
     "a valid device owner."),
    # routers
    (("router", "set", "router1", "--route", "destination=10.5.0.0/33,gateway=10.0.0.9"),
     "Invalid input for routes. Reason: '10.5.0.0/33' is not a valid CIDR."),
    (("router", "set", "router1", "--route", "destination=10.5.0.1/16,gateway=10.0.0.9"),
     "Invalid input for routes. Reason: '10.5.0.1/16' is not a valid CIDR."),
    (("router", "set", "router1", "--route", "destination=127.0.0.0/8,gateway=10.0.0.9"),
     "Invalid input for routes. Reason: '127.0.0.0/8' is not a routable CIDR."),
    (("router", "set", "router1", "--route", "destination=10.5.0.0/16,gateway=10.0.0.09"),
     "Invalid input for routes. Reason: '10.0.0.09' is not an accepted IP address, "
     "'10.0.0.9' is recommended."),
    (("router", "create", "r2", "--external-gateway", "External", "--fixed-ip",
      "ip-address=bad"),
     "Invalid input for external_gateway_info. Reason: 'bad' is not a valid IP address."),
    (("router", "create", "\tr"), "Invalid input for name. Reason: '\tr' is not a valid string."),
    # floating IPs
    (("floating", "ip", "create", "External", "--floating-ip-address", "192.168.61.300"),
     "Invalid input for floating_ip_address. Reason: '192.168.61.300' is not a valid IP "
     "address."),
    (("floating", "ip", "create", "External", "--port", "p1", "--fixed-ip-address", "x"),
     "Invalid input for fixed_ip_address. Reason: 'x' is not a valid IP address."),
    (("floating", "ip", "create", "External", "--dns-name", "web."),
     "Invalid input for dns_name. Reason: 'web.' is a FQDN. It should be a relative domain "
     "name."),
    (("floating", "ip", "create", "External", "--dns-domain", "a..b."),
     "Invalid input for dns_domain. Reason: 'a..b.' not a valid PQDN or FQDN. Reason: "
     "Encountered an empty component."),
]


@pytest.mark.parametrize(("args", "message"), REFUSED)
def test_refused_with_neutrons_message_and_nothing_stored(
    topology: Runner, store_snapshot: Snapshot, args: tuple[str, ...], message: str
) -> None:
    private = topology("network", "show", "private", "-f", "value", "-c", "id").out.strip()
    before = store_snapshot()
    result = topology(*args)
    assert (result.rc, result.out, result.err) == (1, "", message.format(private=private) + "\n")
    assert store_snapshot() == before


def test_address_pairs_are_stored_as_neutron_stores_them(topology: Runner) -> None:
    port = topology("port", "create", "p", "--network", "private",
                    "--allowed-address", "ip-address=10.0.0.50",
                    "--allowed-address", "ip-address=10.9.0.0/16,mac-address=FA-16-3E-00-00-01",
                    "-f", "json").json()
    # A pair without a MAC takes the port's (allowedaddresspairs_db).
    assert port["allowed_address_pairs"] == [
        {"mac_address": port["mac_address"], "ip_address": "10.0.0.50"},
        {"mac_address": "fa:16:3e:00:00:01", "ip_address": "10.9.0.0/16"},
    ]
    # The same pair spelt with and without the port's MAC is one pair twice.
    result = topology("port", "set", "p", "--no-allowed-address",
                      "--allowed-address", "ip-address=10.0.0.60",
                      "--allowed-address",
                      f"ip-address=10.0.0.60,mac-address={port['mac_address']}")
    assert (result.rc, result.err) == (
        1, "Request contains duplicate address pair: mac_address "
           f"{port['mac_address']} ip_address 10.0.0.60.\n")
    # The pair given back by the client with its MAC is found again by port unset.
    assert topology("port", "unset", "p", "--allowed-address",
                    f"ip-address=10.0.0.50,mac-address={port['mac_address']}").rc == 0


def test_mac_spellings_netaddr_takes(topology: Runner) -> None:
    shown = topology("port", "create", "p", "--network", "private", "--mac-address",
                     "FA16.3E00.00AB", "-f", "value", "-c", "mac_address").out
    assert shown == "fa:16:3e:00:00:ab\n"


def test_mtu_zero_is_the_default(topology: Runner) -> None:
    # ML2 _get_network_mtu: "net_mtu or max_mtu"; on update, the subnets are asked first.
    assert topology("network", "create", "n", "--mtu", "0", "-f", "value", "-c",
                    "mtu").out == "1500\n"
    assert topology("network", "set", "n", "--mtu", "1400").rc == 0
    assert topology("network", "set", "n", "--mtu", "0").rc == 0
    assert topology("network", "show", "n", "-f", "value", "-c", "mtu").out == "1500\n"


def test_dns_domain_is_stored_lower_case(topology: Runner) -> None:
    shown = topology("network", "create", "n", "--dns-domain", "Example.ORG.", "-f", "value",
                     "-c", "dns_domain").out
    assert shown == "example.org.\n"
