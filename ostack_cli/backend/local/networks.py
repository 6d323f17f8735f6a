"""Networks and subnets in the local store, with Neutron's rules and messages."""

from __future__ import annotations

import ipaddress
from typing import Any

from ostack_cli.backend.local import ipam
from ostack_cli.backend.local.ipam import invalid_input
from ostack_cli.backend.local.net_base import NetworkingBase, bumped, unknown_changes
from ostack_cli.backend.local.neutron_input import (
    IPV4_MIN_MTU,
    check_description,
    check_name,
    check_tags,
    parse_mtu,
)
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.network import (
    AUTO_DELETE_PORT_OWNERS,
    DEVICE_OWNER_ROUTER_GW,
    EXTERNAL_NETWORK_TYPE,
    EXTERNAL_PHYSICAL_NETWORK,
    INTERNAL_NETWORK_TYPE,
    ROUTER_INTERFACE_OWNERS,
    Network,
    NetworkSpec,
    Subnet,
    SubnetSpec,
    TagFilter,
)
from ostack_cli.errors import Conflict

IPV6_MIN_MTU = 1280
SUPPORTED_NETWORK_TYPES = ("flat", "local")

NETWORK_CHANGES = (
    "name", "description", "is_admin_state_up", "is_shared", "mtu", "is_port_security_enabled",
    "is_router_external", "is_default", "provider_network_type", "provider_physical_network",
    "provider_segmentation_id", "dns_domain", "qos_policy_id", "tags",
)
SUBNET_CHANGES = (
    "name", "description", "gateway_ip", "allocation_pools", "dns_nameservers", "host_routes",
    "is_dhcp_enabled", "service_types", "dns_publish_fixed_ip", "tags",
)


def _provider(spec: NetworkSpec) -> tuple[str, str | None, int | None]:
    """The network's segment, checked as ML2's flat and local type drivers do."""
    network_type = spec.provider_network_type or (
        EXTERNAL_NETWORK_TYPE if spec.external else INTERNAL_NETWORK_TYPE
    )
    if network_type not in SUPPORTED_NETWORK_TYPES:
        raise invalid_input(f"network_type value '{network_type}' not supported")
    physical = spec.provider_physical_network
    if spec.provider_segmentation_id is not None:
        raise invalid_input(f"segmentation_id prohibited for {network_type} provider network")
    if network_type == "flat":
        physical = physical or (EXTERNAL_PHYSICAL_NETWORK if spec.external else None)
        if not physical:
            raise invalid_input("physical_network required for flat provider network")
    elif physical:
        raise invalid_input(f"physical_network prohibited for {network_type} provider network")
    return network_type, physical, None


