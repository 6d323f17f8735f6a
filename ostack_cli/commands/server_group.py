"""``server group create|list|show|delete`` (Nova's server groups, microversion 2.64+)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.server_group import POLICIES, ServerGroup
from ostack_cli.columns import DictColumn, ListColumn
from ostack_cli.commands.base import (
    Command,
    KeyValueAction,
    Lister,
    ShowOne,
    delete_each,
    show_fields,
)


def group_fields(group: ServerGroup) -> tuple[Any, Any]:
    return show_fields({
        "id": group.id,
        "members": ListColumn(list(group.member_ids)),
        "name": group.name,
        "policy": group.policy,
        "project_id": group.project_id,
        "rules": DictColumn(dict(group.rules)),
        "user_id": group.user_id,
    })


class CreateServerGroup(ShowOne):
    """Create a new server group."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New server group name")
        parser.add_argument("--policy", metavar="<policy>", choices=list(POLICIES),
                            default="affinity",
                            help="Add a policy to <name> Specify --os-compute-api-version "
                            "2.15 or higher for the 'soft-affinity' or 'soft-anti-affinity' "
                            "policy.")
        parser.add_argument("--rule", metavar="<key=value>", action=KeyValueAction,
                            default={}, dest="rules",
                            help="A rule for the policy. Currently, only the "
                            "'max_server_per_host' rule is supported for the "
                            "'anti-affinity' policy.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        group = self.backend.create_server_group(parsed_args.name, parsed_args.policy,
                                                 dict(parsed_args.rules) or None)
        return group_fields(group)


class DeleteServerGroup(Command):
    """Delete existing server group(s)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server_group", metavar="<server-group>", nargs="+",
                            help="server group(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        def delete_one(name: str) -> None:
            self.backend.delete_server_group(self.backend.find_server_group(name))

        delete_each(
            parsed_args.server_group,
            delete_one,
            failure=lambda name, exc: str(exc),
            summary=lambda failed, total: f"{failed} of {total} server groups failed to "
                                          "delete.",
        )


class ListServerGroup(Lister):
    """List all server groups."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--all-projects", action="store_true", default=False,
                            help="Display information from all projects (admin only)")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--limit", metavar="<limit>", type=int,
                            help="The maximum number of entries to return per page. If the "
                            "value exceeds the server-defined maximum, then the maximum value "
                            "will be used. Note that this controls the page size, not the "
                            "total number of entries returned. Use --max-items to limit the "
                            "total number of entries returned.")
        parser.add_argument("--offset", metavar="<offset>", type=int, default=None,
                            help="The (zero-based) offset of the first item in the collection to "
                            "return.")
        parser.add_argument("--max-items", metavar="<max-items>", type=int,
                            help="The maximum number of entries to return. If the value "
                            "exceeds the server-defined maximum, then the maximum value will "
                            "be used.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        # As the real client: an offset or limit of 0 is not sent.
        groups = self.backend.server_groups(all_projects=parsed_args.all_projects,
                                            limit=parsed_args.limit or None,
                                            offset=parsed_args.offset or None)
        if parsed_args.max_items is not None:
            groups = groups[:parsed_args.max_items]
        headers: tuple[str, ...] = ("ID", "Name", "Policy")
        if parsed_args.long:
            headers += ("Members", "Project Id", "User Id")
        rows = []
        for group in groups:
            row: tuple[Any, ...] = (group.id, group.name, group.policy)
            if parsed_args.long:
                row += (ListColumn(list(group.member_ids)), group.project_id, group.user_id)
            rows.append(row)
        return headers, rows


class ShowServerGroup(ShowOne):
    """Display server group details."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server_group", metavar="<server-group>",
                            help="server group to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        return group_fields(self.backend.find_server_group(parsed_args.server_group))
