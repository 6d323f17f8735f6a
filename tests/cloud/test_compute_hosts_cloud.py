"""Nova's hosts on a cloud with one compute host, ostack's cloud backend and the real client side
by side against realstack: compute services, os-hosts, hypervisors, aggregates, and
migrate/evacuate (which find no other host). Nothing here disables, forces down or moves the
one compute host into a zone: other tests boot servers on it meanwhile."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cloud.conftest import (
    SERVER_POLL,
    SideBySide,
    assert_same,
    delete_servers,
    same_shape,
    wait_for_server,
)
from tests.cloud.test_server_actions import BOOT, ok, unique

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

HOST = "realstack-compute"
AGGREGATE_VOLATILE = frozenset({"id", "uuid", "name", "created_at", "updated_at"})
TIMEOUT = 120


def test_compute_services_and_refusals(clients: SideBySide) -> None:
    for extra in ((), ("--long",), ("--service", "nova-compute"), ("--host", "nosuch")):
        real, mine = clients.both("compute", "service", "list", *extra, "-f", "json")
        assert_same(real, mine, volatile=("Updated At",))
    for args in (("--disable", HOST, "nova-scheduler"),
                 ("--enable", "--down", HOST, "nova-conductor"),
                 ("--enable", "nosuch", "nova-compute"),
                 ("--disable-reason", "x", HOST, "nova-compute")):
        real, mine = clients.both("compute", "service", "set", *args)
        assert real.rc == 1, args
        assert_same(real, mine)
    real, mine = clients.both("compute", "service", "delete", "not-a-uuid",
                              "00000000-0000-0000-0000-000000000000")
    assert real.rc == 1
    assert_same(real, mine)
    member = clients.member()
    for args in (("compute", "service", "list"), ("aggregate", "list"), ("host", "list"),
                 ("hypervisor", "stats", "show")):
        real, mine = clients.both(*args, cloud=member)
        assert real.rc == 1, args
        assert_same(real, mine)


def test_hosts_and_hypervisors(clients: SideBySide) -> None:
    assert_same(*clients.both("host", "list", "-f", "json"))
    assert_same(*clients.both("host", "list", "--zone", "internal", "-f", "json"))
    for args in (("host", "show", "nosuch"), ("host", "set", "--enable", "nosuch"),
                 ("hypervisor", "list", "--matching", "nosuch"),
                 ("hypervisor", "list", "--matching", "x", "--limit", "1"),
                 ("hypervisor", "show", "nosuch")):
        real, mine = clients.both(*args)
        assert real.rc == 1, args
        assert_same(real, mine)
    assert_same(*clients.both("host", "set", HOST))  # no option: nothing asked
    # Usage changes as other tests boot servers: the same rows and columns, the same totals.
    real, mine = clients.both("host", "show", HOST, "-f", "json")
    assert (real.rc, mine.rc, real.err, mine.err.splitlines()[-1:]) == (
        0, 0, mine.err, ["API has been deprecated; consider using 'hypervisor show' instead."])
    assert real.json()[0] == mine.json()[0]
    assert [list(r) for r in real.json()[:3]] == [list(r) for r in mine.json()[:3]]
    for extra in ((), ("--long",), ("--matching", "realstack")):
        assert_same(*clients.both("hypervisor", "list", *extra, "-f", "json"))
    assert_same(*clients.both("hypervisor", "show", HOST, "-f", "json"))
    real, mine = clients.both("hypervisor", "stats", "show", "-f", "json")
    same_shape(real.json(), mine.json(), frozenset(real.json()) - {"count"})
    assert_same(*clients.both("availability", "zone", "list", "--compute", "-f", "json"))


def test_aggregates(clients: SideBySide) -> None:
    names = [unique("agg-real"), unique("agg-mine")]
    runs = (clients.openstack, clients.ostack)
    try:
        made = [ok(run("aggregate", "create", "--zone", f"z-{name}", "--property", "a=b", name,
                       "-f", "json")).json() for name, run in zip(names, runs, strict=True)]
        same_shape(made[0], made[1], AGGREGATE_VOLATILE | {"availability_zone",
                                                           "properties"})
        assert made[1]["properties"] == {"availability_zone": f"z-{names[1]}", "a": "b"}
        for name, run in zip(names, runs, strict=True):
            assert ok(run("aggregate", "set", "--property", "x=1", "--no-property", name)).out \
                == ""
            assert ok(run("aggregate", "unset", "--property", "nosuch", name)).out == ""
        shown = [ok(run("aggregate", "show", name, "-f", "json")).json()
                 for name, run in zip(names, runs, strict=True)]
        same_shape(shown[0], shown[1], AGGREGATE_VOLATILE | {"availability_zone"})
        for args in (("aggregate", "create", names[0]),
                     ("aggregate", "create", " lead"),
                     ("aggregate", "create", "--zone", " z", unique("agg")),
                     ("aggregate", "show", "nosuch"),
                     ("aggregate", "set", "--name", names[1], names[0]),
                     ("aggregate", "unset", "--property", "availability_zone", names[0]),
                     ("aggregate", "add", "host", names[0], "nosuch"),
                     ("aggregate", "remove", "host", names[0], "nosuch"),
                     ("aggregate", "delete", "nosuch")):
            real, mine = clients.both(*args)
            assert real.rc == 1, args
            assert_same(real, mine)
        # The host joins an aggregate without a zone only: a zone would move it for every
        # other test's servers.
        plain = [unique("aggp-real"), unique("aggp-mine")]
        names += plain
        for name, run in zip(plain, runs, strict=True):
            ok(run("aggregate", "create", name))
        added = [ok(run("aggregate", "add", "host", name, HOST, "-f", "json")).json()
                 for name, run in zip(plain, runs, strict=True)]
        same_shape(added[0], added[1], AGGREGATE_VOLATILE - {"uuid"})
        real, mine = clients.both("aggregate", "add", "host", plain[0], HOST)
        assert_same(real, mine)
        real, mine = clients.both("aggregate", "delete", plain[0])
        assert_same(real, mine)
        listed = [json_rows(run("aggregate", "list", "--long", "--host", HOST, "-f", "json"))
                  for run in runs]
        assert sorted(r["Name"] for r in listed[0]) == sorted(r["Name"] for r in listed[1])
        assert_same(*clients.both("hypervisor", "show", HOST, "-f", "json"))
        removed = [ok(run("aggregate", "remove", "host", name, HOST, "-f", "json")).json()
                   for name, run in zip(plain, runs, strict=True)]
        same_shape(removed[0], removed[1], AGGREGATE_VOLATILE - {"uuid"})
    finally:
        for name in names:
            clients.openstack("aggregate", "remove", "host", name, HOST)
            clients.openstack("aggregate", "delete", name)


def json_rows(run: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = ok(run).json()
    return rows


def _settled(clients: SideBySide, server: str) -> dict[str, Any]:
    """The server once Nova's conductor is done with it (no task)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        shown: dict[str, Any] = ok(clients.openstack("server", "show", server, "-f",
                                                     "json")).json()
        if shown["OS-EXT-STS:task_state"] is None or time.monotonic() > deadline:
            assert shown["OS-EXT-STS:task_state"] is None, shown
            return shown
        time.sleep(SERVER_POLL)


