"""``volume snapshot create|list|show|set|unset|delete`` (Cinder's snapshots;
python-openstackclient 10.5's ``openstackclient/volume/v3/volume_snapshot.py``)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from ostack_cli.backend.models.volume import SnapshotFilters
from ostack_cli.columns import DictColumn
from ostack_cli.commands.base import (
    Command,
    KeyValueAction,
    Lister,
    ShowOne,
    delete_each,
    show_fields,
)
from ostack_cli.commands.identity_common import add_project_domain
from ostack_cli.commands.pagination import add_pagination
from ostack_cli.commands.volume_format import snapshot_fields, volume_name_column
from ostack_cli.errors import CommandError, OstackError

LOG = logging.getLogger("ostack")

SNAPSHOT_STATES = ("available", "error", "creating", "deleting", "error_deleting")


class CreateVolumeSnapshot(ShowOne):
    """Create new volume snapshot"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("snapshot_name", metavar="<snapshot-name>",
                            help="Name of the new snapshot")
        parser.add_argument("--volume", metavar="<volume>",
                            help="Volume to snapshot (name or ID) (default is "
                            "<snapshot-name>)")
        parser.add_argument("--description", metavar="<description>",
                            help="Description of the snapshot")
        parser.add_argument("--force", action="store_true", default=False,
                            help="Allow snapshot of in-use (attached) volume. Only needed for "
                            "microversions prior to 3.66; ignored for 3.66+")
        parser.add_argument("--property", metavar="<key=value>", dest="properties",
                            action=KeyValueAction,
                            help="Set a property to this snapshot (repeat option to set "
                            "multiple properties)")
        parser.add_argument("--remote-source", metavar="<key=value>", action=KeyValueAction,
                            help="The attribute(s) of the existing remote volume snapshot "
                            "(admin required) (repeat option to specify multiple attributes) "
                            "e.g.: '--remote-source source-name=test_name --remote-source "
                            "source-id=test_id'")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        volume = self.backend.find_volume(args.volume or args.snapshot_name)
        if args.remote_source:
            if args.force:
                LOG.warning("'--force' option will not work when you create new volume "
                            "snapshot from an existing remote volume snapshot")
            snapshot = self.backend.manage_volume_snapshot(
                volume, ref=dict(args.remote_source), name=args.snapshot_name,
                description=args.description,
                metadata=dict(args.properties) if args.properties else None)
            return show_fields(snapshot_fields(snapshot))
        snapshot = self.backend.create_volume_snapshot(
            volume, name=args.snapshot_name, description=args.description,
            metadata=dict(args.properties) if args.properties else None, force=args.force)
        return show_fields(snapshot_fields(snapshot))


class DeleteVolumeSnapshot(Command):
    """Delete volume snapshot(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("snapshots", metavar="<snapshot>", nargs="+",
                            help="Snapshot(s) to delete (name or ID)")
        parser.add_argument("--force", action="store_true",
                            help="Attempt forced removal of snapshot(s), regardless of state "
                            "(defaults to False)")
        parser.add_argument("--remote", action="store_true",
                            help="Unmanage the snapshot, removing it from the Block Storage "
                            "service management but not from the backend.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        if parsed_args.remote and parsed_args.force:
            raise CommandError("The --force option is not supported with the --remote "
                               "parameter.")

        def delete_one(name: str) -> None:
            snapshot = self.backend.find_volume_snapshot(name)
            if parsed_args.remote:
                self.backend.unmanage_volume_snapshot(snapshot)
            else:
                self.backend.delete_volume_snapshot(snapshot, force=parsed_args.force)

        delete_each(
            parsed_args.snapshots, delete_one,
            failure=lambda name, exc: f"Failed to delete snapshot with name or ID '{name}': "
                                      f"{exc}",
            summary=lambda failed, total: f"{failed} of {total} snapshots failed to delete.",
        )


class ListVolumeSnapshot(Lister):
    """List volume snapshots"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--all-projects", action="store_true", default=False,
                            help="Include all projects (admin only)")
        parser.add_argument("--project", metavar="<project>",
                            help="Filter results by project (name or ID) (admin only)")
        add_project_domain(parser)
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--name", metavar="<name>", default=None,
                            help="Filters results by a name.")
        parser.add_argument("--status", metavar="<status>", choices=list(SNAPSHOT_STATES),
                            help="Filters results by a status. ('available', 'error', "
                            "'creating', 'deleting' or 'error_deleting')")
        parser.add_argument("--volume", metavar="<volume>", default=None,
                            help="Filters results by a volume (name or ID).")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        backend = self.backend
        headers: tuple[str, ...] = ("ID", "Name", "Description", "Status", "Size")
        if args.long:
            headers += ("Created At", "Volume", "Properties")
        # The volumes' names, for the "Volume" column (any trouble: IDs).
        try:
            names = {v.id: v.name for v in backend.volumes()}
        except OstackError:
            names = {}
        volume_id = backend.find_volume(args.volume).id if args.volume else None
        project_id = None
        if args.project:
            project_id = backend.find_project_id(args.project, domain=args.project_domain)
        snapshots = backend.volume_snapshots(SnapshotFilters(
            name=args.name, status=args.status, volume_id=volume_id, project_id=project_id,
            all_projects=True if args.project else args.all_projects,
            limit=args.limit, marker=args.marker,
        ))
        if args.max_items is not None:
            snapshots = snapshots[:max(args.max_items, 0)]
        volume_column = volume_name_column(names)
        rows = []
        for snapshot in snapshots:
            row: tuple[Any, ...] = (snapshot.id, snapshot.name, snapshot.description,
                                    snapshot.status, snapshot.size)
            if args.long:
                row += (snapshot.created_at, volume_column(snapshot.volume_id),
                        DictColumn(dict(snapshot.metadata)))
            rows.append(row)
        return headers, rows


