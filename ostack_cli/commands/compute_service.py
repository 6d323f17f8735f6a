"""``compute service list|set|delete``: Nova's services (on the local backend, those of its one
host: nova-scheduler, nova-conductor and nova-compute)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.compute_host import ComputeService
from ostack_cli.commands.base import LOG, Command, Lister, delete_each
from ostack_cli.errors import CommandError, OstackError


class ListService(Lister):
    """List compute services.

    Using ``--os-compute-api-version`` 2.53 or greater will return the ID as a UUID value
    which can be used to uniquely identify the service in a multi-cell deployment."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--host", metavar="<host>",
                            help="List services on specified host (name only)")
        parser.add_argument("--service", metavar="<service>",
                            help="List only specified service binaries (name only). For "
                            "example, ``nova-compute``, ``nova-conductor``, etc.")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        headers: tuple[str, ...] = ("ID", "Binary", "Host", "Zone", "Status", "State",
                                    "Updated At")
        if parsed_args.long:
            headers += ("Disabled Reason", "Forced Down")
        rows = []
        for s in self.backend.compute_services(host=parsed_args.host,
                                               binary=parsed_args.service):
            row: tuple[Any, ...] = (s.id, s.binary, s.host, s.zone, s.status, s.state,
                                    s.updated_at)
            if parsed_args.long:
                row += (s.disabled_reason, s.forced_down)
            rows.append(row)
        return headers, rows


class SetService(Command):
    """Set compute service properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("host", metavar="<host>", help="Name of host")
        parser.add_argument("service", metavar="<service>",
                            help="Name of service (Binary name), for example ``nova-compute``")
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument("--enable", action="store_true", help="Enable service")
        enabled.add_argument("--disable", action="store_true", help="Disable service")
        parser.add_argument("--disable-reason", default=None, metavar="<reason>",
                            help="Reason for disabling the service (in quotes). Should be "
                            "used with --disable option.")
        up_down = parser.add_mutually_exclusive_group()
        up_down.add_argument("--up", action="store_true",
                             help="Force up service. Requires ``--os-compute-api-version`` "
                             "2.11 or greater.")
        up_down.add_argument("--down", action="store_true",
                             help="Force down service. Requires ``--os-compute-api-version`` "
                             "2.11 or greater.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        host, binary = parsed_args.host, parsed_args.service
        if (parsed_args.enable or not parsed_args.disable) and parsed_args.disable_reason:
            raise CommandError("Cannot specify option --disable-reason without --disable "
                               "specified.")
        service = self._find(host, binary)
        # As the real client: each change is tried, a refused one logged without Nova's
        # reason, and the command fails at the end.
        failed = 0
        enabled = True if parsed_args.enable else False if parsed_args.disable else None
        if enabled is not None:
            try:
                self.backend.set_compute_service_status(
                    service, enabled=enabled, disabled_reason=parsed_args.disable_reason)
            except OstackError:
                LOG.error("Failed to set service status to %s",
                          "enabled" if enabled else "disabled")
                failed += 1
        forced_down = True if parsed_args.down else False if parsed_args.up else None
        if forced_down is not None:
            try:
                self.backend.set_compute_service_forced_down(service, forced_down)
            except OstackError:
                LOG.error("Failed to set service state to %s", "down" if forced_down else "up")
                failed += 1
        if failed:
            raise CommandError(f"Compute service {binary} of host {host} failed to set.")

    def _find(self, host: str, binary: str) -> ComputeService:
        found = self.backend.compute_services(host=host, binary=binary)
        if not found:
            raise CommandError(f'Compute service for host "{host}" and binary "{binary}" not '
                               "found.")
        if len(found) > 1:
            raise CommandError(f'Multiple compute services found for host "{host}" and '
                               f'binary "{binary}". Unable to proceed.')
        return found[0]


class DeleteService(Command):
    """Delete compute service(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("service", metavar="<service>", nargs="+",
                            help="Compute service(s) to delete (ID only). If using "
                            "``--os-compute-api-version`` 2.53 or greater, the ID is a UUID "
                            "which can be retrieved by listing compute services using the "
                            "same 2.53+ microversion. If deleting a compute service, be sure "
                            "to stop the actual compute process on the physical host before "
                            "deleting the service with this command. Failing to do so can "
                            "lead to the running service re-creating orphaned compute_nodes "
                            "table records in the database.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.service, self.backend.delete_compute_service,
            failure=lambda name, exc: (
                f"Failed to delete compute service with ID '{name}': {exc}"),
            summary=lambda failed, total: (
                f"{failed} of {total} compute services failed to delete."),
        )
