"""openstacksdk's Neutron resources to ostack's models, and the request pieces they share.

The models use openstacksdk's attribute names, so the mapping is by name; values keep the
types openstacksdk gives them (a null where Neutron sends one), which is what the real client
prints.
"""

from __future__ import annotations

import functools
from typing import Any

from openstack import resource as sdk_resource

from ostack_cli.backend.models.network import (
    FixedIPRequest,
    FloatingIP,
    Network,
    Port,
    Router,
    Subnet,
    TagFilter,
)

NETWORK_FIELDS = (
    "description", "is_admin_state_up", "is_shared", "is_router_external", "is_default", "mtu",
    "is_port_security_enabled", "provider_network_type", "provider_physical_network",
    "provider_segmentation_id", "dns_domain", "qos_policy_id", "status", "revision_number",
    "created_at", "updated_at", "ipv4_address_scope_id", "ipv6_address_scope_id",
    "is_vlan_transparent", "is_vlan_qinq", "pvlan", "segments",
)
SUBNET_FIELDS = (
    "network_id", "cidr", "ip_version", "gateway_ip", "is_dhcp_enabled", "description",
    "ipv6_address_mode", "ipv6_ra_mode", "subnet_pool_id", "segment_id", "dns_publish_fixed_ip",
    "revision_number", "created_at", "updated_at",
)
PORT_FIELDS = (
    "network_id", "mac_address", "device_id", "device_owner", "status", "is_admin_state_up",
    "is_port_security_enabled", "description", "binding_host_id", "binding_vif_type",
    "binding_vnic_type", "propagate_uplink_status", "numa_affinity_policy", "qos_policy_id",
    "data_plane_status", "trusted", "revision_number", "created_at", "updated_at",
    "ip_allocation", "device_profile", "dns_assignment", "dns_domain", "dns_name",
    "hardware_offload_type", "pvlan_type", "pvlan_community", "resource_request",
    "qos_network_policy_id", "trunk_details",
)
ROUTER_FIELDS = (
    "description", "is_admin_state_up", "status", "external_gateway_info", "enable_ndp_proxy",
    "flavor_id", "revision_number", "created_at", "updated_at", "is_distributed", "is_ha",
)
FLOATING_IP_FIELDS = (
    "floating_network_id", "floating_ip_address", "port_id", "fixed_ip_address", "router_id",
    "status", "description", "qos_policy_id", "dns_domain", "dns_name", "revision_number",
    "created_at", "updated_at", "port_details",
)


# Keys the real client never shows, though Neutron sends them (python-openstackclient's
# hidden columns).
HIDDEN_KEYS = frozenset({"tenant_id", "location"})


@functools.cache
def _known(cls: type[sdk_resource.Resource]) -> frozenset[str]:
    return frozenset(cls().to_dict(computed=False, headers=False))


def extra_attributes(res: sdk_resource.Resource) -> dict[str, Any]:
    """What Neutron sent beyond openstacksdk's attributes, as the real client shows it."""
    known = _known(type(res))
    return {
        key: value for key, value in res.to_dict(computed=False, headers=False).items()
        if key not in known and key not in HIDDEN_KEYS
    }


def _scalars(res: sdk_resource.Resource, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(res, name) for name in names}


def _lists(res: sdk_resource.Resource, *names: str) -> dict[str, Any]:
    return {name: list(getattr(res, name) or []) for name in names}


def _common(res: sdk_resource.Resource) -> dict[str, Any]:
    return {"id": res.id, "name": res.name, "project_id": res.project_id,
            "tags": list(getattr(res, "tags", None) or [])}


def network_from_sdk(res: sdk_resource.Resource) -> Network:
    return Network(
        **_common(res),
        **_scalars(res, NETWORK_FIELDS),
        **_lists(res, "availability_zone_hints", "availability_zones"),
        subnet_ids=list(res.subnet_ids or []),
        extra_attributes=extra_attributes(res),
    )


def subnet_from_sdk(res: sdk_resource.Resource) -> Subnet:
    return Subnet(
        **_common(res),
        **_scalars(res, SUBNET_FIELDS),
        **_lists(res, "allocation_pools", "dns_nameservers", "host_routes", "service_types"),
        extra_attributes=extra_attributes(res),
    )


def port_from_sdk(res: sdk_resource.Resource) -> Port:
    return Port(
        **_common(res),
        **_scalars(res, PORT_FIELDS),
        **_lists(res, "fixed_ips", "security_group_ids", "allowed_address_pairs",
                 "extra_dhcp_opts"),
        binding_profile=dict(res.binding_profile or {}),
        binding_vif_details=dict(res.binding_vif_details or {}),
        # openstacksdk has no attribute for it; the real client reads it with getattr(..., "").
        hints=getattr(res, "hints", ""),
    )


def router_from_sdk(res: sdk_resource.Resource) -> Router:
    return Router(
        **_common(res),
        **_scalars(res, ROUTER_FIELDS),
        **_lists(res, "routes", "availability_zone_hints", "availability_zones"),
        extra_attributes=extra_attributes(res),
    )


def floating_ip_from_sdk(res: sdk_resource.Resource) -> FloatingIP:
    return FloatingIP(
        id=res.id,
        name=res.floating_ip_address or "",
        project_id=res.project_id,
        tags=list(res.tags or []),
        # Neutron does not show the address's own port; ostack never needs it from a cloud.
        floating_port_id="",
        **_scalars(res, FLOATING_IP_FIELDS),
        # Sent by a Neutron with the port forwarding plugin.
        port_forwardings=extra_attributes(res).get("port_forwardings"),
    )


def fixed_ips_body(requests: list[FixedIPRequest]) -> list[dict[str, str]]:
    body = []
    for request in requests:
        entry = {}
        if request.subnet_id:
            entry["subnet_id"] = request.subnet_id
        if request.ip_address:
            entry["ip_address"] = request.ip_address
        body.append(entry)
    return body


def tag_query(tags: TagFilter | None) -> dict[str, str]:
    """The real client's tag filters: each a comma-separated list."""
    if tags is None:
        return {}
    query = {}
    for name in ("tags", "any_tags", "not_tags", "not_any_tags"):
        values = getattr(tags, name)
        if values:
            query[name] = ",".join(values)
    return query


def present(**values: Any) -> dict[str, Any]:
    """The keyword arguments that were given (not None)."""
    return {k: v for k, v in values.items() if v is not None}
