"""Routers and floating IPs through Neutron (openstacksdk's network proxy)."""

from __future__ import annotations

from typing import Any

from openstack.network.v2 import floating_ip as sdk_floating_ip
from openstack.network.v2 import router as sdk_router

from ostack_cli.backend.cloud.base import unavailable
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.network import NeutronBase
from ostack_cli.backend.cloud.network_map import (
    fixed_ips_body,
    floating_ip_from_sdk,
    port_from_sdk,
    present,
    router_from_sdk,
    tag_query,
)
from ostack_cli.backend.models.network import (
    BootstrapItem,
    BootstrapSpec,
    FixedIPRequest,
    FloatingIP,
    FloatingIPSpec,
    Network,
    Port,
    Router,
    RouterSpec,
    Subnet,
    TagFilter,
)


def gateway_info(
    network_id: str, enable_snat: bool | None, fixed_ips: list[FixedIPRequest] | None
) -> dict[str, Any]:
    info: dict[str, Any] = {"network_id": network_id}
    if enable_snat is not None:
        info["enable_snat"] = enable_snat
    if fixed_ips:
        info["external_fixed_ips"] = fixed_ips_body(fixed_ips)
    return info


def _one_or_many(values: list[str] | None) -> str | list[str] | None:
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


@translate_errors
class CloudRouters(NeutronBase):
    # -- routers ----------------------------------------------------------------------

    def routers(
        self,
        *,
        name: str | None = None,
        project_id: str | None = None,
        admin_state_up: bool | None = None,
        tags: TagFilter | None = None,
    ) -> list[Router]:
        query = present(name=name, project_id=project_id, is_admin_state_up=admin_state_up)
        query.update(tag_query(tags))
        found = [router_from_sdk(r) for r in self.conn.network.routers(**query)]
        if not query:
            self._cache_list("router", found)
        return found

    def find_router(self, name_or_id: str) -> Router:
        return router_from_sdk(self.conn.network.find_router(name_or_id, ignore_missing=False))

    def create_router(self, spec: RouterSpec) -> Router:
        attrs: dict[str, Any] = present(name=spec.name, project_id=spec.project_id)
        attrs["is_admin_state_up"] = spec.admin_state_up
        if spec.description:
            attrs["description"] = spec.description
        if spec.availability_zone_hints:
            attrs["availability_zone_hints"] = list(spec.availability_zone_hints)
        if spec.external_network_id:
            attrs["external_gateway_info"] = gateway_info(
                spec.external_network_id, spec.enable_snat, spec.external_fixed_ips)
        router = self.conn.network.create_router(**attrs)
        if spec.tags:
            self._set_tags(sdk_router.Router, router.id, spec.tags)
            router.tags = list(spec.tags)
        return router_from_sdk(router)

    def update_router(self, router: Router, **changes: Any) -> Router:
        if "external_gateway" in changes:
            gateway = changes.pop("external_gateway")
            changes["external_gateway_info"] = (
                {} if gateway is None else gateway_info(
                    gateway["network_id"], gateway.get("enable_snat"),
                    gateway.get("fixed_ips"))
            )
        result = self._update(sdk_router.Router, router, changes,
                              self.conn.network.update_router)
        return router_from_sdk(result) if result is not None else router.replace(
            tags=list(changes.get("tags", router.tags)))

    def set_router_gateway(
        self,
        router: Router,
        network: Network,
        *,
        enable_snat: bool | None = None,
        fixed_ips: list[FixedIPRequest] | None = None,
    ) -> Router:
        info = gateway_info(network.id, enable_snat, fixed_ips)
        return router_from_sdk(
            self.conn.network.update_router(router.id, external_gateway_info=info))

    def clear_router_gateway(self, router: Router) -> Router:
        return router_from_sdk(
            self.conn.network.update_router(router.id, external_gateway_info={}))

    def delete_router(self, router: Router) -> None:
        self.conn.network.delete_router(router.id)

    def add_router_interface(
        self, router: Router, *, subnet: Subnet | None = None, port: Port | None = None
    ) -> Port:
        network = self.conn.network
        target = sdk_router.Router.existing(id=router.id)
        if subnet is not None:
            added = network.add_interface_to_router(target, subnet=subnet.id)
        else:
            assert port is not None
            added = network.add_interface_to_router(target, port=port.id)
        return port_from_sdk(network.get_port(added["port_id"]))

    def remove_router_interface(
        self, router: Router, *, subnet: Subnet | None = None, port: Port | None = None
    ) -> None:
        target = sdk_router.Router.existing(id=router.id)
        self.conn.network.remove_interface_from_router(
            target, subnet=subnet.id if subnet else None, port=port.id if port else None)

    # -- floating IPs -----------------------------------------------------------------

    def floating_ips(
        self,
        *,
        network_ids: list[str] | None = None,
        port_ids: list[str] | None = None,
        router_ids: list[str] | None = None,
        fixed_ip_address: str | None = None,
        floating_ip_address: str | None = None,
        status: str | None = None,
        project_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[FloatingIP]:
        query = present(
            floating_network_id=_one_or_many(network_ids), port_id=_one_or_many(port_ids),
            router_id=_one_or_many(router_ids), fixed_ip_address=fixed_ip_address,
            floating_ip_address=floating_ip_address, status=status, project_id=project_id,
        )
        query.update(tag_query(tags))
        found = [floating_ip_from_sdk(f) for f in self.conn.network.ips(**query)]
        if not query:
            self._cache_list("floating_ip", found)
        return found

    def find_floating_ip(self, name_or_id: str) -> FloatingIP:
        return floating_ip_from_sdk(self.conn.network.find_ip(name_or_id, ignore_missing=False))

    def create_floating_ip(self, spec: FloatingIPSpec) -> FloatingIP:
        attrs = present(
            floating_network_id=spec.floating_network_id, project_id=spec.project_id,
            subnet_id=spec.subnet_id, floating_ip_address=spec.floating_ip_address,
            port_id=spec.port_id, fixed_ip_address=spec.fixed_ip_address,
            dns_domain=spec.dns_domain, dns_name=spec.dns_name,
        )
        if spec.description:
            attrs["description"] = spec.description
        fip = self.conn.network.create_ip(**attrs)
        if spec.tags:
            self._set_tags(sdk_floating_ip.FloatingIP, fip.id, spec.tags)
            fip.tags = list(spec.tags)
        return floating_ip_from_sdk(fip)

    def update_floating_ip(self, fip: FloatingIP, **changes: Any) -> FloatingIP:
        result = self._update(sdk_floating_ip.FloatingIP, fip, changes,
                              self.conn.network.update_ip)
        return floating_ip_from_sdk(result) if result is not None else fip.replace(
            tags=list(changes.get("tags", fip.tags)))

    def associate_floating_ip(
        self, fip: FloatingIP, port: Port, fixed_ip_address: str | None = None
    ) -> FloatingIP:
        attrs = present(port_id=port.id, fixed_ip_address=fixed_ip_address)
        return floating_ip_from_sdk(self.conn.network.update_ip(fip.id, **attrs))

    def disassociate_floating_ip(self, fip: FloatingIP) -> FloatingIP:
        return floating_ip_from_sdk(self.conn.network.update_ip(fip.id, port_id=None))

    def delete_floating_ip(self, fip: FloatingIP) -> None:
        self.conn.network.delete_ip(fip.id)

    # -- ostack bootstrap -------------------------------------------------------------

    def bootstrap_network(self, spec: BootstrapSpec) -> list[BootstrapItem]:
        # A cloud's external networks are its operator's; bootstrap is for the local host.
        raise unavailable("'ostack bootstrap' (it sets up the local host's networks)")
