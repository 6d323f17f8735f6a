"""``server lock|unlock``."""

from __future__ import annotations

import argparse

from ostack_cli.commands.base import Command


class LockServer(Command):
    """Lock server(s)

    A non-admin user will not be able to execute actions."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", nargs="+",
                            help="Server(s) to lock (name or ID)")
        parser.add_argument("--reason", metavar="<reason>", default=None,
                            help="Reason for locking the server(s) (supported by "
                            "--os-compute-api-version 2.73 or above)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        for name in parsed_args.server:
            server = self.backend.find_server(name)
            self.backend.lock_server(server, reason=parsed_args.reason or None)


class UnlockServer(Command):
    """Unlock server(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", nargs="+",
                            help="Server(s) to unlock (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        for name in parsed_args.server:
            self.backend.unlock_server(self.backend.find_server(name))
