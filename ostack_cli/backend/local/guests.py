"""A guest's files on the host: the image cache, its disk overlay, config drive and console log.

Base images are copied out of the private image store into ``_base`` (as Nova caches Glance
images there), because QEMU runs as another user and must read them as backing files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ostack_cli.backend.local.runner import run

QEMU_IMG = "qemu-img"
GIB = 1024**3


@dataclass(frozen=True)
class InstanceFiles:
    directory: Path

    @classmethod
    def of(cls, host_dir: Path, server_id: str) -> InstanceFiles:
        return cls(host_dir / "instances" / server_id)

    @property
    def disk(self) -> Path:
        return self.directory / "disk"

    @property
    def config_drive(self) -> Path:
        return self.directory / "disk.config"

    @property
    def console_log(self) -> Path:
        return self.directory / "console.log"

    def create(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o711)

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def cached_base(host_dir: Path, image_id: str, source: Path) -> Path:
    """The image's file in the base cache, copied there once (atomically)."""
    base_dir = host_dir / "_base"
    base_dir.mkdir(parents=True, exist_ok=True)
    base_dir.chmod(0o711)
    target = base_dir / image_id
    if target.exists():
        return target
    tmp = base_dir / f".{image_id}.{os.getpid()}.tmp"
    try:
        shutil.copyfile(source, tmp)
        tmp.chmod(0o644)
        tmp.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def create_overlay(base: Path, base_format: str, overlay: Path, size_bytes: int | None) -> None:
    """A qcow2 overlay on ``base``; the backing format is always given (never probed)."""
    argv = [QEMU_IMG, "create", "-q", "-f", "qcow2", "-F", base_format, "-b", str(base),
            str(overlay)]
    if size_bytes:
        argv.append(str(size_bytes))
    run(argv)


def read_console(path: Path, lines: int | None = None) -> str:
    try:
        text = path.read_bytes().decode(errors="replace")
    except FileNotFoundError:
        return ""
    if lines is None:
        return text
    if lines <= 0:
        return ""
    kept = text.splitlines(keepends=True)[-lines:]
    return "".join(kept)
