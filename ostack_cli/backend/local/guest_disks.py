"""What the lifecycle actions do to a guest's disk files with qemu-img: grow an overlay,
export it (with its backing file) as one standalone qcow2, keep and restore a copy.

Every format is given to qemu-img, never probed; the files are ours (the overlay made by
``create_overlay``, whose backing file and format ostack wrote).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ostack_cli.backend.local import host_files, image_files
from ostack_cli.backend.local.runner import run

# Exporting or copying a disk of many GiB takes a while under load; qemu-img is never left
# hanging for ever either.
DISK_TIMEOUT = 1800.0


def virtual_size(disk: Path) -> int:
    """The overlay's size as the guest sees it."""
    info = image_files.qemu_img_info(disk, "qcow2")
    return int(info.get("virtual-size") or 0)


def grow(disk: Path, size_bytes: int) -> None:
    """Make the overlay ``size_bytes`` big; never smaller (the guest's data would go)."""
    if size_bytes <= virtual_size(disk):
        return
    run([image_files.qemu_img(), "resize", "-q", "-f", "qcow2", str(disk), str(size_bytes)],
        timeout=DISK_TIMEOUT)


def keep_copy(disk: Path, copy: Path) -> None:
    """A copy of the (stopped) guest's overlay beside it, written atomically: a crash leaves
    the old copy or the whole new one, never half a disk under the copy's name."""
    access = host_files.qemu_access()
    host_files.copy_atomic(disk, copy, access.disk_mode, access.gid)


def restore_copy(copy: Path, disk: Path) -> None:
    """Put the kept copy back in place of the disk (a rename: all or nothing)."""
    os.replace(copy, disk)


@dataclass(frozen=True)
class ExportedDisk:
    path: Path
    size: int
    checksum: str  # MD5, Glance's ``checksum``
    hash_value: str  # SHA-512, Glance's ``os_hash_value``


def export(disk: Path, directory: Path, *, force_share: bool) -> ExportedDisk:
    """The guest's disk as Glance keeps a snapshot: one qcow2 file holding the overlay and
    its backing file's data, written to a new private temporary file in ``directory``.

    ``force_share``: the guest's QEMU still has the disk open (paused, so it has flushed
    everything): qemu-img reads it without taking the image lock.
    """
    fd, name = tempfile.mkstemp(dir=directory, prefix=image_files.UPLOAD_PREFIX)
    os.close(fd)
    path = Path(name)
    try:
        argv = [image_files.qemu_img(), "convert", "-q", "-f", "qcow2", "-O", "qcow2"]
        if force_share:
            argv.append("-U")
        run([*argv, str(disk), str(path)], timeout=DISK_TIMEOUT)
        size, md5, sha = _digest(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise
    return ExportedDisk(path, size, md5, sha)


def _digest(path: Path) -> tuple[int, str, str]:
    md5 = hashlib.md5(usedforsecurity=False)
    sha = hashlib.new(image_files.HASH_ALGO)
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(image_files.CHUNK):
            md5.update(chunk)
            sha.update(chunk)
            size += len(chunk)
        os.fsync(f.fileno())
    return size, md5.hexdigest(), sha.hexdigest()
