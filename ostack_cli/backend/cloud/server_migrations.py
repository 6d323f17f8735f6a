"""Cold and live migration and evacuation through Nova (openstacksdk's compute proxy), with the
arguments the real client passes."""

from __future__ import annotations

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
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
