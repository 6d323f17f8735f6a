"""server create/list/show/delete and actions, with the real command layer and store."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import Runner


def create(cli: Runner, name: str = "Host2", *extra: str) -> dict:  # type: ignore[type-arg]
    result = cli("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                 "--nic", "net-id=private", *extra, name, "-f", "json")
    assert result.rc == 0, result.err
    return result.json()  # type: ignore[no-any-return]


def test_create_boots_and_shows_what_nova_shows(compute: Runner) -> None:
    server = create(compute, "Host2", "--wait")
    assert server["status"] == "ACTIVE"
    assert server["OS-EXT-STS:vm_state"] == "active"
    assert server["OS-EXT-STS:power_state"] == 1
    assert server["OS-EXT-STS:task_state"] is None
    assert server["addresses"] == {"private": ["10.0.0.2"]}
    assert server["flavor"]["original_name"] == "m1.tiny"
    assert server["image"].startswith("cirros (")
    assert server["security_groups"] == [{"name": "default"}]
    # ostack-<the store's tag>-<id>: two stores on one host never share a guest name.
    assert re.fullmatch(rf"ostack-[0-9a-f]{{3}}-{server['id']}",
                        server["OS-EXT-SRV-ATTR:instance_name"])
    assert server["OS-EXT-SRV-ATTR:hostname"] == "host2"
    assert len(server["adminPass"]) == 12
    # The real client shows a new server as Nova's create answer updated with only the
    # non-empty values Nova shows next: empty ones print null; empty lists and dicts stay.
    assert {k: server[k] for k in (
        "OS-EXT-SRV-ATTR:kernel_id", "OS-EXT-SRV-ATTR:ramdisk_id", "OS-EXT-SRV-ATTR:launch_index",
        "accessIPv4", "accessIPv6", "locked", "progress", "server_groups", "description",
        "OS-DCF:diskConfig", "OS-EXT-AZ:availability_zone", "config_drive", "tags",
        "properties", "volumes_attached", "scheduler_hints",
    )} == {
        "OS-EXT-SRV-ATTR:kernel_id": None, "OS-EXT-SRV-ATTR:ramdisk_id": None,
        "OS-EXT-SRV-ATTR:launch_index": None, "accessIPv4": None, "accessIPv6": None,
        "locked": None, "progress": None, "server_groups": None, "description": None,
        "OS-DCF:diskConfig": "MANUAL", "OS-EXT-AZ:availability_zone": "nova",
        "config_drive": None, "tags": [], "properties": {}, "volumes_attached": [],
        "scheduler_hints": {},
    }
    shown = compute("server", "show", server["id"], "-f", "json").json()
    assert "adminPass" not in shown
    assert shown["id"] == server["id"]
    # Shown later, the same server has its values.
    assert {k: shown[k] for k in (
        "OS-EXT-SRV-ATTR:kernel_id", "OS-EXT-SRV-ATTR:launch_index", "locked", "progress",
        "server_groups", "OS-EXT-SRV-ATTR:root_device_name",
    )} == {
        "OS-EXT-SRV-ATTR:kernel_id": "", "OS-EXT-SRV-ATTR:launch_index": 0, "locked": False,
        "progress": 0, "server_groups": [], "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
    }
    # No config drive unless asked for (Nova's force_config_drive is off): Nova's "".
    assert shown["config_drive"] == ""
    table = compute("server", "show", server["id"]).out
    assert "| server_groups                       | []" in table
    # By name, Nova's list view is what openstacksdk finds: it carries no server groups.
    by_name = compute("server", "show", "Host2", "-f", "json").json()
    assert by_name["server_groups"] is None
    assert "| server_groups                       | None" in compute("server", "show",
                                                                     "Host2").out
    port = compute("port", "list", "--device-id", server["id"], "-f", "json").json()
    assert len(port) == 1


def test_a_config_drive_only_when_asked_for_or_the_image_mandates_it(
    compute: Runner, ostack_home: Path, store_snapshot  # type: ignore[no-untyped-def]
) -> None:
    # Nova's configdrive.required_by, force_config_drive off: without one the guest reads
    # the metadata service; the API shows "True" or "" (update_instance for the image's).
    instances = ostack_home.with_name(ostack_home.name + "-host") / "instances"
    plain = create(compute, "plain")
    asked = create(compute, "asked", "--config-drive", "True")
    spelled = create(compute, "spelled", "--config-drive", "yes")
    declined = create(compute, "declined", "--config-drive", "none")
    assert compute("image", "set", "--property", "img_config_drive=mandatory",
                   "cirros").rc == 0
    mandated = create(compute, "mandated", "--no-config-drive")
    for server, drive in ((plain, ""), (asked, "True"), (spelled, "True"), (declined, ""),
                          (mandated, "True")):
        shown = compute("server", "show", server["id"], "-f", "json").json()
        assert shown["config_drive"] == drive, server["name"]
        assert (instances / server["id"] / "disk.config").exists() == bool(drive)
    # Anything else goes to Nova, whose schema takes booleans only (a volume is no drive).
    before = store_snapshot()
    refused = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                      "--config-drive", "myvol", "bad")
    assert (refused.rc, refused.err) == (1, (
        "Invalid input for field/attribute config_drive. Value: myvol. 'myvol' is not one of "
        "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
        "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']\n"))
    assert store_snapshot() == before


def test_list_columns_and_order(compute: Runner) -> None:
    first, second = create(compute, "a"), create(compute, "b")
    rows = compute("server", "list", "-f", "json").json()
    assert [r["ID"] for r in rows] == [second["id"], first["id"]]  # newest first
    assert list(rows[0]) == ["ID", "Name", "Status", "Networks", "Image", "Flavor"]
    assert rows[0]["Networks"] == {"private": ["10.0.0.3"]}
    assert (rows[0]["Image"], rows[0]["Flavor"]) == ("cirros", "m1.tiny")
    long = compute("server", "list", "--long", "-f", "json").json()
    assert list(long[0])[:9] == ["ID", "Name", "Status", "Task State", "Power State",
                                 "Networks", "Image Name", "Image ID", "Flavor"]
    table = compute("server", "list").out
    assert "| private=10.0.0.3 |" in table
    assert compute("server", "list", "--name", "^a$", "-f", "value", "-c", "Name").out == "a\n"
    assert compute("server", "list", "--ip", r"10\.0\.0\.3", "-f", "value",
                   "-c", "Name").out == "b\n"
    assert compute("server", "list", "--status", "shutoff", "-f", "value").out == ""
    assert compute("server", "list", "--limit", "1", "-f", "value", "-c", "Name").out == "b\n"


def test_power_actions_follow_novas_states(compute: Runner) -> None:
    create(compute, "vm")

    def status() -> str:
        return compute("server", "show", "vm", "-f", "value", "-c", "status").out.strip()

    for args, expected in [
        (["stop"], "SHUTOFF"), (["start"], "ACTIVE"), (["pause"], "PAUSED"),
        (["unpause"], "ACTIVE"), (["suspend"], "SUSPENDED"), (["resume"], "ACTIVE"),
        (["reboot", "--hard"], "ACTIVE"), (["reboot"], "ACTIVE"),
    ]:
        result = compute("server", *args, "vm")
        assert (result.rc, result.out, result.err) == (0, "", ""), (args, result.err)
        assert status() == expected, args
    compute("server", "stop", "vm")
    wrong = compute("server", "pause", "vm")
    assert wrong.rc == 1
    server_id = compute("server", "show", "vm", "-f", "value", "-c", "id").out.strip()
    assert wrong.err.strip() == (
        f"Cannot 'pause' instance {server_id} while it is in vm_state stopped")
    assert compute("server", "reboot", "--wait", "--hard", "vm").out == "Complete\n"


def test_stop_is_for_active_or_error_servers_only(compute: Runner) -> None:
    """Nova's ``stop``: ACTIVE or ERROR (a paused or suspended server is a 409)."""
    server_id = create(compute, "vm")["id"]
    for pause, state, resume in (("pause", "paused", "unpause"),
                                 ("suspend", "suspended", "resume")):
        assert compute("server", pause, "vm").rc == 0
        refused = compute("server", "stop", "vm")
        assert (refused.rc, refused.out, refused.err.strip()) == (
            1, "", f"Cannot 'stop' instance {server_id} while it is in vm_state {state}")
        shown = compute("server", "show", "vm", "-f", "json").json()
        assert (shown["OS-EXT-STS:vm_state"], shown["OS-EXT-STS:task_state"]) == (state, None)
        assert compute("server", resume, "vm").rc == 0
    assert compute("server", "stop", "vm").rc == 0


