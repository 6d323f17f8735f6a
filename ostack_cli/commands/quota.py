"""``quota show`` and ``quota set`` (compute and network quotas of a project)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.server import COMPUTE_QUOTAS, QUOTA_DEFAULTS
from ostack_cli.commands.base import Command, Lister

# Options of `quota set`, named as the real client names them (dest = the quota name).
SETTABLE = tuple(QUOTA_DEFAULTS)


class ShowQuota(Lister):
    """Show quotas for project or class."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project/class>", nargs="?",
                            help="Show quotas for this project (name or ID)")
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--default", action="store_true", default=False,
                          help="Show default quotas for <project>")
        kind.add_argument("--usage", action="store_true", default=False,
                          help="Show details about quotas usage")
        service = parser.add_mutually_exclusive_group()
        for name in ("all", "compute", "volume", "network"):
            service.add_argument(f"--{name}", action="store_const", const=name, dest="service",
                                 default="all", help=f"Show {name} quotas")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        project_id = (
            self.backend.find_project(parsed_args.project).id
            if parsed_args.project
            else self.backend.issue_token().project_id
        )
        limits = self.backend.quota_limits(project_id, defaults=parsed_args.default)
        wanted = _service_quotas(parsed_args.service)
        names = [name for name in limits if name in wanted]
        if not parsed_args.usage:
            return ("Resource", "Limit"), [(name, limits[name]) for name in names]
        usage = self.backend.quota_usage(project_id)
        rows = [
            (name, limits[name], "N/A" if name == "key-pairs" else usage.get(name, 0), 0)
            for name in names
        ]
        return ("Resource", "Limit", "In Use", "Reserved"), rows


class SetQuota(Command):
    """Set quotas for project or class."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project/class>",
                            help="Set quotas for this project (name or ID)")
        for name in SETTABLE:
            parser.add_argument(f"--{name}", metavar=f"<{name}>", type=int, dest=name,
                                help=f"New value for the {name} quota")
        force = parser.add_mutually_exclusive_group()
        force.add_argument("--force", action="store_true", dest="force", default=None,
                           help="Force quota update (only supported by compute and network)")
        force.add_argument("--no-force", "--check-limit", action="store_false", dest="force",
                           help="Do not force quota update")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        project = self.backend.find_project(parsed_args.project)
        limits = {
            name: getattr(parsed_args, name)
            for name in SETTABLE
            if getattr(parsed_args, name) is not None
        }
        if limits:
            self.backend.set_quotas(project.id, limits)


def _service_quotas(service: str) -> set[str]:
    if service == "compute":
        return set(COMPUTE_QUOTAS)
    if service == "network":
        return set(QUOTA_DEFAULTS) - COMPUTE_QUOTAS
    if service == "volume":
        return set()
    return set(QUOTA_DEFAULTS)
