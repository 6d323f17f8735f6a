"""server migrate (cold and live), server migrate|migration confirm|revert and server evacuate,
answered as Nova answers them on a cloud with exactly one compute host (checked against
realstack, tests/cloud/test_compute_hosts_cloud.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner
from tests.unit.compute.test_member_access import as_bob
from tests.unit.compute.test_server import create

Snapshot = Callable[[], list[tuple[Any, ...]]]
NO_HOST = "No valid host was found. There are not enough hosts available."
NO_HOST_COLD = "No valid host was found. No valid host found for cold migrate"


def events(cli: Runner, server: str, action: str) -> dict[str, Any]:
    listed = cli("server", "event", "list", server, "-f", "json").json()
    request = next(a["Request ID"] for a in listed if a["Action"] == action)
    shown: dict[str, Any] = cli("server", "event", "show", server, request, "-f", "json").json()
    return shown


def show(cli: Runner, server: str) -> dict[str, Any]:
    shown: dict[str, Any] = cli("server", "show", server, "-f", "json").json()
    return shown


def test_a_cold_migration_is_accepted_and_finds_no_host(compute: Runner) -> None:
    create(compute, "s1", "--wait")
    done = compute("server", "migrate", "s1")
    assert (done.rc, done.out, done.err) == (0, "", "")
    shown = show(compute, "s1")
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    action = events(compute, "s1", "migrate")
    assert action["message"] == "Error"
    assert [(e["event"], e["result"], e["details"]) for e in action["events"]] == [
        ("cold_migrate", "Error", NO_HOST_COLD),
        ("conductor_migrate_server", "Error", NO_HOST_COLD)]
    # --wait: the server is ACTIVE again at once, which is all the real client waits for.
    waited = compute("server", "migrate", "--wait", "s1")
    assert (waited.rc, waited.out) == (
        0, "Complete, check success/failure by openstack server migration/event list/show\n")


def test_a_stopped_server_migrates_the_same_way(compute: Runner) -> None:
    create(compute, "s1", "--wait")
    assert compute("server", "stop", "s1").rc == 0
    assert compute("server", "migrate", "s1").rc == 0
    assert show(compute, "s1")["status"] == "SHUTOFF"


def test_a_live_migration_fails_at_once(compute: Runner) -> None:
    server = create(compute, "s1", "--wait")
    for extra in ((), ("--host", "localhost"), ("--block-migration",),
                  ("--shared-migration",)):
        done = compute("server", "migrate", "--live-migration", *extra, "s1")
        assert (done.rc, done.out, done.err) == (1, "", NO_HOST + "\n"), extra
    assert show(compute, "s1")["OS-EXT-STS:task_state"] is None
    action = events(compute, server["id"], "live-migration")
    assert [(e["event"], e["result"], e["details"]) for e in action["events"]] == [
        ("conductor_migrate_server", "Error", NO_HOST)]
    warned = compute("server", "migrate", "--live-migration", "--disk-overcommit", "s1")
    assert warned.err.splitlines() == [
        "The --disk-overcommit and --no-disk-overcommit options are only supported by "
        "--os-compute-api-version 2.24 or below; this will be an error in a future release",
        NO_HOST]


@pytest.mark.parametrize(("args", "message"), [
    (("--host", "localhost"), "Cannot migrate to the host where the server exists."),
    (("--host", "other"), "Compute host other could not be found."),
    (("--live-migration", "--host", "other"), "Compute host other could not be found."),
    (("--block-migration",), "--live-migration must be specified if --block-migration or "
                             "--disk-overcommit is specified"),
    (("--disk-overcommit",), "--live-migration must be specified if --block-migration or "
                             "--disk-overcommit is specified"),
])
def test_migrate_refusals(compute: Runner, store_snapshot: Snapshot, args: tuple[str, ...],
                          message: str) -> None:
    create(compute, "s1", "--wait")
    before = store_snapshot()
    refused = compute("server", "migrate", *args, "s1")
    assert (refused.rc, refused.err) == (1, message + "\n")
    assert store_snapshot() == before


def test_states_nova_refuses(compute: Runner) -> None:
    server = create(compute, "s1", "--wait")
    assert compute("server", "pause", "s1").rc == 0
    assert compute("server", "migrate", "s1").err == (
        f"Cannot 'migrate' instance {server['id']} while it is in vm_state paused\n")
    # A paused server may be live migrated (and there is still no host for it).
    assert compute("server", "migrate", "--live-migration", "s1").err == NO_HOST + "\n"
    assert compute("server", "evacuate", "s1").err == (
        f"Cannot 'evacuate' instance {server['id']} while it is in vm_state paused\n")
    assert compute("server", "unpause", "s1").rc == 0
    assert compute("server", "stop", "s1").rc == 0
    assert compute("server", "migrate", "--live-migration", "s1").err == (
        f"Cannot 'os-migrateLive' instance {server['id']} while it is in vm_state stopped\n")


def test_confirm_and_revert_of_an_unmigrated_server(compute: Runner) -> None:
    server = create(compute, "s1", "--wait")
    for verb, action in (("confirm", "confirmResize"), ("revert", "revertResize")):
        deprecated = compute("server", "migrate", verb, "s1")
        assert deprecated.rc == 1
        assert deprecated.err.splitlines() == [
            f"The 'server migrate {verb}' command has been deprecated in favour of the "
            f"'server migration {verb}' command.",
            f"Cannot '{action}' instance {server['id']} while it is in vm_state active"]
        current = compute("server", "migration", verb, "s1")
        assert (current.rc, current.err) == (
            1, f"Cannot '{action}' instance {server['id']} while it is in vm_state active\n")


def test_evacuate(compute: Runner) -> None:
    server = create(compute, "s1", "--wait")
    assert compute("server", "evacuate", "s1").err == (
        "Compute service of localhost is still in use.\n")
    assert compute("server", "evacuate", "--host", "other", "s1").err == (
        "Compute host other not found.\n")
    assert compute("server", "evacuate", "--host", "localhost", "s1").err == (
        "The target host can't be the same one.\n")
    assert compute("server", "evacuate", "--shared-storage", "s1").err == (
        "--os-compute-api-version 2.13 or earlier is required to specify shared-storage.\n")
    # Once its nova-compute is forced down, the conductor looks for another host: none.
    assert compute("compute", "service", "set", "--down", "localhost", "nova-compute").rc == 0
    done = compute("server", "evacuate", "s1", "-f", "json")
    assert done.rc == 0, done.err
    shown = done.json()
    assert (shown["id"], shown["status"], shown["fault"]["message"]) == (
        server["id"], "ERROR", NO_HOST)
    action = events(compute, "s1", "evacuate")
    assert [(e["event"], e["result"], e["details"]) for e in action["events"]] == [
        ("rebuild_server", "Error", NO_HOST)]


def test_a_member_is_refused(compute: Runner, store_snapshot: Snapshot) -> None:
    assert compute("user", "create", "--password", "pw", "bob").rc == 0
    assert compute("role", "add", "--user", "bob", "--project", "demo", "member").rc == 0
    assert compute("image", "set", "--public", "cirros").rc == 0
    assert compute("network", "set", "--share", "private").rc == 0
    bob = as_bob(compute)
    made = bob("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
               "net-id=private", "--wait", "bobvm")
    assert made.rc == 0, made.err
    before = store_snapshot()
    for args, rule in [
        (("server", "migrate", "bobvm"), "os-migrate-server:migrate"),
        (("server", "migrate", "--host", "x", "bobvm"), "os-migrate-server:migrate:host"),
        (("server", "migrate", "--live-migration", "bobvm"),
         "os-migrate-server:migrate_live"),
        (("server", "evacuate", "bobvm"), "os-evacuate"),
    ]:
        refused = bob(*args)
        assert (refused.rc, refused.err) == (
            1, f"Policy doesn't allow os_compute_api:{rule} to be performed.\n"), args
    assert store_snapshot() == before
