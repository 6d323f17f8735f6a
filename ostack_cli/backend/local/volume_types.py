"""Volume types: Cinder's ``__DEFAULT__``, the one type the local block storage has (every
volume is a qcow2 file on this host), with an ID of the store's own as Cinder's database
migration gives it one."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.volume_quotas import cinder_forbidden
from ostack_cli.backend.local.volume_records import store_uuid
from ostack_cli.backend.models.volume import (
    DEFAULT_TYPE_DESCRIPTION,
    DEFAULT_VOLUME_TYPE,
    VolumeType,
)
from ostack_cli.errors import NotFound, not_found


class VolumeTypes:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    def default(self) -> VolumeType:
        """Cinder's ``__DEFAULT__`` type, with an ID of this store's own (never stored:
        nothing about it changes)."""
        return VolumeType(id=store_uuid(self.store, "volume-type:" + DEFAULT_VOLUME_TYPE),
                          name=DEFAULT_VOLUME_TYPE, description=DEFAULT_TYPE_DESCRIPTION)

    def find_all(self, *, default: bool = False, is_public: bool | None = None) -> list[VolumeType]:
        types = [self.default()]
        if is_public is not None:
            types = [t for t in types if t.is_public == is_public]
        return types

    def find(self, name_or_id: str) -> VolumeType:
        default = self.default()
        if name_or_id in (default.id, default.name):
            return default
        raise not_found("Type", name_or_id)

    def resolve(self, name_or_id: str | None) -> VolumeType:
        """The type a new volume gets: the one named (Cinder's 404 when it has none such),
        else the default."""
        default = self.default()
        if name_or_id is None or name_or_id in (default.id, default.name):
            return default
        raise NotFound(f"Volume type with name {name_or_id} could not be found.")

    def encryption(self, volume_type: VolumeType) -> dict[str, Any] | None:
        """Cinder's type encryption (admins): none here, no key manager to keep keys in."""
        if not self.context.is_admin:
            raise cinder_forbidden("volume_extension:volume_type_encryption:get")
        return {}
