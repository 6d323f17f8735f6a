"""Subnet pools in the local store, and subnets' CIDRs taken from them, with Neutron's rules
and messages (``db_base_plugin_v2`` ``create_subnetpool``/``_get_subnetpool_id``,
``ipam/subnet_alloc.py``, ``ipam_backend_mixin``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

from ostack_cli.backend.local import ipam
from ostack_cli.backend.local.address_scopes import check_pool_scope
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.ipam import IPNetwork, bad_request, invalid_attr, invalid_input
from ostack_cli.backend.local.net_records import bumped, load, unknown_changes
from ostack_cli.backend.local.neutron_input import check_description, check_string, check_tags
from ostack_cli.backend.local.policy import check_neutron_owner, neutron_forbidden
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.local.rbac_records import (
    drop_object_policies,
    granted_objects,
    wildcard,
)
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.network import Subnet, SubnetSpec, TagFilter
from ostack_cli.backend.models.rbac_policy import ACCESS_SHARED
from ostack_cli.backend.models.subnet_pool import SubnetPool, SubnetPoolSpec
from ostack_cli.errors import BadRequest, Conflict, OstackError

POOL_CHANGES = (
    "name", "description", "prefixes", "default_prefixlen", "min_prefixlen", "max_prefixlen",
    "default_quota", "is_default", "address_scope_id", "tags",
)
# SubnetPoolHelper: per IP version, the longest prefix, the default minimum, and the unit
# a pool's quota counts in (a /32 or a /64).
MAX_PREFIXLEN = {4: 32, 6: 128}
DEFAULT_MIN_PREFIXLEN = {4: 8, 6: 64}
QUOTA_UNIT = {4: 32, 6: 64}


def _check_name(value: str | None) -> None:
    """``type:not_empty_name_string``."""
    if value is None:
        return
    check_string("name", value, 255)
    if not value.strip():
        raise invalid_attr("name", f"'{value}' Blank strings are not permitted")


def _non_negative(attr: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise invalid_attr(attr, f"'{value}' should be non-negative")


def _checked_prefixes(prefixes: Sequence[str]) -> list[IPNetwork]:
    """``type:subnet_list``, then the reader's rules: not empty, one IP version; compacted
    as netaddr's IPSet does."""
    seen: list[str] = []
    duplicates: list[str] = []
    for prefix in prefixes:
        if prefix in seen and prefix not in duplicates:
            duplicates.append(prefix)
        seen.append(prefix)
    if duplicates:
        raise invalid_attr("prefixes", f"Duplicate items in the list: '{', '.join(duplicates)}'")
    for prefix in prefixes:
        reason = ipam.subnet_error(prefix)
        if reason:
            raise invalid_attr("prefixes", reason)
    if not prefixes:
        raise BadRequest("Empty subnet pool prefix list.")
    networks = [ipaddress.ip_interface(p).network for p in prefixes]
    if len({n.version for n in networks}) > 1:
        raise BadRequest("Cannot mix IPv4 and IPv6 prefixes in a subnet pool.")
    return _collapse(networks)


def _collapse(networks: Iterable[IPNetwork]) -> list[IPNetwork]:
    """netaddr's IPSet compaction: the fewest CIDRs, in address order."""
    v4 = [n for n in networks if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in networks if isinstance(n, ipaddress.IPv6Network)]
    return [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]


def _bounds_error(kind: str, value: int, base_kind: str, base: int) -> BadRequest:
    return BadRequest(f"Illegal prefix bounds: {kind}={value}, {base_kind}={base}.")


def _check_bounds(version: int, low: int, high: int, default: int) -> None:
    """SubnetPoolHelper's checks, in its order."""
    if low > high:
        raise _bounds_error("min_prefixlen", low, "max_prefixlen", high)
    if high > MAX_PREFIXLEN[version]:
        raise _bounds_error("max_prefixlen", high, "ip_version_max", MAX_PREFIXLEN[version])
    if default < low:
        raise _bounds_error("default_prefixlen", default, "min_prefixlen", low)
    if default > high:
        raise _bounds_error("default_prefixlen", default, "max_prefixlen", high)


def available_prefixes(prefixes: Iterable[str], allocated: Iterable[str]) -> list[IPNetwork]:
    """What a pool still has: its prefixes less its subnets, compacted, smallest blocks first
    (SubnetAllocator ``_get_available_prefix_list``)."""
    free: list[IPNetwork] = [ipaddress.ip_network(p) for p in prefixes]
    for cidr in allocated:
        taken = ipaddress.ip_network(cidr)
        remaining: list[IPNetwork] = []
        for block in free:
            if block.version != taken.version or not block.overlaps(taken):
                remaining.append(block)
            elif taken.subnet_of(block):  # type: ignore[arg-type]
                remaining.extend(block.address_exclude(taken))  # type: ignore[arg-type]
        free = remaining
    return sorted(_collapse(free), key=lambda n: n.prefixlen, reverse=True)


