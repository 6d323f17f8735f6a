"""``group create|delete|list|set|show`` and ``group add|remove|contains user`` (Keystone v3),
as python-openstackclient 10.5 runs them (openstackclient/identity/v3/group.py): lookups
through ``find_id`` (a refused one passes the name on, a missing one fails with an empty
message), per-user failures logged before a summary, and ``contains user`` answering on
stdout or stderr with exit status 0 either way."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.models.identity import Group
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each
from ostack_cli.commands.identity_common import add_group_domain, add_user_domain, find_id
from ostack_cli.errors import CommandError, Conflict, Forbidden, OstackError

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend

LOG = logging.getLogger("ostack")

GROUP_FIELDS = ("description", "domain_id", "id", "name")


def group_row(group: Group) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    return GROUP_FIELDS, (group.description, group.domain_id, group.id, group.name)


def _domain_id(backend: Backend, name_or_id: str | None, *, validate: bool = True
               ) -> str | None:
    """``find_domain_id_sdk``."""
    return find_id(backend.find_domain, name_or_id, validate=validate) if name_or_id else None


def _group_id(backend: Backend, name_or_id: str, domain: str | None, *,
              validate: bool = True) -> str:
    """``find_group_id_sdk``: the domain first, then the group within it."""
    domain_id = _domain_id(backend, domain, validate=validate)
    return find_id(lambda x: backend.find_group(x, domain_id=domain_id), name_or_id,
                   validate=validate)


def _user_id(backend: Backend, name_or_id: str, domain: str | None, *,
             validate: bool = True) -> str:
    """``find_user_id_sdk``."""
    domain_id = _domain_id(backend, domain, validate=validate)
    return find_id(lambda x: backend.find_user(x, domain_id=domain_id), name_or_id,
                   validate=validate)


def _add_member_arguments(parser: argparse.ArgumentParser, group_help: str,
                          user_help: str, *, many: bool) -> None:
    parser.add_argument("group", metavar="<group>", help=group_help)
    if many:
        parser.add_argument("user", metavar="<user>", nargs="+", help=user_help)
    else:
        parser.add_argument("user", metavar="<user>", help=user_help)
    add_group_domain(parser)
    add_user_domain(parser)


class CreateGroup(ShowOne):
    """Create new group"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<group-name>", help="New group name")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain to contain new group (name or ID)")
        parser.add_argument("--description", metavar="<description>",
                            help="New group description")
        parser.add_argument("--or-show", action="store_true", help="Return existing group")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        domain_id = _domain_id(self.backend, parsed_args.domain)
        try:
            group = self.backend.create_group(
                parsed_args.name, domain_id=domain_id,
                description=parsed_args.description or None,
            )
        except Conflict:
            if not parsed_args.or_show:
                raise
            # The real client filters by the domain as typed, not by its ID.
            group = self.backend.find_group(parsed_args.name, domain_id=parsed_args.domain)
            # The real client logs this at INFO, below its default console level.
            LOG.debug("Returning existing group %s", group.name)
        return group_row(group)


class DeleteGroup(Command):
    """Delete group(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("groups", metavar="<group>", nargs="+",
                            help="Group(s) to delete (name or ID)")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain containing group(s) (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        def delete_one(name: str) -> None:
            self.backend.delete_group(_group_id(self.backend, name, parsed_args.domain))

        delete_each(
            parsed_args.groups,
            delete_one,
            failure=lambda name, exc: f"Failed to delete group with name or ID '{name}': {exc}",
            summary=lambda failed, total: f"{failed} of {total} groups failed to delete.",
        )


class ListGroup(Lister):
    """List groups"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--domain", metavar="<domain>",
                            help="Filter group list by <domain> (name or ID)")
        parser.add_argument("--user", metavar="<user>",
                            help="Filter group list by <user> (name or ID)")
        add_user_domain(parser)
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        domain_id = _domain_id(self.backend, parsed_args.domain)
        if parsed_args.user:
            # The real client ignores --domain here.
            user_id = _user_id(self.backend, parsed_args.user, parsed_args.user_domain)
            groups = self.backend.user_groups(user_id)
        else:
            groups = self.backend.groups(domain_id=domain_id)
        if parsed_args.long:
            return (("ID", "Name", "Domain ID", "Description"),
                    [(g.id, g.name, g.domain_id, g.description) for g in groups])
        return ("ID", "Name"), [(g.id, g.name) for g in groups]


class ShowGroup(ShowOne):
    """Display group details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>", help="Group to display (name or ID)")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain containing <group> (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        domain_id = _domain_id(self.backend, parsed_args.domain)
        return group_row(self.backend.find_group(parsed_args.group, domain_id=domain_id))


class SetGroup(Command):
    """Set group properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>", help="Group to modify (name or ID)")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain containing <group> (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="New group name")
        parser.add_argument("--description", metavar="<description>",
                            help="New group description")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        group_id = _group_id(self.backend, parsed_args.group, parsed_args.domain)
        if not (parsed_args.name or parsed_args.description):
            return  # openstacksdk sends nothing when nothing changes
        self.backend.update_group(group_id, name=parsed_args.name or None,
                                  description=parsed_args.description or None)


def _each_user(backend: Backend, parsed_args: argparse.Namespace,
               change: Callable[[str, str], object], done: str) -> None:
    """The real client's loop: every user tried, each failure logged, then one error."""
    group_id = _group_id(backend, parsed_args.group, parsed_args.group_domain)
    failed = 0
    for name in parsed_args.user:
        try:
            change(_user_id(backend, name, parsed_args.user_domain), group_id)
        except OstackError as exc:
            failed += 1
            LOG.error("%s not %s group %s: %s", name, done, parsed_args.group, exc)
    if failed:
        raise CommandError(f"{failed} of {len(parsed_args.user)} users not {done} group "
                           f"{parsed_args.group}.")


class AddUserToGroup(Command):
    """Add user to group"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_member_arguments(
            parser, "Group to contain <user> (name or ID)",
            "User(s) to add to <group> (name or ID) (repeat option to add multiple users)",
            many=True,
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        _each_user(self.backend, parsed_args, self.backend.add_user_to_group, "added to")


class RemoveUserFromGroup(Command):
    """Remove user from group"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_member_arguments(
            parser, "Group containing <user> (name or ID)",
            "User(s) to remove from <group> (name or ID) (repeat option to remove multiple "
            "users)",
            many=True,
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        _each_user(self.backend, parsed_args, self.backend.remove_user_from_group,
                   "removed from")


class CheckUserInGroup(Command):
    """Check user membership in group"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_member_arguments(parser, "Group to check (name or ID)",
                              "User to check (name or ID)", many=False)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        # The real client looks the user up first, then the group, neither validated.
        user_id = _user_id(self.backend, parsed_args.user, parsed_args.user_domain,
                           validate=False)
        group_id = _group_id(self.backend, parsed_args.group, parsed_args.group_domain,
                             validate=False)
        try:
            member = self.backend.check_user_in_group(user_id, group_id)
        except Forbidden:
            member = False
        if member:
            self.app.stdout.write(f"{parsed_args.user} in group {parsed_args.group}\n")
        else:
            # Not an error: the real client says so on stderr and exits 0.
            self.app.stderr.write(f"{parsed_args.user} not in group {parsed_args.group}\n")
