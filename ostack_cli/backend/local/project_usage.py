"""``usage list/show`` on the local store: the server usages ``ostack api`` serves as
``os-simple-tenant-usage``, totalled per project as Nova's view does
(nova/api/openstack/compute/simple_tenant_usage.py): the period checked and cut to now,
each server's hours times its flavor's size summed in the servers' order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ostack_cli.backend.models.usage import ProjectUsage, ServerUsage, UsagePeriod
from ostack_cli.errors import BadRequest

_WIRE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"  # Nova's times, as openstacksdk hands them on


def usage_period(start: datetime, end: datetime) -> UsagePeriod:
    """Nova's ``_get_datetime_range``: start before end, an end in the future cut to now."""
    if not start < end:
        raise BadRequest("Invalid start time. The start time cannot occur after the end "
                         "time.")
    return UsagePeriod(start=start, stop=min(end, datetime.now(UTC).replace(tzinfo=None)))


def project_totals(usages: list[ServerUsage], *, detailed: bool) -> list[ProjectUsage]:
    """One row a project, in the order the projects first appear."""
    grouped: dict[str, list[ServerUsage]] = {}
    for usage in usages:
        grouped.setdefault(usage.tenant_id, []).append(usage)
    return [_totals(project_id, servers, detailed) for project_id, servers in grouped.items()]


def empty_usage() -> ProjectUsage:
    """Nova's ``{}`` for a project without servers in the period."""
    return ProjectUsage(project_id=None, server_usages=None, total_memory_mb_usage=None,
                        total_vcpus_usage=None, total_local_gb_usage=None)


def _totals(project_id: str, servers: list[ServerUsage], detailed: bool) -> ProjectUsage:
    memory = vcpus = disk = 0.0
    for server in servers:
        disk += server.local_gb * server.hours
        vcpus += server.vcpus * server.hours
        memory += server.memory_mb * server.hours
    return ProjectUsage(
        project_id=project_id,
        server_usages=[_server_view(s) for s in servers] if detailed else None,
        total_memory_mb_usage=memory, total_vcpus_usage=vcpus, total_local_gb_usage=disk)


def _time(value: datetime | None) -> str | None:
    return value.strftime(_WIRE_FORMAT) if value is not None else None


def _server_view(usage: ServerUsage) -> dict[str, Any]:
    """A server's usage as openstacksdk's ``ServerUsage.to_dict()`` gives it to the real
    client (its own ``id``, ``name`` and ``location`` keys included)."""
    return {"hours": usage.hours, "flavor": usage.flavor, "instance_id": usage.instance_id,
            "name": usage.name, "project_id": usage.tenant_id, "memory_mb": usage.memory_mb,
            "local_gb": usage.local_gb, "vcpus": usage.vcpus,
            "started_at": _time(usage.started_at), "ended_at": _time(usage.ended_at),
            "state": usage.state, "uptime": usage.uptime, "id": None, "location": None}
