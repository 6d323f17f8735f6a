"""One converge at a time per store: a lock in its state directory (apart from the reconciler
so that the firewall-only converge takes the same lock without loading the reconciler)."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def host_lock(state_dir: Path) -> Iterator[None]:
    """One converge at a time per store: each reads the store once it holds the lock, so the
    last one to write a router's NAT or the firewall also saw the latest records."""
    with open(state_dir / "host.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
