"""Volumes with real guests: a volume a guest wrote to, detached live, attached live to
another guest, still holds the data; a snapshot keeps the data as it was; a server boots from
a volume and answers; a process killed during an attach or a volume create leaves a state the
next command (or ``host sync``) repairs."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.vm.conftest import Host
from tests.vm.test_article import outside
from tests.vm.test_nics_vm import Guest
from tests.vm.test_server_vm import wait_console

pytestmark = [pytest.mark.slow, pytest.mark.vm]

KILLED = -9
# What each guest writes at the start of the volume (the raw disk: no file system needed).
FIRST, SECOND = "ostack-volume-first-data", "ostack-volume-other-data"


def domain_disks(host: Host, server_id: str, *, inactive: bool = False) -> list[str]:
    """The files the guest's running (or persistent) definition has as disks."""
    argv = ["virsh", "-c", "qemu:///system", "dumpxml", host.names.domain(server_id)]
    if inactive:
        argv.append("--inactive")
    xml = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return re.findall(r"<source file='([^']+)'", xml)


def volume_file(host: Host, volume_id: str) -> str:
    return str(host.home.with_name(host.home.name + "-host") / "volumes" / f"volume-{volume_id}")


def wait_disk(guest: Guest, device: str, *, present: bool = True, timeout: float = 90) -> None:
    """Until the guest has (or no longer has) the block device."""
    deadline = time.monotonic() + timeout
    while True:
        there = guest.ssh(f"test -b {device}").returncode == 0
        if there == present:
            return
        assert time.monotonic() < deadline, (
            f"{device} {'never appeared in' if present else 'never left'} the guest")
        time.sleep(1)


def write(guest: Guest, device: str, text: str) -> None:
    done = guest.ssh(f"echo -n {text} | dd of={device} bs=512 conv=sync,fsync 2>/dev/null "
                     "&& sync")
    assert done.returncode == 0, done.stderr


def read(guest: Guest, device: str, length: int) -> str:
    done = guest.ssh(f"dd if={device} bs={length} count=1 2>/dev/null")
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def guests(host: Host, tmp_path: Path) -> Iterator[tuple[Guest, Guest]]:
    """Two guests reached as root over ssh through floating IPs."""
    host.ok("bootstrap")
    key = tmp_path / "id_ed25519"
    host.ok("keypair", "create", "--private-key", str(key), "mykey")
    group = next(g["ID"] for g in host.ok("security", "group", "list", "-f", "json").json()
                 if g["Name"] == "default")
    host.ok("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
            group)
    made = []
    for name in ("vm1", "vm2"):
        created = host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                          "--nic", "net-id=private", "--key-name", "mykey", name, "--wait",
                          "-f", "json").json()
        fip = host.ok("floating", "ip", "create", "External", "-f", "value", "-c",
                      "floating_ip_address").out.strip()
        host.ok("server", "add", "floating", "ip", name, fip)
        made.append((created["id"], fip))
    with outside(host) as world:
        pair = tuple(Guest(host, world, key, fip, server_id) for server_id, fip in made)
        for guest in pair:
            guest.reachable()
        yield pair[0], pair[1]
        host("server", "delete", "--wait", *host.ids("server"))
        for _, fip in made:
            host("floating", "ip", "delete", fip)


def test_data_follows_the_volume_from_guest_to_guest(guests: tuple[Guest, Guest]) -> None:
    first, second = guests
    host = first.host
    volume = host.ok("volume", "create", "--size", "1", "data", "-f", "json").json()
    path = volume_file(host, volume["id"])
    attached = host.ok("server", "add", "volume", "vm1", "data", "-f", "json").json()
    assert attached["Device"] == "/dev/vdb"
    # Live and in the persistent definition at once.
    assert path in domain_disks(host, first.server_id)
    assert path in domain_disks(host, first.server_id, inactive=True)
    wait_disk(first, "/dev/vdb")
    write(first, "/dev/vdb", FIRST)

    host.ok("server", "remove", "volume", "vm1", "data")
    wait_disk(first, "/dev/vdb", present=False)
    assert path not in domain_disks(host, first.server_id)
    assert path not in domain_disks(host, first.server_id, inactive=True)
    assert host.ok("volume", "show", "data", "-f", "value", "-c", "status").out == "available\n"

    host.ok("server", "add", "volume", "vm2", "data")
    wait_disk(second, "/dev/vdb")
    assert read(second, "/dev/vdb", len(FIRST)) == FIRST

    # A snapshot keeps the data as it was: the volume written again after it, a volume made
    # from the snapshot still has the first data.
    host.ok("server", "remove", "volume", "vm2", "data")
    wait_disk(second, "/dev/vdb", present=False)
    host.ok("volume", "snapshot", "create", "--volume", "data", "before")
    host.ok("server", "add", "volume", "vm2", "data")
    wait_disk(second, "/dev/vdb")
    write(second, "/dev/vdb", SECOND)
    host.ok("volume", "create", "--snapshot", "before", "restored")
    host.ok("server", "add", "volume", "vm1", "restored")
    wait_disk(first, "/dev/vdb")
    assert read(first, "/dev/vdb", len(FIRST)) == FIRST
    assert read(second, "/dev/vdb", len(SECOND)) == SECOND
    # Both detached with their servers' delete; the volumes stay.
    host.ok("server", "delete", "--wait", "vm1", "vm2")
    statuses = host.ok("volume", "list", "-f", "value", "-c", "Name", "-c", "Status").out
    assert sorted(statuses.splitlines()) == ["data available", "restored available"]
    host.ok("volume", "delete", "restored")
    host.ok("volume", "delete", "--purge", "data")
    assert not [line for line in host.inventory() if "volumes/" in line]


