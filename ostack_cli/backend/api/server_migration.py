"""Moving a server to another host: cold and live migration, evacuation (Nova)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.migration import Migration, MigrationFilters
from ostack_cli.backend.models.server import Server


class ServerMigrationAPI(Protocol):
    def migrate_server(self, server: Server, *, host: str | None = None) -> None:
        """A cold migration (accepted; its outcome shows in the server's actions)."""
        ...

    def live_migrate_server(self, server: Server, *, host: str | None = None,
                            block_migration: bool | str = "auto") -> None: ...

    def evacuate_server(self, server: Server, *, host: str | None = None,
                        password: str | None = None) -> None: ...

    def migrations(self, filters: MigrationFilters) -> list[Migration]:
        """Every migration the filters let through (``GET /os-migrations``)."""
        ...

    def server_migrations(self, server: Server) -> list[Migration]:
        """The server's live migrations in progress."""
        ...

    def get_server_migration(self, server: Server, migration_id: str) -> Migration: ...

    def abort_server_migration(self, server: Server, migration_id: str) -> None: ...

    def force_complete_server_migration(self, server: Server, migration_id: str) -> None: ...
