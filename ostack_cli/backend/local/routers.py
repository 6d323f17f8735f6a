"""Routers, their gateways, interfaces and routes, with Neutron's L3 rules and messages."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any

from ostack_cli.backend.local import ipam
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.ipam import bad_request
from ostack_cli.backend.local.net_records import (
    bumped,
    device_ports,
    load,
    network_subnets,
    not_external,
    unknown_changes,
)
from ostack_cli.backend.local.neutron_input import check_description, check_name, check_tags
from ostack_cli.backend.local.neutron_policy import check_router_create, check_router_gateway
from ostack_cli.backend.local.ports import Ports
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.network import (
    DEVICE_OWNER_ROUTER_GW,
    DEVICE_OWNER_ROUTER_INTF,
    ROUTER_INTERFACE_OWNERS,
    FixedIPRequest,
    FloatingIP,
    Network,
    Port,
    Router,
    RouterSpec,
    Subnet,
    TagFilter,
)
from ostack_cli.errors import BadRequest, Conflict, NotFound

ROUTER_CHANGES = ("name", "description", "is_admin_state_up", "routes", "tags")
_KEEP: Any = object()


def _check_gateway_ips(fixed_ips: Sequence[FixedIPRequest] | None) -> None:
    """``external_gateway_info``'s ``external_fixed_ips``: a ``type:fixed_ips`` key of a dict
    validator, whose failure is reported as the whole attribute's."""
    reason = ipam.fixed_ips_error(request.ip_address for request in fixed_ips or [])
    if reason:
        raise ipam.invalid_attr("external_gateway_info", reason)


