"""``ostack host sync``: re-create the host side of everything in the local store.

Bridges, namespaces, iptables rules and dnsmasq do not survive a reboot of the host; run this
once after one (ostack also follows every change it makes, so it is rarely needed otherwise).
"""

from __future__ import annotations

import argparse

from ostack_cli.commands.base import Command


class SyncHost(Command):
    """Bring the host's bridges, DHCP servers, routers and firewall in line with the store"""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        self.backend.sync_host()
