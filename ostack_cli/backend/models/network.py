"""Neutron networks, subnets, ports, routers and floating IPs.

Field names follow openstacksdk (``is_admin_state_up``, ``subnet_ids``, ...); the commands
rename them to the real client's column names (``admin_state_up``, ``subnets``, ...).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource

# neutron-lib constants: the device owners Neutron gives its own ports.
DEVICE_OWNER_ROUTER_INTF = "network:router_interface"
DEVICE_OWNER_ROUTER_GW = "network:router_gateway"
DEVICE_OWNER_FLOATINGIP = "network:floatingip"
DEVICE_OWNER_DHCP = "network:dhcp"
DEVICE_OWNER_DISTRIBUTED = "network:distributed"
DEVICE_OWNER_AGENT_GW = "network:floatingip_agent_gateway"
# Ports Neutron deletes along with their network or subnet (neutron/common/_constants.py).
AUTO_DELETE_PORT_OWNERS = (DEVICE_OWNER_DHCP, DEVICE_OWNER_DISTRIBUTED, DEVICE_OWNER_AGENT_GW)
ROUTER_INTERFACE_OWNERS = (
    DEVICE_OWNER_ROUTER_INTF,
    "network:ha_router_replicated_interface",
    "network:router_interface_distributed",
)
# Ports whose owner starts with this are Neutron's own: no security groups, no floating IPs.
DEVICE_OWNER_NETWORK_PREFIX = "network:"

# A Linux bridge on one host: tenant networks are "local" (no segmentation) and external
# ones are "flat" on the physical network "external", as a Neutron admin would declare them.
INTERNAL_NETWORK_TYPE = "local"
EXTERNAL_NETWORK_TYPE = "flat"
EXTERNAL_PHYSICAL_NETWORK = "external"

PORT_STATUS_DOWN = "DOWN"
PORT_STATUS_ACTIVE = "ACTIVE"
PORT_STATUS_NOTAPPLICABLE = "N/A"
FLOATINGIP_STATUS_DOWN = "DOWN"
FLOATINGIP_STATUS_ACTIVE = "ACTIVE"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Network(Resource):
    KIND = "network"
    RESOURCE_NAME = "Network"

    project_id: str
    description: str = ""
    is_admin_state_up: bool = True
    is_shared: bool = False
    is_router_external: bool = False
    # Neutron reports is_default only for external networks.
    is_default: bool | None = None
    mtu: int = 1500
    is_port_security_enabled: bool = True
    # None where the requester may not see it (Neutron's admin-only provider attributes).
    provider_network_type: str | None = INTERNAL_NETWORK_TYPE
    provider_physical_network: str | None = None
    provider_segmentation_id: int | None = None
    availability_zone_hints: list[str] = dataclasses.field(default_factory=list)
    availability_zones: list[str] = dataclasses.field(default_factory=list)
    dns_domain: str | None = None
    qos_policy_id: str | None = None
    subnet_ids: list[str] = dataclasses.field(default_factory=list)
    status: str = "ACTIVE"
    tags: list[str] = dataclasses.field(default_factory=list)
    revision_number: int = 1
    created_at: str = ""
    updated_at: str = ""
    # Extensions the local backend does not have (None: Neutron did not show them).
    ipv4_address_scope_id: str | None = None
    ipv6_address_scope_id: str | None = None
    is_vlan_transparent: bool | None = None
    is_vlan_qinq: bool | None = None
    pvlan: bool | None = None
    segments: list[dict[str, Any]] | None = None
    # What Neutron sent that openstacksdk has no attribute for (``qinq`` of a network,
    # ``router:external`` of a subnet): the real client shows such keys as sent.
    extra_attributes: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Subnet(Resource):
    KIND = "subnet"
    RESOURCE_NAME = "Subnet"

    project_id: str
    network_id: str
    cidr: str
    ip_version: int = 4
    gateway_ip: str | None = None
    # [{"start": ip, "end": ip}], Neutron's order.
    allocation_pools: list[dict[str, str]] = dataclasses.field(default_factory=list)
    dns_nameservers: list[str] = dataclasses.field(default_factory=list)
    # [{"destination": cidr, "nexthop": ip}]
    host_routes: list[dict[str, str]] = dataclasses.field(default_factory=list)
    is_dhcp_enabled: bool = True
    description: str = ""
    ipv6_address_mode: str | None = None
    ipv6_ra_mode: str | None = None
    service_types: list[str] = dataclasses.field(default_factory=list)
    subnet_pool_id: str | None = None
    segment_id: str | None = None
    dns_publish_fixed_ip: bool | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    revision_number: int = 0
    created_at: str = ""
    updated_at: str = ""
    extra_attributes: dict[str, Any] = dataclasses.field(default_factory=dict)

    def pool_ranges(self) -> list[tuple[str, str]]:
        return [(p["start"], p["end"]) for p in self.allocation_pools]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Port(Resource):
    KIND = "port"
    RESOURCE_NAME = "Port"

    project_id: str
    network_id: str
    mac_address: str
    # [{"subnet_id": id, "ip_address": ip}]
    fixed_ips: list[dict[str, str]] = dataclasses.field(default_factory=list)
    device_id: str = ""
    device_owner: str = ""
    status: str = PORT_STATUS_DOWN
    is_admin_state_up: bool = True
    is_port_security_enabled: bool = True
    security_group_ids: list[str] = dataclasses.field(default_factory=list)
    description: str = ""
    allowed_address_pairs: list[dict[str, str]] = dataclasses.field(default_factory=list)
    extra_dhcp_opts: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    binding_host_id: str = ""
    binding_profile: dict[str, Any] = dataclasses.field(default_factory=dict)
    binding_vif_details: dict[str, Any] = dataclasses.field(default_factory=dict)
    binding_vif_type: str = "unbound"
    binding_vnic_type: str = "normal"
    propagate_uplink_status: bool | None = None
    numa_affinity_policy: str | None = None
    qos_policy_id: str | None = None
    data_plane_status: str | None = None
    trusted: bool | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    revision_number: int = 1
    created_at: str = ""
    updated_at: str = ""
    # Neutron's extensions; the defaults are what the local backend shows. The real client
    # prints "" for hints when Neutron has no port-hints extension.
    ip_allocation: str | None = "immediate"
    hints: Any = None
    device_profile: str | None = None
    dns_assignment: list[dict[str, Any]] | None = None
    dns_domain: str | None = None
    dns_name: str | None = None
    hardware_offload_type: str | None = None
    pvlan_type: str | None = None
    pvlan_community: str | None = None
    resource_request: dict[str, Any] | None = None
    qos_network_policy_id: str | None = None
    trunk_details: dict[str, Any] | None = None

    def unique_key(self) -> str | None:
        # Neutron: a MAC address is unique within a network.
        return f"{self.network_id}/{self.mac_address}"

    def ip_addresses(self) -> list[str]:
        return [ip["ip_address"] for ip in self.fixed_ips]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Router(Resource):
    KIND = "router"
    RESOURCE_NAME = "Router"

    project_id: str
    description: str = ""
    is_admin_state_up: bool = True
    status: str = "ACTIVE"
    # Neutron's shape: {"network_id", "external_fixed_ips": [{"subnet_id", "ip_address"}],
    # "enable_snat"}, or None without a gateway.
    external_gateway_info: dict[str, Any] | None = None
    gw_port_id: str | None = None
    # [{"destination": cidr, "nexthop": ip}]
    # Neutron returns these to admins only (the local user administers its project).
    is_distributed: bool | None = None
    is_ha: bool | None = None
    routes: list[dict[str, str]] = dataclasses.field(default_factory=list)
    availability_zone_hints: list[str] = dataclasses.field(default_factory=list)
    availability_zones: list[str] = dataclasses.field(default_factory=list)
    enable_ndp_proxy: bool | None = None
    flavor_id: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    revision_number: int = 1
    created_at: str = ""
    updated_at: str = ""
    # What Neutron sent beyond openstacksdk's attributes (an extra-routes action answers
    # with the L3 plugin's whole router dict: gw_port_id, enable_snat, ha_vr_id, ...).
    extra_attributes: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class FloatingIP(Resource):
    """A floating IP; its ``name`` is its address, as openstacksdk's ``find_ip`` matches it."""

    KIND = "floating_ip"
    RESOURCE_NAME = "FloatingIP"

    project_id: str
    floating_network_id: str
    floating_ip_address: str
    # The hidden network:floatingip port that holds the address.
    floating_port_id: str
    port_id: str | None = None
    fixed_ip_address: str | None = None
    router_id: str | None = None
    status: str = FLOATINGIP_STATUS_DOWN
    description: str = ""
    qos_policy_id: str | None = None
    dns_domain: str | None = None
    dns_name: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    revision_number: int = 0
    created_at: str = ""
    updated_at: str = ""
    # Filled on read from the associated port (fip-port-details extension).
    port_details: dict[str, Any] | None = None
    # Filled on read (expose-port-forwarding-in-fip); None where Neutron sends none.
    port_forwardings: list[dict[str, Any]] | None = None


