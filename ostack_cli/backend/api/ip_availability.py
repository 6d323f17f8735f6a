"""Network IP availability (Neutron's ``network-ip-availability``; an admin's view)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.ip_availability import NetworkIPAvailability


class IPAvailabilityAPI(Protocol):
    def network_ip_availabilities(
        self, *, ip_version: int | None = None, project_id: str | None = None
    ) -> list[NetworkIPAvailability]:
        """Networks with subnets of ``ip_version``, in network ID order; a project that is
        not an admin gets none (Neutron's policy is admin only)."""
        ...

    def find_network_ip_availability(self, network_id: str) -> NetworkIPAvailability: ...
