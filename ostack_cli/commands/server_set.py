"""``server set|unset`` and ``server add|remove security group``."""

from __future__ import annotations

import argparse

from ostack_cli.commands.base import Command, KeyValueAction, delete_each
from ostack_cli.errors import CommandError


class SetServer(Command):
    """Set server properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        parser.add_argument("--name", metavar="<new-name>", help="New server name")
        parser.add_argument("--password", metavar="<password>", help="Set the server password")
        parser.add_argument("--no-password", action="store_true",
                            help="Clear the admin password for the server from the metadata "
                            "service")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties", help="Property to add/change for this server "
                            "(repeat option to set multiple properties)")
        parser.add_argument("--state", metavar="<state>", choices=["active", "error"],
                            help="New server state (valid value: active, error)")
        parser.add_argument("--description", metavar="<description>",
                            help="New server description")
        parser.add_argument("--tag", metavar="<tag>", action="append", dest="tags", default=[],
                            help="Tag for the server")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        if parsed_args.password or parsed_args.no_password or parsed_args.state:
            raise CommandError("--password, --no-password and --state are not available on "
                               "the local backend.")
        server = self.backend.find_server(parsed_args.server)
        if parsed_args.name or parsed_args.description or parsed_args.properties:
            # As the real client: nothing is sent (and nothing changes) without them.
            self.backend.update_server(
                server,
                name=parsed_args.name,
                description=parsed_args.description,
                set_metadata=parsed_args.properties,
            )
        for tag in parsed_args.tags:
            self.backend.add_server_tag(server, tag)


class UnsetServer(Command):
    """Unset server properties and tags"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        parser.add_argument("--property", metavar="<key>", action="append", dest="properties",
                            default=[], help="Property key to remove from server (repeat "
                            "option to remove multiple values)")
        parser.add_argument("--description", action="store_true",
                            help="Unset server description")
        tags = parser.add_mutually_exclusive_group()
        tags.add_argument("--tag", metavar="<tag>", action="append", default=[], dest="tags",
                          help="Tag to remove from the server. Specify multiple times to "
                          "remove multiple tags. (supported by --os-compute-api-version 2.26 "
                          "or above)")
        tags.add_argument("--all-tags", action="store_true",
                          help="Remove all tags (supported by --os-compute-api-version 2.26 or "
                          "above)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        if parsed_args.description or parsed_args.properties:
            self.backend.update_server(
                server,
                description="" if parsed_args.description else None,
                unset_metadata=parsed_args.properties,
            )
        for tag in parsed_args.tags:
            self.backend.remove_server_tag(server, tag)
        if parsed_args.all_tags:
            self.backend.remove_server_tags(server)


class AddServerSecurityGroup(Command):
    """Add security group to server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        parser.add_argument("group", metavar="<group>", nargs="+",
                            help="Security group(s) to add to the server (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        # As the real client: one error line per group, then its summary.
        delete_each(
            parsed_args.group,
            lambda group: self.backend.add_security_group_to_server(server, group),
            failure=lambda group, exc: ("Failed to add security group with name or ID "
                                        f"'{group}' to server '{server.id}': {exc}"),
            summary=lambda failed, total: f"{failed} of {total} security groups were not "
            "added.",
        )


class RemoveServerSecurityGroup(Command):
    """Remove security group from server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        parser.add_argument("group", metavar="<group>", nargs="+",
                            help="Security group(s) to remove from server (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        delete_each(
            parsed_args.group,
            lambda group: self.backend.remove_security_group_from_server(server, group),
            failure=lambda group, exc: ("Failed to remove security group with name or ID "
                                        f"'{group}' from server '{server.id}': {exc}"),
            summary=lambda failed, total: f"{failed} of {total} security groups were not "
            "removed.",
        )
