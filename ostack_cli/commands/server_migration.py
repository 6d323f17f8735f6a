"""``server migration list|show|abort|force complete``: Nova's migration records.

The real client (openstackclient/compute/v2/server_migration.py) speaks the newest
microversion both sides know, so its columns are those of 2.80: ``Id`` and ``UUID`` first,
``Type``, and ``Project``/``User`` when filtered by them. A migration is named by its
integer ID, or by its UUID, which the real client looks up among the server's in-progress
live migrations."""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from ostack_cli.backend.models.migration import Migration, MigrationFilters
from ostack_cli.backend.models.server import Server
from ostack_cli.commands.base import Command, Lister, ShowOne
from ostack_cli.commands.identity_common import add_project_domain, add_user_domain, find_id
from ostack_cli.commands.pagination import add_marker_pagination
from ostack_cli.errors import CommandError, NotFound

LIST_COLUMNS = (("Id", "id"), ("UUID", "uuid"), ("Source Node", "source_node"),
                ("Dest Node", "dest_node"), ("Source Compute", "source_compute"),
                ("Dest Compute", "dest_compute"), ("Dest Host", "dest_host"),
                ("Status", "status"), ("Server UUID", "server_id"),
                ("Old Flavor", "old_flavor_id"), ("New Flavor", "new_flavor_id"),
                ("Type", "migration_type"))
TIMES = (("Created At", "created_at"), ("Updated At", "updated_at"))
SHOW_COLUMNS = (("ID", "id"), ("Server UUID", "server_id"), ("Status", "status"),
                ("Source Compute", "source_compute"), ("Source Node", "source_node"),
                ("Dest Compute", "dest_compute"), ("Dest Host", "dest_host"),
                ("Dest Node", "dest_node"), ("Memory Total Bytes", "memory_total_bytes"),
                ("Memory Processed Bytes", "memory_processed_bytes"),
                ("Memory Remaining Bytes", "memory_remaining_bytes"),
                ("Disk Total Bytes", "disk_total_bytes"),
                ("Disk Processed Bytes", "disk_processed_bytes"),
                ("Disk Remaining Bytes", "disk_remaining_bytes"),
                ("Created At", "created_at"), ("Updated At", "updated_at"),
                ("UUID", "uuid"), ("User ID", "user_id"), ("Project ID", "project_id"))


