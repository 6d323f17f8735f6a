"""Subnets in the local store, with Neutron's rules and messages."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from ostack_cli.backend.local import ipam
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.host_sync import HostSync
from ostack_cli.backend.local.ipam import invalid_input
from ostack_cli.backend.local.net_records import (
    bumped,
    load,
    network_subnets,
    subnet_ports,
    unknown_changes,
)
from ostack_cli.backend.local.neutron_input import (
    check_description,
    check_name,
    check_service_types,
    check_subnet_mtu,
    check_tags,
)
from ostack_cli.backend.local.neutron_policy import check_subnet_create
from ostack_cli.backend.local.ports import Ports
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.local.rbac_records import NetworkAccess
from ostack_cli.backend.local.subnet_pools import SubnetPools
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.network import (
    AUTO_DELETE_PORT_OWNERS,
    ROUTER_INTERFACE_OWNERS,
    Network,
    Subnet,
    SubnetSpec,
    TagFilter,
)
from ostack_cli.errors import BadRequest, Conflict

SUBNET_CHANGES = (
    "name", "description", "gateway_ip", "allocation_pools", "dns_nameservers", "host_routes",
    "is_dhcp_enabled", "service_types", "dns_publish_fixed_ip", "tags",
)


class Subnets:
    def __init__(
        self,
        context: ServiceContext,
        *,
        ports: Ports,
        quotas: Quotas,
        host_sync: HostSync,
        subnet_pools: SubnetPools,
    ) -> None:
        self.context = context
        self.store = context.store
        self.ports = ports
        self.quotas = quotas
        self.subnet_pools = subnet_pools
        # The host has a say in external ranges: one it already routes cannot be ours.
        self.host_sync = host_sync

    def find_all(
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
        subnet_pool_id: str | None = None,
    ) -> list[Subnet]:
        result = []
        for subnet in self.store.list(Subnet, name=name, project_id=project_id):
            checks = (
                (network_id, subnet.network_id),
                (subnet_pool_id, subnet.subnet_pool_id),
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
            if self._visible(subnet):
                result.append(subnet)
        return result

    def find(self, name_or_id: str) -> Subnet:
        return self.context.find(Subnet, name_or_id, visible=self._visible)

    def _visible(self, subnet: Subnet) -> bool:
        if self.context.is_admin or subnet.project_id == self.context.project_id:
            return True
        network = self.store.get(Network, subnet.network_id)
        return network is not None and NetworkAccess(
            self.store, self.context.project_id).visible(network)

    def create(self, spec: SubnetSpec) -> Subnet:
        pool = self.subnet_pools.pool_for(spec)
        subnet = self._checked_subnet(spec) if pool is None else None
        with self.store.transaction():
            check_subnet_create(self.context, spec, self.store.get(Network, spec.network_id))
            # The API reserves the subnet before the plugin looks at its network.
            self.quotas.check(spec.project_id or self.context.project_id, {"subnets": 1})
            network = load(self.store, Network, spec.network_id)
            if subnet is None:
                assert pool is not None
                check_subnet_mtu(network.id, network.mtu, [spec.ip_version])
                cidr = self.subnet_pools.allocate(pool, spec)
                allocated = dataclasses.replace(spec, cidr=cidr)
                if spec.gateway_ip == "auto":
                    # The subnet allocator takes the first address, IPv6 too.
                    first = ipaddress.ip_network(cidr).network_address + 1
                    allocated = dataclasses.replace(allocated, gateway_ip=str(first))
                subnet = self._checked_subnet(allocated)
                subnet = subnet.replace(subnet_pool_id=pool.id)
            check_subnet_mtu(network.id, network.mtu, [subnet.ip_version])
            ipam.check_prefix_length(ipaddress.ip_network(subnet.cidr))
            for other in network_subnets(self.store, network.id):
                if ipam.overlaps(other.cidr, subnet.cidr):
                    raise invalid_input(
                        f"Requested subnet with cidr: {subnet.cidr} for network: {network.id} "
                        "overlaps with another subnet"
                    )
            self._check_pool_affinity(network, subnet)
            if network.is_router_external and subnet.ip_version == 4:
                self.host_sync.check_external_range(subnet.cidr, network.id)
            self.store.insert(subnet)
            self.store.update(bumped(network, subnet_ids=[*network.subnet_ids, subnet.id]))
        return subnet

    def _check_pool_affinity(self, network: Network, subnet: Subnet) -> None:
        """``_validate_network_subnetpools``: a network's subnets of one IP version come
        from one subnet pool, or none."""
        for other in network_subnets(self.store, network.id):
            if other.ip_version == subnet.ip_version and \
                    other.subnet_pool_id != subnet.subnet_pool_id:
                raise BadRequest("Subnets hosted on the same network must be allocated from "
                                 "the same subnet pool.")

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
        if net.version == 6:
            ipam.check_ipv6_modes(net, spec.ipv6_ra_mode, spec.ipv6_address_mode,
                                  spec.enable_dhcp)
        if spec.allocation_pools is None:
            pools = ipam.generate_pools(net, gateway)
        else:
            pools = ipam.check_pools(spec.allocation_pools, net, gateway)
        now = utcnow()
        return Subnet(
            id=new_id(),
            name=spec.name,
            project_id=spec.project_id or self.context.project_id,
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
            service_types=check_service_types(spec.service_types),
            dns_publish_fixed_ip=spec.dns_publish_fixed_ip,
            tags=check_tags(spec.tags, "subnets"),
            created_at=now,
            updated_at=now,
        )

    def update(self, subnet: Subnet, **changes: Any) -> Subnet:
        unknown_changes(changes, SUBNET_CHANGES)
        check_name(changes.get("name"))
        check_description(changes.get("description"))
        with self.store.transaction():
            current = load(self.store, Subnet, subnet.id)
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
        if changes.get("is_dhcp_enabled") is False and (
                current.ipv6_ra_mode or current.ipv6_address_mode):
            raise invalid_input("Cannot disable enable_dhcp with ipv6 attributes set")
        if changes.get("service_types") is not None:
            changes["service_types"] = check_service_types(changes["service_types"])
        if "tags" in changes:
            changes["tags"] = check_tags(changes["tags"], "subnets")
        pools = current.allocation_pools
        if changes.get("allocation_pools") is not None:
            pools = ipam.check_pools(changes["allocation_pools"], net, None)
            changes["allocation_pools"] = pools
        if gateway is not None and ("allocation_pools" in changes or "gateway_ip" in changes):
            ipam.check_gateway_out_of_pools(gateway, [(p["start"], p["end"]) for p in pools])
        return changes

    def _check_gateway_unused(self, subnet: Subnet) -> None:
        for port in subnet_ports(self.store, subnet.id):
            if port.device_owner in ROUTER_INTERFACE_OWNERS and any(
                ip["ip_address"] == subnet.gateway_ip for ip in port.fixed_ips
            ):
                raise Conflict(
                    f"Current gateway ip {subnet.gateway_ip} already in use by port {port.id}. "
                    "Unable to update."
                )

    def delete(self, subnet: Subnet) -> None:
        with self.store.transaction():
            current = load(self.store, Subnet, subnet.id)
            ports = subnet_ports(self.store, current.id)
            if any(p.device_owner not in AUTO_DELETE_PORT_OWNERS for p in ports):
                raise Conflict(
                    f"Unable to complete operation on subnet {current.id}: One or more ports "
                    "have an IP allocation from this subnet."
                )
            for port in ports:
                self.ports.drop_subnet_ips(port, current.id)
            self.store.delete(Subnet, current.id)
            network = self.store.get(Network, current.network_id)
            if network is not None:
                remaining = [s for s in network.subnet_ids if s != current.id]
                self.store.update(bumped(network, subnet_ids=remaining))
