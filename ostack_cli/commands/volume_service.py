"""``volume service list`` (Cinder's os-services; python-openstackclient 10.5's
``openstackclient/volume/v3/service.py``)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import Lister


class ListService(Lister):
    """List service command"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--host", metavar="<host>",
                            help="List services on specified host (name only)")
        parser.add_argument("--service", metavar="<service>",
                            help="List only specified service (name only)")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        # Cluster (3.7) and Backend State (3.49): the real client adds them when Cinder
        # supports those microversions, which every Cinder it meets today does.
        headers: tuple[str, ...] = ("Binary", "Host", "Zone", "Status", "State", "Updated At",
                                    "Cluster", "Backend State")
        if parsed_args.long:
            headers += ("Disabled Reason",)
        rows = []
        for s in self.backend.volume_services(host=parsed_args.host,
                                              binary=parsed_args.service):
            row: tuple[Any, ...] = (s.binary, s.host, s.zone, s.status, s.state, s.updated_at,
                                    s.cluster, s.backend_state)
            if parsed_args.long:
                row += (s.disabled_reason,)
            rows.append(row)
        return headers, rows
