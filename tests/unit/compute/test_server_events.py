"""server event list/show: the instance actions Nova records, with its columns, JSON types,
filters, paging and messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.conftest import Runner
from tests.unit.compute.test_member_access import as_bob
from tests.unit.compute.test_server import create

Snapshot = Callable[[], list[tuple[Any, ...]]]
NOVA_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000")
REQUEST_ID = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def actions(cli: Runner, server: str, *extra: str) -> list[dict[str, Any]]:
    listed = cli("server", "event", "list", server, "-f", "json", *extra)
    assert listed.rc == 0, listed.err
    return listed.json()  # type: ignore[no-any-return]


def events_of(cli: Runner, server: str, request_id: str) -> dict[str, Any]:
    shown = cli("server", "event", "show", server, request_id, "-f", "json")
    assert shown.rc == 0, shown.err
    return shown.json()  # type: ignore[no-any-return]


def test_every_action_is_recorded_newest_first(compute: Runner) -> None:
    server = create(compute)
    for args in (("stop",), ("start",), ("reboot",), ("reboot", "--hard"), ("pause",),
                 ("unpause",), ("suspend",), ("resume",), ("lock",), ("unlock",)):
        done = compute("server", args[0], *args[1:], "Host2")
        assert done.rc == 0, (args, done.err)
    listed = actions(compute, "Host2")
    assert [a["Action"] for a in listed] == [
        "unlock", "lock", "resume", "suspend", "unpause", "pause", "reboot", "reboot", "start",
        "stop", "create"]
    assert list(listed[0]) == ["Request ID", "Server ID", "Action", "Start Time"]
    for action in listed:
        assert REQUEST_ID.fullmatch(action["Request ID"])
        assert action["Server ID"] == server["id"]
        assert NOVA_TIME.fullmatch(action["Start Time"])
    events = {a["Action"]: events_of(compute, "Host2", a["Request ID"])["events"][0]["event"]
              for a in listed}
    assert events == {
        "create": "compute__do_build_and_run_instance", "stop": "compute_stop_instance",
        "start": "compute_start_instance", "reboot": "compute_reboot_instance",
        "pause": "compute_pause_instance", "unpause": "compute_unpause_instance",
        "suspend": "compute_suspend_instance", "resume": "compute_resume_instance",
        "lock": "api_lock", "unlock": "api_unlock",
    }


def test_list_long_and_show_fields(compute: Runner) -> None:
    server = create(compute)
    listed = actions(compute, "Host2", "--long")
    assert list(listed[0]) == ["Request ID", "Server ID", "Action", "Start Time", "Message",
                               "Project ID", "User ID"]
    project = compute("project", "show", "admin", "-f", "value", "-c", "id").out.strip()
    assert listed[0]["Message"] is None
    assert listed[0]["Project ID"] == project
    shown = events_of(compute, server["id"], listed[0]["Request ID"])
    assert sorted(shown) == ["action", "events", "id", "message", "project_id", "request_id",
                             "start_time", "user_id"]
    assert shown["id"] == shown["request_id"] == listed[0]["Request ID"]
    (event,) = shown["events"]
    assert sorted(event) == ["details", "event", "finish_time", "host", "host_id", "result",
                             "start_time", "traceback"]
    assert (event["result"], event["details"], event["traceback"]) == ("Success", None, None)
    assert event["host_id"] == server["hostId"]
    assert NOVA_TIME.fullmatch(event["finish_time"])
    table = compute("server", "event", "show", "Host2", listed[0]["Request ID"]).out
    assert "| events     | details=, event='compute__do_build_and_run_instance', " in table
    assert "| message    | None " in table


def test_a_failed_detach_is_recorded_as_an_error(compute: Runner) -> None:
    create(compute)
    port = compute("port", "create", "--network", "private", "spare", "-f", "value", "-c",
                   "id").out.strip()
    # Nova hands the detach to nova-compute: the request succeeds, its event fails.
    done = compute("server", "remove", "port", "Host2", port)
    assert (done.rc, done.out, done.err) == (0, "", "")
    latest = actions(compute, "Host2", "--long")[0]
    assert (latest["Action"], latest["Message"]) == ("detach_interface", "Error")
    (event,) = events_of(compute, "Host2", latest["Request ID"])["events"]
    assert (event["event"], event["result"], event["details"]) == (
        "compute_detach_interface", "Error", f"Port {port} is not attached")


def test_refused_actions_record_nothing(compute: Runner, store_snapshot: Snapshot) -> None:
    create(compute)
    before = store_snapshot()
    assert compute("server", "start", "Host2").rc == 1  # already active
    assert compute("server", "unpause", "Host2").rc == 1
    assert store_snapshot() == before


def test_limit_marker_and_max_items(compute: Runner) -> None:
    create(compute)
    assert compute("server", "stop", "Host2").rc == 0
    assert compute("server", "start", "Host2").rc == 0
    listed = actions(compute, "Host2")
    assert [a["Action"] for a in actions(compute, "Host2", "--limit", "1")] == ["start"]
    assert [a["Action"] for a in actions(compute, "Host2", "--max-items", "2")] == [
        "start", "stop"]
    after = actions(compute, "Host2", "--marker", listed[0]["Request ID"])
    assert [a["Action"] for a in after] == ["stop", "create"]
    # Nova looks the marker up, then names what it found.
    missing = compute("server", "event", "list", "Host2", "--marker", "req-nosuch")
    assert (missing.rc, missing.err) == (1, "Marker None could not be found.\n")


def test_changes_since_and_before(compute: Runner) -> None:
    create(compute)
    assert [a["Action"] for a in actions(compute, "Host2", "--changes-since",
                                         "2000-01-01T00:00:00Z")] == ["create"]
    assert actions(compute, "Host2", "--changes-since", "2999-01-01T00:00:00Z") == []
    assert actions(compute, "Host2", "--changes-before", "2000-01-01") == []
    assert [a["Action"] for a in actions(compute, "Host2", "--changes-before",
                                         "2999-01-01T00:00:00+02:00")] == ["create"]
    bad = compute("server", "event", "list", "Host2", "--changes-since", "yesterday")
    assert (bad.rc, bad.err) == (1, "Invalid changes-since value: yesterday\n")
    bad = compute("server", "event", "list", "Host2", "--changes-before", "soon")
    assert (bad.rc, bad.err) == (1, "Invalid changes-before value: soon\n")
    crossed = compute("server", "event", "list", "Host2", "--changes-since", "2999-01-01",
                      "--changes-before", "2000-01-01")
    assert (crossed.rc, crossed.err) == (
        1, "The value of changes-since must be less than or equal to changes-before.\n")


def test_a_deleted_servers_actions_by_its_id(compute: Runner) -> None:
    server = create(compute)
    assert compute("server", "delete", "Host2").rc == 0
    listed = actions(compute, server["id"])
    assert [a["Action"] for a in listed] == ["delete", "create"]
    (event,) = events_of(compute, server["id"], listed[0]["Request ID"])["events"]
    assert (event["event"], event["result"]) == ("compute_terminate_instance", "Success")
    # By name it is gone, as the real client finds it.
    gone = compute("server", "event", "list", "Host2")
    assert (gone.rc, gone.err) == (1, "No Server found for Host2\n")


def test_show_of_an_unknown_request(compute: Runner) -> None:
    create(compute)
    missing = compute("server", "event", "show", "Host2", "req-nosuch")
    assert (missing.rc, missing.err) == (1, "Action req-nosuch not found\n")


def test_others_see_events_without_host_or_traceback(compute: Runner) -> None:
    assert compute("user", "create", "--password", "pw", "bob").rc == 0
    assert compute("role", "add", "--user", "bob", "--project", "demo", "member").rc == 0
    assert compute("image", "set", "--public", "cirros").rc == 0
    bob = as_bob(compute)
    assert bob("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic", "none",
               "vm").rc == 0
    (created,) = actions(bob, "vm")
    (event,) = events_of(bob, "vm", created["Request ID"])["events"]
    assert (event["host"], event["traceback"], event["details"]) == (None, None, None)
    assert event["host_id"]
