"""``server add|remove port``, ``server add|remove network``, ``server add|remove fixed ip``:
a server's NICs through Nova's os-interface API."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.columns import ListDictColumn
from ostack_cli.commands.base import Command, ShowOne

TAG_HELP = ("Tag for the attached interface. (supported by --os-compute-api-version 2.49 or "
            "above)")


class AddPort(Command):
    """Add port to server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to add the port to (name or ID)")
        parser.add_argument("port", metavar="<port>",
                            help="Port to add to the server (name or ID)")
        parser.add_argument("--tag", metavar="<tag>",
                            help="Tag for the attached interface (supported by "
                            "--os-compute-api-version 2.49 or later)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        port_id = self.backend.find_port(parsed_args.port).id
        self.backend.attach_server_interface(server, port_id=port_id, tag=parsed_args.tag)


class AddNetwork(Command):
    """Add network to server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to add the network to (name or ID)")
        parser.add_argument("network", metavar="<network>",
                            help="Network to add to the server (name or ID)")
        parser.add_argument("--tag", metavar="<tag>", help=TAG_HELP)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        network_id = self.backend.find_network(parsed_args.network).id
        self.backend.attach_server_interface(server, network_id=network_id,
                                             tag=parsed_args.tag)


class AddFixedIP(ShowOne):
    """Add fixed IP address to server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to receive the fixed IP address (name or ID)")
        parser.add_argument("network", metavar="<network>",
                            help="Network to allocate the fixed IP address from (name or ID)")
        parser.add_argument("--fixed-ip-address", metavar="<ip-address>",
                            help="Requested fixed IP address")
        parser.add_argument("--tag", metavar="<tag>", help=TAG_HELP)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        server = self.backend.find_server(parsed_args.server)
        network_id = self.backend.find_network(parsed_args.network).id
        interface = self.backend.attach_server_interface(
            server, network_id=network_id, fixed_ip=parsed_args.fixed_ip_address or None,
            tag=parsed_args.tag)
        # The interface's fields in the API's order (the real client does not sort them).
        headers: tuple[str, ...] = ("Port ID", "Server ID", "Network ID", "MAC Address",
                                    "Port State", "Fixed IPs")
        values: tuple[Any, ...] = (interface.port_id, interface.server_id, interface.net_id,
                                   interface.mac_addr, interface.port_state,
                                   ListDictColumn(list(interface.fixed_ips)))
        if parsed_args.tag:
            headers += ("Tag",)
            values += (interface.tag,)
        return headers, values


class RemovePort(Command):
    """Remove port from server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to remove the port from (name or ID)")
        parser.add_argument("port", metavar="<port>",
                            help="Port to remove from the server (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        port_id = self.backend.find_port(parsed_args.port).id
        self.backend.detach_server_interface(server, port_id)


class RemoveNetwork(Command):
    """Remove all ports of a network from server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to remove the port from (name or ID)")
        parser.add_argument("network", metavar="<network>",
                            help="Network to remove from the server (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        network_id = self.backend.find_network(parsed_args.network).id
        for interface in self.backend.server_interfaces(server):
            if interface.net_id == network_id:
                self.backend.detach_server_interface(server, interface.port_id)


class RemoveFixedIP(Command):
    """Remove fixed IP address from server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to remove the fixed IP address from (name or ID)")
        parser.add_argument("ip_address", metavar="<ip-address>",
                            help="Fixed IP address to remove from the server (IP only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        self.backend.remove_fixed_ip_from_server(server, parsed_args.ip_address)
