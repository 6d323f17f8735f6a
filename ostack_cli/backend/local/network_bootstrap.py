"""``ostack bootstrap``'s network: found by name or made, piece by piece, all or nothing.

Without ``--external-cidr``, the external subnet takes the first of 192.168.61.0/24 ...
192.168.99.0/24 that no interface of this host routes, so that two stores on one host (or a
LAN already on 192.168.61.0/24) never share a range.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.host_sync import HostSync
from ostack_cli.backend.local.net_records import device_ports
from ostack_cli.backend.local.networks import Networks
from ostack_cli.backend.local.routers import Routers
from ostack_cli.backend.local.subnets import Subnets
from ostack_cli.backend.models.network import (
    DEVICE_OWNER_ROUTER_GW,
    ROUTER_INTERFACE_OWNERS,
    BootstrapItem,
    BootstrapSpec,
    Network,
    NetworkSpec,
    Router,
    RouterSpec,
    Subnet,
    SubnetSpec,
)
from ostack_cli.errors import CommandError, DuplicateResource

# Where an external range is looked for when none is given, in this order.
EXTERNAL_RANGES = tuple(f"192.168.{third}.0/24" for third in range(61, 100))


class NetworkBootstrap:
    def __init__(
        self,
        context: ServiceContext,
        *,
        networks: Networks,
        subnets: Subnets,
        routers: Routers,
        host_sync: HostSync,
    ) -> None:
        self.store = context.store
        self.networks = networks
        self.subnets = subnets
        self.routers = routers
        # Knows which ranges this host routes already.
        self.host_sync = host_sync

    def run(self, spec: BootstrapSpec) -> list[BootstrapItem]:
        """Find (by name) or make each piece, in one transaction: a failure leaves nothing."""
        items: list[BootstrapItem] = []
        with self.store.transaction():
            external = self._network(spec.external_network, True, items)
            self._external_subnet(spec, external, items)
            private = self._network(spec.private_network, False, items)
            subnet = self._private_subnet(spec, private, items)
            router = self._router(spec.router, external, items)
            self._interface(router, subnet, items)
        return items

    def _network(
        self, name: str, external: bool, items: list[BootstrapItem]
    ) -> Network:
        found: Network | None = _one(self.networks.find_all(name=name), "Network", name)
        if found is not None and found.is_router_external != external:
            kind = "an internal" if external else "an external"
            raise CommandError(f"Network '{name}' exists but is {kind} network.",
                               "Delete it or pick other names with the bootstrap options.")
        network = found or self.networks.create(NetworkSpec(name=name, external=external))
        items.append(_item("Network", name, network.id, found is None))
        return network

    def _external_subnet(
        self, spec: BootstrapSpec, external: Network, items: list[BootstrapItem]
    ) -> None:
        def wanted() -> SubnetSpec:
            # Looked for only when the subnet is to be made: a found one stays as it is.
            cidr = spec.external_cidr or self._free_external_range()
            pools = None
            if spec.external_pool_start or spec.external_pool_end:
                pools = [_pool(cidr, spec.external_pool_start, spec.external_pool_end)]
            return SubnetSpec(name=name, network_id=external.id, cidr=cidr,
                              enable_dhcp=False, allocation_pools=pools)

        name = f"{spec.external_network}-subnet"
        self._subnet(external, name, wanted, items)

    def _private_subnet(
        self, spec: BootstrapSpec, private: Network, items: list[BootstrapItem]
    ) -> Subnet:
        name = f"{spec.private_network}-subnet"
        return self._subnet(private, name, lambda: SubnetSpec(
            name=name, network_id=private.id, cidr=spec.private_cidr, enable_dhcp=True,
        ), items)

    def _free_external_range(self) -> str:
        cidr = self.host_sync.free_external_range(EXTERNAL_RANGES)
        if cidr is None:
            raise CommandError(
                f"This host routes every range from {EXTERNAL_RANGES[0]} to "
                f"{EXTERNAL_RANGES[-1]} already.",
                "Choose a free one with --external-cidr.",
            )
        return cidr

    def _subnet(
        self,
        network: Network,
        name: str,
        wanted: Callable[[], SubnetSpec],
        items: list[BootstrapItem],
    ) -> Subnet:
        found: Subnet | None = _one(
            self.subnets.find_all(network_id=network.id, name=name), "Subnet", name
        )
        subnet = found or self.subnets.create(wanted())
        items.append(_item("Subnet", name, subnet.id, found is None))
        return subnet

    def _router(
        self, name: str, external: Network, items: list[BootstrapItem]
    ) -> Router:
        found: Router | None = _one(self.routers.find_all(name=name), "Router", name)
        router = found or self.routers.create(
            RouterSpec(name=name, external_network_id=external.id)
        )
        items.append(_item("Router", name, router.id, found is None))
        gateway = [p for p in device_ports(self.store, router.id)
                   if p.device_owner == DEVICE_OWNER_ROUTER_GW]
        made = not gateway
        if made:
            router = self.routers.set_gateway(router, external)
        items.append(_item("Router gateway", external.name, str(router.gw_port_id),
                           made or found is None))
        return router

    def _interface(
        self, router: Router, subnet: Subnet, items: list[BootstrapItem]
    ) -> None:
        for port in device_ports(self.store, router.id):
            if port.device_owner in ROUTER_INTERFACE_OWNERS and any(
                ip["subnet_id"] == subnet.id for ip in port.fixed_ips
            ):
                items.append(_item("Router interface", subnet.name, port.id, False))
                return
        port = self.routers.add_interface(router, subnet=subnet)
        items.append(_item("Router interface", subnet.name, port.id, True))


def _item(resource: str, name: str, record_id: str, created: bool) -> BootstrapItem:
    return BootstrapItem(resource=resource, name=name, id=record_id, created=created)


def _one(found: list[Any], kind: str, name: str) -> Any:
    if len(found) > 1:
        raise DuplicateResource(f"More than one {kind} exists with the name '{name}'.",
                                "Rename or delete the extra ones, or pick other names.")
    return found[0] if found else None


def _pool(cidr: str, start: str | None, end: str | None) -> dict[str, str]:
    """One bound given: the other is the default pool's (the whole range minus gateway .1)."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return {"start": start or "", "end": end or ""}  # the subnet check words the error
    wide = net.num_addresses > 2
    first = net.network_address + (2 if wide else 0)
    last = net.broadcast_address - (1 if wide else 0)
    return {"start": start or str(first), "end": end or str(last)}
