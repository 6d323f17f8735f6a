"""Neutron RBAC policies: an object (network, security group, address scope, subnet pool)
shared with, or made external for, one project or every project (``*``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource

ACCESS_SHARED = "access_as_shared"
ACCESS_EXTERNAL = "access_as_external"
ACTIONS = (ACCESS_EXTERNAL, ACCESS_SHARED)
ALL_PROJECTS = "*"
# The object types the local backend has (Neutron's also has qos_policy and address_group).
OBJECT_TYPES = ("address_scope", "network", "security_group", "subnetpool")
# Which actions each object type's RBAC table accepts (neutron/db/rbac_db_models.py).
TYPE_ACTIONS = {
    "network": (ACCESS_SHARED, ACCESS_EXTERNAL),
    "security_group": (ACCESS_SHARED,),
    "address_scope": (ACCESS_SHARED,),
    "subnetpool": (ACCESS_SHARED,),
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class RbacPolicy(Resource):
    KIND = "rbac_policy"
    RESOURCE_NAME = "RBACPolicy"

    project_id: str
    object_type: str
    object_id: str
    action: str
    target_project_id: str

    def unique_key(self) -> str | None:
        # Neutron's unique constraint: (target_project, object_id, action).
        return f"{self.object_type}/{self.object_id}/{self.action}/{self.target_project_id}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class RbacPolicySpec:
    object_type: str
    object_id: str
    action: str
    target_project_id: str
    project_id: str | None = None


def rbac_policy_view(policy: RbacPolicy) -> dict[str, Any]:
    """The fields the real client shows."""
    return {
        "action": policy.action,
        "id": policy.id,
        "object_id": policy.object_id,
        "object_type": policy.object_type,
        "project_id": policy.project_id,
        "target_project_id": policy.target_project_id,
    }
