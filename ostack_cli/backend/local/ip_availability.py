"""Network IP availability from the local store, counted as Neutron counts it
(``network_ip_availability_db`` and ``network_ip_availability_details_db``): addresses in
the allocation pools (the whole CIDR for a subnet without pools), allocations of any port,
subnets in ID order inside networks in ID order."""

from __future__ import annotations

import ipaddress
from typing import Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.models.ip_availability import DETAIL_FIELDS, NetworkIPAvailability
from ostack_cli.backend.models.network import Network, Subnet
from ostack_cli.errors import not_found
from ostack_cli.state.store import Store


def subnet_availability(store: Store, subnet: Subnet) -> dict[str, Any]:
    net = ipaddress.ip_network(subnet.cidr)
    in_subnet = net.num_addresses - (2 if net.version == 4 else 0)
    pools = [(int(ipaddress.ip_address(p["start"])), int(ipaddress.ip_address(p["end"])))
             for p in subnet.allocation_pools]
    in_pools = sum(high - low + 1 for low, high in pools)
    used = [int(ipaddress.ip_address(ip)) for ip in store.allocated_ips(subnet.id)]
    used_in_pools = sum(1 for ip in used if any(low <= ip <= high for low, high in pools))
    return {
        "subnet_id": subnet.id,
        "ip_version": subnet.ip_version,
        "cidr": subnet.cidr,
        "subnet_name": subnet.name,
        "used_ips": len(used),
        # The base extension counts the pools, or the whole CIDR when there are none.
        "total_ips": in_pools if pools else net.num_addresses,
        "ip_availability_details": {
            "total_ips_in_subnet": in_subnet,
            "total_ips_in_allocation_pool": in_pools,
            "used_ips_in_subnet": len(used),
            "used_ips_in_allocation_pool": used_in_pools,
        },
    }


def network_availability(
    store: Store, network: Network, subnets: list[Subnet]
) -> NetworkIPAvailability:
    per_subnet = [subnet_availability(store, s) for s in sorted(subnets, key=lambda s: s.id)]
    details = {key: sum(s["ip_availability_details"][key] for s in per_subnet)
               for key in DETAIL_FIELDS}
    return NetworkIPAvailability(
        network_id=network.id,
        network_name=network.name,
        project_id=network.project_id,
        total_ips=sum(s["total_ips"] for s in per_subnet),
        used_ips=sum(s["used_ips"] for s in per_subnet),
        subnet_ip_availability=per_subnet,
        ip_availability_details=details,
    )


class IPAvailability:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    def find_all(
        self, *, ip_version: int | None = None, project_id: str | None = None
    ) -> list[NetworkIPAvailability]:
        if not self.context.is_admin:
            # Neutron's policy: admin only; a project's list is simply empty.
            return []
        subnets = self.store.list(Subnet)
        result = []
        for network in sorted(self.store.list(Network, project_id=project_id),
                              key=lambda n: n.id):
            mine = [s for s in subnets if s.network_id == network.id
                    and (ip_version is None or s.ip_version == ip_version)]
            if ip_version is not None and not mine:
                continue
            result.append(network_availability(self.store, network, mine))
        return result

    def find(self, network_id: str) -> NetworkIPAvailability:
        network = self.store.get(Network, network_id)
        if network is None or not self.context.is_admin:
            raise not_found("NetworkIPAvailability", network_id)
        subnets = [s for s in self.store.list(Subnet) if s.network_id == network.id]
        return network_availability(self.store, network, subnets)
