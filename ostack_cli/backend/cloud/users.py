"""Keystone users through openstacksdk's identity proxy (groups: ``groups.py``)."""

from __future__ import annotations

from typing import Any

from openstack import utils as sdk_utils
from openstack.identity.v3 import _proxy as identity_v3

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.identity import User, UserChanges, UserSpec


def user_from_sdk(user: Any) -> User:
    return User(
        id=user.id,
        name=user.name,
        domain_id=user.domain_id,
        default_project_id=user.default_project_id,
        email=user.email,
        description=user.description,
        is_enabled=user.is_enabled,
        password_expires_at=user.password_expires_at,
        options=dict(user.options or {}),
    )


@translate_errors
class CloudUsers(CloudBase):
    @property
    def _users_proxy(self) -> identity_v3.Proxy:
        return sdk_utils.ensure_service_version(self.conn.identity, "3")

    def users(self, *, domain_id: str | None = None, enabled: bool | None = None) -> list[User]:
        query: dict[str, Any] = {"domain_id": domain_id}
        if enabled is not None:
            query["is_enabled"] = enabled
        return [user_from_sdk(u) for u in self._users_proxy.users(**query)]

    def find_user(self, name_or_id: str, *, domain_id: str | None = None) -> User:
        query = {"domain_id": domain_id} if domain_id else {}
        return user_from_sdk(
            self._users_proxy.find_user(name_or_id, ignore_missing=False, **query)
        )

    def create_user(self, spec: UserSpec) -> User:
        attrs: dict[str, Any] = {"is_enabled": spec.is_enabled, "name": spec.name}
        for key, value in (("domain_id", spec.domain_id if spec.domain_id != "default"
                            else None),
                           ("default_project_id", spec.default_project_id),
                           ("description", spec.description), ("email", spec.email),
                           ("password", spec.password)):
            if value:
                attrs[key] = value
        if spec.options:
            attrs["options"] = dict(spec.options)
        return user_from_sdk(self._users_proxy.create_user(**attrs))

    def update_user(self, user: User, changes: UserChanges) -> User:
        attrs: dict[str, Any] = {}
        for key, value in (("name", changes.name), ("email", changes.email),
                           ("password", changes.password), ("description", changes.description),
                           ("default_project_id", changes.default_project_id)):
            if value:
                attrs[key] = value
        if changes.is_enabled is not None:
            attrs["is_enabled"] = changes.is_enabled
        if changes.options:
            attrs["options"] = dict(changes.options)
        return user_from_sdk(self._users_proxy.update_user(user.id, **attrs))

    def delete_user(self, user: User) -> None:
        self._users_proxy.delete_user(user.id, ignore_missing=False)

