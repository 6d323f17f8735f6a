"""Files root writes for QEMU to read: checked directories, explicit modes, no links followed.

ostack runs as root and writes guests' files (base images, overlays, config drives) into the
host directory, which other users must be able to traverse: QEMU runs as libvirt's QEMU user
and dnsmasq as its own. Whoever can write into a directory on that path, or plant a link in
it, could make root write through the link (over /etc/shadow, say) or hand QEMU a file of
theirs. So:

- a directory ostack uses must be owned by the user running ostack (root, normally), be
  writable by nobody else and not be a symbolic link, and the directories above it must be
  owned by root or that user and not be writable by others (unless sticky, as /tmp is);
- files are created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and their mode set explicitly
  (never left to the umask), and replaced by writing a new file next to them and renaming
  it over the old one (never by writing through an existing name);
- what only root reads is 0600; what QEMU reads is 0640 with the QEMU group (see
  ``QemuAccess``).

How QEMU runs on a Debian 12 host with libvirt 9.0 (checked by booting a guest): as user
and group libvirt-qemu (uid and gid 64055, the DAC base label ``+64055:+64055`` in ``virsh
capabilities``; supplementary group kvm), with ``dynamic_ownership`` on: while a guest runs,
libvirt chowns its overlay, config drive, kernel and initrd to libvirt-qemu and gives them
back when it stops; the backing file in ``_base`` is chowned too and *not* given back. The
console log is written by virtlogd as root (0600), QEMU never opens it.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import grp
import os
import pwd
import re
import secrets
import shlex
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ostack_cli.errors import BackendUnavailable

# The configuration of the qemu:///system driver, which decides whom QEMU runs as.
QEMU_CONF = Path("/etc/libvirt/qemu.conf")
# Debian's build defaults for qemu.conf's user and group (libvirt-daemon-system creates both).
DEFAULT_QEMU_USER = "libvirt-qemu"
DEFAULT_QEMU_GROUP = "libvirt-qemu"

COPY_CHUNK = 1024 * 1024
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO planted in place of a file must not hang the command.
_OPEN_EXISTING = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_PRIVATE = 0o600  # mode at creation, before the explicit one: never more open than asked


class UnsafeHostPath(BackendUnavailable):
    """A path root would write through is not safe: a link, another owner, writable by others."""


# -- who QEMU is ----------------------------------------------------------------------------

@dataclass(frozen=True)
class QemuAccess:
    """How QEMU gets at the files ostack hands it, and the modes that follow.

    ``gid`` is the group ostack gives those files: QEMU's group when ostack runs as root
    (root may give files away), else None (files keep the user's group; QEMU then runs as
    that user, as with qemu:///session, or gets the files through dynamic ownership).
    """

    user: str
    group: str
    gid: int | None
    dynamic_ownership: bool

    @property
    def dir_mode(self) -> int:
        # QEMU's group may pass through, not list; without a group to give, anyone may pass
        # (as before), still without listing.
        return 0o710 if self.gid is not None else 0o711

    @property
    def read_mode(self) -> int:
        """Files QEMU only reads (base images, kernels): readable by its group, not others.

        Group read works with or without dynamic ownership, so a guest still boots if the
        host turns it off.
        """
        return 0o640 if self.gid is not None else _PRIVATE

    @property
    def disk_mode(self) -> int:
        """A guest's overlay, which QEMU writes.

        With dynamic ownership (the default) libvirt chowns it to QEMU's user while the
        guest runs, so owner write is enough and stopped guests' disks stay out of reach of
        other QEMUs; without it, QEMU can only write through its group.
        """
        if self.gid is None:
            return _PRIVATE
        return 0o640 if self.dynamic_ownership else 0o660


_CONF_RE = re.compile(r'^\s*(user|group|dynamic_ownership)\s*=\s*(?:"([^"]*)"|([^\s#]+))')


def parse_qemu_conf(text: str) -> dict[str, str]:
    """``user``, ``group`` and ``dynamic_ownership`` as set in a qemu.conf (others ignored)."""
    values = {}
    for line in text.splitlines():
        match = _CONF_RE.match(line)
        if match:
            values[match[1]] = match[2] if match[2] is not None else match[3]
    return values


def qemu_access_from(values: dict[str, str], euid: int) -> QemuAccess:
    user = values.get("user", DEFAULT_QEMU_USER)
    group = values.get("group", DEFAULT_QEMU_GROUP)
    dynamic = values.get("dynamic_ownership", "1").strip() not in ("0",)
    gid = _group_id(group) if euid == 0 else None
    return QemuAccess(user=user, group=group, gid=gid, dynamic_ownership=dynamic)


def _group_id(group: str) -> int | None:
    # libvirt's syntax: "+N" is a numeric id, anything else a name.
    if group.startswith("+") and group[1:].isdigit():
        return int(group[1:])
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        return None  # no libvirt on this host (the test driver): nothing to give files to


@functools.lru_cache(maxsize=1)
def qemu_access() -> QemuAccess:
    """QEMU's identity from this host's qemu.conf (read once per process)."""
    try:
        text = QEMU_CONF.read_text(errors="replace")
    except OSError:
        text = ""
    return qemu_access_from(parse_qemu_conf(text), os.geteuid())


# -- checks ---------------------------------------------------------------------------------

def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _q(path: Path) -> str:
    return shlex.quote(str(path))


def _check_dir_stat(path: Path, st: os.stat_result, what: str) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeHostPath(
            f"The {what} {path} is a symbolic link, and root does not write through links.",
            "Use the real directory's path instead, once you have checked who controls it.",
        )
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeHostPath(f"The {what} {path} is not a directory.",
                             "Move it away or choose another path.")
    me = os.geteuid()
    if st.st_uid != me:
        raise UnsafeHostPath(
            f"The {what} {path} is owned by {_user(st.st_uid)}, not by {_user(me)} who writes "
            "there.",
            f"If you trust its contents, run 'chown {_user(me)} {_q(path)}'; else use another "
            "directory.",
        )
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeHostPath(
            f"The {what} {path} is writable by its group or others "
            f"(mode {stat.S_IMODE(st.st_mode):04o}).",
            f"Run 'chmod go-w {_q(path)}' once you have checked nobody planted files in it.",
        )


def check_dir(path: Path, what: str = "directory") -> os.stat_result:
    """Fail unless ``path`` is a real directory of ours that nobody else can write."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise UnsafeHostPath(f"The {what} {path} does not exist.") from None
    _check_dir_stat(path, st, what)
    return st


def check_parents(path: Path, what: str = "directory") -> None:
    """Fail if someone other than root or us could swap ``path`` for a directory of theirs.

    Each directory above ``path``, both as written and as symbolic links resolve it, must
    belong to root or to us and not be writable by others unless it is sticky (in /tmp
    only an entry's owner may rename it); a link on the way must belong to root or us.
    """
    trusted = {0, os.geteuid()}
    absolute = Path(os.path.abspath(path))
    checked: set[Path] = set()
    for prefix in reversed(absolute.parents):
        link = os.lstat(prefix)
        if stat.S_ISLNK(link.st_mode) and link.st_uid not in trusted:
            raise UnsafeHostPath(
                f"The {what} {path} is reached through the link {prefix}, owned by "
                f"{_user(link.st_uid)}, who could point it elsewhere.",
                "Use a path whose links and directories belong to root.",
            )
        real = Path(os.path.realpath(prefix))
        for directory in (real, *real.parents):
            if directory in checked:
                continue
            checked.add(directory)
            st = os.stat(directory)
            if st.st_uid not in trusted:
                raise UnsafeHostPath(
                    f"The {what} {path} is inside {directory}, owned by {_user(st.st_uid)}, "
                    "who could replace it.",
                    "Use a directory whose parents belong to root.",
                )
            if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not st.st_mode & stat.S_ISVTX:
                raise UnsafeHostPath(
                    f"The {what} {path} is inside {directory}, which others may write "
                    f"(mode {stat.S_IMODE(st.st_mode):04o}) and so replace it.",
                    f"Run 'chmod go-w {_q(directory)}' or use another directory.",
                )


def child(directory: Path, name: str) -> Path:
    """``directory/name`` for a name from the store (an ID): one path component, never more."""
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"invalid file name {name!r}")
    return directory / name


