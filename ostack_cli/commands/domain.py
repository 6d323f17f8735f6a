"""``domain list|show`` (Keystone v3); the local backend has Keystone's ``Default`` domain."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import Lister, ShowOne

# The real client's show fields, in its order (not sorted).
DOMAIN_FIELDS = ("id", "name", "enabled", "description", "options")


class ListDomain(Lister):
    """List domains"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>", help="The domain name")
        parser.add_argument("--enabled", dest="is_enabled", action="store_true",
                            help="The domains that are enabled will be returned")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        domains = self.backend.domains(name=parsed_args.name or None,
                                       enabled=True if parsed_args.is_enabled else None)
        return (("ID", "Name", "Enabled", "Description"),
                [(d.id, d.name, d.is_enabled, d.description) for d in domains])


class ShowDomain(ShowOne):
    """Display domain details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("domain", metavar="<domain>", help="Domain to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        domain = self.backend.find_domain(parsed_args.domain)
        return DOMAIN_FIELDS, (domain.id, domain.name, domain.is_enabled, domain.description,
                               dict(domain.options))
