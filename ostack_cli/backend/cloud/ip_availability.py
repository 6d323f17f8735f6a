"""Network IP availability through openstacksdk's network proxy."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.network_map import present
from ostack_cli.backend.models.ip_availability import NetworkIPAvailability


def availability_from_sdk(res: Any) -> NetworkIPAvailability:
    return NetworkIPAvailability(
        network_id=res.network_id,
        network_name=res.network_name,
        project_id=res.project_id,
        total_ips=res.total_ips,
        used_ips=res.used_ips,
        subnet_ip_availability=list(res.subnet_ip_availability or []),
        ip_availability_details=res.ip_availability_details,
    )


@translate_errors
class CloudIPAvailability(CloudBase):
    def network_ip_availabilities(
        self, *, ip_version: int | None = None, project_id: str | None = None
    ) -> list[NetworkIPAvailability]:
        query = present(ip_version=ip_version, project_id=project_id)
        return [availability_from_sdk(a)
                for a in self.conn.network.network_ip_availabilities(**query)]

    def find_network_ip_availability(self, network_id: str) -> NetworkIPAvailability:
        return availability_from_sdk(
            self.conn.network.find_network_ip_availability(network_id, ignore_missing=False))
