"""``router create|delete|list|set|show|unset`` and ``router add|remove subnet|port``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.models.network import FixedIPRequest, Port, Router, RouterSpec
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

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend

FORMATTERS = {
    "admin_state_up": nc.AdminStateColumn,
    "availability_zone_hints": nc.ListColumn,
    "availability_zones": nc.ListColumn,
    "external_gateway_info": nc.JSONColumn,
    "interfaces_info": nc.JSONColumn,
    "routes": nc.RoutesColumn,
    "tags": nc.ListColumn,
}


def router_fields(router: Router, interfaces: list[Port] | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "admin_state_up": router.is_admin_state_up,
        "availability_zone_hints": router.availability_zone_hints,
        "availability_zones": router.availability_zones,
        "created_at": router.created_at,
        "description": router.description,
        "enable_ndp_proxy": router.enable_ndp_proxy,
        "external_gateway_info": router.external_gateway_info,
        "flavor_id": router.flavor_id,
        "id": router.id,
        "name": router.name,
        "project_id": router.project_id,
        "revision_number": router.revision_number,
        "routes": router.routes,
        "status": router.status,
        "tags": router.tags,
        "updated_at": router.updated_at,
    }
    # Shown only when the server returns them (Neutron does to an admin).
    if router.is_distributed is not None:
        fields["distributed"] = router.is_distributed
    if router.is_ha is not None:
        fields["ha"] = router.is_ha
    fields.update({k: v for k, v in router.extra_attributes.items() if k not in fields})
    if interfaces is not None:
        # ``router show`` lists the router's ports other than its gateway.
        fields["interfaces_info"] = [
            {"port_id": port.id, "ip_address": ip["ip_address"], "subnet_id": ip["subnet_id"]}
            for port in interfaces
            if port.device_owner != "network:router_gateway"
            for ip in port.fixed_ips
        ]
    return fields


def _add_gateway_options(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument("--external-gateway", metavar="<network>", action="append",
                        dest="external_gateways",
                        help="External Network used as router's gateway (name or ID) (repeat "
                        "option to set multiple gateways per router if the L3 service plugin in "
                        "use supports it)")
    parser.add_argument("--fixed-ip", metavar="subnet=<subnet>,ip-address=<ip-address>",
                        action=multi_key_value([], ["subnet", "ip-address"]), dest="fixed_ips",
                        help=f"Desired IP and/or subnet (name or ID) on external gateway: "
                        f"subnet=<subnet>,ip-address=<ip-address> (repeat option to {verb} "
                        "multiple fixed IP addresses)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--enable-snat", action="store_true",
                       help="Enable Source NAT on external gateway")
    group.add_argument("--disable-snat", action="store_true",
                       help="Disable Source NAT on external gateway")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--enable-ndp-proxy", dest="enable_ndp_proxy", default=None,
                       action="store_true", help="Enable IPv6 NDP proxy on external gateway")
    group.add_argument("--disable-ndp-proxy", dest="enable_ndp_proxy", default=None,
                       action="store_false", help="Disable IPv6 NDP proxy on external gateway")
    for flag, dest, value, text in (
        ("--enable-default-route-bfd", "enable_default_route_bfd", True,
         "Enable BFD sessions for default routes inferred from the external gateway port "
         "subnets for this router"),
        ("--disable-default-route-bfd", "enable_default_route_bfd", False,
         "Disable BFD sessions for default routes inferred from the external gateway port "
         "subnets for this router"),
        ("--enable-default-route-ecmp", "enable_default_route_ecmp", True,
         "Add ECMP default routes if multiple are available via different gateway ports"),
        ("--disable-default-route-ecmp", "enable_default_route_ecmp", False,
         "Add default route only for first gateway port"),
    ):
        parser.add_argument(flag, dest=dest, default=None,
                            action="store_true" if value else "store_false", help=text)


def _common_pairs(parser: argparse.ArgumentParser, *, create: bool) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--enable", action="store_true", default=create or None,
                       help="Enable router" + (" (default)" if create else ""))
    group.add_argument("--disable", action="store_true", help="Disable router")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--distributed", action="store_true",
                       help="Create a distributed router" if create else "Set router to "
                       "distributed mode (disabled router only)")
    group.add_argument("--centralized", action="store_true",
                       help="Create a centralized router" if create else "Set router to "
                       "centralized mode (disabled router only)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--ha", action="store_true",
                       help="Create a highly available router" if create
                       else "Set the router as highly available (disabled router only)")
    group.add_argument("--no-ha", action="store_true",
                       help="Create a legacy router" if create
                       else "Clear high availability attribute of the router (disabled router "
                       "only)")


def _unsupported(parsed_args: argparse.Namespace) -> None:
    """Router options for L3 extensions the local backend does not have."""
    if getattr(parsed_args, "qos_policy", None):
        raise nc.no_qos_policy(parsed_args.qos_policy)
    flavor = getattr(parsed_args, "flavor", None) or getattr(parsed_args, "flavor_id", None)
    if flavor:
        raise not_found("Flavor", flavor)
    if len(parsed_args.external_gateways or []) > 1:
        raise CommandError(
            "Supplying --external-gateway option multiple times is not supported due to the "
            "lack of external-gateway-multihoming extension at the Neutron side."
        )
    if (parsed_args.enable_default_route_bfd is not None
            or parsed_args.enable_default_route_ecmp is not None):
        raise CommandError(
            "The external-gateway-multihoming extension is not enabled at the Neutron side, "
            "cannot use --enable-default-route-bfd or --enable-default-route-ecmp arguments."
        )
    attrs = [name for name, given in (
        ("distributed", parsed_args.distributed or parsed_args.centralized),
        ("ha", parsed_args.ha or parsed_args.no_ha),
        ("enable_ndp_proxy", parsed_args.enable_ndp_proxy is not None),
    ) if given]
    if attrs:
        raise nc.unrecognized(*attrs)


def _gateway_ips(
    backend: Backend, network_id: str, specs: list[dict[str, str]] | None
) -> list[FixedIPRequest]:
    """``--fixed-ip`` of the gateway: its subnets must be on the gateway's network."""
    requests = nc.fixed_ip_requests(backend, specs or [])
    for request in requests:
        if request.subnet_id and backend.find_subnet(request.subnet_id).network_id != network_id:
            raise CommandError(
                f"Subnet {request.subnet_id} does not belong to any of the networks provided "
                "for --external-gateway."
            )
    return requests


