"""A server's ports against Neutron's port quota: Nova's answer, and nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]
CREATE = ("server", "create", "--image", "cirros", "--flavor", "m1.tiny")


def test_a_port_quota_exceeded_fails_the_create_before_anything_is_stored(
    compute: Runner, store_snapshot: Snapshot
) -> None:
    compute("security", "group", "list")  # Neutron makes the default group on first sight
    assert compute("quota", "set", "--ports", "0", "admin").rc == 0
    before = store_snapshot()
    result = compute(*CREATE, "--nic", "net-id=private", "web")
    # Nova counts the ports against Neutron's quota before it builds (validate_networks)
    # and refuses with PortLimitExceeded.
    assert (result.rc, result.out, result.err) == (1, "", "Maximum number of ports exceeded\n")
    assert store_snapshot() == before


def test_every_port_of_every_server_must_fit(
    compute: Runner, store_snapshot: Snapshot
) -> None:
    compute("security", "group", "list")
    assert compute("network", "create", "second").rc == 0
    assert compute("subnet", "create", "second-subnet", "--network", "second",
                   "--subnet-range", "10.1.0.0/24").rc == 0
    assert compute("quota", "set", "--ports", "3", "admin").rc == 0
    before = store_snapshot()
    # Two servers of two ports each: four ports, one over.
    result = compute(*CREATE, "--nic", "net-id=private", "--nic", "net-id=second",
                     "--min", "2", "--max", "2", "web")
    assert (result.rc, result.err) == (1, "Maximum number of ports exceeded\n")
    assert store_snapshot() == before
    result = compute(*CREATE, "--nic", "net-id=private", "--nic", "net-id=second", "web")
    assert result.rc == 0, result.err
    ports = compute("port", "list", "-f", "value", "-c", "ID").out.split()
    assert len(ports) == 2


def test_a_given_port_needs_no_quota(compute: Runner) -> None:
    assert compute("port", "create", "mine", "--network", "private").rc == 0
    assert compute("quota", "set", "--ports", "1", "admin").rc == 0
    result = compute(*CREATE, "--nic", "port-id=mine", "web")
    assert result.rc == 0, result.err


def test_a_project_already_over_its_port_quota(compute: Runner) -> None:
    # Router interfaces are not checked, so a project can hold more ports than its quota;
    # Nova then says by how much (validate_networks).
    assert compute("router", "create", "r").rc == 0
    assert compute("quota", "set", "--ports", "0", "admin").rc == 0
    assert compute("router", "add", "subnet", "r", "private-subnet").rc == 0
    result = compute(*CREATE, "--nic", "net-id=private", "web")
    assert (result.rc, result.err) == (
        1, "The number of defined ports: 1 is over the limit: 0\n")
