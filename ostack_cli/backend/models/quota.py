"""Quotas: Nova's, Neutron's and Cinder's names and defaults, and a project's limits."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models import Resource

# openstacksdk's quota attributes -> the real client's quota names (its `quota set` options).
# Compute's are in the order Nova sends its quota set, which the real client prints.
COMPUTE_QUOTA_ATTRS: dict[str, str] = {
    "cores": "cores",
    "injected_file_content_bytes": "injected-file-size",
    "injected_file_path_bytes": "injected-path-size",
    "injected_files": "injected-files",
    "instances": "instances",
    "key_pairs": "key-pairs",
    "metadata_items": "properties",
    "ram": "ram",
    "server_group_members": "server-group-members",
    "server_groups": "server-groups",
}
NETWORK_QUOTA_ATTRS: dict[str, str] = {
    "floating_ips": "floating-ips",
    "networks": "networks",
    "ports": "ports",
    "rbac_policies": "rbac-policies",
    "router_routes": "router-routes",
    "routers": "routers",
    "security_group_rules": "secgroup-rules",
    "security_groups": "secgroups",
    "subnet_pools": "subnet-pools",
    "subnets": "subnets",
}
# The quotas with Nova's and Neutron's defaults, compute first in the order Nova sends them
# (`quota show` lays its rows out from these as the real client does: commands/quota.py).
QUOTA_DEFAULTS: dict[str, int] = {
    "cores": 20,
    "injected-file-size": 10240,
    "injected-path-size": 255,
    "injected-files": 5,
    "instances": 10,
    "key-pairs": 100,
    "properties": 128,
    "ram": 51200,
    "server-group-members": 10,
    "server-groups": 10,
    "floating-ips": 50,
    "networks": 100,
    "ports": 500,
    "rbac-policies": 10,
    "router-routes": 30,
    "routers": 10,
    "secgroup-rules": 100,
    "secgroups": 10,
    "subnet-pools": -1,
    "subnets": 100,
}
COMPUTE_QUOTAS = frozenset(COMPUTE_QUOTA_ATTRS.values())
NETWORK_QUOTAS = frozenset(NETWORK_QUOTA_ATTRS.values())
# Cinder's quota attributes -> the real client's names, in the real client's order (it renames,
# and so moves to the end of `quota show`, in this order; `quota set` sends them in it too).
VOLUME_QUOTA_ATTRS: dict[str, str] = {
    "backups": "backups",
    "backup_gigabytes": "backup-gigabytes",
    "gigabytes": "gigabytes",
    "groups": "groups",
    "per_volume_gigabytes": "per-volume-gigabytes",
    "snapshots": "snapshots",
    "volumes": "volumes",
}
VOLUME_QUOTAS = frozenset(VOLUME_QUOTA_ATTRS.values())
# The quotas Cinder also keeps per volume type, as "<quota>_<type>" ("volumes___DEFAULT__" for
# the type "__DEFAULT__"): `quota set --volume-type T` sets those instead.
VOLUME_TYPE_QUOTAS = ("gigabytes", "snapshots", "volumes")


def volume_type_quota(attr: str, volume_type: str) -> str:
    """Cinder's name for quota ``attr`` of one volume type."""
    return f"{attr}_{volume_type}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolumeQuotas:
    """A project's Cinder quota set as openstacksdk presents it: every quota by Cinder's name
    (per-type ones included), in the order of the SDK's ``to_dict()``, which the real client
    prints; a quota the SDK knows but Cinder did not send is None."""

    limits: dict[str, int | None]
    usage: dict[str, int] = dataclasses.field(default_factory=dict)  # ``--usage`` only
    reserved: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Quota(Resource):
    """One project's limits (the record's id is the project id)."""

    KIND = "quota"
    RESOURCE_NAME = "Quota"

    limits: dict[str, int] = dataclasses.field(default_factory=dict)

    def limit(self, name: str) -> int:
        return self.limits.get(name, QUOTA_DEFAULTS[name])
