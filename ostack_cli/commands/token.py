"""``token issue|revoke``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import Command, ShowOne, show_fields


class IssueToken(ShowOne):
    """Issue new token"""

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        token = self.backend.issue_token()
        return show_fields(
            {
                "expires": token.expires,
                "id": token.id,
                "project_id": token.project_id,
                "user_id": token.user_id,
            }
        )


class RevokeToken(Command):
    """Revoke existing token"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("token", metavar="<token>", help="Token to be deleted")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        self.backend.revoke_token(parsed_args.token)
