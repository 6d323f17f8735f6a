"""``ip availability list|show``: Neutron's IP availability of networks (an admin's view)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.ip_availability import DETAIL_FIELDS, NetworkIPAvailability
from ostack_cli.columns import DictColumn, ListDictColumn
from ostack_cli.commands import network_common as nc
from ostack_cli.commands.base import Lister, ShowOne, show_fields
from ostack_cli.commands.pagination import add_pagination, paginate

FORMATTERS = {"subnet_ip_availability": ListDictColumn, "ip_availability_details": DictColumn}
HEADERS = ("Network ID", "Network Name", "Total IPs", "Used IPs", "Total IPs in Subnet",
           "Total IPs in Allocation Pool", "Used IPs in Subnet", "Used IPs in Allocation Pool")


def availability_fields(item: NetworkIPAvailability) -> dict[str, Any]:
    return {
        "ip_availability_details": item.ip_availability_details,
        "network_id": item.network_id,
        "network_name": item.network_name,
        "project_id": item.project_id,
        "subnet_ip_availability": item.subnet_ip_availability,
        "total_ips": item.total_ips,
        "used_ips": item.used_ips,
    }


class ListIPAvailability(Lister):
    """List IP availability for network"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--ip-version", type=int, default=4, choices=[4, 6],
                            metavar="<ip-version>", dest="ip_version",
                            help="List only IP availability with the specified IP version "
                            "networks (4 or 6, default is 4)")
        nc.add_project(parser, "List only IP availability with the specified project (name or "
                       "ID)")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        items = self.backend.network_ip_availabilities(
            ip_version=parsed_args.ip_version or None,
            project_id=nc.project_id(self.backend, parsed_args),
        )
        rows = []
        for item in paginate(items, parsed_args):
            # The details columns are empty without Neutron's details extension.
            details = item.ip_availability_details or {}
            rows.append((item.network_id, item.network_name, item.total_ips, item.used_ips,
                         *(details.get(field, "") for field in DETAIL_FIELDS)))
        return HEADERS, rows


class ShowIPAvailability(ShowOne):
    """Show network IP availability details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>",
                            help="Show IP availability for a specific network (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        network_id = self.backend.find_network(parsed_args.network).id
        item = self.backend.find_network_ip_availability(network_id)
        return show_fields(availability_fields(item), FORMATTERS)
