"""Cinder's quotas of a project: limits in the store (by Cinder's names), usage counted from
the volume and snapshot records themselves.

A check runs inside the transaction that then writes the records it counts (BEGIN
IMMEDIATE), as ``quotas.py`` does for Nova's and Neutron's: two processes can never both
take the last volume or gigabyte. The order of the checks and their errors are Cinder's
(``cinder/volume/flows/api/create_volume.py`` QuotaReserveTask, ``quota_utils``).
"""

from __future__ import annotations

from ostack_cli.backend.local import cinder_rules
from ostack_cli.backend.local.cinder_rules import QUOTA_DEFAULTS, type_quota
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.models.server import COMPUTE_QUOTAS, VOLUME_QUOTA_ATTRS, VOLUME_TYPE_QUOTAS
from ostack_cli.backend.models.server import VolumeQuotas as VolumeQuotaSet
from ostack_cli.backend.models.volume import Volume, VolumeQuota, VolumeSnapshot
from ostack_cli.backend.models.volume_backup import VolumeBackup
from ostack_cli.errors import BadRequest, Forbidden

MAX_LIMIT = 2**31 - 1  # Cinder's db.MAX_INT


def cinder_forbidden(rule: str) -> Forbidden:
    """Cinder's PolicyNotAuthorized."""
    return Forbidden(f"Policy doesn't allow {rule} to be performed.")


