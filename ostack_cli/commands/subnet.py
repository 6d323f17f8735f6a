"""``subnet create|delete|list|set|show|unset``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.network import Subnet, SubnetSpec
from ostack_cli.commands import network_common as nc
from ostack_cli.commands.base import (
    Command,
    Lister,
    ShowOne,
    delete_each,
    multi_key_value,
    show_fields,
)
from ostack_cli.commands.pagination import add_pagination, paginate
from ostack_cli.errors import CommandError, not_found

FORMATTERS = {
    "allocation_pools": nc.AllocationPoolsColumn,
    "dns_nameservers": nc.UnsortedListColumn,
    "host_routes": nc.RoutesColumn,
    "service_types": nc.ListColumn,
    "tags": nc.ListColumn,
}
IPV6_MODES = ["dhcpv6-stateful", "dhcpv6-stateless", "slaac"]


def subnet_fields(subnet: Subnet) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "allocation_pools": subnet.allocation_pools,
        "cidr": subnet.cidr,
        "created_at": subnet.created_at,
        "description": subnet.description,
        "dns_nameservers": subnet.dns_nameservers,
        "dns_publish_fixed_ip": subnet.dns_publish_fixed_ip,
        "enable_dhcp": subnet.is_dhcp_enabled,
        "gateway_ip": subnet.gateway_ip,
        "host_routes": subnet.host_routes,
        "id": subnet.id,
        "ip_version": subnet.ip_version,
        "ipv6_address_mode": subnet.ipv6_address_mode,
        "ipv6_ra_mode": subnet.ipv6_ra_mode,
        "name": subnet.name,
        "network_id": subnet.network_id,
        "project_id": subnet.project_id,
        "revision_number": subnet.revision_number,
        "segment_id": subnet.segment_id,
        "service_types": subnet.service_types,
        "subnetpool_id": subnet.subnet_pool_id,
        "tags": subnet.tags,
        "updated_at": subnet.updated_at,
    }
    fields.update({k: v for k, v in subnet.extra_attributes.items() if k not in fields})
    return fields


def _nexthops(routes: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """``--host-route destination=,gateway=`` as the API's ``{destination, nexthop}``."""
    return [
        {("nexthop" if k == "gateway" else k): v for k, v in route.items()}
        for route in routes or []
    ]


def _add_common(parser: argparse.ArgumentParser, *, create: bool) -> None:
    parser.add_argument("--allocation-pool", metavar="start=<ip-address>,end=<ip-address>",
                        dest="allocation_pools", action=multi_key_value(["start", "end"]),
                        help="Allocation pool IP addresses for this subnet, for example, "
                        "start=192.168.199.2,end=192.168.199.254 (repeat option to add "
                        "multiple IP addresses)")
    if not create:
        parser.add_argument("--no-allocation-pool", action="store_true",
                            help="Clear associated allocation-pools from the subnet. Specify "
                            "both --allocation-pool and --no-allocation-pool to overwrite the "
                            "current allocation pool information.")
    parser.add_argument("--dns-nameserver", metavar="<dns-nameserver>", action="append",
                        dest="dns_nameservers",
                        help="DNS server for this subnet (repeat option to set multiple DNS "
                        "servers)")
    if not create:
        parser.add_argument("--no-dns-nameservers", action="store_true",
                            help="Clear existing information of DNS Nameservers. Specify both "
                            "--dns-nameserver and --no-dns-nameserver to overwrite the current "
                            "DNS Nameserver information.")
    parser.add_argument("--host-route", metavar="destination=<subnet>,gateway=<ip-address>",
                        dest="host_routes", action=multi_key_value(["destination", "gateway"]),
                        help="Additional route for this subnet, for example, "
                        "destination=10.10.0.0/16,gateway=192.168.71.254 destination: "
                        "destination subnet (in CIDR notation) gateway: next-hop IP address "
                        "(repeat option to add multiple routes)")
    if not create:
        parser.add_argument("--no-host-route", action="store_true",
                            help="Clear associated host-routes from the subnet. Specify both "
                            "--host-route and --no-host-route to overwrite the current host "
                            "route information.")
    parser.add_argument("--service-type", metavar="<service-type>", action="append",
                        dest="service_types",
                        help="Service type for this subnet, for example, "
                        "network:floatingip_agent_gateway. Must be a valid device owner value "
                        "for a network port (repeat option to set multiple service types)")


def _dhcp_pair(parser: argparse.ArgumentParser, enable: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--dhcp", action="store_true", help=enable)
    group.add_argument("--no-dhcp", action="store_true", help="Disable DHCP")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--dns-publish-fixed-ip", action="store_true",
                       help="Enable publishing fixed IPs in DNS")
    group.add_argument("--no-dns-publish-fixed-ip", action="store_true",
                       help="Disable publishing fixed IPs in DNS")


