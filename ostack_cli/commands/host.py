"""``ostack host sync``: re-create the host side of everything in the local store.

Bridges, namespaces, iptables rules and dnsmasq do not survive a reboot of the host; run this
once after one (ostack also follows every change it makes, so it is rarely needed otherwise).
"""

from __future__ import annotations

import argparse

from ostack_cli.commands.base import Command
from ostack_cli.errors import CommandError


class SyncHost(Command):
    """Bring the host's bridges, DHCP servers, routers and firewall in line with the store"""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        faults = self.backend.sync_host()
        if faults:
            for line in faults[:-1]:
                self.app.stderr.write(f"{line}\n")
            raise CommandError(faults[-1])