def sorted_routes(routes: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Routes as Neutron returns them: rows in primary-key order (destination, nexthop), as
    text."""
    return sorted(
        ({"destination": r["destination"], "nexthop": r["nexthop"]} for r in routes),
        key=lambda r: (r["destination"], r["nexthop"]),
    )


def _merged_routes(
    old: Sequence[dict[str, str]], add: Sequence[dict[str, str]]
) -> list[dict[str, str]]:
    """``_add_extra_routes``: by destination, each nexthop once, the old ones first."""
    by_destination: dict[str, list[str]] = {}
    for route in [*old, *add]:
        hops = by_destination.setdefault(route["destination"], [])
        if route["nexthop"] not in hops:
            hops.append(route["nexthop"])
    return [{"destination": d, "nexthop": n} for d, hops in by_destination.items() for n in hops]


def _without_routes(
    old: Sequence[dict[str, str]], remove: Sequence[dict[str, str]]
) -> list[dict[str, str]]:
    gone = [(r["destination"], r["nexthop"]) for r in remove]
    return [dict(r) for r in old if (r["destination"], r["nexthop"]) not in gone]


def _parse_nexthop(value: str) -> None:
    """netaddr's refusal, which Neutron answers with 400 and its text."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise BadRequest(f"failed to detect a valid IP address from {value!r}") from None


def _parse_destination(value: str) -> None:
    """``AuthenticIPNetwork``: a CIDR, its host bits kept as given."""
    try:
        if "/" not in value:
            raise ValueError(value)
        ipaddress.ip_interface(value)
    except ValueError:
        raise BadRequest(f"invalid IPNetwork {value}") from None


def action_view(router: Router) -> Router:
    """The router as an extra-routes action answers: the L3 plugin's whole router dict, with
    its database fields the API otherwise leaves out (and no interfaces)."""
    info = router.external_gateway_info or {}
    return router.replace(extra_attributes={
        "enable_default_route_bfd": False,
        "enable_default_route_ecmp": False,
        "enable_snat": bool(info.get("enable_snat", True)),
        "gw_port_id": router.gw_port_id,
        "ha_vr_id": 0,
    })


class Routers:
    def __init__(self, context: ServiceContext, *, ports: Ports, quotas: Quotas) -> None:
        self.context = context
        self.store = context.store
        self.ports = ports
        self.quotas = quotas

    def _visible(self, router: Router) -> bool:
        # Neutron shows an admin every project's routers.
        return self.context.is_admin or router.project_id == self.context.project_id

    def find_all(
        self,
        *,
        name: str | None = None,
        project_id: str | None = None,
        admin_state_up: bool | None = None,
        tags: TagFilter | None = None,
    ) -> list[Router]:
        return [
            router
            for router in self.store.list(Router, name=name, project_id=project_id)
            if self._visible(router)
            and (admin_state_up is None or router.is_admin_state_up == admin_state_up)
            and (tags is None or tags.matches(router.tags))
        ]

    def find(self, name_or_id: str) -> Router:
        return self.context.find(Router, name_or_id, visible=self._visible)

    def create(self, spec: RouterSpec) -> Router:
        check_name(spec.name)
        _check_gateway_ips(spec.external_fixed_ips)
        check_description(spec.description)
        tags = check_tags(spec.tags, "routers")
        check_router_create(self.context, spec)
        now = utcnow()
        router = Router(
            id=new_id(),
            name=spec.name,
            project_id=spec.project_id or self.context.project_id,
            description=spec.description,
            is_admin_state_up=spec.admin_state_up,
            availability_zone_hints=list(spec.availability_zone_hints),
            tags=tags,
            # What Neutron's L3 plugin reports to an admin for a legacy router.
            is_distributed=False,
            is_ha=False,
            created_at=now,
            updated_at=now,
        )
        with self.store.transaction():
            # The API reserves the router before the plugin sets its gateway; the gateway
            # port is the L3 plugin's own, which no quota checks.
            self.quotas.check(router.project_id, {"routers": 1})
            self.store.insert(router)
            if spec.external_network_id is not None:
                router = self._with_gateway(
                    router, spec.external_network_id, spec.enable_snat, spec.external_fixed_ips
                )
                self.store.update(router)
        return router

    def update(self, router: Router, **changes: Any) -> Router:
        gateway = changes.pop("external_gateway", _KEEP)
        unknown_changes(changes, ROUTER_CHANGES)
        check_name(changes.get("name"))
        if isinstance(gateway, dict):
            _check_gateway_ips(gateway.get("fixed_ips"))
        check_description(changes.get("description"))
        if changes.get("routes") is not None:
            changes["routes"] = ipam.check_routes(changes["routes"], "routes")
        if "tags" in changes:
            changes["tags"] = check_tags(changes["tags"], "routers")
        with self.store.transaction():
            current = load(self.store, Router, router.id)
            if gateway is None:
                current = self._without_gateway(current)
            elif gateway is not _KEEP:
                current = self._with_gateway(
                    current, gateway["network_id"], gateway.get("enable_snat"),
                    gateway.get("fixed_ips") or [],
                )
            if changes.get("routes") is not None:
                changes["routes"] = self._checked_routes(current, changes["routes"])
            updated = bumped(current, **changes)
            self.store.update(updated)
        return updated

    def _checked_routes(
        self, router: Router, routes: Sequence[dict[str, str]]
    ) -> list[dict[str, str]]:
        """extraroute_db ``_update_extra_routes``: the nexthops first, then the number of
        routes against the project's ``router_route`` quota (a limit per router, which
        replaced the ``max_routes`` option)."""
        checked = list(routes)
        self._check_nexthops(checked, *self._router_addresses(router))
        self.quotas.check_limit(router.project_id, {"router-routes": len(checked)})
        return sorted_routes(checked)

    def _router_addresses(self, router: Router) -> tuple[list[str], list[str]]:
        """The CIDRs and addresses of all the router's ports, its gateway's included."""
        cidrs, addresses = [], []
        for port in device_ports(self.store, router.id):
            for ip in port.fixed_ips:
                cidrs.append(load(self.store, Subnet, ip["subnet_id"]).cidr)
                addresses.append(ip["ip_address"])
        return cidrs, addresses

    # -- extra routes, one by one (extraroute-atomic) -----------------------------------

    def add_routes(self, router: Router, routes: Sequence[dict[str, str]]) -> Router:
        """extraroute_db ``add_extraroutes``: the union (exact duplicates merged), checked
        as a whole by the router update that stores it."""
        return self._change_routes(router, lambda old: _merged_routes(old, routes))

    def remove_routes(self, router: Router, routes: Sequence[dict[str, str]]) -> Router:
        """extraroute_db ``remove_extraroutes``: a route already missing is no error."""
        return self._change_routes(router, lambda old: _without_routes(old, routes))

    def _change_routes(
        self,
        router: Router,
        change: Callable[[list[dict[str, str]]], list[dict[str, str]]],
    ) -> Router:
        with self.store.transaction():
            current = load(self.store, Router, router.id)
            old = list(current.routes)
            new = change(old)
            # No API validator runs on an action's body: the plugin's own checks do, in its
            # order (each nexthop, then the quota, then each added route's destination).
            self._check_nexthops(new, *self._router_addresses(current))
            self.quotas.check_limit(current.project_id, {"router-routes": len(new)})
            for route in new:
                if route not in old:
                    _parse_destination(route["destination"])
            if sorted_routes(new) != sorted_routes(old):
                current = bumped(current, routes=sorted_routes(new))
                self.store.update(current)
        return action_view(current)

    @staticmethod
    def _check_nexthops(
        routes: list[dict[str, str]], cidrs: list[str], addresses: list[str]
    ) -> None:
        """extraroute_db: every nexthop is an address (netaddr's parse), on a subnet of the
        router, and not the router's own."""
        for route in routes:
            _parse_nexthop(route["nexthop"])
            reason = None
            if not ipam.in_any_cidr(route["nexthop"], cidrs):
                reason = "the nexthop is not connected with router"
            elif route["nexthop"] in addresses:
                reason = "the nexthop is used by router"
            if reason:
                raise BadRequest(f"Invalid format for routes: {routes!r}, {reason}")

    def delete(self, router: Router) -> None:
        with self.store.transaction():
            current = load(self.store, Router, router.id)
            attached = [p.id for p in device_ports(self.store, current.id)
                        if p.device_owner in ROUTER_INTERFACE_OWNERS]
            if attached:
                raise Conflict(
                    f"Router {current.id} has ports still attached: {', '.join(attached)}"
                )
            self._drop_gateway(current)
            self.store.delete(Router, current.id)

    # -- the external gateway ---------------------------------------------------------

    def set_gateway(
        self,
        router: Router,
        network: Network,
        *,
        enable_snat: bool | None = None,
        fixed_ips: list[FixedIPRequest] | None = None,
    ) -> Router:
        check_router_gateway(self.context, "update_router", enable_snat, fixed_ips)
        gateway = {"network_id": network.id, "enable_snat": enable_snat, "fixed_ips": fixed_ips}
        return self.update(router, external_gateway=gateway)

    def clear_gateway(self, router: Router) -> Router:
        return self.update(router, external_gateway=None)

    def _without_gateway(self, router: Router) -> Router:
        """The router after dropping its gateway port (stored by the caller)."""
        if router.gw_port_id is None:
            return router
        cidrs, addresses = self._interface_addresses(router)
        self._check_nexthops(router.routes, cidrs, addresses)
        self._drop_gateway(router)
        return router.replace(external_gateway_info=None, gw_port_id=None)

    def _interface_addresses(self, router: Router) -> tuple[list[str], list[str]]:
        """The CIDRs and addresses of the router's ports other than its gateway."""
        cidrs, addresses = [], []
        for port in device_ports(self.store, router.id):
            if port.device_owner == DEVICE_OWNER_ROUTER_GW:
                continue
            for ip in port.fixed_ips:
                cidrs.append(load(self.store, Subnet, ip["subnet_id"]).cidr)
                addresses.append(ip["ip_address"])
        return cidrs, addresses

    def _with_gateway(
        self,
        router: Router,
        network_id: str,
        enable_snat: bool | None,
        fixed_ips: Sequence[FixedIPRequest],
    ) -> Router:
        """The router with a gateway port on an external network (stored by the caller)."""
        network = load(self.store, Network, network_id)
        if not network.is_router_external:
            raise not_external(network.id, "router")
        subnets = network_subnets(self.store, network.id)
        for request in fixed_ips:
            if request.ip_address and any(s.gateway_ip == request.ip_address for s in subnets):
                raise bad_request(
                    "router", f"External IP {request.ip_address} is the same as the gateway IP"
                )
        old = self.store.get(Port, router.gw_port_id) if router.gw_port_id else None
        if old is not None and old.network_id == network.id and not fixed_ips:
            port = old
        else:
            if old is not None and old.network_id != network.id:
                self._drop_gateway(router)
            elif old is not None:
                self.ports.drop(old)
            if old is None or old.network_id != network.id:
                # l3_db ``_create_gw_port``: a new gateway's subnets against the interfaces'.
                self._check_router_subnets(router, subnets)
            cidrs, addresses = self._interface_addresses(router)
            self._check_nexthops(router.routes, cidrs + [s.cidr for s in subnets], addresses)
            port = self.ports.add(
                network, project_id="", fixed_ips=list(fixed_ips) or None, device_id=router.id,
                device_owner=DEVICE_OWNER_ROUTER_GW, is_port_security_enabled=False,
            )
        info = {
            "network_id": network.id,
            "external_fixed_ips": [
                {"subnet_id": ip["subnet_id"], "ip_address": ip["ip_address"]}
                for ip in port.fixed_ips
            ],
            # Neutron's enable_snat_by_default.
            "enable_snat": True if enable_snat is None else enable_snat,
        }
        return router.replace(external_gateway_info=info, gw_port_id=port.id)

    def _drop_gateway(self, router: Router) -> None:
        if router.gw_port_id is None:
            return
        port = self.store.get(Port, router.gw_port_id)
        if port is None:
            return
        if any(f.router_id == router.id for f in self.store.list(FloatingIP)):
            raise Conflict(
                f"Gateway cannot be updated for router {router.id}, since a gateway to "
                f"external network {port.network_id} is required by one or more floating IPs."
            )
        self.ports.drop(port)

    # -- interfaces -------------------------------------------------------------------

    def add_interface(
        self, router: Router, *, subnet: Subnet | None = None, port: Port | None = None
    ) -> Port:
        if (subnet is None) == (port is None):
            raise bad_request("router", "Either subnet_id or port_id must be specified")
        with self.store.transaction():
            current = load(self.store, Router, router.id)
            if subnet is not None:
                attached = self._interface_on_subnet(current, load(self.store, Subnet, subnet.id))
            else:
                assert port is not None
                attached = self._interface_on_port(current, load(self.store, Port, port.id))
            self.store.update(bumped(current))
        return attached

    def _interface_on_subnet(self, router: Router, subnet: Subnet) -> Port:
        if not subnet.gateway_ip:
            raise bad_request("router", "Subnet for router interface must have a gateway IP")
        self._check_router_subnets(router, [subnet])
        network = load(self.store, Network, subnet.network_id)
        return self.ports.add(
            network,
            project_id=router.project_id,
            fixed_ips=[FixedIPRequest(subnet_id=subnet.id, ip_address=subnet.gateway_ip)],
            device_id=router.id,
            device_owner=DEVICE_OWNER_ROUTER_INTF,
            is_port_security_enabled=network.is_port_security_enabled,
        )

    def _interface_on_port(self, router: Router, port: Port) -> Port:
        if port.device_id:
            raise Conflict(
                f"Unable to complete operation on port {port.id} for network "
                f"{port.network_id}. Port already has an attached device {port.device_id}."
            )
        if not port.fixed_ips:
            raise bad_request("router", "Router port must have at least one fixed IP")
        subnets = [load(self.store, Subnet, ip["subnet_id"]) for ip in port.fixed_ips]
        self._check_router_subnets(router, subnets)
        if len([s for s in subnets if s.ip_version == 4]) > 1:
            raise bad_request("router", "Cannot have multiple IPv4 subnets on router port")
        updated = bumped(port, device_id=router.id, device_owner=DEVICE_OWNER_ROUTER_INTF)
        self.store.update(updated)
        return updated

    def _check_router_subnets(self, router: Router, new_subnets: list[Subnet]) -> None:
        """No second port on a subnet, no subnet overlapping one the router already has."""
        new_ids = {s.id for s in new_subnets}
        router_subnet_ids: list[str] = []
        for port in device_ports(self.store, router.id):
            for ip in port.fixed_ips:
                if ip["subnet_id"] in new_ids:
                    raise bad_request(
                        "router", f"Router already has a port on subnet {ip['subnet_id']}"
                    )
                if port.device_owner == DEVICE_OWNER_ROUTER_GW:
                    router_subnet_ids += [
                        s.id for s in network_subnets(self.store, port.network_id)
                    ]
                else:
                    router_subnet_ids.append(ip["subnet_id"])
        for subnet_id in dict.fromkeys(router_subnet_ids):
            existing = self.store.get(Subnet, subnet_id)
            if existing is None:
                continue
            for new in new_subnets:
                if ipam.overlaps(existing.cidr, new.cidr):
                    raise bad_request(
                        "router",
                        f"Cidr {new.cidr} of subnet {new.id} overlaps with cidr {existing.cidr} "
                        f"of subnet {existing.id}",
                    )

    def remove_interface(
        self, router: Router, *, subnet: Subnet | None = None, port: Port | None = None
    ) -> None:
        if (subnet is None) == (port is None):
            raise bad_request("router", "Either subnet_id or port_id must be specified")
        with self.store.transaction():
            current = load(self.store, Router, router.id)
            if subnet is not None:
                self._remove_by_subnet(current, load(self.store, Subnet, subnet.id))
            else:
                assert port is not None
                self._remove_by_port(current, load(self.store, Port, port.id))
            self.store.update(bumped(current))

    def _remove_by_subnet(self, router: Router, subnet: Subnet) -> None:
        for port in device_ports(self.store, router.id):
            if port.device_owner not in ROUTER_INTERFACE_OWNERS:
                continue
            if not any(ip["subnet_id"] == subnet.id for ip in port.fixed_ips):
                continue
            self._check_interface_unused(router, subnet)
            self.ports.drop_subnet_ips(port, subnet.id)
            return
        raise NotFound(f"Router {router.id} has no interface on subnet {subnet.id}")

    def _remove_by_port(self, router: Router, port: Port) -> None:
        if port.device_id != router.id or port.device_owner not in ROUTER_INTERFACE_OWNERS:
            raise NotFound(f"Router {router.id} does not have an interface with id {port.id}")
        for ip in port.fixed_ips:
            self._check_interface_unused(router, load(self.store, Subnet, ip["subnet_id"]))
        self.ports.drop(port)

    def _check_interface_unused(self, router: Router, subnet: Subnet) -> None:
        net = ipaddress.ip_network(subnet.cidr)
        for fip in self.store.list(FloatingIP):
            if fip.router_id == router.id and fip.fixed_ip_address and ipam.in_any_cidr(
                fip.fixed_ip_address, [str(net)]
            ):
                raise Conflict(
                    f"Router interface for subnet {subnet.id} on router {router.id} cannot be "
                    "deleted, as it is required by one or more floating IPs."
                )
        if any(ipam.in_any_cidr(route["nexthop"], [str(net)]) for route in router.routes):
            raise Conflict(
                f"Router interface for subnet {subnet.id} on router {router.id} cannot be "
                "deleted, as it is required by one or more routes."
            )
