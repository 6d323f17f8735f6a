"""Keypairs in the local store, as Nova keeps them."""

from __future__ import annotations

from ostack_cli.backend.local.base import LocalBase


class LocalKeypairs(LocalBase):
    pass
