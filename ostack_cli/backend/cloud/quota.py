"""Quotas through Nova's os-quota-sets and Neutron's quotas, under the real client's names."""

from __future__ import annotations

from typing import Any

from openstack import exceptions as sdk_exceptions

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.server import QUOTA_DEFAULTS

# openstacksdk attribute -> the real client's quota name (python-openstackclient's tables).
COMPUTE_NAMES = {
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
NETWORK_NAMES = {
    "floating_ips": "floating-ips",
    "networks": "networks",
    "ports": "ports",
    "rbac_policies": "rbac-policies",
    "routers": "routers",
    "security_group_rules": "secgroup-rules",
    "security_groups": "secgroups",
    "subnet_pools": "subnet-pools",
    "subnets": "subnets",
}


def _in_order(values: dict[str, int]) -> dict[str, int]:
    """The real client's order of rows; names it does not know go last."""
    ordered = {name: values[name] for name in QUOTA_DEFAULTS if name in values}
    ordered.update({k: v for k, v in values.items() if k not in ordered})
    return ordered


@translate_errors
class CloudQuotas(CloudBase):
    def quota_limits(self, project_id: str, *, defaults: bool = False) -> dict[str, int]:
        compute, network = self.conn.compute, self.conn.network
        limits: dict[str, int] = {}
        try:
            quota: Any = (compute.get_quota_set_defaults(project_id) if defaults
                          else compute.get_quota_set(project_id))
        except sdk_exceptions.EndpointNotFound:
            quota = None
        if quota is not None:
            limits.update({name: getattr(quota, attr) for attr, name in COMPUTE_NAMES.items()
                           if getattr(quota, attr, None) is not None})
        try:
            net_quota: Any = (network.get_quota_default(project_id) if defaults
                              else network.get_quota(project_id))
        except sdk_exceptions.EndpointNotFound:
            net_quota = None
        if net_quota is not None:
            limits.update({name: getattr(net_quota, attr)
                           for attr, name in NETWORK_NAMES.items()
                           if getattr(net_quota, attr, None) is not None})
        return _in_order(limits)

    def quota_usage(self, project_id: str) -> dict[str, int]:
        usage: dict[str, int] = {}
        quota = self.conn.compute.get_quota_set(project_id, usage=True)
        used = quota.usage or {}
        usage.update({name: used[attr] for attr, name in COMPUTE_NAMES.items() if attr in used})
        net_quota = self.conn.network.get_quota(project_id, details=True)
        for attr, name in NETWORK_NAMES.items():
            detail = getattr(net_quota, attr, None)
            if isinstance(detail, dict) and "used" in detail:
                usage[name] = detail["used"]
        return _in_order(usage)

    def set_quotas(self, project_id: str, limits: dict[str, int]) -> None:
        compute: dict[str, Any] = {
            attr: limits[name] for attr, name in COMPUTE_NAMES.items() if name in limits}
        network: dict[str, Any] = {
            attr: limits[name] for attr, name in NETWORK_NAMES.items() if name in limits}
        if compute:
            self.conn.compute.update_quota_set(project_id, **compute)
        if network:
            self.conn.network.update_quota(project_id, **network)
