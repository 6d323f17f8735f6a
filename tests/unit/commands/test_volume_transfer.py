"""``volume transfer request create|list|show|delete|accept`` and ``volume service list`` on
the local backend, as python-openstackclient 10.5 prints them against realstack's Cinder."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import Runner

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DEMO = ("--os-project-name", "demo")


def made(cli: Runner, *args: str) -> dict[str, Any]:
    result = cli(*args, "-f", "json")
    assert result.rc == 0, result.err
    answer: dict[str, Any] = result.json()
    return answer


def project_id(cli: Runner, name: str) -> str:
    return str(made(cli, "project", "show", name)["id"])


def volume_of(cli: Runner, *scope: str, name: str) -> dict[str, Any]:
    return made(cli, *scope, "volume", "show", name)


def test_create_shows_the_key_once_and_holds_the_volume(cli: Runner, ostack_home: Path) -> None:
    volume = made(cli, *DEMO, "volume", "create", "--size", "1", "v")
    created = made(cli, *DEMO, "volume", "transfer", "request", "create", "--name", " t1 ",
                   "v")
    assert list(created) == ["auth_key", "created_at", "id", "name", "volume_id"]
    assert re.fullmatch(r"[0-9a-f]{16}", created["auth_key"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", created["created_at"])
    assert UUID.fullmatch(created["id"])
    # Cinder strips the name.
    assert (created["name"], created["volume_id"]) == ("t1", volume["id"])
    assert volume_of(cli, *DEMO, name="v")["status"] == "awaiting-transfer"
    # Shown by ID: the detail, without the key; by name: openstacksdk's find takes the
    # list's summary, which has no created_at.
    by_id = made(cli, *DEMO, "volume", "transfer", "request", "show", created["id"])
    assert by_id == {"created_at": created["created_at"][:19] + ".000000",
                     "id": created["id"], "name": "t1", "volume_id": volume["id"]}
    by_name = made(cli, *DEMO, "volume", "transfer", "request", "show", "t1")
    assert by_name == {**by_id, "created_at": None}
    listed = made(cli, *DEMO, "volume", "transfer", "request", "list")
    assert listed == [{"ID": created["id"], "Name": "t1", "Volume": volume["id"]}]
    # The store keeps a salted HMAC of the key, never the key.
    store = sqlite3.connect(ostack_home / "state.db")
    bodies = [row[0] for row in store.execute(
        "SELECT body FROM resources WHERE kind = 'volume_transfer'")]
    store.close()
    assert len(bodies) == 1 and created["auth_key"] not in bodies[0]
    assert '"crypt_hash"' in bodies[0] and '"salt"' in bodies[0]


def test_a_volume_awaiting_transfer_refuses_what_cinder_refuses(cli: Runner) -> None:
    made(cli, "volume", "create", "--size", "1", "v")
    made(cli, "volume", "transfer", "request", "create", "v")
    again = cli("volume", "transfer", "request", "create", "v")
    assert (again.rc, again.err) == (1, "Invalid volume: status must be available\n")
    deleted = cli("volume", "delete", "v")
    assert deleted.rc == 1 and "awaiting a transfer" in deleted.err


def test_accept_moves_the_volume_and_its_snapshots(cli: Runner) -> None:
    volume = made(cli, "volume", "create", "--size", "1", "v")
    made(cli, "volume", "snapshot", "create", "--volume", "v", "s")
    created = made(cli, "volume", "transfer", "request", "create", "--name", "t", "v")
    # The accepting project cannot see the donor's transfer: the ID is used as given.
    bad = cli(*DEMO, "volume", "transfer", "request", "accept", "--auth-key", "nope",
              created["id"])
    assert (bad.rc, bad.err) == (1, f"Invalid auth key: Attempt to transfer {created['id']} "
                                    "with invalid auth key.\n")
    accepted = made(cli, *DEMO, "volume", "transfer", "request", "accept", "--auth-key",
                    created["auth_key"], created["id"])
    assert accepted == {"id": created["id"], "name": "t", "volume_id": volume["id"]}
    demo = project_id(cli, "demo")
    moved = volume_of(cli, *DEMO, name="v")
    assert (moved["status"], moved["os-vol-tenant-attr:tenant_id"]) == ("available", demo)
    snapshot = made(cli, *DEMO, "volume", "snapshot", "show", "s")
    assert snapshot["volume_id"] == volume["id"]
    assert made(cli, "volume", "transfer", "request", "list") == []
    twice = cli(*DEMO, "volume", "transfer", "request", "accept", "--auth-key",
                created["auth_key"], created["id"])
    assert (twice.rc, twice.err) == (1, f"Transfer {created['id']} could not be found.\n")


def test_accept_without_snapshots_leaves_them_behind(cli: Runner) -> None:
    made(cli, "volume", "create", "--size", "1", "v")
    made(cli, "volume", "snapshot", "create", "--volume", "v", "s")
    created = made(cli, "volume", "transfer", "request", "create", "--no-snapshots", "v")
    assert created["name"] is None
    made(cli, *DEMO, "volume", "transfer", "request", "accept", "--auth-key",
         created["auth_key"], created["id"])
    assert volume_of(cli, *DEMO, name="v")["status"] == "available"
    assert made(cli, "volume", "snapshot", "show", "s")["status"] == "available"
    assert cli(*DEMO, "volume", "snapshot", "show", "s").rc == 1


def test_accept_checks_the_accepting_projects_quota(
        cli: Runner, store_snapshot: Callable[[], list[tuple[Any, ...]]]) -> None:
    made(cli, "volume", "create", "--size", "2", "v")
    created = made(cli, "volume", "transfer", "request", "create", "v")
    assert cli("quota", "set", "--per-volume-gigabytes", "1", "demo").rc == 0
    before = store_snapshot()
    refused = cli(*DEMO, "volume", "transfer", "request", "accept", "--auth-key",
                  created["auth_key"], created["id"])
    assert (refused.rc, refused.err) == (
        1, "VolumeSizeExceedsLimit: Requested volume size 2G is larger than maximum allowed "
           "limit 1G.\n")
    assert store_snapshot() == before


def test_snapshots_must_be_available_to_go_along(cli: Runner) -> None:
    made(cli, "volume", "create", "--size", "1", "v")
    snapshot = made(cli, "volume", "snapshot", "create", "--volume", "v", "s")
    assert cli("volume", "snapshot", "set", "--state", "error", "s").rc == 0
    refused = cli("volume", "transfer", "request", "create", "v")
    assert (refused.rc, refused.err) == (
        1, f"Invalid snapshot: snapshot: {snapshot['id']} status must be available\n")
    assert made(cli, "volume", "transfer", "request", "create", "--no-snapshots", "v")


def test_delete_is_by_id_and_frees_the_volume(cli: Runner) -> None:
    made(cli, "volume", "create", "--size", "1", "v")
    created = made(cli, "volume", "transfer", "request", "create", "--name", "t", "v")
    by_name = cli("volume", "transfer", "request", "delete", "t")
    assert (by_name.rc, by_name.out) == (1, "")
    assert by_name.err == ("Failed to delete volume transfer request with name or ID 't': "
                           "Transfer t could not be found.\n"
                           "1 of 1 volume transfer requests failed to delete\n")
    deleted = cli("volume", "transfer", "request", "delete", created["id"])
    assert (deleted.rc, deleted.out, deleted.err) == (0, "", "")
    assert volume_of(cli, name="v")["status"] == "available"
    missing = cli("volume", "transfer", "request", "show", "t")
    assert (missing.rc, missing.err) == (1, "No Transfer found for t\n")


def test_a_member_sees_only_its_projects_transfers(cli: Runner) -> None:
    made(cli, "volume", "create", "--size", "1", "v")
    created = made(cli, "volume", "transfer", "request", "create", "v")
    assert made(cli, *DEMO, "volume", "transfer", "request", "list") == []
    shown = cli(*DEMO, "volume", "transfer", "request", "show", created["id"])
    assert (shown.rc, shown.err) == (1, f"No Transfer found for {created['id']}\n")
    # The real client's --all-projects reaches no Cinder (openstacksdk drops it).
    assert made(cli, "volume", "transfer", "request", "list", "--all-projects") == [
        {"ID": created["id"], "Name": None, "Volume": created["volume_id"]}]
    assert made(cli, *DEMO, "volume", "transfer", "request", "list", "--all-projects") == []


def test_volume_service_list(cli: Runner) -> None:
    listed = made(cli, "volume", "service", "list")
    assert [(s["Binary"], s["Host"], s["Zone"], s["Status"], s["State"], s["Cluster"],
             s["Backend State"]) for s in listed] == [
        ("cinder-scheduler", "localhost", "nova", "enabled", "up", None, None),
        ("cinder-volume", "localhost@local", "nova", "enabled", "up", None, None)]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000", s["Updated At"])
               for s in listed)
    long = made(cli, "volume", "service", "list", "--long", "--service", "cinder-volume")
    assert [(s["Binary"], s["Disabled Reason"]) for s in long] == [("cinder-volume", None)]
    assert made(cli, "volume", "service", "list", "--host", "nosuch") == []
    member = cli(*DEMO, "volume", "service", "list")
    assert (member.rc, member.err) == (
        1, "Policy doesn't allow volume_extension:services:index to be performed.\n")
