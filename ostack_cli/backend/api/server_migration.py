"""Moving a server to another host: cold and live migration, evacuation (Nova)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.server import Server


class ServerMigrationAPI(Protocol):
    def migrate_server(self, server: Server, *, host: str | None = None) -> None:
        """A cold migration (accepted; its outcome shows in the server's actions)."""
        ...

    def live_migrate_server(self, server: Server, *, host: str | None = None,
                            block_migration: bool | str = "auto") -> None: ...

    def evacuate_server(self, server: Server, *, host: str | None = None,
                        password: str | None = None) -> None: ...
