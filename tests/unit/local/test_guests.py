"""A guest's files: base cache, overlay, instance directory and console log, made safely."""

from __future__ import annotations

import grp
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from ostack_cli.backend.local import guests, host_files
from ostack_cli.backend.local.guests import InstanceFiles, cached_base, create_overlay, read_console
from ostack_cli.backend.local.host_files import QemuAccess, UnsafeHostPath
from ostack_cli.backend.local.runner import HostCommandError

SERVER_ID = "6b0c6c3c-2b0e-4f3e-9c55-1f0e9d7a4a11"
IMAGE_ID = "c0ffee00-1111-4222-8333-444455556666"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def access(monkeypatch: pytest.MonkeyPatch) -> QemuAccess:
    """QEMU's group as on a Debian host when we can give files away (root), else none."""
    gid = None
    if os.geteuid() == 0:
        for name in ("libvirt-qemu", "kvm", "nogroup"):
            try:
                gid = grp.getgrnam(name).gr_gid
                break
            except KeyError:
                continue
    chosen = QemuAccess(user="libvirt-qemu", group="libvirt-qemu", gid=gid,
                        dynamic_ownership=True)
    monkeypatch.setattr(host_files, "qemu_access", lambda: chosen)
    return chosen


@pytest.fixture
def host_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "host"
    directory.mkdir(mode=0o711)
    return directory


def make_image(path: Path, fmt: str = "qcow2", size: str = "1M") -> Path:
    subprocess.run(["qemu-img", "create", "-q", "-f", fmt, str(path), size], check=True)
    return path


def owner_group_mode(path: Path) -> tuple[int, int, int]:
    st = os.lstat(path)
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


# -- the base cache -------------------------------------------------------------------------

def test_base_copies_are_for_qemus_group_only(
    tmp_path: Path, host_dir: Path, access: QemuAccess
) -> None:
    source = make_image(tmp_path / "stored")
    base = cached_base(host_dir, IMAGE_ID, source)
    assert base == host_dir / "_base" / IMAGE_ID
    assert base.read_bytes() == source.read_bytes()
    gid = os.getegid() if access.gid is None else access.gid
    assert owner_group_mode(base) == (os.geteuid(), gid, access.read_mode)
    assert owner_group_mode(base.parent) == (os.geteuid(), gid, access.dir_mode)
    assert not mode(base) & 0o007  # nothing for the world
    assert [p.name for p in base.parent.iterdir()] == [IMAGE_ID]  # no temporary left


def test_an_existing_base_copy_is_reused_and_tightened(
    tmp_path: Path, host_dir: Path, access: QemuAccess
) -> None:
    base_dir = host_dir / "_base"
    base_dir.mkdir(mode=0o711)
    legacy = base_dir / IMAGE_ID
    legacy.write_bytes(b"cached")
    legacy.chmod(0o644)  # as older versions left it
    before = os.stat(legacy).st_ino
    assert cached_base(host_dir, IMAGE_ID, tmp_path / "not-read") == legacy
    assert legacy.read_bytes() == b"cached" and os.stat(legacy).st_ino == before
    assert mode(legacy) == access.read_mode
    assert mode(base_dir) == access.dir_mode


def test_a_link_planted_in_the_base_cache_is_refused(
    tmp_path: Path, host_dir: Path, access: QemuAccess
) -> None:
    victim = tmp_path / "shadow"
    victim.write_text("secret")
    victim.chmod(0o600)
    (host_dir / "_base").mkdir(mode=0o710)
    (host_dir / "_base" / IMAGE_ID).symlink_to(victim)
    with pytest.raises(UnsafeHostPath, match="a symbolic link is in its place"):
        cached_base(host_dir, IMAGE_ID, make_image(tmp_path / "stored"))
    assert victim.read_text() == "secret" and mode(victim) == 0o600


def test_a_base_cache_others_can_write_is_refused(
    tmp_path: Path, host_dir: Path, access: QemuAccess
) -> None:
    (host_dir / "_base").mkdir()
    (host_dir / "_base").chmod(0o777)
    with pytest.raises(UnsafeHostPath, match=r"image cache directory .* is writable"):
        cached_base(host_dir, IMAGE_ID, make_image(tmp_path / "stored"))


def test_an_image_id_is_one_path_component(tmp_path: Path, host_dir: Path,
                                           access: QemuAccess) -> None:
    with pytest.raises(ValueError, match="invalid file name"):
        cached_base(host_dir, "../../etc", tmp_path / "x")


# -- the instance directory and overlay -----------------------------------------------------

def test_instance_directory(host_dir: Path, access: QemuAccess) -> None:
    files = InstanceFiles.of(host_dir, SERVER_ID)
    files.create()
    gid = os.getegid() if access.gid is None else access.gid
    for directory in (files.directory, files.directory.parent):
        assert owner_group_mode(directory) == (os.geteuid(), gid, access.dir_mode)
    files.create()  # again: fine
    with pytest.raises(ValueError, match="invalid file name"):
        InstanceFiles.of(host_dir, "..")


