"""Quotas (Nova and Neutron, and Cinder where the backend has a block-storage service)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ostack_cli.backend.models.server import VolumeQuotas
from ostack_cli.errors import service_not_in_catalog


class QuotaAPI(Protocol):
    def quota_limits(self, project_id: str, *, defaults: bool = False) -> dict[str, int]:
        """Limits by the real client's resource names (``instances``, ``floating-ips``...)."""
        ...

    def quota_usage(self, project_id: str) -> dict[str, int]: ...

    def set_quotas(self, project_id: str, limits: dict[str, int], *,
                   force: bool | None = None) -> None:
        """Set limits by the real client's names. Volume quotas (``volumes``, or Cinder's
        per-type ``volumes_<type>``...) come only when the backend has block storage
        (``block_storage_quotas``), and are set after compute's and before network's, as the
        real client sets them. ``force`` (``--force``/``--no-force``): True lets Nova and
        Neutron take a limit below the project's usage; otherwise both refuse one."""
        ...


@runtime_checkable
class BlockStorageQuotaAPI(Protocol):
    """Cinder's quotas. Only a backend that can have a block-storage service implements this
    (the cloud backend); ``block_storage_quotas`` stands in for the others, so that a backend
    without one (the local backend, for now) needs nothing to behave as a cloud without
    Cinder does."""

    def has_block_storage(self) -> bool:
        """Whether the cloud's catalog lists a block-storage service (the real client shows
        and sets volume quotas only then, unless ``--volume`` asks for them)."""
        ...

    def volume_quotas(
        self, project_id: str, *, defaults: bool = False, usage: bool = False
    ) -> VolumeQuotas:
        """Cinder's quota set of a project (its defaults; with usage and reservations).
        Without a block-storage service: openstacksdk's "Service 'block-storage' is disabled"
        error."""
        ...


class NoBlockStorage:
    """A backend without a block-storage service, as the real client finds a cloud whose
    catalog has none."""

    def has_block_storage(self) -> bool:
        return False

    def volume_quotas(
        self, project_id: str, *, defaults: bool = False, usage: bool = False
    ) -> VolumeQuotas:
        # openstacksdk fails on first use of a service the catalog lacks; the local backend
        # has no region, so the message names none (keystoneauth's wording then).
        raise service_not_in_catalog("block-storage")


def block_storage_quotas(backend: object) -> BlockStorageQuotaAPI:
    """The backend's Cinder quotas, or those of a cloud without Cinder."""
    if isinstance(backend, BlockStorageQuotaAPI):
        return backend
    return NoBlockStorage()
