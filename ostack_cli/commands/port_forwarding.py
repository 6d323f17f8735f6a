"""``floating ip port forwarding create|delete|list|set|show``."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from ostack_cli.backend.models.port_forwarding import PortForwardingSpec, port_forwarding_view
from ostack_cli.commands.base import Command, Lister, ShowOne, show_fields
from ostack_cli.commands.pagination import add_pagination, paginate
from ostack_cli.errors import CommandError, OstackError

LOG = logging.getLogger("ostack")

FIP_HELP = "Floating IP that the port forwarding belongs to (IP address or ID)"
LIST_HEADERS = ("ID", "Internal Port ID", "Internal IP Address", "Internal Port",
                "Internal Port Range", "External Port", "External Port Range", "Protocol",
                "Description")


def _ports(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        return [int(part) for part in str(text).split(":")]
    except ValueError as exc:
        # The real client's int() fails the same way, and cliff prints its text.
        raise CommandError(str(exc)) from None


def _span(ports: list[int]) -> int:
    if not ports:
        return 0
    if ports[-1] - ports[0] < 0:
        raise CommandError("The last number in port range must be greater or equal to the first")
    return ports[-1] - ports[0]


def port_attrs(parsed_args: argparse.Namespace) -> dict[str, Any]:
    """The real client's ``validate_and_assign_port_ranges``: ``a:b`` is a range, a number a
    single port; an internal range maps to an external one of the same size."""
    internal_text = parsed_args.internal_protocol_port
    external_text = parsed_args.external_protocol_port
    external = _ports(external_text)
    internal = _ports(internal_text)
    inside = _span(internal)
    outside = _span(external)
    if inside != 0 and inside != outside:
        raise CommandError("The relation between internal and external ports does not match "
                           "the pattern 1:N and N:N")
    for port in external + internal:
        if port <= 0 or port > 65535:
            raise CommandError("The port number range is <1-65535>")
    attrs: dict[str, Any] = {}
    if internal_text:
        if ":" in internal_text:
            attrs["internal_port_range"] = internal_text
        else:
            attrs["internal_port"] = int(internal_text)
    if external_text:
        if ":" in external_text:
            attrs["external_port_range"] = external_text
        else:
            attrs["external_port"] = int(external_text)
    return attrs


class CreateFloatingIPPortForwarding(ShowOne):
    """Create floating IP port forwarding"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--internal-ip-address", required=True,
                            metavar="<internal-ip-address>",
                            help="The fixed IPv4 address of the network port associated to the "
                            "floating IP port forwarding")
        parser.add_argument("--port", metavar="<port>", required=True,
                            help="The name or ID of the network port associated to the floating "
                            "IP port forwarding")
        parser.add_argument("--internal-protocol-port", metavar="<port-number>", required=True,
                            help="The protocol port number of the network port fixed IPv4 "
                            "address associated to the floating IP port forwarding")
        parser.add_argument("--external-protocol-port", metavar="<port-number>", required=True,
                            help="The protocol port number of the port forwarding's floating IP "
                            "address")
        parser.add_argument("--protocol", metavar="<protocol>", required=True,
                            help="The protocol used in the floating IP port forwarding, for "
                            "instance: TCP, UDP")
        parser.add_argument("--description", metavar="<description>",
                            help="Text to describe/contextualize the use of the port forwarding "
                            "configuration")
        parser.add_argument("floating_ip", metavar="<floating-ip>", help=FIP_HELP)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        fip = self.backend.find_floating_ip(parsed_args.floating_ip)
        attrs = port_attrs(parsed_args)
        port = self.backend.find_port(parsed_args.port)
        pf = self.backend.create_port_forwarding(PortForwardingSpec(
            floatingip_id=fip.id,
            internal_port_id=port.id,
            internal_ip_address=parsed_args.internal_ip_address,
            protocol=parsed_args.protocol,
            description=parsed_args.description,
            **attrs,
        ))
        return show_fields(port_forwarding_view(pf))


