"""Per-project quotas: limits in the store, usage counted from the records themselves.

A check and the insert it guards run in one IMMEDIATE transaction, so two processes can never
both take the last unit of a quota.

Which creates are checked follows the services: Neutron checks a quota only for a resource
created through its API (``neutron/api/v2/base.py`` ``_create``); the ports its plugins make
themselves (router interfaces and gateways, floating IP and DHCP ports) are never checked,
but count against their project like any other (gateway and floating IP ports have none).
"""

from __future__ import annotations

import json

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import neutron_forbidden, nova_forbidden
from ostack_cli.backend.models.quota import COMPUTE_QUOTA_ATTRS, QUOTA_DEFAULTS, Quota
from ostack_cli.errors import BadRequest, QuotaExceeded

# The store kind whose records count against each quota.
COUNTED_KINDS = {
    "instances": "server",
    "floating-ips": "floating_ip",
    "networks": "network",
    "ports": "port",
    "routers": "router",
    "secgroup-rules": "security_group_rule",
    "secgroups": "security_group",
    "server-groups": "server_group",
    "subnet-pools": "subnet_pool",
    "subnets": "subnet",
}
# router-routes is a limit per router (checked with ``check_limit``): Neutron reports no
# usage for it. rbac-policies limit resources the local backend has not.

# Neutron names the resources differently in its over-quota message.
_NEUTRON_NAMES = {
    "floating-ips": "floatingip",
    "networks": "network",
    "ports": "port",
    "rbac-policies": "rbac_policy",
    "router-routes": "router_route",
    "routers": "router",
    "secgroup-rules": "security_group_rule",
    "secgroups": "security_group",
    "subnet-pools": "subnetpool",
    "subnets": "subnet",
}


# Nova's own names (openstacksdk's attributes: key_pairs, metadata_items...) for its errors.
_NOVA_NAMES = {name: attr for attr, name in COMPUTE_QUOTA_ATTRS.items()}
# Nova's schema maximum (db.MAX_INT), Neutron's DB_INTEGER_MAX_VALUE: the same number.
MAX_LIMIT = 2**31 - 1
# Nova reports no project usage of key pairs (they are the user's): any limit fits them.
_NO_PROJECT_USAGE = frozenset({"key-pairs"})


class OverQuota(QuotaExceeded):
    """A quota the request would exceed: ``name`` (``quota show``'s), its usage and limit."""

    def __init__(self, message: str, *, name: str, used: int, limit: int) -> None:
        super().__init__(message)
        self.name = name
        self.used = used
        self.limit = limit


