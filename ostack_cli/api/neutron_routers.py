"""Neutron's routers and floating IPs (``/v2.0/routers``, its interface and extra-route
actions, ``/v2.0/floatingips``) on the local backend's L3 services (neutron_lib's l3,
l3_ext_gw_mode, extraroute-atomic and fip-port-details definitions)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import neutron_common as nc
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.neutron import NEUTRON
from ostack_cli.api.neutron_common import Attr
from ostack_cli.api.neutron_networks import network_by_id, subnet_by_id
from ostack_cli.api.neutron_ports import port_by_id
from ostack_cli.api.neutron_views import floating_ip_view, router_view
from ostack_cli.backend.models.network import (
    FixedIPRequest,
    FloatingIP,
    FloatingIPSpec,
    Port,
    Router,
    RouterSpec,
)

ROUTER_ATTRS = nc.attrs(
    Attr("id", "string", put=False), Attr("name", "string"), *nc.OWNER,
    Attr("admin_state_up", "bool"), Attr("status", post=False, put=False),
    Attr("external_gateway_info"), Attr("routes", "list", post=False),
    Attr("availability_zone_hints", "list", put=False),
    Attr("availability_zones", post=False, put=False), Attr("description", "string"),
    Attr("distributed", "bool"), Attr("ha", "bool"), Attr("flavor_id", put=False),
    Attr("tags", "list"),
)
ROUTER_CHANGES = {"name": "name", "description": "description",
                  "admin_state_up": "is_admin_state_up", "routes": "routes", "tags": "tags"}


def router_by_id(req: ApiRequest, router_id: str) -> Router:
    return nc.by_id(req.backend.find_router, router_id, nc.not_found(
        "RouterNotFound", f"Router {router_id} could not be found"))


def _gateway(value: Any) -> tuple[str | None, list[FixedIPRequest], bool | None]:
    """``external_gateway_info``: the network, the fixed IPs asked for, SNAT."""
    if value is None or value == {}:
        return None, [], None
    if not isinstance(value, dict):
        raise ApiFault(400, f"Invalid input for external_gateway_info. Reason: '{value}' is "
                            "not a dictionary.", kind="HTTPBadRequest")
    unknown = set(value) - {"network_id", "external_fixed_ips", "enable_snat"}
    if unknown or "network_id" not in value:
        raise ApiFault(400, "Invalid input for external_gateway_info. Reason: Validation of "
                            f"dictionary's keys failed. Expected keys: {{'network_id'}} "
                            f"Provided keys: {set(value)}.", kind="HTTPBadRequest")
    fixed = [FixedIPRequest(subnet_id=ip.get("subnet_id"), ip_address=ip.get("ip_address"))
             for ip in value.get("external_fixed_ips") or []]
    snat = value.get("enable_snat")
    return value["network_id"], fixed, None if snat is None else nc.to_bool(snat)


@NEUTRON.route("GET", "/v2.0/routers")
def list_routers(req: ApiRequest) -> Reply:
    return nc.listed(req, "routers", (router_view(r) for r in req.backend.routers()))


@NEUTRON.route("GET", "/v2.0/routers/{router_id}")
def show_router(req: ApiRequest, router_id: str) -> Reply:
    return nc.one(req, "router", router_view(router_by_id(req, router_id)))


@NEUTRON.route("POST", "/v2.0/routers")
def create_router(req: ApiRequest) -> Reply:
    values = nc.body(req, "router", ROUTER_ATTRS, creating=True)
    network_id, fixed_ips, snat = _gateway(values.get("external_gateway_info"))
    if network_id is not None:
        network_by_id(req, network_id)
    spec = RouterSpec(
        name=values.get("name") or "", project_id=nc.owner(req, values),
        description=values.get("description") or "",
        admin_state_up=values.get("admin_state_up", True), external_network_id=network_id,
        external_fixed_ips=fixed_ips, enable_snat=snat,
        availability_zone_hints=list(values.get("availability_zone_hints") or []),
        tags=list(values.get("tags") or []))
    return nc.one(req, "router", router_view(req.backend.create_router(spec)), 201)


@NEUTRON.route("PUT", "/v2.0/routers/{router_id}")
def update_router(req: ApiRequest, router_id: str) -> Reply:
    values = nc.body(req, "router", ROUTER_ATTRS, creating=False)
    router = router_by_id(req, router_id)
    changes: dict[str, Any] = {ROUTER_CHANGES[k]: v for k, v in values.items()
                               if k in ROUTER_CHANGES}
    if "external_gateway_info" in values:
        network_id, fixed_ips, snat = _gateway(values["external_gateway_info"])
        if network_id is None:
            changes["external_gateway"] = None
        else:
            network_by_id(req, network_id)
            gateway: dict[str, Any] = {"network_id": network_id, "enable_snat": snat}
            if values["external_gateway_info"].get("external_fixed_ips") is not None:
                gateway["fixed_ips"] = fixed_ips
            changes["external_gateway"] = gateway
    updated = req.backend.update_router(router, **changes) if changes else router
    return nc.one(req, "router", router_view(updated))


@NEUTRON.route("DELETE", "/v2.0/routers/{router_id}")
def delete_router(req: ApiRequest, router_id: str) -> Reply:
    req.backend.delete_router(router_by_id(req, router_id))
    return Reply(204)


def _interface_info(router: Router, port: Port) -> dict[str, Any]:
    subnet_ids = [ip["subnet_id"] for ip in port.fixed_ips]
    return {"id": router.id, "tenant_id": port.project_id, "project_id": port.project_id,
            "port_id": port.id, "network_id": port.network_id,
            "subnet_id": subnet_ids[0] if subnet_ids else None, "subnet_ids": subnet_ids}


def _interface_body(req: ApiRequest) -> tuple[str | None, str | None]:
    data = req.json()
    if not isinstance(data, dict):
        raise ApiFault(400, "Body contains invalid data")
    subnet_id, port_id = data.get("subnet_id"), data.get("port_id")
    if subnet_id and port_id:
        raise ApiFault(400, "Cannot specify both subnet-id and port-id", kind="BadRequest")
    if not subnet_id and not port_id:
        raise ApiFault(400, "Bad router request: Either subnet_id or port_id must be "
                            "specified.", kind="BadRequest")
    return subnet_id, port_id


@NEUTRON.route("PUT", "/v2.0/routers/{router_id}/add_router_interface")
def add_router_interface(req: ApiRequest, router_id: str) -> Reply:
    subnet_id, port_id = _interface_body(req)
    router = router_by_id(req, router_id)
    if port_id:
        port = req.backend.add_router_interface(router, port=port_by_id(req, port_id))
    else:
        assert subnet_id is not None
        port = req.backend.add_router_interface(router, subnet=subnet_by_id(req, subnet_id))
    return Reply(200, _interface_info(router, port))


@NEUTRON.route("PUT", "/v2.0/routers/{router_id}/remove_router_interface")
def remove_router_interface(req: ApiRequest, router_id: str) -> Reply:
    subnet_id, port_id = _interface_body(req)
    router = router_by_id(req, router_id)
    if port_id:
        port = port_by_id(req, port_id)
        req.backend.remove_router_interface(router, port=port)
        return Reply(200, _interface_info(router, port))
    assert subnet_id is not None
    subnet = subnet_by_id(req, subnet_id)
    attached = next((p for p in req.backend.ports(device_id=router.id)
                     if any(ip["subnet_id"] == subnet.id for ip in p.fixed_ips)), None)
    req.backend.remove_router_interface(router, subnet=subnet)
    info = _interface_info(router, attached) if attached is not None else {
        "id": router.id, "subnet_id": subnet.id, "subnet_ids": [subnet.id]}
    return Reply(200, info)


def _routes(req: ApiRequest) -> list[dict[str, str]]:
    data = req.json()
    routes = data.get("router", {}).get("routes") if isinstance(data, dict) else None
    if not isinstance(routes, list):
        raise ApiFault(400, "Unable to find 'router' in request body")
    return [dict(route) for route in routes]


@NEUTRON.route("PUT", "/v2.0/routers/{router_id}/add_extraroutes")
def add_extra_routes(req: ApiRequest, router_id: str) -> Reply:
    routes = _routes(req)
    router = req.backend.add_router_routes(router_by_id(req, router_id), routes)
    return Reply(200, {"router": router_view(router)})


@NEUTRON.route("PUT", "/v2.0/routers/{router_id}/remove_extraroutes")
def remove_extra_routes(req: ApiRequest, router_id: str) -> Reply:
    routes = _routes(req)
    router = req.backend.remove_router_routes(router_by_id(req, router_id), routes)
    return Reply(200, {"router": router_view(router)})


# -- floating IPs ----------------------------------------------------------------------------

FLOATING_IP_ATTRS = nc.attrs(
    Attr("id", "string", put=False), *nc.OWNER,
    Attr("floating_ip_address", "string", put=False),
    Attr("subnet_id", put=False), Attr("floating_network_id", "uuid", put=False,
                                       required=True),
    Attr("router_id", post=False, put=False), Attr("port_id"), Attr("fixed_ip_address"),
    Attr("status", post=False, put=False), Attr("description", "string"),
    Attr("qos_policy_id"), Attr("dns_domain", put=False), Attr("dns_name", put=False),
    Attr("port_details", post=False, put=False), Attr("tags", "list"),
)


def floating_ip_by_id(req: ApiRequest, fip_id: str) -> FloatingIP:
    return nc.by_id(req.backend.find_floating_ip, fip_id, nc.not_found(
        "FloatingIPNotFound", f"Floating IP {fip_id} could not be found"))


@NEUTRON.route("GET", "/v2.0/floatingips")
def list_floating_ips(req: ApiRequest) -> Reply:
    return nc.listed(req, "floatingips",
                     (floating_ip_view(f) for f in req.backend.floating_ips()))


@NEUTRON.route("GET", "/v2.0/floatingips/{fip_id}")
def show_floating_ip(req: ApiRequest, fip_id: str) -> Reply:
    return nc.one(req, "floatingip", floating_ip_view(floating_ip_by_id(req, fip_id)))


@NEUTRON.route("POST", "/v2.0/floatingips")
def create_floating_ip(req: ApiRequest) -> Reply:
    values = nc.body(req, "floatingip", FLOATING_IP_ATTRS, creating=True)
    network = network_by_id(req, values["floating_network_id"])
    port_id = values.get("port_id")
    if port_id:
        port_by_id(req, port_id)
    spec = FloatingIPSpec(
        floating_network_id=network.id, project_id=nc.owner(req, values),
        subnet_id=values.get("subnet_id"),
        floating_ip_address=values.get("floating_ip_address"), port_id=port_id,
        fixed_ip_address=values.get("fixed_ip_address"),
        description=values.get("description") or "", dns_domain=values.get("dns_domain"),
        dns_name=values.get("dns_name"), tags=list(values.get("tags") or []))
    return nc.one(req, "floatingip",
                  floating_ip_view(req.backend.create_floating_ip(spec)), 201)


@NEUTRON.route("PUT", "/v2.0/floatingips/{fip_id}")
def update_floating_ip(req: ApiRequest, fip_id: str) -> Reply:
    values = nc.body(req, "floatingip", FLOATING_IP_ATTRS, creating=False)
    fip = floating_ip_by_id(req, fip_id)
    changes = {k: v for k, v in values.items()
               if k in ("description", "qos_policy_id", "tags", "port_id",
                        "fixed_ip_address")}
    if changes.get("port_id"):
        port_by_id(req, changes["port_id"])
    updated = req.backend.update_floating_ip(fip, **changes) if changes else fip
    return nc.one(req, "floatingip", floating_ip_view(updated))


@NEUTRON.route("DELETE", "/v2.0/floatingips/{fip_id}")
def delete_floating_ip(req: ApiRequest, fip_id: str) -> Reply:
    req.backend.delete_floating_ip(floating_ip_by_id(req, fip_id))
    return Reply(204)
