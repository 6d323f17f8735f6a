"""``volume backup create|list|show|set|unset|delete|restore`` (Cinder's backups;
python-openstackclient 10.5's ``openstackclient/volume/v3/volume_backup.py``)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from ostack_cli.backend.models.volume_backup import BackupFilters, VolumeBackup
from ostack_cli.commands.base import Command, KeyValueAction, Lister, ShowOne, delete_each
from ostack_cli.commands.pagination import add_pagination
from ostack_cli.commands.volume_format import volume_name_column
from ostack_cli.errors import CommandError, OstackError

LOG = logging.getLogger("ostack")

BACKUP_STATES = ("creating", "available", "deleting", "error", "restoring", "error_restoring")
SHOW_COLUMNS = ("availability_zone", "container", "created_at", "data_timestamp",
                "description", "encryption_key_id", "fail_reason", "has_dependent_backups",
                "id", "is_incremental", "metadata", "name", "object_count", "project_id",
                "size", "snapshot_id", "status", "updated_at", "user_id", "volume_id")


def backup_values(backup: VolumeBackup, columns: tuple[str, ...]) -> tuple[Any, ...]:
    """openstacksdk's attributes by the real client's column names (``created_at`` None
    where Cinder's answer has none, as in the create's)."""
    values: dict[str, Any] = {
        **{name: getattr(backup, name) for name in columns if hasattr(backup, name)},
        "created_at": backup.created_at or None,
        "metadata": dict(backup.metadata),
    }
    return tuple(values.get(name) for name in columns)


class CreateVolumeBackup(ShowOne):
    """Create new volume backup"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("volume", metavar="<volume>", help="Volume to backup (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="Name of the backup")
        parser.add_argument("--description", metavar="<description>",
                            help="Description of the backup")
        parser.add_argument("--container", metavar="<container>",
                            help="Optional backup container name")
        parser.add_argument("--snapshot", metavar="<snapshot>",
                            help="Snapshot to backup (name or ID)")
        parser.add_argument("--force", action="store_true", default=False,
                            help="Allow to back up an in-use volume")
        parser.add_argument("--incremental", action="store_true", default=False,
                            help="Perform an incremental backup")
        parser.add_argument("--no-incremental", action="store_false",
                            help="Do not perform an incremental backup")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties",
                            help="Set a property on this backup (repeat option to remove "
                            "multiple values) (supported by --os-volume-api-version 3.43 or "
                            "above)")
        parser.add_argument("--availability-zone", metavar="<zone-name>",
                            help="AZ where the backup should be stored; by default it will be "
                            "the same as the source (supported by --os-volume-api-version "
                            "3.51 or above)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        volume = self.backend.find_volume(args.volume)
        snapshot = self.backend.find_volume_snapshot(args.snapshot) if args.snapshot else None
        backup = self.backend.create_volume_backup(
            volume, name=args.name, description=args.description, container=args.container,
            snapshot=snapshot, force=args.force, incremental=args.incremental,
            metadata=dict(args.properties) if args.properties else None,
            availability_zone=args.availability_zone or None)
        columns = ("id", "name", "volume_id")
        return columns, backup_values(backup, columns)


class DeleteVolumeBackup(Command):
    """Delete volume backup(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("backups", metavar="<backup>", nargs="+",
                            help="Backup(s) to delete (name or ID)")
        parser.add_argument("--force", action="store_true", default=False,
                            help="Allow delete in state other than error or available")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        def delete_one(name: str) -> None:
            backup = self.backend.find_volume_backup(name)
            self.backend.delete_volume_backup(backup, force=parsed_args.force)

        delete_each(
            parsed_args.backups, delete_one,
            failure=lambda name, exc: f"Failed to delete backup with name or ID '{name}': "
                                      f"{exc}",
            summary=lambda failed, total: f"{failed} of {total} backups failed to delete.",
        )


class ListVolumeBackup(Lister):
    """List volume backups"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--project", metavar="<project>",
                            help="Filter results by project (name or ID) (admin only)")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--name", metavar="<name>",
                            help="Filters results by the backup name")
        parser.add_argument("--status", metavar="<status>", choices=list(BACKUP_STATES),
                            help="Filters results by the backup status, one of: creating, "
                            "available, deleting, error, restoring or error_restoring")
        parser.add_argument("--volume", metavar="<volume>",
                            help="Filters results by the volume which they backup (name or "
                            "ID)")
        add_pagination(parser)
        parser.add_argument("--all-projects", action="store_true", default=False,
                            help="Include all projects (admin only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        backend = self.backend
        columns: tuple[str, ...] = ("id", "name", "description", "status", "size",
                                    "is_incremental", "created_at")
        headers: tuple[str, ...] = ("ID", "Name", "Description", "Status", "Size",
                                    "Incremental", "Created At")
        if args.long:
            columns += ("availability_zone", "volume_id", "container")
            headers += ("Availability Zone", "Volume", "Container")
        # The volumes' names, for the "Volume" column (any trouble: IDs).
        try:
            names = {v.id: v.name for v in backend.volumes()}
        except OstackError:
            names = {}
        project_id = None
        if args.project:
            project_id = backend.find_project(args.project).id
        volume_id = backend.find_volume(args.volume).id if args.volume else None
        marker = backend.find_volume_backup(args.marker).id if args.marker else None
        backups = backend.volume_backups(BackupFilters(
            name=args.name, status=args.status, volume_id=volume_id, project_id=project_id,
            all_projects=True if args.project else args.all_projects, marker=marker,
            limit=args.limit))
        if args.max_items is not None:
            backups = backups[:max(args.max_items, 0)]
        volume_column = volume_name_column(names)
        rows = []
        for backup in backups:
            row = list(backup_values(backup, columns))
            if args.long:
                row[columns.index("volume_id")] = volume_column(backup.volume_id)
            rows.append(tuple(row))
        return headers, rows


class RestoreVolumeBackup(ShowOne):
    """Restore volume backup"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("backup", metavar="<backup>",
                            help="Backup to restore (name or ID)")
        parser.add_argument("volume", metavar="<volume>", nargs="?",
                            help="Volume to restore to (name or ID for existing volume, name "
                            "only for new volume) (default to None)")
        parser.add_argument("--force", action="store_true",
                            help="Restore the backup to an existing volume (default to False)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        backup = self.backend.find_volume_backup(args.backup)
        volume_id = volume_name = None
        try:
            if args.volume is None:
                raise CommandError("no volume named")
            volume_id = self.backend.find_volume(args.volume).id
        except OstackError:
            volume_name = args.volume
        else:
            if not args.force:
                raise CommandError(f"Volume '{args.volume}' already exists; if you want to "
                                   "restore the backup to it you need to specify the "
                                   "'--force' option")
        if not (volume_id or volume_name):
            # openstacksdk's own check before the request (Backup.restore).
            raise CommandError("Either of `name` or `volume_id` must be specified.")
        restored = self.backend.restore_volume_backup(backup, volume_id=volume_id,
                                                      name=volume_name)
        return ("id", "volume_id", "volume_name"), (restored.backup_id, restored.volume_id,
                                                    restored.volume_name)


class SetVolumeBackup(Command):
    """Set volume backup properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("backup", metavar="<backup>", help="Backup to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>",
                            help="New backup name (supported by --os-volume-api-version 3.9 "
                            "or above)")
        parser.add_argument("--description", metavar="<description>",
                            help="New backup description (supported by "
                            "--os-volume-api-version 3.9 or above)")
        parser.add_argument("--state", metavar="<state>", choices=["available", "error"],
                            help='New backup state ("available" or "error") (admin only) '
                            "(This option simply changes the state of the backup in the "
                            "database with no regard to actual status; exercise caution when "
                            "using)")
        parser.add_argument("--no-property", action="store_true",
                            help="Remove all properties from this backup (specify both "
                            "--no-property and --property to remove the current properties "
                            "before setting new properties)")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties", default={},
                            help="Set a property on this backup (repeat option to set "
                            "multiple values) (supported by --os-volume-api-version 3.43 or "
                            "above)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        args = parsed_args
        backend = self.backend
        backup = backend.find_volume_backup(args.backup)
        failures = 0
        if args.state:
            try:
                backend.reset_volume_backup_status(backup, args.state)
            except OstackError as exc:
                LOG.error("Failed to set backup state: %s", exc)
                failures += 1
        # The real client always sends the metadata (the backup's, changed as asked): at the
        # default microversion every set is an update.
        metadata = {} if args.no_property else dict(backup.metadata)
        metadata.update(dict(args.properties))
        try:
            backend.update_volume_backup(backup, name=args.name or None,
                                         description=args.description or None,
                                         metadata=metadata)
        except OstackError as exc:
            LOG.error("Failed to update backup: %s", exc)
            failures += 1
        if failures:
            raise CommandError("One or more of the set operations failed")


class UnsetVolumeBackup(Command):
    """Unset volume backup properties.

    This command requires ``--os-volume-api-version`` 3.43 or greater.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("backup", metavar="<backup>", help="Backup to modify (name or ID)")
        parser.add_argument("--property", metavar="<key>", action="append",
                            dest="properties",
                            help="Property to remove from this backup (repeat option to unset "
                            "multiple values) ")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        backup = self.backend.find_volume_backup(parsed_args.backup)
        remaining = dict(backup.metadata)
        if parsed_args.properties is None:
            # The real client iterates over the option unchecked.
            raise CommandError("'NoneType' object is not iterable")
        for key in parsed_args.properties:
            if key not in remaining:
                LOG.warning("'%s' is not a valid property for backup '%s'", key,
                            parsed_args.backup)
                continue
            del remaining[key]
        # As the real client: the keys left after the removal are the ones it asks to delete.
        self.backend.delete_volume_backup_metadata(backup, list(remaining))


class ShowVolumeBackup(ShowOne):
    """Display volume backup details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("backup", metavar="<backup>", help="Backup to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        backup = self.backend.find_volume_backup(parsed_args.backup)
        return SHOW_COLUMNS, backup_values(backup, SHOW_COLUMNS)