def split_limits(
    limits: dict[str, int],
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """``set_quotas``' limits (the real client's names) as Nova's, Cinder's (by Cinder's
    names, per-type ones included) and Neutron's."""
    by_name = {name: attr for attr, name in VOLUME_QUOTA_ATTRS.items()}
    compute: dict[str, int] = {}
    volume: dict[str, int] = {}
    network: dict[str, int] = {}
    for name, value in limits.items():
        if name in by_name:
            volume[by_name[name]] = value
        elif name in QUOTA_DEFAULTS or name.startswith(
                tuple(f"{quota}_" for quota in VOLUME_TYPE_QUOTAS)):
            # Cinder's per-type quotas, under Cinder's names (an unknown type's too: Cinder
            # refuses those)
            volume[name] = value
        elif name in COMPUTE_QUOTAS:
            compute[name] = value
        else:
            network[name] = value
    return compute, volume, network


class VolumeQuotas:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- reading ----------------------------------------------------------------------

    def limits(self, project_id: str, *, defaults: bool = False) -> dict[str, int]:
        stored = None if defaults else self.store.get(VolumeQuota, project_id)
        limits = dict(QUOTA_DEFAULTS)
        if stored is not None:
            limits.update({k: v for k, v in stored.limits.items() if k in limits})
        return limits

    def usage(self, project_id: str) -> dict[str, int]:
        """What the project holds, by quota: volumes, snapshots, and the gigabytes of both
        (Cinder counts a snapshot's size against ``gigabytes`` too); backups and theirs."""
        volumes = self.store.list(Volume, project_id=project_id)
        snapshots = self.store.list(VolumeSnapshot, project_id=project_id)
        gigabytes = sum(v.size for v in volumes) + sum(s.size for s in snapshots)
        used = dict.fromkeys(QUOTA_DEFAULTS, 0)
        for attr, count in (("volumes", len(volumes)), ("snapshots", len(snapshots)),
                            ("gigabytes", gigabytes)):
            used[attr] = count
            used[type_quota(attr)] = count  # every volume is of the one type
        backups = self.store.list(VolumeBackup, project_id=project_id)
        used["backups"] = len(backups)
        used["backup_gigabytes"] = sum(b.size for b in backups)
        return used

    def quota_set(self, project_id: str, *, defaults: bool = False,
                  usage: bool = False) -> VolumeQuotaSet:
        """The quota set as os-quota-sets shows it (with usage and reservations: none are
        kept, a check and its records share one transaction)."""
        limits: dict[str, int | None] = dict(self.limits(project_id, defaults=defaults))
        if not usage:
            return VolumeQuotaSet(limits=limits)
        return VolumeQuotaSet(limits=limits, usage=self.usage(project_id),
                              reserved=dict.fromkeys(limits, 0))

    # -- changing ---------------------------------------------------------------------

    def set_limits(self, project_id: str, limits: dict[str, int]) -> None:
        """os-quota-sets update, by Cinder's names (per-type ones included)."""
        if not limits:
            return
        if not self.context.is_admin:
            raise cinder_forbidden("volume_extension:quotas:update")
        for name, value in limits.items():
            if name not in QUOTA_DEFAULTS:
                raise BadRequest(f"Invalid input received: Bad key(s) in quota set: {name}")
            # cinder/utils.py validate_integer
            if value < -1:
                raise BadRequest(f"{name} must be >= -1")
            if value > MAX_LIMIT:
                raise BadRequest(f"{name} must be <= {MAX_LIMIT}")
        with self.store.transaction():
            used = self.usage(project_id)
            for name, value in limits.items():
                # _validate_existing_resource
                if name != "per_volume_gigabytes" and value != -1 and value < used[name]:
                    raise BadRequest(
                        f"Quota {name} limit must be equal or greater than existing "
                        f"resources. Current usage is {used[name]} and the requested limit "
                        f"is {value}.")
            current = self.store.get(VolumeQuota, project_id)
            merged = {**(current.limits if current else {}), **limits}
            record = VolumeQuota(id=project_id, name=project_id, limits=merged)
            if current is None:
                self.store.insert(record)
            else:
                self.store.update(record)

    # -- checks (inside the transaction that writes) -----------------------------------

    def check_volume(self, project_id: str, size: int, *, count: int = 1) -> None:
        """A new volume of ``size`` GiB (``count``: 0 for an extend by ``size``)."""
        limits = self.limits(project_id)
        self.check_size(project_id, size if count else 0, limits)
        deltas = {"gigabytes": size, type_quota("gigabytes"): size}
        if count:
            deltas.update({"volumes": count, type_quota("volumes"): count})
        self._reserve(project_id, "volumes", deltas, size, limits)

    def check_size(self, project_id: str, size: int,
                   limits: dict[str, int] | None = None) -> None:
        """per_volume_gigabytes, which Cinder checks first (a limit, not a reservation)."""
        limit = (limits or self.limits(project_id))["per_volume_gigabytes"]
        if 0 <= limit < size:
            raise cinder_rules.size_over_limit(size, limit)

    def check_snapshot(self, project_id: str, size: int) -> None:
        limits = self.limits(project_id)
        deltas = {"snapshots": 1, type_quota("snapshots"): 1, "gigabytes": size,
                  type_quota("gigabytes"): size}
        self._reserve(project_id, "snapshots", deltas, size, limits)

    def check_backup(self, project_id: str, size: int) -> None:
        limits = self.limits(project_id)
        self._reserve(project_id, "backups", {"backups": 1, "backup_gigabytes": size}, size,
                      limits)

    def check_extend(self, project_id: str, new_size: int, increase: int) -> None:
        """An extend: the new size against per_volume_gigabytes, the increase against
        gigabytes (Cinder's ``_extend``, with its own wording of the over-quota error)."""
        limits = self.limits(project_id)
        self.check_size(project_id, new_size, limits)
        used = self.usage(project_id)
        for name in ("gigabytes", type_quota("gigabytes")):
            limit = limits[name]
            if 0 <= limit < used[name] + increase:
                raise cinder_rules.over_quota("volumes", ["gigabytes"], limits, used, increase)

    def _reserve(self, project_id: str, resource: str, deltas: dict[str, int], size: int,
                 limits: dict[str, int]) -> None:
        used = self.usage(project_id)
        overs = [name for name, delta in deltas.items()
                 if delta > 0 and 0 <= limits[name] < used[name] + delta]
        if overs:
            raise cinder_rules.over_quota(resource, overs, limits, used, size)
