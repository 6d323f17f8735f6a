"""``server ssh``: ssh to a server's address, as the real client picks it.

The real client joins the arguments into one line for the user's shell; here they stay an
argument list (nothing a server's name or an option holds reaches a shell), so an argument
with spaces reaches ssh as one argument. As the real client, the command succeeds whatever
ssh itself returns (it ignores ssh's status)."""

from __future__ import annotations

import argparse
import logging
import subprocess
from typing import Any

from ostack_cli.commands.base import Command
from ostack_cli.errors import CommandError

LOG = logging.getLogger("ostack")
DEPRECATED = ('The ssh options have been deprecated. The ssh equivalent options can be used '
              'instead as arguments after "--" on the command line.')


def run_ssh(argv: list[str]) -> int:
    """ssh in the foreground, on this terminal (tests replace this)."""
    return subprocess.call(argv)


def pick_address(addresses: dict[str, Any], address_type: str, families: list[int]) -> str:
    """The real client's choice (``_get_ip_address``): a network named ``address_type``
    first, then the first address of that kind (``public`` is floating, ``private`` fixed)."""
    if address_type in addresses:
        for entry in addresses[address_type]:
            if int(entry["version"]) in families:
                return str(entry["addr"])
    kind = {"public": "floating", "private": "fixed"}.get(address_type, address_type)
    for network in addresses:
        for entry in addresses[network]:
            if isinstance(entry, str):
                return str(addresses[network][0] if kind == "fixed" else addresses[network][-1])
            if "OS-EXT-IPS:type" not in entry:
                continue
            if entry["OS-EXT-IPS:type"] == kind and int(entry["version"]) in families:
                return str(entry["addr"])
    raise CommandError(f"ERROR: No {address_type} IP version {families} address found")


class SshServer(Command):
    """SSH to server"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="Server (name or ID)")
        # Deprecated in the real client (Yoga), and hidden from its help.
        parser.add_argument("--login", "-l", metavar="<login-name>", help=argparse.SUPPRESS)
        parser.add_argument("--port", "-p", metavar="<port>", type=int, help=argparse.SUPPRESS)
        parser.add_argument("--identity", "-i", metavar="<keyfile>", help=argparse.SUPPRESS)
        parser.add_argument("--option", "-o", metavar="<config-options>",
                            help=argparse.SUPPRESS)
        families = parser.add_mutually_exclusive_group()
        families.add_argument("-4", dest="ipv4", action="store_true", default=False,
                              help="Use only IPv4 addresses")
        families.add_argument("-6", dest="ipv6", action="store_true", default=False,
                              help="Use only IPv6 addresses")
        kinds = parser.add_mutually_exclusive_group()
        kinds.add_argument("--public", dest="address_type", action="store_const",
                           const="public", default="public", help="Use public IP address")
        kinds.add_argument("--private", dest="address_type", action="store_const",
                           const="private", default="public", help="Use private IP address")
        kinds.add_argument("--address-type", metavar="<address-type>", dest="address_type",
                           default="public",
                           help="Use other IP address (public, private, etc)")
        parser.add_argument("-v", dest="verbose", action="store_true", default=False,
                            help=argparse.SUPPRESS)
        parser.add_argument("ssh_args", nargs="*", metavar="-- <standard ssh args>",
                            help="Any argument or option that ssh allows. Use -- once between "
                            "openstackclient args and SSH args.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        server = self.backend.find_server(parsed_args.server)
        if any((parsed_args.port, parsed_args.identity, parsed_args.option, parsed_args.login,
                parsed_args.verbose)):
            LOG.warning(DEPRECATED)
        families = [4] if parsed_args.ipv4 else [6] if parsed_args.ipv6 else [4, 6]
        args = list(parsed_args.ssh_args)
        if parsed_args.port:
            args += ["-p", str(parsed_args.port)]
        if parsed_args.identity:
            args += ["-i", parsed_args.identity]
        if parsed_args.option:
            args += ["-o", parsed_args.option]
        if parsed_args.login:
            args += ["-l", parsed_args.login]
        elif "-l" not in args:
            args += ["-l", self.backend.acting_user_name()]
        if parsed_args.verbose:
            args.append("-v")
        address = pick_address(server.addresses, parsed_args.address_type, families)
        LOG.debug("ssh command: %s", " ".join(["ssh", address, *args]))
        run_ssh(["ssh", address, *args])