def test_vanished_guest_shows_as_it_is_and_start_brings_it_back(compute: Runner) -> None:
    from ostack_cli.backend.local.hypervisor import Hypervisor

    server = create(compute, "ghost")
    Hypervisor("test:///default").undefine(server["OS-EXT-SRV-ATTR:instance_name"])
    shown = compute("server", "show", "ghost", "-f", "json").json()
    assert (shown["status"], shown["OS-EXT-STS:power_state"]) == ("SHUTOFF", 0)
    assert compute("server", "start", "ghost").rc == 0
    assert compute("server", "show", "ghost", "-f", "value", "-c", "status").out == "ACTIVE\n"


def test_delete_releases_everything(compute: Runner, store_snapshot) -> None:  # type: ignore[no-untyped-def]
    server = create(compute, "gone")
    result = compute("server", "delete", "gone", "--wait")
    assert (result.rc, result.out) == (0, "")
    assert compute("server", "show", "gone").err.strip() == "No Server found for gone"
    assert compute("port", "list", "--device-id", server["id"], "-f", "value").out == ""
    deleted = compute("server", "list", "--deleted", "-f", "json").json()
    assert [(d["ID"], d["Status"]) for d in deleted] == [(server["id"], "DELETED")]
    # Its address is free again: the next server gets it.
    assert create(compute, "next")["addresses"] == {"private": ["10.0.0.2"]}
    both = compute("server", "delete", "next", "nosuch")
    assert both.rc == 1
    assert both.err.splitlines() == [
        "Failed to delete server with name or ID 'nosuch': No Server found for nosuch",
        "1 of 2 servers failed to delete.",
    ]