# -- creating -------------------------------------------------------------------------------

# libvirt's count of the running guests it labelled a file for (``remember_owner``): while
# it is above zero, libvirt refuses to start another guest on the file unless its owner is
# still the label it set.
LIBVIRT_DAC_REFS = "trusted.libvirt.security.ref_dac"


def _held_by_libvirt(fd: int) -> bool:
    try:
        return int(os.getxattr(fd, LIBVIRT_DAC_REFS)) > 0
    except (OSError, ValueError):
        return False


def _set_owner_mode(fd: int, mode: int, gid: int | None) -> None:
    st = os.fstat(fd)
    uid = os.geteuid()
    want_gid = st.st_gid if gid is None else gid
    if uid == 0 and st.st_uid != 0 and _held_by_libvirt(fd):
        # A running guest's kernel, initrd or backing file: libvirt gives it back itself.
        pass
    elif uid == 0 and (st.st_uid, st.st_gid) != (0, want_gid):
        # A file libvirt handed to QEMU comes back to root (see the module docstring).
        os.fchown(fd, 0, want_gid)
    elif st.st_gid != want_gid:
        os.fchown(fd, -1, want_gid)
    if stat.S_IMODE(st.st_mode) != mode:
        os.fchmod(fd, mode)


def _exists_error(path: Path) -> UnsafeHostPath:
    try:
        is_link = stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        is_link = False
    if is_link:
        return UnsafeHostPath(
            f"Refusing to write {path}: a symbolic link is in its place.",
            "Remove the link (and find out who planted it).",
        )
    return UnsafeHostPath(f"Refusing to write {path}: it already exists.",
                          "Remove it if it is a leftover.")


