"""Neutron's bodies for its resources, from the backend's models: Neutron's attribute names,
the extensions the local backend declares (``api_extensions.NEUTRON_EXTENSIONS``), and
Neutron's default policy on what only an admin reads (``provider:*``, ``binding:*`` but the
VNIC type)."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.models.network import FloatingIP, Network, Port, Router, Subnet
from ostack_cli.backend.models.security_group import SecurityGroup, SecurityGroupRule


def _owner(project_id: str) -> dict[str, str]:
    return {"tenant_id": project_id, "project_id": project_id}


def _standard(resource: Any) -> dict[str, Any]:
    """The standard attributes: description, tags, timestamps and revision."""
    return {"description": resource.description, "tags": list(resource.tags),
            "created_at": resource.created_at, "updated_at": resource.updated_at,
            "revision_number": resource.revision_number}


def _optional(body: dict[str, Any], **values: Any) -> None:
    """Attributes of extensions Neutron shows only when it has them (None: absent)."""
    body.update({k: v for k, v in values.items() if v is not None})


def network_view(network: Network, *, admin: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"id": network.id, "name": network.name, **_owner(network.project_id),
                            "admin_state_up": network.is_admin_state_up, "mtu": network.mtu,
                            "status": network.status, "subnets": list(network.subnet_ids),
                            "shared": network.is_shared,
                            "availability_zone_hints": list(network.availability_zone_hints),
                            "availability_zones": list(network.availability_zones),
                            "router:external": network.is_router_external,
                            "port_security_enabled": network.is_port_security_enabled}
    if admin:
        body.update({"provider:network_type": network.provider_network_type,
                     "provider:physical_network": network.provider_physical_network,
                     "provider:segmentation_id": network.provider_segmentation_id})
    _optional(body, is_default=network.is_default, dns_domain=network.dns_domain,
              qos_policy_id=network.qos_policy_id,
              ipv4_address_scope=network.ipv4_address_scope_id,
              ipv6_address_scope=network.ipv6_address_scope_id,
              vlan_transparent=network.is_vlan_transparent, qinq=network.is_vlan_qinq,
              pvlan=network.pvlan, segments=network.segments)
    body.update(_standard(network))
    body.update({k: v for k, v in network.extra_attributes.items() if k not in body})
    return body


def subnet_view(subnet: Subnet) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": subnet.id, "name": subnet.name, **_owner(subnet.project_id),
        "network_id": subnet.network_id, "ip_version": subnet.ip_version,
        "subnetpool_id": subnet.subnet_pool_id, "enable_dhcp": subnet.is_dhcp_enabled,
        "ipv6_ra_mode": subnet.ipv6_ra_mode, "ipv6_address_mode": subnet.ipv6_address_mode,
        "gateway_ip": subnet.gateway_ip, "cidr": subnet.cidr,
        "allocation_pools": [dict(p) for p in subnet.allocation_pools],
        "host_routes": [dict(r) for r in subnet.host_routes],
        "dns_nameservers": list(subnet.dns_nameservers),
        "service_types": list(subnet.service_types),
    }
    _optional(body, segment_id=subnet.segment_id,
              dns_publish_fixed_ip=subnet.dns_publish_fixed_ip)
    body.update(_standard(subnet))
    body.update({k: v for k, v in subnet.extra_attributes.items() if k not in body})
    return body


def port_view(port: Port, *, admin: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": port.id, "name": port.name, "network_id": port.network_id,
        **_owner(port.project_id), "mac_address": port.mac_address,
        "admin_state_up": port.is_admin_state_up, "status": port.status,
        "device_id": port.device_id, "device_owner": port.device_owner,
        "fixed_ips": [dict(ip) for ip in port.fixed_ips],
        "allowed_address_pairs": [dict(p) for p in port.allowed_address_pairs],
        "extra_dhcp_opts": [dict(o) for o in port.extra_dhcp_opts],
        "security_groups": list(port.security_group_ids),
        "binding:vnic_type": port.binding_vnic_type,
        "port_security_enabled": port.is_port_security_enabled,
    }
    if admin:
        body.update({"binding:profile": dict(port.binding_profile),
                     "binding:host_id": port.binding_host_id,
                     "binding:vif_type": port.binding_vif_type,
                     "binding:vif_details": dict(port.binding_vif_details)})
    _optional(body, ip_allocation=port.ip_allocation, hints=port.hints,
              device_profile=port.device_profile, dns_assignment=port.dns_assignment,
              dns_domain=port.dns_domain, dns_name=port.dns_name,
              hardware_offload_type=port.hardware_offload_type,
              propagate_uplink_status=port.propagate_uplink_status,
              numa_affinity_policy=port.numa_affinity_policy,
              qos_policy_id=port.qos_policy_id,
              qos_network_policy_id=port.qos_network_policy_id,
              data_plane_status=port.data_plane_status, trusted=port.trusted,
              resource_request=port.resource_request, trunk_details=port.trunk_details)
    body.update(_standard(port))
    return body


def router_view(router: Router) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": router.id, "name": router.name, **_owner(router.project_id),
        "admin_state_up": router.is_admin_state_up, "status": router.status,
        "external_gateway_info": router.external_gateway_info,
        "availability_zone_hints": list(router.availability_zone_hints),
        "availability_zones": list(router.availability_zones),
        "routes": [dict(r) for r in router.routes],
    }
    _optional(body, distributed=router.is_distributed, ha=router.is_ha,
              flavor_id=router.flavor_id, enable_ndp_proxy=router.enable_ndp_proxy)
    body.update(_standard(router))
    body.update({k: v for k, v in router.extra_attributes.items() if k not in body})
    return body


def floating_ip_view(fip: FloatingIP) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": fip.id, **_owner(fip.project_id),
        "floating_ip_address": fip.floating_ip_address,
        "floating_network_id": fip.floating_network_id, "router_id": fip.router_id,
        "port_id": fip.port_id, "fixed_ip_address": fip.fixed_ip_address,
        "status": fip.status, "port_details": fip.port_details,
    }
    _optional(body, qos_policy_id=fip.qos_policy_id, dns_domain=fip.dns_domain,
              dns_name=fip.dns_name, port_forwardings=fip.port_forwardings)
    body.update(_standard(fip))
    return body


def rule_view(rule: SecurityGroupRule, *, nested: bool = False,
              fresh: bool = False) -> dict[str, Any]:
    """A rule as ``/security-group-rules`` shows it, or ``nested`` in its group's
    ``security_group_rules``, where Neutron adds ``standard_attr_id`` and ``tags`` and fills
    ``belongs_to_default_sg`` only in a group it has just made (``fresh``)."""
    body: dict[str, Any] = {
        "id": rule.id, "project_id": rule.project_id,
        "security_group_id": rule.security_group_id, "ethertype": rule.ethertype,
        "direction": rule.direction, "protocol": rule.protocol,
        "port_range_min": rule.port_range_min, "port_range_max": rule.port_range_max,
        "remote_ip_prefix": rule.remote_ip_prefix,
        "remote_address_group_id": rule.remote_address_group_id,
        "normalized_cidr": rule.normalized_cidr, "remote_group_id": rule.remote_group_id,
    }
    if nested:
        body["standard_attr_id"] = rule.standard_attr_id
    body["belongs_to_default_sg"] = (rule.belongs_to_default_sg if fresh or not nested
                                     else None)
    body["description"] = rule.description
    if nested:
        body["tags"] = []
    body.update({"created_at": rule.created_at, "updated_at": rule.updated_at,
                 "revision_number": rule.revision_number, "tenant_id": rule.project_id})
    return body


def group_view(group: SecurityGroup, rules: list[SecurityGroupRule], *,
               fresh: bool = False) -> dict[str, Any]:
    return {
        "id": group.id, "name": group.name, "stateful": group.stateful,
        **_owner(group.project_id), "description": group.description, "shared": group.shared,
        "security_group_rules": [rule_view(r, nested=True, fresh=fresh) for r in rules],
        "tags": list(group.tags), "created_at": group.created_at,
        "updated_at": group.updated_at, "revision_number": group.revision_number,
    }