def _snat(parsed_args: argparse.Namespace) -> bool | None:
    if parsed_args.enable_snat:
        return True
    return False if parsed_args.disable_snat else None


class CreateRouter(ShowOne):
    """Create a new router"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New router name")
        _common_pairs(parser, create=True)
        parser.add_argument("--description", metavar="<description>",
                            help="Set router description")
        nc.add_project(parser)
        parser.add_argument("--availability-zone-hint", metavar="<availability-zone>",
                            action="append", dest="availability_zone_hints",
                            help="Availability Zone in which to create this router (Router "
                            "Availability Zone extension required, repeat option to set "
                            "multiple availability zones)")
        nc.add_tag_create(parser, "router")
        _add_gateway_options(parser, "set")
        parser.add_argument("--flavor", metavar="<flavor-id>",
                            help="Associate the router to a flavor (by name or ID)")
        parser.add_argument("--flavor-id", metavar="<flavor-id>", help=argparse.SUPPRESS)
        parser.add_argument("--qos-policy", metavar="<qos-policy>",
                            help="Attach QoS policy to router gateway IPs")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        project_id = nc.project_id(self.backend, parsed_args)
        gateways = parsed_args.external_gateways or []
        if parsed_args.enable_ndp_proxy and not gateways:
            raise CommandError(
                "You must specify '--external-gateway' in order to enable router's NDP proxy"
            )
        if parsed_args.qos_policy and not gateways:
            raise CommandError(
                "You must specify '--external-gateway' in order to define a QoS policy"
            )
        # The real client finds this out only after creating the router; checking first
        # leaves nothing behind.
        if (parsed_args.enable_snat or parsed_args.disable_snat or parsed_args.fixed_ips) \
                and not gateways:
            raise CommandError(
                "You must specify '--external-gateway' in order to specify SNAT or fixed-ip "
                "values"
            )
        _unsupported(parsed_args)
        network = self.backend.find_network(gateways[0]) if gateways else None
        router = self.backend.create_router(RouterSpec(
            name=parsed_args.name,
            project_id=project_id,
            description=parsed_args.description or "",
            admin_state_up=not parsed_args.disable,
            external_network_id=network.id if network else None,
            external_fixed_ips=(
                _gateway_ips(self.backend, network.id, parsed_args.fixed_ips) if network else []
            ),
            enable_snat=_snat(parsed_args),
            availability_zone_hints=parsed_args.availability_zone_hints or [],
            tags=nc.create_tags(parsed_args),
        ))
        return show_fields(router_fields(router), FORMATTERS)


class DeleteRouter(Command):
    """Delete router(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>", nargs="+",
                            help="Router(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.router,
            lambda name: self.backend.delete_router(self.backend.find_router(name)),
            **nc.delete_messages("router", "routers"),
        )


