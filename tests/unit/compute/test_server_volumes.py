"""Volumes and servers on the local backend (libvirt's test driver: the records are the
guest): ``server add/remove volume``, ``server volume list``, booting from volumes
(``server create --boot-from-volume/--volume/--snapshot/--block-device/
--block-device-mapping``) and ``image create --volume``, with Nova's and Cinder's rules and
the real client's columns and messages (realstack, python-openstackclient 10.5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Runner


def server(compute: Runner, name: str, *args: str) -> dict[str, Any]:
    result = compute("server", "create", "--flavor", "m1.tiny", *args, "--nic", "none", name,
                     "-f", "json")
    assert result.rc == 0, result.err
    made: dict[str, Any] = result.json()
    return made


def volume(compute: Runner, name: str, *args: str) -> dict[str, Any]:
    result = compute("volume", "create", "--size", "1", *args, name, "-f", "json")
    assert result.rc == 0, result.err
    made: dict[str, Any] = result.json()
    return made


def shown(compute: Runner, name: str) -> dict[str, Any]:
    result = compute("volume", "show", name, "-f", "json")
    assert result.rc == 0, result.err
    found: dict[str, Any] = result.json()
    return found


# -- attach / detach --------------------------------------------------------------------


def test_add_volume_answers_as_nova_and_the_volume_is_in_use(compute: Runner) -> None:
    srv = server(compute, "web", "--image", "cirros")
    vol = volume(compute, "data")
    result = compute("server", "add", "volume", "web", "data", "-f", "json")
    assert result.rc == 0, result.err
    # Not sorted: the real client's column order.
    assert list(result.json().items()) == [
        ("ID", vol["id"]), ("Server ID", srv["id"]), ("Volume ID", vol["id"]),
        ("Device", "/dev/vdb"), ("Tag", None), ("Delete On Termination", False)]
    data = shown(compute, "data")
    assert data["status"] == "in-use"
    [attachment] = data["attachments"]
    assert {k: attachment[k] for k in ("id", "volume_id", "server_id", "host_name",
                                       "device")} == {
        "id": vol["id"], "volume_id": vol["id"], "server_id": srv["id"],
        "host_name": "localhost", "device": "/dev/vdb"}
    assert compute("server", "show", "web", "-f", "json").json()["volumes_attached"] == [
        {"id": vol["id"], "delete_on_termination": False}]
    rows = compute("server", "volume", "list", "web", "-f", "json").json()
    assert rows == [{"Device": "/dev/vdb", "Server ID": srv["id"], "Volume ID": vol["id"],
                     "Tag": None, "Delete On Termination?": False,
                     "Attachment ID": attachment["attachment_id"],
                     "BlockDeviceMapping UUID": rows[0]["BlockDeviceMapping UUID"]}]
    # The volume list names the server (and leaves a space after each attachment).
    table = compute("volume", "list", "-c", "Attached to").out.splitlines()
    assert table[3] == "| Attached to web on /dev/vdb  |"


def test_the_next_volume_is_the_next_virtio_disk(compute: Runner) -> None:
    server(compute, "web", "--image", "cirros")
    for name in ("a", "b", "c"):
        volume(compute, name)
    devices = [compute("server", "add", "volume", "web", name, "-f", "value", "-c",
                       "Device").out.strip() for name in ("a", "b")]
    assert devices == ["/dev/vdb", "/dev/vdc"]
    # A device name libvirt cannot honour is Nova's pick instead; a free one is taken.
    assert compute("server", "add", "volume", "--device", "/dev/vdf", "--tag", "logs",
                   "--enable-delete-on-termination", "web", "c", "-f", "json").json() == {
        "ID": shown(compute, "c")["id"], "Server ID": shown(compute, "c")["attachments"][0][
            "server_id"], "Volume ID": shown(compute, "c")["id"], "Device": "/dev/vdf",
        "Tag": "logs", "Delete On Termination": True}


def test_attach_refusals(compute: Runner, store_snapshot) -> None:  # type: ignore[no-untyped-def]
    srv = server(compute, "web", "--image", "cirros")
    server(compute, "db", "--image", "cirros")
    vol = volume(compute, "data")
    assert compute("server", "add", "volume", "web", "data").rc == 0
    before = store_snapshot()
    for args, error in (
        (("db", "data"), f"Invalid volume: volume {vol['id']} is already attached to "
                         f"instances: {srv['id']}"),
        (("web", "nosuch"), "No Volume found for nosuch"),
        (("nosuch", "data"), "No Server found for nosuch"),
        (("--device", "vdx", "db", "data"), "The supplied device path (vdx) is invalid."),
    ):
        result = compute("server", "add", "volume", *args)
        assert (result.rc, result.err) == (1, error + "\n"), args
    assert store_snapshot() == before
    volume(compute, "broken")
    assert compute("volume", "set", "--state", "error", "broken").rc == 0
    result = compute("server", "add", "volume", "db", "broken")
    assert result.err == (f"Invalid volume: Volume {shown(compute, 'broken')['id']} status must "
                          "be available or downloading to reserve, but the current status is "
                          "error.\n")


def test_an_attached_volume_is_not_deleted_and_detaches(compute: Runner) -> None:
    srv = server(compute, "web", "--image", "cirros")
    vol = volume(compute, "data")
    assert compute("server", "add", "volume", "web", "data").rc == 0
    refused = compute("volume", "delete", "data")
    assert refused.err.startswith("Failed to delete volume with name or ID 'data': Invalid "
                                  "volume: Volume status must be available or error")
    refused = compute("volume", "delete", "--force", "data")
    assert "Invalid volume: Volume  must not be migrating, attached" in refused.err
    snap = compute("volume", "snapshot", "create", "--volume", "data", "s")
    assert snap.err == (f"Invalid volume: Volume {vol['id']} status must be available, but "
                        "current status is: in-use.\n")
    result = compute("server", "remove", "volume", "web", "data")
    assert (result.rc, result.out, result.err) == (0, "", "")
    assert (shown(compute, "data")["status"], shown(compute, "data")["attachments"]) == (
        "available", [])
    assert compute("server", "volume", "list", "web", "-f", "json").json() == []
    again = compute("server", "remove", "volume", "web", "data")
    assert again.err == f"Instance {srv['id']} is not attached to volume {vol['id']}\n"
    assert compute("volume", "delete", "data").rc == 0


def test_a_locked_server_refuses_others(compute: Runner) -> None:
    srv = server(compute, "web", "--image", "cirros")
    volume(compute, "data")
    assert compute("server", "lock", "web").rc == 0
    assert compute("server", "add", "volume", "web", "data").rc == 0  # admins may
    assert compute("server", "remove", "volume", "web", "data").rc == 0
    assert srv["id"]


def test_server_delete_detaches_or_deletes_as_the_mapping_says(compute: Runner) -> None:
    server(compute, "web", "--image", "cirros")
    volume(compute, "kept")
    volume(compute, "doomed")
    assert compute("server", "add", "volume", "web", "kept").rc == 0
    assert compute("server", "add", "volume", "--enable-delete-on-termination", "web",
                   "doomed").rc == 0
    assert compute("server", "delete", "web").rc == 0
    names = compute("volume", "list", "-f", "value", "-c", "Name", "-c", "Status").out
    assert names == "kept available\n"


def test_attach_and_detach_record_instance_actions(compute: Runner) -> None:
    server(compute, "web", "--image", "cirros")
    volume(compute, "data")
    assert compute("server", "add", "volume", "web", "data").rc == 0
    assert compute("server", "remove", "volume", "web", "data").rc == 0
    actions = [r["Action"] for r in compute("server", "event", "list", "web",
                                            "-f", "json").json()]
    assert actions[:2] == ["detach_volume", "attach_volume"]


# -- boot from volume -------------------------------------------------------------------


def test_boot_from_volume_makes_the_root_volume_and_keeps_it(compute: Runner,
                                                             ostack_home: Path) -> None:
    made = server(compute, "bfv", "--image", "cirros", "--boot-from-volume", "1")
    assert made["image"] == "N/A (booted from volume)"
    srv = compute("server", "show", "bfv", "-f", "json").json()
    [root] = srv["volumes_attached"]
    assert root["delete_on_termination"] is False
    rows = compute("server", "volume", "list", "bfv", "-f", "json").json()
    assert [(r["Device"], r["Volume ID"]) for r in rows] == [("/dev/vda", root["id"])]
    vol = shown(compute, root["id"])
    assert (vol["name"], vol["status"], vol["bootable"], vol["size"]) == ("", "in-use", True, 1)
    assert vol["volume_image_metadata"]["image_name"] == "cirros"
    listed = compute("server", "list", "-f", "json").json()
    assert listed[0]["Image"] == "N/A (booted from volume)"
    # The guest has no disk of its own: the volume is its first.
    instance = ostack_home.with_name(ostack_home.name + "-host") / "instances" / made["id"]
    assert not (instance / "disk").exists()
    refused = compute("server", "remove", "volume", "bfv", root["id"])
    assert refused.err == "Cannot detach a root device volume\n"
    assert compute("server", "delete", "bfv").rc == 0
    assert shown(compute, root["id"])["status"] == "available"


def test_boot_from_volume_deleted_on_termination_when_asked(compute: Runner) -> None:
    server(compute, "bfv", "--image", "cirros", "--boot-from-volume", "1",
           "--delete-on-termination")
    assert compute("server", "delete", "bfv").rc == 0
    assert compute("volume", "list", "-f", "json").json() == []


def test_boot_from_an_existing_volume_or_snapshot(compute: Runner) -> None:
    volume(compute, "boot", "--image", "cirros")
    made = server(compute, "fromvol", "--volume", "boot")
    assert made["image"] == "N/A (booted from volume)"
    assert compute("server", "volume", "list", "fromvol", "-f", "value",
                   "-c", "Device").out == "/dev/vda\n"
    assert compute("server", "delete", "fromvol").rc == 0
    assert compute("volume", "snapshot", "create", "--volume", "boot", "snap").rc == 0
    server(compute, "fromsnap", "--snapshot", "snap")
    rows = compute("server", "volume", "list", "fromsnap", "-f", "json").json()
    made_volume = shown(compute, rows[0]["Volume ID"])
    assert (made_volume["snapshot_id"], made_volume["bootable"]) == (
        compute("volume", "snapshot", "show", "snap", "-f", "value", "-c", "id").out.strip(),
        True)


def test_block_devices_beside_the_image(compute: Runner) -> None:
    data = volume(compute, "data")
    volume(compute, "logs")
    made = server(compute, "web", "--image", "cirros",
                  "--block-device", f"uuid={data['id']},source_type=volume,"
                                    "destination_type=volume,delete_on_termination=true",
                  "--block-device-mapping", "vdc=logs")
    # In the real client's order: the older form's mappings before --block-device's.
    rows = compute("server", "volume", "list", "web", "-f", "json").json()
    assert [(r["Volume ID"], r["Device"], r["Delete On Termination?"]) for r in rows] == [
        (shown(compute, "logs")["id"], "/dev/vdc", False), (data["id"], "/dev/vdb", True)]
    assert made["image"].startswith("cirros (")


@pytest.mark.parametrize(("args", "error"), [
    (("--image", "cirros", "--swap", "512"),
     "Swap drive requested is larger than instance type allows."),
    (("--image", "cirros", "--ephemeral", "size=1"),
     "Ephemeral disks requested are larger than the instance type allows. If no size is "
     "given in one block device mapping, flavor ephemeral size will be used."),
    (("--volume", "plain"), "Block Device {plain} is not bootable."),
    ((), "An image (--image, --image-property) or bootable volume (--volume, --snapshot, "
         "--block-device) is required"),
    (("--image", "cirros", "--delete-on-termination"),
     "--delete-on-termination can only be used with --boot-from-volume"),
    (("--volume", "plain", "--boot-from-volume", "1"),
     "--volume is not allowed with --boot-from-volume"),
    (("--block-device", "uuid=nosuch,source_type=volume,boot_index=0"),
     "Block Device Mapping is Invalid: failed to get volume nosuch."),
    (("--image", "cirros", "--block-device-mapping", "vdb=nosuch"),
     "No Volume found for nosuch"),
    (("--block-device", "boot_index=x"),
     "The boot_index key of --block-device should be an integer"),
    (("--block-device", "source_type=nosuch"),
     "The source_type key of --block-device should be one of: volume, image, snapshot, "
     "blank"),
    (("--block-device", "source_type=volume,delete_on_termination=maybe"),
     "The delete_on_termination key of --block-device should be a boolean-like value"),
    (("--image", "cirros", "--block-device",
      "uuid={plain},source_type=volume,destination_type=volume,boot_index=0"),
     "Block Device Mapping is Invalid: Boot sequence for the instance and image/block device "
     "mapping combination is not valid."),
    (("--image", "cirros", "--boot-from-volume", "1", "--max", "2", "--block-device",
      "uuid={plain},source_type=volume"),
     "Cannot attach one or more volumes to multiple instances"),
])
def test_create_refusals(compute: Runner, store_snapshot,  # type: ignore[no-untyped-def]
                         args: tuple[str, ...], error: str) -> None:
    plain = volume(compute, "plain")["id"]
    before = store_snapshot()
    args = tuple(a.replace("{plain}", plain) for a in args)
    result = compute("server", "create", "--flavor", "m1.tiny", *args, "--nic", "none", "x")
    assert (result.rc, result.err) == (1, error.replace("{plain}", plain) + "\n")
    assert store_snapshot() == before


def test_the_legacy_mapping_form_is_checked_as_the_real_client_does(
    compute: Runner, capsys: pytest.CaptureFixture[str]
) -> None:
    result = compute("server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                     "--block-device-mapping", "vdb", "x")
    assert result.rc == 2
    assert ("argument --block-device-mapping: Invalid argument vdb; argument must be of form "
            "'dev-name=id[:type[:size[:delete-on-terminate]]]'") in capsys.readouterr().err
    result = compute("server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                     "--block-device-mapping", "vdb=x:disk", "x")
    assert result.rc == 2
    assert "'type' must be one of: volume, snapshot, image" in capsys.readouterr().err


# -- image create --volume --------------------------------------------------------------


def test_image_create_from_a_volume(compute: Runner) -> None:
    vol = volume(compute, "data")
    result = compute("image", "create", "--volume", "data", "--disk-format", "qcow2",
                     "fromvol", "-f", "json")
    assert result.rc == 0, result.err
    answer = result.json()
    assert {k: v for k, v in answer.items() if k not in ("image_id", "updated_at")} == {
        "container_format": "bare", "disk_format": "qcow2", "display_description": None,
        "id": vol["id"], "image_name": "fromvol", "protected": False, "size": 1,
        "status": "uploading", "visibility": "private", "volume_type": "__DEFAULT__"}
    image = compute("image", "show", answer["image_id"], "-f", "json").json()
    assert (image["name"], image["status"], image["disk_format"], image["min_disk"]) == (
        "fromvol", "active", "qcow2", 1)
    assert shown(compute, "data")["status"] == "available"
    # An attached volume needs --force (which the real client also warns it does not take).
    server(compute, "web", "--image", "cirros")
    assert compute("server", "add", "volume", "web", "data").rc == 0
    refused = compute("image", "create", "--volume", "data", "inuse")
    assert refused.err == f"Invalid volume: Volume {vol['id']} status must be available\n"
    forced = compute("image", "create", "--volume", "data", "--force", "inuse", "-f", "json")
    assert forced.rc == 0, forced.err
    assert forced.err == ("'--force' was given, which is not supported when creating an image "
                          "from a volume. This will be an error in a future version.\n")


def test_a_volume_cinder_refuses_fails_the_build_as_nova_does(compute: Runner) -> None:
    # Nova asks Cinder for the volume only once the server is recorded: the server is ERROR,
    # with Nova's BuildAbortException as its fault.
    assert compute("quota", "set", "--volumes", "0", "admin").rc == 0
    made = server(compute, "bfv", "--image", "cirros", "--boot-from-volume", "1")
    shown = compute("server", "show", "bfv", "-f", "json").json()
    assert shown["status"] == "ERROR"
    assert shown["fault"]["message"] == (
        f"Build of instance {made['id']} aborted: VolumeLimitExceeded: Maximum number of "
        "volumes allowed (0) exceeded for quota 'volumes'.")
    assert compute("volume", "list", "-f", "json").json() == []
    assert compute("server", "delete", "bfv").rc == 0


def test_an_attached_volume_is_extended_in_use(compute: Runner) -> None:
    # Cinder 3.42+ extends in-use volumes (QEMU grows the disk inside the running guest).
    server(compute, "web", "--image", "cirros")
    volume(compute, "data")
    assert compute("server", "add", "volume", "web", "data").rc == 0
    assert compute("volume", "set", "--size", "2", "data").rc == 0
    assert (shown(compute, "data")["size"], shown(compute, "data")["status"]) == (2, "in-use")


def test_a_stopped_server_takes_a_volume_for_its_next_boot(compute: Runner) -> None:
    server(compute, "web", "--image", "cirros")
    volume(compute, "data")
    assert compute("server", "stop", "web").rc == 0
    assert compute("server", "add", "volume", "web", "data").rc == 0
    assert shown(compute, "data")["status"] == "in-use"
    assert compute("server", "start", "web").rc == 0
    assert compute("server", "volume", "list", "web", "-f", "value",
                   "-c", "Device").out == "/dev/vdb\n"
