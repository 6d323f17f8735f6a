"""Address scopes (Neutron's ``address-scope`` extension)."""

from __future__ import annotations

from typing import Any, Protocol

from ostack_cli.backend.models.address_scope import AddressScope, AddressScopeSpec


class AddressScopeAPI(Protocol):
    def address_scopes(
        self,
        *,
        name: str | None = None,
        ip_version: int | None = None,
        project_id: str | None = None,
        shared: bool | None = None,
    ) -> list[AddressScope]:
        """The project's own scopes and those shared with it (an admin's: all)."""
        ...

    def find_address_scope(self, name_or_id: str) -> AddressScope: ...

    def create_address_scope(self, spec: AddressScopeSpec) -> AddressScope: ...

    def update_address_scope(self, scope: AddressScope, **changes: Any) -> AddressScope:
        """``name, is_shared``."""
        ...

    def delete_address_scope(self, scope: AddressScope) -> None: ...
