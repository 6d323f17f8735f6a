"""Networks, subnets and ports through Neutron (openstacksdk's network proxy)."""

from __future__ import annotations

from typing import Any

from openstack import resource as sdk_resource
from openstack.network.v2 import network as sdk_network
from openstack.network.v2 import port as sdk_port
from openstack.network.v2 import subnet as sdk_subnet

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.network_map import (
    fixed_ips_body,
    network_from_sdk,
    port_from_sdk,
    present,
    subnet_from_sdk,
    tag_query,
)
from ostack_cli.backend.models.network import (
    Network,
    NetworkSpec,
    Port,
    PortSpec,
    Subnet,
    SubnetSpec,
    TagFilter,
)


class NeutronBase(CloudBase):
    def _set_tags(self, cls: type[sdk_resource.Resource], res_id: str, tags: list[str]) -> None:
        """Tags are a sub-resource in Neutron: one PUT with the whole list."""
        self.conn.network.set_tags(cls.existing(id=res_id), list(tags))

    def _update(
        self,
        cls: type[sdk_resource.Resource],
        current: Any,
        changes: dict[str, Any],
        update: Any,
    ) -> Any:
        """Send ``changes`` but tags; then the tags, if they change. Returns the SDK object."""
        changes = dict(changes)
        tags = changes.pop("tags", None)
        result = update(current.id, **changes) if changes else None
        if tags is not None and set(tags) != set(current.tags):
            self._set_tags(cls, current.id, list(tags))
            if result is not None:
                result.tags = list(tags)
        return result


