"""``volume attachment create|set|complete|delete|list|show`` (Cinder's attachments API;
python-openstackclient 10.5's ``openstackclient/volume/v3/volume_attachment.py``).

Like the real client's, these only record attachments in the block storage service: no
guest gets the disk (``server add volume`` is what attaches one).
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from ostack_cli.backend.models.volume import VolumeAttachment
from ostack_cli.columns import DictColumn
from ostack_cli.commands.base import LOG, Command, Lister, ShowOne
from ostack_cli.commands.identity_common import add_project_domain
from ostack_cli.commands.pagination import add_pagination
from ostack_cli.errors import CommandError, NotFound, not_found

HEADERS = ("ID", "Volume ID", "Instance ID", "Status", "Attach Mode", "Attached At",
           "Detached At", "Properties")
CONNECTOR_OPTIONS = ("initiator", "ip", "platform", "host", "os_type", "multipath",
                     "mountpoint")


def _timestamp(value: str | None) -> str:
    # Cinder's view: normalized to microseconds, '' when never.
    return f"{value[:19]}.000000" if value else ""


def attachment_fields(attachment: VolumeAttachment) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The real client's _format_attachment over Cinder's detailed view."""
    return HEADERS, (attachment.id, attachment.volume_id, attachment.server_id or None,
                     attachment.status, attachment.attach_mode,
                     _timestamp(attachment.attached_at), "",
                     DictColumn(dict(attachment.connection_info or {})))


def _add_connector_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--initiator", metavar="<initiator>",
                        help="IQN of the initiator attaching to")
    parser.add_argument("--ip", metavar="<ip>", help="IP of the system attaching to")
    parser.add_argument("--host", metavar="<host>", help="Name of the host attaching to")


def _add_more_connector_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", metavar="<platform>", help="Platform type")
    parser.add_argument("--os-type", metavar="<ostype>", help="OS type")
    parser.add_argument("--multipath", action="store_true", dest="multipath", default=False,
                        help="Use multipath")
    parser.add_argument("--no-multipath", action="store_false", dest="multipath",
                        help="Use multipath")
    parser.add_argument("--mountpoint", metavar="<mountpoint>",
                        help="Mountpoint volume will be attached at")


def _connector(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, name) for name in CONNECTOR_OPTIONS}


class CreateVolumeAttachment(ShowOne):
    """Create an attachment for a volume.

    This command will only create a volume attachment in the Volume service. It will not
    invoke the necessary Compute service actions to actually attach the volume to the server
    at the hypervisor level. As a result, it should typically only be used for
    troubleshooting issues with an existing server in combination with other tooling. For
    all other use cases, the 'server add volume' command should be preferred.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("volume", metavar="<volume>",
                            help="Name or ID of volume to attach to server.")
        parser.add_argument("server_old", metavar="<server>", nargs="?",
                            help=argparse.SUPPRESS)
        parser.add_argument("--connect", action="store_true", dest="connect", default=False,
                            help="Make an active connection using provided connector info")
        parser.add_argument("--no-connect", action="store_false", dest="connect",
                            help="Do not make an active connection using provided connector "
                            "info")
        _add_connector_options(parser)
        parser.add_argument("--server", metavar="<server>",
                            help="Name or ID of server attaching to")
        _add_more_connector_options(parser)
        parser.add_argument("--mode", metavar="<mode>",
                            help="Mode of volume attachment, rw, ro and null, where null "
                            "indicates we want to honor any existing admin-metadata settings "
                            "(supported by --os-volume-api-version 3.54 or later)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.server_old:
            LOG.warning("The <server> positional argument is deprecated in favour of "
                        "the --server <server> option argument")
            parsed_args.server = parsed_args.server or parsed_args.server_old
        connector: dict[str, Any] = {}
        if parsed_args.connect:
            connector = _connector(parsed_args)
        elif any((parsed_args.initiator, parsed_args.ip, parsed_args.platform,
                  parsed_args.host, parsed_args.multipath, parsed_args.mountpoint)):
            raise CommandError("You must specify the --connect option for any of the "
                               "connection-specific options such as --initiator to be valid")
        volume = self.backend.find_volume(parsed_args.volume)
        if parsed_args.server is None:
            # openstacksdk's find with no name: the real client's words.
            raise CommandError("Request requires an ID but none was found")
        server = self.backend.find_server(parsed_args.server)
        made = self.backend.create_volume_attachment(
            volume.id, instance_id=server.id, connector=connector, mode=parsed_args.mode)
        return attachment_fields(made)


class DeleteVolumeAttachment(Command):
    """Delete an attachment for a volume.

    Similarly to the 'volume attachment create' command, this command will only delete the
    volume attachment record in the Volume service. It will not invoke the necessary Compute
    service actions to actually attach the volume to the server at the hypervisor level. As
    a result, it should typically only be used for troubleshooting issues with an existing
    server in combination with other tooling. For all other use cases, the 'server volume
    remove' command should be preferred.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("attachment", metavar="<attachment>",
                            help="ID of volume attachment to delete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        # The real client deletes with openstacksdk's ignore_missing: none is no error.
        with contextlib.suppress(NotFound):
            self.backend.delete_volume_attachment(parsed_args.attachment)


