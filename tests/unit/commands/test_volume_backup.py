"""``volume backup create|list|show|set|unset|delete|restore`` on the local backend, as
python-openstackclient 10.5 prints them (columns and texts from its
``volume/v3/volume_backup.py``, rules and messages from cinder/backup/api.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import Runner

SHOW = ["availability_zone", "container", "created_at", "data_timestamp", "description",
        "encryption_key_id", "fail_reason", "has_dependent_backups", "id", "is_incremental",
        "metadata", "name", "object_count", "project_id", "size", "snapshot_id", "status",
        "updated_at", "user_id", "volume_id"]
LIST = ["ID", "Name", "Description", "Status", "Size", "Incremental", "Created At"]


def volume(cli: Runner, name: str, size: str = "1") -> dict[str, Any]:
    result = cli("volume", "create", "--size", size, name, "-f", "json")
    assert result.rc == 0, result.err
    made: dict[str, Any] = result.json()
    return made


def backup(cli: Runner, *args: str) -> dict[str, Any]:
    result = cli("volume", "backup", "create", *args, "-f", "json")
    assert result.rc == 0, result.err
    made: dict[str, Any] = result.json()
    return made


def host_dir(home: Path) -> Path:
    return home.with_name(home.name + "-host")


def test_create_show_list(cli: Runner, ostack_home: Path) -> None:
    made = volume(cli, "v")
    created = backup(cli, "v", "--name", "b1", "--description", "nightly",
                     "--property", "k=v")
    assert list(created) == ["id", "name", "volume_id"]
    assert created["name"] == "b1" and created["volume_id"] == made["id"]
    shown = cli("volume", "backup", "show", "b1", "-f", "json").json()
    assert list(shown) == SHOW
    assert {k: shown[k] for k in ("status", "size", "is_incremental", "metadata",
                                  "description", "has_dependent_backups", "snapshot_id",
                                  "object_count", "availability_zone")} == {
        "status": "available", "size": 1, "is_incremental": False, "metadata": {"k": "v"},
        "description": "nightly", "has_dependent_backups": False, "snapshot_id": None,
        "object_count": 1, "availability_zone": "nova"}
    assert shown["container"] == f"{created['id'][:2]}/{created['id'][2:4]}/{created['id']}"
    assert shown["data_timestamp"] == shown["created_at"]
    assert cli("volume", "show", "v", "-f", "value", "-c", "status").out.strip() == "available"
    listed = cli("volume", "backup", "list", "-f", "json").json()
    assert [list(row) for row in listed] == [LIST]
    assert listed[0]["ID"] == created["id"] and listed[0]["Status"] == "available"
    long = cli("volume", "backup", "list", "--long").out
    assert "| Availability Zone | Volume | Container" in long.splitlines()[1]
    assert "| nova              | v      |" in long
    assert cli("volume", "backup", "list", "--volume", "v", "--status", "error",
               "-f", "json").json() == []
    quota = cli("quota", "show", "-f", "json", "--usage").json()
    assert {r["Resource"]: r["In Use"] for r in quota
            if r["Resource"] in ("backups", "backup-gigabytes")} == {
        "backups": 1, "backup-gigabytes": 1}
    limits = cli("limits", "show", "--absolute", "-f", "json").json()
    assert {r["Name"]: r["Value"] for r in limits
            if r["Name"] in ("total_backups_used", "total_backup_gigabytes_used")} == {
        "total_backups_used": 1, "total_backup_gigabytes_used": 1}


def test_in_use_and_incremental_rules(cli: Runner, store_snapshot: Any) -> None:
    volume(cli, "v")
    before = store_snapshot()
    result = cli("volume", "backup", "create", "--incremental", "v")
    assert (result.rc, result.err.strip()) == (
        1, "Invalid backup: No backups available to do an incremental backup.")
    assert store_snapshot() == before
    full = backup(cli, "v", "--name", "full")
    incremental = backup(cli, "v", "--name", "inc", "--incremental")
    shown = cli("volume", "backup", "show", "inc", "-f", "json").json()
    assert shown["is_incremental"] is True
    assert cli("volume", "backup", "show", "full", "-f", "json").json()[
        "has_dependent_backups"] is True
    result = cli("volume", "backup", "delete", "full")
    assert result.rc == 1
    assert result.err.strip().splitlines() == [
        "Failed to delete backup with name or ID 'full': Invalid backup: Incremental backups "
        "exist for this backup.", "1 of 1 backups failed to delete."]
    assert cli("volume", "backup", "delete", incremental["id"], full["id"]).rc == 0
    assert cli("volume", "backup", "list", "-f", "json").json() == []


def test_an_in_use_volume_needs_force(cli: Runner, store_snapshot: Any) -> None:
    volume(cli, "v")
    assert cli("volume", "set", "--state", "in-use", "v").rc == 0
    before = store_snapshot()
    result = cli("volume", "backup", "create", "v")
    assert (result.rc, result.err.strip()) == (
        1, "Invalid volume: Backing up an in-use volume must use the force flag.")
    assert store_snapshot() == before
    assert cli("volume", "set", "--state", "error", "v").rc == 0
    result = cli("volume", "backup", "create", "--force", "v")
    assert (result.rc, result.err.strip()) == (
        1, 'Invalid volume: Volume to be backed up must be available or in-use, but the '
        'current status is "error".')


def test_set_unset_state_and_restore_checks(cli: Runner) -> None:
    volume(cli, "v", "2")
    backup(cli, "v", "--name", "b1")
    assert cli("volume", "backup", "set", "b1", "--name", "b2", "--description", "d",
               "--property", "a=1", "--property", "b=2").out == ""
    shown = cli("volume", "backup", "show", "b2", "-f", "json").json()
    assert (shown["name"], shown["description"], shown["metadata"]) == (
        "b2", "d", {"a": "1", "b": "2"})
    assert cli("volume", "backup", "set", "b2", "--no-property", "--property", "c=3").rc == 0
    assert cli("volume", "backup", "show", "b2", "-f", "json").json()["metadata"] == {
        "c": "3"}
    # The real client asks to delete the keys that remain, through a route Cinder lacks.
    assert cli("volume", "backup", "unset", "b2", "--property", "c").rc == 0
    assert cli("volume", "backup", "set", "b2", "--state", "error").rc == 0
    result = cli("volume", "backup", "restore", "b2", "restored")
    assert (result.rc, result.err.strip()) == (
        1, "Invalid backup: Backup status must be available")
    assert cli("volume", "backup", "set", "b2", "--state", "available").rc == 0
    volume(cli, "small", "1")
    result = cli("volume", "backup", "restore", "b2", "small")
    assert (result.rc, result.err.strip()) == (
        1, "Volume 'small' already exists; if you want to restore the backup to it you need "
        "to specify the '--force' option")
    result = cli("volume", "backup", "restore", "--force", "b2", "small")
    assert (result.rc, result.err.strip()) == (
        1, "Invalid volume: volume size 1 is too small to restore backup of size 2.")
    result = cli("volume", "backup", "restore", "b2")
    assert (result.rc, result.err.strip()) == (
        1, "Either of `name` or `volume_id` must be specified.")


def test_restore_gives_back_the_bytes(cli: Runner, ostack_home: Path, tmp_path: Path) -> None:
    made = volume(cli, "data")
    disk = host_dir(ostack_home) / "volumes" / f"volume-{made['id']}"
    payload = b"ostack backup " * 4096
    raw = tmp_path / "payload.raw"
    raw.write_bytes(payload)
    subprocess.run(["qemu-img", "convert", "-q", "-n", "-f", "raw", "-O", "qcow2", str(raw),
                    str(disk)], check=True)
    created = backup(cli, "data", "--name", "b")
    # The volume changes after the backup; a restore brings the backed-up bytes back.
    raw.write_bytes(b"\0" * len(payload))
    subprocess.run(["qemu-img", "convert", "-q", "-n", "-f", "raw", "-O", "qcow2", str(raw),
                    str(disk)], check=True)
    result = cli("volume", "backup", "restore", "b", "fresh", "-f", "json")
    assert result.rc == 0, result.err
    restored = result.json()
    assert list(restored) == ["id", "volume_id", "volume_name"]
    assert (restored["id"], restored["volume_name"]) == (created["id"], "fresh")
    fresh = cli("volume", "show", "fresh", "-f", "json").json()
    assert (fresh["id"], fresh["status"], fresh["size"]) == (
        restored["volume_id"], "available", 1)
    assert fresh["description"] == "auto-created_from_restore_from_backup"
    assert cli("volume", "backup", "restore", "--force", "b", "data").rc == 0
    # A volume made from the backup (Cinder's backup_id, 3.47) holds the bytes too.
    from_backup = cli("volume", "create", "--backup", "b", "copy", "-f", "json")
    assert from_backup.rc == 0, from_backup.err
    copy = from_backup.json()
    assert (copy["backup_id"], copy["size"]) == (created["id"], 1)
    for volume_id in (made["id"], fresh["id"], copy["id"]):
        out = tmp_path / f"{volume_id}.raw"
        subprocess.run(["qemu-img", "convert", "-q", "-f", "qcow2", "-O", "raw",
                        str(host_dir(ostack_home) / "volumes" / f"volume-{volume_id}"),
                        str(out)], check=True)
        assert out.read_bytes()[:len(payload)] == payload
    assert cli("volume", "backup", "show", "b", "-f", "value", "-c", "status"
               ).out.strip() == "available"


def test_a_killed_backup_is_settled(cli: Runner, ostack_home: Path) -> None:
    """A process killed once the copy is made: the next command finds the backup in error
    (as Cinder's backup manager leaves one at its start), the volume given back, no file."""
    import os
    import sys

    volume(cli, "v")
    env = {**os.environ, "OSTACK_KILL_AT": "volume-backup:file"}
    killed = subprocess.run([sys.executable, "-m", "ostack_cli.main", "volume", "backup",
                             "create", "--name", "cut", "v"], env=env, capture_output=True,
                            check=False, timeout=120)
    assert killed.returncode == -9
    shown = cli("volume", "backup", "show", "cut", "-f", "json").json()
    assert (shown["status"], shown["fail_reason"]) == (
        "error", "The operation was interrupted (its process ended); the backup service gave "
        "up.")
    assert cli("volume", "show", "v", "-f", "value", "-c", "status").out.strip() == "available"
    assert list((ostack_home / "backups").iterdir()) == []
    assert cli("volume", "backup", "delete", "cut").rc == 0
