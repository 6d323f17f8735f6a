"""``volume create|list|show|set|unset|delete`` and ``volume type list|show`` on the local
backend: Cinder's fields, JSON types, states, rules and messages, as python-openstackclient
10.5 prints them against Cinder 29 (realstack; side by side in tests/cloud/test_volume_cloud.py).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Runner

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000")
# `volume show -f json`'s fields (openstacksdk's Volume under the API's names), in order.
SHOW_FIELDS = [
    "attachments", "availability_zone", "backup_id", "bootable", "cluster_name",
    "consumes_quota", "created_at", "description", "encrypted", "group_id", "id", "multiattach",
    "name", "os-vol-host-attr:host", "os-vol-mig-status-attr:migstat",
    "os-vol-mig-status-attr:name_id", "os-vol-tenant-attr:tenant_id", "properties",
    "provider_id", "replication_status", "service_uuid", "shared_targets", "size",
    "snapshot_id", "source_volid", "status", "type", "updated_at", "user_id", "volume_type_id",
]


def volume_files(home: Path) -> list[str]:
    directory = home.with_name(home.name + "-host") / "volumes"
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def create(cli: Runner, *args: str) -> dict[str, Any]:
    result = cli("volume", "create", *args, "-f", "json")
    assert result.rc == 0, result.err
    created: dict[str, Any] = result.json()
    return created


def show(cli: Runner, name: str) -> dict[str, Any]:
    result = cli("volume", "show", name, "-f", "json")
    assert result.rc == 0, result.err
    shown: dict[str, Any] = result.json()
    return shown


def project_id(cli: Runner, name: str) -> str:
    return cli("project", "show", name, "-f", "value", "-c", "id").out.strip()


# -- create / show ----------------------------------------------------------------------


def test_create_answers_as_cinder_then_show_has_the_volume(cli: Runner,
                                                           ostack_home: Path) -> None:
    created = create(cli, "--size", "1", "--property", "a=b", "--description", "d", "v1")
    assert list(created) == SHOW_FIELDS
    # Cinder's answer to the create: before the scheduler placed it.
    assert {k: v for k, v in created.items() if k not in ("id", "created_at", "user_id",
                                                          "volume_type_id")} == {
        "attachments": [], "availability_zone": "nova", "backup_id": None, "bootable": False,
        "cluster_name": None, "consumes_quota": True, "description": "d", "encrypted": False,
        "group_id": None, "multiattach": False, "name": "v1", "os-vol-host-attr:host": None,
        "os-vol-mig-status-attr:migstat": None, "os-vol-mig-status-attr:name_id": None,
        "os-vol-tenant-attr:tenant_id": None, "properties": {"a": "b"}, "provider_id": None,
        "replication_status": None, "service_uuid": None, "shared_targets": True, "size": 1,
        "snapshot_id": None, "source_volid": None, "status": "creating",
        "type": "__DEFAULT__", "updated_at": None,
    }
    assert UUID.fullmatch(created["id"]) and STAMP.fullmatch(created["created_at"])
    shown = show(cli, "v1")
    assert list(shown) == SHOW_FIELDS
    assert (shown["status"], shown["os-vol-host-attr:host"], shown["shared_targets"]) == (
        "available", "localhost@local#local", False)
    assert shown["os-vol-tenant-attr:tenant_id"] == project_id(cli, "admin")
    assert UUID.fullmatch(shown["service_uuid"]) and STAMP.fullmatch(shown["updated_at"])
    assert shown["volume_type_id"] == created["volume_type_id"] == \
        cli("volume", "type", "show", "__DEFAULT__", "-f", "value", "-c", "id").out.strip()
    assert show(cli, shown["id"]) == shown
    # One qcow2 file in the host directory, of the volume's size.
    assert volume_files(ostack_home) == [f"volume-{shown['id']}"]
    table = cli("volume", "show", "v1").out
    assert "| properties                     | a='b'                                |" in table
    assert "| attachments                    | []                                   |" in table


def test_show_as_a_member_hides_cinders_admin_attributes(cli: Runner) -> None:
    made = cli("--os-project-name", "demo", "volume", "create", "--size", "1", "mine",
               "-f", "json")
    assert made.rc == 0, made.err
    shown = cli("--os-project-name", "demo", "volume", "show", "mine", "-f", "json").json()
    assert (shown["os-vol-host-attr:host"], shown["os-vol-tenant-attr:tenant_id"]) == (
        None, project_id(cli, "demo"))
    # Another project's volume is not found by name, as with Cinder.
    assert cli("volume", "show", "mine").err == "No Volume found for mine\n"


@pytest.mark.parametrize(("args", "error"), [
    ((), "--size is a required option if none of --snapshot, --backup, --source, or "
         "--remote-source are provided."),
    (("--image", "cirros"), "--size is a required option if none of --snapshot, --backup, "
                            "--source, or --remote-source are provided."),
    (("--size", "0"), "Invalid input for field/attribute size. Value: 0. 0 is less than the "
                      "minimum of 1"),
    (("--size", "-1"), "Invalid input for field/attribute size. Value: -1. -1 is less than "
                       "the minimum of 1"),
    # realstack: Cinder's schema maximum, before any quota.
    (("--size", "2147483648"), "Invalid input for field/attribute size. Value: 2147483648. "
                               "2147483648 is greater than the maximum of 2147483647"),
    (("--size", "1", "--type", "nosuch"), "Volume type with name nosuch could not be found."),
    (("--size", "1", "--availability-zone", "nosuch"),
     "Availability zone 'nosuch' is invalid."),
    (("--snapshot", "nosuch"), "No Snapshot found for nosuch"),
    (("--source", "nosuch"), "No Volume found for nosuch"),
    (("--size", "1", "--image", "nosuch"), "No Image found for nosuch"),
    (("--backup", "nosuch"), "No Backup found for nosuch"),
    (("--size", "1", "--consistency-group", "nosuch"), "nosuch not found (HTTP 404)"),
    (("--size", "1", "--host", "h@b#p"), "The --host and --cluster options are only supported "
                                         "with --remote-source parameter."),
    (("--remote-source", "a=b"), "One of --host or --cluster needs to be specified to manage "
                                 "a volume."),
    (("--remote-source", "a=b", "--host", "localhost@local#local"),
     "Invalid input for field/attribute bootable. Value: None. None is not of type "
     "'boolean', 'string'"),
])
def test_create_refused(cli: Runner, store_snapshot, args: tuple[str, ...],  # type: ignore[no-untyped-def]
                        error: str) -> None:
    cli("volume", "type", "list")
    before = store_snapshot()
    result = cli("volume", "create", *args, "x")
    assert (result.rc, result.out, result.err) == (1, "", error + "\n")
    assert store_snapshot() == before


def test_create_from_an_image_is_bootable_and_remembers_it(cli: Runner, tmp_path: Path) -> None:
    disk = tmp_path / "tiny.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "64M"], check=True)
    image = cli("image", "create", "--file", str(disk), "--disk-format", "qcow2",
                "--property", "os_distro=cirros", "cirros", "-f", "json").json()
    created = create(cli, "--size", "1", "--image", "cirros", "fromimage")
    assert (created["bootable"], "volume_image_metadata" in created) == (False, False)
    shown = show(cli, "fromimage")
    assert shown["bootable"] is True
    metadata = shown["volume_image_metadata"]
    assert {k: metadata[k] for k in ("image_id", "image_name", "container_format",
                                     "disk_format", "min_disk", "min_ram", "os_distro",
                                     "signature_verified")} == {
        "image_id": image["id"], "image_name": "cirros", "container_format": "bare",
        "disk_format": "qcow2", "min_disk": "0", "min_ram": "0", "os_distro": "cirros",
        "signature_verified": "False"}
    assert all(type(v) is str for v in metadata.values())
    # An image bigger than the volume: Cinder's 400.
    assert cli("image", "set", "--min-disk", "3", "cirros").rc == 0
    refused = cli("volume", "create", "--size", "2", "--image", "cirros", "small")
    assert refused.err == ("Invalid input received: Volume size 2GB cannot be smaller than "
                           "the image minDisk size 3GB.\n")


def test_create_bootable_and_read_only_once_available(cli: Runner) -> None:
    created = create(cli, "--size", "1", "--bootable", "--read-only", "v")
    # The answer is the create's; the changes come once the volume is available.
    assert (created["bootable"], created["properties"]) == (False, {})
    shown = show(cli, "v")
    assert (shown["bootable"], shown["properties"]) == (True, {"readonly": "True"})


def test_clone_takes_at_least_the_sources_size(cli: Runner) -> None:
    source = create(cli, "--size", "2", "--bootable", "src")
    clone = create(cli, "--source", "src", "clone")
    assert (clone["size"], clone["source_volid"]) == (2, source["id"])
    assert show(cli, "clone")["bootable"] is True
    assert create(cli, "--source", "src", "--size", "3", "bigger")["size"] == 3


# -- list -------------------------------------------------------------------------------


def test_list_columns_types_and_filters(cli: Runner) -> None:
    first = create(cli, "--size", "1", "--property", "tier=db", "v1")
    second = create(cli, "--size", "2", "v2")
    rows = cli("volume", "list", "-f", "json").json()
    # Newest first, as Cinder sorts them (created_at, then id, descending; Cinder keeps
    # whole seconds).
    order = sorted((first, second), key=lambda v: (v["created_at"], v["id"]), reverse=True)
    assert [r["ID"] for r in rows] == [v["id"] for v in order]
    assert {"ID": first["id"], "Name": "v1", "Status": "available", "Size": 1,
            "Attached to": []} in rows
    long = cli("volume", "list", "--long", "-f", "json").json()
    assert {"ID": first["id"], "Name": "v1", "Status": "available", "Size": 1,
            "Type": "__DEFAULT__", "Bootable": False, "Attached to": [],
            "Properties": {"tier": "db"}} in long
    table = cli("volume", "list", "--long").out.splitlines()
    assert table[1] == ("| ID                                   | Name | Status    | Size | "
                        "Type        | Bootable | Attached to | Properties |")
    for args, names in ((("--name", "v2"), ["v2"]), (("--status", "error"), []),
                        (("--property", "tier=db"), ["v1"]),
                        (("--marker", order[0]["id"]), [order[1]["name"]]),
                        # --limit is the size of Cinder's pages, which openstacksdk follows.
                        (("--limit", "1"), [v["name"] for v in order])):
        listed = cli("volume", "list", *args, "-f", "value", "-c", "Name").out.split()
        assert listed == names, args
    assert cli("volume", "list", "--marker", "nosuch").err == (
        "Volume nosuch could not be found.\n")


def test_list_is_per_project_unless_all_projects(cli: Runner) -> None:
    create(cli, "--size", "1", "mine")
    assert cli("--os-project-name", "demo", "volume", "create", "--size", "1", "theirs").rc == 0
    names = cli("volume", "list", "-f", "value", "-c", "Name").out.split()
    assert names == ["mine"]
    every = cli("volume", "list", "--all-projects", "-f", "value", "-c", "Name").out.split()
    assert sorted(every) == ["mine", "theirs"]
    demo = cli("volume", "list", "--project", "demo", "-f", "value", "-c", "Name").out.split()
    assert demo == ["theirs"]
    # A member sees its project's only, --all-projects or not (Cinder drops it).
    member = cli("--os-project-name", "demo", "volume", "list", "--all-projects",
                 "-f", "value", "-c", "Name").out.split()
    assert member == ["theirs"]


def test_a_volume_without_a_name_lists_as_none(cli: Runner) -> None:
    create(cli, "--size", "1")
    assert cli("volume", "list", "-f", "json").json()[0]["Name"] is None
    assert "| None |" in cli("volume", "list", "-c", "Name").out


# -- set / unset ------------------------------------------------------------------------


def test_set_and_unset(cli: Runner) -> None:
    made = create(cli, "--size", "1", "--property", "a=1", "v")
    result = cli("volume", "set", "--name", "w", "--description", "new", "--property", "b=2",
                 "--image-property", "os_distro=x", "--bootable", "v")
    assert (result.rc, result.out, result.err) == (0, "", "")
    shown = show(cli, made["id"])
    assert (shown["name"], shown["description"], shown["properties"], shown["bootable"]) == (
        "w", "new", {"a": "1", "b": "2"}, True)
    assert shown["volume_image_metadata"] == {"os_distro": "x"}
    assert cli("volume", "set", "--no-property", "--property", "c=3", "w").rc == 0
    assert show(cli, "w")["properties"] == {"c": "3"}
    assert cli("volume", "unset", "--property", "c", "--image-property", "os_distro",
               "w").rc == 0
    shown = show(cli, "w")
    assert shown["properties"] == {} and "volume_image_metadata" not in shown
    result = cli("volume", "unset", "--property", "nokey", "--image-property", "nokey", "w")
    assert (result.rc, result.err) == (1, (
        f"Failed to unset volume properties: Volume {made['id']} has no metadata with key "
        "nokey.\n"
        f"Failed to unset image properties: Glance metadata for volume/snapshot {made['id']} "
        "cannot be found.\n"
        "One or more of the unset operations failed\n"))


def test_set_size_extends_the_volume_and_its_file(cli: Runner, ostack_home: Path) -> None:
    made = create(cli, "--size", "1", "v")
    assert cli("volume", "set", "--size", "3", "v").rc == 0
    assert show(cli, "v")["size"] == 3
    path = ostack_home.with_name(ostack_home.name + "-host") / "volumes" / f"volume-{made['id']}"
    info = json.loads(subprocess.run(["qemu-img", "info", "--output", "json", "-f", "qcow2",
                                      str(path)], capture_output=True, check=True).stdout)
    assert info["virtual-size"] == 3 * 1024**3
    result = cli("volume", "set", "--size", "2", "v")
    assert (result.rc, result.err) == (1, "Failed to set volume size: New size must be greater "
                                          "than 3 GB\nOne or more of the set operations failed\n")


def test_set_size_beyond_cinders_maximum_is_its_schema_error(  # type: ignore[no-untyped-def]
    cli: Runner, store_snapshot
) -> None:
    # realstack: the extend's schema refuses new_size before the quota is looked at.
    create(cli, "--size", "1", "v")
    before = store_snapshot()
    result = cli("volume", "set", "--size", "2147483648", "v")
    assert (result.rc, result.err) == (1, (
        "Failed to set volume size: Invalid input for field/attribute new_size. Value: "
        "2147483648. 2147483648 is greater than the maximum of 2147483647\n"
        "One or more of the set operations failed\n"))
    assert store_snapshot() == before


def test_set_state_is_for_admins_and_changes_only_the_record(cli: Runner) -> None:
    create(cli, "--size", "1", "v")
    assert cli("volume", "set", "--state", "error", "--attached", "v").rc == 0
    assert show(cli, "v")["status"] == "error"
    refused = cli("volume", "set", "--size", "2", "v")
    assert refused.err.startswith("Failed to set volume size: Volume is in error state, it "
                                  "must be available or in-use before size can be extended.")
    assert cli("volume", "set", "--state", "available", "v").rc == 0
    assert cli("--os-project-name", "demo", "volume", "create", "--size", "1", "m").rc == 0
    member = cli("--os-project-name", "demo", "volume", "set", "--state", "error", "m")
    assert (member.rc, member.err) == (1, (
        "Failed to set volume state: Policy doesn't allow "
        "volume_extension:volume_admin_actions:reset_status to be performed.\n"
        "One or more of the set operations failed\n"))


def test_set_type_is_cinders_retype_and_needs_another_type(cli: Runner) -> None:
    create(cli, "--size", "1", "v")
    result = cli("volume", "set", "--type", "__DEFAULT__", "v")
    assert (result.rc, result.err) == (1, (
        "Failed to set volume type: Invalid volume: Retype needs volume to be in available or "
        "in-use state, not be part of an active migration or a consistency group, requested "
        "type has to be different that the one from the volume, and for in-use volumes "
        "front-end qos specs cannot change.\nOne or more of the set operations failed\n"))
    result = cli("volume", "set", "--type", "nosuch", "v")
    assert result.err == ("Failed to set volume type: No Type found for nosuch\n"
                          "One or more of the set operations failed\n")
    result = cli("volume", "set", "--migration-policy", "never", "v")
    assert (result.rc, result.err) == (0, "'--migration-policy' option will not work without "
                                          "'--type' option\n")


def test_set_read_only_shows_in_the_properties(cli: Runner) -> None:
    create(cli, "--size", "1", "--property", "a=b", "v")
    assert "readonly" not in show(cli, "v")["properties"]
    assert cli("volume", "set", "--read-only", "v").rc == 0
    assert show(cli, "v")["properties"] == {"a": "b", "readonly": "True"}
    assert cli("volume", "set", "--read-write", "v").rc == 0
    assert show(cli, "v")["properties"] == {"a": "b", "readonly": "False"}


# -- delete -----------------------------------------------------------------------------


def test_delete_removes_the_record_and_the_file(cli: Runner, ostack_home: Path) -> None:
    create(cli, "--size", "1", "a")
    create(cli, "--size", "1", "b")
    result = cli("volume", "delete", "a", "b")
    assert (result.rc, result.out, result.err) == (0, "", "")
    assert cli("volume", "list", "-f", "json").json() == []
    assert volume_files(ostack_home) == []
    result = cli("volume", "delete", "nosuch", "gone")
    assert (result.rc, result.err) == (1, (
        "Failed to delete volume with name or ID 'nosuch': No Volume found for nosuch\n"
        "Failed to delete volume with name or ID 'gone': No Volume found for gone\n"
        "2 of 2 volumes failed to delete.\n"))


def test_snapshots_block_a_delete_without_purge(  # type: ignore[no-untyped-def]
        cli: Runner, ostack_home: Path, store_snapshot) -> None:
    made = create(cli, "--size", "1", "v")
    assert cli("volume", "snapshot", "create", "--volume", "v", "s").rc == 0
    before = store_snapshot()
    refused = cli("volume", "delete", "v")
    assert refused.err == (
        "Failed to delete volume with name or ID 'v': Invalid volume: Volume status must be "
        "available or error or error_restoring or error_extending or error_managing and must "
        "not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, "
        "or be disassociated from snapshots after volume transfer.\n"
        "1 of 1 volumes failed to delete.\n")
    forced = cli("volume", "delete", "--force", "v")
    # Cinder's message has no status list there (hence the two spaces).
    assert forced.err.startswith(
        "Failed to delete volume with name or ID 'v': Invalid volume: Volume  must not be "
        "migrating, attached")
    assert store_snapshot() == before
    assert cli("volume", "delete", "--cascade", "--force", "v").rc == 2  # exclusive options
    assert cli("volume", "delete", "--purge", "v").rc == 0
    assert cli("volume", "snapshot", "list", "-f", "json").json() == []
    assert volume_files(ostack_home) == []
    assert made["id"] not in cli("volume", "list", "-f", "value").out


def test_delete_remote_is_refused_with_force(cli: Runner) -> None:
    create(cli, "--size", "1", "v")
    result = cli("volume", "delete", "--remote", "--force", "v")
    assert (result.rc, result.err) == (1, "The --force and --cascade options are not "
                                          "supported with the --remote parameter.\n")


# -- quotas -----------------------------------------------------------------------------


def test_quotas_are_cinders(cli: Runner, store_snapshot) -> None:  # type: ignore[no-untyped-def]
    assert cli("quota", "set", "--volumes", "2", "--gigabytes", "3", "--snapshots", "1",
               "--per-volume-gigabytes", "2", "admin").rc == 0
    create(cli, "--size", "2", "v1")
    before = store_snapshot()
    for args, error in (
        (("--size", "3", "big"), "VolumeSizeExceedsLimit: Requested volume size 3G is larger "
                                 "than maximum allowed limit 2G."),
        (("--size", "2", "v2"), "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot "
                                "exceeds allowed gigabytes quota. Requested 2G, quota is 3G and "
                                "2G has been consumed."),
    ):
        result = cli("volume", "create", *args)
        assert (result.rc, result.err) == (1, error + "\n"), args
    assert store_snapshot() == before
    create(cli, "--size", "1", "v2")
    assert cli("quota", "set", "--gigabytes", "10", "admin").rc == 0
    result = cli("volume", "create", "--size", "1", "v3")
    assert result.err == ("VolumeLimitExceeded: Maximum number of volumes allowed (2) exceeded "
                          "for quota 'volumes'.\n")
    # A snapshot counts against the gigabytes too; an extend against them as well.
    assert cli("quota", "set", "--gigabytes", "4", "admin").rc == 0
    result = cli("volume", "snapshot", "create", "--volume", "v1", "s1")
    assert result.err == ("VolumeSizeExceedsAvailableQuota: Requested volume or snapshot "
                          "exceeds allowed gigabytes quota. Requested 2G, quota is 4G and 3G "
                          "has been consumed.\n")
    result = cli("volume", "set", "--size", "3", "v2")
    assert result.err == ("Failed to set volume size: VolumeSizeExceedsLimit: Requested volume "
                          "size 3G is larger than maximum allowed limit 2G.\n"
                          "One or more of the set operations failed\n")


@pytest.mark.slow
def test_the_last_volume_is_taken_once_by_concurrent_processes(cli: Runner,
                                                               ostack_home: Path) -> None:
    import os
    import sys

    assert cli("quota", "set", "--volumes", "3", "admin").rc == 0
    ostack = str(Path(sys.executable).with_name("ostack"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    procs = [subprocess.Popen([ostack, "volume", "create", "--size", "1", f"v{i}"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(8)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert sum(1 for rc, _ in results if rc == 0) == 3
    refused = [err for rc, err in results if rc != 0]
    assert all(err.startswith("VolumeLimitExceeded: Maximum number of volumes allowed (3)")
               for err in refused), refused
    assert len(cli("volume", "list", "-f", "json").json()) == 3
    assert len(volume_files(ostack_home)) == 3


# -- volume types -----------------------------------------------------------------------


def test_volume_types(cli: Runner) -> None:
    listed = cli("volume", "type", "list", "-f", "json").json()
    assert len(listed) == 1
    type_id = listed[0]["ID"]
    assert listed == [{"ID": type_id, "Name": "__DEFAULT__", "Is Public": True}]
    assert cli("volume", "type", "list", "--long", "-f", "json").json() == [{
        "ID": type_id, "Name": "__DEFAULT__", "Is Public": True,
        "Description": "Default Volume Type", "Properties": {}}]
    assert cli("volume", "type", "list", "--default", "-f", "json").json() == listed
    assert cli("volume", "type", "list", "--public", "-f", "json").json() == listed
    assert cli("volume", "type", "list", "--private", "-f", "json").json() == []
    # Extra-spec filters go to openstacksdk, which drops them: every type is listed.
    assert cli("volume", "type", "list", "--property", "foo=bar", "-f", "json").json() == listed
    encrypted = cli("volume", "type", "list", "--encryption-type", "-f", "json").json()
    assert encrypted == [{**listed[0], "Encryption": {}}]
    assert "| Encryption |" in cli("volume", "type", "list", "--encryption-type").out
    assert "| -          |" in cli("volume", "type", "list", "--encryption-type").out
    expected = {"access_project_ids": None, "description": "Default Volume Type",
                "id": type_id, "is_public": True, "name": "__DEFAULT__", "properties": {}}
    for name in ("__DEFAULT__", type_id):
        assert cli("volume", "type", "show", name, "-f", "json").json() == expected
    assert cli("volume", "type", "show", "--encryption-type", "__DEFAULT__",
               "-f", "json").json() == {**expected, "encryption": {}}
    assert cli("volume", "type", "show", "nosuch").err == "No Type found for nosuch\n"


def test_volume_type_encryption_is_for_admins(cli: Runner) -> None:
    member = ("--os-project-name", "demo")
    result = cli(*member, "volume", "type", "list", "--encryption-type")
    assert (result.rc, result.err) == (1, "Policy doesn't allow "
                                          "volume_extension:volume_type_encryption:get to be "
                                          "performed.\n")
    shown = cli(*member, "volume", "type", "show", "--encryption-type", "__DEFAULT__",
                "-f", "json")
    assert shown.rc == 0 and "encryption" not in shown.json()
    assert shown.err == ("Failed to display the encryption information of this volume type: "
                         "Policy doesn't allow volume_extension:volume_type_encryption:get to "
                         "be performed.\n")


@pytest.mark.parametrize("command", [
    ("volume", "list"), ("volume", "snapshot", "list"), ("volume", "backup", "list"),
    ("volume", "attachment", "list"), ("image", "list"),
])
@pytest.mark.parametrize("option", ["--limit", "--max-items"])
def test_negative_page_sizes_are_usage_errors(
    cli: Runner, capsys: pytest.CaptureFixture[str], command: tuple[str, ...], option: str
) -> None:
    # osc-lib's NonNegativeAction, as realstack's client answers: argparse's error, exit 2.
    if option == "--max-items" and command == ("volume", "list"):
        return  # the real `volume list` has no --max-items
    capsys.readouterr()
    assert cli(*command, option, "-1").rc == 2
    # (in process the program is pytest's name)
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        f" {' '.join(command)}: error: argument {option}: {option} expected a "
        "non-negative integer")


def test_list_by_a_missing_user_is_the_real_clients_empty_error(cli: Runner) -> None:
    # find_user_id_sdk, as realstack's client: exit 1 and an empty line, as for --project.
    for option in ("--user", "--project"):
        result = cli("volume", "list", option, "nosuch")
        assert (result.rc, result.out, result.err) == (1, "", "\n")
