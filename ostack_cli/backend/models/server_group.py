"""Nova's server groups: a scheduling policy its member servers are placed by."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource

# nova/api/openstack/compute/schemas/server_groups.py (microversion 2.64+)
POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")
MAX_SERVER_PER_HOST = "max_server_per_host"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServerGroup(Resource):
    KIND = "server_group"
    RESOURCE_NAME = "ServerGroup"

    project_id: str
    user_id: str
    # One policy and its rules (2.64+); None where a cloud answered an older microversion.
    policy: str | None = None
    rules: dict[str, Any] = dataclasses.field(default_factory=dict)
    # The servers placed by the group, in the order they joined. Nova keeps deleted
    # servers here and shows only the others: ``members`` is the shown list.
    member_ids: list[str] = dataclasses.field(default_factory=list)
    created_at: str = ""
