"""``hypervisor list|show`` and ``hypervisor stats show``: Nova's compute nodes (the local
backend's one: the host its guests run on), as microversion 2.88 and later show them, and
the deprecated totals of microversion 2.1."""

from __future__ import annotations

import argparse
import re
from typing import Any

from ostack_cli.backend.models.server import Hypervisor
from ostack_cli.columns import DictColumn, ListColumn
from ostack_cli.commands.base import LOG, Lister, ShowOne, show_fields
from ostack_cli.commands.pagination import add_pagination, paginate
from ostack_cli.errors import (
    BackendUnavailable,
    CommandError,
    OstackError,
    duplicate,
    not_found,
)

# What the real client reads in a host's ``uptime`` line.
UPTIME_RE = re.compile(r"\s*(.+)\sup\s+(.+),\s+(.+)\susers?,\s+load average:\s(.+)")


class ListHypervisor(Lister):
    """List hypervisors"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--matching", metavar="<hostname>",
                            help="Filter hypervisors using <hostname> substringHypervisor "
                            "Type and Host IP are not returned when using microversion 2.52 "
                            "or lower")
        add_pagination(parser)
        parser.add_argument("--long", action="store_true",
                            help="List additional fields in output")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.matching and (parsed_args.marker or parsed_args.limit):
            raise CommandError("--matching is not compatible with --marker or --limit")
        found = paginate(self.backend.hypervisors(matching=parsed_args.matching or None),
                         parsed_args)
        # From microversion 2.88 Nova shows no resource counts, so --long adds nothing.
        headers = ("ID", "Hypervisor Hostname", "Hypervisor Type", "Host IP", "State")
        return headers, [(h.id, h.name, h.hypervisor_type, h.host_ip, h.state) for h in found]


class ShowHypervisor(ShowOne):
    """Display hypervisor details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("hypervisor", metavar="<hypervisor>",
                            help="Hypervisor to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        found = _find(self.backend.hypervisors(detailed=False), parsed_args.hypervisor)
        hypervisor = self.backend.get_hypervisor(found.id)
        member_of = [a.name for a in self.backend.aggregates()
                     if hypervisor.service_host in a.hosts]
        fields: dict[str, Any] = {
            "aggregates": ListColumn(member_of),
            "cpu_info": DictColumn(dict(hypervisor.cpu_info)),
            "host_ip": hypervisor.host_ip,
            "hypervisor_hostname": hypervisor.name,
            "hypervisor_type": hypervisor.hypervisor_type,
            "hypervisor_version": hypervisor.hypervisor_version,
            "id": hypervisor.id,
            "service_host": hypervisor.service_host,
            "service_id": hypervisor.service_id,
            "state": hypervisor.state,
            "status": hypervisor.status,
        }
        uptime = UPTIME_RE.match(hypervisor.uptime or "")
        if uptime:
            fields.update(host_time=uptime.group(1), uptime=uptime.group(2),
                          users=uptime.group(3), load_average=uptime.group(4))
        return show_fields(fields)


class ShowHypervisorStats(ShowOne):
    """Display hypervisor stats details"""

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        LOG.warning("This command is deprecated.")
        try:
            stats = self.backend.hypervisor_statistics()
        except BackendUnavailable:
            raise
        except OstackError as exc:
            # The real client reads the answer without looking at its status: a refusal
            # has no statistics in it.
            raise CommandError("'NoneType' object has no attribute 'keys'") from exc
        return show_fields(stats.values)


def _find(hypervisors: list[Hypervisor], name_or_id: str) -> Hypervisor:
    """openstacksdk's find: the ID, then a unique hypervisor hostname."""
    for hypervisor in hypervisors:
        if hypervisor.id == name_or_id:
            return hypervisor
    named = [h for h in hypervisors if h.name == name_or_id]
    if not named:
        raise not_found("Hypervisor", name_or_id)
    if len(named) > 1:
        raise duplicate("Hypervisor", name_or_id)
    return named[0]