@translate_errors
class CloudNetworks(NeutronBase):
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
        query = present(
            name=name, project_id=project_id, is_router_external=external,
            is_admin_state_up=admin_state_up, is_shared=shared, status=status,
            provider_network_type=provider_network_type,
            provider_physical_network=provider_physical_network,
            provider_segmentation_id=provider_segmentation_id,
        )
        query.update(tag_query(tags))
        found = [network_from_sdk(n) for n in self.conn.network.networks(**query)]
        if not query:
            self._cache_list("network", found)
        return found

    def find_network(self, name_or_id: str) -> Network:
        return network_from_sdk(self.conn.network.find_network(name_or_id, ignore_missing=False))

    def create_network(self, spec: NetworkSpec) -> Network:
        attrs = present(
            name=spec.name, project_id=spec.project_id, is_admin_state_up=spec.admin_state_up,
            is_shared=spec.shared, is_default=spec.is_default, mtu=spec.mtu,
            is_port_security_enabled=spec.port_security_enabled,
            provider_network_type=spec.provider_network_type,
            provider_physical_network=spec.provider_physical_network,
            provider_segmentation_id=spec.provider_segmentation_id,
            dns_domain=spec.dns_domain,
        )
        if spec.description:
            attrs["description"] = spec.description
        if spec.external:
            attrs["is_router_external"] = True
        if spec.availability_zone_hints:
            attrs["availability_zone_hints"] = list(spec.availability_zone_hints)
        network = self.conn.network.create_network(**attrs)
        if spec.tags:
            self._set_tags(sdk_network.Network, network.id, spec.tags)
            network.tags = list(spec.tags)
        return network_from_sdk(network)

    def update_network(self, network: Network, **changes: Any) -> Network:
        result = self._update(sdk_network.Network, network, changes,
                              self.conn.network.update_network)
        return network_from_sdk(result) if result is not None else network.replace(
            tags=list(changes.get("tags", network.tags)))

    def delete_network(self, network: Network) -> None:
        self.conn.network.delete_network(network.id)

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
        subnet_pool_id: str | None = None,
    ) -> list[Subnet]:
        query = present(network_id=network_id, name=name, project_id=project_id,
                        ip_version=ip_version, is_dhcp_enabled=dhcp, gateway_ip=gateway_ip,
                        cidr=cidr, subnetpool_id=subnet_pool_id)
        query.update(tag_query(tags))
        found = [subnet_from_sdk(s) for s in self.conn.network.subnets(**query)]
        if service_types:
            found = [s for s in found if set(service_types) <= set(s.service_types)]
        elif not query:
            self._cache_list("subnet", found)
        return found

    def find_subnet(self, name_or_id: str) -> Subnet:
        return subnet_from_sdk(self.conn.network.find_subnet(name_or_id, ignore_missing=False))

    def create_subnet(self, spec: SubnetSpec) -> Subnet:
        attrs: dict[str, Any] = present(
            name=spec.name, network_id=spec.network_id, cidr=spec.cidr,
            project_id=spec.project_id, ip_version=spec.ip_version,
            allocation_pools=spec.allocation_pools, ipv6_address_mode=spec.ipv6_address_mode,
            ipv6_ra_mode=spec.ipv6_ra_mode, dns_publish_fixed_ip=spec.dns_publish_fixed_ip,
        )
        # "auto" is Neutron's default (the first address); None asks for no gateway.
        if spec.gateway_ip != "auto":
            attrs["gateway_ip"] = spec.gateway_ip
        attrs["is_dhcp_enabled"] = spec.enable_dhcp
        for key in ("dns_nameservers", "host_routes", "service_types"):
            if getattr(spec, key):
                attrs[key] = list(getattr(spec, key))
        if spec.description:
            attrs["description"] = spec.description
        # As the real client sends them (Neutron's names).
        if spec.subnet_pool_id:
            attrs["subnetpool_id"] = spec.subnet_pool_id
        if spec.use_default_subnet_pool:
            attrs["use_default_subnet_pool"] = True
        if spec.prefixlen is not None:
            attrs["prefixlen"] = spec.prefixlen
        subnet = self.conn.network.create_subnet(**attrs)
        if spec.tags:
            self._set_tags(sdk_subnet.Subnet, subnet.id, spec.tags)
            subnet.tags = list(spec.tags)
        return subnet_from_sdk(subnet)

    def update_subnet(self, subnet: Subnet, **changes: Any) -> Subnet:
        result = self._update(sdk_subnet.Subnet, subnet, changes,
                              self.conn.network.update_subnet)
        return subnet_from_sdk(result) if result is not None else subnet.replace(
            tags=list(changes.get("tags", subnet.tags)))

    def delete_subnet(self, subnet: Subnet) -> None:
        self.conn.network.delete_subnet(subnet.id)

    # -- ports ------------------------------------------------------------------------

    def ports(
        self,
        *,
        network_id: str | None = None,
        device_id: str | None = None,
        device_owner: str | None = None,
        mac_address: str | None = None,
        name: str | None = None,
        project_id: str | None = None,
        status: str | None = None,
        fixed_ips: list[dict[str, str]] | None = None,
        security_group_ids: list[str] | None = None,
        binding_host_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[Port]:
        query = present(network_id=network_id, device_id=device_id, device_owner=device_owner,
                        mac_address=mac_address, name=name, project_id=project_id,
                        status=status, security_group_ids=security_group_ids)
        if binding_host_id is not None:
            query["binding:host_id"] = binding_host_id
        if fixed_ips:
            # The real client's form: fixed_ips=subnet_id=...&fixed_ips=ip_address=...
            query["fixed_ips"] = [f"{k}={v}" for ip in fixed_ips for k, v in ip.items()]
        query.update(tag_query(tags))
        found = [port_from_sdk(p) for p in self.conn.network.ports(**query)]
        if not query:
            self._cache_list("port", found)
        return found

    def find_port(self, name_or_id: str) -> Port:
        return port_from_sdk(self.conn.network.find_port(name_or_id, ignore_missing=False))

    def create_port(self, spec: PortSpec) -> Port:
        attrs: dict[str, Any] = present(
            network_id=spec.network_id, project_id=spec.project_id,
            mac_address=spec.mac_address, security_group_ids=spec.security_group_ids,
            is_port_security_enabled=spec.port_security_enabled,
        )
        attrs["is_admin_state_up"] = spec.admin_state_up
        if spec.fixed_ips is not None:
            attrs["fixed_ips"] = fixed_ips_body(spec.fixed_ips)
        for key in ("name", "device_id", "device_owner", "description", "binding_host_id"):
            if getattr(spec, key):
                attrs[key] = getattr(spec, key)
        if spec.binding_vnic_type != "normal":
            attrs["binding_vnic_type"] = spec.binding_vnic_type
        if spec.binding_profile:
            attrs["binding_profile"] = dict(spec.binding_profile)
        if spec.allowed_address_pairs:
            attrs["allowed_address_pairs"] = list(spec.allowed_address_pairs)
        port = self.conn.network.create_port(**attrs)
        if spec.tags:
            self._set_tags(sdk_port.Port, port.id, spec.tags)
            port.tags = list(spec.tags)
        return port_from_sdk(port)

    def update_port(self, port: Port, **changes: Any) -> Port:
        if "fixed_ips" in changes and changes["fixed_ips"] is not None:
            changes["fixed_ips"] = [
                fixed_ips_body([ip])[0] if hasattr(ip, "subnet_id") else dict(ip)
                for ip in changes["fixed_ips"]
            ]
        result = self._update(sdk_port.Port, port, changes, self.conn.network.update_port)
        return port_from_sdk(result) if result is not None else port.replace(
            tags=list(changes.get("tags", port.tags)))

    def delete_port(self, port: Port) -> None:
        self.conn.network.delete_port(port.id)
