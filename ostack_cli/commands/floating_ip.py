"""``floating ip create|delete|list|set|show|unset``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.network import FloatingIP, FloatingIPSpec
from ostack_cli.commands import network_common as nc
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each, show_fields
from ostack_cli.commands.pagination import add_pagination, paginate

# ``floating ip create`` prints port_details raw; ``show`` through a DictColumn.
SHOW_FORMATTERS = {"port_details": nc.DictColumn}


def floating_ip_fields(fip: FloatingIP) -> dict[str, Any]:
    return {
        "created_at": fip.created_at,
        "description": fip.description,
        "dns_domain": fip.dns_domain,
        "dns_name": fip.dns_name,
        "fixed_ip_address": fip.fixed_ip_address,
        "floating_ip_address": fip.floating_ip_address,
        "floating_network_id": fip.floating_network_id,
        "id": fip.id,
        "name": fip.floating_ip_address,
        "port_details": fip.port_details,
        "port_id": fip.port_id,
        "project_id": fip.project_id,
        "qos_policy_id": fip.qos_policy_id,
        "revision_number": fip.revision_number,
        "router_id": fip.router_id,
        "status": fip.status,
        # Neutron takes subnet_id on create but never returns it.
        "subnet_id": None,
        # No formatter in the real client: tables print the raw list.
        "tags": fip.tags,
        "updated_at": fip.updated_at,
    } | ({} if fip.port_forwardings is None else {"port_forwardings": fip.port_forwardings})


class CreateFloatingIP(ShowOne):
    """Create floating IP"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>",
                            help="Network to allocate floating IP from (name or ID)")
        parser.add_argument("--subnet", metavar="<subnet>",
                            help="Subnet on which you want to create the floating IP (name or "
                            "ID)")
        parser.add_argument("--port", metavar="<port>",
                            help="Port to be associated with the floating IP (name or ID)")
        parser.add_argument("--router", metavar="<router>",
                            help="Router to be associated with the floating IP (name or ID)")
        parser.add_argument("--floating-ip-address", metavar="<ip-address>",
                            dest="floating_ip_address", help="Floating IP address")
        parser.add_argument("--fixed-ip-address", metavar="<ip-address>",
                            dest="fixed_ip_address",
                            help="Fixed IP address mapped to the floating IP")
        parser.add_argument("--qos-policy", metavar="<qos-policy>",
                            help="Attach QoS policy to the floating IP (name or ID)")
        parser.add_argument("--description", metavar="<description>",
                            help="Set floating IP description")
        parser.add_argument("--project", metavar="<project>",
                            help="Owner's project (name or ID)")
        parser.add_argument("--dns-domain", metavar="<dns-domain>", dest="dns_domain",
                            help="Set DNS domain for this floating IP")
        parser.add_argument("--dns-name", metavar="<dns-name>", dest="dns_name",
                            help="Set DNS name for this floating IP")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID). This can be used "
                            "in case collisions between project names exist.")
        nc.add_tag_create(parser, "floating IP")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        network = self.backend.find_network(parsed_args.network)
        subnet = self.backend.find_subnet(parsed_args.subnet) if parsed_args.subnet else None
        port = self.backend.find_port(parsed_args.port) if parsed_args.port else None
        if parsed_args.router:
            self.backend.find_router(parsed_args.router)
        if parsed_args.qos_policy:
            raise nc.no_qos_policy(parsed_args.qos_policy)
        fip = self.backend.create_floating_ip(FloatingIPSpec(
            floating_network_id=network.id,
            project_id=nc.project_id(self.backend, parsed_args),
            subnet_id=subnet.id if subnet else None,
            floating_ip_address=parsed_args.floating_ip_address or None,
            port_id=port.id if port else None,
            fixed_ip_address=parsed_args.fixed_ip_address or None,
            description=parsed_args.description or "",
            dns_domain=parsed_args.dns_domain or None,
            dns_name=parsed_args.dns_name or None,
            tags=nc.create_tags(parsed_args),
        ))
        return show_fields(floating_ip_fields(fip))


