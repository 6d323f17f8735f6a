"""``security group create|delete|list|set|show|unset``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from cliff.columns import FormattableColumn

from ostack_cli.backend.models.security_group import SecurityGroup, SecurityGroupSpec
from ostack_cli.columns import format_list_of_dicts
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each, show_fields
from ostack_cli.commands.pagination import add_pagination, paginate
from ostack_cli.commands.security_group_rule import nested_rule

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend

T = TypeVar("T")

# The real client leaves these out of the table: the group says them already.
_RULE_KEYS_HIDDEN = ("security_group_id", "tenant_id", "project_id")


class RulesColumn(FormattableColumn[list[dict[str, Any]]]):
    """A group's rules: one line per rule in tables, empty values left out; JSON unchanged."""

    def human_readable(self) -> str:
        trimmed = [
            {k: v for k, v in rule.items() if v and k not in _RULE_KEYS_HIDDEN}
            for rule in self._value or []
        ]
        return format_list_of_dicts(trimmed)


FORMATTERS = {"rules": RulesColumn}


def group_fields(backend: Backend, group: SecurityGroup, *, fresh: bool = False) -> dict[str, Any]:
    rules = backend.security_group_rules(security_group_id=group.id)
    return {
        "created_at": group.created_at,
        "description": group.description,
        "id": group.id,
        "is_shared": group.shared,
        "name": group.name,
        "project_id": group.project_id,
        "revision_number": group.revision_number,
        "rules": [nested_rule(rule, fresh=fresh) for rule in rules],
        "stateful": group.stateful,
        "tags": list(group.tags),
        "updated_at": group.updated_at,
    }


def _add_stateful(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--stateful", action="store_true", default=None,
                       help="Security group is stateful (default)")
    group.add_argument("--stateless", action="store_true", default=None,
                       help="Security group is stateless")


def _stateful(parsed_args: argparse.Namespace) -> bool | None:
    if parsed_args.stateful:
        return True
    if parsed_args.stateless:
        return False
    return None


def _changed(value: T | None, current: T) -> T | None:
    return None if value == current else value


def _add_project(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument("--project", metavar="<project>", help=text)
    parser.add_argument("--project-domain", metavar="<project-domain>",
                        help="Domain the project belongs to (name or ID). This can be used in "
                        "case collisions between project names exist.")


def _comma_list(text: str) -> list[str]:
    return text.split(",")


class CreateSecurityGroup(ShowOne):
    """Create a new security group"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New security group name")
        parser.add_argument("--description", metavar="<description>",
                            help="Security group description")
        _add_project(parser, "Owner's project (name or ID)")
        _add_stateful(parser)
        tags = parser.add_mutually_exclusive_group()
        tags.add_argument("--tag", action="append", dest="tags", metavar="<tag>",
                          help="Tag to be added to the security group (repeat option to set "
                          "multiple tags)")
        tags.add_argument("--no-tag", action="store_true",
                          help="No tags associated with the security group")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        project_id = None
        if parsed_args.project is not None:
            project_id = self.backend.find_project(parsed_args.project).id
        group = self.backend.create_security_group(
            SecurityGroupSpec(
                name=parsed_args.name,
                # The real client sends the name as the description when none is given.
                description=(parsed_args.name if parsed_args.description is None
                             else parsed_args.description),
                project_id=project_id,
                stateful=_stateful(parsed_args),
                tags=list(parsed_args.tags or []),
            )
        )
        return show_fields(group_fields(self.backend, group, fresh=True), FORMATTERS)


class DeleteSecurityGroup(Command):
    """Delete security group(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>", nargs="+",
                            help="Security group(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.group,
            lambda name: self.backend.delete_security_group(
                self.backend.find_security_group(name)
            ),
            failure=lambda name, exc: (
                f"Failed to delete security group with name or ID '{name}': {exc}"
            ),
            summary=lambda failed, total: f"{failed} of {total} groups failed to delete.",
        )


class ListSecurityGroup(Lister):
    """List security groups"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_project(parser, "List only security groups with the specified project (name or "
                     "ID)")
        shared = parser.add_mutually_exclusive_group()
        shared.add_argument("--share", action="store_true", dest="shared", default=None,
                            help="List only security groups shared between projects")
        shared.add_argument("--no-share", action="store_false", dest="shared", default=None,
                            help="List only security groups not shared between projects")
        for option, text in (
            ("--tags", "List security group which have all given tag(s)"),
            ("--any-tags", "List security group which have any given tag(s)"),
            ("--not-tags", "Exclude security group which have all given tag(s)"),
            ("--not-any-tags", "Exclude security group which have any given tag(s)"),
        ):
            parser.add_argument(option, metavar="<tag>[,<tag>,...]", type=_comma_list,
                                help=f"{text} (Comma-separated list of tags)")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        project_id = self.backend.find_project(args.project).id if args.project else None
        groups = self.backend.security_groups(
            project_id=project_id,
            shared=args.shared,
            tags=args.tags,
            any_tags=args.any_tags,
            not_tags=args.not_tags,
            not_any_tags=args.not_any_tags,
        )
        headers = ("ID", "Name", "Description", "Project", "Tags", "Shared")
        rows: list[Sequence[Any]] = [
            (g.id, g.name, g.description, g.project_id, list(g.tags), g.shared)
            for g in paginate(groups, args)
        ]
        return headers, rows


class SetSecurityGroup(Command):
    """Set security group properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>",
                            help="Security group to modify (name or ID)")
        parser.add_argument("--name", metavar="<new-name>", help="New security group name")
        parser.add_argument("--description", metavar="<description>",
                            help="New security group description")
        _add_stateful(parser)
        parser.add_argument("--tag", action="append", dest="tags", metavar="<tag>",
                            help="Tag to be added to the security group (repeat option to set "
                            "multiple tags)")
        parser.add_argument("--no-tag", action="store_true",
                            help="Clear tags associated with the security group. Specify both "
                            "--tag and --no-tag to overwrite current tags")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        group = self.backend.find_security_group(parsed_args.group)
        tags = set() if parsed_args.no_tag else set(group.tags)
        tags |= set(parsed_args.tags or [])
        # openstacksdk sends only the values that differ from the group's, so naming the
        # default group 'default' again is no rename.
        self.backend.update_security_group(
            group,
            name=_changed(parsed_args.name, group.name),
            description=_changed(parsed_args.description, group.description),
            stateful=_changed(_stateful(parsed_args), group.stateful),
            tags=sorted(tags),
        )


class ShowSecurityGroup(ShowOne):
    """Display security group details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>",
                            help="Security group to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        group = self.backend.find_security_group(parsed_args.group)
        return show_fields(group_fields(self.backend, group), FORMATTERS)


class UnsetSecurityGroup(Command):
    """Unset security group properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>",
                            help="Security group to modify (name or ID)")
        tags = parser.add_mutually_exclusive_group()
        tags.add_argument("--tag", action="append", dest="tags", metavar="<tag>",
                          help="Tag to be removed from the security group (repeat option to "
                          "remove multiple tags)")
        tags.add_argument("--all-tag", action="store_true",
                          help="Clear all tags associated with the security group")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        group = self.backend.find_security_group(parsed_args.group)
        tags = set() if parsed_args.all_tag else set(group.tags)
        tags -= set(parsed_args.tags or [])
        self.backend.update_security_group(group, tags=sorted(tags))
