"""server create --availability-zone as Nova reads it: a zone an enabled service has, or a
host forced (admins only), and the server in the zone of the host it lands on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner
from tests.unit.compute.test_member_access import two_people  # noqa: F401
from tests.unit.compute.test_server import create

Snapshot = Callable[[], list[tuple[Any, ...]]]
ZONE_FIELDS = ("status", "OS-EXT-AZ:availability_zone", "pinned_availability_zone")


def zone_of(server: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(server[k] for k in ZONE_FIELDS)


@pytest.mark.parametrize(("zone", "error"), [
    ("bogus", "The requested availability zone is not available"),
    ("a:b:c:d", "Invalid input received: Unable to parse availability_zone"),
])
def test_an_unknown_zone_is_refused_and_nothing_made(compute: Runner, store_snapshot: Snapshot,
                                                     zone: str, error: str) -> None:
    before = store_snapshot()
    made = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                   "net-id=private", "--availability-zone", zone, "s1")
    assert (made.rc, made.out, made.err.strip()) == (1, "", error)
    assert store_snapshot() == before
    assert compute("port", "list", "-f", "value").out == ""


def test_a_zone_asked_for_is_pinned(compute: Runner) -> None:
    assert zone_of(create(compute, "a", "--availability-zone", "nova")) == (
        "ACTIVE", "nova", "nova")
    # An enabled service's zone passes Nova's API; no aggregate maps it, so the placement
    # prefilter lets the one host take the server, in the host's zone.
    assert zone_of(create(compute, "b", "--availability-zone", "internal")) == (
        "ACTIVE", "nova", "internal")
    assert zone_of(create(compute, "c")) == ("ACTIVE", "nova", None)
    shown = compute("server", "show", "a", "-f", "json").json()
    assert zone_of(shown)[1:] == ("nova", "nova")


def test_a_server_is_in_its_hosts_aggregate_zone(compute: Runner) -> None:
    assert compute("aggregate", "create", "--zone", "az1", "agg").rc == 0
    assert compute("aggregate", "add", "host", "agg", "localhost").rc == 0
    assert zone_of(create(compute, "a")) == ("ACTIVE", "az1", None)
    assert zone_of(create(compute, "b", "--availability-zone", "az1")) == (
        "ACTIVE", "az1", "az1")
    # No enabled service is in nova any more.
    refused = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                      "net-id=private", "--availability-zone", "nova", "c")
    assert (refused.rc, refused.err.strip()) == (
        1, "The requested availability zone is not available")


def test_a_forced_host(compute: Runner) -> None:
    assert zone_of(create(compute, "a", "--availability-zone", "nova:localhost")) == (
        "ACTIVE", "nova", "nova")
    assert zone_of(create(compute, "b", "--availability-zone", "nova::localhost")) == (
        "ACTIVE", "nova", "nova")
    # A forced host that does not exist: the scheduler's NoValidHost, the zone asked for.
    failed = create(compute, "c", "--availability-zone", "nova:bogus")
    assert zone_of(failed) == ("ERROR", "nova", "nova")
    assert failed["fault"]["message"] == (
        "No valid host was found. No such host - host: bogus node: None ")
    assert compute("server", "show", "c", "-f", "json").json()["addresses"] == {}


def test_a_member_cannot_force_a_host(two_people: tuple[Runner, Runner],  # noqa: F811
                                      store_snapshot: Snapshot) -> None:
    _, bob = two_people
    before = store_snapshot()
    made = bob("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
               "net-id=bobnet", "--availability-zone", "nova:localhost", "s1")
    assert (made.rc, made.err.strip()) == (
        1, "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.")
    assert store_snapshot() == before
