"""Neutron's ports (``/v2.0/ports``) on the local backend's port service
(neutron_lib/api/definitions/port.py, portbindings, port-security, allowed-address-pairs)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import neutron_common as nc
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.neutron import NEUTRON
from ostack_cli.api.neutron_common import Attr
from ostack_cli.api.neutron_networks import network_by_id
from ostack_cli.api.neutron_views import port_view
from ostack_cli.backend.models.network import FixedIPRequest, Port, PortSpec

PORT_ATTRS = nc.attrs(
    Attr("id", "string", put=False), Attr("name", "string"), *nc.OWNER,
    Attr("network_id", "uuid", put=False, required=True), Attr("admin_state_up", "bool"),
    Attr("mac_address", "string"), Attr("fixed_ips", "list"), Attr("device_id", "string"),
    Attr("device_owner", "string"), Attr("status", post=False, put=False),
    Attr("security_groups", "list"), Attr("port_security_enabled", "bool"),
    Attr("allowed_address_pairs", "list"), Attr("extra_dhcp_opts", "list"),
    Attr("binding:host_id", "string"), Attr("binding:profile", "dict"),
    Attr("binding:vnic_type", "string"), Attr("binding:vif_type", post=False, put=False),
    Attr("binding:vif_details", post=False, put=False), Attr("description", "string"),
    Attr("qos_policy_id"), Attr("propagate_uplink_status", "bool"),
    Attr("numa_affinity_policy"), Attr("data_plane_status", post=False), Attr("tags", "list"),
)
PORT_CHANGES = {
    "name": "name", "description": "description", "admin_state_up": "is_admin_state_up",
    "device_id": "device_id", "device_owner": "device_owner", "mac_address": "mac_address",
    "security_groups": "security_group_ids",
    "port_security_enabled": "is_port_security_enabled",
    "allowed_address_pairs": "allowed_address_pairs", "binding:profile": "binding_profile",
    "binding:host_id": "binding_host_id", "binding:vnic_type": "binding_vnic_type",
    "qos_policy_id": "qos_policy_id", "data_plane_status": "data_plane_status",
    "propagate_uplink_status": "propagate_uplink_status",
    "numa_affinity_policy": "numa_affinity_policy", "tags": "tags",
}


def _admin(req: ApiRequest) -> bool:
    return bool(req.principal and req.principal.is_admin)


def port_by_id(req: ApiRequest, port_id: str) -> Port:
    return nc.by_id(req.backend.find_port, port_id, nc.not_found(
        "PortNotFound", f"Port {port_id} could not be found."))


def _fixed_ips(value: Any) -> list[FixedIPRequest]:
    requests = []
    for entry in value:
        if not isinstance(entry, dict) or set(entry) - {"subnet_id", "ip_address"}:
            raise ApiFault(400, f"Invalid input for fixed_ips. Reason: Invalid data format "
                                f"for fixed IP: '{entry}'.", kind="HTTPBadRequest")
        requests.append(FixedIPRequest(subnet_id=entry.get("subnet_id"),
                                       ip_address=entry.get("ip_address")))
    return requests


def _fixed_ip_filters(req: ApiRequest) -> list[dict[str, str]] | None:
    """``?fixed_ips=ip_address=10.0.0.3&fixed_ips=subnet_id=...`` as the backend takes it."""
    values = req.params.get("fixed_ips")
    if not values:
        return None
    filters = []
    for value in values:
        key, _, wanted = value.partition("=")
        filters.append({key: wanted})
    return filters


@NEUTRON.route("GET", "/v2.0/ports")
def list_ports(req: ApiRequest) -> Reply:
    admin = _admin(req)
    ports = req.backend.ports(fixed_ips=_fixed_ip_filters(req))
    return nc.listed(req, "ports", (port_view(p, admin=admin) for p in ports),
                     ignored=("fixed_ips",))


@NEUTRON.route("GET", "/v2.0/ports/{port_id}")
def show_port(req: ApiRequest, port_id: str) -> Reply:
    return nc.one(req, "port", port_view(port_by_id(req, port_id), admin=_admin(req)))


@NEUTRON.route("POST", "/v2.0/ports")
def create_port(req: ApiRequest) -> Reply:
    values = nc.body(req, "port", PORT_ATTRS, creating=True)
    network = network_by_id(req, values["network_id"])
    fixed_ips = values.get("fixed_ips")
    spec = PortSpec(
        network_id=network.id, name=values.get("name") or "",
        project_id=nc.owner(req, values),
        fixed_ips=None if fixed_ips is None else _fixed_ips(fixed_ips),
        mac_address=values.get("mac_address"), device_id=values.get("device_id") or "",
        device_owner=values.get("device_owner") or "",
        security_group_ids=values.get("security_groups"),
        port_security_enabled=values.get("port_security_enabled"),
        admin_state_up=values.get("admin_state_up", True),
        description=values.get("description") or "",
        binding_host_id=values.get("binding:host_id") or "",
        binding_vnic_type=values.get("binding:vnic_type") or "normal",
        binding_profile=dict(values.get("binding:profile") or {}),
        allowed_address_pairs=list(values.get("allowed_address_pairs") or []),
        tags=list(values.get("tags") or []))
    port = req.backend.create_port(spec)
    return nc.one(req, "port", port_view(port, admin=_admin(req)), 201)


@NEUTRON.route("PUT", "/v2.0/ports/{port_id}")
def update_port(req: ApiRequest, port_id: str) -> Reply:
    values = nc.body(req, "port", PORT_ATTRS, creating=False)
    port = port_by_id(req, port_id)
    changes: dict[str, Any] = {PORT_CHANGES[k]: v for k, v in values.items()
                               if k in PORT_CHANGES}
    if "fixed_ips" in values:
        changes["fixed_ips"] = _fixed_ips(values["fixed_ips"] or [])
    updated = req.backend.update_port(port, **changes) if changes else port
    return nc.one(req, "port", port_view(updated, admin=_admin(req)))


@NEUTRON.route("DELETE", "/v2.0/ports/{port_id}")
def delete_port(req: ApiRequest, port_id: str) -> Reply:
    req.backend.delete_port(port_by_id(req, port_id))
    return Reply(204)
