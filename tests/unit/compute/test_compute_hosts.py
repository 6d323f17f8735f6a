"""compute service list|set|delete, host list|show|set, hypervisor list|show|stats show and
availability zones: Nova's answers on a cloud with exactly one compute host (``localhost``,
with its scheduler and conductor), its policy refusals for members, and what a disabled or
forced down nova-compute means for the scheduler."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner
from tests.unit.compute.test_member_access import as_bob
from tests.unit.compute.test_server import create

Snapshot = Callable[[], list[tuple[Any, ...]]]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HEARTBEAT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000")
NO_HOST = "No valid host was found. There are not enough hosts available."


def services(cli: Runner, *extra: str) -> list[dict[str, Any]]:
    listed = cli("compute", "service", "list", *extra, "-f", "json")
    assert listed.rc == 0, listed.err
    return listed.json()  # type: ignore[no-any-return]


def service_id(cli: Runner, binary: str) -> str:
    return next(s["ID"] for s in services(cli) if s["Binary"] == binary)


def test_service_list_shows_the_three_services_of_the_host(cli: Runner) -> None:
    rows = services(cli)
    assert [(r["Binary"], r["Host"], r["Zone"], r["Status"], r["State"]) for r in rows] == [
        ("nova-scheduler", "localhost", "internal", "enabled", "up"),
        ("nova-conductor", "localhost", "internal", "enabled", "up"),
        ("nova-compute", "localhost", "nova", "enabled", "up"),
    ]
    assert list(rows[0]) == ["ID", "Binary", "Host", "Zone", "Status", "State", "Updated At"]
    assert all(UUID.fullmatch(r["ID"]) and HEARTBEAT.fullmatch(r["Updated At"]) for r in rows)
    # The IDs are the store's: the same on every read.
    assert [r["ID"] for r in services(cli)] == [r["ID"] for r in rows]
    long = services(cli, "--long")
    assert list(long[0])[-2:] == ["Disabled Reason", "Forced Down"]
    assert (long[2]["Disabled Reason"], long[2]["Forced Down"]) == (None, False)
    assert [r["Binary"] for r in services(cli, "--service", "nova-compute")] == ["nova-compute"]
    assert services(cli, "--host", "elsewhere") == []


def test_disabling_nova_compute_leaves_no_valid_host(compute: Runner) -> None:
    placed = create(compute, "placed-before", "--wait")
    done = compute("compute", "service", "set", "--disable", "--disable-reason", "maintenance",
                   "localhost", "nova-compute")
    assert (done.rc, done.out, done.err) == (0, "", "")
    row = services(compute, "--long", "--service", "nova-compute")[0]
    assert (row["Status"], row["Disabled Reason"]) == ("disabled", "maintenance")
    # Nova's zone list: a zone whose services are all disabled is not available, and the
    # os-hosts list leaves disabled services out.
    zones = compute("availability", "zone", "list", "--compute", "-f", "json").json()
    assert zones == [{"Zone Name": "internal", "Zone Status": "available"},
                     {"Zone Name": "nova", "Zone Status": "not available"}]
    hosts = compute("host", "list", "-f", "value", "-c", "Service").out
    assert hosts == "scheduler\nconductor\n"
    assert compute("hypervisor", "list", "-f", "value", "-c", "State").out == "up\n"
    # Nova's host_status of the servers already there.
    assert show_host_status(compute, placed["id"]) == "MAINTENANCE"
    server = create(compute, "nowhere")
    shown = compute("server", "show", server["id"], "-f", "json").json()
    assert (shown["status"], shown["fault"]["message"]) == ("ERROR", NO_HOST)
    assert compute("compute", "service", "set", "--enable", "localhost", "nova-compute").rc == 0
    assert services(compute, "--service", "nova-compute")[0]["Status"] == "enabled"
    assert create(compute, "placed", "--wait")["status"] == "ACTIVE"
    assert show_host_status(compute, placed["id"]) == "UP"


def show_host_status(cli: Runner, server: str) -> str:
    return str(cli("server", "show", server, "-f", "json").json()["host_status"])


def test_forcing_nova_compute_down(compute: Runner) -> None:
    placed = create(compute, "placed-before", "--wait")
    assert compute("compute", "service", "set", "--down", "localhost", "nova-compute").rc == 0
    assert show_host_status(compute, placed["id"]) == "DOWN"
    listed = compute("server", "list", "--long", "-f", "json").json()
    assert {r["Host Status"] for r in listed} == {"DOWN"}
    row = services(compute, "--long", "--service", "nova-compute")[0]
    assert (row["State"], row["Forced Down"], row["Status"]) == ("down", True, "enabled")
    detail = compute("availability", "zone", "list", "--compute", "--long", "-f", "json").json()
    assert [r["Service Status"].split()[:2] for r in detail][-1] == ["enabled", "XXX"]
    assert create(compute, "nowhere")["status"] == "ERROR"
    assert compute("compute", "service", "set", "--up", "localhost", "nova-compute").rc == 0
    assert services(compute, "--service", "nova-compute")[0]["State"] == "up"


@pytest.mark.parametrize(("args", "lines"), [
    (("--enable", "localhost", "nova-scheduler"),
     ["Failed to set service status to enabled",
      "Compute service nova-scheduler of host localhost failed to set."]),
    (("--disable", "--up", "localhost", "nova-conductor"),
     ["Failed to set service status to disabled", "Failed to set service state to up",
      "Compute service nova-conductor of host localhost failed to set."]),
    (("--disable-reason", "x", "localhost", "nova-compute"),
     ["Cannot specify option --disable-reason without --disable specified."]),
    (("--enable", "elsewhere", "nova-compute"),
     ['Compute service for host "elsewhere" and binary "nova-compute" not found.']),
])
def test_service_set_refusals(cli: Runner, store_snapshot: Snapshot, args: tuple[str, ...],
                              lines: list[str]) -> None:
    services(cli)  # the store exists (and reading the services writes nothing)
    before = store_snapshot()
    refused = cli("compute", "service", "set", *args)
    assert (refused.rc, refused.out, refused.err.splitlines()) == (1, "", lines)
    assert store_snapshot() == before


def test_service_set_without_a_change_asks_nothing(cli: Runner) -> None:
    done = cli("compute", "service", "set", "localhost", "nova-compute")
    assert (done.rc, done.out, done.err) == (0, "", "")


def test_service_delete(compute: Runner) -> None:
    compute_id = service_id(compute, "nova-compute")
    server = create(compute, "busy", "--wait")
    refused = compute("compute", "service", "delete", compute_id, "not-a-uuid")
    assert refused.rc == 1
    assert refused.err.splitlines() == [
        f"Failed to delete compute service with ID '{compute_id}': Unable to delete compute "
        "service that is hosting instances. Migrate or delete the instances first.",
        "Failed to delete compute service with ID 'not-a-uuid': Invalid uuid not-a-uuid",
        "2 of 2 compute services failed to delete.",
    ]
    assert compute("aggregate", "create", "agg").rc == 0
    assert compute("aggregate", "add", "host", "agg", "localhost").rc == 0
    assert compute("server", "delete", "--wait", server["id"]).rc == 0
    done = compute("compute", "service", "delete", compute_id)
    assert (done.rc, done.out, done.err) == (0, "", "")
    assert [s["Binary"] for s in services(compute)] == ["nova-scheduler", "nova-conductor"]
    # The deleted service's host leaves its aggregates; no compute host is left.
    assert compute("aggregate", "show", "agg", "-f", "json").json()["hosts"] == []
    assert compute("hypervisor", "list", "-f", "value").out == ""
    assert create(compute, "nowhere")["status"] == "ERROR"
    again = compute("compute", "service", "delete", compute_id)
    assert again.err.splitlines()[0] == (
        f"Failed to delete compute service with ID '{compute_id}': Service {compute_id} not "
        "found.")
    # Its process starting again (host sync) registers it anew, with a new ID.
    assert compute("host", "sync").rc == 0
    back = services(compute, "--service", "nova-compute")
    assert len(back) == 1 and back[0]["ID"] != compute_id


def test_host_list_show_and_set(compute: Runner) -> None:
    listed = compute("host", "list", "-f", "json")
    assert listed.err == "API has been deprecated; consider using 'hypervisor list' instead.\n"
    assert listed.json() == [
        {"Host Name": "localhost", "Service": "scheduler", "Zone": "internal"},
        {"Host Name": "localhost", "Service": "conductor", "Zone": "internal"},
        {"Host Name": "localhost", "Service": "compute", "Zone": "nova"},
    ]
    assert len(compute("host", "list", "--zone", "nova", "-f", "json").json()) == 1
    create(compute, "s1", "--wait")
    shown = compute("host", "show", "localhost", "-f", "json")
    assert shown.err == "API has been deprecated; consider using 'hypervisor show' instead.\n"
    rows = shown.json()
    assert list(rows[0]) == ["Host", "Project", "CPU", "Memory MB", "Disk GB"]
    assert [r["Project"] for r in rows[:3]] == ["(total)", "(used_now)", "(used_max)"]
    # m1.tiny: 1 vCPU, 512 MB, 1 GB; the resource tracker adds the 512 MB Nova reserves.
    assert [(r["CPU"], r["Memory MB"], r["Disk GB"]) for r in rows[1:]] == [
        (1, 1024, 1), (1, 512, 1), (1, 512, 1)]
    missing = compute("host", "show", "nope")
    assert (missing.rc, missing.err.splitlines()[-1]) == (
        1, "Host 'nope' is not mapped to any cell")
    # libvirt has no maintenance mode; --disable puts the COMPUTE_STATUS_DISABLED trait on
    # the node (the service stays enabled), which the scheduler then filters on.
    maintenance = compute("host", "set", "--enable-maintenance", "localhost")
    assert maintenance.err.splitlines() == [
        "API has been deprecated; consider using 'compute service set' instead.",
        "The requested functionality is not supported."]
    assert compute("host", "set", "--disable", "localhost").rc == 0
    assert services(compute, "--service", "nova-compute")[0]["Status"] == "enabled"
    assert create(compute, "nowhere")["status"] == "ERROR"
    assert compute("host", "set", "--enable", "localhost").rc == 0
    assert create(compute, "placed", "--wait")["status"] == "ACTIVE"
    assert compute("host", "set", "--enable", "nope").err.splitlines()[-1] == (
        "Host 'nope' is not mapped to any cell")


def test_hypervisor_list_and_show_as_microversion_2_88(cli: Runner) -> None:
    listed = cli("hypervisor", "list", "--long", "-f", "json").json()
    [row] = listed
    assert list(row) == ["ID", "Hypervisor Hostname", "Hypervisor Type", "Host IP", "State"]
    assert UUID.fullmatch(row["ID"]) and (row["Hypervisor Type"], row["State"]) == ("QEMU",
                                                                                    "up")
    name = row["Hypervisor Hostname"]
    assert cli("hypervisor", "list", "--matching", name[:2], "-f", "value", "-c", "ID").out == (
        row["ID"] + "\n")
    nothing = cli("hypervisor", "list", "--matching", "zzz-none")
    assert (nothing.rc, nothing.err) == (1, "No hypervisor matching 'zzz-none' could be found.\n")
    assert cli("hypervisor", "list", "--matching", "x", "--limit", "1").err == (
        "--matching is not compatible with --marker or --limit\n")
    assert cli("hypervisor", "list", "--marker", row["ID"], "-f", "json").json() == []
    assert cli("aggregate", "create", "rack1").rc == 0
    assert cli("aggregate", "add", "host", "rack1", "localhost").rc == 0
    for wanted in (row["ID"], name):
        shown = cli("hypervisor", "show", wanted, "-f", "json").json()
        compute_id = service_id(cli, "nova-compute")
        expected = {"aggregates", "cpu_info", "host_ip", "hypervisor_hostname",
                    "hypervisor_type", "hypervisor_version", "id", "service_host",
                    "service_id", "state", "status"}
        assert expected <= set(shown)
        # The host's uptime line, parsed as the real client does, when it parses.
        assert set(shown) - expected in (set(), {"host_time", "uptime", "users",
                                                 "load_average"})
        assert (shown["id"], shown["service_host"], shown["service_id"]) == (
            row["ID"], "localhost", compute_id)
        assert shown["aggregates"] == ["rack1"]
        assert isinstance(shown["cpu_info"], dict)
    assert cli("hypervisor", "show", "nope").err == "No Hypervisor found for nope\n"


def test_hypervisor_stats(compute: Runner) -> None:
    create(compute, "s1", "--wait")
    shown = compute("hypervisor", "stats", "show", "-f", "json")
    assert shown.err == "This command is deprecated.\n"
    stats = shown.json()
    assert sorted(stats) == ["count", "current_workload", "disk_available_least",
                             "free_disk_gb", "free_ram_mb", "local_gb", "local_gb_used",
                             "memory_mb", "memory_mb_used", "running_vms", "vcpus",
                             "vcpus_used"]
    assert all(isinstance(v, int) for v in stats.values())
    assert (stats["count"], stats["running_vms"], stats["vcpus_used"],
            stats["memory_mb_used"], stats["local_gb_used"]) == (1, 1, 1, 1024, 1)
    assert stats["free_ram_mb"] == stats["memory_mb"] - 1024


def test_a_member_is_refused_as_by_nova(compute: Runner, store_snapshot: Snapshot) -> None:
    assert compute("user", "create", "--password", "pw", "bob").rc == 0
    assert compute("role", "add", "--user", "bob", "--project", "demo", "member").rc == 0
    bob = as_bob(compute)
    before = store_snapshot()
    for args, rule in [
        (("compute", "service", "list"), "os-services:list"),
        (("compute", "service", "set", "--disable", "localhost", "nova-compute"),
         "os-services:list"),
        (("host", "list"), "os-hosts:list"),
        (("host", "show", "localhost"), "os-hosts:show"),
        (("host", "set", "--disable", "localhost"), "os-hosts:update"),
        (("hypervisor", "list"), "os-hypervisors:list-detail"),
        (("aggregate", "list"), "os-aggregates:index"),
        (("aggregate", "create", "a"), "os-aggregates:create"),
    ]:
        refused = bob(*args)
        assert (refused.rc, refused.err.splitlines()[-1]) == (
            1, f"Policy doesn't allow os_compute_api:{rule} to be performed."), args
    # The real client reads the statistics without looking at the answer's status.
    stats = bob("hypervisor", "stats", "show")
    assert (stats.rc, stats.err.splitlines()) == (
        1, ["This command is deprecated.", "'NoneType' object has no attribute 'keys'"])
    assert store_snapshot() == before
    # A member's zone list is the plain one, without the internal zone.
    assert bob("availability", "zone", "list", "--compute", "-f", "value").out == (
        "nova available\n")
