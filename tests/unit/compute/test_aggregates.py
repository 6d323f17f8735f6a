"""aggregate create|list|show|set|unset|delete|add host|remove host|cache image: Nova's host
aggregates as plain records on a cloud with one host, its fields as the real client shows
them (answers at 2.1 without the uuid), its checks and messages, and the zone an aggregate
gives the host."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner
from tests.unit.compute.test_server import create

Snapshot = Callable[[], list[tuple[Any, ...]]]
FIELDS = ["availability_zone", "created_at", "deleted_at", "hosts", "id", "is_deleted", "name",
          "properties", "updated_at", "uuid"]
MICROSECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")
WHOLE_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000")


def made(cli: Runner, *args: str) -> dict[str, Any]:
    done = cli("aggregate", "create", *args, "-f", "json")
    assert done.rc == 0, done.err
    return done.json()  # type: ignore[no-any-return]


def test_create_show_list_delete(cli: Runner) -> None:
    first = made(cli, "agg1")
    assert sorted(first) == FIELDS
    assert (first["id"], first["name"], first["availability_zone"], first["hosts"],
            first["properties"], first["is_deleted"], first["deleted_at"],
            first["updated_at"]) == (1, "agg1", None, [], {}, False, None, None)
    assert MICROSECONDS.fullmatch(first["created_at"])
    # Created with properties: the answer is set_metadata's (2.1: no uuid; the database's
    # creation time, the change's time), the zone among the properties.
    second = made(cli, "--zone", "z1", "--property", "a=b", "agg2")
    assert (second["id"], second["uuid"], second["availability_zone"], second["properties"]) == (
        2, None, "z1", {"availability_zone": "z1", "a": "b"})
    assert WHOLE_SECONDS.fullmatch(second["created_at"])
    assert MICROSECONDS.fullmatch(second["updated_at"])
    shown = cli("aggregate", "show", "agg2", "-f", "json").json()
    assert shown["properties"] == {"a": "b"} and shown["uuid"]
    assert shown == cli("aggregate", "show", "2", "-f", "json").json()
    table = cli("aggregate", "show", "agg2").out
    assert "| properties        | a='b'" in table
    listed = cli("aggregate", "list", "-f", "json").json()
    assert list(listed[0]) == ["ID", "UUID", "Name", "Availability Zone"]
    assert [(r["ID"], r["Name"], r["Availability Zone"]) for r in listed] == [
        (1, "agg1", None), (2, "agg2", "z1")]
    long = cli("aggregate", "list", "--long", "-f", "json").json()
    assert [(r["Properties"], r["Hosts"]) for r in long] == [({}, []), ({"a": "b"}, [])]
    assert [r["Name"] for r in cli("aggregate", "list", "--availability-zone", "z1", "-f",
                                   "json").json()] == ["agg2"]
    done = cli("aggregate", "delete", "agg1", "2")
    assert (done.rc, done.out, done.err) == (0, "", "")
    assert cli("aggregate", "list", "-f", "json").json() == []
    # IDs are never used again.
    assert made(cli, "agg3")["id"] == 3


@pytest.mark.parametrize(("args", "message"), [
    (("",), "Invalid input for field/attribute name. Value: . '' should be non-empty"),
    ((" bad",), "An invalid 'name' value was provided. The name must be: printable characters. "
                "Can not start or end with whitespace."),
    (("--zone", " z", "zz"), "Invalid input for field/attribute availability_zone. Value:  z. "
                             "' z' is not valid under any of the given schemas"),
    (("--zone", "a:b", "zz"), "Invalid input for field/attribute availability_zone. Value: a:b. "
                              "'a:b' is not valid under any of the given schemas"),
    (("dup",), "Aggregate dup already exists."),
])
def test_create_refusals(cli: Runner, store_snapshot: Snapshot, args: tuple[str, ...],
                         message: str) -> None:
    made(cli, "dup")
    before = store_snapshot()
    refused = cli("aggregate", "create", *args)
    assert (refused.rc, refused.err) == (1, message + "\n")
    assert store_snapshot() == before


def test_set_and_unset(cli: Runner) -> None:
    made(cli, "agg", "--zone", "z9")
    assert cli("aggregate", "set", "--property", "x=1", "--property", "y=2", "--name", "agg2",
               "agg").rc == 0
    shown = cli("aggregate", "show", "agg2", "-f", "json").json()
    assert (shown["properties"], shown["availability_zone"]) == ({"x": "1", "y": "2"}, "z9")
    assert WHOLE_SECONDS.fullmatch(shown["updated_at"])  # a new name is saved with a time
    assert cli("aggregate", "set", "--zone", "z8", "agg2").rc == 0
    assert cli("aggregate", "set", "--zone", "", "agg2").rc == 0  # an empty zone: no change
    assert cli("aggregate", "unset", "--property", "x", "--property", "nosuch", "agg2").rc == 0
    shown = cli("aggregate", "show", "agg2", "-f", "json").json()
    assert (shown["properties"], shown["availability_zone"]) == ({"y": "2"}, "z8")
    # --no-property keeps the zone, which is no property one removes.
    assert cli("aggregate", "set", "--no-property", "agg2").rc == 0
    shown = cli("aggregate", "show", "agg2", "-f", "json").json()
    assert (shown["properties"], shown["availability_zone"]) == ({}, "z8")
    for args in (("unset", "--property", "availability_zone"),
                 ("set", "--property", "availability_zone=")):
        refused = cli("aggregate", *args, "agg2")
        assert refused.err == ("Cannot update metadata of aggregate 1. Reason: Aggregate agg2 "
                               "does not support empty named availability zone.\n")
    made(cli, "other")
    assert cli("aggregate", "set", "--name", "agg2", "other").err == (
        "Aggregate agg2 already exists.\n")
    assert cli("aggregate", "set", "--property", "a/b=1", "other").err == (
        "Invalid input for field/attribute metadata. Value: {'a/b': '1'}. Additional "
        "properties are not allowed ('a/b' was unexpected)\n")


def test_hosts(compute: Runner) -> None:
    made(compute, "agg")
    made(compute, "zoned", "--zone", "z1")
    assert compute("aggregate", "add", "host", "agg", "nosuch").err == (
        "Compute host nosuch could not be found.\n")
    added = compute("aggregate", "add", "host", "agg", "localhost", "-f", "json").json()
    assert (added["hosts"], added["uuid"]) == (["localhost"], None)
    assert WHOLE_SECONDS.fullmatch(added["created_at"])
    assert compute("aggregate", "add", "host", "agg", "localhost").err == (
        "Aggregate 1 already has host localhost.\n")
    assert compute("aggregate", "list", "--host", "localhost", "-f", "value", "-c",
                   "Name").out == "agg\n"
    deleting = compute("aggregate", "delete", "agg")
    assert deleting.err.splitlines() == [
        "Failed to delete aggregate with name or ID 'agg': Cannot remove host from aggregate "
        "1. Reason: Host aggregate is not empty.",
        "1 of 1 aggregates failed to delete."]
    assert compute("aggregate", "remove", "host", "zoned", "localhost").err == (
        "Cannot remove host localhost in aggregate 2\n")
    # A zone through an aggregate is the host's zone, for its services and zone list.
    assert compute("aggregate", "add", "host", "zoned", "localhost").rc == 0
    rows = compute("compute", "service", "list", "--service", "nova-compute", "-f",
                   "json").json()
    assert rows[0]["Zone"] == "z1"
    zones = compute("availability", "zone", "list", "--compute", "-f", "value").out
    assert zones == "internal available\nz1 available\n"
    made(compute, "z2agg", "--zone", "z2")
    assert compute("aggregate", "add", "host", "z2agg", "localhost").err == (
        "Cannot add host to aggregate 3. Reason: One or more hosts already in availability "
        "zone(s) ['z1'].\n")
    assert compute("aggregate", "set", "--zone", "z3", "agg").err == (
        "Cannot update aggregate 1. Reason: One or more hosts already in availability "
        "zone(s) ['z1'].\n")
    # Servers on the host keep it in its zone.
    create(compute, "s1", "--wait")
    moved = compute("aggregate", "remove", "host", "zoned", "localhost")
    assert moved.err == (
        "Cannot remove host from aggregate 2. Reason: The host cannot be removed from the "
        "aggregate as the availability zone of the host would change from 'z1' to 'None' but "
        "the host already has 1 instance(s). Changing the AZ of an existing instance is not "
        "supported by this action. Move the instances away from this host then try again. If "
        "you need to move the instances between AZs then you can use shelve_offload and "
        "unshelve to achieve this..\n")
    assert compute("aggregate", "set", "--zone", "z4", "zoned").err == (
        "Cannot update aggregate 2. Reason: One or more hosts contain instances in this "
        "zone.\n")
    removed = compute("aggregate", "remove", "host", "agg", "localhost", "-f", "json").json()
    assert removed["hosts"] == []


def test_cache_image(compute: Runner) -> None:
    made(compute, "agg")
    done = compute("aggregate", "cache", "image", "agg", "cirros")
    assert (done.rc, done.out, done.err) == (0, "", "")
    assert compute("aggregate", "cache", "image", "agg", "cirros", "cirros").err == (
        "Duplicate images in request\n")
    assert compute("aggregate", "cache", "image", "agg", "nosuch").err == (
        "No Image found for nosuch\n")


def test_show_and_delete_what_is_not_there(cli: Runner) -> None:
    for wanted in ("999", "nosuch"):
        assert cli("aggregate", "show", wanted).err == f"No Aggregate found for {wanted}\n"
    done = cli("aggregate", "delete", "nosuch")
    assert done.err.splitlines() == [
        "Failed to delete aggregate with name or ID 'nosuch': No Aggregate found for nosuch",
        "1 of 1 aggregates failed to delete."]
