"""Fernet keys as keystone-manage keeps them: a directory of numbered key files.

``0`` is the staged key (the next primary, already accepted so that a rotation never
invalidates a token another process just issued), the highest number the primary (it
encrypts), the others secondaries (they only decrypt, until rotated out). ``setup`` is
``keystone-manage fernet_setup`` (keys 0 and 1), ``rotate`` is ``fernet_rotate``: the staged
key becomes the primary under the next number, a new staged key is made, and the oldest
secondaries go beyond ``max_active_keys`` (Keystone's default 3). The directory is 0700, the
keys 0600, never readable by anyone else.

A running server re-reads the directory when it changes (its mtime), so a rotation made by
``ostack api rotate-keys`` takes effect without a restart.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ostack_cli.state.paths import ensure_private_dir, write_private_file

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

KEY_DIR = "fernet-keys"
MAX_ACTIVE_KEYS = 3


class KeyRepository:
    def __init__(self, directory: Path, *, max_active_keys: int = MAX_ACTIVE_KEYS) -> None:
        self.directory = directory
        self.max_active_keys = max_active_keys
        self._lock = threading.Lock()
        self._loaded: tuple[int, MultiFernet] | None = None

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> KeyRepository:
        return cls(state_dir / KEY_DIR)

    def keys(self) -> dict[int, bytes]:
        """The keys by number (files whose name is not a number are not keys)."""
        found: dict[int, bytes] = {}
        if not self.directory.is_dir():
            return found
        for path in self.directory.iterdir():
            if path.name.isdigit():
                found[int(path.name)] = path.read_bytes().strip()
        return found

    def setup(self) -> None:
        """keystone-manage fernet_setup: keys 0 (staged) and 1 (primary), unless there are
        keys already."""
        ensure_private_dir(self.directory)
        if self.keys():
            return
        self._write(0)
        self.rotate()

    def rotate(self) -> None:
        """keystone-manage fernet_rotate."""
        ensure_private_dir(self.directory)
        keys = self.keys()
        if 0 not in keys:
            self._write(0)
            keys = self.keys()
        primary = max(keys) + 1
        os.replace(self.directory / "0", self.directory / str(primary))
        self._write(0)
        # Keep the staged key, the primary and the newest secondaries.
        numbers = sorted(k for k in self.keys() if k not in (0, primary))
        excess = len(numbers) + 2 - self.max_active_keys
        for number in numbers[:max(excess, 0)]:
            (self.directory / str(number)).unlink()

    def fernet(self) -> MultiFernet:
        """The primary first (it encrypts), then the others: what decrypts any live token."""
        stamp = self.directory.stat().st_mtime_ns
        loaded = self._loaded
        if loaded is not None and loaded[0] == stamp:
            return loaded[1]
        with self._lock:
            from cryptography.fernet import Fernet, MultiFernet

            keys = self.keys()
            if not keys:
                raise RuntimeError(f"no Fernet keys in {self.directory}")
            primary = max(keys)
            order = [primary, *sorted((k for k in keys if k != primary), reverse=True)]
            multi = MultiFernet([Fernet(keys[k]) for k in order])
            self._loaded = (stamp, multi)
            return multi

    def _write(self, number: int) -> None:
        from cryptography.fernet import Fernet

        path = self.directory / str(number)
        temporary = self.directory / f".{number}.tmp"
        write_private_file(temporary, Fernet.generate_key())
        os.replace(temporary, path)