# -- what the create commands ask for ------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class NetworkSpec:
    name: str
    project_id: str | None = None
    description: str = ""
    admin_state_up: bool = True
    shared: bool | None = None
    external: bool = False
    is_default: bool | None = None
    # As given (the API checks it): text or a number.
    mtu: int | str | None = None
    port_security_enabled: bool = True
    availability_zone_hints: list[str] = dataclasses.field(default_factory=list)
    provider_network_type: str | None = None
    provider_physical_network: str | None = None
    provider_segmentation_id: str | None = None
    dns_domain: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SubnetSpec:
    name: str
    network_id: str
    cidr: str | None
    project_id: str | None = None
    ip_version: int = 4
    # "auto": the first host address; None: no gateway.
    gateway_ip: str | None = "auto"
    allocation_pools: list[dict[str, str]] | None = None
    dns_nameservers: list[str] = dataclasses.field(default_factory=list)
    host_routes: list[dict[str, str]] = dataclasses.field(default_factory=list)
    enable_dhcp: bool = True
    description: str = ""
    ipv6_address_mode: str | None = None
    ipv6_ra_mode: str | None = None
    service_types: list[str] = dataclasses.field(default_factory=list)
    dns_publish_fixed_ip: bool | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    # A CIDR from a subnet pool: this one, or the default pool of the IP version, with
    # ``prefixlen`` (as given; Neutron converts it) or the pool's default.
    subnet_pool_id: str | None = None
    use_default_subnet_pool: bool = False
    prefixlen: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class FixedIPRequest:
    """One ``--fixed-ip``: a subnet, an address, or both."""

    subnet_id: str | None = None
    ip_address: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class PortSpec:
    network_id: str
    name: str = ""
    project_id: str | None = None
    # None: one address from the first subnet of each IP version (Neutron's default).
    fixed_ips: list[FixedIPRequest] | None = None
    mac_address: str | None = None
    device_id: str = ""
    device_owner: str = ""
    # None: the project's default group (when port security is on).
    security_group_ids: list[str] | None = None
    # None: the network's setting.
    port_security_enabled: bool | None = None
    admin_state_up: bool = True
    description: str = ""
    binding_host_id: str = ""
    binding_vnic_type: str = "normal"
    binding_profile: dict[str, Any] = dataclasses.field(default_factory=dict)
    allowed_address_pairs: list[dict[str, str]] = dataclasses.field(default_factory=list)
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RouterSpec:
    name: str
    project_id: str | None = None
    description: str = ""
    admin_state_up: bool = True
    external_network_id: str | None = None
    external_fixed_ips: list[FixedIPRequest] = dataclasses.field(default_factory=list)
    enable_snat: bool | None = None
    availability_zone_hints: list[str] = dataclasses.field(default_factory=list)
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, kw_only=True)
class FloatingIPSpec:
    floating_network_id: str
    project_id: str | None = None
    subnet_id: str | None = None
    floating_ip_address: str | None = None
    port_id: str | None = None
    fixed_ip_address: str | None = None
    description: str = ""
    dns_domain: str | None = None
    dns_name: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, kw_only=True)
