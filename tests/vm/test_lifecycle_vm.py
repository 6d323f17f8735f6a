"""Real guests through shelve/unshelve, a snapshot, resize, rescue/unrescue and rebuild: each
time the guest comes back with its address, its floating IP (reached from a namespace playing
the outside world, on the bootstrap topology) and its data (written to its disk over ssh
before the action; gone only after a rebuild); a server booted from the snapshot has it too.

The test guest runs from its initramfs, so "its data" is a marker written straight to the
disk device, at an offset past its boot partition, as root over ssh with the keypair."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.vm.conftest import Host
from tests.vm.test_article import outside
from tests.vm.test_server_vm import wait_console

pytestmark = [pytest.mark.slow, pytest.mark.vm]

MARKER_SECTOR = 204800  # 100 MiB into the disk: past the image's 12 MiB FAT partition
SSH_TIMEOUT = 150.0


@dataclass
class Guest:
    """A server reached from the outside world through its floating IP, as root."""

    host: Host
    name: str
    world: str
    key: Path
    fip: str
    address: str

    def ssh(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", self.world, "ssh", "-i", str(self.key), "-o",
             "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
             "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
             f"root@{self.fip}", command],
            capture_output=True, text=True, timeout=60, check=False)

    def reachable(self) -> str:
        """Wait until ssh through the floating IP works; the guest's hostname."""
        deadline = time.monotonic() + SSH_TIMEOUT
        done = self.ssh("hostname")
        while done.returncode != 0 and time.monotonic() < deadline:
            time.sleep(2)
            done = self.ssh("hostname")
        assert done.returncode == 0, f"{self.name} unreachable over ssh: {done.stderr}"
        return done.stdout.strip()

    def write_marker(self, text: str, device: str = "/dev/vda") -> None:
        done = self.ssh(f"printf '%s' '{text}' | dd of={device} bs=512 seek={MARKER_SECTOR} "
                        "conv=fsync 2>/dev/null && sync && echo written")
        assert done.stdout.strip() == "written", done.stderr

    def marker(self, length: int, device: str = "/dev/vda") -> str:
        done = self.ssh(f"dd if={device} bs=512 skip={MARKER_SECTOR} count=1 2>/dev/null "
                        f"| head -c {length}")
        assert done.returncode == 0, done.stderr
        return done.stdout

    def show(self) -> dict[str, object]:
        shown: dict[str, object] = self.host.ok("server", "show", self.name, "-f",
                                                "json").json()
        return shown

    def still_itself(self) -> None:
        """Its fixed address and its floating IP, as before, and ssh through the latter."""
        addresses = self.show()["addresses"]
        assert addresses == {"private": [self.address, self.fip]}, addresses
        self.reachable()


@pytest.fixture
def guest(host: Host, tmp_path: Path) -> Iterator[Guest]:
    host.ok("bootstrap")
    key = tmp_path / "id_ed25519"
    host.ok("keypair", "create", "--private-key", str(key), "mykey")
    group = next(g["ID"] for g in host.ok("security", "group", "list", "-f", "json").json()
                 if g["Name"] == "default")
    host.ok("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
            group)
    created = host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                      "net-id=private", "--key-name", "mykey", "vm", "--wait",
                      "-f", "json").json()
    fip = host.ok("floating", "ip", "create", "External", "-f", "value", "-c",
                  "floating_ip_address").out.strip()
    host.ok("server", "add", "floating", "ip", "vm", fip)
    with outside(host) as world:
        yield Guest(host, "vm", world, key, fip, created["addresses"]["private"][0])
        host("server", "delete", "--wait", *host.ids("server"))
        host("floating", "ip", "delete", fip)


def status(guest: Guest) -> str:
    return str(guest.show()["status"])


def test_shelve_unshelve_and_a_snapshot_keep_the_guest_and_its_data(guest: Guest) -> None:
    host = guest.host
    assert guest.reachable().startswith("vm")
    marker = f"ostack-{uuid.uuid4().hex}"
    guest.write_marker(marker)

    host.ok("server", "shelve", "vm", "--wait")
    assert status(guest) == "SHELVED_OFFLOADED"
    assert host.names.domain(str(guest.show()["id"])) not in " ".join(host.inventory())
    host.ok("server", "unshelve", "vm", "--wait")
    assert status(guest) == "ACTIVE"
    guest.still_itself()
    assert guest.marker(len(marker)) == marker
    assert host("image", "show", "vm-shelved").rc == 1  # Nova deletes it once unshelved

    image = host.ok("server", "image", "create", "vm", "--name", "vm-snap", "--wait",
                    "-f", "json").out
    assert '"status": "active"' in image
    guest.still_itself()  # paused for the copy, running on
    assert guest.marker(len(marker)) == marker

    # A server booted from the snapshot finds the data on its disk (its user data reads it
    # out onto the console).
    script = Path(str(guest.key) + ".user-data")
    script.write_text("#!/bin/sh\n"
                      f"echo \"disk-marker: $(dd if=/dev/vda bs=512 skip={MARKER_SECTOR} "
                      f"count=1 2>/dev/null | head -c {len(marker)})\"\n")
    host.ok("server", "create", "--image", "vm-snap", "--flavor", "m1.tiny", "--nic",
            "net-id=private", "--user-data", str(script), "fromsnap", "--wait")
    wait_console(host, "fromsnap", rf"disk-marker: {re.escape(marker)}", timeout=150)


