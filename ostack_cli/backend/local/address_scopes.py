"""Address scopes in the local store, with Neutron's rules and messages
(neutron/db/address_scope_db.py; the subnet pool side is ``check_pool_scope`` below, from
db_base_plugin_v2 ``_validate_address_scope_id``)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.ipam import invalid_attr
from ostack_cli.backend.local.net_records import network_subnets, unknown_changes
from ostack_cli.backend.local.neutron_input import check_string
from ostack_cli.backend.local.policy import check_neutron_owner, neutron_forbidden
from ostack_cli.backend.local.rbac_records import (
    drop_object_policies,
    find_wildcard,
    granted_objects,
    wildcard,
)
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.address_scope import AddressScope, AddressScopeSpec
from ostack_cli.backend.models.network import Network, Subnet
from ostack_cli.backend.models.rbac_policy import ACCESS_SHARED
from ostack_cli.backend.models.subnet_pool import SubnetPool
from ostack_cli.errors import BadRequest, Conflict, NotFound
from ostack_cli.state.store import Store

SCOPE_CHANGES = ("name", "is_shared")


def scope_not_found(scope_id: str) -> NotFound:
    return NotFound(f"Address scope {scope_id} could not be found.")


class AddressScopes:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- reading -------------------------------------------------------------------------

    def _granted(self) -> set[str]:
        return granted_objects(self.store, "address_scope", self.context.project_id,
                               ACCESS_SHARED)

    def _seen(self, scope: AddressScope, granted: set[str]) -> AddressScope | None:
        """The scope as the requester sees it, or None if it may not."""
        shared = scope.is_shared or scope.id in granted
        if not (self.context.is_admin or shared or scope.project_id == self.context.project_id):
            return None
        return scope.replace(is_shared=shared) if shared != scope.is_shared else scope

    def find_all(
        self,
        *,
        name: str | None = None,
        ip_version: int | None = None,
        project_id: str | None = None,
        shared: bool | None = None,
    ) -> list[AddressScope]:
        granted = self._granted()
        result = []
        for stored in self.store.list(AddressScope, name=name, project_id=project_id):
            scope = self._seen(stored, granted)
            if scope is None:
                continue
            if ip_version is not None and scope.ip_version != ip_version:
                continue
            if shared is not None and scope.is_shared != shared:
                continue
            result.append(scope)
        # Neutron's rows come in primary-key order.
        return sorted(result, key=lambda s: s.id)

    def find(self, name_or_id: str) -> AddressScope:
        granted = self._granted()
        found = self.context.find(AddressScope, name_or_id,
                                  visible=lambda s: self._seen(s, granted) is not None)
        seen = self._seen(found, granted)
        assert seen is not None
        return seen

    # -- writing -------------------------------------------------------------------------

    def create(self, spec: AddressScopeSpec) -> AddressScope:
        _check_name(spec.name)
        if spec.ip_version not in (4, 6):
            raise invalid_attr("ip_version", f"{spec.ip_version} is not in [4, 6]")
        if not self.context.is_admin:
            check_neutron_owner(self.context, spec.project_id)
            if spec.shared:
                raise neutron_forbidden("create_address_scope", ["shared"])
        project_id = spec.project_id or self.context.project_id
        scope = AddressScope(id=new_id(), name=spec.name, project_id=project_id,
                             ip_version=spec.ip_version, is_shared=bool(spec.shared))
        with self.store.transaction():
            self.store.insert(scope)
            if scope.is_shared:
                # rbac_db's create hook shares it in the owner's name.
                self.store.insert(wildcard(scope.id, project_id, "address_scope",
                                           ACCESS_SHARED))
        return scope

    def update(self, scope: AddressScope, **changes: Any) -> AddressScope:
        unknown_changes(changes, SCOPE_CHANGES)
        _check_name(changes.get("name"))
        with self.store.transaction():
            current = self.store.get(AddressScope, scope.id)
            if current is None:
                raise scope_not_found(scope.id)
            if not self.context.is_admin:
                if current.project_id != self.context.project_id:
                    raise scope_not_found(scope.id)
                if "is_shared" in changes and changes["is_shared"] != current.is_shared:
                    raise neutron_forbidden("update_address_scope", ["shared"])
            if changes.get("is_shared") is False and current.is_shared:
                # ``AddressScopeUpdateError``: sharing is not taken back through the flag.
                raise BadRequest(f"Unable to update address scope {current.id} : Shared "
                                 "address scope can't be unshared.")
            updated = current.replace(**changes)
            if updated.is_shared and not current.is_shared:
                found = find_wildcard(self.store, "address_scope", current.id, ACCESS_SHARED)
                if found is None:
                    self.store.insert(wildcard(current.id, self.context.project_id,
                                               "address_scope", ACCESS_SHARED))
            if updated != current:
                self.store.update(updated)
        return self.find(updated.id)

    def delete(self, scope: AddressScope) -> None:
        with self.store.transaction():
            current = self.store.get(AddressScope, scope.id)
            if current is None:
                raise scope_not_found(scope.id)
            if any(p.address_scope_id == current.id for p in self.store.list(SubnetPool)):
                raise Conflict(f"Unable to complete operation on address scope {current.id}. "
                               "There are one or more subnet pools in use on the address "
                               "scope.")
            drop_object_policies(self.store, "address_scope", current.id)
            self.store.delete(AddressScope, current.id)


def _check_name(value: str | None) -> None:
    if value is not None:
        check_string("name", value, 255)


def check_pool_scope(context: ServiceContext, pool_id: str, prefixes: list[str],
                     ip_version: int, address_scope_id: str | None) -> None:
    """``_validate_address_scope_id``: the scope exists and is the requester's or shared
    with it, has the pool's IP version, the pool's networks stay in one scope per family,
    and no other pool of the scope overlaps the pool's prefixes."""
    if not address_scope_id:
        return
    store = context.store
    scope = store.get(AddressScope, address_scope_id)
    if scope is None:
        raise scope_not_found(address_scope_id)
    accessible = (context.is_admin or scope.project_id == context.project_id
                  or scope.is_shared or scope.id in granted_objects(
                      store, "address_scope", context.project_id, ACCESS_SHARED))
    if not accessible:
        raise BadRequest(f"Illegal subnetpool association: subnetpool {pool_id} cannot be "
                         f"associated with address scope {address_scope_id}.")
    if scope.ip_version != ip_version:
        raise BadRequest(f"Illegal subnetpool association: subnetpool {pool_id} cannot "
                         f"associate with address scope {address_scope_id} because "
                         f"subnetpool ip_version is not {scope.ip_version}.")
    _check_network_affinity(store, pool_id, ip_version)
    mine = [ipaddress.ip_network(p) for p in prefixes]
    for other in store.list(SubnetPool):
        if other.id == pool_id or other.address_scope_id != address_scope_id:
            continue
        if any(a.overlaps(ipaddress.ip_network(b)) for a in mine for b in other.prefixes):
            raise Conflict("Failed to associate address scope: subnetpools within an address "
                           "scope must have unique prefixes.")


