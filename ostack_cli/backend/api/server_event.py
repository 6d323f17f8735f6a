"""A server's recorded actions and their events (Nova's os-instance-actions)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.server_action import ActionFilters, ServerAction


class ServerEventAPI(Protocol):
    def server_actions(
        self, server_id: str, filters: ActionFilters | None = None
    ) -> list[ServerAction]:
        """Newest first; a deleted server's too (by ID)."""
        ...

    def server_action(self, server_id: str, request_id: str) -> ServerAction:
        """One action with its events."""
        ...
