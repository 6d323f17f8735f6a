"""Quotas through Nova's os-quota-sets and Neutron's quotas, under the real client's names."""

from __future__ import annotations

from typing import Any

from openstack import exceptions as sdk_exceptions

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.server import COMPUTE_QUOTA_ATTRS, NETWORK_QUOTA_ATTRS

# Neutron quota attributes of openstacksdk's that are no quota (the real client shows them,
# always empty).
NOT_QUOTAS = frozenset({"check_limit", "project_id", "tenant_id", "id", "name", "location"})


def compute_values(quota: Any) -> dict[str, Any]:
    """Nova's quotas by the real client's names, in the order Nova sent them (which is the
    order the real client prints them in)."""
    body = quota.to_dict(computed=False)
    return {COMPUTE_QUOTA_ATTRS[attr]: value for attr, value in body.items()
            if attr in COMPUTE_QUOTA_ATTRS and value is not None}


def network_values(quota: Any, *, detail: str | None = None) -> dict[str, Any]:
    """Neutron's quotas by the real client's names; the attributes openstacksdk has for
    services the client has no name for (load balancers, ...) keep openstacksdk's name.
    ``detail``: one part of each quota's details (``limit`` or ``used``)."""
    values: dict[str, Any] = {}
    for attr, value in quota.to_dict(computed=False).items():
        if attr in NOT_QUOTAS:
            continue
        if detail is not None:
            value = value.get(detail) if isinstance(value, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            values[NETWORK_QUOTA_ATTRS.get(attr, attr)] = value
    return values


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
            limits.update(compute_values(quota))
        try:
            net_quota: Any = (network.get_quota_default(project_id) if defaults
                              else network.get_quota(project_id))
        except sdk_exceptions.EndpointNotFound:
            net_quota = None
        if net_quota is not None:
            limits.update(network_values(net_quota))
        return limits

    def quota_usage(self, project_id: str) -> dict[str, int]:
        usage: dict[str, int] = {}
        quota = self.conn.compute.get_quota_set(project_id, usage=True)
        used = quota.usage or {}
        usage.update({name: used[attr] for attr, name in COMPUTE_QUOTA_ATTRS.items()
                      if attr in used})
        net_quota = self.conn.network.get_quota(project_id, details=True)
        usage.update(network_values(net_quota, detail="used"))
        return usage

    def set_quotas(self, project_id: str, limits: dict[str, int]) -> None:
        compute: dict[str, Any] = {
            attr: limits[name] for attr, name in COMPUTE_QUOTA_ATTRS.items() if name in limits}
        network: dict[str, Any] = {
            attr: limits[name] for attr, name in NETWORK_QUOTA_ATTRS.items() if name in limits}
        if compute:
            self.conn.compute.update_quota_set(project_id, **compute)
        if network:
            self.conn.network.update_quota(project_id, **network)
