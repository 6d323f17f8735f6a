"""Cinder's volume transfers and services through openstacksdk's block-storage proxy, called
as the real client calls it (``volume/v3/volume_transfer_request.py``, ``service.py``)."""

from __future__ import annotations

from typing import Any

from openstack import utils as sdk_utils
from openstack.block_storage.v3 import service as sdk_service
from openstack.block_storage.v3 import transfer as sdk_transfer

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.volume import Volume
from ostack_cli.backend.models.volume_transfer import VolumeService, VolumeTransfer
from ostack_cli.errors import CommandError


def transfer_from_sdk(transfer: sdk_transfer.Transfer) -> VolumeTransfer:
    return VolumeTransfer(
        id=transfer.id,
        name=transfer.name,
        volume_id=transfer.volume_id or "",
        no_snapshots=bool(transfer.no_snapshots),
        created_at=transfer.created_at or "",
        auth_key=transfer.auth_key,
    )


def service_from_sdk(service: sdk_service.Service) -> VolumeService:
    return VolumeService(
        binary=service.binary or "",
        host=service.host or "",
        zone=service.availability_zone or "",
        status=service.status or "",
        state=service.state or "",
        updated_at=service.updated_at,
        cluster=service.cluster,
        backend_state=service.backend_state,
        disabled_reason=service.disabled_reason,
        replication_status=service.replication_status,
        frozen=service.is_frozen,
        active_backend_id=service.active_backend_id,
    )


@translate_errors
class CloudVolumeTransfers(CloudBase):
    @property
    def _cinder_v3(self) -> Any:
        return sdk_utils.ensure_service_version(self.conn.block_storage, "3")

    def volume_transfers(self, *, all_projects: bool = False) -> list[VolumeTransfer]:
        return [transfer_from_sdk(t) for t in self._cinder_v3.transfers(
            details=True, all_projects=all_projects)]

    def find_volume_transfer(self, name_or_id: str) -> VolumeTransfer:
        return transfer_from_sdk(self._cinder_v3.find_transfer(name_or_id,
                                                               ignore_missing=False))

    def create_volume_transfer(self, volume: Volume, *, name: str | None = None,
                               no_snapshots: bool | None = None) -> VolumeTransfer:
        cinder = self._cinder_v3
        attrs: dict[str, Any] = {}
        if no_snapshots is not None:
            if not sdk_utils.supports_microversion(cinder, "3.55"):
                raise CommandError("--os-volume-api-version 3.55 or greater is required to "
                                   "support the '--(no-)snapshots' option")
            attrs["no_snapshots"] = no_snapshots
        return transfer_from_sdk(cinder.create_transfer(volume_id=volume.id, name=name,
                                                        **attrs))

    def delete_volume_transfer(self, transfer_id: str) -> None:
        self._cinder_v3.delete_transfer(transfer_id, ignore_missing=False)

    def accept_volume_transfer(self, transfer_id: str, auth_key: str) -> VolumeTransfer:
        return transfer_from_sdk(self._cinder_v3.accept_transfer(transfer_id, auth_key))

    def volume_services(self, *, host: str | None = None, binary: str | None = None,
                        backend_state: bool = False) -> list[VolumeService]:
        # openstacksdk asks at its Service's microversion whatever backend_state says.
        return [service_from_sdk(s)
                for s in self._cinder_v3.services(host=host, binary=binary)]
