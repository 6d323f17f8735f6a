"""``ostack dashboard serve|stop``: the real Horizon over the local ``ostack api``
(docs/dashboard.md). Horizon runs from its own venv; nothing of it is imported here."""

from __future__ import annotations

import argparse
from pathlib import Path

from ostack_cli.commands.base import Command


def _state_dir() -> Path:
    from ostack_cli.state.paths import state_dir

    return state_dir()


class ServeDashboard(Command):
    """Serve the OpenStack dashboard (Horizon) for the local 'ostack api'"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--bind", metavar="<address:port>", default="127.0.0.1:8080",
                            help="Loopback address and port to listen on (default: "
                                 "127.0.0.1:8080)")
        parser.add_argument("--api", metavar="<address:port>",
                            help="Where 'ostack api serve' listens (default: the auth_url "
                                 "of the 'ostack' entry in clouds.yaml)")
        parser.add_argument("--detach", action="store_true",
                            help="Run in the background (pid file <state dir>/dashboard.pid, "
                                 "log <state dir>/dashboard.log)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        from ostack_cli.dashboard.server import DashboardOptions, serve

        serve(DashboardOptions(state_dir=_state_dir(), bind=parsed_args.bind,
                               api=parsed_args.api, detach=parsed_args.detach))


class StopDashboard(Command):
    """Stop a dashboard started with 'ostack dashboard serve --detach'"""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        from ostack_cli.dashboard.server import stop

        stop(_state_dir())