class LocalNetworks(NetworkingBase):
    # -- networks ---------------------------------------------------------------------

    def networks(
        self,
        *,
        name: str | None = None,
        project_id: str | None = None,
        external: bool | None = None,
        admin_state_up: bool | None = None,
        shared: bool | None = None,
        status: str | None = None,
        provider_network_type: str | None = None,
        provider_physical_network: str | None = None,
        provider_segmentation_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[Network]:
        result = []
        for network in self.store.list(Network, name=name, project_id=project_id):
            checks = (
                (external, network.is_router_external),
                (admin_state_up, network.is_admin_state_up),
                (shared, network.is_shared),
                (status, network.status),
                (provider_network_type, network.provider_network_type),
                (provider_physical_network, network.provider_physical_network),
                (provider_segmentation_id, None if network.provider_segmentation_id is None
                 else str(network.provider_segmentation_id)),
            )
            if any(wanted is not None and wanted != have for wanted, have in checks):
                continue
            if tags is not None and not tags.matches(network.tags):
                continue
            if self._network_visible(network):
                result.append(network)
        return result

    def find_network(self, name_or_id: str) -> Network:
        return self._find(Network, name_or_id, visible=self._network_visible)

    def create_network(self, spec: NetworkSpec) -> Network:
        check_name(spec.name)
        check_description(spec.description)
        mtu = 1500 if spec.mtu is None else parse_mtu(spec.mtu)
        network_type, physical, segment = _provider(spec)
        now = utcnow()
        network = Network(
            id=new_id(),
            name=spec.name,
            project_id=spec.project_id or self.project_id,
            description=spec.description,
            is_admin_state_up=spec.admin_state_up,
            is_shared=bool(spec.shared),
            is_router_external=spec.external,
            is_default=bool(spec.is_default) if spec.external else None,
            mtu=mtu,
            is_port_security_enabled=spec.port_security_enabled,
            provider_network_type=network_type,
            provider_physical_network=physical,
            provider_segmentation_id=segment,
            availability_zone_hints=list(spec.availability_zone_hints),
            dns_domain=spec.dns_domain,
            tags=check_tags(spec.tags),
            created_at=now,
            updated_at=now,
        )
        with self.store.transaction():
            self.store.insert(network)
        return network

    def update_network(self, network: Network, **changes: Any) -> Network:
        unknown_changes(changes, NETWORK_CHANGES)
        check_name(changes.get("name"))
        check_description(changes.get("description"))
        if changes.get("mtu") is not None:
            changes["mtu"] = parse_mtu(changes["mtu"])
        if "tags" in changes:
            changes["tags"] = check_tags(changes["tags"])
        provider = {"provider_network_type", "provider_physical_network",
                    "provider_segmentation_id"}
        with self.store.transaction():
            current = self._load(Network, network.id)
            if any(changes.get(k) is not None and changes[k] != getattr(current, k)
                   for k in provider):
                raise invalid_input("Plugin does not support updating provider attributes")
            changes = {k: v for k, v in changes.items() if k not in provider}
            self._check_network_update(current, changes)
            updated = bumped(current, **changes)
            if updated.is_router_external and updated.is_default is None:
                updated = updated.replace(is_default=False)
            if not updated.is_router_external:
                updated = updated.replace(is_default=None)
            self.store.update(updated)
        return updated

    def _check_network_update(self, current: Network, changes: dict[str, Any]) -> None:
        unexternal = changes.get("is_router_external") is False and current.is_router_external
        if unexternal and any(
            p.device_owner == DEVICE_OWNER_ROUTER_GW for p in self._network_ports(current.id)
        ):
            raise Conflict(
                f"External network {current.id} cannot be updated to be made "
                "non-external, since it has existing gateway ports."
            )
        if changes.get("is_shared") is False and current.is_shared:
            others = {p.project_id for p in self._network_ports(current.id)}
            if others - {current.project_id, ""}:
                raise Conflict(
                    f"Unable to reconfigure sharing settings for network {current.id}. "
                    "Multiple projects are using it."
                )
        mtu = changes.get("mtu")
        if mtu is not None and mtu < IPV6_MIN_MTU:
            for subnet in self._network_subnets(current.id):
                minimum = IPV4_MIN_MTU if subnet.ip_version == 4 else IPV6_MIN_MTU
                if mtu < minimum:
                    raise Conflict(
                        f"MTU of {current.id} is not valid, subnet requires a minimum of "
                        f"{minimum}"
                    )

    def delete_network(self, network: Network) -> None:
        with self.store.transaction():
            current = self._load(Network, network.id)
            ports = self._network_ports(current.id)
            in_use = [p.id for p in ports if p.device_owner not in AUTO_DELETE_PORT_OWNERS]
            if in_use:
                raise Conflict(
                    f"Unable to complete operation on network {current.id}. There are one or "
                    f"more ports still in use on the network, id for these ports is: "
                    f"{','.join(in_use)}."
                )
            for port in ports:
                self._drop_port(port)
            for subnet in self._network_subnets(current.id):
                self.store.delete(Subnet, subnet.id)
            self.store.delete(Network, current.id)

    # -- subnets ----------------------------------------------------------------------

    def subnets(
        self,
        *,
        network_id: str | None = None,
        name: str | None = None,
        project_id: str | None = None,
        ip_version: int | None = None,
        dhcp: bool | None = None,
        gateway_ip: str | None = None,
        cidr: str | None = None,
        service_types: list[str] | None = None,
        tags: TagFilter | None = None,
    ) -> list[Subnet]:
        result = []
        for subnet in self.store.list(Subnet, name=name, project_id=project_id):
            checks = (
                (network_id, subnet.network_id),
                (ip_version, subnet.ip_version),
                (dhcp, subnet.is_dhcp_enabled),
                (gateway_ip, subnet.gateway_ip),
                (cidr, subnet.cidr),
            )
            if any(wanted is not None and wanted != have for wanted, have in checks):
                continue
            if service_types and not set(service_types) <= set(subnet.service_types):
                continue
            if tags is not None and not tags.matches(subnet.tags):
                continue
            if self._subnet_visible(subnet):
                result.append(subnet)
        return result

    def find_subnet(self, name_or_id: str) -> Subnet:
        return self._find(Subnet, name_or_id, visible=self._subnet_visible)

    def create_subnet(self, spec: SubnetSpec) -> Subnet:
        subnet = self._checked_subnet(spec)
        with self.store.transaction():
            network = self._load(Network, spec.network_id)
            minimum = IPV4_MIN_MTU if subnet.ip_version == 4 else IPV6_MIN_MTU
            if network.mtu < minimum:
                raise Conflict(
                    f"MTU of {network.id} is not valid, subnet requires a minimum of {minimum}"
                )
            ipam.check_prefix_length(ipaddress.ip_network(subnet.cidr))
            for other in self._network_subnets(network.id):
                if ipam.overlaps(other.cidr, subnet.cidr):
                    raise invalid_input(
                        f"Requested subnet with cidr: {subnet.cidr} for network: {network.id} "
                        "overlaps with another subnet"
                    )
            self.store.insert(subnet)
            self.store.update(bumped(network, subnet_ids=[*network.subnet_ids, subnet.id]))
        return subnet

    def _checked_subnet(self, spec: SubnetSpec) -> Subnet:
        """The subnet a create request describes, checked in Neutron's order."""
        check_name(spec.name)
        check_description(spec.description)
        if spec.cidr is None:
            raise ipam.bad_request(
                "subnets", "a subnetpool must be specified in the absence of a cidr"
            )
        net = ipam.parse_cidr(spec.cidr, spec.ip_version)
        if spec.enable_dhcp:
            ipam.check_dhcp_prefix(net)
        gateway: str | None = None
        if spec.gateway_ip == "auto":
            gateway = ipam.default_gateway(net)
        elif spec.gateway_ip is not None:
            gateway = ipam.check_gateway(net, spec.gateway_ip)
        nameservers = ipam.check_nameservers(spec.dns_nameservers, net.version)
        routes = ipam.check_host_routes(spec.host_routes, net.version)
        if spec.ip_version == 4 and (spec.ipv6_ra_mode or spec.ipv6_address_mode):
            which = "ipv6_ra_mode" if spec.ipv6_ra_mode else "ipv6_address_mode"
            raise invalid_input(f"{which} is not valid when ip_version is 4")
        if spec.allocation_pools is None:
            pools = ipam.generate_pools(net, gateway)
        else:
            pools = ipam.check_pools(spec.allocation_pools, net, gateway)
        now = utcnow()
        return Subnet(
            id=new_id(),
            name=spec.name,
            project_id=spec.project_id or self.project_id,
            network_id=spec.network_id,
            cidr=str(net),
            ip_version=net.version,
            gateway_ip=gateway,
            allocation_pools=pools,
            dns_nameservers=nameservers,
            host_routes=routes,
            is_dhcp_enabled=spec.enable_dhcp,
            description=spec.description,
            ipv6_address_mode=spec.ipv6_address_mode,
            ipv6_ra_mode=spec.ipv6_ra_mode,
            service_types=list(spec.service_types),
            dns_publish_fixed_ip=spec.dns_publish_fixed_ip,
            tags=check_tags(spec.tags),
            created_at=now,
            updated_at=now,
        )

    def update_subnet(self, subnet: Subnet, **changes: Any) -> Subnet:
        unknown_changes(changes, SUBNET_CHANGES)
        check_name(changes.get("name"))
        check_description(changes.get("description"))
        with self.store.transaction():
            current = self._load(Subnet, subnet.id)
            changes = self._checked_subnet_changes(current, changes)
            updated = bumped(current, **changes)
            self.store.update(updated)
        return updated

    def _checked_subnet_changes(self, current: Subnet, changes: dict[str, Any]) -> dict[str, Any]:
        net = ipaddress.ip_network(current.cidr)
        if changes.get("is_dhcp_enabled") and not current.is_dhcp_enabled:
            ipam.check_dhcp_prefix(net)
        gateway = current.gateway_ip
        if "gateway_ip" in changes:
            if changes["gateway_ip"] is not None:
                changes["gateway_ip"] = ipam.check_gateway(net, changes["gateway_ip"])
            gateway = changes["gateway_ip"]
            if gateway != current.gateway_ip and current.gateway_ip is not None:
                self._check_gateway_unused(current)
        if "dns_nameservers" in changes:
            changes["dns_nameservers"] = ipam.check_nameservers(
                changes["dns_nameservers"], current.ip_version, current.id
            )
        if "host_routes" in changes:
            changes["host_routes"] = ipam.check_host_routes(
                changes["host_routes"], current.ip_version, current.id
            )
        if "tags" in changes:
            changes["tags"] = check_tags(changes["tags"])
        pools = current.allocation_pools
        if changes.get("allocation_pools") is not None:
            pools = ipam.check_pools(changes["allocation_pools"], net, None)
            changes["allocation_pools"] = pools
        if gateway is not None and ("allocation_pools" in changes or "gateway_ip" in changes):
            ipam.check_gateway_out_of_pools(gateway, [(p["start"], p["end"]) for p in pools])
        return changes

    def _check_gateway_unused(self, subnet: Subnet) -> None:
        for port in self._subnet_ports(subnet.id):
            if port.device_owner in ROUTER_INTERFACE_OWNERS and any(
                ip["ip_address"] == subnet.gateway_ip for ip in port.fixed_ips
            ):
                raise Conflict(
                    f"Current gateway ip {subnet.gateway_ip} already in use by port {port.id}. "
                    "Unable to update."
                )

    def delete_subnet(self, subnet: Subnet) -> None:
        with self.store.transaction():
            current = self._load(Subnet, subnet.id)
            ports = self._subnet_ports(current.id)
            if any(p.device_owner not in AUTO_DELETE_PORT_OWNERS for p in ports):
                raise Conflict(
                    f"Unable to complete operation on subnet {current.id}: One or more ports "
                    "have an IP allocation from this subnet."
                )
            for port in ports:
                self._drop_subnet_ips(port, current.id)
            self.store.delete(Subnet, current.id)
            network = self.store.get(Network, current.network_id)
            if network is not None:
                remaining = [s for s in network.subnet_ids if s != current.id]
                self.store.update(bumped(network, subnet_ids=remaining))

