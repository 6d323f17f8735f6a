"""A guest's files on the host: the image cache, its disk overlay, config drive and console log.

Base images are copied out of the private image store into ``_base`` (as Nova caches Glance
images there), because QEMU runs as another user and must read them as backing files. Every
file and directory here is made through ``host_files``: checked, never through a link, with
the modes ``QemuAccess`` gives (what QEMU reads is its group's, nothing is world-readable).
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from ostack_cli.backend.local import host_files
from ostack_cli.backend.local.image_files import qemu_format
from ostack_cli.backend.local.runner import run

QEMU_IMG = "qemu-img"
GIB = 1024**3
# virtlogd keeps max_backups rotated logs (3 unless virtlogd.conf says otherwise); never look
# further than this for older console output.
MAX_ROTATED_LOGS = 32


@dataclass(frozen=True)
class InstanceFiles:
    directory: Path

    @classmethod
    def of(cls, host_dir: Path, server_id: str) -> InstanceFiles:
        return cls(host_files.child(host_dir / "instances", server_id))

    @property
    def disk(self) -> Path:
        return self.directory / "disk"

    @property
    def config_drive(self) -> Path:
        return self.directory / "disk.config"

    @property
    def rescue_disk(self) -> Path:
        """A rescued guest's boot disk, from the rescue image (Nova's ``disk.rescue``)."""
        return self.directory / "disk.rescue"

    @property
    def rescue_config_drive(self) -> Path:
        return self.directory / "disk.config.rescue"

    @property
    def resize_backup(self) -> Path:
        """The disk as it was before a resize, until the resize is confirmed or reverted."""
        return self.directory / "disk.resize-revert"

    @property
    def console_log(self) -> Path:
        """Written by virtlogd (root, 0600), rotated to ``console.log.0`` (newest), ``.1``..."""
        return self.directory / "console.log"

    def create(self) -> None:
        access = host_files.qemu_access()
        host_files.ensure_dir(self.directory.parent, access.dir_mode, access.gid,
                              what="instances directory")
        host_files.ensure_dir(self.directory, access.dir_mode, access.gid,
                              what="instance directory")

    def remove(self) -> None:
        # rmtree removes links, never what they point to.
        shutil.rmtree(self.directory, ignore_errors=True)


def cached_base(host_dir: Path, image_id: str, source: Path) -> Path:
    """The image's file in the base cache, copied there once (atomically), readable by QEMU.

    An existing copy is given back to root with the QEMU-readable mode: libvirt leaves
    backing files chowned to QEMU's user after a guest ran, and older versions of ostack
    made them world-readable.
    """
    access = host_files.qemu_access()
    base_dir = host_files.ensure_dir(host_dir / "_base", access.dir_mode, access.gid,
                                     what="image cache directory")
    target = host_files.child(base_dir, image_id)
    if host_files.adopt_file(target, access.read_mode, access.gid):
        return target
    host_files.copy_atomic(source, target, access.read_mode, access.gid)
    return target


def create_overlay(base: Path, disk_format: str, overlay: Path, size_bytes: int | None) -> None:
    """A qcow2 overlay on ``base`` (an image of Glance ``disk_format``).

    The backing format is always given (never probed), in QEMU's name for the Glance
    format. The file is made first, with its mode and without following links, and
    qemu-img then writes into it (it keeps the inode, mode and group).
    """
    access = host_files.qemu_access()
    argv = [QEMU_IMG, "create", "-q", "-f", "qcow2", "-F", qemu_format(disk_format), "-b",
            str(base), str(overlay)]
    if size_bytes:
        argv.append(str(size_bytes))
    created = host_files.create_file(overlay, access.disk_mode, access.gid)
    try:
        run(argv)
        host_files.check_same_file(overlay, created)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            overlay.unlink()
        raise


def read_console(path: Path, lines: int | None = None) -> str:
    """The guest's console output: the current log, or its last ``lines`` lines.

    virtlogd rotates the log at its max_size, so the current file may hold fewer lines than
    asked for (none at all just after a rotation): the tail then continues into the rotated
    files, newest (``.0``) first, as far as they go. Without ``lines`` only the current file
    is shown, as Nova shows it.
    """
    data = host_files.read_file(path) or b""
    if lines is None:
        return data.decode(errors="replace")
    if lines <= 0:
        return ""
    text = data.decode(errors="replace")
    for index in range(MAX_ROTATED_LOGS):
        # One line more than asked: the first line may have begun in the older file.
        if len(text.splitlines()) > lines:
            break
        older = host_files.read_file(path.with_name(f"{path.name}.{index}"))
        if older is None:
            break
        data = older + data  # bytes first: a character may be split across the two files
        text = data.decode(errors="replace")
    return "".join(text.splitlines(keepends=True)[-lines:])