class SetVolumeAttachment(ShowOne):
    """Update an attachment for a volume.

    This call is designed to be more of an volume attachment completion than anything else.
    It expects the value of a connector object to notify the driver that the volume is going
    to be connected and where it's being connected to.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("attachment", metavar="<attachment>",
                            help="ID of volume attachment.")
        _add_connector_options(parser)
        _add_more_connector_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        return attachment_fields(self.backend.update_volume_attachment(
            parsed_args.attachment, _connector(parsed_args)))


class CompleteVolumeAttachment(Command):
    """Complete an attachment for a volume."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("attachment", metavar="<attachment>",
                            help="ID of volume attachment to mark as completed")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        self.backend.complete_volume_attachment(parsed_args.attachment)


class ListVolumeAttachment(Lister):
    """Lists all volume attachments."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--project", dest="project", metavar="<project>",
                            help="Filter results by project (name or ID) (admin only)")
        add_project_domain(parser)
        parser.add_argument("--all-projects", dest="all_projects", action="store_true",
                            default=False,
                            help="Shows details for all projects (admin only).")
        deprecated = ("This option is deprecated. Consider using the '--filters' option "
                      "which was introduced in microversion 3.33 instead.")
        parser.add_argument("--volume-id", metavar="<volume-id>", default=None,
                            help="Filters results by a volume ID. " + deprecated)
        parser.add_argument("--server-id", metavar="<server-id>", default=None,
                            help="Filters results by a server ID. " + deprecated)
        parser.add_argument("--status", metavar="<status>",
                            help="Filters results by a status. " + deprecated)
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        project_id = None
        if parsed_args.project:
            project_id = self.backend.find_project_id(parsed_args.project,
                                                      domain=parsed_args.project_domain)
        every = bool(parsed_args.project) or parsed_args.all_projects
        rows = [a for a in self.backend.volume_attachments(all_projects=every,
                                                           project_id=project_id)
                if (parsed_args.volume_id is None or a.volume_id == parsed_args.volume_id)
                and (parsed_args.server_id is None or a.server_id == parsed_args.server_id)
                and (parsed_args.status is None or a.status == parsed_args.status)]
        if parsed_args.marker is not None:
            ids = [a.id for a in rows]
            if parsed_args.marker not in ids:
                raise NotFound("Volume attachment could not be found with filter: "
                               f"attachment_id = {parsed_args.marker}.")
            rows = rows[ids.index(parsed_args.marker) + 1:]
        # --limit is the page size only: openstacksdk follows the pages to the end.
        if parsed_args.max_items is not None:
            rows = rows[:parsed_args.max_items]
        return (("ID", "Volume ID", "Server ID", "Status"),
                [(a.id, a.volume_id, a.server_id or None, a.status) for a in rows])


class ShowVolumeAttachment(ShowOne):
    """Show detailed information for a volume attachment."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("attachment", metavar="<attachment>",
                            help="ID of volume attachment.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        try:
            return attachment_fields(self.backend.get_volume_attachment(parsed_args.attachment))
        except NotFound:
            raise not_found("Attachment", parsed_args.attachment) from None
