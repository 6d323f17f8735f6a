"""``ostack api serve|stop|rotate-keys``: the OpenStack REST APIs of the local store
(docs/api.md). The web stack is imported only when the server really starts."""

from __future__ import annotations

import argparse
from pathlib import Path

from ostack_cli.commands.base import Command
from ostack_cli.errors import CommandError


def _state_dir() -> Path:
    from ostack_cli.state.paths import state_dir

    return state_dir()


def _pid_file(value: str | None) -> Path:
    from ostack_cli.api.server import PID_FILE

    return Path(value) if value else _state_dir() / PID_FILE


class ServeApi(Command):
    """Serve Keystone, Nova, Neutron and Glance's APIs for the local store"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--bind", metavar="<address:port>", default="127.0.0.1:5000",
                            help="Address and port to listen on (default: 127.0.0.1:5000)")
        parser.add_argument("--cert", metavar="<file>",
                            help="TLS certificate (PEM; with --key): serve HTTPS")
        parser.add_argument("--key", metavar="<file>", help="TLS private key (PEM)")
        parser.add_argument("--detach", action="store_true",
                            help="Run in the background (pid file: --pid-file)")
        parser.add_argument("--pid-file", metavar="<file>",
                            help="Write the server's pid here (default with --detach: "
                                 "<state dir>/api.pid)")
        parser.add_argument("--log-file", metavar="<file>",
                            help="Request log (default: stderr; with --detach: "
                                 "<state dir>/api.log)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        import importlib.util

        missing = [name for name in ("falcon", "uvicorn") if importlib.util.find_spec(name) is None]
        if missing:
            raise CommandError(
                f"ostack api needs its web stack ({', '.join(missing)} missing).",
                "Install it with: pip install 'ostack[api]'",
            )
        from ostack_cli.api.server import ServeOptions, serve

        def path(value: str | None) -> Path | None:
            return Path(value).absolute() if value else None

        serve(ServeOptions(
            state_dir=_state_dir(), bind=parsed_args.bind, cert=path(parsed_args.cert),
            key=path(parsed_args.key), detach=parsed_args.detach,
            pid_file=path(parsed_args.pid_file),
            # cliff's own global --log-file takes the option wherever it is written.
            log_file=path(parsed_args.log_file or getattr(self.app.options, "log_file", None)),
        ))


class StopApi(Command):
    """Stop a server started with 'ostack api serve --detach'"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--pid-file", metavar="<file>",
                            help="The server's pid file (default: <state dir>/api.pid)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        from ostack_cli.api.server import stop

        stop(_pid_file(parsed_args.pid_file))


class RotateApiKeys(Command):
    """Rotate the API's Fernet token keys (as keystone-manage fernet_rotate)"""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        from ostack_cli.api.fernet_keys import KeyRepository

        keys = KeyRepository.for_state_dir(_state_dir())
        if not keys.keys():
            keys.setup()
        keys.rotate()
