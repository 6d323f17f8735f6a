"""``router add|remove route`` and ``router add|remove gateway``: a router's extra routes and
gateways one by one, as python-openstackclient's ``network/v2/router.py`` has them."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.api.router_extras import MULTIHOMING, no_multihoming
from ostack_cli.commands.base import ShowOne, multi_key_value, show_fields
from ostack_cli.commands.router import FORMATTERS, router_fields
from ostack_cli.errors import CommandError

ROUTE_METAVAR = "destination=<subnet>,gateway=<ip-address>"


def _add_route_option(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument("--route", metavar=ROUTE_METAVAR, dest="routes", default=[],
                        action=multi_key_value(["destination", "gateway"]), help=text)


def _nexthops(routes: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"destination": r["destination"], "nexthop": r["gateway"]} for r in routes]


class AddExtraRoutesToRouter(ShowOne):
    """Add extra static routes to a router's routing table."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>",
                            help="Router to which extra static routes will be added (name or "
                            "ID)")
        _add_route_option(parser, "Add extra static route to the router. destination: "
                          "destination subnet (in CIDR notation), gateway: nexthop IP address. "
                          "Repeat option to add multiple routes. Trying to add a route that is "
                          "already present (exactly, including destination and nexthop) in "
                          "the routing table is allowed and is considered a successful "
                          "operation.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        router = self.backend.find_router(parsed_args.router)
        updated = self.backend.add_router_routes(router, _nexthops(parsed_args.routes))
        return show_fields(router_fields(updated), FORMATTERS)


class RemoveExtraRoutesFromRouter(ShowOne):
    """Remove extra static routes from a router's routing table."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>",
                            help="Router from which extra static routes will be removed (name "
                            "or ID)")
        _add_route_option(parser, "Remove extra static route from the router. destination: "
                          "destination subnet (in CIDR notation), gateway: nexthop IP address. "
                          "Repeat option to remove multiple routes. Trying to remove a route "
                          "that is already missing (fully, including destination and nexthop) "
                          "from the routing table is allowed and is considered a successful "
                          "operation.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        router = self.backend.find_router(parsed_args.router)
        updated = self.backend.remove_router_routes(router, _nexthops(parsed_args.routes))
        return show_fields(router_fields(updated), FORMATTERS)


def _gateway_parser(parser: argparse.ArgumentParser, *, add: bool) -> None:
    parser.add_argument("router", metavar="<router>",
                        help="Router to modify (name or ID)" + ("" if add else "."))
    parser.add_argument(metavar="<network>", dest="external_gateways", nargs=1,
                        help="External Network to a attach a router gateway to (name or ID)"
                        if add else "External Network to remove a router gateway from (name "
                        "or ID)")
    parser.add_argument("--fixed-ip", metavar="subnet=<subnet>,ip-address=<ip-address>",
                        action=multi_key_value([], ["subnet", "ip-address"]), dest="fixed_ips",
                        help="Desired IP and/or subnet (name or ID) on external gateway: "
                        "subnet=<subnet>,ip-address=<ip-address> (repeat option to set "
                        "multiple fixed IP addresses)" if add else
                        "IP and/or subnet (name or ID) on the external gateway which is used "
                        "to identify a particular gateway if multiple are attached to the same "
                        "network: subnet=<subnet>,ip-address=<ip-address>")


class _GatewayCommand(ShowOne):
    add = True

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _gateway_parser(parser, add=self.add)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        # Asked before anything is looked up, as the real client does.
        if not self.backend.network_extension_enabled(MULTIHOMING):
            raise no_multihoming()
        router = self.backend.find_router(parsed_args.router)
        gateways = self._gateways(parsed_args)
        if self.add:
            router = self.backend.add_router_gateways(router, gateways)
        else:
            router = self.backend.remove_router_gateways(router, gateways)
        return show_fields(router_fields(router), FORMATTERS)

    def _gateways(self, parsed_args: argparse.Namespace) -> list[dict[str, Any]]:
        """The real client's ``external_gateways`` body for one network."""
        network = self.backend.find_network(parsed_args.external_gateways[0])
        gateway: dict[str, Any] = {"network_id": network.id}
        for spec in parsed_args.fixed_ips or []:
            ip: dict[str, str] = {}
            if spec.get("subnet"):
                subnet = self.backend.find_subnet(spec["subnet"])
                if subnet.network_id != network.id:
                    raise CommandError(
                        f"Subnet {subnet.id} does not belong to any of the networks provided "
                        "for --external-gateway."
                    )
                ip["subnet_id"] = subnet.id
            if spec.get("ip-address"):
                ip["ip_address"] = spec["ip-address"]
            gateway.setdefault("external_fixed_ips", []).append(ip)
        return [gateway]


class AddGatewayToRouter(_GatewayCommand):
    """Add router gateway"""

    add = True


class RemoveGatewayFromRouter(_GatewayCommand):
    """Remove router gateway"""

    add = False