class Quotas:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    def limits(self, project_id: str, *, defaults: bool = False) -> dict[str, int]:
        stored = None if defaults else self.store.get(Quota, project_id)
        limits = dict(QUOTA_DEFAULTS)
        if stored is not None:
            limits.update(stored.limits)
        return limits

    def usage(self, project_id: str) -> dict[str, int]:
        counts = dict(
            self.store.conn.execute(
                "SELECT kind, COUNT(*) FROM resources WHERE project_id = ? GROUP BY kind",
                (project_id,),
            ).fetchall()
        )
        usage = {name: int(counts.get(kind, 0)) for name, kind in COUNTED_KINDS.items()}
        cores, ram = self._server_sums(project_id)
        usage["cores"], usage["ram"] = cores, ram
        # Keypairs belong to users, not projects (Nova): the limit is the project's, the count
        # the acting user's.
        usage["key-pairs"] = self._keypair_count()
        return usage

    def set_limits(self, project_id: str, limits: dict[str, int], *,
                   force: bool = False) -> None:
        """Nova's or Neutron's quota update (one service's limits at a time); ``force``:
        their ``force``, a limit below what the project already uses is then taken."""
        if limits and not self.context.is_admin:
            # The real client sets Nova's quotas first, then Neutron's: the first refuses.
            if any(name not in _NEUTRON_NAMES for name in limits):
                raise nova_forbidden("os_compute_api:os-quota-sets:update")
            raise neutron_forbidden("update_quota")
        for name, value in limits.items():
            if name not in QUOTA_DEFAULTS:
                raise BadRequest(f"Unknown quota {name}.")
            _check_range(name, value)
        with self.store.transaction():
            current = self.store.get(Quota, project_id)
            merged = dict(current.limits if current else {})
            merged.update(limits)
            usage = self.usage(project_id)
            for name, value in limits.items():
                used = usage.get(name, 0)
                if force or name in _NO_PROJECT_USAGE or value == -1 or used <= value:
                    continue
                if name in _NEUTRON_NAMES:
                    # Neutron's check of the usage (the real client sends check_limit
                    # unless --force), in its words
                    raise BadRequest(
                        f"Quota limit {value} for {_NEUTRON_NAMES[name]} must be greater "
                        f"than or equal to already used {used}")
                # nova/api/openstack/compute/quota_sets.py _validate_quota_limit
                raise BadRequest(
                    f"Quota limit {value} for {_NOVA_NAMES.get(name, name)} must be greater "
                    f"than or equal to already used and reserved {used}.")
            record = Quota(id=project_id, name=project_id, limits=merged)
            if current is None:
                self.store.insert(record)
            else:
                self.store.update(record)

    def check(self, project_id: str, requested: dict[str, int]) -> None:
        """Raise the service's over-quota error if ``requested`` more would exceed a limit.

        Call inside the transaction that then creates the records.
        """
        limits = self.limits(project_id)
        usage = self.usage(project_id)
        for name, amount in requested.items():
            limit = limits[name]
            if limit == -1 or amount <= 0:
                continue
            used = usage.get(name, 0)
            if used + amount > limit:
                raise _over_quota(name, amount, used, limit)

    def check_limit(self, project_id: str, values: dict[str, int]) -> None:
        """Neutron's ``limit_check``: a number of items of one resource (a router's routes)
        against the project's limit, whatever is in use elsewhere."""
        limits = self.limits(project_id)
        for name, value in values.items():
            if 0 <= limits[name] < value:
                raise _over_quota(name, value, value, limits[name])

    def _keypair_count(self) -> int:
        row = self.store.conn.execute(
            "SELECT COUNT(*) FROM resources WHERE kind = 'keypair'"
            " AND json_extract(body, '$.user_id') = ?",
            (self.context.user_id,),
        ).fetchone()
        return int(row[0])

    def _server_sums(self, project_id: str) -> tuple[int, int]:
        cores = ram = 0
        for (body,) in self.store.conn.execute(
            "SELECT body FROM resources WHERE kind = 'server' AND project_id = ?", (project_id,)
        ):
            flavor = json.loads(body).get("flavor") or {}
            cores += int(flavor.get("vcpus", 0))
            ram += int(flavor.get("ram", 0))
        return cores, ram


def _check_range(name: str, value: int) -> None:
    """The value's bounds, refused in the words of the service that owns the quota."""
    if -1 <= value <= MAX_LIMIT:
        return
    if name in _NEUTRON_NAMES:
        # neutron-lib validators.validate_range inside "Invalid input for %(attr)s".
        reason = (f"'{value}' is too small - must be at least '-1'" if value < -1 else
                  f"'{value}' is too large - must be no larger than '{MAX_LIMIT}'")
        raise BadRequest(f"Invalid input for {_NEUTRON_NAMES[name]}. Reason: {reason}.")
    bound = ("less than the minimum of -1" if value < -1 else
             f"greater than the maximum of {MAX_LIMIT}")
    raise BadRequest(f"Invalid input for field/attribute {_NOVA_NAMES.get(name, name)}. "
                     f"Value: {value}. {value} is {bound}")


def _over_quota(name: str, requested: int, used: int, limit: int) -> OverQuota:
    if name in _NEUTRON_NAMES:
        # neutron-lib OverQuota: "Quota exceeded for resources: %(overs)s."
        message = f"Quota exceeded for resources: ['{_NEUTRON_NAMES[name]}']."
    elif name == "key-pairs":
        message = "Quota exceeded, too many key pairs."
    else:
        message = (f"Quota exceeded for {name}: Requested {requested}, but already used "
                   f"{used} of {limit} {name}")
    return OverQuota(message, name=name, used=used, limit=limit)


def nova_port_limit(exc: OverQuota) -> QuotaExceeded:
    """Nova's answer to a server create its ports do not fit in: it counts the project's
    ports against Neutron's quota before it builds (``nova/network/neutron.py``
    ``validate_networks``) and refuses with ``PortLimitExceeded`` (``compute/api.py``)."""
    if exc.used > exc.limit:
        return QuotaExceeded(
            f"The number of defined ports: {exc.used} is over the limit: {exc.limit}"
        )
    return QuotaExceeded("Maximum number of ports exceeded")
