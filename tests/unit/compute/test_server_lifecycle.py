"""server shelve/unshelve, rescue/unrescue, rebuild, resize (confirm, revert), image create and
backup create on the local backend: Nova's states, refusals, messages and JSON, with real
disk files (qemu-img) under libvirt's test driver."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Result, Runner

GIB = 1024**3


def create(cli: Runner, name: str = "vm", *extra: str) -> dict[str, Any]:
    result = cli("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                 "--nic", "net-id=private", *extra, name, "-f", "json")
    assert result.rc == 0, result.err
    return result.json()  # type: ignore[no-any-return]


def show(cli: Runner, name: str = "vm") -> dict[str, Any]:
    result = cli("server", "show", name, "-f", "json")
    assert result.rc == 0, result.err
    return result.json()  # type: ignore[no-any-return]


def ok(result: Result) -> Result:
    assert result.rc == 0, result.err
    return result


def quiet(result: Result) -> None:
    """A command that prints nothing and succeeds (set/action style)."""
    assert (result.rc, result.out, result.err) == (0, "", ""), result.err


def host_dir(ostack_home: Path) -> Path:
    return ostack_home.with_name(ostack_home.name + "-host")


def instance_dir(ostack_home: Path, server_id: str) -> Path:
    return host_dir(ostack_home) / "instances" / server_id


def qemu_info(path: Path) -> dict[str, Any]:
    out = subprocess.run(["qemu-img", "info", "-U", "--output=json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def write_marker(disk: Path, pattern: int = 0x5A) -> None:
    """Data the guest would have written: 64 KiB of ``pattern`` at 1 MiB into the disk."""
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", f"write -P {pattern} 1M 64k", str(disk)],
                   capture_output=True, check=True)


def has_marker(disk: Path, pattern: int = 0x5A) -> bool:
    return subprocess.run(["qemu-io", "-f", "qcow2", "-r", "-U", "-c",
                           f"read -P {pattern} 1M 64k", str(disk)],
                          capture_output=True, check=False).returncode == 0


def domain_xml(server: dict[str, Any]) -> str:
    from ostack_cli.backend.local.hypervisor import Hypervisor

    xml = Hypervisor("test:///default").domain_xml(server["OS-EXT-SRV-ATTR:instance_name"])
    assert xml is not None
    return xml


@pytest.fixture
def vm(compute: Runner) -> dict[str, Any]:
    return create(compute)


# -- shelve / unshelve --------------------------------------------------------------------


def test_shelve_offloads_and_unshelve_brings_the_server_back(
    compute: Runner, ostack_home: Path
) -> None:
    vm = create(compute, "vm", "--config-drive", "True")
    files = instance_dir(ostack_home, vm["id"])
    write_marker(files / "disk")
    quiet(compute("server", "shelve", "vm"))
    shelved = show(compute)
    assert {k: shelved[k] for k in (
        "status", "OS-EXT-STS:vm_state", "OS-EXT-STS:task_state", "OS-EXT-STS:power_state",
        "OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname", "hostId", "host_status",
        "OS-EXT-AZ:availability_zone", "progress",
    )} == {
        "status": "SHELVED_OFFLOADED", "OS-EXT-STS:vm_state": "shelved_offloaded",
        "OS-EXT-STS:task_state": None, "OS-EXT-STS:power_state": 4,
        "OS-EXT-SRV-ATTR:host": None, "OS-EXT-SRV-ATTR:hypervisor_hostname": None,
        "hostId": "", "host_status": "", "OS-EXT-AZ:availability_zone": "", "progress": None,
    }
    # The ports stay, and with them the address.
    assert shelved["addresses"] == vm["addresses"]
    assert not files.exists()
    snapshot = ok(compute("image", "show", "vm-shelved", "-f", "json")).json()
    assert (snapshot["status"], snapshot["disk_format"], snapshot["visibility"]) == (
        "active", "qcow2", "private")
    assert snapshot["properties"]["image_type"] == "snapshot"
    assert snapshot["properties"]["instance_uuid"] == vm["id"]
    # Shelving a shelved server does nothing (the real client skips it).
    quiet(compute("server", "shelve", "vm", "--offload", "--wait"))

    quiet(compute("server", "unshelve", "vm", "--wait"))
    back = show(compute)
    assert (back["status"], back["OS-EXT-STS:power_state"], back["OS-EXT-SRV-ATTR:host"],
            back["OS-EXT-AZ:availability_zone"], back["progress"]) == (
        "ACTIVE", 1, "localhost", "nova", 0)
    assert back["addresses"] == vm["addresses"]
    assert back["image"] == vm["image"]
    # A new config drive, as it was asked for at create (Nova's configdrive.required_by).
    assert (files / "disk").exists() and (files / "disk.config").exists()
    # The disk is made from the snapshot; Nova deletes the snapshot once unshelved.
    assert compute("image", "show", "vm-shelved").rc == 1
    assert qemu_info(files / "disk")["virtual-size"] == GIB
    assert has_marker(files / "disk")  # the guest's data came back with it
    # Unshelving an active server does nothing either.
    quiet(compute("server", "unshelve", "vm"))


def test_shelve_and_unshelve_refusals(compute: Runner, vm: dict[str, Any],
                                      store_snapshot: Any) -> None:
    quiet(compute("server", "shelve", "vm"))
    before = store_snapshot()
    zone = compute("server", "unshelve", "--availability-zone", "elsewhere", "vm")
    assert (zone.rc, zone.err.strip()) == (1, "The requested availability zone is not available")
    host = compute("server", "unshelve", "--host", "nosuch", "vm")
    assert (host.rc, host.err.strip()) == (1, "Compute host nosuch could not be found.")
    assert store_snapshot() == before
    for args in (["rescue"], ["image", "create"], ["backup", "create"]):
        refused = compute("server", *args, "vm")
        action = {"rescue": "rescue", "image": "createImage", "backup": "createBackup"}[args[0]]
        assert refused.rc == 1
        assert refused.err.strip() == (
            f"Cannot '{action}' instance {vm['id']} while it is in vm_state shelved_offloaded")
    resize = compute("server", "resize", "--flavor", "m1.small", "vm")
    assert resize.err.strip() == (
        f"Cannot 'resize' instance {vm['id']} while it is in vm_state shelved_offloaded")
    rebuild = compute("server", "rebuild", "vm")
    assert (rebuild.rc, rebuild.err.strip()) == (
        1, "The server status is not ACTIVE, SHUTOFF or ERROR.")
    assert store_snapshot() == before
    quiet(compute("server", "unshelve", "--availability-zone", "nova", "vm"))


def test_unshelve_without_its_snapshot_puts_the_server_in_error(
    compute: Runner, vm: dict[str, Any]
) -> None:
    quiet(compute("server", "shelve", "vm"))
    quiet(compute("image", "delete", "vm-shelved"))
    quiet(compute("server", "unshelve", "vm"))
    shown = show(compute)
    assert shown["status"] == "ERROR"
    assert shown["fault"]["message"].startswith("Unshelve attempted but the image ")


def test_deleting_a_shelved_server_deletes_its_snapshot(compute: Runner,
                                                        vm: dict[str, Any]) -> None:
    quiet(compute("server", "shelve", "vm"))
    assert compute("image", "show", "vm-shelved").rc == 0
    quiet(compute("server", "delete", "vm", "--wait"))
    assert compute("image", "show", "vm-shelved").rc == 1


def test_a_stopped_server_shows_no_progress_as_nova(compute: Runner,
                                                    vm: dict[str, Any]) -> None:
    quiet(compute("server", "stop", "vm"))
    assert show(compute)["progress"] is None


# -- rescue / unrescue --------------------------------------------------------------------


def test_rescue_boots_the_rescue_disk_with_the_servers_disk_second(
    compute: Runner, ostack_home: Path
) -> None:
    vm = create(compute, "vm", "--config-drive", "True")
    files = instance_dir(ostack_home, vm["id"])
    write_marker(files / "disk")
    quiet(compute("server", "rescue", "vm", "--password", "s3cret"))
    rescued = show(compute)
    assert (rescued["status"], rescued["OS-EXT-STS:vm_state"], rescued["progress"]) == (
        "RESCUE", "rescued", None)
    xml = domain_xml(rescued)
    assert xml.index(str(files / "disk.rescue")) < xml.index(f"{files / 'disk'}'")
    assert (files / "disk.rescue").exists() and (files / "disk.config.rescue").exists()
    again = compute("server", "rescue", "vm")
    assert again.err.strip() == (
        f"Cannot 'rescue' instance {vm['id']} while it is in vm_state rescued")
    for args in (["shelve"], ["resize", "--flavor", "m1.small"], ["stop"]):
        assert compute("server", *args, "vm").rc == 1

    quiet(compute("server", "unrescue", "vm"))
    back = show(compute)
    assert back["status"] == "ACTIVE"
    assert has_marker(files / "disk")
    assert "disk.rescue" not in domain_xml(back)
    assert not (files / "disk.rescue").exists()
    assert not (files / "disk.config.rescue").exists()
    refused = compute("server", "unrescue", "vm")
    assert refused.err.strip() == (
        f"Cannot 'unrescue' instance {vm['id']} while it is in vm_state active")


def test_rescue_with_another_image(compute: Runner, vm: dict[str, Any], tmp_path: Path) -> None:
    missing = compute("server", "rescue", "--image", "nosuch", "vm")
    assert (missing.rc, missing.err.strip()) == (1, "No Image found for nosuch")
    disk = tmp_path / "rescue.raw"
    disk.write_bytes(b"\0" * 1024 * 1024)
    ok(compute("image", "create", "--file", str(disk), "--disk-format", "raw", "rescuer"))
    quiet(compute("server", "rescue", "--image", "rescuer", "vm"))
    rescuer = ok(compute("image", "show", "rescuer", "-f", "value", "-c", "id")).out.strip()
    assert rescuer in domain_xml(show(compute))
    quiet(compute("server", "unrescue", "vm"))
    assert rescuer not in domain_xml(show(compute))


# -- rebuild ------------------------------------------------------------------------------


def test_rebuild_answers_rebuild_and_leaves_the_server_active(
    compute: Runner, vm: dict[str, Any], ostack_home: Path
) -> None:
    files = instance_dir(ostack_home, vm["id"])
    ok(compute("keypair", "create", "mykey", "-f", "json"))
    write_marker(files / "disk")
    result = ok(compute("server", "rebuild", "vm", "--name", "vm2", "--property", "a=b",
                        "--description", "rebuilt", "--key-name", "mykey", "--password",
                        "pw12", "-f", "json"))
    answer = result.json()
    assert {k: answer[k] for k in ("status", "OS-EXT-STS:task_state", "name", "adminPass",
                                   "properties", "description", "key_name", "progress")} == {
        "status": "REBUILD", "OS-EXT-STS:task_state": "rebuilding", "name": "vm2",
        "adminPass": "pw12", "properties": {"a": "b"}, "description": "rebuilt",
        "key_name": "mykey", "progress": 0,
    }
    assert answer["id"] == vm["id"] and answer["addresses"] == vm["addresses"]
    rebuilt = show(compute, "vm2")
    assert (rebuilt["status"], rebuilt["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert not has_marker(files / "disk")  # a fresh disk from the image
    # The rebuild's answer is the same with --wait, after "Complete".
    waited = ok(compute("server", "rebuild", "vm2", "--wait", "-f", "json"))
    assert waited.out.startswith("Complete\n")
    assert json.loads(waited.out.split("\n", 1)[1])["status"] == "REBUILD"
    assert len(json.loads(waited.out.split("\n", 1)[1])["adminPass"]) == 12


def test_rebuild_of_a_stopped_server_ends_stopped(compute: Runner, vm: dict[str, Any]) -> None:
    quiet(compute("server", "stop", "vm"))
    answer = ok(compute("server", "rebuild", "vm", "--wait", "-f", "json"))
    assert json.loads(answer.out.split("\n", 1)[1])["OS-EXT-STS:vm_state"] == "stopped"
    assert show(compute)["status"] == "SHUTOFF"


def test_rebuild_refusals(compute: Runner, vm: dict[str, Any], store_snapshot: Any) -> None:
    before = store_snapshot()
    cases = {
        ("--key-name", "nosuch"): "Invalid key_name provided.",
        ("--name", " lead"): "An invalid 'name' value was provided. The name must be: "
                             "printable characters. Can not start or end with whitespace.",
        ("--property", "a/b=1"): "Invalid input for field/attribute metadata. Value: "
                                 "{'a/b': '1'}. 'a/b' does not match any of the regexes: "
                                 "'^[a-zA-Z0-9-_:. ]{1,255}$'",
        ("--image", "nosuch"): "No Image found for nosuch",
        ("--user-data", "/no/such/file"): "Can't open '/no/such/file': [Errno 2] No such file "
                                          "or directory: '/no/such/file'",
    }
    for args, message in cases.items():
        refused = compute("server", "rebuild", *args, "vm")
        assert (refused.rc, refused.err.strip()) == (1, message), args
    assert store_snapshot() == before


def test_preserve_ephemeral_is_taken_and_fails_as_on_libvirt(
    compute: Runner, vm: dict[str, Any]
) -> None:
    answer = ok(compute("server", "rebuild", "--preserve-ephemeral", "vm", "-f", "json"))
    assert answer.json()["status"] == "REBUILD"
    shown = show(compute)
    assert shown["status"] == "ERROR"
    assert shown["fault"]["message"] == (
        "The current driver does not support preserving ephemeral partitions.")
    assert shown["fault"]["code"] == 400
    waited = compute("server", "rebuild", "--preserve-ephemeral", "--wait", "vm")
    assert (waited.rc, waited.err.strip()) == (1, f"Error rebuilding server: {vm['id']}")
    # An ERROR server rebuilds (to ACTIVE, and its fault no longer shows).
    ok(compute("server", "rebuild", "vm"))
    again = show(compute)
    assert again["status"] == "ACTIVE" and "fault" not in again


# -- resize -------------------------------------------------------------------------------


def test_resize_confirm_and_revert(compute: Runner, vm: dict[str, Any],
                                  ostack_home: Path) -> None:
    files = instance_dir(ostack_home, vm["id"])
    write_marker(files / "disk")
    same = compute("server", "resize", "--flavor", "m1.tiny", "vm")
    assert (same.rc, same.err.strip()) == (1, "When resizing, instances must change flavor!")
    done = ok(compute("server", "resize", "--flavor", "m1.small", "--wait", "vm"))
    assert done.out == "Complete\n"
    resized = show(compute)
    assert (resized["status"], resized["flavor"]["original_name"], resized["progress"]) == (
        "VERIFY_RESIZE", "m1.small", 0)
    assert qemu_info(files / "disk")["virtual-size"] == 20 * GIB
    assert has_marker(files / "disk")
    assert (files / "disk.resize-revert").exists()
    assert 'memory unit="KiB">2097152<' in domain_xml(resized).replace("'", '"')
    confirm = compute("server", "resize", "confirm", "vm")
    quiet(confirm)
    confirmed = show(compute)
    assert (confirmed["status"], confirmed["flavor"]["original_name"]) == ("ACTIVE", "m1.small")
    assert not (files / "disk.resize-revert").exists()
    refused = compute("server", "resize", "revert", "vm")
    assert refused.err.strip() == (
        f"Cannot 'revertResize' instance {vm['id']} while it is in vm_state active")

    quiet(compute("server", "stop", "vm"))
    ok(compute("server", "resize", "--flavor", "m1.medium", "vm"))
    write_marker(files / "disk", 0x33)  # written while the resize awaits its verdict
    stopped = show(compute)
    assert (stopped["status"], stopped["OS-EXT-STS:power_state"]) == ("VERIFY_RESIZE", 4)
    quiet(compute("server", "resize", "revert", "vm"))
    reverted = show(compute)
    assert (reverted["status"], reverted["flavor"]["original_name"]) == ("SHUTOFF", "m1.small")
    assert qemu_info(files / "disk")["virtual-size"] == 20 * GIB
    # The revert brings back the disk as it was before the resize (Nova's _resize copy).
    assert has_marker(files / "disk") and not has_marker(files / "disk", 0x33)


def test_resize_down_is_taken_and_leaves_the_server_as_it_was(
    compute: Runner, vm: dict[str, Any]
) -> None:
    ok(compute("server", "resize", "--flavor", "m1.small", "vm"))
    quiet(compute("server", "resize", "confirm", "vm"))
    # The boot flavor's disk is the image's minimum (Nova's system_metadata): m1.tiny's
    # disk passes the API; the compute then refuses to shrink the disk, leaving the server.
    done = ok(compute("server", "resize", "--flavor", "m1.tiny", "--wait", "vm"))
    assert done.out == "Complete\n"
    shown = show(compute)
    assert (shown["status"], shown["flavor"]["original_name"]) == ("ACTIVE", "m1.small")


def test_resize_checks_the_image_minimum_and_the_quota(
    compute: Runner, vm: dict[str, Any], store_snapshot: Any
) -> None:
    ok(compute("flavor", "create", "--ram", "512", "--disk", "0", "--vcpus", "1", "nodisk"))
    before = store_snapshot()
    zero = compute("server", "resize", "--flavor", "nodisk", "vm")
    assert zero.err.strip() == ("Server disk was unable to be resized because: Resize to zero "
                                "disk flavor is not allowed.")
    quiet(compute("quota", "set", "--cores", "1", "admin"))
    before = store_snapshot()
    over = compute("server", "resize", "--flavor", "m1.medium", "vm")
    assert (over.rc, over.err.strip()) == (
        1, "Quota exceeded for cores: Requested 1, but already used 1 of 1 cores")
    assert store_snapshot() == before
    missing = compute("server", "resize", "--flavor", "nosuch", "vm")
    assert missing.err.strip() == "No Flavor found for nosuch"


def test_resize_counts_the_new_flavor_against_the_quota(compute: Runner,
                                                        vm: dict[str, Any]) -> None:
    def cores() -> int:
        rows = ok(compute("quota", "show", "--usage", "-f", "json")).json()
        return next(r["In Use"] for r in rows if r["Resource"] == "cores")

    assert cores() == 1
    ok(compute("server", "resize", "--flavor", "m1.medium", "vm"))
    assert cores() == 2
    quiet(compute("server", "resize", "revert", "vm"))
    assert cores() == 1


def test_the_deprecated_resize_options_still_work(compute: Runner, vm: dict[str, Any]) -> None:
    ok(compute("server", "resize", "--flavor", "m1.small", "vm"))
    confirm = compute("server", "resize", "--confirm", "vm")
    assert confirm.rc == 0
    assert "The --confirm option has been deprecated" in confirm.err
    assert show(compute)["status"] == "ACTIVE"
    usage = compute("server", "resize", "vm")
    assert usage.rc == 2


# -- image create / backup create ---------------------------------------------------------


def test_image_create_makes_a_standalone_snapshot(
    compute: Runner, vm: dict[str, Any], ostack_home: Path
) -> None:
    write_marker(instance_dir(ostack_home, vm["id"]) / "disk")
    result = ok(compute("server", "image", "create", "vm", "--name", "snap", "--property",
                        "purpose=test", "-f", "json"))
    image = result.json()
    assert {k: image[k] for k in ("name", "status", "disk_format", "container_format",
                                  "visibility", "min_disk", "min_ram")} == {
        "name": "snap", "status": "active", "disk_format": "qcow2", "container_format": "bare",
        "visibility": "private", "min_disk": 1, "min_ram": 0,
    }
    props = image["properties"]
    assert {k: props[k] for k in ("image_type", "instance_uuid", "image_location",
                                  "image_state", "owner_user_name", "purpose")} == {
        "image_type": "snapshot", "instance_uuid": vm["id"], "image_location": "snapshot",
        "image_state": "available", "owner_user_name": "admin", "purpose": "test",
    }
    assert props["boot_roles"] == "manager,member,reader,admin"  # Keystone's order
    assert props["base_image_ref"] == vm["image"].split("(")[1].rstrip(")")
    # Nova stores owner_id too; openstacksdk reads it as the owner, so no property shows it.
    assert "owner_id" not in props and image["owner"] == vm["project_id"]
    assert isinstance(image["size"], int) and image["size"] > 0
    # A qcow2 of its own: no backing file, the disk's size.
    stored = ostack_home / "images" / image["id"]
    info = qemu_info(stored)
    assert (info["format"], info.get("backing-filename"), info["virtual-size"]) == (
        "qcow2", None, GIB)
    assert has_marker(stored)
    assert show(compute)["status"] == "ACTIVE"  # paused for the copy, running again
    # Without --name, the server's name; --wait prints an empty line first.
    waited = ok(compute("server", "image", "create", "vm", "--wait", "-f", "json"))
    assert waited.out.startswith("\n")
    assert json.loads(waited.out)["name"] == "vm"
    # A server booted from the snapshot.
    booted = ok(compute("server", "create", "--image", "snap", "--flavor", "m1.tiny", "--nic",
                        "net-id=private", "fromsnap", "--wait", "-f", "json")).json()
    assert booted["status"] == "ACTIVE"
    assert has_marker(instance_dir(ostack_home, booted["id"]) / "disk")


def test_image_create_refusals(compute: Runner, vm: dict[str, Any], store_snapshot: Any) -> None:
    before = store_snapshot()
    bad = compute("server", "image", "create", "vm", "--property", "a/b=1")
    assert bad.err.strip().startswith("Invalid input for field/attribute metadata.")
    long = compute("server", "image", "create", "vm", "--property", "k=" + "v" * 256)
    assert long.err.strip() == (f"Invalid input for field/attribute k. Value: {'v' * 256}. "
                                f"'{'v' * 256}' is too long")
    name = compute("server", "image", "create", "vm", "--name", "x ")
    assert name.err.strip().startswith("An invalid 'name' value was provided.")
    assert store_snapshot() == before


def test_backup_rotation(compute: Runner, vm: dict[str, Any]) -> None:
    def backups() -> list[str]:
        rows = ok(compute("image", "list", "--property", "image_type=backup", "-f",
                          "json")).json()
        return sorted(r["ID"] for r in rows)

    first = ok(compute("server", "backup", "create", "vm", "--type", "daily",
                       "-f", "json")).json()
    assert (first["name"], first["status"]) == ("vm", "active")
    assert first["properties"]["backup_type"] == "daily"
    assert first["properties"]["image_type"] == "backup"
    assert backups() == [first["id"]]
    # rotate 1 (the default): the older backup goes, the new one is found by its name.
    second = ok(compute("server", "backup", "create", "vm", "--type", "daily",
                        "-f", "json")).json()
    assert backups() == [second["id"]]
    # Two backups of one name kept: the real client's look-up by name fails, after the
    # backup was made.
    two = compute("server", "backup", "create", "vm", "--type", "daily", "--rotate", "2")
    assert (two.rc, two.err.strip()) == (1, "More than one Image exists with the name 'vm'.")
    assert len(backups()) == 2
    # Another type rotates apart; rotate 0 deletes even the new one.
    ok(compute("server", "backup", "create", "vm", "--name", "weekly-vm", "--type", "weekly",
               "-f", "json"))
    assert len(backups()) == 3
    gone = compute("server", "backup", "create", "vm", "--name", "w2", "--type", "weekly",
                   "--rotate", "0")
    assert (gone.rc, gone.err.strip()) == (1, "No Image found for w2")
    assert len(backups()) == 2
    negative = compute("server", "backup", "create", "vm", "--rotate", "-1")
    assert negative.err.strip() == ("Invalid input for field/attribute rotation. Value: -1. "
                                    "-1 is less than the minimum of 0")


# -- crashes ------------------------------------------------------------------------------


@pytest.fixture
def dead_pid() -> Iterator[int]:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    yield done.pid


def _interrupt(server_id: str, pid: int, **changes: Any) -> None:
    """The record as a process killed mid-action leaves it."""
    from ostack_cli.backend.local import LocalBackend
    from ostack_cli.backend.models.server import Server

    backend = LocalBackend.open()
    try:
        record = backend.store.get(Server, server_id)
        assert record is not None
        with backend.store.transaction():
            backend.store.update(record.replace(worker_pid=pid, **changes))
    finally:
        backend.close()


def test_an_interrupted_snapshot_is_settled(compute: Runner, vm: dict[str, Any],
                                            dead_pid: int) -> None:
    from ostack_cli.backend.local import LocalBackend

    backend = LocalBackend.open()
    try:
        server = backend.find_server("vm")
        image = backend.services.server_snapshots.new_image(server, "half", "snapshot", {})
        with backend.store.transaction():
            backend.store.insert(image)
    finally:
        backend.close()
    _interrupt(vm["id"], dead_pid, task_state="image_uploading")
    shown = show(compute)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert compute("image", "show", "half").rc == 1  # Nova's delete_image_on_error


def test_an_interrupted_shelve_offload_is_finished(
    compute: Runner, vm: dict[str, Any], dead_pid: int, ostack_home: Path
) -> None:
    _interrupt(vm["id"], dead_pid, task_state="shelving_offloading", vm_state="shelved")
    shown = show(compute)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("SHELVED_OFFLOADED", None)
    assert not instance_dir(ostack_home, vm["id"]).exists()


def test_an_interrupted_rescue_is_rolled_back(compute: Runner, vm: dict[str, Any],
                                              dead_pid: int, ostack_home: Path) -> None:
    files = instance_dir(ostack_home, vm["id"])
    quiet(compute("server", "rescue", "vm"))
    _interrupt(vm["id"], dead_pid, task_state="rescuing", vm_state="active")
    shown = show(compute)
    # The rescue guest and files are gone; start defines the guest again from its records.
    assert (shown["status"], shown["OS-EXT-STS:power_state"]) == ("SHUTOFF", 0)
    assert not (files / "disk.rescue").exists()
    quiet(compute("server", "start", "vm"))
    assert "disk.rescue" not in domain_xml(show(compute))


def test_an_interrupted_rebuild_leaves_the_server_in_error(
    compute: Runner, vm: dict[str, Any], dead_pid: int
) -> None:
    _interrupt(vm["id"], dead_pid, task_state="rebuild_spawning")
    shown = show(compute)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ERROR", None)
    assert "interrupted" in shown["fault"]["message"]
    ok(compute("server", "rebuild", "vm", "--wait"))
    assert show(compute)["status"] == "ACTIVE"


def test_an_interrupted_resize_is_rolled_back(compute: Runner, vm: dict[str, Any],
                                              dead_pid: int, ostack_home: Path) -> None:
    files = instance_dir(ostack_home, vm["id"])
    ok(compute("server", "resize", "--flavor", "m1.small", "vm"))
    # As if the process died just after switching the record to the new flavor.
    _interrupt(vm["id"], dead_pid, task_state="resize_finish", vm_state="active")
    shown = show(compute)
    assert (shown["status"], shown["flavor"]["original_name"]) == ("SHUTOFF", "m1.tiny")
    assert qemu_info(files / "disk")["virtual-size"] == GIB
    assert not (files / "disk.resize-revert").exists()
    # Its migration record is closed as failed, not left as the dead process left it.
    migrations = ok(compute("server", "migration", "list", "--server", "vm", "-f",
                            "json")).json()
    assert [(m["Type"], m["Status"]) for m in migrations] == [("resize", "error")]
    quiet(compute("server", "start", "vm"))
    assert show(compute)["status"] == "ACTIVE"


# -- what the server's actions record -----------------------------------------------------


def test_each_action_is_recorded_as_nova_records_it(compute: Runner,
                                                    vm: dict[str, Any]) -> None:
    quiet(compute("server", "shelve", "vm"))
    quiet(compute("server", "unshelve", "vm"))
    ok(compute("server", "resize", "--flavor", "m1.small", "vm"))
    quiet(compute("server", "resize", "confirm", "vm"))
    ok(compute("server", "resize", "--flavor", "m1.tiny", "vm"))  # a disk down: refused
    actions = ok(compute("server", "event", "list", "vm", "-f", "json")).json()
    assert [a["Action"] for a in actions][:5] == [
        "resize", "confirmResize", "resize", "unshelve", "shelve"]
    refused = ok(compute("server", "event", "show", "vm", actions[0]["Request ID"],
                         "-f", "json")).json()
    events = {e["event"]: e for e in refused["events"]}
    assert events["compute_resize_instance"]["result"] == "Error"
    assert events["compute_prep_resize"]["result"] == "Success"
    assert refused["message"] == "Error"


def test_a_server_from_before_system_metadata_still_snapshots_as_nova(
    compute: Runner, vm: dict[str, Any]
) -> None:
    _interrupt(vm["id"], 0, system_metadata={})  # as a store an older ostack wrote
    image = ok(compute("server", "image", "create", "vm", "-f", "json")).json()
    assert image["properties"]["base_image_ref"] == vm["image"].split("(")[1].rstrip(")")
    assert image["min_disk"] == 1


def test_a_member_shelves_but_unshelves_to_a_host_only_as_admin(compute: Runner) -> None:
    ok(compute("user", "create", "--password", "pw", "bob"))
    ok(compute("role", "add", "--user", "bob", "--project", "admin", "member"))

    def bob(*args: str) -> Result:
        return compute("--os-username", "bob", "--os-password", "pw", "--os-project-name",
                       "admin", *args)

    made = ok(bob("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                  "net-id=private", "bobvm", "-f", "json")).json()
    quiet(bob("server", "shelve", "bobvm"))
    refused = bob("server", "unshelve", "--host", "localhost", "bobvm")
    assert (refused.rc, refused.err.strip()) == (
        1, "Policy doesn't allow os_compute_api:os-shelve:unshelve_to_host to be performed.")
    quiet(bob("server", "unshelve", "bobvm"))
    # A locked server refuses its member, not the admin (Nova's check_instance_lock).
    quiet(compute("server", "lock", "bobvm"))
    locked = bob("server", "rescue", "bobvm")
    assert (locked.rc, locked.err.strip()) == (1, f"Instance {made['id']} is locked")
    # Snapshots are no changes to the server: a lock does not stop them (Nova's note).
    image = ok(bob("server", "image", "create", "bobvm", "-f", "json")).json()
    assert image["properties"]["owner_user_name"] == "bob"
    assert image["properties"]["boot_roles"] == "reader,member"
    quiet(compute("server", "rescue", "bobvm"))
