"""Keypairs (Nova)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.keypair import KEYPAIR_TYPE_SSH, Keypair


class KeypairAPI(Protocol):
    """Keypairs belong to a user; ``user`` (name or ID) defaults to the acting user."""

    def keypairs(self, *, user: str | None = None, marker: str | None = None) -> list[Keypair]:
        """The user's keypairs by name; ``marker``: only those after the keypair so named."""
        ...

    def find_keypair(self, name: str, *, user: str | None = None) -> Keypair: ...

    def create_keypair(
        self,
        name: str,
        public_key: str,
        *,
        key_type: str = KEYPAIR_TYPE_SSH,
        user: str | None = None,
    ) -> Keypair:
        """Import ``public_key`` (OpenSSH line, or a PEM certificate for x509) as ``name``."""
        ...

    def delete_keypair(self, name: str, *, user: str | None = None) -> None: ...
