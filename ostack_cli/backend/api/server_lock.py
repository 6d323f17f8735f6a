"""Locks and tags on servers; the acting user's name (``server ssh``'s default login)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.server import Server


class ServerLockAPI(Protocol):
    def lock_server(self, server: Server, *, reason: str | None = None) -> None: ...

    def unlock_server(self, server: Server) -> None: ...

    def add_server_tag(self, server: Server, tag: str) -> None: ...

    def remove_server_tag(self, server: Server, tag: str) -> None: ...

    def remove_server_tags(self, server: Server) -> None: ...

    def acting_user_name(self) -> str:
        """The name of the user commands act as (the token's user)."""
        ...
