"""``limits show``: the absolute (or rate) limits of compute, and of block storage where the
cloud has it."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import Lister


class ShowLimits(Lister):
    """Show compute and block storage limits"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        kind = parser.add_mutually_exclusive_group(required=True)
        kind.add_argument("--absolute", dest="is_absolute", action="store_true", default=False,
                          help="Show absolute limits")
        kind.add_argument("--rate", dest="is_rate", action="store_true", default=False,
                          help="Show rate limits. This is not supported by the compute service "
                          "since the 12.0.0 (Liberty) release and is only supported by the "
                          "block storage service when the rate-limiting middleware is "
                          "enabled. It is therefore a no-op in most deployments.")
        parser.add_argument("--reserved", dest="is_reserved", action="store_true",
                            default=False,
                            help="Include reservations count (only valid with --absolute)")
        parser.add_argument("--project", metavar="<project>",
                            help="Show limits for a specific project (name or ID) (only valid "
                            "with --absolute)")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID). This can be used "
                            "in case collisions between project names exist.")
        # The real client's deprecated alias of --project-domain.
        parser.add_argument("--domain", metavar="<domain>", dest="project_domain",
                            help=argparse.SUPPRESS)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        project_id = None
        if parsed_args.project is not None:
            project_id = self.backend.find_project_id(parsed_args.project,
                                                      domain=parsed_args.project_domain)
        limits = self.backend.service_limits(project_id, reserved=parsed_args.is_reserved)
        if parsed_args.is_absolute:
            return ("Name", "Value"), sorted(limits.absolute.items(), key=lambda item: item[0])
        return (
            ("Verb", "URI", "Value", "Remain", "Unit", "Next Available"),
            [(r.verb, r.uri, r.value, r.remaining, r.unit, r.next_available)
             for r in limits.rate],
        )
