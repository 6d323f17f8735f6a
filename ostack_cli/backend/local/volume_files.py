"""Volume and snapshot files in the host directory, as Cinder's NFS driver keeps them: one
qcow2 file a volume (``volumes/volume-<id>``) and one a snapshot (``volumes/snapshot-<id>``,
a standalone copy of the volume as it was).

A file is made under a partial name first (``volumes/.volume-<id>.part``) and renamed into
place once whole, so that a file under a volume's own name is always complete; a partial
file whose record no longer says it is being made is the reconciler's to remove
(reconcile/desired.py names what may exist). Every file is made through ``host_files`` (no
link followed, explicit modes: QEMU's group reads what a guest may be given) and every
format is given to qemu-img, never probed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ostack_cli import faults
from ostack_cli.backend.local import host_files, image_files
from ostack_cli.backend.local.runner import run

DIRECTORY = "volumes"
VOLUME_PREFIX = "volume-"
SNAPSHOT_PREFIX = "snapshot-"
PARTIAL_SUFFIX = ".part"
# Copying many GiB takes a while on a busy host; qemu-img is never left hanging for ever.
COPY_TIMEOUT = 3600.0


def volume_name(volume_id: str) -> str:
    return f"{VOLUME_PREFIX}{volume_id}"


def snapshot_name(snapshot_id: str) -> str:
    return f"{SNAPSHOT_PREFIX}{snapshot_id}"


def partial_name(name: str) -> str:
    """The name a file is made under before it is whole."""
    return f".{name}{PARTIAL_SUFFIX}"


def owner_of(name: str) -> tuple[str, str]:
    """The record a file in the volumes directory belongs to: (store kind, ID), or
    ("host", name) for a name ostack never makes."""
    base = name
    if base.startswith(".") and base.endswith(PARTIAL_SUFFIX):
        base = base[1:-len(PARTIAL_SUFFIX)]
    if base.startswith(VOLUME_PREFIX):
        return "volume", base.removeprefix(VOLUME_PREFIX)
    if base.startswith(SNAPSHOT_PREFIX):
        return "volume_snapshot", base.removeprefix(SNAPSHOT_PREFIX)
    return "host", name


# Statuses in which a volume's or snapshot's file is still being made (under its partial
# name); in any other, a partial file is debris the host reconciler removes.
MAKING = ("creating", "downloading")


def wanted(volumes: Iterable[tuple[str, str]],
           snapshots: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The names the volumes directory may hold, from the records' (ID, status): each
    record's file, and its partial file while it is being made."""
    names: set[str] = set()
    for prefix, records in ((VOLUME_PREFIX, volumes), (SNAPSHOT_PREFIX, snapshots)):
        for record_id, status in records:
            names.add(f"{prefix}{record_id}")
            if status in MAKING:
                names.add(partial_name(f"{prefix}{record_id}"))
    return frozenset(names)


def ours(name: str) -> bool:
    """Whether a name in the volumes directory is one ostack makes (others are left be)."""
    return owner_of(name)[0] != "host"


@dataclass(frozen=True)
class VolumeFiles:
    """The volumes directory of one host directory."""

    host_dir: Path

    @property
    def directory(self) -> Path:
        return self.host_dir / DIRECTORY

    def volume(self, volume_id: str) -> Path:
        return host_files.child(self.directory, volume_name(volume_id))

    def snapshot(self, snapshot_id: str) -> Path:
        return host_files.child(self.directory, snapshot_name(snapshot_id))

    @staticmethod
    def partial(path: Path) -> Path:
        return path.with_name(partial_name(path.name))

    def ensure_directory(self) -> Path:
        access = host_files.qemu_access()
        return host_files.ensure_dir(self.directory, access.dir_mode, access.gid,
                                     what="volumes directory")

    # -- making -----------------------------------------------------------------------

    def make(self, final: Path, size_bytes: int, source: Path | None = None,
             source_format: str = "qcow2") -> None:
        """``final``: a qcow2 of ``size_bytes``, blank or holding ``source``'s data (a
        Glance format: raw, qcow2, ...), made under its partial name and renamed in place."""
        self.ensure_directory()
        partial = self.partial(final)
        access = host_files.qemu_access()
        created = host_files.create_file(partial, access.disk_mode, access.gid)
        try:
            qemu_img = image_files.qemu_img()
            run([qemu_img, "create", "-q", "-f", "qcow2", str(partial), str(size_bytes)])
            faults.reached("volume-file:partial")
            if source is not None:
                # -n: into the file just made (its size, mode and group), never a new one.
                run([qemu_img, "convert", "-q", "-n", "-f",
                     image_files.qemu_format(source_format), "-O", "qcow2", str(source),
                     str(partial)], timeout=COPY_TIMEOUT)
            host_files.check_same_file(partial, created)
            _fsync(partial)
            os.rename(partial, final)
            _fsync_dir(final.parent)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise

    def copy(self, source: Path, final: Path) -> None:
        """A standalone qcow2 copy of ``source`` (a stopped volume), as ``final``."""
        self.make(final, virtual_size(source), source, "qcow2")

    def grow(self, path: Path, size_bytes: int) -> None:
        """Make a volume ``size_bytes`` big (never smaller)."""
        if size_bytes <= virtual_size(path):
            return
        run([image_files.qemu_img(), "resize", "-q", "-f", "qcow2", str(path),
             str(size_bytes)], timeout=COPY_TIMEOUT)

    def export(self, path: Path, disk_format: str, directory: Path) -> Path:
        """The volume's data in Glance ``disk_format``, in a new private file of
        ``directory`` (an upload to the image store). ``-U``: a guest's QEMU may hold it."""
        import tempfile

        fd, name = tempfile.mkstemp(dir=directory, prefix=image_files.UPLOAD_PREFIX)
        os.close(fd)
        staged = Path(name)
        try:
            run([image_files.qemu_img(), "convert", "-q", "-U", "-f", "qcow2", "-O",
                 image_files.qemu_format(disk_format), str(path), str(staged)],
                timeout=COPY_TIMEOUT)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return staged

    @staticmethod
    def remove(path: Path) -> None:
        """A volume's or snapshot's file gone, and any partial one too."""
        for candidate in (path, VolumeFiles.partial(path)):
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()


@dataclass(frozen=True)
class Digest:
    size: int
    checksum: str  # MD5, Glance's ``checksum``
    hash_value: str  # Glance's ``os_hash_value``


def digest(path: Path) -> Digest:
    """What Glance records of an image's data."""
    import hashlib

    md5 = hashlib.md5(usedforsecurity=False)
    sha = hashlib.new(image_files.HASH_ALGO)
    size = 0
    with path.open("rb") as data:
        while chunk := data.read(image_files.CHUNK):
            md5.update(chunk)
            sha.update(chunk)
            size += len(chunk)
    return Digest(size, md5.hexdigest(), sha.hexdigest())


def virtual_size(path: Path) -> int:
    info = image_files.qemu_img_info(path, "qcow2")
    return int(info.get("virtual-size") or 0)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
