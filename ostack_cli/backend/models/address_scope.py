"""Neutron address scopes: the routing domains subnet pools (and so subnets) belong to."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource


@dataclasses.dataclass(frozen=True, kw_only=True)
class AddressScope(Resource):
    KIND = "address_scope"
    RESOURCE_NAME = "AddressScope"

    project_id: str
    ip_version: int = 4
    # As the requester sees it: shared with everyone, or (RBAC) with the requester's project.
    is_shared: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class AddressScopeSpec:
    name: str
    ip_version: int = 4
    project_id: str | None = None
    shared: bool | None = None


def address_scope_view(scope: AddressScope) -> dict[str, Any]:
    """The fields the real client shows."""
    return {
        "id": scope.id,
        "ip_version": scope.ip_version,
        "name": scope.name,
        "project_id": scope.project_id,
        "shared": scope.is_shared,
    }
