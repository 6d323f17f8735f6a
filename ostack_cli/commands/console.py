"""``console log show``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import Command, ShowOne, show_fields


class ShowConsoleLog(Command):
    """Show server's console output"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to show console log (name or ID)")
        parser.add_argument("--lines", metavar="<num-lines>", type=int, default=None,
                            help="Number of lines to display from the end of the log "
                            "(default=all)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        text = self.backend.console_log(server, parsed_args.lines)
        # The real client prints the raw text and ends it with exactly one newline.
        self.app.stdout.write(text.rstrip("\n") + "\n" if text else "")


class ShowConsoleURL(ShowOne):
    """Show server's remote console URL"""

    TYPES = (
        ("--novnc", "novnc", "Show noVNC console URL (default)"),
        ("--xvpvnc", "xvpvnc", "Show xvpvnc console URL"),
        ("--spice", "spice-html5", "Show SPICE console URL"),
        ("--spice-direct", "spice-direct", "Show SPICE direct protocol native console URL"),
        ("--rdp", "rdp-html5", "Show RDP console URL"),
        ("--serial", "serial", "Show serial console URL"),
        ("--mks", "webmks", "Show WebMKS console URL"),
    )

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to show URL (name or ID)")
        group = parser.add_mutually_exclusive_group()
        for flag, url_type, text in self.TYPES:
            group.add_argument(flag, dest="url_type", action="store_const", const=url_type,
                               default="novnc", help=text)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        server = self.backend.find_server(parsed_args.server)
        return show_fields(self.backend.console_url(server, parsed_args.url_type))
