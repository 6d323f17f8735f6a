"""Nova's simple tenant usage through openstacksdk, call for call as the real client's
``usage list`` (``compute.usages(..., detailed=True)``, openstacksdk following the pages'
links, one row an answered project) and ``usage show`` (``compute.get_usage``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.usage import ProjectUsage

# openstacksdk's ServerUsage as the real client prints it: its fields, then the Resource's
# own ``id`` and ``location``, both null in what the real client prints.
_SERVER_USAGE_KEYS = ("hours", "flavor", "instance_id", "name", "project_id", "memory_mb",
                      "local_gb", "vcpus", "started_at", "ended_at", "state", "uptime")


def usage_from_sdk(usage: Any) -> ProjectUsage:
    servers = usage.server_usages
    return ProjectUsage(
        project_id=usage.project_id,
        server_usages=None if servers is None else [
            {**{key: getattr(server, key, None) for key in _SERVER_USAGE_KEYS},
             "id": None, "location": None}
            for server in servers],
        total_memory_mb_usage=usage.total_memory_mb_usage,
        total_vcpus_usage=usage.total_vcpus_usage,
        total_local_gb_usage=usage.total_local_gb_usage,
    )


@translate_errors
class CloudUsages(CloudBase):
    def project_usages(self, start: datetime, end: datetime) -> list[ProjectUsage]:
        return [usage_from_sdk(u)
                for u in self.conn.compute.usages(start=start, end=end, detailed=True)]

    def project_usage(self, project_id: str, start: datetime, end: datetime) -> ProjectUsage:
        return usage_from_sdk(self.conn.compute.get_usage(project_id, start=start, end=end))
