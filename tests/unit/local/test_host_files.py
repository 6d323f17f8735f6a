"""host_files: the checks and primitives root writes guests' files with; HostContext.host_dir."""

from __future__ import annotations

import grp
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostack_cli.backend.local import host_files
from ostack_cli.backend.local.host import HostContext
from ostack_cli.backend.local.host_files import QemuAccess, UnsafeHostPath
from ostack_cli.state.store import Store

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown)")
NOBODY = 65534  # nobody/nogroup on Debian


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def wide_umask() -> Iterator[None]:
    # Modes must be explicit: the process's umask gets no say in either direction.
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def a_group() -> int:
    """A group other than ours, to check that files get the one asked for."""
    for name in ("libvirt-qemu", "kvm", "nogroup", "daemon"):
        try:
            return grp.getgrnam(name).gr_gid
        except KeyError:
            continue
    pytest.skip("no spare group on this host")


# -- check_dir ------------------------------------------------------------------------------

def test_a_private_directory_of_ours_passes(tmp_path: Path) -> None:
    directory = tmp_path / "d"
    directory.mkdir(mode=0o711)
    host_files.check_dir(directory)


def test_a_symlinked_directory_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(UnsafeHostPath) as exc:
        host_files.check_dir(link, "host directory")
    assert str(exc.value) == (
        f"The host directory {link} is a symbolic link, and root does not write through "
        "links. Use the real directory's path instead, once you have checked who controls it.")


@pytest.mark.parametrize("bits", [0o777, 0o775, 0o1777])
def test_a_directory_others_can_write_is_refused(tmp_path: Path, bits: int) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    directory.chmod(bits)
    with pytest.raises(UnsafeHostPath) as exc:
        host_files.check_dir(directory, "host directory")
    assert str(exc.value) == (
        f"The host directory {directory} is writable by its group or others (mode "
        f"{bits:04o}). Run 'chmod go-w {directory}' once you have checked nobody planted "
        "files in it.")
    assert "\n" not in str(exc.value)


@root_only
def test_a_directory_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "d"
    directory.mkdir(mode=0o755)
    os.chown(directory, NOBODY, NOBODY)
    with pytest.raises(UnsafeHostPath) as exc:
        host_files.check_dir(directory, "host directory")
    message = str(exc.value)
    assert message.startswith(f"The host directory {directory} is owned by ")
    assert message.endswith(
        f"not by root who writes there. If you trust its contents, run 'chown root "
        f"{directory}'; else use another directory.")


def test_a_file_is_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(UnsafeHostPath, match="is not a directory"):
        host_files.check_dir(tmp_path / "f")


# -- check_parents --------------------------------------------------------------------------

def test_parents_writable_by_others_are_refused_unless_sticky(tmp_path: Path) -> None:
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    (open_dir / "host").mkdir()
    with pytest.raises(UnsafeHostPath) as exc:
        host_files.check_parents(open_dir / "host", "host directory")
    assert str(exc.value) == (
        f"The host directory {open_dir / 'host'} is inside {open_dir}, which others may write "
        f"(mode 0777) and so replace it. Run 'chmod go-w {open_dir}' or use another "
        "directory.")
    open_dir.chmod(0o1777)  # as /tmp: only an entry's owner may rename it
    host_files.check_parents(open_dir / "host", "host directory")


@root_only
def test_parents_owned_by_another_user_are_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    (theirs / "host").mkdir()
    os.chown(theirs, NOBODY, NOBODY)
    with pytest.raises(UnsafeHostPath, match=f"is inside {theirs}, owned by .*who could "
                       "replace it"):
        host_files.check_parents(theirs / "host", "host directory")


@root_only
def test_a_link_owned_by_another_user_on_the_way_is_refused(tmp_path: Path) -> None:
    sticky = tmp_path / "tmp"
    sticky.mkdir()
    sticky.chmod(0o1777)
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "host").mkdir()
    link = sticky / "link"
    link.symlink_to(tmp_path / "real")
    host_files.check_parents(link / "host")  # our link: fine
    os.lchown(link, NOBODY, NOBODY)  # theirs: they may point it anywhere
    with pytest.raises(UnsafeHostPath, match=f"reached through the link {link}"):
        host_files.check_parents(link / "host")


# -- ensure_dir -----------------------------------------------------------------------------

def test_ensure_dir_makes_and_tightens(tmp_path: Path, wide_umask: None) -> None:
    made = host_files.ensure_dir(tmp_path / "new", 0o710)
    assert mode(made) == 0o710
    old = tmp_path / "old"
    old.mkdir(mode=0o755)
    host_files.ensure_dir(old, 0o710)
    assert mode(old) == 0o710


@root_only
def test_ensure_dir_gives_the_group(tmp_path: Path) -> None:
    gid = a_group()
    made = host_files.ensure_dir(tmp_path / "d", 0o710, gid)
    assert (os.stat(made).st_gid, mode(made)) == (gid, 0o710)


