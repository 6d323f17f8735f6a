"""Server power actions: ``server start|stop|reboot|pause|unpause|suspend|resume``."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ostack_cli.backend.base import Backend
from ostack_cli.backend.models.server import Server
from ostack_cli.commands.base import Command
from ostack_cli.commands.server_format import progress_printer
from ostack_cli.errors import CommandError


class _ServerAction(Command):
    """One action on one or more servers, by name or ID."""

    help_verb = ""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", nargs="+",
                            help=f"Server(s) to {self.help_verb} (name or ID)")
        parser.add_argument("--all-projects", action="store_true", default=False,
                            help=f"{self.help_verb.capitalize()} server(s) in another project "
                            "by name (admin only)")
        return parser

    def act(self, backend: Backend, server: Server) -> None:
        raise NotImplementedError

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        for name in parsed_args.server:
            server = self.backend.find_server(name, all_projects=parsed_args.all_projects)
            self.act(self.backend, server)


def _action(verb: str, method: Callable[[Backend, Server], None], doc: str) -> type[Command]:
    def act(self: _ServerAction, backend: Backend, server: Server) -> None:
        method(backend, server)

    return type(f"{verb.capitalize()}Server", (_ServerAction,),
                {"__doc__": doc, "help_verb": verb, "act": act})


StartServer = _action("start", lambda b, s: b.start_server(s), "Start server(s).")
StopServer = _action("stop", lambda b, s: b.stop_server(s), "Stop server(s).")
PauseServer = _action("pause", lambda b, s: b.pause_server(s), "Pause server(s)")
UnpauseServer = _action("unpause", lambda b, s: b.unpause_server(s), "Unpause server(s)")
SuspendServer = _action("suspend", lambda b, s: b.suspend_server(s), "Suspend server(s)")
ResumeServer = _action("resume", lambda b, s: b.resume_server(s), "Resume server(s)")


class RebootServer(Command):
    """Perform a hard or soft server reboot"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--hard", dest="reboot_type", action="store_const", const="HARD",
                           default="SOFT", help="Perform a hard reboot")
        group.add_argument("--soft", dest="reboot_type", action="store_const", const="SOFT",
                           default="SOFT", help="Perform a soft reboot")
        parser.add_argument("--wait", action="store_true", help="Wait for reboot to complete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        self.backend.reboot_server(server, hard=parsed_args.reboot_type == "HARD")
        if parsed_args.wait:
            done = self.backend.wait_for_server(server, callback=progress_printer())
            if done.status == "ERROR":
                raise CommandError(f"Error rebooting server: {server.id}")
            self.app.stdout.write("Complete\n")
