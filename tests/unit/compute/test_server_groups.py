"""server group create/list/show/delete and server create --hint group=: Nova's fields,
checks and messages, and its scheduler on one host (a second anti-affinity member fails)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner
from tests.unit.compute.test_server import create

Snapshot = Callable[[], list[tuple[Any, ...]]]
NO_HOST = "No valid host was found. There are not enough hosts available."


def make_group(cli: Runner, name: str, *extra: str) -> dict[str, Any]:
    made = cli("server", "group", "create", name, *extra, "-f", "json")
    assert made.rc == 0, made.err
    return made.json()  # type: ignore[no-any-return]


def test_create_show_list_delete(compute: Runner) -> None:
    group = make_group(compute, "aa", "--policy", "anti-affinity", "--rule",
                       "max_server_per_host=2")
    assert sorted(group) == ["id", "members", "name", "policy", "project_id", "rules",
                             "user_id"]
    assert (group["name"], group["policy"], group["members"], group["rules"]) == (
        "aa", "anti-affinity", [], {"max_server_per_host": 2})
    assert make_group(compute, "plain")["policy"] == "affinity"  # the real client's default
    shown = compute("server", "group", "show", "aa", "-f", "json").json()
    assert shown == group
    table = compute("server", "group", "show", "aa").out
    assert "| rules      | max_server_per_host='2'" in table
    listed = compute("server", "group", "list", "-f", "json").json()
    assert [(g["Name"], g["Policy"]) for g in listed] == [("aa", "anti-affinity"),
                                                          ("plain", "affinity")]
    assert list(listed[0]) == ["ID", "Name", "Policy"]
    long = compute("server", "group", "list", "--long", "-f", "json").json()
    assert list(long[0]) == ["ID", "Name", "Policy", "Members", "Project Id", "User Id"]
    assert long[0]["Members"] == []
    assert [g["Name"] for g in compute("server", "group", "list", "--limit", "1", "--offset",
                                       "1", "-f", "json").json()] == ["plain"]
    done = compute("server", "group", "delete", "aa", "plain")
    assert (done.rc, done.out, done.err) == (0, "", "")
    assert compute("server", "group", "list", "-f", "json").out.strip() == "[]"


@pytest.mark.parametrize(("args", "message"), [
    (("--policy", "affinity", "--rule", "max_server_per_host=2"),
     "Only anti-affinity policy supports rules."),
    (("--policy", "anti-affinity", "--rule", "max_server_per_host=0"),
     "Invalid input for field/attribute max_server_per_host. Value: 0. 0 is less than the "
     "minimum of 1"),
    (("--policy", "anti-affinity", "--rule", "max_server_per_host=abc"),
     "Invalid input for field/attribute max_server_per_host. Value: abc. 'abc' does not "
     "match '^[0-9]*$'"),
    (("--policy", "anti-affinity", "--rule", "foo=1"),
     "Invalid input for field/attribute rules. Value: {'foo': '1'}. Additional properties "
     "are not allowed ('foo' was unexpected)"),
])
def test_create_refusals(compute: Runner, store_snapshot: Snapshot, args: tuple[str, ...],
                         message: str) -> None:
    before = store_snapshot()
    refused = compute("server", "group", "create", "g", *args)
    assert (refused.rc, refused.err) == (1, message + "\n")
    assert store_snapshot() == before


def test_create_name_and_policy_checks(compute: Runner) -> None:
    assert compute("server", "group", "create", "--policy", "bogus", "g").rc == 2
    assert compute("server", "group", "create", " lead").err == (
        "An invalid 'name' value was provided. The name must be: printable characters. Can "
        "not start or end with whitespace.\n")
    assert compute("server", "group", "create", "").err == (
        "Invalid input for field/attribute name. Value: . '' should be non-empty\n")


def test_names_may_repeat_and_then_need_the_id(compute: Runner) -> None:
    first = make_group(compute, "dup")
    make_group(compute, "dup", "--policy", "soft-affinity")
    shown = compute("server", "group", "show", "dup")
    assert (shown.rc, shown.err) == (1, "More than one ServerGroup exists with the name 'dup'.\n")
    assert compute("server", "group", "show", first["id"], "-f", "json").json()["id"] == \
        first["id"]


def test_delete_reports_each_failure(compute: Runner) -> None:
    make_group(compute, "g")
    result = compute("server", "group", "delete", "g", "nosuch")
    assert result.rc == 1
    assert result.err == ("No ServerGroup found for nosuch\n"
                          "1 of 2 server groups failed to delete.\n")


def test_group_quota(compute: Runner) -> None:
    assert compute("quota", "set", "--server-groups", "1", "admin").rc == 0
    make_group(compute, "one")
    refused = compute("server", "group", "create", "two")
    assert (refused.rc, refused.err) == (1, "Quota exceeded, too many server groups.\n")


def test_anti_affinity_second_member_finds_no_host(compute: Runner,
                                                   store_snapshot: Snapshot) -> None:
    group = make_group(compute, "aa", "--policy", "anti-affinity")
    first = create(compute, "m1", "--hint", f"group={group['id']}")
    assert first["status"] == "ACTIVE"
    ports_before = compute("port", "list", "-f", "json").json()
    second = create(compute, "m2", "--server-group", "aa")
    assert second["status"] == "ERROR"
    shown = compute("server", "show", second["id"], "-f", "json").json()
    assert shown["fault"]["message"] == NO_HOST
    assert shown["fault"]["code"] == 500
    # Never placed: no host, no ports, no addresses, no security groups.
    assert (shown["OS-EXT-SRV-ATTR:host"], shown["hostId"], shown["host_status"],
            shown["OS-EXT-AZ:availability_zone"]) == (None, "", "", "")
    assert shown["addresses"] == {}
    assert "security_groups" not in shown
    assert compute("port", "list", "-f", "json").json() == ports_before
    assert shown["scheduler_hints"] == {"group": [group["id"]]}
    assert shown["server_groups"] == [group["id"]]
    # Nova keeps the failed server a member.
    members = compute("server", "group", "show", "aa", "-f", "json").json()["members"]
    assert sorted(members) == sorted([first["id"], second["id"]])
    (action,) = compute("server", "event", "list", "m2", "-f", "json").json()
    (event,) = compute("server", "event", "show", "m2", action["Request ID"], "-f",
                       "json").json()["events"]
    assert (event["event"], event["result"], event["details"]) == (
        "conductor_schedule_and_build_instances", "Error", NO_HOST)
    waited = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                     "net-id=private", "--server-group", "aa", "--wait", "m3")
    assert (waited.rc, waited.err) == (1, "Error creating server: m3\n")


def test_deleted_members_leave_room_and_the_list(compute: Runner) -> None:
    group = make_group(compute, "aa", "--policy", "anti-affinity")
    first = create(compute, "m1", "--hint", f"group={group['id']}")
    assert compute("server", "delete", "m1").rc == 0
    assert compute("server", "group", "show", "aa", "-f", "json").json()["members"] == []
    second = create(compute, "m2", "--hint", f"group={group['id']}")
    assert second["status"] == "ACTIVE"
    assert second["id"] != first["id"]


def test_max_server_per_host_and_the_other_policies_fit(compute: Runner) -> None:
    make_group(compute, "aa2", "--policy", "anti-affinity", "--rule", "max_server_per_host=2")
    statuses = [create(compute, f"a{i}", "--server-group", "aa2")["status"] for i in range(3)]
    assert statuses == ["ACTIVE", "ACTIVE", "ERROR"]
    for policy in ("affinity", "soft-affinity", "soft-anti-affinity"):
        make_group(compute, policy, "--policy", policy)
        assert [create(compute, f"{policy}{i}", "--server-group", policy)["status"]
                for i in range(2)] == ["ACTIVE", "ACTIVE"]


def test_a_batch_is_placed_whole_or_not_at_all(compute: Runner) -> None:
    make_group(compute, "aa", "--policy", "anti-affinity")
    made = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                   "net-id=private", "--server-group", "aa", "--min", "2", "--max", "2", "b")
    assert made.rc == 0, made.err
    listed = compute("server", "list", "-f", "json").json()
    assert sorted((s["Name"], s["Status"]) for s in listed) == [("b-1", "ERROR"),
                                                                 ("b-2", "ERROR")]


@pytest.mark.parametrize(("hint", "message"), [
    ("group=abc", "Invalid input for field/attribute group. Value: abc. 'abc' is not valid "
                  "under any of the given schemas"),
    ("group=11111111-2222-3333-4444-555555555555",
     "Instance group 11111111-2222-3333-4444-555555555555 could not be found."),
])
def test_hint_refusals(compute: Runner, store_snapshot: Snapshot, hint: str,
                       message: str) -> None:
    before = store_snapshot()
    refused = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                      "none", "--hint", hint, "x")
    assert (refused.rc, refused.err) == (1, message + "\n")
    assert store_snapshot() == before


def test_server_group_option_needs_a_group(compute: Runner) -> None:
    refused = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                      "none", "--server-group", "nosuch", "x")
    assert (refused.rc, refused.err) == (1, "No ServerGroup found for nosuch\n")


def test_other_hints_are_kept_as_lists(compute: Runner) -> None:
    server = create(compute, "h", "--hint", "foo=bar", "--hint", "foo=baz", "--hint", "x=1")
    shown = compute("server", "show", server["id"], "-f", "json").json()
    assert shown["scheduler_hints"] == {"foo": ["bar", "baz"], "x": ["1"]}
    assert "| scheduler_hints                     | foo=bar, baz; x=1" in compute(
        "server", "show", server["id"]).out
    assert compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--hint",
                   "nokey", "y").rc == 2
