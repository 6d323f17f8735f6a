"""External ranges of two stores on one host must not overlap: a range another interface of
this host routes is refused, and ``ostack bootstrap`` picks a free one.

The check only applies when the host is driven (root, no libvirt test driver); here the
host's routes are faked and the converge after each command is turned off, so nothing
touches the real host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ostack_cli.backend.local.host_sync import HostSync
from ostack_cli.backend.local.reconcile import observe
from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]
Routes = list[tuple[str, str]]


@pytest.fixture
def routes(monkeypatch: pytest.MonkeyPatch) -> Routes:
    """The host's routes, as a list the test fills: (destination, device)."""
    table: Routes = [("10.20.0.0/16", "eth0")]
    monkeypatch.setattr(HostSync, "active", property(lambda self: True))
    monkeypatch.setattr(HostSync, "after_command", lambda self, written: None)
    monkeypatch.setattr(observe, "host_routes", lambda: tuple(table))
    return table


def clash(cidr: str, destination: str, device: str) -> str:
    return (f"Invalid input for cidr. Reason: {cidr} overlaps {destination}, which this host "
            f"already routes through {device}. Choose another range for the external "
            "subnet.\n")


def test_subnet_on_an_external_network_may_not_take_a_routed_range(
    cli: Runner, routes: Routes, store_snapshot: Snapshot
) -> None:
    routes.append(("192.168.61.0/24", "ostbr0123456789"))  # another store's External
    assert cli("network", "create", "ext", "--external").rc == 0
    before = store_snapshot()
    result = cli("subnet", "create", "s", "--network", "ext", "--no-dhcp",
                 "--subnet-range", "192.168.61.0/25")
    assert (result.rc, result.out, result.err) == (
        1, "", clash("192.168.61.0/25", "192.168.61.0/24", "ostbr0123456789"))
    assert store_snapshot() == before
    assert cli("subnet", "create", "s", "--network", "ext", "--no-dhcp",
               "--subnet-range", "192.168.62.0/24").rc == 0
    # An internal network's range never reaches the host: it may be anything.
    assert cli("network", "create", "internal").rc == 0
    assert cli("subnet", "create", "i", "--network", "internal",
               "--subnet-range", "192.168.61.0/24").rc == 0


def test_making_a_network_external_checks_its_subnets(
    cli: Runner, routes: Routes, store_snapshot: Snapshot
) -> None:
    assert cli("network", "create", "n").rc == 0
    assert cli("subnet", "create", "s", "--network", "n", "--subnet-range",
               "10.20.5.0/24").rc == 0
    before = store_snapshot()
    result = cli("network", "set", "n", "--external")
    assert (result.rc, result.err) == (1, clash("10.20.5.0/24", "10.20.0.0/16", "eth0"))
    assert store_snapshot() == before
    assert cli("network", "create", "m").rc == 0
    assert cli("subnet", "create", "t", "--network", "m", "--subnet-range",
               "10.30.5.0/24").rc == 0
    assert cli("network", "set", "m", "--external").rc == 0


def test_bootstrap_picks_the_first_free_range(cli: Runner, routes: Routes) -> None:
    routes += [("192.168.61.0/24", "ostbr0123456789"), ("192.168.62.128/25", "wlan0")]
    assert cli("bootstrap").rc == 0
    shown = cli("subnet", "show", "External-subnet", "-f", "json").json()
    assert (shown["cidr"], shown["gateway_ip"]) == ("192.168.63.0/24", "192.168.63.1")
    # A second run finds the subnet by name and keeps it, whatever the host routes now.
    routes.append(("192.168.63.0/24", "eth9"))
    assert cli("bootstrap").rc == 0


def test_bootstrap_pools_follow_the_picked_range(cli: Runner, routes: Routes) -> None:
    routes.append(("192.168.61.0/24", "eth1"))
    assert cli("bootstrap", "--external-pool-start", "192.168.62.100").rc == 0
    shown = cli("subnet", "show", "External-subnet", "-f", "json").json()
    assert shown["allocation_pools"] == [{"start": "192.168.62.100", "end": "192.168.62.254"}]


def test_bootstrap_with_a_routed_external_cidr_is_refused(
    cli: Runner, routes: Routes, store_snapshot: Snapshot
) -> None:
    routes.append(("192.168.0.0/16", "eth1"))
    cli("flavor", "list")
    before = store_snapshot()
    result = cli("bootstrap", "--external-cidr", "192.168.70.0/24")
    assert (result.rc, result.out, result.err) == (
        1, "", clash("192.168.70.0/24", "192.168.0.0/16", "eth1"))
    assert store_snapshot() == before
    # Every default range is taken as well.
    result = cli("bootstrap")
    assert (result.rc, result.err) == (
        1, "This host routes every range from 192.168.61.0/24 to 192.168.99.0/24 already. "
           "Choose a free one with --external-cidr.\n")
    assert store_snapshot() == before
    assert cli("bootstrap", "--external-cidr", "172.31.0.0/24").rc == 0


def test_an_undriven_host_takes_the_first_candidate(cli: Runner) -> None:
    # Under libvirt's test driver nothing is routed for the store: 192.168.61.0/24 it is.
    assert cli("bootstrap").rc == 0
    assert cli("subnet", "show", "External-subnet", "-f", "value", "-c",
               "cidr").out == "192.168.61.0/24\n"


def test_free_external_range(routes: Routes, monkeypatch: pytest.MonkeyPatch) -> None:
    sync = HostSync.__new__(HostSync)  # the method reads only the host's routes
    routes += [("192.168.61.7/32", "eth1"), ("192.168.0.0/23", "eth2")]
    candidates = ["192.168.0.0/24", "192.168.61.0/24", "192.168.62.0/24"]
    assert sync.free_external_range(candidates) == "192.168.62.0/24"
    assert sync.free_external_range(candidates[:2]) is None
    monkeypatch.setattr(HostSync, "active", property(lambda self: False))
    assert sync.free_external_range(candidates) == "192.168.0.0/24"
