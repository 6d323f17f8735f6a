"""Keystone groups and their members through openstacksdk's identity proxy."""

from __future__ import annotations

from typing import Any

from openstack import utils as sdk_utils
from openstack.identity.v3 import _proxy as identity_v3

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.users import user_from_sdk
from ostack_cli.backend.models.identity import Group, User


def group_from_sdk(group: Any) -> Group:
    return Group(id=group.id, name=group.name, domain_id=group.domain_id,
                 description=group.description or "")


@translate_errors
class CloudGroups(CloudBase):
    @property
    def _groups_proxy(self) -> identity_v3.Proxy:
        return sdk_utils.ensure_service_version(self.conn.identity, "3")

    def groups(self, *, domain_id: str | None = None) -> list[Group]:
        query = {"domain_id": domain_id} if domain_id else {}
        return [group_from_sdk(g) for g in self._groups_proxy.groups(**query)]

    def user_groups(self, user_id: str) -> list[Group]:
        return [group_from_sdk(g) for g in self._groups_proxy.user_groups(user_id)]

    def find_group(self, name_or_id: str, *, domain_id: str | None = None) -> Group:
        query = {"domain_id": domain_id} if domain_id else {}
        return group_from_sdk(
            self._groups_proxy.find_group(name_or_id, ignore_missing=False, **query)
        )

    def find_group_id(self, name_or_id: str, *, domain_id: str | None = None) -> str:
        return self.find_group(name_or_id, domain_id=domain_id).id

    def create_group(
        self, name: str, *, domain_id: str | None = None, description: str | None = None
    ) -> Group:
        # The real client sends only what was given.
        attrs = {k: v for k, v in (("name", name), ("description", description),
                                   ("domain_id", domain_id)) if v}
        return group_from_sdk(self._groups_proxy.create_group(**attrs))

    def update_group(
        self, group_id: str, *, name: str | None = None, description: str | None = None
    ) -> Group:
        attrs = {k: v for k, v in (("name", name), ("description", description)) if v}
        return group_from_sdk(self._groups_proxy.update_group(group_id, **attrs))

    def delete_group(self, group_id: str) -> None:
        self._groups_proxy.delete_group(group_id, ignore_missing=False)

    def group_users(self, group_id: str) -> list[User]:
        return [user_from_sdk(u) for u in self._groups_proxy.group_users(group_id)]

    def add_user_to_group(self, user_id: str, group_id: str) -> None:
        self._groups_proxy.add_user_to_group(user_id, group_id)

    def remove_user_from_group(self, user_id: str, group_id: str) -> None:
        self._groups_proxy.remove_user_from_group(user_id, group_id)

    def check_user_in_group(self, user_id: str, group_id: str) -> bool:
        # openstacksdk answers a 404 with False; a 403 raises (translated to Forbidden).
        return bool(self._groups_proxy.check_user_in_group(user_id, group_id))
