"""``access rule list|show|delete`` (Keystone v3), as python-openstackclient 10.5
(openstackclient/identity/v3/access_rule.py): the acting user's rules."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.application_credential import AccessRule
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each
from ostack_cli.commands.identity_common import add_user_domain
from ostack_cli.errors import CommandError

HEADERS = ("ID", "Service", "Method", "Path")
# The real client's ``list --user`` calls a keystoneclient-style ``users.list`` on the SDK's
# proxy, where ``users`` is a method: it always fails, with this message.
USER_LOOKUP_FAILS = "'function' object has no attribute 'list'"


def rule_row(rule: AccessRule) -> tuple[Any, ...]:
    return (rule.id, rule.service, rule.method, rule.path)


class DeleteAccessRule(Command):
    """Delete access rule(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("access_rule", metavar="<access-rule>", nargs="+",
                            help="Access rule ID(s) to delete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        def delete_one(rule_id: str) -> None:
            self.backend.delete_access_rule(self.backend.get_access_rule(rule_id))

        delete_each(
            parsed_args.access_rule,
            delete_one,
            failure=lambda rule_id, exc: f"Failed to delete access rule with ID '{rule_id}': "
                                         f"{exc}",
            summary=lambda failed, total: f"{failed} of {total} access rules failed to delete.",
        )


class ListAccessRule(Lister):
    """List access rules"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--user", metavar="<user>",
                            help="User whose access rules to list (name or ID)")
        add_user_domain(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.user:
            raise CommandError(USER_LOOKUP_FAILS)
        return HEADERS, [rule_row(r) for r in self.backend.access_rules()]


class ShowAccessRule(ShowOne):
    """Display access rule details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("access_rule", metavar="<access-rule>",
                            help="Access rule ID to display")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        rule = self.backend.get_access_rule(parsed_args.access_rule)
        # Sorted fields, as the real client shows them.
        return ("ID", "Method", "Path", "Service"), (rule.id, rule.method, rule.path,
                                                     rule.service)