class SubnetPools:
    def __init__(self, context: ServiceContext, *, quotas: Quotas) -> None:
        self.context = context
        self.store = context.store
        self.quotas = quotas

    # -- reading -------------------------------------------------------------------------

    def _visible(self, pool: SubnetPool) -> bool:
        return (self.context.is_admin or pool.is_shared
                or pool.project_id == self.context.project_id
                or pool.id in granted_objects(self.store, "subnetpool", self.context.project_id,
                                              ACCESS_SHARED))

    def find_all(
        self,
        *,
        name: str | None = None,
        project_id: str | None = None,
        shared: bool | None = None,
        is_default: bool | None = None,
        address_scope_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[SubnetPool]:
        result = []
        for pool in self.store.list(SubnetPool, name=name, project_id=project_id):
            checks = ((shared, pool.is_shared), (is_default, pool.is_default),
                      (address_scope_id, pool.address_scope_id))
            if any(wanted is not None and wanted != have for wanted, have in checks):
                continue
            if tags is not None and not tags.matches(pool.tags):
                continue
            if self._visible(pool):
                result.append(pool)
        return result

    def find(self, name_or_id: str) -> SubnetPool:
        return self.context.find(SubnetPool, name_or_id, visible=self._visible)

    def _default_pool(self, ip_version: int) -> SubnetPool | None:
        found = self.find_all(is_default=True)
        return next((p for p in found if p.ip_version == ip_version), None)

    # -- writing -------------------------------------------------------------------------

    def create(self, spec: SubnetPoolSpec) -> SubnetPool:
        _check_name(spec.name)
        check_description(spec.description)
        _non_negative("default_quota", spec.default_quota)
        tags = check_tags(spec.tags, "subnetpools")
        if not self.context.is_admin:
            # Admin-only attributes, counted when not their default, in Neutron's order.
            check_neutron_owner(self.context, spec.project_id)
            attributes = [name for name, given in (("is_default", spec.is_default),
                                                   ("shared", spec.shared)) if given]
            if attributes:
                raise neutron_forbidden("create_subnetpool", attributes)
        prefixes = _checked_prefixes(spec.prefixes)
        version = prefixes[0].version
        low = DEFAULT_MIN_PREFIXLEN[version] if spec.min_prefixlen is None else spec.min_prefixlen
        high = MAX_PREFIXLEN[version] if spec.max_prefixlen is None else spec.max_prefixlen
        default = low if spec.default_prefixlen is None else spec.default_prefixlen
        _check_bounds(version, low, high, default)
        now = utcnow()
        pool = SubnetPool(
            id=new_id(), name=spec.name, project_id=spec.project_id or self.context.project_id,
            prefixes=[str(p) for p in prefixes], ip_version=version, default_prefixlen=default,
            min_prefixlen=low, max_prefixlen=high, default_quota=spec.default_quota,
            is_default=bool(spec.is_default), is_shared=bool(spec.shared),
            description=spec.description or "", tags=tags, created_at=now, updated_at=now,
        )
        with self.store.transaction():
            self.quotas.check(pool.project_id, {"subnet-pools": 1})
            if pool.is_default:
                self._check_no_default(version)
            check_pool_scope(self.context, pool.id, pool.prefixes, version,
                             spec.address_scope_id)
            pool = pool.replace(address_scope_id=spec.address_scope_id or None)
            self.store.insert(pool)
            if pool.is_shared:
                self.store.insert(wildcard(pool.id, pool.project_id, "subnetpool",
                                           ACCESS_SHARED))
        return pool

    def _check_no_default(self, version: int) -> None:
        if self._default_pool(version) is not None:
            raise invalid_input(
                "A default subnetpool for this IP family has already been set. Only one "
                "default may exist per IP family"
            )

    def update(self, pool: SubnetPool, **changes: Any) -> SubnetPool:
        unknown_changes(changes, POOL_CHANGES)
        _check_name(changes.get("name"))
        check_description(changes.get("description"))
        _non_negative("default_quota", changes.get("default_quota"))
        if "tags" in changes:
            changes["tags"] = check_tags(changes["tags"], "subnetpools")
        new_prefixes = None
        if changes.get("prefixes") is not None:
            new_prefixes = _checked_prefixes(changes["prefixes"])
        with self.store.transaction():
            current = load(self.store, SubnetPool, pool.id)
            if (not self.context.is_admin and "is_default" in changes
                    and changes["is_default"] != current.is_default):
                raise neutron_forbidden("update_subnetpool", ["is_default"])
            if new_prefixes is not None:
                old = [ipaddress.ip_network(p) for p in current.prefixes]
                if not all(any(o.version == n.version and o.subnet_of(n)  # type: ignore[arg-type]
                               for n in new_prefixes) for o in old):
                    raise BadRequest("Illegal update to prefixes: Existing prefixes must be a "
                                     "subset of the new prefixes.")
                if new_prefixes[0].version != current.ip_version:
                    raise BadRequest("Cannot mix IPv4 and IPv6 prefixes in a subnet pool.")
                changes["prefixes"] = [str(p) for p in new_prefixes]
            merged = current.replace(**changes)
            _check_bounds(merged.ip_version, merged.min_prefixlen, merged.max_prefixlen,
                          merged.default_prefixlen)
            if merged.is_default and not current.is_default:
                self._check_no_default(merged.ip_version)
            if "address_scope_id" in changes or "prefixes" in changes:
                check_pool_scope(self.context, current.id, merged.prefixes, merged.ip_version,
                                 merged.address_scope_id)
            if merged == current:
                return current
            updated = bumped(current, **changes)
            self.store.update(updated)
        return updated

    def delete(self, pool: SubnetPool) -> None:
        with self.store.transaction():
            current = load(self.store, SubnetPool, pool.id)
            if any(s.subnet_pool_id == current.id for s in self.store.list(Subnet)):
                raise BadRequest(
                    "Unable to delete subnet pool: Subnet pool has existing allocations."
                )
            drop_object_policies(self.store, "subnetpool", current.id)
            self.store.delete(SubnetPool, current.id)

    # -- subnets from pools ------------------------------------------------------------

    def pool_for(self, spec: SubnetSpec) -> SubnetPool | None:
        """``_get_subnetpool_id`` and the request checks around it; None: no pool."""
        if spec.cidr is not None and spec.prefixlen is not None:
            raise bad_request("subnets", "cidr and prefixlen must not be supplied together")
        if spec.subnet_pool_id and spec.use_default_subnet_pool:
            raise bad_request(
                "subnets", "subnetpool_id and use_default_subnetpool cannot both be specified"
            )
        pool: SubnetPool | None = None
        if spec.subnet_pool_id:
            pool = load(self.store, SubnetPool, spec.subnet_pool_id)
        elif spec.use_default_subnet_pool:
            version = (ipaddress.ip_interface(spec.cidr).version if spec.cidr
                       else spec.ip_version)
            pool = self._default_pool(version)
            if pool is None:
                raise bad_request("subnets", f"No default subnetpool found for IPv{version}")
        if pool is None:
            return None
        if spec.cidr is None and spec.allocation_pools is not None:
            raise bad_request("subnets",
                              "allocation_pools allowed only for specific subnet requests.")
        return pool

    def allocate(self, pool: SubnetPool, spec: SubnetSpec) -> str:
        """The CIDR the subnet gets from ``pool`` (call inside the subnet's transaction)."""
        if spec.ip_version != pool.ip_version:
            raise bad_request(
                "subnets",
                f"Cannot allocate IPv{spec.ip_version} subnet from IPv{pool.ip_version} "
                "subnet pool",
            )
        gateway = spec.gateway_ip if spec.gateway_ip not in (None, "auto") else None
        requested: IPNetwork | None = None
        if spec.cidr is not None:
            requested = ipam.parse_cidr(spec.cidr, pool.ip_version)
        prefixlen = self._prefixlen(pool, spec)
        if requested is None and gateway is not None:
            # A gateway alone asks for the subnet around it.
            requested = ipaddress.ip_interface(f"{gateway}/{prefixlen}").network
        if requested is not None:
            prefixlen = requested.prefixlen
        if prefixlen > pool.max_prefixlen:
            raise BadRequest(f"Unable to allocate subnet with prefix length {prefixlen}, "
                             f"maximum allowed prefix is {pool.max_prefixlen}.")
        if prefixlen < pool.min_prefixlen:
            raise BadRequest(f"Unable to allocate subnet with prefix length {prefixlen}, "
                             f"minimum allowed prefix is {pool.min_prefixlen}.")
        allocated = [s for s in self.store.list(Subnet) if s.subnet_pool_id == pool.id]
        self._check_pool_quota(pool, allocated, prefixlen)
        available = available_prefixes(pool.prefixes, [s.cidr for s in allocated])
        if requested is None:
            for block in available:
                if prefixlen >= block.prefixlen:
                    return str(next(block.subnets(new_prefix=prefixlen)))
            raise OstackError("Failed to allocate subnet: Insufficient prefix space to "
                              f"allocate subnet size /{prefixlen}.")
        matched = [b for b in available if requested.network_address in b]
        if len(matched) == 1 and matched[0].prefixlen <= requested.prefixlen:
            return str(requested)
        raise OstackError("Failed to allocate subnet: Cannot allocate requested subnet from "
                          "the available set of prefixes.")

    @staticmethod
    def _prefixlen(pool: SubnetPool, spec: SubnetSpec) -> int:
        if spec.prefixlen is None:
            return pool.default_prefixlen
        try:
            return int(spec.prefixlen)
        except ValueError:
            raise invalid_attr("prefixlen", f"'{spec.prefixlen}' is not an integer") from None

    @staticmethod
    def _check_pool_quota(pool: SubnetPool, allocated: list[Subnet], prefixlen: int) -> None:
        """``_check_subnetpool_project_quota``: the pool's owner's subnets from it, counted
        in /32s (IPv4) or /64s (IPv6), as Neutron counts them."""
        if not pool.default_quota:
            return
        unit = QUOTA_UNIT[pool.ip_version]
        used = sum(2.0 ** (unit - ipaddress.ip_network(s.cidr).prefixlen)
                   for s in allocated if s.project_id == pool.project_id)
        if used + 2.0 ** (unit - prefixlen) > pool.default_quota:
            raise Conflict("Per-project subnet pool prefix quota exceeded.")