def _check_network_affinity(store: Store, pool_id: str, ip_version: int) -> None:
    rescoped = [s for s in store.list(Subnet) if s.subnet_pool_id == pool_id]
    networks = {s.network_id for s in rescoped}
    ids = {s.id for s in rescoped}
    for network_id in networks:
        if any(s.ip_version == ip_version and s.id not in ids
               for s in network_subnets(store, network_id)):
            raise BadRequest("Subnets of the same address family hosted on the same network "
                             "must all participate in the same address scope.")


class NetworkScopes:
    """``ipv4_address_scope`` / ``ipv6_address_scope``: per IP family, the scope of the pool
    the network's subnets come from (address_scope_db ``get_network_address_scope``); one
    read of the pools, and of the subnets only when some pool has a scope."""

    def __init__(self, store: Store) -> None:
        scoped = {p.id: p.address_scope_id for p in store.list(SubnetPool) if p.address_scope_id}
        self.by_network: dict[str, dict[int, str]] = {}
        if scoped:
            for subnet in store.list(Subnet):
                scope = scoped.get(subnet.subnet_pool_id or "")
                if scope is not None:
                    self.by_network.setdefault(subnet.network_id, {}).setdefault(
                        subnet.ip_version, scope)

    def apply(self, network: Network) -> Network:
        scopes = self.by_network.get(network.id, {})
        v4, v6 = scopes.get(4), scopes.get(6)
        if (v4, v6) == (network.ipv4_address_scope_id, network.ipv6_address_scope_id):
            return network
        return network.replace(ipv4_address_scope_id=v4, ipv6_address_scope_id=v6)
