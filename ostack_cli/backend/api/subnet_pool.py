"""Subnet pools (Neutron's ``subnet_allocation`` and ``default-subnetpools``)."""

from __future__ import annotations

from typing import Any, Protocol

from ostack_cli.backend.models.network import TagFilter
from ostack_cli.backend.models.subnet_pool import SubnetPool, SubnetPoolSpec


class SubnetPoolAPI(Protocol):
    def subnet_pools(
        self,
        *,
        name: str | None = None,
        project_id: str | None = None,
        shared: bool | None = None,
        is_default: bool | None = None,
        address_scope_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[SubnetPool]:
        """The project's own pools and the shared ones (an admin's: all)."""
        ...

    def find_subnet_pool(self, name_or_id: str) -> SubnetPool: ...

    def create_subnet_pool(self, spec: SubnetPoolSpec) -> SubnetPool: ...

    def update_subnet_pool(self, pool: SubnetPool, **changes: Any) -> SubnetPool:
        """``name, description, prefixes (the whole new list), default_prefixlen,
        min_prefixlen, max_prefixlen, default_quota, is_default, address_scope_id, tags``."""
        ...

    def delete_subnet_pool(self, pool: SubnetPool) -> None: ...
