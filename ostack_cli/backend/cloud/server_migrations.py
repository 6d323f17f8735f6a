"""Cold and live migration and evacuation through Nova (openstacksdk's compute proxy), with the
arguments the real client passes."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.migration import Migration, MigrationFilters
from ostack_cli.backend.models.server import Server


@translate_errors
class CloudServerMigrations(CloudBase):
    def migrate_server(self, server: Server, *, host: str | None = None) -> None:
        if host:
            self.conn.compute.migrate_server(server.id, host=host)
        else:
            self.conn.compute.migrate_server(server.id)

    def live_migrate_server(self, server: Server, *, host: str | None = None,
                            block_migration: bool | str = "auto") -> None:
        self.conn.compute.live_migrate_server(server.id, host=host,
                                              block_migration=block_migration)

    def evacuate_server(self, server: Server, *, host: str | None = None,
                        password: str | None = None) -> None:
        self.conn.compute.evacuate_server(server.id, host=host, admin_pass=password)

    # -- migration records (``server migration list|show|abort|force complete``) ---------

    def migrations(self, filters: MigrationFilters) -> list[Migration]:
        # The real client's search options, in openstacksdk's names.
        search: dict[str, Any] = {}
        for option, value in (("host", filters.host), ("status", filters.status),
                              ("instance_uuid", filters.server_id),
                              ("migration_type", filters.migration_type),
                              ("marker", filters.marker),
                              ("changes_since", filters.changes_since),
                              ("changes_before", filters.changes_before),
                              ("project_id", filters.project_id),
                              ("user_id", filters.user_id)):
            if value is not None:
                search[option] = value
        if filters.limit is not None:
            search.update(limit=filters.limit, paginated=False)
        return [_migration(m) for m in self.conn.compute.migrations(**search)]

    def server_migrations(self, server: Server) -> list[Migration]:
        return [_migration(m) for m in self.conn.compute.server_migrations(server.id)]

    def get_server_migration(self, server: Server, migration_id: str) -> Migration:
        return _migration(self.conn.compute.get_server_migration(
            server.id, migration_id, ignore_missing=False))

    def abort_server_migration(self, server: Server, migration_id: str) -> None:
        self.conn.compute.abort_server_migration(migration_id, server.id,
                                                 ignore_missing=False)

    def force_complete_server_migration(self, server: Server, migration_id: str) -> None:
        self.conn.compute.force_complete_server_migration(migration_id, server.id)


def _migration(found: Any) -> Migration:
    """openstacksdk's Migration or ServerMigration, as the model (fields one lacks: None)."""
    def field(name: str) -> Any:
        return getattr(found, name, None)

    return Migration(
        id=str(found.id), uuid=field("uuid"), server_id=field("server_id") or "",
        migration_type=field("migration_type") or "", status=field("status") or "",
        source_compute=field("source_compute"), source_node=field("source_node"),
        dest_compute=field("dest_compute"), dest_node=field("dest_node"),
        dest_host=field("dest_host"), old_flavor_id=field("old_flavor_id"),
        new_flavor_id=field("new_flavor_id"), project_id=field("project_id"),
        user_id=field("user_id"),
        memory_total_bytes=field("memory_total_bytes"),
        memory_processed_bytes=field("memory_processed_bytes"),
        memory_remaining_bytes=field("memory_remaining_bytes"),
        disk_total_bytes=field("disk_total_bytes"),
        disk_processed_bytes=field("disk_processed_bytes"),
        disk_remaining_bytes=field("disk_remaining_bytes"),
        created_at=field("created_at") or "", updated_at=field("updated_at"))
