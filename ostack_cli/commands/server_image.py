"""``server image create`` and ``server backup create``: a server's disk as a new image."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import KeyValueAction, ShowOne
from ostack_cli.commands.image import image_fields
from ostack_cli.commands.server_format import progress_printer
from ostack_cli.errors import CommandError

IMAGE_DONE = "active"


class CreateServerImage(ShowOne):
    """Create a new server disk image from an existing server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to create image (name or ID)")
        parser.add_argument("--name", metavar="<image-name>",
                            help="Name of new disk image (default: server name)")
        parser.add_argument("--property", metavar="<key=value>", dest="properties",
                            action=KeyValueAction,
                            help="Set a new property to meta_data.json on the metadata server "
                            "(repeat option to set multiple values)")
        parser.add_argument("--wait", action="store_true",
                            help="Wait for operation to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        server = self.backend.find_server(parsed_args.server)
        name = parsed_args.name or server.name
        image = self.backend.create_server_image(server, name, parsed_args.properties)
        if parsed_args.wait:
            done = self.backend.wait_for_image(image.id, callback=progress_printer())
            if done.status != IMAGE_DONE:
                # The real client's message, as it builds it (a tuple of its two parts).
                raise CommandError(str(("Error creating server image: %s",
                                        parsed_args.server)))
            self.app.stdout.write("\n")
        return image_fields(self.backend.find_image(image.id))


class CreateServerBackup(ShowOne):
    """Create a server backup image"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to back up (name or ID)")
        parser.add_argument("--name", metavar="<image-name>",
                            help="Name of the backup image (default: server name)")
        parser.add_argument("--type", metavar="<backup-type>",
                            help="Used to populate the backup_type property of the backup "
                            "image (default: empty)")
        parser.add_argument("--rotate", metavar="<count>", type=int,
                            help="Number of backups to keep (default: 1)")
        parser.add_argument("--wait", action="store_true",
                            help="Wait for backup image create to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        server = self.backend.find_server(parsed_args.server)
        name = server.name if parsed_args.name is None else parsed_args.name
        backup_type = "" if parsed_args.type is None else parsed_args.type
        rotation = 1 if parsed_args.rotate is None else parsed_args.rotate
        self.backend.backup_server(server, name, backup_type, rotation)
        # As the real client: the backup looked up by its name (two of one name fail here).
        image = self.backend.find_image(name)
        if parsed_args.wait:
            done = self.backend.wait_for_image(image.id, callback=progress_printer())
            if done.status != IMAGE_DONE:
                raise CommandError(f"Error creating server backup: {parsed_args.name}")
            self.app.stdout.write("\n")
        return image_fields(image)
