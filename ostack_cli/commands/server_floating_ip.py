"""``server add floating ip`` and ``server remove floating ip``."""

from __future__ import annotations

import argparse

from ostack_cli.commands.base import Command
from ostack_cli.errors import CommandError, NotFound


class AddFloatingIP(Command):
    """Add floating IP address to server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to receive the floating IP address (name or ID)")
        parser.add_argument("ip_address", metavar="<ip-address>",
                            help="Floating IP address to assign to the first available server "
                            "port (IP only)")
        parser.add_argument("--fixed-ip-address", metavar="<ip-address>",
                            help="Fixed IP address to associate with this floating IP address. "
                            "The first server port containing the fixed IP address will be "
                            "used")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        backend = self.backend
        fip = backend.find_floating_ip(parsed_args.ip_address)
        server = backend.find_server(parsed_args.server)
        ports = backend.ports(device_id=server.id)
        if not ports:
            raise CommandError("No attached ports found to associate floating IP with")
        wanted = parsed_args.fixed_ip_address
        if wanted:
            port = next((p for p in ports if any(f["ip_address"] == wanted
                                                  for f in p.fixed_ips)), None)
            if port is None:
                raise CommandError(f"No port found for fixed IP address {wanted}")
            backend.associate_floating_ip(fip, port, wanted)
            return
        # As the real client: try each port; one not behind a router with a gateway on the
        # floating IP's network fails (Neutron's 404), the next may work.
        error: NotFound | None = None
        for port in ports:
            try:
                backend.associate_floating_ip(fip, port)
                return
            except NotFound as exc:
                error = exc
        assert error is not None
        raise error


class RemoveFloatingIP(Command):
    """Remove floating IP address from server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to remove the floating IP address from (name or ID)")
        parser.add_argument("ip_address", metavar="<ip-address>",
                            help="Floating IP address to remove from server (IP only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        fip = self.backend.find_floating_ip(parsed_args.ip_address)
        self.backend.find_server(parsed_args.server)
        self.backend.disassociate_floating_ip(fip)