def _action(clients: SideBySide, server: str, action: str) -> dict[str, Any]:
    listed = ok(clients.openstack("server", "event", "list", server, "-f", "json")).json()
    request = next(a["Request ID"] for a in listed if a["Action"] == action)
    shown: dict[str, Any] = ok(clients.ostack("server", "event", "show", server, request,
                                              "-f", "json")).json()
    return shown


@pytest.fixture
def server(clients: SideBySide) -> Iterator[str]:
    """A server booted by the real client on ``private``, deleted afterwards."""
    # The real client's --wait polls every 5 s: create, then poll (SERVER_POLL).
    made = ok(clients.openstack("server", "create", *BOOT, "--nic", "net-id=private",
                                unique("mig"), "-f", "json")).json()
    try:
        assert wait_for_server(clients, made["id"], ("ACTIVE", "ERROR")) == "ACTIVE"
        yield str(made["id"])
    finally:
        delete_servers(clients, [(made["id"], "")])


def test_migrate_and_evacuate_find_no_host(clients: SideBySide, server: str) -> None:
    # Refusals first, on the one server (each leaves it as it was).
    for args in (("server", "migrate", "--live-migration", server),
                 ("server", "migrate", "--live-migration", "--host", HOST, server),
                 ("server", "migrate", "--live-migration", "--host", "nosuch", server),
                 ("server", "migrate", "--host", HOST, server),
                 ("server", "migrate", "--host", "nosuch", server),
                 ("server", "migrate", "--block-migration", server),
                 ("server", "migrate", "confirm", server),
                 ("server", "migrate", "revert", server),
                 ("server", "migration", "confirm", server),
                 ("server", "migration", "revert", server),
                 ("server", "evacuate", server),
                 ("server", "evacuate", "--host", "nosuch", server),
                 ("server", "evacuate", "--host", HOST, server),
                 ("server", "evacuate", "--shared-storage", server)):
        real, mine = clients.both(*args)
        assert real.rc == 1, args
        assert_same(real, mine)
    live = _action(clients, server, "live-migration")
    assert [(e["event"], e["result"], e["details"]) for e in live["events"]] == [
        ("conductor_migrate_server", "Error",
         "No valid host was found. There are not enough hosts available.")]
    # A cold migration is accepted; the conductor then finds no host and puts it back.
    for run in (clients.openstack, clients.ostack):
        done = run("server", "migrate", server)
        assert (done.rc, done.out, done.err) == (0, "", ""), done.err
        assert _settled(clients, server)["status"] == "ACTIVE"
    cold = _action(clients, server, "migrate")
    assert [(e["event"], e["result"], e["details"]) for e in cold["events"]] == [
        (name, "Error", "No valid host was found. No valid host found for cold migrate")
        for name in ("cold_migrate", "conductor_migrate_server")]