class TagFilter:
    """``--tags/--any-tags/--not-tags/--not-any-tags`` of the list commands."""

    tags: list[str] = dataclasses.field(default_factory=list)
    any_tags: list[str] = dataclasses.field(default_factory=list)
    not_tags: list[str] = dataclasses.field(default_factory=list)
    not_any_tags: list[str] = dataclasses.field(default_factory=list)

    def matches(self, tags: list[str]) -> bool:
        have = set(tags)
        if self.tags and not set(self.tags) <= have:
            return False
        if self.any_tags and not set(self.any_tags) & have:
            return False
        if self.not_tags and set(self.not_tags) <= have:
            return False
        return not (self.not_any_tags and set(self.not_any_tags) & have)


@dataclasses.dataclass(frozen=True, kw_only=True)
class BootstrapSpec:
    """What ``ostack bootstrap`` sets up: an external network, a private one, a router."""

    external_network: str = "External"
    # None: the backend picks a range this host does not route yet.
    external_cidr: str | None = None
    external_pool_start: str | None = None
    external_pool_end: str | None = None
    private_network: str = "private"
    private_cidr: str = "10.0.0.0/24"
    router: str = "router1"


@dataclasses.dataclass(frozen=True, kw_only=True)
class BootstrapItem:
    """One row of ``ostack bootstrap``: a resource and whether this run made it."""

    resource: str
    name: str
    id: str
    created: bool