def test_resize_rescue_and_rebuild_keep_the_guest_reachable(guest: Guest) -> None:
    host = guest.host
    host.ok("flavor", "create", "--ram", "768", "--disk", "2", "--vcpus", "2", "t.bigger")
    guest.reachable()
    marker = f"ostack-{uuid.uuid4().hex}"
    guest.write_marker(marker)

    assert host.ok("server", "resize", "--flavor", "t.bigger", "--wait", "vm").out == (
        "Complete\n")
    assert status(guest) == "VERIFY_RESIZE"
    guest.still_itself()
    assert guest.ssh("grep -c ^processor /proc/cpuinfo").stdout.strip() == "2"
    assert guest.ssh("cat /sys/block/vda/size").stdout.strip() == str(2 * 1024**3 // 512)
    assert guest.marker(len(marker)) == marker
    host.ok("server", "resize", "confirm", "vm")
    assert status(guest) == "ACTIVE"

    host.ok("server", "rescue", "vm")
    assert status(guest) == "RESCUE"
    guest.still_itself()
    # The rescue guest booted from a fresh disk; the server's own disk is the second one.
    assert guest.marker(len(marker), "/dev/vdb") == marker
    assert guest.marker(len(marker), "/dev/vda") != marker
    host.ok("server", "unrescue", "vm")
    assert status(guest) == "ACTIVE"
    guest.still_itself()
    assert guest.marker(len(marker)) == marker

    host.ok("server", "rebuild", "vm", "--wait")
    assert status(guest) == "ACTIVE"
    guest.still_itself()
    assert guest.marker(len(marker)) != marker  # a fresh disk from the image


# -- killed mid-way -------------------------------------------------------------------------

KILLED = -9
CREATE = ("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
          "net-id=private", "--wait", "vm")
SHELVE = ("server", "shelve", "vm")
RESCUE = ("server", "rescue", "vm")
RESIZE = ("server", "resize", "--flavor", "t.bigger", "vm")
# What brings a settled server back to ACTIVE.
BACK = {"SHUTOFF": ("server", "start", "vm"), "SHELVED_OFFLOADED": ("server", "unshelve", "vm"),
        "VERIFY_RESIZE": ("server", "resize", "confirm", "vm"),
        "RESCUE": ("server", "unrescue", "vm"), "ERROR": ("server", "rebuild", "vm")}


@pytest.mark.parametrize(("point", "before", "action"), [
    ("server-shelve:stopped", (), SHELVE),
    ("server-shelve:shelved", (), SHELVE),
    ("server-shelve:undefined", (), SHELVE),
    ("server-unshelve:files", (SHELVE,), ("server", "unshelve", "vm")),
    ("server-unshelve:started", (SHELVE,), ("server", "unshelve", "vm")),
    ("server-unshelve:done", (SHELVE,), ("server", "unshelve", "vm")),
    ("server-snapshot:paused", (), ("server", "image", "create", "vm")),
    ("server-snapshot:exported", (), ("server", "image", "create", "vm")),
    ("server-rescue:files", (), RESCUE),
    ("server-rescue:started", (), RESCUE),
    ("server-unrescue:removed", (RESCUE,), ("server", "unrescue", "vm")),
    ("server-rebuild:destroyed", (), ("server", "rebuild", "vm")),
    ("server-rebuild:files", (), ("server", "rebuild", "vm")),
    ("server-resize:kept", (), RESIZE),
    ("server-resize:grown", (), RESIZE),
    ("server-resize:started", (), RESIZE),
    ("server-resize-revert:claimed", (RESIZE,), ("server", "resize", "revert", "vm")),
])
def test_an_action_killed_at_any_step_is_settled_by_the_next_command(
    host: Host, point: str, before: tuple[tuple[str, ...], ...], action: tuple[str, ...]
) -> None:
    host.ok("flavor", "create", "--ram", "768", "--disk", "2", "--vcpus", "1", "t.bigger")
    empty = host.inventory()
    host.ok(*CREATE)
    for step in before:
        host.ok(*step)
    killed = host(*action, kill_at=point)
    assert killed.rc == KILLED, f"{point} was never reached: rc {killed.rc} {killed.err}"
    # The next command sees a settled server: no task left, a state it can leave.
    shown = host.ok("server", "show", "vm", "-f", "json").json()
    assert shown["OS-EXT-STS:task_state"] is None, (point, shown["status"])
    assert shown["status"] in BACK or shown["status"] == "ACTIVE", (point, shown["status"])
    done = host.reconcile("plan")
    assert (done.returncode, done.stdout) == (0, ""), (point, done.stdout)
    if shown["status"] != "ACTIVE":
        host.ok(*BACK[shown["status"]])
    assert host.ok("server", "show", "vm", "-f", "value", "-c", "status").out == "ACTIVE\n"
    wait_console(host, "vm", r"ostack-guest: ready", timeout=150)
    host.ok("server", "delete", "--wait", "vm")
    left = [line for line in host.inventory() if not line.startswith("file _base/")]
    assert left == [line for line in empty if not line.startswith("file _base/")]
