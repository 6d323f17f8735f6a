"""server migration list|show|abort|force complete: the migration records ``server migrate``
and ``server evacuate`` leave (as Nova keeps them: a cold one from ``pre-migrating``, a live
one and an evacuation from ``accepted``, each to ``error`` on a one-host cloud), with the real
client's columns at the microversion it negotiates (2.80+; checked against realstack)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Runner
from tests.unit.compute.test_member_access import as_bob
from tests.unit.compute.test_server import create

LIST_COLUMNS = ["Id", "UUID", "Source Node", "Dest Node", "Source Compute", "Dest Compute",
                "Dest Host", "Status", "Server UUID", "Old Flavor", "New Flavor", "Type",
                "Created At", "Updated At"]


def migrations(cli: Runner, *args: str) -> list[dict[str, Any]]:
    done = cli("server", "migration", "list", *args, "-f", "json")
    assert done.rc == 0, done.err
    listed: list[dict[str, Any]] = done.json()
    return listed


def test_each_migration_leaves_a_record(compute: Runner) -> None:
    server = create(compute, "s1", "--wait")
    assert migrations(compute) == []
    assert compute("server", "migrate", "s1").rc == 0
    assert compute("server", "migrate", "--live-migration", "s1").rc == 1
    listed = migrations(compute)
    assert list(listed[0]) == LIST_COLUMNS
    # Newest first (Nova's order from 2.59).
    assert [(m["Id"], m["Type"], m["Status"]) for m in listed] == [
        (2, "live-migration", "error"), (1, "migration", "error")]
    # The conductor's live migration record names no source node (Nova's _live_migrate).
    assert (listed[0]["Source Node"], listed[1]["Source Node"]) == (None, "localhost")
    cold = listed[1]
    assert (cold["Server UUID"], cold["Source Compute"], cold["Dest Compute"],
            cold["Old Flavor"], cold["New Flavor"]) == (server["id"], "localhost", None, 1, 1)
    assert cold["Created At"].endswith(".000000")
    assert [m["Id"] for m in migrations(compute, "--type", "cold-migration")] == [1]
    assert [m["Id"] for m in migrations(compute, "--server", "s1", "--limit", "1")] == [2]
    assert migrations(compute, "--host", "elsewhere") == []
    assert migrations(compute, "--status", "error", "--max-items", "1")[0]["Id"] == 2
    with_project = migrations(compute, "--project", "admin", "--user", "admin")
    assert list(with_project[0])[-4:] == ["Project", "User", "Created At", "Updated At"]
    marker = compute("server", "migration", "list", "--marker", "nope")
    assert (marker.rc, marker.err) == (1, "Marker nope could not be found.\n")


def test_an_evacuation_is_recorded_once_the_host_is_down(compute: Runner) -> None:
    create(compute, "s1", "--wait")
    assert compute("compute", "service", "set", "--down", "localhost", "nova-compute").rc == 0
    assert compute("server", "evacuate", "s1").rc == 0
    evacuation = migrations(compute, "--type", "evacuation")[0]
    assert (evacuation["Status"], evacuation["Old Flavor"]) == ("error", None)


def test_show_abort_and_force_complete_find_nothing_in_progress(compute: Runner) -> None:
    server = create(compute, "s1", "--wait")
    assert compute("server", "migrate", "s1").rc == 0
    ident = server["id"]
    shown = compute("server", "migration", "show", "s1", "1")
    assert (shown.rc, shown.err) == (
        1, f"No ServerMigration found for {ident}: Instance 1 could not be found.\n")
    by_uuid = compute("server", "migration", "show", "s1",
                      "5a5a5a5a-0000-4000-8000-000000000000")
    assert by_uuid.err == ("In-progress live migration 5a5a5a5a-0000-4000-8000-000000000000 "
                           f"is not found for server {ident}\n")
    bad = compute("server", "migration", "abort", "s1", "abc")
    assert (bad.rc, bad.err) == (1, "The <migration> argument must be an ID or UUID\n")
    aborted = compute("server", "migration", "abort", "s1", "1")
    assert (aborted.rc, aborted.err) == (
        1, f"Instance {ident} is in an invalid state for 'abort live migration'\n")
    forced = compute("server", "migration", "force", "complete", "s1", "1")
    assert (forced.rc, forced.err) == (
        1, f"Instance {ident} is in an invalid state for 'force_complete'\n")


def test_a_member_may_not_list_them(compute: Runner) -> None:
    assert compute("user", "create", "--password", "pw", "bob").rc == 0
    assert compute("role", "add", "--user", "bob", "--project", "demo", "member").rc == 0
    refused = as_bob(compute)("server", "migration", "list")
    assert (refused.rc, refused.err) == (
        1, "Policy doesn't allow os_compute_api:os-migrations:index to be performed.\n")


def test_a_resize_is_recorded_to_its_verdict(compute: Runner) -> None:
    server = create(compute, "s1", "--wait")
    assert compute("server", "resize", "--flavor", "m1.small", "--wait", "s1").rc == 0
    resize = migrations(compute, "--type", "resize")[0]
    assert (resize["Status"], resize["Old Flavor"], resize["New Flavor"],
            resize["Source Compute"], resize["Dest Compute"], resize["Server UUID"]) == (
        "finished", 1, 2, "localhost", "localhost", server["id"])
    assert resize["Dest Host"]
    assert compute("server", "resize", "confirm", "s1").rc == 0
    assert migrations(compute, "--type", "resize")[0]["Status"] == "confirmed"
    assert compute("server", "resize", "--flavor", "m1.medium", "--wait", "s1").rc == 0
    assert compute("server", "resize", "revert", "s1").rc == 0
    assert [m["Status"] for m in migrations(compute, "--type", "resize")] == [
        "reverted", "confirmed"]