class DeleteFloatingIP(Command):
    """Delete floating IP(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", nargs="+",
                            help="Floating IP(s) to delete (IP address or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.floating_ip,
            lambda name: self.backend.delete_floating_ip(self.backend.find_floating_ip(name)),
            **nc.delete_messages("floating IP", "floating IPs"),
        )


class ListFloatingIP(Lister):
    """List floating IP(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--network", metavar="<network>", dest="networks", action="append",
                            help="List floating IP(s) according to given network (name or ID) "
                            "(repeat option to filter on multiple networks)")
        parser.add_argument("--port", metavar="<port>", dest="ports", action="append",
                            help="List floating IP(s) according to given port (name or ID) "
                            "(repeat option to filter on multiple ports)")
        parser.add_argument("--fixed-ip-address", metavar="<ip-address>",
                            help="List floating IP(s) according to given fixed IP address")
        parser.add_argument("--floating-ip-address", metavar="<ip-address>",
                            help="List floating IP(s) according to given floating IP address")
        parser.add_argument("--status", metavar="<status>", choices=["ACTIVE", "DOWN"],
                            help="List floating IP(s) according to given status ('ACTIVE', "
                            "'DOWN')")
        nc.add_project(parser, "List floating IP(s) according to given project (name or ID)")
        parser.add_argument("--router", metavar="<router>", dest="routers", action="append",
                            help="List floating IP(s) according to given router (name or ID) "
                            "(repeat option to filter on multiple routers)")
        nc.add_tag_filters(parser, "floating IP")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        networks = [self.backend.find_network(n).id for n in parsed_args.networks or []]
        ports = [self.backend.find_port(p).id for p in parsed_args.ports or []]
        routers = [self.backend.find_router(r).id for r in parsed_args.routers or []]
        fips = self.backend.floating_ips(
            network_ids=networks if parsed_args.networks is not None else None,
            port_ids=ports if parsed_args.ports is not None else None,
            router_ids=routers if parsed_args.routers is not None else None,
            fixed_ip_address=parsed_args.fixed_ip_address,
            floating_ip_address=parsed_args.floating_ip_address,
            status=parsed_args.status,
            project_id=nc.project_id(self.backend, parsed_args),
            tags=nc.tag_filter(parsed_args),
        )
        fips = paginate(fips, parsed_args)
        headers: tuple[str, ...] = ("ID", "Floating IP Address", "Fixed IP Address", "Port",
                                    "Floating Network", "Project")
        if parsed_args.long:
            headers += ("Router", "Status", "Description", "Tags", "DNS Name", "DNS Domain")
        rows = []
        for f in fips:
            row: tuple[Any, ...] = (f.id, f.floating_ip_address, f.fixed_ip_address, f.port_id,
                                    f.floating_network_id, f.project_id)
            if parsed_args.long:
                # The real client lists tags with no formatter: the raw list.
                row += (f.router_id, f.status, f.description, f.tags, f.dns_name, f.dns_domain)
            rows.append(row)
        return headers, rows


class SetFloatingIP(Command):
    """Set floating IP Properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>",
                            help="Floating IP to modify (IP address or ID)")
        parser.add_argument("--port", metavar="<port>",
                            help="Associate the floating IP with port (name or ID)")
        parser.add_argument("--router", metavar="<router>",
                            help="Associate the floating IP with router (name or ID)")
        parser.add_argument("--fixed-ip-address", metavar="<ip-address>",
                            dest="fixed_ip_address",
                            help="Fixed IP of the port (required only if port has multiple IPs)")
        parser.add_argument("--description", metavar="<description>",
                            help="Set floating IP description")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--qos-policy", metavar="<qos-policy>",
                           help="Attach QoS policy to the floating IP (name or ID)")
        group.add_argument("--no-qos-policy", action="store_true",
                           help="Remove the QoS policy attached to the floating IP")
        nc.add_tag_set(parser, "floating IP")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        fip = self.backend.find_floating_ip(parsed_args.floating_ip)
        port = self.backend.find_port(parsed_args.port) if parsed_args.port else None
        if parsed_args.router:
            self.backend.find_router(parsed_args.router)
        if parsed_args.qos_policy:
            raise nc.no_qos_policy(parsed_args.qos_policy)
        changes: dict[str, Any] = {}
        if port is not None:
            changes["port_id"] = port.id
        if parsed_args.fixed_ip_address:
            changes["fixed_ip_address"] = parsed_args.fixed_ip_address
        if parsed_args.description:
            changes["description"] = parsed_args.description
        if parsed_args.no_qos_policy:
            changes["qos_policy_id"] = None
        tags = nc.tags_after_set(fip.tags, parsed_args)
        if tags is not None:
            changes["tags"] = tags
        if changes:
            self.backend.update_floating_ip(fip, **changes)


class ShowFloatingIP(ShowOne):
    """Display floating IP details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>",
                            help="Floating IP to display (IP address or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        fip = self.backend.find_floating_ip(parsed_args.floating_ip)
        return show_fields(floating_ip_fields(fip), SHOW_FORMATTERS)


class UnsetFloatingIP(Command):
    """Unset floating IP Properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>",
                            help="Floating IP to disassociate (IP address or ID)")
        parser.add_argument("--port", action="store_true", default=False,
                            help="Disassociate any port associated with the floating IP")
        parser.add_argument("--qos-policy", action="store_true", default=False,
                            help="Remove the QoS policy attached to the floating IP")
        nc.add_tag_unset(parser, "floating IP")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        fip = self.backend.find_floating_ip(parsed_args.floating_ip)
        changes: dict[str, Any] = {}
        if parsed_args.qos_policy:
            changes["qos_policy_id"] = None
        tags = nc.tags_after_unset(fip.tags, parsed_args)
        if tags is not None:
            changes["tags"] = tags
        if parsed_args.port:
            changes["port_id"] = None
        if changes:
            self.backend.update_floating_ip(fip, **changes)
