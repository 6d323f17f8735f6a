"""Keystone's groups and their members."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models import Resource
from ostack_cli.backend.models.identity import DEFAULT_DOMAIN_ID


@dataclasses.dataclass(frozen=True, kw_only=True)
class Group(Resource):
    KIND = "group"
    RESOURCE_NAME = "Group"

    domain_id: str = DEFAULT_DOMAIN_ID
    description: str = ""
    created_at: str = ""

    def unique_key(self) -> str | None:
        # Keystone: group names are unique within a domain.
        return f"{self.domain_id}/{self.name}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class GroupMembership(Resource):
    """A user in a group (Keystone's ``user_group_membership``); its ID is
    ``<group_id>|<user_id>``."""

    KIND = "group_membership"
    RESOURCE_NAME = "GroupMembership"

    group_id: str
    user_id: str
    created_at: str = ""

    @staticmethod
    def key(group_id: str, user_id: str) -> str:
        return f"{group_id}|{user_id}"
