"""``server migrate`` (cold and ``--live-migration``), ``server migrate confirm|revert``
(deprecated), ``server migration confirm|revert`` and ``server evacuate``.

The local backend answers as Nova does on a cloud with exactly one compute host (see
backend/local/server_migrations.py); the options and client-side checks are the real
client's, at the microversions both backends speak (2.30+ for a live migration to a host,
2.56+ for a cold one, 2.14+ for evacuate)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import LOG, Command, ShowOne, show_fields
from ostack_cli.commands.server_format import image_label, progress_printer, server_fields
from ostack_cli.commands.server_lifecycle import ResizeConfirm, ResizeRevert
from ostack_cli.errors import CommandError


class MigrateServer(Command):
    """Migrate server to different host.

    There are two types of migration operation: a cold migration and a live migration.

    A cold migration operation is implemented as a resize operation using the same flavor as
    the old server. This means that, like resize, migrate works by shutting down the original
    server, creating a new server using the same flavor and copying the contents of the
    original disk into a new one. As with resize, the migrate operation is a two-step process
    for the user: the first step is to perform the migrate, and the second step is to either
    confirm (verify) success and release the old server, or to declare a revert to release
    the new server and restart the old one.

    By comparison, a live migration operation does not involve shutting the server down, and
    is a one-step process that does not require a confirmation or revert to finish.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        parser.add_argument("--live-migration", dest="live_migration", action="store_true",
                            help="Live migrate the server; use the ``--host`` option to "
                            "specify a target host for the migration which will be validated "
                            "by the scheduler")
        parser.add_argument("--host", metavar="<hostname>",
                            help="Migrate the server to the specified host. (supported with "
                            "--os-compute-api-version 2.30 or above when used with the "
                            "--live-migration option) (supported with "
                            "--os-compute-api-version 2.56 or above when used without the "
                            "--live-migration option)")
        migration = parser.add_mutually_exclusive_group()
        migration.add_argument("--shared-migration", dest="block_migration",
                               action="store_false", default=None,
                               help="Perform a shared live migration (default before "
                               "--os-compute-api-version 2.25, auto after)")
        migration.add_argument("--block-migration", dest="block_migration",
                               action="store_true",
                               help="Perform a block live migration (auto-configured from "
                               "--os-compute-api-version 2.25)")
        disk = parser.add_mutually_exclusive_group()
        disk.add_argument("--disk-overcommit", action="store_true", default=None,
                          help="Allow disk over-commit on the destination host (supported "
                          "with --os-compute-api-version 2.24 or below)")
        disk.add_argument("--no-disk-overcommit", dest="disk_overcommit",
                          action="store_false",
                          help="Do not over-commit disk on the destination host (default) "
                          "(supported with --os-compute-api-version 2.24 or below)")
        parser.add_argument("--wait", action="store_true", help="Wait for migrate to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        if parsed_args.live_migration:
            block_migration = parsed_args.block_migration
            if parsed_args.disk_overcommit is not None:
                LOG.warning("The --disk-overcommit and --no-disk-overcommit options are only "
                            "supported by --os-compute-api-version 2.24 or below; this will "
                            "be an error in a future release")
            self.backend.live_migrate_server(
                server, host=parsed_args.host,
                block_migration="auto" if block_migration is None else block_migration)
        else:
            if parsed_args.block_migration or parsed_args.disk_overcommit:
                raise CommandError("--live-migration must be specified if --block-migration "
                                   "or --disk-overcommit is specified")
            self.backend.migrate_server(server, host=parsed_args.host or None)
        if parsed_args.wait:
            done = self.backend.wait_for_server(
                server, statuses=("ACTIVE", "VERIFY_RESIZE"), failures=("ERROR",),
                callback=progress_printer())
            if done.status == "ERROR":
                raise CommandError(f"Error migrating server: {server.id}")
            self.app.stdout.write("Complete, check success/failure by openstack server "
                                  "migration/event list/show\n")


class MigrateConfirm(ResizeConfirm):
    """DEPRECATED: Use 'server migration confirm' instead."""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        LOG.warning("The 'server migrate confirm' command has been deprecated in favour of "
                    "the 'server migration confirm' command.")
        super().take_action(parsed_args)


class ConfirmMigration(ResizeConfirm):
    """Confirm server migration.

    Confirm (verify) success of the migration operation and release the old server.
    """


class MigrateRevert(ResizeRevert):
    """DEPRECATED: Use 'server migration revert' instead."""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        LOG.warning("The 'server migrate revert' command has been deprecated in favour of "
                    "the 'server migration revert' command.")
        super().take_action(parsed_args)


class RevertMigration(ResizeRevert):
    """Revert server migration.

    Revert the migration operation. Release the new server and restart the old one.
    """


class EvacuateServer(ShowOne):
    """Evacuate a server to a different host.

    This command is used to recreate a server after the host it was on has failed. It can
    only be used if the compute service that manages the server is down. This command should
    only be used by an admin after they have confirmed that the instance is not running on
    the failed host.

    If the server instance was created with an ephemeral root disk on non-shared storage the
    server will be rebuilt using the original glance image preserving the ports and any
    attached data volumes.

    If the server uses boot for volume or has its root disk on shared storage the root disk
    will be preserved and reused for the evacuated instance on the new host."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        parser.add_argument("--wait", action="store_true",
                            help="Wait for evacuation to complete")
        parser.add_argument("--host", metavar="<host>", default=None,
                            help="Set the preferred host on which to rebuild the evacuated "
                            "server. The host will be validated by the scheduler. (supported "
                            "by --os-compute-api-version 2.29 or above)")
        storage = parser.add_mutually_exclusive_group()
        storage.add_argument("--password", metavar="<password>", default=None,
                             help="Set the password on the evacuated instance. This option is "
                             "mutually exclusive with the --shared-storage option. This "
                             "option requires cloud support.")
        storage.add_argument("--shared-storage", action="store_true", dest="shared_storage",
                             help="Indicate that the instance is on shared storage. This will "
                             "be auto-calculated with --os-compute-api-version 2.14 and "
                             "greater and should not be used with later microversions. This "
                             "option is mutually exclusive with the --password option")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.shared_storage:
            raise CommandError("--os-compute-api-version 2.13 or earlier is required to "
                               "specify shared-storage.")
        server = self.backend.find_server(parsed_args.server)
        self.backend.evacuate_server(server, host=parsed_args.host,
                                     password=parsed_args.password)
        if parsed_args.wait:
            wanted = ("ACTIVE", "SHUTOFF") if server.status == "SHUTOFF" else ("ACTIVE",)
            done = self.backend.wait_for_server(server, statuses=wanted, failures=("ERROR",),
                                                callback=progress_printer())
            if done.status == "ERROR":
                raise CommandError(f"Error evacuating server: {server.id}")
            self.app.stdout.write("Complete\n")
        # The real client shows the server as it is once asked (fetched again).
        shown = self.backend.find_server(server.id)
        return show_fields(server_fields(shown, image_label(self.backend, shown.image_id)))
