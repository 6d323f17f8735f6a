"""Nova's view of its hosts: the services that run on them (``compute service``), the
deprecated os-hosts API (``host list|show``), host aggregates and the hypervisors' totals."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource

# nova/conf: default_availability_zone and internal_service_availability_zone.
DEFAULT_ZONE = "nova"
INTERNAL_ZONE = "internal"
COMPUTE_BINARY = "nova-compute"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ComputeService:
    """One Nova service on one host, as ``GET /os-services`` shows it (2.53+: UUID ids)."""

    id: str
    binary: str
    host: str
    zone: str
    status: str  # enabled | disabled
    state: str  # up | down
    updated_at: str | None
    disabled_reason: str | None = None
    forced_down: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class HostService:
    """A row of the os-hosts list: a service's host, topic and zone."""

    host_name: str
    service: str
    zone: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class HostResource:
    """A row of ``host show``: a host's totals, use, and use by project."""

    host: str
    project: str
    cpu: int
    memory_mb: int
    disk_gb: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class Aggregate(Resource):
    """A host aggregate. ``id`` is Nova's integer ID (as text in the store); ``uuid`` is None
    where Nova's answer leaves it out (answers below microversion 2.41, which openstacksdk
    gets for the aggregate actions)."""

    KIND = "aggregate"
    RESOURCE_NAME = "Aggregate"

    uuid: str | None = None
    # Nova's answer carries the zone beside the metadata that holds it (a create's answer
    # has the zone and no metadata).
    availability_zone: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    hosts: list[str] = dataclasses.field(default_factory=list)
    created_at: str = ""
    updated_at: str | None = None

    def unique_key(self) -> str | None:
        return f"aggregate:{self.name}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class HypervisorStatistics:
    """``GET /os-hypervisors/statistics`` (microversion 2.1): every hypervisor summed."""

    values: dict[str, Any]
