"""``availability zone list``: the zones of compute, network, block storage and shares."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.api.quota import block_storage_quotas
from ostack_cli.backend.models.discovery import AvailabilityZone
from ostack_cli.commands.base import LOG, Lister
from ostack_cli.errors import OstackError

COLUMNS = ("Zone Name", "Zone Status")
LONG_COLUMNS = ("Zone Resource", "Host Name", "Service Name", "Service Status")


def _status(zone: AvailabilityZone) -> str:
    return "available" if zone.available else "not available"


def compute_rows(zone: AvailabilityZone, long: bool) -> list[tuple[str, ...]]:
    """A compute zone as the real client lays it out: with ``--long``, one row per service
    of each host, ``enabled :-) <updated_at>`` as its status."""
    if not long:
        return [(zone.name, _status(zone))]
    if not zone.hosts:
        return [(zone.name, _status(zone), "", "", "", "")]
    return [
        (zone.name, _status(zone), "", host, service,
         f"{'enabled' if state.active else 'disabled'} "
         f"{':-)' if state.available else 'XXX'} {state.updated_at}")
        for host, services in zone.hosts.items()
        for service, state in services.items()
    ]


def other_rows(zone: AvailabilityZone, long: bool) -> list[tuple[str, ...]]:
    """A network, volume or share zone: its resource (network zones) and no hosts."""
    if not long:
        return [(zone.name, _status(zone))]
    return [(zone.name, _status(zone), zone.resource, "", "", "")]


class ListAvailabilityZone(Lister):
    """List availability zones and their status"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        for option, text in (
            ("--compute", "List compute availability zones"),
            ("--network", "List network availability zones"),
            ("--volume", "List volume availability zones"),
            ("--share", "List share availability zones"),
            ("--long", "List additional fields in output"),
        ):
            parser.add_argument(option, action="store_true", default=False, help=text)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        long = parsed_args.long
        show_all = not (parsed_args.compute or parsed_args.network or parsed_args.share
                        or parsed_args.volume)
        rows: list[tuple[str, ...]] = []
        if parsed_args.compute or show_all:
            # The real client always asks for the detailed list (the zones of every service,
            # "internal" too), and the plain one only if the policy refuses it.
            for zone in self.backend.availability_zones("compute", details=True):
                rows += compute_rows(zone, long)
        if parsed_args.network or show_all:
            for zone in self._zones("network", parsed_args.network,
                                    "Availability zones list not supported by Network API"):
                rows += other_rows(zone, long)
        if parsed_args.share or show_all:
            for zone in self._zones(
                "share", parsed_args.share,
                "Availability zones list not supported by Shared File System API",
            ):
                rows += other_rows(zone, long)
        if parsed_args.volume or show_all:
            for zone in self._volume_zones(parsed_args.volume):
                rows += other_rows(zone, long)
        return (COLUMNS + LONG_COLUMNS if long else COLUMNS), rows

    def _zones(self, service: str, asked: bool, warning: str) -> list[AvailabilityZone]:
        """A service's zones; a service that cannot list them has none, and the real client
        says so only when that service was asked for."""
        try:
            return self.backend.availability_zones(service)
        except OstackError:
            if asked:
                LOG.warning(warning)
            return []

    def _volume_zones(self, asked: bool) -> list[AvailabilityZone]:
        if not block_storage_quotas(self.backend).has_block_storage():
            if asked:
                LOG.warning("Block Storage API is not available in the current cloud")
            return []
        return self._zones("volume", asked,
                           "Availability zones list not supported by Block Storage API")
