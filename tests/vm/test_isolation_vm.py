"""Two stores on one host, each with its own bootstrap and guests: both keep their
connectivity and firewall, tearing one down leaves the other untouched, and an external
range the other store already holds is refused. This is also what makes ``make test`` safe
on a host whose user has live guests: the tests' stores are stores like any other.
"""

from __future__ import annotations

import pytest

from tests.vm.conftest import Host
from tests.vm.test_article import outside, pings, pings_within
from tests.vm.test_server_vm import wait_console

pytestmark = [pytest.mark.slow, pytest.mark.vm]


def guest_with_floating_ip(host: Host, name: str) -> str:
    host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
            "net-id=private", "--wait", name)
    wait_console(host, name, r"ping gateway \S+ ok")
    fip = host.ok("floating", "ip", "create", "External", "-f", "value", "-c",
                  "floating_ip_address").out.strip()
    host.ok("server", "add", "floating", "ip", name, fip)
    group = next(g["ID"] for g in host.ok("security", "group", "list", "-f", "json").json()
                 if g["Name"] == "default")
    host.ok("security", "group", "rule", "create", "--protocol", "icmp", group)
    return fip


def test_two_stores_keep_their_guests_apart_and_one_teardown_spares_the_other(
    host: Host, other_host: Host
) -> None:
    host.ok("bootstrap", "--external-cidr", "192.168.61.0/24")
    other_host.ok("bootstrap", "--external-cidr", "192.168.62.0/24",
                  "--private-cidr", "10.1.0.0/24")
    assert host.names.tag != other_host.names.tag
    fip_a = guest_with_floating_ip(host, "a")
    fip_b = guest_with_floating_ip(other_host, "b")
    with outside(host) as world_a, outside(other_host) as world_b:
        assert pings_within(world_a, fip_a, 5) and pings_within(world_b, fip_b, 5)
        # Each store's outside world reaches its own guest only.
        assert not pings(world_a, fip_b) and not pings(world_b, fip_a)
        b_before = other_host.inventory()

        # Store A goes away entirely, as a test's clean-up takes its store away.
        host.ok("server", "delete", "--wait", "a")
        host.ok("floating", "ip", "delete", fip_a)
        host.ok("router", "remove", "subnet", "router1", "private-subnet")
        host.ok("router", "delete", "router1")
        purged = host.reconcile("purge")
        assert purged.returncode == 0, purged.stderr
        assert host.inventory() == []

        assert other_host.inventory() == b_before
        assert pings_within(world_b, fip_b, 3), "store B lost its floating IP"
        assert other_host.reconcile("plan").stdout == ""


def test_an_external_range_another_store_holds_is_refused(
    host: Host, other_host: Host
) -> None:
    host.ok("bootstrap", "--external-cidr", "192.168.61.0/24")
    fip = guest_with_floating_ip(host, "a")
    taken = other_host("bootstrap", "--external-cidr", "192.168.61.0/24",
                       "--private-cidr", "10.1.0.0/24")
    assert taken.rc == 1
    assert "192.168.61.0/24" in taken.err and "overlaps" in taken.err
    assert len(taken.err.strip().splitlines()) == 1
    assert other_host.ok("network", "list", "-f", "value", "-c", "Name").out == "private\n"
    with outside(host) as world:
        assert pings_within(world, fip, 5), "the first store's floating IP stopped answering"
    # Without --external-cidr, bootstrap picks a range no interface of this host routes.
    chosen = other_host.ok("bootstrap", "--private-cidr", "10.1.0.0/24")
    assert "created" in chosen.out
    cidr = other_host.ok("subnet", "show", "External-subnet", "-f", "value", "-c",
                         "cidr").out.strip()
    assert cidr != "192.168.61.0/24"
