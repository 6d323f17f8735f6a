"""One converge at a time per store: a lock in its state directory (apart from the reconciler
so that the firewall-only converge takes the same lock without loading the reconciler)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from ostack_cli.state.locks import exclusive_lock


def host_lock(state_dir: Path) -> AbstractContextManager[None]:
    """One converge at a time per store: each reads the store once it holds the lock, so the
    last one to write a router's NAT or the firewall also saw the latest records."""
    return exclusive_lock(state_dir / "host.lock")