def ensure_dir(path: Path, mode: int, gid: int | None = None,
               what: str = "directory") -> Path:
    """``path`` as a checked directory with ``mode`` and group ``gid``, made if missing.

    An existing directory is adopted only if ``check_dir`` passes (then its mode and group
    are set); one that others could write is refused, not repaired: files may have been
    planted in it.
    """
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    before = check_dir(path, what)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafeHostPath(f"The {what} {path} was replaced while ostack checked it.",
                                 "Find out who is changing it.") from None
        raise
    try:
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino):
            raise UnsafeHostPath(f"The {what} {path} was replaced while ostack checked it.",
                                 "Find out who is changing it.")
        _set_owner_mode(fd, mode, gid)
    finally:
        os.close(fd)
    return path


def create_file(path: Path, mode: int, gid: int | None = None) -> os.stat_result:
    """Create an empty ``path`` with ``mode`` and group ``gid``; never an existing name or link.

    Returns its identity, so a caller that lets a program fill it can check it is still
    the same file afterwards (``check_same_file``).
    """
    try:
        fd = os.open(path, _CREATE, _PRIVATE)
    except FileExistsError:
        raise _exists_error(path) from None
    try:
        _set_owner_mode(fd, mode, gid)
        return os.fstat(fd)
    finally:
        os.close(fd)


def check_same_file(path: Path, created: os.stat_result) -> None:
    st = os.lstat(path)
    if (st.st_dev, st.st_ino) != (created.st_dev, created.st_ino) or not stat.S_ISREG(
            st.st_mode):
        raise UnsafeHostPath(f"{path} was replaced while ostack wrote it.",
                             "Find out who is changing the host directory.")


def adopt_file(path: Path, mode: int, gid: int | None = None) -> bool:
    """Whether a regular file is at ``path``; if so, give it back to us with ``mode``/``gid``.

    Refuses a link or anything but a regular file in its place. This also tightens copies
    that older versions left world-readable.
    """
    try:
        fd = os.open(path, _OPEN_EXISTING)
    except FileNotFoundError:
        return False
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _exists_error(path) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafeHostPath(f"{path} is not a regular file.",
                                 "Remove it (and find out who put it there).")
        _set_owner_mode(fd, mode, gid)
    finally:
        os.close(fd)
    return True


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: Path, mode: int, gid: int | None = None) -> Iterator[BinaryIO]:
    """Write a new ``path``: yield a file to fill, then make it durable and rename it in place.

    The temporary file is created beside ``path`` with O_EXCL | O_NOFOLLOW, so nothing can
    be written through a planted name; the rename replaces whatever is at ``path`` (a link
    included) without following it, and a reader sees the old file or the whole new one.
    """
    directory = path.parent
    for _ in range(16):
        tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, _CREATE, _PRIVATE)
            break
        except FileExistsError:
            continue
    else:
        raise UnsafeHostPath(f"Cannot create a temporary file in {directory}.",
                             "Remove the .*.tmp files there.")
    try:
        with os.fdopen(fd, "wb") as out:
            _set_owner_mode(out.fileno(), mode, gid)
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.rename(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def copy_atomic(source: Path, target: Path, mode: int, gid: int | None = None) -> None:
    """Copy ``source`` to ``target`` with ``atomic_write``."""
    with source.open("rb") as src, atomic_write(target, mode, gid) as out:
        shutil.copyfileobj(src, out, COPY_CHUNK)


def read_file(path: Path) -> bytes | None:
    """The bytes of the regular file at ``path`` (not through a link), or None if missing."""
    try:
        fd = os.open(path, _OPEN_EXISTING)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeHostPath(f"Refusing to read {path}: it is a symbolic link.",
                                 "Remove the link (and find out who planted it).") from None
        raise
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise UnsafeHostPath(f"{path} is not a regular file.",
                                 "Remove it (and find out who put it there).")
        return f.read()