def test_quota_is_enforced_atomically(compute: Runner, store_snapshot) -> None:  # type: ignore[no-untyped-def]
    compute("quota", "set", "--instances", "2", "admin")
    create(compute, "one")
    before = store_snapshot()
    result = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                     "--min", "2", "--max", "3", "x")
    assert result.rc == 1
    assert result.err.strip() == (
        "Quota exceeded for instances: Requested 2, but already used 1 of 2 instances")
    assert store_snapshot() == before
    # --max takes what fits.
    result = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                     "--max", "3", "many", "-f", "json")
    assert result.rc == 0, result.err
    names = compute("server", "list", "-f", "value", "-c", "Name").out.split()
    assert sorted(names) == ["many", "one"]


def test_min_max_names_servers_like_nova(compute: Runner) -> None:
    result = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                     "--min", "2", "--max", "2", "web")
    assert result.rc == 0, result.err
    names = compute("server", "list", "-f", "value", "-c", "Name").out.split()
    assert sorted(names) == ["web-1", "web-2"]


def test_bad_requests_change_nothing(compute: Runner, tmp_path: Path,
                                     store_snapshot) -> None:  # type: ignore[no-untyped-def]
    compute("security", "group", "list")  # Neutron makes the default group on first sight
    before = store_snapshot()
    cases = [
        (["--image", "nosuch", "--flavor", "m1.tiny"], 1, "No Image found for nosuch"),
        (["--image", "cirros", "--flavor", "nosuch"], 1, "No Flavor found for nosuch"),
        # The real client finds networks and groups itself (openstacksdk's words).
        (["--image", "cirros", "--flavor", "m1.tiny", "--nic", "net-id=nosuch"], 1,
         "No Network found for nosuch"),
        (["--image", "cirros", "--flavor", "m1.tiny", "--network", "nosuch"], 1,
         "No Network found for nosuch"),
        (["--image", "cirros", "--flavor", "m1.tiny", "--key-name", "nokey"], 1,
         "Invalid key_name provided."),
        (["--image", "cirros", "--flavor", "m1.tiny", "--user-data", str(tmp_path / "no")], 1,
         f"Can't open '{tmp_path / 'no'}'"),
        (["--image", "cirros", "--flavor", "m1.tiny", "--security-group", "nosg"], 1,
         "No SecurityGroup found for nosg"),
        (["--image", "cirros", "--flavor", "m1.tiny", "--min", "3", "--max", "2"], 1,
         "min instances should be <= max instances"),
    ]
    for args, rc, message in cases:
        result = compute("server", "create", *args, "bad")
        assert result.rc == rc, (args, result.err)
        assert result.err.startswith(message), (args, result.err)
    assert compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                   "--nic", "net-id=private,bogus=1", "bad").rc == 2
    assert compute("server", "create", "--image", "cirros", "bad").rc == 2
    assert store_snapshot() == before


