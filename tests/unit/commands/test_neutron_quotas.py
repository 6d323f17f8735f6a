"""Neutron's quotas in the local backend: every one ``quota show`` lists is enforced, with
Neutron's message, and a refused create changes nothing.

Neutron checks a quota only for what is created through its API; the ports its plugins make
(router interfaces and gateways, floating IP and DHCP ports) are never checked, though they
count against their project (gateway and floating IP ports have none).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ostack_cli.backend.local import LocalBackend
from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]


@pytest.fixture
def topology(cli: Runner) -> Runner:
    """External, private (10.0.0.0/24) and router1 between them."""
    result = cli("bootstrap")
    assert result.rc == 0, result.err
    return cli


def in_use(cli: Runner, project: str = "admin") -> dict[str, int]:
    rows = cli("quota", "show", project, "--usage", "--network", "-f", "json").json()
    return {row["Resource"]: row["In Use"] for row in rows}


def set_quota(cli: Runner, option: str, value: int, project: str = "admin") -> None:
    result = cli("quota", "set", option, str(value), project)
    assert result.rc == 0, result.err


def over(resource: str) -> tuple[int, str, str]:
    return 1, "", f"Quota exceeded for resources: ['{resource}'].\n"


def _network(i: int) -> tuple[str, ...]:
    return ("network", "create", f"extra{i}")


def _subnet(i: int) -> tuple[str, ...]:
    return ("subnet", "create", f"extra{i}", "--network", "private",
            "--subnet-range", f"10.9.{i}.0/24")


def _port(i: int) -> tuple[str, ...]:
    return ("port", "create", f"extra{i}", "--network", "private")


def _router(i: int) -> tuple[str, ...]:
    return ("router", "create", f"extra{i}")


def _floating_ip(i: int) -> tuple[str, ...]:
    return ("floating", "ip", "create", "External")


@pytest.mark.parametrize(("option", "row", "resource", "command"), [
    ("--networks", "networks", "network", _network),
    ("--subnets", "subnets", "subnet", _subnet),
    ("--ports", "ports", "port", _port),
    ("--routers", "routers", "router", _router),
    ("--floating-ips", "floating_ips", "floatingip", _floating_ip),
])
def test_each_quota_refuses_the_create_beyond_it(
    topology: Runner, store_snapshot: Snapshot, option: str, row: str, resource: str,
    command: Callable[[int], tuple[str, ...]],
) -> None:
    used = in_use(topology)[row]
    set_quota(topology, option, used)
    before = store_snapshot()
    result = topology(*command(1))
    assert (result.rc, result.out, result.err) == over(resource)
    assert store_snapshot() == before
    set_quota(topology, option, used + 1)
    assert topology(*command(1)).rc == 0
    assert in_use(topology)[row] == used + 1
    result = topology(*command(2))
    assert (result.rc, result.out, result.err) == over(resource)
    set_quota(topology, option, -1)  # no limit at all
    assert topology(*command(2)).rc == 0


def test_a_zero_quota_refuses_the_first(cli: Runner, store_snapshot: Snapshot) -> None:
    cli("network", "list")
    set_quota(cli, "--networks", 0)
    before = store_snapshot()
    assert (lambda r: (r.rc, r.out, r.err))(cli("network", "create", "n")) == over("network")
    assert store_snapshot() == before


def test_the_owner_projects_quota_counts(cli: Runner, store_snapshot: Snapshot) -> None:
    # Neutron reserves against the project the resource is made for, not the caller's.
    set_quota(cli, "--networks", 0, "demo")
    before = store_snapshot()
    result = cli("network", "create", "for-demo", "--project", "demo")
    assert (result.rc, result.out, result.err) == over("network")
    assert store_snapshot() == before
    assert cli("network", "create", "for-admin").rc == 0
    set_quota(cli, "--networks", 1, "demo")
    assert cli("network", "create", "for-demo", "--project", "demo").rc == 0
    assert in_use(cli, "demo")["networks"] == 1


def test_neutrons_own_ports_count_but_are_not_checked(topology: Runner) -> None:
    # router1's interface on private is the project's only port so far.
    assert in_use(topology)["ports"] == 1
    set_quota(topology, "--ports", 1)
    assert topology("network", "create", "second").rc == 0
    assert topology("subnet", "create", "second-subnet", "--network", "second",
                    "--subnet-range", "10.1.0.0/24").rc == 0
    # A router interface (l3_db _add_interface_by_subnet: the core plugin, not the API).
    result = topology("router", "add", "subnet", "router1", "second-subnet")
    assert result.rc == 0, result.err
    assert in_use(topology)["ports"] == 2  # counted, though over the limit now
    # A gateway port and a floating IP port have no project: checked and counted by none.
    assert topology("router", "create", "r2", "--external-gateway", "External").rc == 0
    assert topology("floating", "ip", "create", "External").rc == 0
    assert in_use(topology)["ports"] == 2
    # The API's own port create is refused.
    result = topology("port", "create", "p", "--network", "private")
    assert (result.rc, result.out, result.err) == over("port")


def test_a_dhcp_port_is_not_checked(cli: Runner) -> None:
    assert cli("network", "create", "net").rc == 0
    assert cli("subnet", "create", "s", "--network", "net", "--subnet-range",
               "10.0.0.0/24").rc == 0
    assert cli("port", "create", "guest", "--network", "net", "--device-owner",
               "compute:nova").rc == 0
    set_quota(cli, "--ports", 1)
    backend = LocalBackend.open()
    try:
        # What the host side does for a network that serves guests (the DHCP agent's
        # create_dhcp_port goes to the plugin, not the API).
        backend.services.host_sync._claim_dhcp_ports()
        owners = sorted(p.device_owner for p in backend.ports())
    finally:
        backend.close()
    assert owners == ["compute:nova", "network:dhcp"]
    assert in_use(cli)["ports"] == 2


def test_ports_of_another_project_count_for_it(cli: Runner) -> None:
    assert cli("network", "create", "net", "--share").rc == 0
    assert cli("subnet", "create", "s", "--network", "net", "--subnet-range",
               "10.0.0.0/24").rc == 0
    set_quota(cli, "--ports", 0, "demo")
    result = cli("port", "create", "theirs", "--network", "net", "--project", "demo")
    assert (result.rc, result.out, result.err) == over("port")
    assert cli("port", "create", "mine", "--network", "net").rc == 0


def test_router_routes_is_a_limit_per_router(topology: Runner, store_snapshot: Snapshot) -> None:
    routes = ["--route", "destination=10.8.0.0/16,gateway=10.0.0.7",
              "--route", "destination=10.9.0.0/16,gateway=10.0.0.8"]
    set_quota(topology, "--router-routes", 1)
    before = store_snapshot()
    result = topology("router", "set", "router1", *routes)
    assert (result.rc, result.out, result.err) == over("router_route")
    # extraroute_db checks the nexthops before the number of routes.
    result = topology("router", "set", "router1", *routes,
                      "--route", "destination=10.7.0.0/16,gateway=172.16.0.1")
    assert result.rc == 1
    assert "the nexthop is not connected with router" in result.err
    assert store_snapshot() == before
    assert topology("router", "set", "router1", *routes[:2]).rc == 0
    # The limit is per router: no usage is reported for it.
    assert in_use(topology)["router_routes"] == 0
    set_quota(topology, "--router-routes", 2)
    assert topology("router", "set", "router1", "--no-route", *routes).rc == 0


def test_security_group_quotas(cli: Runner, store_snapshot: Snapshot) -> None:
    demo = ("--os-project-name", "demo")
    # Making a project's default group checks its four rules against the quota (Neutron's
    # create_security_group with default_sg=True), though not the group itself.
    set_quota(cli, "--secgroup-rules", 3, "demo")
    before = store_snapshot()
    result = cli(*demo, "security", "group", "list")
    assert (result.rc, result.out, result.err) == over("security_group_rule")
    assert store_snapshot() == before
    set_quota(cli, "--secgroup-rules", 6, "demo")
    assert cli(*demo, "security", "group", "list").rc == 0
    # A new group brings two egress rules: 4 + 2 = 6 fits, the next one's rules do not.
    assert cli(*demo, "security", "group", "create", "g1").rc == 0
    result = cli(*demo, "security", "group", "create", "g2")
    assert (result.rc, result.out, result.err) == over("security_group_rule")
    # A rule is reserved before its group is looked at.
    result = cli(*demo, "security", "group", "rule", "create", "g1", "--protocol", "tcp")
    assert (result.rc, result.out, result.err) == over("security_group_rule")
    set_quota(cli, "--secgroups", 2, "demo")
    set_quota(cli, "--secgroup-rules", -1, "demo")
    result = cli(*demo, "security", "group", "create", "g3")
    assert (result.rc, result.out, result.err) == over("security_group")


def test_a_refused_group_leaves_no_default_group_behind(
    cli: Runner, store_snapshot: Snapshot
) -> None:
    # The API reserves the group before the plugin makes the project's default group.
    cli("flavor", "list")
    set_quota(cli, "--secgroups", 0, "demo")
    before = store_snapshot()
    result = cli("--os-project-name", "demo", "security", "group", "create", "g")
    assert (result.rc, result.out, result.err) == over("security_group")
    assert store_snapshot() == before
