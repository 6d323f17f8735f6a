"""``console log show``."""

from __future__ import annotations

import argparse

from ostack_cli.commands.base import Command


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
