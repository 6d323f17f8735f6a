"""``versions show``: the API versions of the cloud's services (keystoneauth's discovery)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import Lister

COLUMNS = ("Region Name", "Service Type", "Version", "Status", "Endpoint", "Min Microversion",
           "Max Microversion")


class ShowVersions(Lister):
    """Show available versions of services"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        interface = parser.add_mutually_exclusive_group()
        interface.add_argument("--all-interfaces", dest="is_all_interfaces",
                               action="store_true", default=False,
                               help="Show values for all interfaces")
        interface.add_argument("--interface", default="public", metavar="<interface>",
                               help="Show versions for a specific interface.")
        parser.add_argument("--region-name", metavar="<region_name>",
                            help="Show versions for a specific region.")
        parser.add_argument("--service", metavar="<service>",
                            help="Show versions for a specific service. The argument should "
                            "be either an exact match to what is in the catalog or a known "
                            "official value or alias from service-types-authority "
                            "(https://service-types.openstack.org/)")
        parser.add_argument("--status", metavar="<status>",
                            help="Show versions for a specific status. Valid values are:\n\n"
                            "- SUPPORTED\n- CURRENT\n- DEPRECATED\n- EXPERIMENTAL")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        versions = self.backend.api_versions(
            service_type=parsed_args.service,
            interface=None if parsed_args.is_all_interfaces else parsed_args.interface,
            region_name=parsed_args.region_name,
        )
        # As the real client: the status is matched in upper case, and any text is accepted.
        status = parsed_args.status.upper() if parsed_args.status else None
        rows = [
            (v.region_name, v.service_type, v.version, v.status, v.endpoint,
             v.min_microversion, v.max_microversion)
            for v in versions if not status or v.status == status
        ]
        return COLUMNS, rows
