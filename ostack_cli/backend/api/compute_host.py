"""Nova's hosts: its services (os-services), the deprecated os-hosts API, hypervisor details
and totals, and host aggregates (Nova)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.compute_host import (
    Aggregate,
    ComputeService,
    HostResource,
    HostService,
    HypervisorStatistics,
)
from ostack_cli.backend.models.server import Hypervisor


class ComputeServiceAPI(Protocol):
    def compute_services(self, *, host: str | None = None, binary: str | None = None
                         ) -> list[ComputeService]: ...

    def set_compute_service_status(self, service: ComputeService, *, enabled: bool,
                                   disabled_reason: str | None = None) -> None: ...

    def set_compute_service_forced_down(self, service: ComputeService,
                                        forced_down: bool) -> None: ...

    def delete_compute_service(self, service_id: str) -> None: ...


class HostAPI(Protocol):
    """``GET|PUT /os-hosts``, which Nova keeps at microversions up to 2.42."""

    def host_services(self) -> list[HostService]: ...

    def host_resources(self, host: str) -> list[HostResource]: ...

    def set_host(self, host: str, *, enabled: bool | None = None,
                 maintenance: bool | None = None) -> None: ...


class HypervisorDetailAPI(Protocol):
    def get_hypervisor(self, hypervisor_id: str) -> Hypervisor:
        """One hypervisor with its host's ``uptime`` line (Nova's hypervisor show)."""
        ...

    def hypervisor_statistics(self) -> HypervisorStatistics: ...


class AggregateAPI(Protocol):
    def aggregates(self) -> list[Aggregate]: ...

    def find_aggregate(self, name_or_id: str) -> Aggregate: ...

    def create_aggregate(self, name: str, availability_zone: str | None = None) -> Aggregate: ...

    def update_aggregate(self, aggregate: Aggregate, *, name: str | None = None,
                         availability_zone: str | None = None) -> None: ...

    def set_aggregate_metadata(self, aggregate: Aggregate,
                               metadata: dict[str, str | None]) -> Aggregate:
        """Set keys (None removes one); the aggregate as Nova's answer shows it."""
        ...

    def delete_aggregate(self, aggregate: Aggregate) -> None: ...

    def add_aggregate_host(self, aggregate: Aggregate, host: str) -> Aggregate: ...

    def remove_aggregate_host(self, aggregate: Aggregate, host: str) -> Aggregate: ...

    def cache_aggregate_images(self, aggregate: Aggregate, image_ids: list[str]) -> None: ...
