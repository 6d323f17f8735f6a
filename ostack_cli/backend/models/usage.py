"""Nova's simple tenant usage: what each server used within a period (``usage list/show``,
``GET /os-simple-tenant-usage``)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any


@dataclasses.dataclass(frozen=True)
class ServerUsage:
    """One server's share of a period, live or deleted, as Nova's ``server_usages`` list
    it (nova/api/openstack/compute/simple_tenant_usage.py)."""

    instance_id: str
    name: str
    tenant_id: str
    flavor: str
    memory_mb: int
    local_gb: int
    vcpus: int
    hours: float  # within the period: from launch (or its start) to termination (or its end)
    started_at: datetime  # launched (naive UTC, to the second, as Nova's database keeps it)
    ended_at: datetime | None  # terminated
    state: str  # "terminated" once ended, else the server's vm_state
    uptime: int  # seconds from launch to termination, or to now


@dataclasses.dataclass(frozen=True)
class UsagePeriod:
    """The period asked for: ``stop`` is never later than now (Nova cuts it there)."""

    start: datetime
    stop: datetime


@dataclasses.dataclass(frozen=True)
class ProjectUsage:
    """One project's totals over a period, as Nova's ``tenant_usage(s)`` (``usage list/show``).

    Every field is None when Nova answers ``{}`` (no server of the project in the period).
    ``server_usages`` is None unless Nova detailed it: ``usage list`` asks with
    ``detailed=True``, which Nova does not take for ``1``, so it never is there."""

    project_id: str | None
    server_usages: list[dict[str, Any]] | None
    total_memory_mb_usage: float | None
    total_vcpus_usage: float | None
    total_local_gb_usage: float | None