def test_ensure_dir_refuses_rather_than_repairs(tmp_path: Path) -> None:
    planted = tmp_path / "d"
    planted.mkdir()
    planted.chmod(0o777)
    with pytest.raises(UnsafeHostPath, match="writable by its group or others"):
        host_files.ensure_dir(planted, 0o710)
    assert mode(planted) == 0o777
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    with pytest.raises(UnsafeHostPath, match="is a symbolic link"):
        host_files.ensure_dir(link, 0o710)


# -- files ----------------------------------------------------------------------------------

def test_create_file_sets_the_mode_whatever_the_umask(tmp_path: Path, wide_umask: None) -> None:
    created = host_files.create_file(tmp_path / "f", 0o640)
    assert mode(tmp_path / "f") == 0o640
    host_files.check_same_file(tmp_path / "f", created)


def test_create_file_refuses_a_planted_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "shadow"
    victim.write_text("secret")
    victim.chmod(0o600)
    planted = tmp_path / "disk"
    planted.symlink_to(victim)
    with pytest.raises(UnsafeHostPath) as exc:
        host_files.create_file(planted, 0o640)
    assert str(exc.value) == (
        f"Refusing to write {planted}: a symbolic link is in its place. Remove the link (and "
        "find out who planted it).")
    assert victim.read_text() == "secret" and mode(victim) == 0o600
    # A dangling link is refused as well (O_EXCL never follows).
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(UnsafeHostPath, match="symbolic link"):
        host_files.create_file(dangling, 0o640)
    assert not (tmp_path / "nowhere").exists()


def test_create_file_refuses_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UnsafeHostPath, match="it already exists"):
        host_files.create_file(tmp_path / "f", 0o600)


def test_check_same_file_notices_a_swap(tmp_path: Path) -> None:
    created = host_files.create_file(tmp_path / "f", 0o600)
    (tmp_path / "f").unlink()
    (tmp_path / "f").symlink_to("/etc/passwd")
    with pytest.raises(UnsafeHostPath, match="was replaced"):
        host_files.check_same_file(tmp_path / "f", created)


def test_atomic_write_replaces_a_planted_link_without_following_it(
    tmp_path: Path, wide_umask: None
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    target = tmp_path / "base"
    target.symlink_to(victim)
    with host_files.atomic_write(target, 0o640) as out:
        out.write(b"new")
    assert victim.read_text() == "keep"
    assert not target.is_symlink() and target.read_bytes() == b"new"
    assert mode(target) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "victim"]


def test_atomic_write_failure_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "base"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), host_files.atomic_write(target, 0o640) as out:
        out.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["base"]


def test_copy_atomic(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.write_bytes(os.urandom(3 * host_files.COPY_CHUNK + 5))
    host_files.copy_atomic(source, tmp_path / "dst", 0o600)
    assert (tmp_path / "dst").read_bytes() == source.read_bytes()
    assert mode(tmp_path / "dst") == 0o600


def test_adopt_file(tmp_path: Path) -> None:
    assert host_files.adopt_file(tmp_path / "missing", 0o640) is False
    legacy = tmp_path / "legacy"
    legacy.write_text("image")
    legacy.chmod(0o644)  # what older versions left: world-readable
    assert host_files.adopt_file(legacy, 0o640) is True
    assert mode(legacy) == 0o640
    link = tmp_path / "link"
    link.symlink_to(legacy)
    with pytest.raises(UnsafeHostPath, match="a symbolic link is in its place"):
        host_files.adopt_file(link, 0o640)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeHostPath, match="is not a regular file"):
        host_files.adopt_file(fifo, 0o640)  # and it did not hang on the open


@pytest.mark.skipif(os.geteuid() != 0, reason="chown and trusted.* attributes need root")
def test_adopt_file_leaves_a_file_libvirt_holds_for_a_running_guest(tmp_path: Path) -> None:
    """libvirt labels a running guest's kernel, initrd and backing file for QEMU and counts
    its guests in an attribute; taking the file back to root then would make libvirt refuse
    the next guest on it ("Setting different DAC user or group ... already in use")."""
    held, free = tmp_path / "kernel", tmp_path / "old-kernel"
    for path in (held, free):
        path.write_text("vmlinux")
        os.chown(path, 64055, 64055)
    try:
        os.setxattr(held, host_files.LIBVIRT_DAC_REFS, b"1")
        os.setxattr(free, host_files.LIBVIRT_DAC_REFS, b"0")
    except OSError as exc:
        pytest.skip(f"no trusted.* attributes on {tmp_path}: {exc}")
    assert host_files.adopt_file(held, 0o640, 64055) is True
    assert host_files.adopt_file(free, 0o640, 64055) is True
    assert (held.stat().st_uid, free.stat().st_uid) == (64055, 0)


def test_read_file(tmp_path: Path) -> None:
    assert host_files.read_file(tmp_path / "missing") is None
    (tmp_path / "log").write_bytes(b"out")
    assert host_files.read_file(tmp_path / "log") == b"out"
    (tmp_path / "link").symlink_to(tmp_path / "log")
    with pytest.raises(UnsafeHostPath, match="it is a symbolic link"):
        host_files.read_file(tmp_path / "link")