class ListRouter(Lister):
    """List routers"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>",
                            help="List routers according to their name")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--enable", action="store_true", help="List enabled routers")
        group.add_argument("--disable", action="store_true", help="List disabled routers")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        nc.add_project(parser, "List routers according to their project (name or ID)")
        parser.add_argument("--agent", metavar="<agent-id>",
                            help="List routers hosted by an agent (ID only)")
        nc.add_tag_filters(parser, "routers")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.agent:
            raise not_found("Agent", parsed_args.agent)
        state = True if parsed_args.enable else (False if parsed_args.disable else None)
        routers = self.backend.routers(
            name=parsed_args.name,
            project_id=nc.project_id(self.backend, parsed_args),
            admin_state_up=state,
            tags=nc.tag_filter(parsed_args),
        )
        routers = paginate(routers, parsed_args)
        headers: tuple[str, ...] = ("ID", "Name", "Status", "State", "Project")
        # Distributed and HA appear only when the server reports them (to an admin).
        reported = any(r.is_distributed is not None for r in routers)
        if reported:
            headers += ("Distributed", "HA")
        # The zones column only where Neutron has the router_availability_zone extension,
        # as the real client asks it.
        zones = parsed_args.long and self.backend.network_extension_enabled(
            "router_availability_zone")
        if parsed_args.long:
            headers += ("Routes", "External gateway info")
            headers += ("Availability zones", "Tags") if zones else ("Tags",)
        rows = []
        for r in routers:
            row: tuple[Any, ...] = (r.id, r.name, r.status,
                                    nc.AdminStateColumn(r.is_admin_state_up), r.project_id)
            if reported:
                row += (r.is_distributed, r.is_ha)
            if parsed_args.long:
                row += (nc.RoutesColumn(r.routes), nc.JSONColumn(r.external_gateway_info))
                if zones:
                    row += (nc.ListColumn(r.availability_zones),)
                row += (nc.ListColumn(r.tags),)
            rows.append(row)
        return headers, rows


def _routes(parsed: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """``--route destination=,gateway=`` as the API's ``{destination, nexthop}``."""
    return [{"destination": r["destination"], "nexthop": r["gateway"]} for r in parsed or []]


class SetRouter(Command):
    """Set router properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>", help="Router to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="Set router name")
        parser.add_argument("--description", metavar="<description>",
                            help="Set router description")
        _common_pairs(parser, create=False)
        parser.add_argument("--route", metavar="destination=<subnet>,gateway=<ip-address>",
                            action=multi_key_value(["destination", "gateway"]), dest="routes",
                            default=None,
                            help="Add routes to the router destination: destination subnet (in "
                            "CIDR notation) gateway: nexthop IP address (repeat option to add "
                            "multiple routes). This is deprecated in favor of 'router add/remove "
                            "route' since it is prone to race conditions between concurrent "
                            "clients when not used together with --no-route to overwrite the "
                            "current value of 'routes'.")
        parser.add_argument("--no-route", action="store_true",
                            help="Clear routes associated with the router. Specify both --route "
                            "and --no-route to overwrite current value of routes.")
        _add_gateway_options(parser, "set")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--qos-policy", metavar="<qos-policy>",
                           help="Attach QoS policy to router gateway IPs")
        group.add_argument("--no-qos-policy", action="store_true",
                           help="Remove QoS policy from router gateway IPs")
        nc.add_tag_set(parser, "router")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        router = self.backend.find_router(parsed_args.router)
        changes: dict[str, Any] = {}
        if parsed_args.name is not None:
            changes["name"] = parsed_args.name
        if parsed_args.description is not None:
            changes["description"] = parsed_args.description
        if parsed_args.enable or parsed_args.disable:
            changes["is_admin_state_up"] = bool(parsed_args.enable)
        if parsed_args.routes is not None:
            changes["routes"] = _routes(parsed_args.routes) + (
                [] if parsed_args.no_route else list(router.routes))
        elif parsed_args.no_route:
            changes["routes"] = []
        gateways = parsed_args.external_gateways or []
        if (parsed_args.enable_snat or parsed_args.disable_snat or parsed_args.fixed_ips) \
                and not gateways:
            raise CommandError(
                "You must specify '--external-gateway' in order to update the SNAT or fixed-ip "
                "values"
            )
        if parsed_args.no_qos_policy and not gateways and not router.external_gateway_info:
            raise CommandError(
                "You must specify '--external-gateway' or the router must already have an "
                "external network in order to set router gateway IP QoS"
            )
        _unsupported(parsed_args)
        if gateways:
            network_id = self.backend.find_network(gateways[0]).id
            changes["external_gateway"] = {
                "network_id": network_id,
                "enable_snat": _snat(parsed_args),
                "fixed_ips": _gateway_ips(self.backend, network_id, parsed_args.fixed_ips),
            }
        tags = nc.tags_after_set(router.tags, parsed_args)
        if tags is not None:
            changes["tags"] = tags
        if changes:
            self.backend.update_router(router, **changes)


class ShowRouter(ShowOne):
    """Display router details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>", help="Router to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        router = self.backend.find_router(parsed_args.router)
        ports = self.backend.ports(device_id=router.id)
        return show_fields(router_fields(router, ports), FORMATTERS)


