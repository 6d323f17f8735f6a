"""A guest that floods its serial console cannot fill the host's disk: virtlogd caps the log.

The guest prints one and a half times what virtlogd keeps (the current file and max_backups
rotated ones, max_size each), from a user-data script; the log files never grow past the
cap, QEMU never holds the file itself, and ``console log show --lines`` reads the tail
across the rotation. Also checks the modes of the files QEMU reads.
"""

from __future__ import annotations

import grp
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.vm.conftest import IMAGE_DIR, Host, _skip_reason

pytestmark = [pytest.mark.slow, pytest.mark.vm]

VIRTLOGD_CONF = Path("/etc/libvirt/virtlogd.conf")
DEFAULTS = {"max_size": 2 * 1024 * 1024, "max_backups": 3}  # virtlogd's own defaults
# 96 bytes a line with the number; the guest's serial port moves some 300 KB/s under TCG.
FILLER = "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
MAX_CAP = 16 * 1024 * 1024  # beyond this the flood would take minutes under TCG


@pytest.fixture
def host() -> Iterator[Host]:
    """A private store with the test image and nothing else.

    The guest needs no network: no bridge, namespace or firewall chain is made, so nothing
    can collide with the other tiers; the guest and the directories go at the end, even if
    the test fails.
    """
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="ostack-vmtest-"))
    base.chmod(0o755)  # QEMU must reach the host files
    h = Host(base / "home")
    try:
        h.ok("image", "create", "--file", str(IMAGE_DIR / "ostack-test.qcow2"),
             "--disk-format", "qcow2", "cirros")
        yield h
    finally:
        servers = h.ids("server")
        if servers:
            h("server", "delete", "--wait", *servers)
        names = subprocess.run(["virsh", "-c", "qemu:///system", "list", "--all", "--name"],
                               capture_output=True, text=True, check=False).stdout.split()
        for name in names:
            if any(server_id in name for server_id in servers):
                for verb in (["destroy"], ["undefine", "--managed-save"]):
                    subprocess.run(["virsh", "-c", "qemu:///system", *verb, name],
                                   capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


def virtlogd_limits() -> tuple[int, int]:
    values = dict(DEFAULTS)
    text = VIRTLOGD_CONF.read_text() if VIRTLOGD_CONF.exists() else ""
    for line in text.splitlines():
        match = re.match(r"\s*(max_size|max_backups)\s*=\s*(\d+)", line)
        if match:
            values[match[1]] = int(match[2])
    return values["max_size"], values["max_backups"]


def log_files(directory: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in directory.glob("console.log*")}


def test_a_flooding_guest_gets_its_console_log_capped(host: Host, tmp_path: Path) -> None:
    max_size, backups = virtlogd_limits()
    cap = (backups + 1) * max_size
    if cap > MAX_CAP:
        pytest.skip(f"virtlogd keeps {cap} bytes a guest; flooding that takes too long")
    line_length = len(f"flood 000000 {FILLER}\n")
    count = cap * 3 // 2 // line_length + 1
    script = tmp_path / "flood.sh"
    script.write_text(
        "#!/bin/sh\n"
        "i=0\n"
        f"while [ $i -lt {count} ]; do\n"
        f"  printf 'flood %06d {FILLER}\\n' $i\n"
        "  i=$((i + 1))\n"
        "done\n"
        "echo flood-finished\n"
    )
    # No network, so no metadata service: the user data comes on a config drive.
    created = host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                      "none", "--config-drive", "True", "--user-data", str(script), "--wait",
                      "flood", "-f", "json").json()
    assert created["status"] == "ACTIVE"
    server_id = created["id"]
    domain = host.ok("server", "show", "flood", "-f", "json").json()[
        "OS-EXT-SRV-ATTR:instance_name"]
    instance_dir = host.home.with_name("home-host") / "instances" / server_id
    console_log = instance_dir / "console.log"

    # As libvirt runs it: a pty whose output virtlogd logs; QEMU only has a pipe to virtlogd
    # (an fd set), never the file, so nothing but virtlogd's rotation writes it.
    xml = subprocess.run(["virsh", "-c", "qemu:///system", "dumpxml", domain],
                         capture_output=True, text=True, check=True).stdout
    assert re.search(rf"<serial type='pty'>\s*<source path='/dev/pts/\d+'/>\s*"
                     rf"<log file='{re.escape(str(console_log))}' append='off'/>", xml), xml
    pid = int(Path(f"/run/libvirt/qemu/{domain}.pid").read_text())
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    chardev = next(arg.decode() for arg in cmdline if b"id=charserial0" in arg)
    assert re.fullmatch(r"pty,id=charserial0,logfile=/dev/fdset/\d+,logappend=on", chardev)
    assert str(console_log).encode() not in b" ".join(cmdline)

    # The flood: while it runs, no file passes max_size and no more than the cap is kept.
    deadline = time.monotonic() + 600
    peak = 0
    while True:
        sizes = log_files(instance_dir)
        assert len(sizes) <= backups + 1, sizes
        assert max(sizes.values(), default=0) <= max_size, sizes
        peak = max(peak, sum(sizes.values()))
        # The guest goes on to its login prompt after the flood: a few lines more.
        tail = host.ok("console", "log", "show", "--lines", "40", "flood").out
        if "flood-finished" in tail:
            break
        assert time.monotonic() < deadline, f"the flood did not finish: {sizes}"
        time.sleep(2)
    printed = count * line_length
    assert printed > cap  # the guest really printed more than is kept
    sizes = log_files(instance_dir)
    assert set(sizes) == {"console.log", *(f"console.log.{i}" for i in range(backups))}
    assert sum(sizes.values()) <= cap and peak <= cap
    # The oldest output is gone; the newest is whole.
    assert b"flood 000000 " not in b"".join(p.read_bytes() for p in instance_dir.glob("con*"))

    # `console log show --lines` continues into the rotated files when the current one
    # holds fewer lines: the flood's last lines, numbered without a gap.
    current_lines = len(console_log.read_bytes().splitlines())
    wanted = current_lines + 1000
    shown = host.ok("console", "log", "show", "--lines", str(wanted), "flood").out
    numbers = [int(m[1]) for m in re.finditer(r"^flood (\d{6}) ", shown, re.MULTILINE)]
    assert len(shown.splitlines()) == wanted
    assert numbers[-1] == count - 1
    assert numbers == list(range(numbers[0], count))
    assert len(numbers) > 1000
    # Without --lines: the current file, as it is (the login prompt may still come).
    # Lines, not bytes: the serial console's \r\n reach us as newlines.
    whole = host.ok("console", "log", "show", "flood").out.splitlines()
    current = console_log.read_bytes().decode(errors="replace").splitlines()
    assert whole and current[:len(whole)] == whole

    # What the guest's files look like: the log is virtlogd's (root, 0600); QEMU reads the
    # rest through its group, the world nothing.
    st = console_log.stat()
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o600)
    qemu_gid = grp.getgrnam("libvirt-qemu").gr_gid
    for directory in (instance_dir, instance_dir.parent, instance_dir.parent.parent / "_base"):
        st = directory.stat()
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, qemu_gid, 0o710)
    for path in (instance_dir / "disk", *(instance_dir.parent.parent / "_base").iterdir()):
        st = path.stat()
        # While a guest runs libvirt hands its files to QEMU's user (dynamic ownership).
        assert st.st_gid == qemu_gid and stat.S_IMODE(st.st_mode) == 0o640, path
        assert not stat.S_IMODE(st.st_mode) & 0o007
    assert os.stat(host.home.with_name("home-host")).st_mode & 0o777 == 0o711

    host.ok("server", "delete", "--wait", "flood")
