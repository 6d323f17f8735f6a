"""``address scope create|delete|list|set|show``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.address_scope import AddressScopeSpec, address_scope_view
from ostack_cli.commands import network_common as nc
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each, show_fields
from ostack_cli.commands.pagination import add_pagination, paginate


def _share_options(parser: argparse.ArgumentParser, *, share: str, no_share: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--share", action="store_true", help=share)
    group.add_argument("--no-share", action="store_true", help=no_share)


def _shared(parsed_args: argparse.Namespace) -> bool | None:
    if parsed_args.share:
        return True
    return False if parsed_args.no_share else None


class CreateAddressScope(ShowOne):
    """Create a new Address Scope"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New address scope name")
        parser.add_argument("--ip-version", type=int, default=4, choices=[4, 6],
                            help="IP version (default is 4)")
        nc.add_project(parser)
        _share_options(parser, share="Share the address scope between projects",
                       no_share="Do not share the address scope between projects (default)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        scope = self.backend.create_address_scope(AddressScopeSpec(
            name=parsed_args.name, ip_version=parsed_args.ip_version,
            project_id=nc.project_id(self.backend, parsed_args), shared=_shared(parsed_args),
        ))
        return show_fields(address_scope_view(scope))


class DeleteAddressScope(Command):
    """Delete address scope(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("address_scope", metavar="<address-scope>", nargs="+",
                            help="Address scope(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.address_scope,
            lambda name: self.backend.delete_address_scope(
                self.backend.find_address_scope(name)),
            failure=lambda name, exc: (f"Failed to delete address scope with name or ID "
                                       f"'{name}': {exc}"),
            summary=lambda failed, total: f"{failed} of {total} address scopes failed to delete.",
        )


class ListAddressScope(Lister):
    """List address scopes"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>",
                            help="List only address scopes with the specified name")
        parser.add_argument("--ip-version", type=int, choices=[4, 6], metavar="<ip-version>",
                            dest="ip_version",
                            help="List only address scopes with the specified IP version "
                            "networks (4 or 6)")
        nc.add_project(parser, "List only address scopes with the specified project (name or ID)")
        add_pagination(parser)
        _share_options(parser, share="List only address scopes shared between projects",
                       no_share="List only address scopes not shared between projects")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        scopes = self.backend.address_scopes(
            name=parsed_args.name or None, ip_version=parsed_args.ip_version or None,
            project_id=nc.project_id(self.backend, parsed_args), shared=_shared(parsed_args),
        )
        rows = [(s.id, s.name, s.ip_version, s.is_shared, s.project_id)
                for s in paginate(scopes, parsed_args)]
        return ("ID", "Name", "IP Version", "Shared", "Project"), rows


class SetAddressScope(Command):
    """Set address scope properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("address_scope", metavar="<address-scope>",
                            help="Address scope to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="Set address scope name")
        _share_options(parser, share="Share the address scope between projects",
                       no_share="Do not share the address scope between projects")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        scope = self.backend.find_address_scope(parsed_args.address_scope)
        changes: dict[str, Any] = {}
        if parsed_args.name is not None:
            changes["name"] = parsed_args.name
        if _shared(parsed_args) is not None:
            changes["is_shared"] = _shared(parsed_args)
        if changes:
            self.backend.update_address_scope(scope, **changes)


class ShowAddressScope(ShowOne):
    """Display address scope details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("address_scope", metavar="<address-scope>",
                            help="Address scope to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        scope = self.backend.find_address_scope(parsed_args.address_scope)
        return show_fields(address_scope_view(scope))
