"""Quotas through Nova's and Cinder's os-quota-sets and Neutron's quotas, under the real client's
names."""

from __future__ import annotations

from typing import Any

from openstack import exceptions as sdk_exceptions

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.server import (
    COMPUTE_QUOTA_ATTRS,
    NETWORK_QUOTA_ATTRS,
    VOLUME_QUOTA_ATTRS,
    VOLUME_TYPE_QUOTAS,
    VolumeQuotas,
)

# Neutron quota attributes of openstacksdk's that are no quota (the real client shows them,
# always empty).
NOT_QUOTAS = frozenset({"check_limit", "project_id", "tenant_id", "id", "name", "location"})
# What openstacksdk's Cinder quota set holds besides quotas (the real client drops these rows).
NOT_VOLUME_QUOTAS = frozenset({"id", "name", "location", "force", "usage", "reservation"})
# The catalog types under which the real client finds a block-storage service (osc's
# ``is_volume_endpoint_enabled``: the service type and its aliases).
BLOCK_STORAGE_TYPES = ("block-storage", "volume", "volumev3", "volumev2", "block-store")
VOLUME_ATTR_BY_NAME = {name: attr for attr, name in VOLUME_QUOTA_ATTRS.items()}


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


def volume_values(quota: Any) -> VolumeQuotas:
    """Cinder's quota set in openstacksdk's ``to_dict()`` order: the keys Cinder sent (all of
    them, per-type ones too) in its order, then the SDK's attributes Cinder did not send."""
    body = quota.to_dict(computed=False)
    return VolumeQuotas(
        limits={key: value for key, value in body.items() if key not in NOT_VOLUME_QUOTAS},
        usage=dict(quota.usage or {}),
        reserved=dict(quota.reservation or {}),
    )


def volume_attr(name: str) -> str | None:
    """Cinder's attribute for one of ``set_quotas``' names: the real client's quota name, or
    Cinder's ``<quota>_<volume type>`` (which the command builds, as the real client does)."""
    if name in VOLUME_ATTR_BY_NAME:
        return VOLUME_ATTR_BY_NAME[name]
    quota, sep, _ = name.partition("_")
    return name if sep and quota in VOLUME_TYPE_QUOTAS else None


def volume_limits(limits: dict[str, int]) -> dict[str, Any]:
    """The volume quotas among ``set_quotas``' limits, by Cinder's names, in their order."""
    found: dict[str, Any] = {}
    for name, value in limits.items():
        attr = volume_attr(name)
        if attr is not None:
            found[attr] = value
    return found


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

    def has_block_storage(self) -> bool:
        session = self.conn.session
        if session.auth is None or not hasattr(session.auth, "get_access"):
            return True  # no catalog to tell: the real client assumes the service is there
        catalog = session.auth.get_access(session).service_catalog
        region = self.conn.config.get_region_name()
        interface = self.conn.config.get_interface() or "public"
        return any(
            kind in catalog.get_endpoints(service_type=kind, region_name=region,
                                          interface=interface)
            for kind in BLOCK_STORAGE_TYPES
        )

    def volume_quotas(
        self, project_id: str, *, defaults: bool = False, usage: bool = False
    ) -> VolumeQuotas:
        # Without block storage in the catalog, conn.block_storage is openstacksdk's stand-in
        # that raises "Service 'block-storage' is disabled ..." on use, as the real client shows.
        block_storage = self.conn.block_storage
        quota: Any = (block_storage.get_quota_set_defaults(project_id) if defaults
                      else block_storage.get_quota_set(project_id, usage=usage))
        return volume_values(quota)

    def set_quotas(self, project_id: str, limits: dict[str, int], *,
                   force: bool | None = None) -> None:
        compute: dict[str, Any] = {
            attr: limits[name] for attr, name in COMPUTE_QUOTA_ATTRS.items() if name in limits}
        volume = volume_limits(limits)
        network: dict[str, Any] = {
            attr: limits[name] for attr, name in NETWORK_QUOTA_ATTRS.items() if name in limits}
        # As the real client sends --force: Nova's force, Neutron's force or else check_limit.
        if compute and force is True:
            compute["force"] = True
        if network:
            network["force" if force is True else "check_limit"] = True
        # The real client's order: a later service's error leaves the earlier ones set.
        if compute:
            self.conn.compute.update_quota_set(project_id, **compute)
        if volume:
            self.conn.block_storage.update_quota_set(project_id, **volume)
        if network:
            self.conn.network.update_quota(project_id, **network)