class DeleteFloatingIPPortForwarding(Command):
    """Delete floating IP port forwarding"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help=FIP_HELP)
        parser.add_argument("port_forwarding_id", nargs="+", metavar="<port-forwarding-id>",
                            help="The ID of the floating IP port forwarding(s) to delete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        fip = self.backend.find_floating_ip(parsed_args.floating_ip)
        failed = 0
        for pf_id in parsed_args.port_forwarding_id:
            try:
                self.backend.delete_port_forwarding(fip, pf_id)
            except OstackError as exc:
                failed += 1
                LOG.error("Failed to delete floating IP port forwarding '%s': %s", pf_id, exc)
        if failed:
            total = len(parsed_args.port_forwarding_id)
            raise CommandError(f"{failed} of {total} Port forwarding failed to delete.")


class ListFloatingIPPortForwarding(Lister):
    """List floating IP port forwarding"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help=FIP_HELP)
        parser.add_argument("--port", metavar="<port>",
                            help="List only floating IP port forwardings with the specified "
                            "internal network port (name or ID)")
        parser.add_argument("--external-protocol-port", metavar="<port-number>",
                            dest="external_protocol_port",
                            help="List only floating IP port forwardings with the specified "
                            "external protocol port number")
        parser.add_argument("--protocol", metavar="<protocol>",
                            help="List only floating IP port forwardings with the specified "
                            "protocol number")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        # The real client finds the port first, then the floating IP.
        port_id = self.backend.find_port(parsed_args.port).id if parsed_args.port else None
        external = parsed_args.external_protocol_port
        external_port = external_range = None
        if external:
            if ":" in external:
                external_range = external
            else:
                external_port = int(_ports(external)[0])
        fip = self.backend.find_floating_ip(parsed_args.floating_ip)
        found = self.backend.port_forwardings(
            fip, internal_port_id=port_id, external_port=external_port,
            external_port_range=external_range, protocol=parsed_args.protocol,
        )
        rows = [
            (pf.id, pf.internal_port_id, pf.internal_ip_address, pf.internal_port,
             pf.internal_port_range, pf.external_port, pf.external_port_range, pf.protocol,
             pf.description)
            for pf in paginate(found, parsed_args)
        ]
        return LIST_HEADERS, rows


class SetFloatingIPPortForwarding(Command):
    """Set floating IP Port Forwarding Properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help=FIP_HELP)
        parser.add_argument("port_forwarding_id", metavar="<port-forwarding-id>",
                            help="The ID of the floating IP port forwarding")
        parser.add_argument("--port", metavar="<port>",
                            help="The ID of the network port associated to the floating IP port "
                            "forwarding")
        parser.add_argument("--internal-ip-address", metavar="<internal-ip-address>",
                            help="The fixed IPv4 address of the network port associated to the "
                            "floating IP port forwarding")
        parser.add_argument("--internal-protocol-port", metavar="<port-number>",
                            help="The TCP/UDP/other protocol port number of the network port "
                            "fixed IPv4 address associated to the floating IP port forwarding")
        parser.add_argument("--external-protocol-port", metavar="<port-number>",
                            help="The TCP/UDP/other protocol port number of the port "
                            "forwarding's floating IP address")
        parser.add_argument("--protocol", metavar="<protocol>", choices=["tcp", "udp"],
                            help="The IP protocol used in the floating IP port forwarding")
        parser.add_argument("--description", metavar="<description>",
                            help="Text to describe/contextualize the use of the port forwarding "
                            "configuration")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        fip = self.backend.find_floating_ip(parsed_args.floating_ip)
        changes: dict[str, Any] = {}
        if parsed_args.port:
            changes["internal_port_id"] = self.backend.find_port(parsed_args.port).id
        if parsed_args.internal_ip_address:
            changes["internal_ip_address"] = parsed_args.internal_ip_address
        changes.update(port_attrs(parsed_args))
        if parsed_args.protocol:
            changes["protocol"] = parsed_args.protocol
        if parsed_args.description is not None:
            changes["description"] = parsed_args.description
        if changes:
            # openstacksdk sends nothing for no change: nothing is looked up either.
            self.backend.update_port_forwarding(fip, parsed_args.port_forwarding_id, **changes)


class ShowFloatingIPPortForwarding(ShowOne):
    """Display floating IP Port Forwarding details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help=FIP_HELP)
        parser.add_argument("port_forwarding_id", metavar="<port-forwarding-id>",
                            help="The ID of the floating IP port forwarding")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        fip = self.backend.find_floating_ip(parsed_args.floating_ip)
        pf = self.backend.find_port_forwarding(fip, parsed_args.port_forwarding_id)
        return show_fields(port_forwarding_view(pf))
