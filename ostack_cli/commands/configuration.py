"""``configuration show``: the configuration this invocation runs with, secrets masked."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import ShowOne, show_fields

REDACTED = "<redacted>"
APP_OPTIONS = ("verbose_level", "deferred_help")


class ShowConfiguration(ShowOne):
    """Display configuration details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        mask = parser.add_mutually_exclusive_group()
        mask.add_argument("--mask", dest="mask", action="store_true", default=True,
                          help="Attempt to mask passwords (default)")
        mask.add_argument("--unmask", dest="mask", action="store_false",
                          help="Show password in clear text")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        configuration = self.backend.client_configuration()
        secrets = configuration.secret_names
        info = dict(configuration.values)
        # The real client hands its whole option parser's result to openstacksdk's config, so
        # its global options show too; these are the ones ostack's parser shares with it.
        for option in APP_OPTIONS:
            if getattr(self.app.options, option, None) is not None:
                info.setdefault(option, getattr(self.app.options, option))
        # As the real client: the auth values become "auth.<name>", and a secret is masked
        # there (by its name in any case) and at the top level.
        for key, value in dict(info.pop("auth", None) or {}).items():
            if parsed_args.mask and key.lower() in secrets:
                value = REDACTED
            info[f"auth.{key}"] = value
        if parsed_args.mask:
            for name in secrets:
                if name in info:
                    info[name] = REDACTED
        return show_fields(info)
