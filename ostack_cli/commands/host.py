"""``host list|show|set``: Nova's deprecated os-hosts API (the real client still has it), and
``ostack host sync``: re-create the host side of everything in the local store.

Bridges, namespaces, iptables rules and dnsmasq do not survive a reboot of the host; run
``host sync`` once after one (ostack also follows every change it makes, so it is rarely
needed otherwise). ``host sync --orphans`` instead removes what stores deleted without a
purge left on the host (``backend.local.orphans``), one line per store tag.
"""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.commands.base import LOG, Command, Lister
from ostack_cli.errors import CommandError


class SyncHost(Command):
    """Bring the host's bridges, DHCP servers, routers and firewall in line with the store"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--orphans", action="store_true",
            help="Instead, remove the host objects (chains, devices, namespaces, processes, "
                 "guests whose disks are gone) of local stores that no longer exist, and "
                 "print one line per store tag removed")
        parser.add_argument("--dry-run", action="store_true",
                            help="With --orphans: only print what would be removed")
        self._parser = parser
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        if parsed_args.dry_run and not parsed_args.orphans:
            # A usage error, as argparse reports one (exit 2), though argparse cannot say it.
            self._parser.error("argument --dry-run: only allowed with --orphans")
        if parsed_args.orphans:
            self._sweep(dry_run=parsed_args.dry_run)
            return
        faults = self.backend.sync_host()
        if faults:
            for line in faults[:-1]:
                self.app.stderr.write(f"{line}\n")
            raise CommandError(faults[-1])

    def _sweep(self, *, dry_run: bool) -> None:
        removed, kept, faults = self.backend.sweep_orphans(dry_run=dry_run)
        for line in removed:
            self.app.stdout.write(f"{line}\n")
        for line in (*kept, *faults[:-1]):
            self.app.stderr.write(f"{line}\n")
        if faults:
            raise CommandError(faults[-1])


class ListHost(Lister):
    """DEPRECATED: List hosts"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--zone", metavar="<zone>",
                            help="Only return hosts in the availability zone")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        LOG.warning("API has been deprecated; consider using 'hypervisor list' instead.")
        hosts = self.backend.host_services()
        if parsed_args.zone is not None:
            hosts = [h for h in hosts if h.zone == parsed_args.zone]
        return ("Host Name", "Service", "Zone"), [(h.host_name, h.service, h.zone)
                                                  for h in hosts]


class SetHost(Command):
    """DEPRECATED: Set host properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("host", metavar="<host>", help="Host to modify (name only)")
        status = parser.add_mutually_exclusive_group()
        status.add_argument("--enable", action="store_true", help="Enable the host")
        status.add_argument("--disable", action="store_true", help="Disable the host")
        maintenance = parser.add_mutually_exclusive_group()
        maintenance.add_argument("--enable-maintenance", action="store_true",
                                 help="Enable maintenance mode for the host")
        maintenance.add_argument("--disable-maintenance", action="store_true",
                                 help="Disable maintenance mode for the host")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        LOG.warning("API has been deprecated; consider using 'compute service set' instead.")
        enabled = True if parsed_args.enable else False if parsed_args.disable else None
        maintenance = (True if parsed_args.enable_maintenance
                       else False if parsed_args.disable_maintenance else None)
        if enabled is None and maintenance is None:
            return  # the real client asks nothing then
        self.backend.set_host(parsed_args.host, enabled=enabled, maintenance=maintenance)


class ShowHost(Lister):
    """DEPRECATED: Display host details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("host", metavar="<host>", help="Name of host")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        LOG.warning("API has been deprecated; consider using 'hypervisor show' instead.")
        rows = self.backend.host_resources(parsed_args.host)
        return (("Host", "Project", "CPU", "Memory MB", "Disk GB"),
                [(r.host, r.project, r.cpu, r.memory_mb, r.disk_gb) for r in rows])
