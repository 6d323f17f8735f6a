"""Neutron's networks and subnets (``/v2.0/networks``, ``/v2.0/subnets``) on the local
backend's network services (neutron_lib/api/definitions/network.py, subnet.py and the
extensions the local backend declares)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import neutron_common as nc
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.neutron import NEUTRON
from ostack_cli.api.neutron_common import Attr
from ostack_cli.api.neutron_views import network_view, subnet_view
from ostack_cli.backend.models.network import Network, NetworkSpec, Subnet, SubnetSpec

NETWORK_ATTRS = nc.attrs(
    Attr("id", "string", put=False), Attr("name", "string"), *nc.OWNER,
    Attr("admin_state_up", "bool"), Attr("status", post=False, put=False),
    Attr("subnets", post=False, put=False), Attr("shared", "bool"),
    Attr("mtu", "int"), Attr("port_security_enabled", "bool"),
    Attr("router:external", "bool"), Attr("is_default", "bool"),
    Attr("provider:network_type", "string"), Attr("provider:physical_network", "string"),
    Attr("provider:segmentation_id"), Attr("availability_zone_hints", "list", put=False),
    Attr("availability_zones", post=False, put=False), Attr("description", "string"),
    Attr("dns_domain", "string"), Attr("qos_policy_id"), Attr("tags", "list"),
)
# Neutron's names -> the backend's change names.
NETWORK_CHANGES = {
    "name": "name", "description": "description", "admin_state_up": "is_admin_state_up",
    "shared": "is_shared", "mtu": "mtu", "port_security_enabled": "is_port_security_enabled",
    "router:external": "is_router_external", "is_default": "is_default",
    "provider:network_type": "provider_network_type",
    "provider:physical_network": "provider_physical_network",
    "provider:segmentation_id": "provider_segmentation_id", "dns_domain": "dns_domain",
    "qos_policy_id": "qos_policy_id", "tags": "tags",
}


def _admin(req: ApiRequest) -> bool:
    return bool(req.principal and req.principal.is_admin)


def network_by_id(req: ApiRequest, network_id: str) -> Network:
    return nc.by_id(req.backend.find_network, network_id, nc.not_found(
        "NetworkNotFound", f"Network {network_id} could not be found."))


def subnet_by_id(req: ApiRequest, subnet_id: str) -> Subnet:
    return nc.by_id(req.backend.find_subnet, subnet_id, nc.not_found(
        "SubnetNotFound", f"Subnet {subnet_id} could not be found."))


@NEUTRON.route("GET", "/v2.0/networks")
def list_networks(req: ApiRequest) -> Reply:
    admin = _admin(req)
    return nc.listed(req, "networks", (network_view(n, admin=admin)
                                       for n in req.backend.networks()))


@NEUTRON.route("GET", "/v2.0/networks/{network_id}")
def show_network(req: ApiRequest, network_id: str) -> Reply:
    return nc.one(req, "network", network_view(network_by_id(req, network_id),
                                               admin=_admin(req)))


@NEUTRON.route("POST", "/v2.0/networks")
def create_network(req: ApiRequest) -> Reply:
    values = nc.body(req, "network", NETWORK_ATTRS, creating=True)
    segmentation = values.get("provider:segmentation_id")
    spec = NetworkSpec(
        name=values.get("name") or "", project_id=nc.owner(req, values),
        description=values.get("description") or "",
        admin_state_up=values.get("admin_state_up", True), shared=values.get("shared"),
        external=bool(values.get("router:external", False)),
        is_default=values.get("is_default"), mtu=values.get("mtu"),
        port_security_enabled=values.get("port_security_enabled", True),
        availability_zone_hints=list(values.get("availability_zone_hints") or []),
        provider_network_type=values.get("provider:network_type"),
        provider_physical_network=values.get("provider:physical_network"),
        provider_segmentation_id=None if segmentation is None else str(segmentation),
        dns_domain=values.get("dns_domain"), tags=list(values.get("tags") or []))
    network = req.backend.create_network(spec)
    return nc.one(req, "network", network_view(network, admin=_admin(req)), 201)


@NEUTRON.route("PUT", "/v2.0/networks/{network_id}")
def update_network(req: ApiRequest, network_id: str) -> Reply:
    values = nc.body(req, "network", NETWORK_ATTRS, creating=False)
    network = network_by_id(req, network_id)
    changes = {NETWORK_CHANGES[k]: v for k, v in values.items() if k in NETWORK_CHANGES}
    updated = req.backend.update_network(network, **changes) if changes else network
    return nc.one(req, "network", network_view(updated, admin=_admin(req)))


@NEUTRON.route("DELETE", "/v2.0/networks/{network_id}")
def delete_network(req: ApiRequest, network_id: str) -> Reply:
    req.backend.delete_network(network_by_id(req, network_id))
    return Reply(204)


# -- subnets ---------------------------------------------------------------------------------

SUBNET_ATTRS = nc.attrs(
    Attr("id", "string", put=False), Attr("name", "string"), *nc.OWNER,
    Attr("network_id", "uuid", put=False, required=True),
    Attr("ip_version", "int", put=False, required=True), Attr("cidr", "string", put=False),
    Attr("prefixlen", put=False), Attr("subnetpool_id", put=False),
    Attr("use_default_subnetpool", "bool", put=False), Attr("gateway_ip"),
    Attr("allocation_pools", "list"), Attr("dns_nameservers", "list"),
    Attr("host_routes", "list"), Attr("enable_dhcp", "bool"),
    Attr("ipv6_ra_mode", put=False), Attr("ipv6_address_mode", put=False),
    Attr("service_types", "list"), Attr("segment_id"), Attr("description", "string"),
    Attr("dns_publish_fixed_ip", "bool"), Attr("tags", "list"),
)
SUBNET_CHANGES = {
    "name": "name", "description": "description", "gateway_ip": "gateway_ip",
    "allocation_pools": "allocation_pools", "dns_nameservers": "dns_nameservers",
    "host_routes": "host_routes", "enable_dhcp": "is_dhcp_enabled",
    "service_types": "service_types", "dns_publish_fixed_ip": "dns_publish_fixed_ip",
    "tags": "tags",
}


@NEUTRON.route("GET", "/v2.0/subnets")
def list_subnets(req: ApiRequest) -> Reply:
    return nc.listed(req, "subnets", (subnet_view(s) for s in req.backend.subnets()))


@NEUTRON.route("GET", "/v2.0/subnets/{subnet_id}")
def show_subnet(req: ApiRequest, subnet_id: str) -> Reply:
    return nc.one(req, "subnet", subnet_view(subnet_by_id(req, subnet_id)))


@NEUTRON.route("POST", "/v2.0/subnets")
def create_subnet(req: ApiRequest) -> Reply:
    values = nc.body(req, "subnet", SUBNET_ATTRS, creating=True)
    network = network_by_id(req, values["network_id"])
    prefixlen = values.get("prefixlen")
    spec = SubnetSpec(
        name=values.get("name") or "", network_id=network.id, cidr=values.get("cidr"),
        project_id=nc.owner(req, values), ip_version=values["ip_version"],
        gateway_ip=values.get("gateway_ip", "auto"),
        allocation_pools=values.get("allocation_pools"),
        dns_nameservers=list(values.get("dns_nameservers") or []),
        host_routes=list(values.get("host_routes") or []),
        enable_dhcp=values.get("enable_dhcp", True),
        description=values.get("description") or "",
        ipv6_address_mode=values.get("ipv6_address_mode"),
        ipv6_ra_mode=values.get("ipv6_ra_mode"),
        service_types=list(values.get("service_types") or []),
        dns_publish_fixed_ip=values.get("dns_publish_fixed_ip"),
        tags=list(values.get("tags") or []), subnet_pool_id=values.get("subnetpool_id"),
        use_default_subnet_pool=bool(values.get("use_default_subnetpool", False)),
        prefixlen=None if prefixlen is None else str(prefixlen))
    subnet = req.backend.create_subnet(spec)
    return nc.one(req, "subnet", subnet_view(subnet), 201)


@NEUTRON.route("PUT", "/v2.0/subnets/{subnet_id}")
def update_subnet(req: ApiRequest, subnet_id: str) -> Reply:
    values = nc.body(req, "subnet", SUBNET_ATTRS, creating=False)
    subnet = subnet_by_id(req, subnet_id)
    changes: dict[str, Any] = {SUBNET_CHANGES[k]: v for k, v in values.items()
                               if k in SUBNET_CHANGES}
    updated = req.backend.update_subnet(subnet, **changes) if changes else subnet
    return nc.one(req, "subnet", subnet_view(updated))


@NEUTRON.route("DELETE", "/v2.0/subnets/{subnet_id}")
def delete_subnet(req: ApiRequest, subnet_id: str) -> Reply:
    req.backend.delete_subnet(subnet_by_id(req, subnet_id))
    return Reply(204)