class ListMigration(Lister):
    """List server migrations"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--server", metavar="<server>",
                            help="Filter migrations by server (name or ID)")
        parser.add_argument("--host", metavar="<host>",
                            help="Filter migrations by source or destination host")
        parser.add_argument("--status", metavar="<status>", help="Filter migrations by status")
        parser.add_argument("--type", metavar="<type>",
                            choices=["evacuation", "live-migration", "cold-migration",
                                     "resize"],
                            help="Filter migrations by type")
        add_marker_pagination(parser)
        parser.add_argument("--changes-since", dest="changes_since",
                            metavar="<changes-since>",
                            help="List only migrations changed later or equal to a certain "
                            "point of time. The provided time should be an ISO 8061 formatted "
                            "time, e.g. ``2016-03-04T06:27:59Z``. (supported with "
                            "--os-compute-api-version 2.59 or above)")
        parser.add_argument("--changes-before", dest="changes_before",
                            metavar="<changes-before>",
                            help="List only migrations changed earlier or equal to a certain "
                            "point of time. The provided time should be an ISO 8061 formatted "
                            "time, e.g. ``2016-03-04T06:27:59Z``. (supported with "
                            "--os-compute-api-version 2.66 or above)")
        parser.add_argument("--project", metavar="<project>",
                            help="Filter migrations by project (name or ID) (supported with "
                            "--os-compute-api-version 2.80 or above)")
        add_project_domain(parser)
        parser.add_argument("--user", metavar="<user>",
                            help="Filter migrations by user (name or ID) (supported with "
                            "--os-compute-api-version 2.80 or above)")
        add_user_domain(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        server_id = None
        if parsed_args.server:
            server_id = self.backend.find_server(parsed_args.server).id
        # The real client's alias: Nova calls a cold migration ``migration``.
        kind = "migration" if parsed_args.type == "cold-migration" else parsed_args.type
        project_id = user_id = None
        if parsed_args.project:
            project_id = find_id(self.backend.find_project, parsed_args.project)
        if parsed_args.user:
            user_id = find_id(self.backend.find_user, parsed_args.user)
        migrations = self.backend.migrations(MigrationFilters(
            host=parsed_args.host, status=parsed_args.status, server_id=server_id,
            migration_type=kind, project_id=project_id, user_id=user_id,
            changes_since=parsed_args.changes_since,
            changes_before=parsed_args.changes_before,
            # A --limit asks for one page only (the real client's ``paginated=False``).
            limit=parsed_args.limit or None, marker=parsed_args.marker))
        if parsed_args.max_items is not None:
            migrations = migrations[:parsed_args.max_items]
        columns = list(LIST_COLUMNS)
        if parsed_args.project:
            columns.append(("Project", "project_id"))
        if parsed_args.user:
            columns.append(("User", "user_id"))
        columns += TIMES
        return ([header for header, _ in columns],
                [tuple(_value(m, field) for _, field in columns) for m in migrations])


def _value(migration: Migration, field: str) -> Any:
    value = getattr(migration, field)
    # Nova's IDs are integers (kept as text in the store).
    return int(value) if field == "id" and str(value).isdigit() else value


def _checked_migration(value: str) -> None:
    if not value.isdigit():
        try:
            uuid.UUID(value)
        except ValueError:
            raise CommandError("The <migration> argument must be an ID or UUID") from None


def _add_server_and_migration(parser: argparse.ArgumentParser, migration_help: str) -> None:
    parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
    parser.add_argument("migration", metavar="<migration>", help=migration_help)


class _ByMigration:
    """What show, abort and force complete share: the migration by ID, or by UUID among the
    server's in-progress live migrations (the real client's ``_get_migration_by_uuid``)."""

    backend: Any

    def by_uuid(self, server: Server, migration_uuid: str) -> Migration:
        for migration in self.backend.server_migrations(server):
            if migration.uuid == migration_uuid:
                return migration
        raise CommandError(f"In-progress live migration {migration_uuid} is not found for "
                           f"server {server.id}")


class ShowMigration(_ByMigration, ShowOne):
    """Show an in-progress live migration for a given server.

    Note that it is not possible to show cold migrations or completed live-migrations. Use
    'openstack server migration list' to get details for these.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_server_and_migration(parser, "Migration (ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        _checked_migration(parsed_args.migration)
        server = self.backend.find_server(parsed_args.server)
        if parsed_args.migration.isdigit():
            # The real client hands openstacksdk its arguments crossed
            # (``get_server_migration(server.id, migration)``): Nova is asked for migration
            # <server ID> of server <migration ID>, which no server is.
            raise NotFound(f"No ServerMigration found for {server.id}: Instance "
                           f"{parsed_args.migration} could not be found.")
        migration = self.by_uuid(server, parsed_args.migration)
        return ([header for header, _ in SHOW_COLUMNS],
                [_value(migration, field) for _, field in SHOW_COLUMNS])


class _MigrationAction(_ByMigration, Command):
    """An action on one migration of a server, named by its ID or UUID."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_server_and_migration(parser, "Migration (ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        _checked_migration(parsed_args.migration)
        server = self.backend.find_server(parsed_args.server)
        migration_id = parsed_args.migration
        if not migration_id.isdigit():
            migration_id = self.by_uuid(server, migration_id).id
        self.act(server, migration_id)

    def act(self, server: Server, migration_id: str) -> None:
        raise NotImplementedError


class AbortMigration(_MigrationAction):
    """Cancel an ongoing live migration.

    This command requires ``--os-compute-api-version`` 2.24 or greater.
    """

    def act(self, server: Server, migration_id: str) -> None:
        self.backend.abort_server_migration(server, migration_id)


class ForceCompleteMigration(_MigrationAction):
    """Force an ongoing live migration to complete.

    This command requires ``--os-compute-api-version`` 2.22 or greater.
    """

    def act(self, server: Server, migration_id: str) -> None:
        self.backend.force_complete_server_migration(server, migration_id)