def test_image_larger_than_flavor_disk(compute: Runner, tmp_path: Path) -> None:
    import subprocess

    big = tmp_path / "big.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(big), "2G"], check=True)
    compute("image", "create", "--file", str(big), "--disk-format", "qcow2", "big")
    result = compute("server", "create", "--image", "big", "--flavor", "m1.tiny", "x")
    assert result.rc == 1
    assert result.err.strip() == (
        "Flavor's disk is too small for requested image. Flavor disk is 1073741824 bytes, "
        "image is 2147483648 bytes.")


def test_set_unset_and_security_groups(compute: Runner) -> None:
    create(compute, "vm")
    assert compute("server", "set", "--name", "vm2", "--property", "a=1",
                   "--description", "d", "vm").out == ""
    shown = compute("server", "show", "vm2", "-f", "json").json()
    assert (shown["properties"], shown["description"]) == ({"a": "1"}, "d")
    assert compute("server", "unset", "--property", "a", "vm2").rc == 0
    assert compute("server", "show", "vm2", "-f", "json").json()["properties"] == {}
    compute("security", "group", "create", "web")
    assert compute("server", "add", "security", "group", "vm2", "web").rc == 0
    groups = compute("server", "show", "vm2", "-f", "json").json()["security_groups"]
    assert sorted(g["name"] for g in groups) == ["default", "web"]
    again = compute("server", "add", "security", "group", "vm2", "web")
    assert again.rc == 1
    assert compute("server", "remove", "security", "group", "vm2", "web").rc == 0


def test_console_log_of_a_server_without_output(compute: Runner) -> None:
    create(compute, "quiet")
    result = compute("console", "log", "show", "quiet")
    assert (result.rc, result.out) == (0, "")


def test_a_build_whose_process_died_is_settled_as_nova_does(compute: Runner) -> None:
    """A create killed mid-way leaves a BUILD record; the next command sees and settles it."""
    import subprocess
    import sys

    from ostack_cli.backend.local import LocalBackend
    from ostack_cli.backend.models.server import Server

    server = create(compute, "crashed")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    backend = LocalBackend.open()
    try:
        record = backend.store.get(Server, server["id"])
        assert record is not None
        with backend.store.transaction():
            backend.store.update(record.replace(vm_state="building", task_state="spawning",
                                                worker_pid=dead.pid))
        backend.host.hypervisor.undefine(record.instance_name)
    finally:
        backend.close()
    shown = compute("server", "show", "crashed", "-f", "json").json()
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ERROR", None)
    assert "interrupted" in shown["fault"]["message"]
    assert compute("server", "delete", "crashed").rc == 0


def test_a_delete_whose_process_died_is_finished_by_the_next_command(compute: Runner) -> None:
    import subprocess
    import sys

    from ostack_cli.backend.local import LocalBackend
    from ostack_cli.backend.models.server import Server

    server = create(compute, "halfgone")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    backend = LocalBackend.open()
    try:
        record = backend.store.get(Server, server["id"])
        assert record is not None
        with backend.store.transaction():
            backend.store.update(record.replace(task_state="deleting", worker_pid=dead.pid))
    finally:
        backend.close()
    # As nova-compute's _init_instance: a delete whose worker died is completed.
    assert compute("server", "list", "-f", "value").out == ""
    assert compute("server", "show", "halfgone").rc == 1
    assert compute("server", "list", "--deleted", "-f", "value", "-c", "Name").out == (
        "halfgone\n")
