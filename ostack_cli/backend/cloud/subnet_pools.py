"""Subnet pools through openstacksdk's network proxy, as the real client calls it."""

from __future__ import annotations

from typing import Any

from openstack.network.v2 import subnet_pool as sdk_subnet_pool

from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.network import NeutronBase
from ostack_cli.backend.cloud.network_map import present, tag_query
from ostack_cli.backend.models.network import TagFilter
from ostack_cli.backend.models.subnet_pool import SubnetPool, SubnetPoolSpec


def subnet_pool_from_sdk(res: Any) -> SubnetPool:
    return SubnetPool(
        id=res.id,
        name=res.name or "",
        project_id=res.project_id,
        prefixes=list(res.prefixes or []),
        ip_version=res.ip_version,
        default_prefixlen=res.default_prefix_length,
        min_prefixlen=res.minimum_prefix_length,
        max_prefixlen=res.maximum_prefix_length,
        default_quota=res.default_quota,
        is_default=res.is_default,
        is_shared=res.is_shared,
        address_scope_id=res.address_scope_id,
        description=res.description,
        tags=list(res.tags or []),
        revision_number=res.revision_number,
        created_at=res.created_at,
        updated_at=res.updated_at,
    )


@translate_errors
class CloudSubnetPools(NeutronBase):
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
        query = present(name=name, project_id=project_id, is_shared=shared,
                        is_default=is_default, address_scope_id=address_scope_id)
        query.update(tag_query(tags))
        found = [subnet_pool_from_sdk(p) for p in self.conn.network.subnet_pools(**query)]
        if not query:
            self._cache_list("subnet_pool", found)
        return found

    def find_subnet_pool(self, name_or_id: str) -> SubnetPool:
        return subnet_pool_from_sdk(
            self.conn.network.find_subnet_pool(name_or_id, ignore_missing=False))

    def create_subnet_pool(self, spec: SubnetPoolSpec) -> SubnetPool:
        attrs: dict[str, Any] = present(
            name=spec.name, default_prefixlen=spec.default_prefixlen,
            min_prefixlen=spec.min_prefixlen, max_prefixlen=spec.max_prefixlen,
            is_default=spec.is_default, shared=spec.shared, project_id=spec.project_id,
            description=spec.description, default_quota=spec.default_quota,
            address_scope_id=spec.address_scope_id,
        )
        attrs["prefixes"] = list(spec.prefixes)
        pool = self.conn.network.create_subnet_pool(**attrs)
        if spec.tags:
            self._set_tags(sdk_subnet_pool.SubnetPool, pool.id, spec.tags)
            pool.tags = list(spec.tags)
        return subnet_pool_from_sdk(pool)

    def update_subnet_pool(self, pool: SubnetPool, **changes: Any) -> SubnetPool:
        result = self._update(sdk_subnet_pool.SubnetPool, pool, changes,
                              self.conn.network.update_subnet_pool)
        return subnet_pool_from_sdk(result) if result is not None else pool.replace(
            tags=list(changes.get("tags", pool.tags)))

    def delete_subnet_pool(self, pool: SubnetPool) -> None:
        self.conn.network.delete_subnet_pool(pool.id)
