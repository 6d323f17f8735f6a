"""``extension list|show``: the API extensions of compute, block storage and network."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.api.quota import block_storage_quotas
from ostack_cli.backend.models.discovery import Extension
from ostack_cli.commands.base import LOG, Lister, ShowOne, show_fields
from ostack_cli.errors import OstackError


class ListExtension(Lister):
    """List API extensions"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        for option, text in (
            ("--compute", "List extensions for the Compute API"),
            ("--identity", "List extensions for the Identity API (only supported by v2)"),
            ("--network", "List extensions for the Network API"),
            ("--volume", "List extensions for the Block Storage API"),
            ("--long", "List additional fields in output"),
        ):
            parser.add_argument(option, action="store_true", default=False, help=text)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        columns: tuple[str, ...] = ("Name", "Alias", "Description")
        if parsed_args.long:
            columns += ("Namespace", "Updated At", "Links")
        show_all = not (parsed_args.identity or parsed_args.compute or parsed_args.volume
                        or parsed_args.network)
        # Only Identity v2 lists extensions; ostack talks to Keystone v3, where the real
        # client lists none and says nothing.
        found: list[Extension] = []
        if parsed_args.compute or show_all:
            found += self._listed("compute", "Extensions list not supported by Compute API")
        if parsed_args.volume or show_all:
            if block_storage_quotas(self.backend).has_block_storage():
                found += self._listed("volume",
                                      "Extensions list not supported by Block Storage API")
            elif parsed_args.volume:
                LOG.warning("Block Storage API is not available in the current cloud")
        if parsed_args.network or show_all:
            found += self._listed("network",
                                  "Failed to retrieve extensions list from Network API")
        rows = [
            (e.name, e.alias, e.description,
             *((e.namespace, e.updated_at, e.links) if parsed_args.long else ()))
            for e in found
        ]
        return columns, rows

    def _listed(self, service: str, warning: str) -> list[Extension]:
        try:
            return self.backend.extensions(service)
        except OstackError:
            LOG.warning(warning)
            return []


class ShowExtension(ShowOne):
    """Show API extension"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("extension", metavar="<extension>",
                            help="Extension to display. Currently, only network extensions are "
                            "supported. (Name or Alias)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        extension = self.backend.find_extension(parsed_args.extension)
        return show_fields({
            "alias": extension.alias,
            "description": extension.description,
            "name": extension.name,
            "updated_at": extension.updated_at,
        })