class UnsetRouter(Command):
    """Unset router properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--route", metavar="destination=<subnet>,gateway=<ip-address>",
                            action=multi_key_value(["destination", "gateway"]), dest="routes",
                            default=None,
                            help="Routes to be removed from the router destination: destination "
                            "subnet (in CIDR notation) gateway: nexthop IP address (repeat "
                            "option to unset multiple routes)")
        parser.add_argument("--external-gateway", action="store_true", default=False,
                            dest="external_gateways",
                            help="Remove external gateway information from the router")
        parser.add_argument("--qos-policy", action="store_true", default=False,
                            help="Remove QoS policy from router gateway IPs")
        parser.add_argument("router", metavar="<router>", help="Router to modify (name or ID)")
        nc.add_tag_unset(parser, "router")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        router = self.backend.find_router(parsed_args.router)
        changes: dict[str, Any] = {}
        if parsed_args.routes:
            routes = list(router.routes)
            for route in _routes(parsed_args.routes):
                if route not in routes:
                    raise CommandError(f"Router does not contain route {route}")
                routes.remove(route)
            changes["routes"] = routes
        if parsed_args.qos_policy:
            raise CommandError("Router does not have external network or QoS policy")
        tags = nc.tags_after_unset(router.tags, parsed_args)
        if tags is not None:
            changes["tags"] = tags
        if parsed_args.external_gateways:
            changes["external_gateway"] = None
        if changes:
            self.backend.update_router(router, **changes)


class AddSubnetToRouter(Command):
    """Add a subnet to a router"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>",
                            help="Router to which subnet will be added (name or ID)")
        parser.add_argument("subnet", metavar="<subnet>", help="Subnet to be added (name or ID)")
        parser.add_argument("--advertise-host", action="store_true", default=False,
                            help="Mark the subnet's prefixes to be advertised as host routes "
                            "within the router's EVPN VNI. Only valid for EVPN routers.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        subnet = self.backend.find_subnet(parsed_args.subnet)
        router = self.backend.find_router(parsed_args.router)
        if parsed_args.advertise_host:
            raise nc.unrecognized("advertise_host")
        self.backend.add_router_interface(router, subnet=subnet)


class RemoveSubnetFromRouter(Command):
    """Remove a subnet from a router"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>",
                            help="Router from which the subnet will be removed (name or ID)")
        parser.add_argument("subnet", metavar="<subnet>",
                            help="Subnet to be removed (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        subnet = self.backend.find_subnet(parsed_args.subnet)
        router = self.backend.find_router(parsed_args.router)
        self.backend.remove_router_interface(router, subnet=subnet)


class AddPortToRouter(Command):
    """Add a port to a router"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>",
                            help="Router to which port will be added (name or ID)")
        parser.add_argument("port", metavar="<port>", help="Port to be added (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        port = self.backend.find_port(parsed_args.port)
        router = self.backend.find_router(parsed_args.router)
        self.backend.add_router_interface(router, port=port)


class RemovePortFromRouter(Command):
    """Remove a port from a router"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>",
                            help="Router from which port will be removed (name or ID)")
        parser.add_argument("port", metavar="<port>", help="Port to be removed and deleted "
                            "(name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        port = self.backend.find_port(parsed_args.port)
        router = self.backend.find_router(parsed_args.router)
        self.backend.remove_router_interface(router, port=port)