def test_overlay_mode_group_and_backing_format(
    tmp_path: Path, host_dir: Path, access: QemuAccess
) -> None:
    files = InstanceFiles.of(host_dir, SERVER_ID)
    files.create()
    base = cached_base(host_dir, IMAGE_ID, make_image(tmp_path / "stored.vhd", "vpc"))
    create_overlay(base, "vhd", files.disk, 2 * 1024 * 1024)
    gid = os.getegid() if access.gid is None else access.gid
    assert owner_group_mode(files.disk) == (os.geteuid(), gid, access.disk_mode)
    info = json.loads(subprocess.run(
        ["qemu-img", "info", "-f", "qcow2", "--output=json", str(files.disk)],
        capture_output=True, check=True, text=True).stdout)
    # Glance's vhd is QEMU's vpc: the backing format is given in QEMU's name.
    assert info["backing-filename-format"] == "vpc"
    assert info["backing-filename"] == str(base)
    assert info["virtual-size"] == 2 * 1024 * 1024


def test_a_link_planted_at_the_overlay_is_refused(
    tmp_path: Path, host_dir: Path, access: QemuAccess
) -> None:
    files = InstanceFiles.of(host_dir, SERVER_ID)
    files.create()
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    files.disk.symlink_to(victim)
    base = cached_base(host_dir, IMAGE_ID, make_image(tmp_path / "stored"))
    with pytest.raises(UnsafeHostPath, match="a symbolic link is in its place"):
        create_overlay(base, "qcow2", files.disk, None)
    assert victim.read_bytes() == b"keep"


def test_a_failed_overlay_leaves_no_file(tmp_path: Path, host_dir: Path,
                                         access: QemuAccess) -> None:
    files = InstanceFiles.of(host_dir, SERVER_ID)
    files.create()
    with pytest.raises(HostCommandError):
        create_overlay(tmp_path / "no-such-base", "raw", files.disk, 1024 * 1024)
    assert not files.disk.exists()


def test_overlay_of_an_unknown_format_is_refused(tmp_path: Path, host_dir: Path,
                                                 access: QemuAccess) -> None:
    files = InstanceFiles.of(host_dir, SERVER_ID)
    files.create()
    with pytest.raises(Exception, match="Image not in a supported format: disk_format qed"):
        create_overlay(tmp_path / "base", "qed", files.disk, None)
    assert not files.disk.exists()


# -- the console log ------------------------------------------------------------------------

def rotated(tmp_path: Path, *contents: bytes) -> Path:
    """console.log with the given contents, oldest first (as virtlogd leaves them)."""
    log = tmp_path / "console.log"
    *older, current = contents
    for index, data in enumerate(reversed(older)):
        (tmp_path / f"console.log.{index}").write_bytes(data)
    log.write_bytes(current)
    return log


def test_console_reads_the_current_file(tmp_path: Path) -> None:
    assert read_console(tmp_path / "console.log") == ""
    assert read_console(tmp_path / "console.log", 10) == ""
    log = rotated(tmp_path, b"old 1\nold 2\n", b"one\r\ntwo\r\nthree\r\n")
    # Without --lines: the current file only, as Nova shows it.
    assert read_console(log) == "one\r\ntwo\r\nthree\r\n"
    assert read_console(log, 2) == "two\r\nthree\r\n"
    assert read_console(log, 0) == ""


def test_console_tail_continues_into_the_rotated_files(tmp_path: Path) -> None:
    # virtlogd cut the line "line 4" in two when it rotated; a UTF-8 character too.
    log = rotated(tmp_path, b"line 1\nline 2\n", b"line 3\nli", b"ne 4 \xc3", b"\xa9\nline 5\n")
    assert read_console(log, 1) == "line 5\n"
    assert read_console(log, 2) == "line 4 \u00e9\nline 5\n"
    assert read_console(log, 3) == "line 3\nline 4 \u00e9\nline 5\n"
    assert read_console(log, 100) == "line 1\nline 2\nline 3\nline 4 \u00e9\nline 5\n"


def test_console_tail_after_a_rotation_left_the_current_file_empty(tmp_path: Path) -> None:
    log = rotated(tmp_path, b"a\nb\n", b"")
    assert read_console(log) == ""
    assert read_console(log, 1) == "b\n"


def test_console_log_through_a_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "console.log").symlink_to("/etc/passwd")
    with pytest.raises(UnsafeHostPath, match="it is a symbolic link"):
        read_console(tmp_path / "console.log", 5)


def test_rotated_logs_are_bounded() -> None:
    # virtlogd keeps at most 32 backups (VIR_MAX_MAX_BACKUP).
    assert guests.MAX_ROTATED_LOGS == 32
