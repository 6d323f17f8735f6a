"""Neutron subnet pools: prefixes a project's subnets take their CIDRs from."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource


@dataclasses.dataclass(frozen=True, kw_only=True)
class SubnetPool(Resource):
    KIND = "subnet_pool"
    RESOURCE_NAME = "SubnetPool"

    project_id: str
    prefixes: list[str] = dataclasses.field(default_factory=list)  # compacted CIDRs
    ip_version: int = 4
    default_prefixlen: int = 8
    min_prefixlen: int = 8
    max_prefixlen: int = 32
    default_quota: int | None = None
    is_default: bool = False
    is_shared: bool = False
    address_scope_id: str | None = None
    description: str = ""
    tags: list[str] = dataclasses.field(default_factory=list)
    revision_number: int = 0
    created_at: str = ""
    updated_at: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SubnetPoolSpec:
    """What ``subnet pool create`` asks for; None means "Neutron's default"."""

    name: str
    prefixes: list[str]
    project_id: str | None = None
    default_prefixlen: int | None = None
    min_prefixlen: int | None = None
    max_prefixlen: int | None = None
    default_quota: int | None = None
    is_default: bool | None = None
    shared: bool | None = None
    description: str | None = None
    address_scope_id: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)


def subnet_pool_view(pool: SubnetPool) -> dict[str, Any]:
    """The fields the real client shows (openstacksdk's names mapped back to Neutron's)."""
    return {
        "address_scope_id": pool.address_scope_id,
        "created_at": pool.created_at,
        "default_prefixlen": pool.default_prefixlen,
        "default_quota": pool.default_quota,
        "description": pool.description,
        "id": pool.id,
        "ip_version": pool.ip_version,
        "is_default": pool.is_default,
        "max_prefixlen": pool.max_prefixlen,
        "min_prefixlen": pool.min_prefixlen,
        "name": pool.name,
        "prefixes": list(pool.prefixes),
        "project_id": pool.project_id,
        "revision_number": pool.revision_number,
        "shared": pool.is_shared,
        "tags": list(pool.tags),
        "updated_at": pool.updated_at,
    }