def test_child_is_one_component() -> None:
    assert host_files.child(Path("/h"), "abc") == Path("/h/abc")
    for bad in ("", ".", "..", "../etc", "a/b", "a\0b"):
        with pytest.raises(ValueError, match="invalid file name"):
            host_files.child(Path("/h"), bad)


# -- QEMU's identity ------------------------------------------------------------------------

def test_qemu_conf_is_read_as_libvirt_reads_it() -> None:
    text = '''
# user = "qemu"
user = "libvirt-qemu"   # trailing comment
  group="+64055"
dynamic_ownership = 0
security_driver = "none"
'''
    assert host_files.parse_qemu_conf(text) == {
        "user": "libvirt-qemu", "group": "+64055", "dynamic_ownership": "0"}


def test_modes_follow_qemus_identity() -> None:
    as_root = host_files.qemu_access_from({"group": "+64055"}, euid=0)
    assert as_root == QemuAccess(user="libvirt-qemu", group="+64055", gid=64055,
                                 dynamic_ownership=True)
    assert (as_root.dir_mode, as_root.read_mode, as_root.disk_mode) == (0o710, 0o640, 0o640)
    # Without dynamic ownership QEMU can only write its disk through the group.
    static = host_files.qemu_access_from({"group": "+64055", "dynamic_ownership": "0"}, 0)
    assert static.disk_mode == 0o660
    # Not root: nothing can be given away; QEMU runs as us (session) or gets files from
    # libvirt; directories stay passable.
    user = host_files.qemu_access_from({}, euid=1000)
    assert (user.gid, user.dir_mode, user.read_mode, user.disk_mode) == (
        None, 0o711, 0o600, 0o600)
    # QEMU as root (user = "+0"): group root, nothing for anyone else.
    assert host_files.qemu_access_from({"user": "+0", "group": "+0"}, 0).gid == 0


def test_a_missing_qemu_group_gives_files_to_nobody() -> None:
    access = host_files.qemu_access_from({"group": "no-such-group-here"}, euid=0)
    assert (access.gid, access.read_mode) == (None, 0o600)


# -- HostContext.host_dir -------------------------------------------------------------------

def host_context(tmp_path: Path) -> HostContext:
    state = tmp_path / "state"
    state.mkdir(mode=0o700, exist_ok=True)
    return HostContext(state, Store(state / "state.db"))


def test_host_dir_is_made_0711_with_its_parents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wide_umask: None
) -> None:
    wanted = tmp_path / "a" / "b" / "host"
    monkeypatch.setenv("OSTACK_HOST_DIR", str(wanted))
    assert host_context(tmp_path).host_dir == wanted
    assert mode(wanted) == 0o711
    assert mode(wanted.parent) == mode(wanted.parent.parent) == 0o755


@pytest.mark.parametrize("driver", ["test:///default", "qemu:///system"])
def test_host_dir_refuses_a_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, driver: str
) -> None:
    # The check comes first, whatever the driver: root writes there in both.
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o711)
    link = tmp_path / "host"
    link.symlink_to(real)
    monkeypatch.setenv("OSTACK_HOST_DIR", str(link))
    monkeypatch.setenv("OSTACK_LIBVIRT_URI", driver)
    with pytest.raises(UnsafeHostPath, match=f"The host directory {link} is a symbolic link"):
        _ = host_context(tmp_path).host_dir


def test_host_dir_refuses_a_world_writable_directory_and_leaves_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = tmp_path / "host"
    planted.mkdir()
    planted.chmod(0o777)
    monkeypatch.setenv("OSTACK_HOST_DIR", str(planted))
    with pytest.raises(UnsafeHostPath, match=r"writable by its group or others \(mode 0777\)"):
        _ = host_context(tmp_path).host_dir
    assert mode(planted) == 0o777


@root_only
def test_host_dir_refuses_another_owner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = tmp_path / "host"
    theirs.mkdir(mode=0o711)
    os.chown(theirs, NOBODY, NOBODY)
    monkeypatch.setenv("OSTACK_HOST_DIR", str(theirs))
    with pytest.raises(UnsafeHostPath, match=f"The host directory {theirs} is owned by"):
        _ = host_context(tmp_path).host_dir


def test_host_dir_derived_from_ostack_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSTACK_HOST_DIR", raising=False)
    monkeypatch.setenv("OSTACK_HOME", str(tmp_path / "state"))
    context = host_context(tmp_path)
    assert context.host_dir == tmp_path / "state-host"
    assert mode(tmp_path / "state-host") == 0o711


def test_host_dir_still_needs_to_be_traversable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    monkeypatch.setenv("OSTACK_HOST_DIR", str(closed / "host"))
    monkeypatch.setenv("OSTACK_LIBVIRT_URI", "qemu:///system")
    with pytest.raises(Exception, match="is not searchable by other users"):
        _ = host_context(tmp_path).host_dir
