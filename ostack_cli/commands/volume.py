"""``volume create|list|show|set|unset|delete`` (Cinder's volumes, block storage v3).

Options, columns, JSON types and messages are python-openstackclient 10.5's
(``openstackclient/volume/v3/volume.py``)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from ostack_cli.backend.models.volume import Volume, VolumeFilters, VolumeSpec
from ostack_cli.columns import DictColumn
from ostack_cli.commands.base import (
    Command,
    KeyValueAction,
    Lister,
    ShowOne,
    delete_each,
    parse_key_value,
    show_fields,
)
from ostack_cli.commands.identity_common import add_project_domain, add_user_domain, find_id
from ostack_cli.commands.pagination import NonNegative
from ostack_cli.commands.volume_format import attachments_column, volume_fields
from ostack_cli.errors import CommandError, OstackError

LOG = logging.getLogger("ostack")

# The states an admin may put a volume in (``volume set --state``).
VOLUME_STATES = ("available", "error", "creating", "deleting", "in-use", "attaching",
                 "detaching", "error_deleting", "maintenance")
# Scheduler hints whose repeated values add up (the real client's KeyValueHintAction).
APPEND_HINTS = ("same_host", "different_host")


class KeyValueHintAction(argparse.Action):
    """``--hint key=value``: the last value of a key, or every value of ``same_host`` and
    ``different_host``."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        text = str(values)
        hints = dict(getattr(namespace, self.dest, None) or {})
        try:
            key, value = parse_key_value(text)
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        if text.startswith(APPEND_HINTS):
            hints[key] = [*hints.get(key, []), value]
        else:
            hints[key] = value
        setattr(namespace, self.dest, hints)


def _bootable_options(parser: argparse.ArgumentParser, non_bootable_help: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--bootable", action="store_true", dest="bootable", default=None,
                       help="Mark volume as bootable")
    group.add_argument("--non-bootable", action="store_false", dest="bootable", default=None,
                       help=non_bootable_help)


def _readonly_options(parser: argparse.ArgumentParser, read_write_help: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--read-only", action="store_true", dest="read_only", default=None,
                       help="Set volume to read-only access mode")
    group.add_argument("--read-write", action="store_false", dest="read_only", default=None,
                       help=read_write_help)


def wait_until_available(backend: Any, volume: Volume) -> bool:
    """osc-lib's ``wait_for_status`` (every second, no end) as the real client uses it after a
    create: True once ``available``, False on ``error``."""
    current = backend.wait_for_volume(volume, statuses=("available",), failures=("error",))
    return bool(current.status == "available")


