"""Block storage through ``ostack api serve`` with the real python-openstackclient and with
openstacksdk: each answer the same as ``ostack`` gives on the local backend for the same
store, refusals in the real client's words, a refused command changing nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.api.conftest import ApiServer
from tests.api.test_clients import real
from tests.api.test_walkthrough import quiet, same

pytestmark = pytest.mark.slow


def failing(api_server: ApiServer, binary: Path, *args: str,
            cloud: str = "ostack") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    done = subprocess.run([str(binary), "--os-cloud", cloud, *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 1, done.stdout
    return done


def test_real_client_volumes(api_server: ApiServer, real_openstack: Path,
                             tmp_path: Path) -> None:
    osc = real_openstack
    made = real(api_server, osc, "volume", "create", "--size", "1", "--property", "a=b",
                "--description", "first", "v1")
    assert (made["status"], made["size"], made["properties"]) == ("creating", 1, {"a": "b"})
    same(api_server, osc, "volume", "show", "v1")
    same(api_server, osc, "volume", "list")
    same(api_server, osc, "volume", "list", "--long")
    same(api_server, osc, "volume", "type", "list")
    same(api_server, osc, "volume", "type", "show", "__DEFAULT__")
    same(api_server, osc, "availability", "zone", "list", "--volume")
    same(api_server, osc, "limits", "show", "--absolute")
    quota = same(api_server, osc, "quota", "show")
    assert {"Resource": "volumes", "Limit": 10} in quota
    same(api_server, osc, "quota", "show", "--usage")
    quiet(api_server, osc, "quota", "set", "--volumes", "5", "--gigabytes", "50", "demo")
    assert {"Resource": "volumes", "Limit": 5} in same(api_server, osc, "quota", "show",
                                                       "demo")
    same(api_server, osc, "quota", "list", "--volume")
    quiet(api_server, osc, "quota", "set", "--volumes", "10", "--gigabytes", "1000", "demo")

    quiet(api_server, osc, "volume", "set", "--name", "v1b", "--description", "d",
          "--property", "c=d", "--bootable", "--size", "2", "v1")
    quiet(api_server, osc, "volume", "unset", "--property", "a", "v1b")
    shown = same(api_server, osc, "volume", "show", "v1b")
    assert (shown["size"], shown["bootable"], shown["properties"]) == (2, True, {"c": "d"})

    snapshot = real(api_server, osc, "volume", "snapshot", "create", "--volume", "v1b", "s1")
    assert snapshot["status"] == "creating"
    same(api_server, osc, "volume", "snapshot", "show", "s1")
    same(api_server, osc, "volume", "snapshot", "list")
    same(api_server, osc, "volume", "snapshot", "list", "--long")
    quiet(api_server, osc, "volume", "snapshot", "set", "--name", "s2", "--property",
          "x=y", "s1")
    same(api_server, osc, "volume", "snapshot", "show", "s2")
    real(api_server, osc, "volume", "create", "--snapshot", "s2", "from-snapshot")
    same(api_server, osc, "volume", "show", "from-snapshot")

    uploaded = real(api_server, osc, "image", "create", "--volume", "from-snapshot",
                    "--disk-format", "qcow2", "from-volume")
    assert (uploaded["image_name"], uploaded["status"]) == ("from-volume", "uploading")
    image = same(api_server, osc, "image", "show", "from-volume")
    assert (image["status"], image["disk_format"]) == ("active", "qcow2")
    quiet(api_server, osc, "image", "delete", "from-volume")

    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 1024 * 1024)
    real(api_server, osc, "image", "create", "--file", str(disk), "--disk-format", "raw",
         "--container-format", "bare", "boot-image")
    from_image = real(api_server, osc, "volume", "create", "--size", "1", "--image",
                      "boot-image", "bootable")
    assert (from_image["status"], from_image["bootable"]) == ("creating", False)
    booting = same(api_server, osc, "volume", "show", "bootable")
    assert booting["bootable"] is True
    assert booting["volume_image_metadata"]["image_name"] == "boot-image"
    same(api_server, osc, "volume", "list", "--all-projects")
    quiet(api_server, osc, "volume", "delete", "bootable")
    quiet(api_server, osc, "image", "delete", "boot-image")

    # Refusals: in Cinder's words through the real client, nothing changed.
    before = api_server.records()
    missing = failing(api_server, osc, "volume", "show", "nope")
    assert missing.stderr.strip() == "No Volume found for nope"
    too_small = failing(api_server, osc, "volume", "create", "--size", "0", "x")
    assert "Invalid input for field/attribute size. Value: 0. 0 is less than the minimum " \
        "of 1" in too_small.stderr
    assert too_small.stderr.startswith("BadRequestException: 400: Client Error for url: ")
    busy = failing(api_server, osc, "volume", "delete", "v1b")
    assert "Invalid volume: Volume status must be available or error" in busy.stderr
    assert api_server.records() == before

    quiet(api_server, osc, "volume", "snapshot", "delete", "s2")
    quiet(api_server, osc, "volume", "delete", "v1b", "from-snapshot")
    assert same(api_server, osc, "volume", "list") == []


def test_real_client_member_refusals(api_server: ApiServer, real_openstack: Path) -> None:
    osc = real_openstack
    made = real(api_server, osc, "volume", "create", "--size", "1", "mine",
                cloud="ostack-demo")
    try:
        before = api_server.records()
        refused = failing(api_server, osc, "volume", "set", "--state", "error", "mine",
                          cloud="ostack-demo")
        assert "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to " \
            "be performed." in refused.stderr
        assert api_server.records() == before
    finally:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
        subprocess.run([str(osc), "--os-cloud", "ostack-demo", "volume", "delete",
                        made["id"]], env=env, capture_output=True, timeout=120, check=True)


def test_real_client_server_volumes(api_server: ApiServer, real_openstack: Path,
                                    tmp_path: Path) -> None:
    osc = real_openstack
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 1024 * 1024)
    real(api_server, osc, "image", "create", "--file", str(disk), "--disk-format", "raw",
         "--container-format", "bare", "volume-image")
    server = real(api_server, osc, "server", "create", "--image", "volume-image", "--flavor",
                  "m1.tiny", "--network", "private", "--wait", "with-volume")
    real(api_server, osc, "volume", "create", "--size", "1", "data")
    try:
        attached = real(api_server, osc, "server", "add", "volume", "with-volume", "data")
        assert (attached["Server ID"], attached["Device"]) == (server["id"], "/dev/vdb")
        same(api_server, osc, "server", "volume", "list", "with-volume")
        in_use = same(api_server, osc, "volume", "show", "data")
        assert in_use["status"] == "in-use"
        same(api_server, osc, "volume", "list")
        quiet(api_server, osc, "server", "remove", "volume", "with-volume", "data")
        assert same(api_server, osc, "volume", "show", "data")["status"] == "available"
        assert same(api_server, osc, "server", "volume", "list", "with-volume") == []
    finally:
        quiet(api_server, osc, "server", "delete", "--wait", "with-volume")
        quiet(api_server, osc, "volume", "delete", "data")


def test_openstacksdk_block_storage(api_server: ApiServer) -> None:
    import openstack

    os.environ["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    try:
        conn = openstack.connect(cloud="ostack")
        volume = conn.block_storage.create_volume(size=1, name="sdk-volume",
                                                  metadata={"k": "v"})
        assert volume.status == "creating"
        volume = conn.block_storage.wait_for_status(volume, "available", wait=60)
        listed = {v.name: v for v in conn.block_storage.volumes()}
        assert listed["sdk-volume"].metadata == {"k": "v"}
        on_the_store = api_server.ostack("volume", "show", "sdk-volume", "-f", "value",
                                         "-c", "id")
        assert on_the_store.stdout.strip() == volume.id
        snapshot = conn.block_storage.create_snapshot(volume_id=volume.id, name="sdk-snap")
        conn.block_storage.wait_for_status(snapshot, "available", wait=60)
        assert [s.name for s in conn.block_storage.snapshots()] == ["sdk-snap"]
        assert [t.name for t in conn.block_storage.types()] == ["__DEFAULT__"]
        assert [z.name for z in conn.block_storage.availability_zones()] == ["nova"]
        assert conn.block_storage.get_limits().absolute.total_volumes_used == 1
        usage = conn.block_storage.get_quota_set(conn.current_project_id, usage=True).usage
        assert (usage["volumes"], usage["snapshots"], usage["gigabytes"]) == (1, 1, 2)
        conn.block_storage.extend_volume(volume, 2)
        assert conn.block_storage.get_volume(volume.id).size == 2
        conn.block_storage.delete_volume(volume, cascade=True)
        assert conn.block_storage.find_volume("sdk-volume") is None
        assert api_server.ostack("volume", "list", "-f", "value").stdout == ""
        # The cloud layer (what Ansible's openstack.cloud.volume module calls).
        made = conn.create_volume(1, name="cloud-layer", wait=True, timeout=60)
        assert conn.get_volume("cloud-layer")["status"] == "available"
        assert conn.delete_volume(made["id"], wait=True, timeout=60)
        assert conn.list_volumes() == []
        conn.close()
    finally:
        os.environ.pop("OS_CLIENT_CONFIG_FILE", None)
