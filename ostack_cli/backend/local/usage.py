"""Nova's simple tenant usage on the local store: the servers that ran within a period, live
ones and deleted ones (their last records, ``DeletedServer``), with the hours each ran and its
flavor's size, as nova/api/openstack/compute/simple_tenant_usage.py counts them.

- A server counts when it was launched before the period's end and not terminated before its
  start (``InstanceList.get_active_by_window_joined``); one never launched counts for
  nothing.
- Ordered by project, then server ID (the database query's sort keys), paged by ``limit`` and
  a ``marker`` server ID.
- Policy (nova/policies/simple_tenant_usage.py): every project's usage is the admin's only;
  a project's own usage is its members' too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import nova_forbidden
from ostack_cli.backend.local.server_records import DeletedServer
from ostack_cli.backend.models.server import Server
from ostack_cli.backend.models.usage import ServerUsage, UsagePeriod
from ostack_cli.errors import BadRequest

POLICY = "os_compute_api:os-simple-tenant-usage:%s"


def stored_time(text: str | None) -> datetime | None:
    """A stored timestamp as Nova's database returns it: naive UTC, to the second."""
    if not text:
        return None
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def server_usage(server: Server, period: UsagePeriod, now: datetime) -> ServerUsage | None:
    launched = stored_time(server.launched_at)
    if launched is None:
        return None
    terminated = stored_time(server.terminated_at)
    if (terminated is not None and terminated < period.start) or launched > period.stop:
        hours = 0.0
    else:
        stop = min(period.stop, terminated) if terminated is not None else period.stop
        hours = (stop - max(launched, period.start)).total_seconds() / 3600.0
    flavor = server.flavor or {}
    return ServerUsage(
        instance_id=server.id, name=server.name, tenant_id=server.project_id,
        flavor=str(flavor.get("original_name") or ""),
        memory_mb=int(flavor.get("ram") or 0),
        local_gb=int(flavor.get("disk") or 0) + int(flavor.get("ephemeral") or 0),
        vcpus=int(flavor.get("vcpus") or 0), hours=hours, started_at=launched,
        ended_at=terminated, state="terminated" if terminated else server.vm_state,
        uptime=int(((terminated or now) - launched).total_seconds()),
    )


class ServerUsages:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    def find(self, period: UsagePeriod, *, project_id: str | None = None,
             limit: int | None = None, marker: str | None = None) -> list[ServerUsage]:
        """The usage of ``project_id``'s servers (every project's when None)."""
        if project_id is None and not self.context.is_admin:
            raise nova_forbidden(POLICY % "list")
        if project_id not in (None, self.context.project_id) and not self.context.is_admin:
            raise nova_forbidden(POLICY % "show")
        window = [s for s in [*self.store.list(Server), *self.store.list(DeletedServer)]
                  if self._ran_within(s, period)
                  and (project_id is None or s.project_id == project_id)]
        window.sort(key=lambda s: (s.project_id, s.id))
        if marker is not None:
            after = [i for i, s in enumerate(window) if s.id == marker]
            if not after:
                raise BadRequest(f"Marker {marker} could not be found.")
            window = window[after[0] + 1:]
        if limit is not None:
            window = window[:limit]
        now = datetime.now(UTC).replace(tzinfo=None)
        return [usage for usage in (server_usage(s, period, now) for s in window)
                if usage is not None]

    @staticmethod
    def _ran_within(server: Server, period: UsagePeriod) -> bool:
        launched = stored_time(server.launched_at)
        terminated = stored_time(server.terminated_at)
        return (launched is not None and launched < period.stop
                and (terminated is None or terminated > period.start))
