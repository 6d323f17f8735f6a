"""``usage list`` and ``usage show``: Nova's simple tenant usage, per project, as the real
client prints it (openstackclient/compute/v2/usage.py): a "Usage from ... to ...:" line
above a table, the period 4 weeks ago to tomorrow unless given, and the totals to two
decimals in a table (raw numbers in JSON)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from cliff.columns import FormattableColumn

from ostack_cli.backend.models.usage import ProjectUsage
from ostack_cli.columns import column_with
from ostack_cli.commands.base import Lister, ShowOne
from ostack_cli.errors import CommandError, OstackError

COLUMNS = ("Project", "Servers", "RAM MB-Hours", "CPU Hours", "Disk GB-Hours")
DATE_FORMAT = "%Y-%m-%d"


def _count(servers: list[Any] | None) -> str:
    return str(len(servers)) if servers is not None else ""


def _two_decimals(value: float | None) -> str:
    if value is None:
        # The real client formats None with ".2f" and fails with Python's words.
        raise CommandError("unsupported format string passed to NoneType.__format__")
    return f"{value:.2f}"


CountColumn = column_with(_count)
FloatColumn = column_with(_two_decimals)


def _project_column(names: dict[str, str]) -> type[FormattableColumn[Any]]:
    """The project's name in a table when the projects could be listed, its ID in JSON."""
    return column_with(lambda project: names.get(project, project) if project else "")


def add_period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", metavar="<start>", default=None,
                        help="Usage range start date, ex 2012-01-20 (default: 4 weeks ago)")
    parser.add_argument("--end", metavar="<end>", default=None,
                        help="Usage range end date, ex 2012-01-20 (default: tomorrow)")


def period(parsed_args: argparse.Namespace) -> tuple[datetime, datetime]:
    """The dates given (``strptime``'s error if not one), else 4 weeks ago to tomorrow."""
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        start = (datetime.strptime(parsed_args.start, DATE_FORMAT) if parsed_args.start
                 else now - timedelta(weeks=4))
        end = (datetime.strptime(parsed_args.end, DATE_FORMAT) if parsed_args.end
               else now + timedelta(days=1))
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    return start, end


def usage_row(usage: ProjectUsage, project_names: dict[str, str]) -> tuple[Any, ...]:
    return (_project_column(project_names)(usage.project_id),
            CountColumn(usage.server_usages), FloatColumn(usage.total_memory_mb_usage),
            FloatColumn(usage.total_vcpus_usage), FloatColumn(usage.total_local_gb_usage))


class ListUsage(Lister):
    """List resource usage per project"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        add_period(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        start, end = period(parsed_args)
        usages = self.backend.project_usages(start, end)
        if parsed_args.formatter == "table" and usages:
            self.app.stdout.write(f"Usage from {start.strftime(DATE_FORMAT)} to "
                                  f"{end.strftime(DATE_FORMAT)}: \n")
        names = self._project_names()
        return COLUMNS, [usage_row(usage, names) for usage in usages]

    def _project_names(self) -> dict[str, str]:
        try:
            return {project.id: project.name for project in self.backend.projects()}
        except OstackError:
            return {}  # the real client shows IDs when it cannot list the projects


class ShowUsage(ShowOne):
    """Show resource usage for a single project"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--project", metavar="<project>", default=None,
                            help="Name or ID of project to show usage for")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID). This can be used "
                            "in case collisions between project names exist.")
        add_period(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        start, end = period(parsed_args)
        if parsed_args.project:
            project_id = self.backend.find_project_id(parsed_args.project,
                                                      domain=parsed_args.project_domain)
        else:
            project_id = self.backend.auth_project_id() or ""
        usage = self.backend.project_usage(project_id, start, end)
        if parsed_args.formatter == "table":
            self.app.stdout.write(f"Usage from {start.strftime(DATE_FORMAT)} to "
                                  f"{end.strftime(DATE_FORMAT)} on project {project_id}: \n")
        return COLUMNS, usage_row(usage, {})
