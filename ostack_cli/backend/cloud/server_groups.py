"""Server groups through Nova (openstacksdk's compute proxy)."""

from __future__ import annotations

from typing import Any

from openstack.compute.v2 import server_group as sdk_server_group

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.server_group import ServerGroup


def server_group_from_sdk(group: sdk_server_group.ServerGroup) -> ServerGroup:
    policy = group.policy
    if policy is None and group.policies:
        policy = group.policies[0]  # microversions before 2.64 send a list
    return ServerGroup(
        id=group.id,
        name=group.name or "",
        project_id=group.project_id or "",
        user_id=group.user_id or "",
        policy=policy,
        rules=dict(group.rules or {}),
        member_ids=list(group.member_ids or []),
    )


@translate_errors
class CloudServerGroups(CloudBase):
    def server_groups(
        self,
        *,
        all_projects: bool = False,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[ServerGroup]:
        query: dict[str, Any] = {}
        if all_projects:
            query["all_projects"] = True
        if offset:
            query["offset"] = offset
        if limit:
            query["limit"] = limit
        found = [server_group_from_sdk(g) for g in self.conn.compute.server_groups(**query)]
        if not query:
            self._cache_list("server_group", found)
        return found

    def find_server_group(self, name_or_id: str) -> ServerGroup:
        return server_group_from_sdk(
            self.conn.compute.find_server_group(name_or_id, ignore_missing=False))

    def create_server_group(
        self, name: str, policy: str, rules: dict[str, Any] | None = None
    ) -> ServerGroup:
        # As the real client: one policy at 2.64+ (openstacksdk negotiates it).
        kwargs: dict[str, Any] = {"name": name, "policy": policy}
        if rules:
            kwargs["rules"] = rules
        return server_group_from_sdk(self.conn.compute.create_server_group(**kwargs))

    def delete_server_group(self, group: ServerGroup) -> None:
        self.conn.compute.delete_server_group(group.id)
