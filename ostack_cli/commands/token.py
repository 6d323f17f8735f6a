"""``token issue``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import ShowOne, show_fields


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