class CreateVolume(ShowOne):
    """Create new volume"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", nargs="?", help="Volume name")
        parser.add_argument("--size", metavar="<size>", type=int,
                            help="Volume size in GB (required unless --snapshot or --source "
                            "specified)")
        parser.add_argument("--type", metavar="<volume-type>", help="Set the type of volume")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--image", metavar="<image>",
                            help="Use <image> as source of volume (name or ID)")
        source.add_argument("--snapshot", metavar="<snapshot>",
                            help="Use <snapshot> as source of volume (name or ID)")
        source.add_argument("--source", metavar="<volume>", help="Volume to clone (name or ID)")
        source.add_argument("--source-replicated", metavar="<replicated-volume>",
                            help=argparse.SUPPRESS)
        source.add_argument("--backup", metavar="<backup>",
                            help="Restore backup to a volume (name or ID) (supported by "
                            "--os-volume-api-version 3.47 or later)")
        source.add_argument("--remote-source", metavar="<key=value>", action=KeyValueAction,
                            help="The attribute(s) of the existing remote volume (admin "
                            "required) (repeat option to specify multiple attributes, e.g.: "
                            "'--remote-source source-name=test_name --remote-source "
                            "source-id=test_id')")
        parser.add_argument("--description", metavar="<description>",
                            help="Volume description")
        parser.add_argument("--availability-zone", metavar="<availability-zone>",
                            help="Create volume in <availability-zone>")
        parser.add_argument("--consistency-group", metavar="consistency-group>",
                            help="Consistency group where the new volume belongs to")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties",
                            help="Set a property to this volume (repeat option to set "
                            "multiple properties)")
        parser.add_argument("--hint", metavar="<key=value>", action=KeyValueHintAction,
                            help="Arbitrary scheduler hint key-value pairs to help creating a "
                            "volume. Repeat the option to set multiple hints. 'same_host' and "
                            "'different_host' get values appended when repeated, all other "
                            "keys take the last given value")
        _bootable_options(parser, "Mark volume as non-bootable (default)")
        _readonly_options(parser, "Set volume to read-write access mode (default)")
        parser.add_argument("--host", metavar="<host>",
                            help="Cinder host on which the existing volume resides; takes the "
                            "form: host@backend-name#pool. This is only used along with the "
                            "--remote-source option.")
        parser.add_argument("--cluster", metavar="<cluster>",
                            help="Cinder cluster on which the existing volume resides; takes "
                            "the form: cluster@backend-name#pool. This is only used along with "
                            "the --remote-source option. (supported by --os-volume-api-version "
                            "3.16 or above)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        if (args.snapshot or args.source or args.backup or args.remote_source) is None \
                and args.size is None:
            raise CommandError("--size is a required option if none of --snapshot, --backup, "
                               "--source, or --remote-source are provided.")
        if (args.host or args.cluster) and not args.remote_source:
            raise CommandError("The --host and --cluster options are only supported with "
                               "--remote-source parameter.")
        if args.remote_source:
            return show_fields(volume_fields(self._manage(args)), {})
        backend = self.backend
        size = args.size
        source_id = None
        if args.source:
            original = backend.find_volume(args.source)
            source_id = original.id
            size = max(size or 0, original.size)
        if args.consistency_group:
            # Cinder's consistency groups: none on the local block storage, and the real
            # client's look-up answers so.
            raise CommandError(f"{args.consistency_group} not found (HTTP 404)")
        image_id = backend.find_image(args.image).id if args.image else None
        snapshot_id = None
        if args.snapshot:
            snapshot = backend.find_volume_snapshot(args.snapshot)
            snapshot_id = snapshot.id
            size = max(size or 0, snapshot.size)
        backup_id = None
        if args.backup:
            backup = backend.find_volume_backup(args.backup)
            backup_id = backup.id
            size = max(size or 0, backup.size)
        volume = backend.create_volume(VolumeSpec(
            size=size, name=args.name, description=args.description, volume_type=args.type,
            availability_zone=args.availability_zone, metadata=dict(args.properties or {}),
            image_id=image_id, snapshot_id=snapshot_id, source_volume_id=source_id,
            backup_id=backup_id, scheduler_hints=args.hint or None,
        ))
        if args.bootable is not None:
            self._after_create(volume, "Failed to set volume bootable property: %s",
                               "Volume status is not available for setting boot state",
                               lambda: backend.set_volume_bootable(volume, args.bootable))
        if args.read_only is not None:
            self._after_create(volume, "Failed to set volume read-only access mode flag: %s",
                               "Volume status is not available for setting itread only.",
                               lambda: backend.set_volume_readonly(volume, args.read_only))
        return show_fields(volume_fields(volume))

    def _after_create(self, volume: Volume, failure: str, not_available: str,
                      change: Any) -> None:
        """Once the volume is available, one more change; its failure is logged only."""
        try:
            if not wait_until_available(self.backend, volume):
                raise CommandError(not_available)
            change()
        except OstackError as exc:
            LOG.error(failure, exc)

    def _manage(self, args: argparse.Namespace) -> Volume:
        if args.size or args.consistency_group or args.hint or args.read_only is not None:
            raise CommandError("The --size, --consistency-group, --hint, --read-only and "
                               "--read-write options are not supported with the "
                               "--remote-source parameter.")
        if args.cluster and args.host:
            raise CommandError("Only one of --host or --cluster needs to be specified to "
                               "manage a volume.")
        if not args.cluster and not args.host:
            raise CommandError("One of --host or --cluster needs to be specified to manage a "
                               "volume.")
        spec = VolumeSpec(size=None, name=args.name, description=args.description,
                          volume_type=args.type, availability_zone=args.availability_zone,
                          metadata=dict(args.properties or {}))
        return self.backend.manage_volume(spec, host=args.host, cluster=args.cluster,
                                          ref=dict(args.remote_source), bootable=args.bootable)


class DeleteVolume(Command):
    """Delete volume(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("volumes", metavar="<volume>", nargs="+",
                            help="Volume(s) to delete (name or ID)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--force", action="store_true",
                           help="Attempt forced removal of volume(s), regardless of state "
                           "(defaults to False)")
        group.add_argument("--cascade", action="store_true",
                           help="Remove any snapshots along with volume(s) (defaults to False)")
        # The old name of --cascade, still taken.
        group.add_argument("--purge", action="store_true", dest="cascade",
                           help=argparse.SUPPRESS)
        parser.add_argument("--remote", action="store_true",
                            help="Specify this parameter to unmanage a volume.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        if parsed_args.remote and (parsed_args.force or parsed_args.cascade):
            raise CommandError("The --force and --cascade options are not supported with the "
                               "--remote parameter.")

        def delete_one(name: str) -> None:
            volume = self.backend.find_volume(name)
            if parsed_args.remote:
                self.backend.unmanage_volume(volume)
            else:
                self.backend.delete_volume(volume, force=parsed_args.force,
                                           cascade=parsed_args.cascade)

        delete_each(
            parsed_args.volumes, delete_one,
            failure=lambda name, exc: f"Failed to delete volume with name or ID '{name}': {exc}",
            summary=lambda failed, total: f"{failed} of {total} volumes failed to delete.",
        )


class ListVolume(Lister):
    """List volumes"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--project", metavar="<project>",
                            help="Filter results by project (name or ID) (admin only)")
        add_project_domain(parser)
        parser.add_argument("--user", metavar="<user>",
                            help="Filter results by user (name or ID) (admin only)")
        add_user_domain(parser)
        parser.add_argument("--name", metavar="<name>", help="Filter results by volume name")
        parser.add_argument("--status", metavar="<status>", help="Filter results by status")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties",
                            help="Filter by a property on the volume list (repeat option to "
                            "filter by multiple properties) ")
        parser.add_argument("--all-projects", action="store_true", default=False,
                            help="Include all projects (admin only)")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--limit", metavar="<limit>", type=int, action=NonNegative,
                            help="The maximum number of entries to return. If the value "
                            "exceeds the server-defined maximum, then the maximum value will "
                            "be used.")
        parser.add_argument("--marker", metavar="<marker>", default=None,
                            help="The first position in the collection to return results "
                            "from. This should be a value that was returned in a previous "
                            "request.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        backend = self.backend
        headers: tuple[str, ...] = ("ID", "Name", "Status", "Size")
        if args.long:
            headers += ("Type", "Bootable")
        headers += ("Attached to",)
        if args.long:
            headers += ("Properties",)
        project_id = None
        if args.project:
            project_id = backend.find_project_id(args.project, domain=args.project_domain)
        user_id = None
        if args.user:
            # find_user_id_sdk: refused, the name as given; not there, an empty error.
            user_id = find_id(
                lambda name: backend.find_user(name, domain_id=args.user_domain), args.user)
        volumes = backend.volumes(VolumeFilters(
            name=args.name or None, status=args.status or None, project_id=project_id,
            user_id=user_id, all_projects=bool(args.project) or args.all_projects,
            metadata=dict(args.properties) if args.properties else None,
            limit=args.limit or None, marker=args.marker or None,
        ))
        attached = attachments_column(self._server_names(volumes))
        rows = []
        for volume in volumes:
            row: tuple[Any, ...] = (volume.id, volume.name, volume.status, volume.size)
            if args.long:
                row += (volume.volume_type, volume.bootable)
            row += (attached(list(volume.attachments)),)
            if args.long:
                row += (DictColumn(dict(volume.metadata)),)
            rows.append(row)
        return headers, rows

    def _server_names(self, volumes: list[Volume]) -> dict[str, str]:
        """The project's servers by ID, when a volume is in use (any trouble: none)."""
        if not any(v.status == "in-use" for v in volumes):
            return {}
        try:
            return {s.id: s.name for s in self.backend.servers()}
        except OstackError:
            return {}


class ShowVolume(ShowOne):
    """Display volume details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("volume", metavar="<volume>",
                            help="Volume to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        return show_fields(volume_fields(self.backend.find_volume(parsed_args.volume)))


class SetVolume(Command):
    """Set volume properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("volume", metavar="<volume>", help="Volume to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="New volume name")
        parser.add_argument("--size", metavar="<size>", type=int,
                            help="Extend volume size in GB")
        parser.add_argument("--description", metavar="<description>",
                            help="New volume description")
        parser.add_argument("--no-property", dest="no_property", action="store_true",
                            help="Remove all properties from <volume> (specify both "
                            "--no-property and --property to remove the current properties "
                            "before setting new properties.)")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties",
                            help="Set a property on this volume (repeat option to set "
                            "multiple properties)")
        parser.add_argument("--image-property", metavar="<key=value>", action=KeyValueAction,
                            dest="image_properties",
                            help="Set an image property on this volume (repeat option to set "
                            "multiple image properties)")
        parser.add_argument("--state", metavar="<state>", choices=list(VOLUME_STATES),
                            help='New volume state ("available", "error", "creating", '
                            '"deleting", "in-use", "attaching", "detaching", "error_deleting" '
                            'or "maintenance") (admin only) (This option simply changes the '
                            "state of the volume in the database with no regard to actual "
                            "status, exercise caution when using)")
        attached = parser.add_mutually_exclusive_group()
        attached.add_argument("--attached", action="store_true",
                              help='Set volume attachment status to "attached" (admin only) '
                              "(This option simply changes the state of the volume in the "
                              "database with no regard to actual status, exercise caution "
                              "when using)")
        attached.add_argument("--detached", action="store_true",
                              help='Set volume attachment status to "detached" (admin only) '
                              "(This option simply changes the state of the volume in the "
                              "database with no regard to actual status, exercise caution "
                              "when using)")
        parser.add_argument("--type", metavar="<volume-type>",
                            help="New volume type (name or ID)")
        parser.add_argument("--retype-policy", metavar="<retype-policy>",
                            choices=["never", "on-demand"], help=argparse.SUPPRESS)
        parser.add_argument("--migration-policy", metavar="<migration-policy>",
                            choices=["never", "on-demand"],
                            help='Migration policy while re-typing volume ("never" or '
                            '"on-demand", default is "never" ) (available only when --type '
                            "option is specified)")
        _bootable_options(parser, "Mark volume as non-bootable")
        _readonly_options(parser, "Set volume to read-write access mode")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        args = parsed_args
        backend = self.backend
        volume = backend.find_volume(args.volume)
        failures = 0

        def attempt(failure: str, change: Any) -> None:
            nonlocal failures
            try:
                change()
            except OstackError as exc:
                LOG.error(failure, exc)
                failures += 1

        if args.retype_policy:
            LOG.warning("The '--retype-policy' option has been deprecated in favor of "
                        "'--migration-policy' option. The '--retype-policy' option will be "
                        "removed in a future release. Please use '--migration-policy' "
                        "instead.")
        if args.size:
            attempt("Failed to set volume size: %s", lambda: self._extend(volume, args.size))
        if args.no_property:
            attempt("Failed to clean volume properties: %s",
                    lambda: backend.delete_volume_metadata(volume))
        if args.properties:
            attempt("Failed to set volume properties: %s",
                    lambda: backend.set_volume_metadata(volume, dict(args.properties)))
        if args.image_properties:
            attempt("Failed to set image properties: %s",
                    lambda: backend.set_volume_image_metadata(volume,
                                                              dict(args.image_properties)))
        if args.state:
            attempt("Failed to set volume state: %s",
                    lambda: backend.reset_volume_status(volume, status=args.state))
        if args.attached:
            attempt("Failed to set volume attach-status: %s",
                    lambda: backend.reset_volume_status(volume, attach_status="attached"))
        if args.detached:
            attempt("Failed to set volume attach-status: %s",
                    lambda: backend.reset_volume_status(volume, attach_status="detached"))
        if args.bootable is not None:
            attempt("Failed to set volume bootable property: %s",
                    lambda: backend.set_volume_bootable(volume, args.bootable))
        if args.read_only is not None:
            attempt("Failed to set volume read-only access mode flag: %s",
                    lambda: backend.set_volume_readonly(volume, args.read_only))
        policy = args.migration_policy or args.retype_policy
        if args.type:
            attempt("Failed to set volume type: %s", lambda: backend.retype_volume(
                volume, backend.find_volume_type(args.type), policy or "never"))
        elif policy:
            LOG.warning("'%s' option will not work without '--type' option",
                        "--migration-policy" if args.migration_policy else "--retype-policy")
        if args.name or args.description:
            attempt("Failed to update volume display name or display description: %s",
                    lambda: backend.update_volume(volume, name=args.name or None,
                                                  description=args.description or None))
        if failures:
            raise CommandError("One or more of the set operations failed")

    def _extend(self, volume: Volume, size: int) -> None:
        """The real client's checks before it asks Cinder to extend."""
        if size <= volume.size:
            raise CommandError(f"New size must be greater than {volume.size} GB")
        if volume.status not in ("available", "in-use"):
            raise CommandError(f"Volume is in {volume.status} state, it must be available or "
                               "in-use before size can be extended.")
        self.backend.extend_volume(volume, size)


class UnsetVolume(Command):
    """Unset volume properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("volume", metavar="<volume>", help="Volume to modify (name or ID)")
        parser.add_argument("--property", metavar="<key>", action="append", dest="properties",
                            help="Remove a property from volume (repeat option to remove "
                            "multiple properties)")
        parser.add_argument("--image-property", metavar="<key>", action="append",
                            dest="image_properties",
                            help="Remove an image property from volume (repeat option to "
                            "remove multiple image properties)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        volume = self.backend.find_volume(parsed_args.volume)
        failures = 0
        if parsed_args.properties:
            try:
                self.backend.delete_volume_metadata(volume, list(parsed_args.properties))
            except OstackError as exc:
                LOG.error("Failed to unset volume properties: %s", exc)
                failures += 1
        if parsed_args.image_properties:
            try:
                self.backend.delete_volume_image_metadata(volume,
                                                          list(parsed_args.image_properties))
            except OstackError as exc:
                LOG.error("Failed to unset image properties: %s", exc)
                failures += 1
        if failures:
            raise CommandError("One or more of the unset operations failed")