def _dns_publish(parsed_args: argparse.Namespace) -> bool | None:
    if parsed_args.dns_publish_fixed_ip:
        return True
    return False if parsed_args.no_dns_publish_fixed_ip else None


class CreateSubnet(ShowOne):
    """Create a subnet"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New subnet name")
        nc.add_project(parser)
        pools = parser.add_mutually_exclusive_group()
        pools.add_argument("--subnet-pool", metavar="<subnet-pool>",
                           help="Subnet pool from which this subnet will obtain a CIDR (Name "
                           "or ID)")
        pools.add_argument("--use-prefix-delegation", action="store_true",
                           help="Use 'prefix-delegation' if IP is IPv6 format and IP would be "
                           "delegated externally")
        pools.add_argument("--use-default-subnet-pool", action="store_true",
                           help="Use default subnet pool for --ip-version")
        parser.add_argument("--prefix-length", metavar="<prefix-length>",
                            help="Prefix length for subnet allocation from subnet pool")
        parser.add_argument("--subnet-range", metavar="<subnet-range>",
                            help="Subnet range in CIDR notation (required if --subnet-pool is "
                            "not specified, optional otherwise)")
        _dhcp_pair(parser, "Enable DHCP (default)")
        parser.add_argument("--gateway", metavar="<gateway>", default="auto",
                            help="Specify a gateway for the subnet. The three options are: "
                            "<ip-address>: Specific IP address to use as the gateway, 'auto': "
                            "Gateway address should automatically be chosen from within the "
                            "subnet itself, 'none': This subnet will not use a gateway. For "
                            "example, --gateway 192.168.9.1, --gateway auto or --gateway none "
                            "(default is 'auto').")
        parser.add_argument("--ip-version", type=int, default=4, choices=[4, 6],
                            help="IP version (default is 4). Note that when subnet pool is "
                            "specified, IP version is determined from the subnet pool and this "
                            "option is ignored.")
        parser.add_argument("--ipv6-ra-mode", choices=IPV6_MODES,
                            help="IPv6 RA (Router Advertisement) mode, valid modes: "
                            "[dhcpv6-stateful, dhcpv6-stateless, slaac]")
        parser.add_argument("--ipv6-address-mode", choices=IPV6_MODES,
                            help="IPv6 address mode, valid modes: [dhcpv6-stateful, "
                            "dhcpv6-stateless, slaac]")
        parser.add_argument("--network-segment", metavar="<network-segment>",
                            help="Network segment to associate with this subnet (name or ID)")
        parser.add_argument("--network", required=True, metavar="<network>",
                            help="Network this subnet belongs to (name or ID)")
        parser.add_argument("--description", metavar="<description>",
                            help="Set subnet description")
        _add_common(parser, create=True)
        nc.add_tag_create(parser, "subnet")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        project_id = nc.project_id(self.backend, parsed_args)
        network = self.backend.find_network(parsed_args.network)
        pool_id = (self.backend.find_subnet_pool(parsed_args.subnet_pool).id
                   if parsed_args.subnet_pool else None)
        if parsed_args.network_segment:
            raise not_found("Segment", parsed_args.network_segment)
        gateway = parsed_args.gateway.lower()
        subnet = self.backend.create_subnet(SubnetSpec(
            name=parsed_args.name,
            network_id=network.id,
            cidr=parsed_args.subnet_range,
            project_id=project_id,
            ip_version=parsed_args.ip_version,
            gateway_ip=None if gateway == "none" else ("auto" if gateway == "auto"
                                                       else parsed_args.gateway),
            allocation_pools=parsed_args.allocation_pools,
            dns_nameservers=parsed_args.dns_nameservers or [],
            host_routes=_nexthops(parsed_args.host_routes),
            enable_dhcp=not parsed_args.no_dhcp,
            description=parsed_args.description or "",
            ipv6_address_mode=parsed_args.ipv6_address_mode,
            ipv6_ra_mode=parsed_args.ipv6_ra_mode,
            service_types=parsed_args.service_types or [],
            dns_publish_fixed_ip=_dns_publish(parsed_args),
            tags=nc.create_tags(parsed_args),
            subnet_pool_id=pool_id,
            use_default_subnet_pool=parsed_args.use_default_subnet_pool,
            prefixlen=parsed_args.prefix_length,
        ))
        return show_fields(subnet_fields(subnet), FORMATTERS)


class DeleteSubnet(Command):
    """Delete subnet(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("subnet", metavar="<subnet>", nargs="+",
                            help="Subnet(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.subnet,
            lambda name: self.backend.delete_subnet(self.backend.find_subnet(name)),
            **nc.delete_messages("subnet", "subnets"),
        )


class ListSubnet(Lister):
    """List subnets"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--ip-version", type=int, choices=[4, 6], metavar="<ip-version>",
                            dest="ip_version",
                            help="List only subnets with the specified IP version. Allowed "
                            "values for IP version are 4 and 6.")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--dhcp", action="store_true",
                           help="List only subnets which have DHCP enabled")
        group.add_argument("--no-dhcp", action="store_true",
                           help="List only subnets which have DHCP disabled")
        parser.add_argument("--service-type", metavar="<service-type>", action="append",
                            dest="service_types",
                            help="List only subnets with the specified service type, for "
                            "example, network:floatingip_agent_gateway. Must be a valid device "
                            "owner value for a network port (repeat option to list multiple "
                            "service types).")
        nc.add_project(parser, "List only subnets with the specified project (name or ID)")
        parser.add_argument("--network", metavar="<network>",
                            help="List only subnets which belong to the specified network "
                            "(name or ID)")
        parser.add_argument("--gateway", metavar="<gateway>",
                            help="List only subnets with the specified gateway IP")
        parser.add_argument("--name", metavar="<name>",
                            help="List only subnets with the specified name")
        parser.add_argument("--subnet-range", metavar="<subnet-range>",
                            help="List only subnets with the specified subnet range (in CIDR "
                            "notation). For example, --subnet-range 10.10.0.0/16")
        parser.add_argument("--subnet-pool", metavar="<subnet-pool>",
                            help="List only subnets which belong to the specified subnet pool "
                            "(name or ID)")
        nc.add_tag_filters(parser, "subnets")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        project_id = nc.project_id(self.backend, parsed_args)
        network_id = (
            self.backend.find_network(parsed_args.network).id if parsed_args.network else None
        )
        pool_id = (self.backend.find_subnet_pool(parsed_args.subnet_pool).id
                   if parsed_args.subnet_pool else None)
        subnets = self.backend.subnets(
            network_id=network_id,
            name=parsed_args.name or None,
            project_id=project_id,
            ip_version=parsed_args.ip_version,
            dhcp=True if parsed_args.dhcp else (False if parsed_args.no_dhcp else None),
            gateway_ip=parsed_args.gateway or None,
            cidr=parsed_args.subnet_range or None,
            service_types=parsed_args.service_types,
            tags=nc.tag_filter(parsed_args),
            subnet_pool_id=pool_id,
        )
        subnets = paginate(subnets, parsed_args)
        headers: tuple[str, ...] = ("ID", "Name", "Network", "Subnet")
        if parsed_args.long:
            headers += ("Project", "DHCP", "Name Servers", "Allocation Pools", "Host Routes",
                        "IP Version", "Gateway", "Service Types", "Tags")
        rows = []
        for s in subnets:
            row: tuple[Any, ...] = (s.id, s.name, s.network_id, s.cidr)
            if parsed_args.long:
                row += (s.project_id, s.is_dhcp_enabled, nc.UnsortedListColumn(s.dns_nameservers),
                        nc.AllocationPoolsColumn(s.allocation_pools),
                        nc.RoutesColumn(s.host_routes), s.ip_version, s.gateway_ip,
                        nc.ListColumn(s.service_types), nc.ListColumn(s.tags))
            rows.append(row)
        return headers, rows


class SetSubnet(Command):
    """Set subnet properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("subnet", metavar="<subnet>", help="Subnet to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="Updated name of the subnet")
        _dhcp_pair(parser, "Enable DHCP")
        parser.add_argument("--gateway", metavar="<gateway>",
                            help="Specify a gateway for the subnet. The options are: "
                            "<ip-address>: Specific IP address to use as the gateway, 'none': "
                            "This subnet will not use a gateway. For example, --gateway "
                            "192.168.9.1 or --gateway none.")
        parser.add_argument("--network-segment", metavar="<network-segment>",
                            help="Network segment to associate with this subnet (name or ID).")
        parser.add_argument("--description", metavar="<description>",
                            help="Set subnet description")
        nc.add_tag_set(parser, "subnet")
        _add_common(parser, create=False)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        subnet = self.backend.find_subnet(parsed_args.subnet)
        changes: dict[str, Any] = {}
        if parsed_args.name is not None:
            changes["name"] = parsed_args.name
        if parsed_args.description is not None:
            changes["description"] = parsed_args.description
        if parsed_args.network_segment is not None:
            raise not_found("Segment", parsed_args.network_segment)
        if parsed_args.gateway is not None:
            gateway = parsed_args.gateway.lower()
            if gateway == "auto":
                raise CommandError("Auto option is not available for Subnet Set. Valid options "
                                   "are <ip-address> or none")
            changes["gateway_ip"] = None if gateway == "none" else parsed_args.gateway
        if parsed_args.dhcp or parsed_args.no_dhcp:
            changes["is_dhcp_enabled"] = bool(parsed_args.dhcp)
        if _dns_publish(parsed_args) is not None:
            changes["dns_publish_fixed_ip"] = _dns_publish(parsed_args)
        # The real client appends to the current lists unless --no-... clears them first.
        for key, given, clear, current in (
            ("dns_nameservers", parsed_args.dns_nameservers, parsed_args.no_dns_nameservers,
             subnet.dns_nameservers),
            ("host_routes", _nexthops(parsed_args.host_routes) or None,
             parsed_args.no_host_route, subnet.host_routes),
            ("allocation_pools", parsed_args.allocation_pools, parsed_args.no_allocation_pool,
             subnet.allocation_pools),
        ):
            if given is not None:
                changes[key] = list(given) + ([] if clear else list(current))
            elif clear:
                changes[key] = []
        if parsed_args.service_types is not None:
            changes["service_types"] = parsed_args.service_types + subnet.service_types
        tags = nc.tags_after_set(subnet.tags, parsed_args)
        if tags is not None:
            changes["tags"] = tags
        if changes:
            self.backend.update_subnet(subnet, **changes)


class ShowSubnet(ShowOne):
    """Display subnet details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("subnet", metavar="<subnet>", help="Subnet to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        subnet = self.backend.find_subnet(parsed_args.subnet)
        return show_fields(subnet_fields(subnet), FORMATTERS)


def _without(current: list[Any], removed: list[Any], option: str) -> list[Any]:
    """The real client's ``_update_arguments``: each removed item must be there."""
    remaining = list(current)
    for item in removed:
        if item not in remaining:
            raise CommandError(f"Subnet does not contain {option} {item}")
        remaining.remove(item)
    return remaining


class UnsetSubnet(Command):
    """Unset subnet properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--allocation-pool", metavar="start=<ip-address>,end=<ip-address>",
                            dest="allocation_pools", action=multi_key_value(["start", "end"]),
                            help="Allocation pool IP addresses to be removed from this subnet, "
                            "for example, start=192.168.199.2,end=192.168.199.254 (repeat "
                            "option to unset multiple allocation pools)")
        parser.add_argument("--gateway", action="store_true",
                            help="Remove gateway IP from this subnet")
        parser.add_argument("--dns-nameserver", metavar="<dns-nameserver>", action="append",
                            dest="dns_nameservers",
                            help="DNS server to be removed from this subnet (repeat option to "
                            "unset multiple DNS servers)")
        parser.add_argument("--host-route", metavar="destination=<subnet>,gateway=<ip-address>",
                            dest="host_routes",
                            action=multi_key_value(["destination", "gateway"]),
                            help="Route to be removed from this subnet, for example, "
                            "destination=10.10.0.0/16,gateway=192.168.71.254 destination: "
                            "destination subnet (in CIDR notation) gateway: next-hop IP "
                            "address (repeat option to unset multiple host routes)")
        parser.add_argument("--service-type", metavar="<service-type>", action="append",
                            dest="service_types",
                            help="Service type to be removed from this subnet, for example, "
                            "network:floatingip_agent_gateway. Must be a valid device owner "
                            "value for a network port (repeat option to unset multiple service "
                            "types)")
        nc.add_tag_unset(parser, "subnet")
        parser.add_argument("subnet", metavar="<subnet>", help="Subnet to modify (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        subnet = self.backend.find_subnet(parsed_args.subnet)
        changes: dict[str, Any] = {}
        if parsed_args.gateway:
            changes["gateway_ip"] = None
        if parsed_args.dns_nameservers:
            changes["dns_nameservers"] = _without(
                subnet.dns_nameservers, parsed_args.dns_nameservers, "dns-nameserver")
        if parsed_args.host_routes:
            changes["host_routes"] = _without(
                subnet.host_routes, _nexthops(parsed_args.host_routes), "host-route")
        if parsed_args.allocation_pools:
            changes["allocation_pools"] = _without(
                subnet.allocation_pools, parsed_args.allocation_pools, "allocation-pool")
        if parsed_args.service_types:
            changes["service_types"] = _without(
                subnet.service_types, parsed_args.service_types, "service-type")
        tags = nc.tags_after_unset(subnet.tags, parsed_args)
        if tags is not None:
            changes["tags"] = tags
        if changes:
            self.backend.update_subnet(subnet, **changes)
