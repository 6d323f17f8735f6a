"""Backup files: one standalone qcow2 copy of a volume (or snapshot) a backup, in the private
state directory (``backups/backup-<id>``), as Cinder's posix backup driver keeps its backups
apart from the volume backend. QEMU never reads them, so they stay root's (0600).

A copy is made under a partial name (``.backup-<id>.part``) and renamed once whole: a file
under a backup's own name is always complete. Formats are given to qemu-img, never probed.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from ostack_cli.backend.local import host_files, image_files
from ostack_cli.backend.local.runner import run
from ostack_cli.backend.local.volume_files import COPY_TIMEOUT

DIRECTORY = "backups"
PREFIX = "backup-"
PARTIAL_SUFFIX = ".part"
FILE_MODE = 0o600
DIR_MODE = 0o700


@dataclass(frozen=True)
class BackupFiles:
    """The backups directory of one state directory."""

    state_dir: Path

    @property
    def directory(self) -> Path:
        return self.state_dir / DIRECTORY

    def backup(self, backup_id: str) -> Path:
        return host_files.child(self.directory, f"{PREFIX}{backup_id}")

    @staticmethod
    def partial(path: Path) -> Path:
        return path.with_name(f".{path.name}{PARTIAL_SUFFIX}")

    def save(self, source: Path, final: Path) -> int:
        """A standalone qcow2 copy of the volume file ``source`` as ``final``; its size in
        bytes. ``-U``: the guest of an in-use volume (``--force``) may hold the file."""
        host_files.ensure_dir(self.directory, DIR_MODE, what="backups directory")
        partial = self.partial(final)
        created = host_files.create_file(partial, FILE_MODE)
        try:
            run([image_files.qemu_img(), "convert", "-q", "-U", "-f", "qcow2", "-O", "qcow2",
                 str(source), str(partial)], timeout=COPY_TIMEOUT)
            host_files.check_same_file(partial, created)
            os.rename(partial, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise
        return final.stat().st_size

    @staticmethod
    def restore(backup: Path, target: Path) -> None:
        """The backup's data written over the volume file ``target`` (as big or bigger):
        ``-n`` keeps the target file itself (its size, mode and group)."""
        run([image_files.qemu_img(), "convert", "-q", "-n", "-f", "qcow2", "-O", "qcow2",
             str(backup), str(target)], timeout=COPY_TIMEOUT)

    @staticmethod
    def remove(path: Path) -> None:
        for candidate in (path, BackupFiles.partial(path)):
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()
