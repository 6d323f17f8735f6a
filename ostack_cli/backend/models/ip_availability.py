"""Neutron's IP availability of a network (``network-ip-availability`` with its details
extension): what each subnet holds and how much of it is in use. Computed, never stored."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class NetworkIPAvailability:
    network_id: str
    network_name: str
    project_id: str
    total_ips: int
    used_ips: int
    # Per subnet, Neutron's keys in its order: subnet_id, ip_version, cidr, subnet_name,
    # used_ips, total_ips, ip_availability_details.
    subnet_ip_availability: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # total_ips_in_subnet, total_ips_in_allocation_pool, used_ips_in_subnet,
    # used_ips_in_allocation_pool; None without the details extension.
    ip_availability_details: dict[str, int] | None = None

    @property
    def id(self) -> str:
        """What ``--marker`` names: the network."""
        return self.network_id


DETAIL_FIELDS = (
    "total_ips_in_subnet", "total_ips_in_allocation_pool", "used_ips_in_subnet",
    "used_ips_in_allocation_pool",
)
