"""Networks, subnets, ports, routers and floating IPs (Neutron).

Updates take openstacksdk's attribute names as keywords (``is_admin_state_up=False``), as
``update_network(obj, **attrs)`` does; the backend refuses names it does not know.
"""

from __future__ import annotations

from typing import Any, Protocol

from ostack_cli.backend.models.network import (
    BootstrapItem,
    BootstrapSpec,
    FixedIPRequest,
    FloatingIP,
    FloatingIPSpec,
    Network,
    NetworkSpec,
    Port,
    PortSpec,
    Router,
    RouterSpec,
    Subnet,
    SubnetSpec,
    TagFilter,
)


class NetworkAPI(Protocol):
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
        """The networks the project sees: its own, shared and external ones."""
        ...

    def find_network(self, name_or_id: str) -> Network: ...

    def create_network(self, spec: NetworkSpec) -> Network: ...

    def update_network(self, network: Network, **changes: Any) -> Network:
        """``name, description, is_admin_state_up, is_shared, mtu, is_port_security_enabled,
        is_router_external, is_default, dns_domain, qos_policy_id, tags``."""
        ...

    def delete_network(self, network: Network) -> None: ...

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
    ) -> list[Subnet]: ...

    def find_subnet(self, name_or_id: str) -> Subnet: ...

    def create_subnet(self, spec: SubnetSpec) -> Subnet: ...

    def update_subnet(self, subnet: Subnet, **changes: Any) -> Subnet:
        """``name, description, gateway_ip (None: no gateway), allocation_pools,
        dns_nameservers, host_routes, is_dhcp_enabled, service_types, tags``."""
        ...

    def delete_subnet(self, subnet: Subnet) -> None: ...

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
        """``fixed_ips``: dicts of ``subnet_id``/``ip_address``/``ip_address_substr``."""
        ...

    def find_port(self, name_or_id: str) -> Port: ...

    def create_port(self, spec: PortSpec) -> Port: ...

    def update_port(self, port: Port, **changes: Any) -> Port:
        """Port attributes (``security_group_ids`` the new set), with ``fixed_ips`` as a list
        of :class:`FixedIPRequest`: the new set, addresses asked for again are kept."""
        ...

    def delete_port(self, port: Port) -> None: ...

    # -- routers ----------------------------------------------------------------------

    def routers(
        self,
        *,
        name: str | None = None,
        project_id: str | None = None,
        admin_state_up: bool | None = None,
        tags: TagFilter | None = None,
    ) -> list[Router]: ...

    def find_router(self, name_or_id: str) -> Router: ...

    def create_router(self, spec: RouterSpec) -> Router: ...

    def update_router(self, router: Router, **changes: Any) -> Router:
        """``name, description, is_admin_state_up, routes, tags``, and ``external_gateway``:
        ``{"network_id", "enable_snat", "fixed_ips": [FixedIPRequest]}``, or None to remove
        it; all in one change."""
        ...

    def set_router_gateway(
        self,
        router: Router,
        network: Network,
        *,
        enable_snat: bool | None = None,
        fixed_ips: list[FixedIPRequest] | None = None,
    ) -> Router: ...

    def clear_router_gateway(self, router: Router) -> Router: ...

    def delete_router(self, router: Router) -> None: ...

    def add_router_interface(
        self, router: Router, *, subnet: Subnet | None = None, port: Port | None = None
    ) -> Port:
        """Attach a subnet (a new port holding its gateway address) or an unused port."""
        ...

    def remove_router_interface(
        self, router: Router, *, subnet: Subnet | None = None, port: Port | None = None
    ) -> None: ...

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
    ) -> list[FloatingIP]: ...

    def find_floating_ip(self, name_or_id: str) -> FloatingIP:
        """By ID or by address."""
        ...

    def create_floating_ip(self, spec: FloatingIPSpec) -> FloatingIP: ...

    def update_floating_ip(self, fip: FloatingIP, **changes: Any) -> FloatingIP:
        """``description, qos_policy_id, tags``; ``port_id`` (with ``fixed_ip_address``)
        associates the floating IP as :meth:`associate_floating_ip` does, None disassociates."""
        ...

    def associate_floating_ip(
        self, fip: FloatingIP, port: Port, fixed_ip_address: str | None = None
    ) -> FloatingIP:
        """Needs a router with an interface on the port's subnet and a gateway on the floating
        IP's network (Neutron's rule)."""
        ...

    def disassociate_floating_ip(self, fip: FloatingIP) -> FloatingIP: ...

    def delete_floating_ip(self, fip: FloatingIP) -> None: ...

    # -- ostack bootstrap -------------------------------------------------------------

    def bootstrap_network(self, spec: BootstrapSpec) -> list[BootstrapItem]:
        """Find by name or create the external network and subnet, the private network and
        subnet, and the router with its gateway and interface; all or nothing."""
        ...
