"""Address scopes through openstacksdk's network proxy, as the real client calls it."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.network import NeutronBase
from ostack_cli.backend.cloud.network_map import present
from ostack_cli.backend.models.address_scope import AddressScope, AddressScopeSpec


def address_scope_from_sdk(res: Any) -> AddressScope:
    return AddressScope(id=res.id, name=res.name or "", project_id=res.project_id,
                        ip_version=res.ip_version, is_shared=bool(res.is_shared))


@translate_errors
class CloudAddressScopes(NeutronBase):
    def address_scopes(
        self,
        *,
        name: str | None = None,
        ip_version: int | None = None,
        project_id: str | None = None,
        shared: bool | None = None,
    ) -> list[AddressScope]:
        query = present(name=name, ip_version=ip_version, project_id=project_id,
                        is_shared=shared)
        return [address_scope_from_sdk(s) for s in self.conn.network.address_scopes(**query)]

    def find_address_scope(self, name_or_id: str) -> AddressScope:
        return address_scope_from_sdk(
            self.conn.network.find_address_scope(name_or_id, ignore_missing=False))

    def create_address_scope(self, spec: AddressScopeSpec) -> AddressScope:
        attrs = present(name=spec.name, ip_version=spec.ip_version, shared=spec.shared,
                        project_id=spec.project_id)
        return address_scope_from_sdk(self.conn.network.create_address_scope(**attrs))

    def update_address_scope(self, scope: AddressScope, **changes: Any) -> AddressScope:
        attrs = {("shared" if key == "is_shared" else key): value
                 for key, value in changes.items()}
        return address_scope_from_sdk(self.conn.network.update_address_scope(scope.id, **attrs))

    def delete_address_scope(self, scope: AddressScope) -> None:
        self.conn.network.delete_address_scope(scope.id)
