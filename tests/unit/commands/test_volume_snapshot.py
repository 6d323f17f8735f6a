"""``volume snapshot create|list|show|set|unset|delete`` on the local backend, as
python-openstackclient 10.5 prints them against Cinder 29 (realstack)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import Runner

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FIELDS = ["created_at", "description", "id", "name", "properties", "size", "status",
          "volume_id"]


def volume(cli: Runner, name: str, size: str = "1") -> dict[str, Any]:
    result = cli("volume", "create", "--size", size, name, "-f", "json")
    assert result.rc == 0, result.err
    made: dict[str, Any] = result.json()
    return made


def snapshot(cli: Runner, *args: str) -> dict[str, Any]:
    result = cli("volume", "snapshot", "create", *args, "-f", "json")
    assert result.rc == 0, result.err
    made: dict[str, Any] = result.json()
    return made


def host_dir(home: Path) -> Path:
    return home.with_name(home.name + "-host")


def test_create_answers_creating_then_show_is_available(cli: Runner, ostack_home: Path) -> None:
    made = volume(cli, "v")
    created = snapshot(cli, "--volume", "v", "--description", "before upgrade",
                       "--property", "k=v", "s1")
    assert list(created) == FIELDS
    assert {k: created[k] for k in ("description", "name", "properties", "size", "status",
                                    "volume_id")} == {
        "description": "before upgrade", "name": "s1", "properties": {"k": "v"}, "size": 1,
        "status": "creating", "volume_id": made["id"]}
    shown = cli("volume", "snapshot", "show", "s1", "-f", "json").json()
    assert shown == {**created, "status": "available"}
    assert cli("volume", "snapshot", "show", created["id"], "-f", "json").json() == shown
    table = cli("volume", "snapshot", "show", "s1").out
    assert "| properties  | k='v'" in table
    # A standalone copy of the volume (no backing file): a volume made from it holds the
    # data as it was, whatever the volume has become since.
    path = host_dir(ostack_home) / "volumes" / f"snapshot-{created['id']}"
    info = json.loads(subprocess.run(["qemu-img", "info", "--output", "json", "-f", "qcow2",
                                      str(path)], capture_output=True, check=True).stdout)
    assert "backing-filename" not in info


def test_the_volume_defaults_to_the_snapshots_name(cli: Runner) -> None:
    made = volume(cli, "db")
    assert snapshot(cli, "db")["volume_id"] == made["id"]
    result = cli("volume", "snapshot", "create", "nosuch")
    assert (result.rc, result.err) == (1, "No Volume found for nosuch\n")


def test_volume_from_a_snapshot(cli: Runner) -> None:
    volume(cli, "v", "2")
    made = snapshot(cli, "--volume", "v", "s")
    clone = cli("volume", "create", "--snapshot", "s", "c", "-f", "json").json()
    assert (clone["size"], clone["snapshot_id"]) == (2, made["id"])
    assert cli("volume", "create", "--snapshot", "s", "--size", "1", "small",
               "-f", "json").json()["size"] == 2  # the real client takes the larger


def test_list_columns_and_the_volume_column(cli: Runner) -> None:
    made = volume(cli, "v")
    first = snapshot(cli, "--volume", "v", "--property", "a=b", "s1")
    second = snapshot(cli, "--volume", "v", "--description", "d", "s2")
    rows = cli("volume", "snapshot", "list", "-f", "json").json()
    assert {r["ID"] for r in rows} == {first["id"], second["id"]}
    assert list(rows[0]) == ["ID", "Name", "Description", "Status", "Size"]
    assert {"ID": first["id"], "Name": "s1", "Description": None, "Status": "available",
            "Size": 1} in rows
    long = cli("volume", "snapshot", "list", "--long", "-f", "json").json()
    row = next(r for r in long if r["ID"] == first["id"])
    # The table shows the volume's name; JSON its ID.
    assert (row["Volume"], row["Properties"]) == (made["id"], {"a": "b"})
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000", row["Created At"])
    assert "| v      |" in cli("volume", "snapshot", "list", "--long", "-c", "Volume").out
    for args, names in ((("--name", "s2"), ["s2"]), (("--status", "error"), []),
                        (("--volume", "v"), ["s1", "s2"]), (("--max-items", "1"), 1),
                        (("--limit", "1"), ["s1", "s2"])):
        listed = cli("volume", "snapshot", "list", *args, "-f", "value", "-c", "Name").out
        got: Any = sorted(listed.split()) if isinstance(names, list) else len(listed.split())
        assert got == names, args
    assert cli("volume", "snapshot", "list", "--marker", "nosuch").err == (
        "Snapshot nosuch could not be found.\n")
    assert cli("volume", "snapshot", "list", "--status", "bogus").rc == 2


def test_set_unset_and_state(cli: Runner) -> None:
    volume(cli, "v")
    made = snapshot(cli, "--volume", "v", "--property", "a=1", "s")
    result = cli("volume", "snapshot", "set", "--name", "t", "--description", "d",
                 "--property", "b=2", "s")
    assert (result.rc, result.out, result.err) == (0, "", "")
    shown = cli("volume", "snapshot", "show", "t", "-f", "json").json()
    assert (shown["name"], shown["description"], shown["properties"]) == (
        "t", "d", {"a": "1", "b": "2"})
    assert cli("volume", "snapshot", "set", "--no-property", "t").rc == 0
    assert cli("volume", "snapshot", "show", "t", "-f", "json").json()["properties"] == {}
    result = cli("volume", "snapshot", "unset", "--property", "nokey", "t")
    assert (result.rc, result.err) == (
        1, f"Snapshot {made['id']} has no metadata with key nokey.\n")
    assert cli("volume", "snapshot", "set", "--state", "creating", "t").rc == 0
    refused = cli("volume", "snapshot", "delete", "t")
    assert refused.err == (
        "Failed to delete snapshot with name or ID 't': Invalid snapshot: Snapshot status must "
        "be available or error and must not be part of a group.\n"
        "1 of 1 snapshots failed to delete.\n")
    member = cli("--os-project-name", "demo", "volume", "snapshot", "set", "--state", "error",
                 made["id"])
    assert member.err == "No Snapshot found for " + made["id"] + "\n"
    assert cli("volume", "snapshot", "delete", "--force", "t").rc == 0
    assert cli("volume", "snapshot", "list", "-f", "json").json() == []


def test_delete_removes_the_file_and_gives_the_quota_back(cli: Runner,
                                                          ostack_home: Path) -> None:
    volume(cli, "v")
    made = snapshot(cli, "--volume", "v", "s")
    usage = {r["Resource"]: r["In Use"] for r in cli("quota", "show", "--volume", "--usage",
                                                      "-f", "json").json()}
    assert (usage["snapshots"], usage["gigabytes"]) == (1, 2)
    assert cli("volume", "snapshot", "delete", "s").rc == 0
    assert not (host_dir(ostack_home) / "volumes" / f"snapshot-{made['id']}").exists()
    usage = {r["Resource"]: r["In Use"] for r in cli("quota", "show", "--volume", "--usage",
                                                      "-f", "json").json()}
    assert (usage["snapshots"], usage["gigabytes"]) == (0, 1)
    result = cli("volume", "snapshot", "delete", "nosuch")
    assert result.err == ("Failed to delete snapshot with name or ID 'nosuch': No Snapshot "
                          "found for nosuch\n1 of 1 snapshots failed to delete.\n")
    assert cli("volume", "snapshot", "delete", "--remote", "--force", "x").err == (
        "The --force option is not supported with the --remote parameter.\n")


def test_a_volume_in_error_cannot_be_snapshotted(cli: Runner, store_snapshot) -> None:  # type: ignore[no-untyped-def]
    made = volume(cli, "v")
    assert cli("volume", "set", "--state", "error", "v").rc == 0
    before = store_snapshot()
    result = cli("volume", "snapshot", "create", "--volume", "v", "s")
    assert (result.rc, result.err) == (1, "Invalid volume: The snapshot cannot be created when "
                                          "the volume is in error status.\n")
    assert store_snapshot() == before
    assert cli("volume", "set", "--state", "maintenance", made["id"]).rc == 0
    result = cli("volume", "snapshot", "create", "--volume", "v", "s")
    assert result.err == ("Invalid volume: The snapshot cannot be created when the volume is in "
                          "maintenance mode.\n")