def test_boot_from_volume_answers_and_keeps_its_volume(host: Host) -> None:
    created = host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                      "--boot-from-volume", "1", "--nic", "net-id=private", "--wait", "bfv",
                      "-f", "json").json()
    assert (created["status"], created["image"]) == ("ACTIVE", "N/A (booted from volume)")
    wait_console(host, "bfv", "ostack-guest: ready", timeout=180)
    [root] = host.ok("server", "show", "bfv", "-f", "json").json()["volumes_attached"]
    path = volume_file(host, root["id"])
    # The volume is the guest's first disk; the guest has no disk of its own.
    assert domain_disks(host, created["id"])[0] == path
    assert not [line for line in host.inventory() if f"instances/{created['id']}/disk" in line]
    host.ok("server", "delete", "--wait", "bfv")
    assert host.ok("volume", "show", root["id"], "-f", "value", "-c",
                   "status").out == "available\n"
    assert f"file volumes/volume-{root['id']}" in host.inventory()
    host.ok("volume", "delete", root["id"])
    assert f"file volumes/volume-{root['id']}" not in host.inventory()


def test_a_kill_during_attach_is_settled_by_the_next_command(host: Host) -> None:
    server = host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                     "net-id=private", "--wait", "vm", "-f", "json").json()
    volume = host.ok("volume", "create", "--size", "1", "data", "-f", "json").json()
    path = volume_file(host, volume["id"])
    wait_console(host, "vm", "ostack-guest: ready", timeout=180)  # it lets a disk go then

    # Killed once the attachment is recorded, before the guest has the disk: undone.
    result = host("server", "add", "volume", "vm", "data", kill_at="volume-attach:reserved")
    assert result.rc == KILLED, f"never reached: {result.err}"
    assert host.ok("volume", "show", "data", "-f", "value", "-c", "status").out == \
        "available\n"
    assert host.ok("server", "volume", "list", "vm", "-f", "value").out == ""
    assert path not in domain_disks(host, server["id"])

    # Killed once the guest has the disk, before the records say so: finished.
    result = host("server", "add", "volume", "vm", "data", kill_at="volume-attach:plugged")
    assert result.rc == KILLED, f"never reached: {result.err}"
    assert host.ok("volume", "show", "data", "-f", "value", "-c", "status").out == "in-use\n"
    assert host.ok("server", "volume", "list", "vm", "-f", "value", "-c",
                   "Device").out == "/dev/vdb\n"
    assert path in domain_disks(host, server["id"])
    assert path in domain_disks(host, server["id"], inactive=True)

    # Killed mid-detach, before the guest let go: the volume is still the guest's.
    result = host("server", "remove", "volume", "vm", "data", kill_at="volume-detach:claimed")
    assert result.rc == KILLED, f"never reached: {result.err}"
    assert host.ok("volume", "show", "data", "-f", "value", "-c", "status").out == "in-use\n"
    host.ok("server", "remove", "volume", "vm", "data")
    assert path not in domain_disks(host, server["id"])
    assert path not in domain_disks(host, server["id"], inactive=True)
    assert host.ok("volume", "show", "data", "-f", "value", "-c", "status").out == \
        "available\n"


def test_a_kill_mid_create_leaves_debris_the_reconciler_collects(host: Host) -> None:
    result = host("volume", "create", "--size", "1", "half", kill_at="volume-file:partial")
    assert result.rc == KILLED, f"never reached: {result.err}"
    [volume_id] = host.ids("volume")
    partial = f"file volumes/.volume-{volume_id}.part"
    assert partial in host.inventory()
    # The next read settles the record as Cinder's volume service would (error); the next
    # converge takes the partial file away.
    assert host.ok("volume", "show", "half", "-f", "value", "-c", "status").out == "error\n"
    host.ok("host", "sync")
    assert partial not in host.inventory()
    host.ok("volume", "delete", "half")
    assert host.ids("volume") == []
