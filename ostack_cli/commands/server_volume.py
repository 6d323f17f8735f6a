"""``server add volume``, ``server remove volume`` and ``server volume list`` (Nova's
os-volume_attachments at microversion 2.89, as python-openstackclient 10.5 negotiates it:
``openstackclient/compute/v2/server.py`` and ``server_volume.py``)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import Command, Lister, ShowOne


class AddServerVolume(ShowOne):
    """Add volume to server.

    Specify ``--os-compute-api-version 2.20`` or higher to add a volume to a server with
    status ``SHELVED`` or ``SHELVED_OFFLOADED``."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        parser.add_argument("volume", metavar="<volume>", help="Volume to add (name or ID)")
        parser.add_argument("--device", metavar="<device>",
                            help="Server internal device name for volume")
        parser.add_argument("--tag", metavar="<tag>",
                            help="Tag for the attached volume (supported by "
                            "--os-compute-api-version 2.49 or above)")
        termination = parser.add_mutually_exclusive_group()
        termination.add_argument("--enable-delete-on-termination", action="store_true",
                                 help="Delete the volume when the server is destroyed "
                                 "(supported by --os-compute-api-version 2.79 or above)")
        termination.add_argument("--disable-delete-on-termination", action="store_true",
                                 help="Do not delete the volume when the server is destroyed "
                                 "(supported by --os-compute-api-version 2.79 or above)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        server = self.backend.find_server(parsed_args.server)
        volume = self.backend.find_volume(parsed_args.volume)
        delete_on_termination = None
        if parsed_args.enable_delete_on_termination:
            delete_on_termination = True
        if parsed_args.disable_delete_on_termination:
            delete_on_termination = False
        attachment = self.backend.attach_server_volume(
            server, volume, device=parsed_args.device, tag=parsed_args.tag or None,
            delete_on_termination=delete_on_termination)
        # Nova's answer names the attachment by its volume's ID; not sorted, as the client's.
        return (
            ("ID", "Server ID", "Volume ID", "Device", "Tag", "Delete On Termination"),
            (attachment.volume_id, attachment.server_id, attachment.volume_id,
             attachment.device, attachment.tag, attachment.delete_on_termination),
        )


class RemoveServerVolume(Command):
    """Remove volume from server.

    Specify ``--os-compute-api-version 2.20`` or higher to remove a volume from a server with
    status ``SHELVED`` or ``SHELVED_OFFLOADED``."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        parser.add_argument("volume", metavar="<volume>",
                            help="Volume to remove (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        volume = self.backend.find_volume(parsed_args.volume)
        self.backend.detach_server_volume(server, volume)


class ListServerVolume(Lister):
    """List all the volumes attached to a server."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", help="Server to list volume attachments for (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        server = self.backend.find_server(parsed_args.server)
        headers = ("Device", "Server ID", "Volume ID", "Tag", "Delete On Termination?",
                   "Attachment ID", "BlockDeviceMapping UUID")
        rows = [(a.device, a.server_id, a.volume_id, a.tag, a.delete_on_termination, a.id,
                 a.bdm_id) for a in self.backend.server_volumes(server)]
        return headers, rows