class ShowVolumeSnapshot(ShowOne):
    """Display volume snapshot details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("snapshot", metavar="<snapshot>",
                            help="Snapshot to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        return show_fields(snapshot_fields(self.backend.find_volume_snapshot(
            parsed_args.snapshot)))


class SetVolumeSnapshot(Command):
    """Set volume snapshot properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("snapshot", metavar="<snapshot>",
                            help="Snapshot to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="New snapshot name")
        parser.add_argument("--description", metavar="<description>",
                            help="New snapshot description")
        parser.add_argument("--no-property", dest="no_property", action="store_true",
                            help="Remove all properties from <snapshot> (specify both "
                            "--no-property and --property to remove the current properties "
                            "before setting new properties.)")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties",
                            help="Property to add/change for this snapshot (repeat option to "
                            "set multiple properties)")
        parser.add_argument("--state", metavar="<state>", choices=list(SNAPSHOT_STATES),
                            help='New snapshot state. ("available", "error", "creating", '
                            '"deleting", or "error_deleting") (admin only) (This option simply '
                            "changes the state of the snapshot in the database with no regard "
                            "to actual status, exercise caution when using)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        args = parsed_args
        backend = self.backend
        snapshot = backend.find_volume_snapshot(args.snapshot)
        failures = 0

        def attempt(failure: str, change: Any) -> None:
            nonlocal failures
            try:
                change()
            except OstackError as exc:
                LOG.error(failure, exc)
                failures += 1

        if args.no_property:
            attempt("Failed to clean snapshot properties: %s",
                    lambda: backend.delete_volume_snapshot_metadata(
                        snapshot, list(snapshot.metadata)))
        if args.properties:
            attempt("Failed to set snapshot property: %s",
                    lambda: backend.set_volume_snapshot_metadata(snapshot,
                                                                 dict(args.properties)))
        if args.state:
            attempt("Failed to set snapshot state: %s",
                    lambda: backend.reset_volume_snapshot_status(snapshot, args.state))
        if args.name or args.description:
            attempt("Failed to update snapshot name or description: %s",
                    lambda: backend.update_volume_snapshot(
                        snapshot, name=args.name or None,
                        description=args.description or None))
        if failures:
            raise CommandError("One or more of the set operations failed")


class UnsetVolumeSnapshot(Command):
    """Unset volume snapshot properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("snapshot", metavar="<snapshot>",
                            help="Snapshot to modify (name or ID)")
        parser.add_argument("--property", metavar="<key>", dest="properties",
                            action="append", default=[],
                            help="Property to remove from snapshot (repeat option to remove "
                            "multiple properties)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        snapshot = self.backend.find_volume_snapshot(parsed_args.snapshot)
        if parsed_args.properties:
            self.backend.delete_volume_snapshot_metadata(snapshot,
                                                         list(parsed_args.properties))
