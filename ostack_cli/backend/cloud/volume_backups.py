"""Cinder's volume backups through openstacksdk's block-storage proxy, called as the real
client calls it (``openstackclient/volume/v3/volume_backup.py``)."""

from __future__ import annotations

from typing import Any

from openstack import utils as sdk_utils
from openstack.block_storage.v3 import backup as sdk_backup

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.volume import Volume, VolumeSnapshot
from ostack_cli.backend.models.volume_backup import BackupFilters, BackupRestore, VolumeBackup
from ostack_cli.errors import CommandError


def backup_from_sdk(backup: sdk_backup.Backup) -> VolumeBackup:
    return VolumeBackup(
        id=backup.id,
        name=backup.name,
        project_id=backup.project_id,
        user_id=backup.user_id,
        volume_id=backup.volume_id or "",
        snapshot_id=backup.snapshot_id,
        size=backup.size or 0,
        status=backup.status or "",
        description=backup.description,
        container=backup.container,
        availability_zone=backup.availability_zone,
        object_count=backup.object_count or 0,
        fail_reason=backup.fail_reason,
        is_incremental=bool(backup.is_incremental),
        has_dependent_backups=bool(backup.has_dependent_backups),
        metadata=dict(backup.metadata or {}),
        encryption_key_id=backup.encryption_key_id,
        data_timestamp=backup.data_timestamp,
        created_at=backup.created_at or "",
        updated_at=backup.updated_at,
    )


@translate_errors
class CloudVolumeBackups(CloudBase):
    @property
    def _backup_v3(self) -> Any:
        return sdk_utils.ensure_service_version(self.conn.block_storage, "3")

    def volume_backups(self, filters: BackupFilters | None = None) -> list[VolumeBackup]:
        filters = filters or BackupFilters()
        return [backup_from_sdk(b) for b in self._backup_v3.backups(
            name=filters.name, status=filters.status, volume_id=filters.volume_id,
            all_tenants=filters.all_projects, marker=filters.marker, limit=filters.limit,
            project_id=filters.project_id)]

    def find_volume_backup(self, name_or_id: str) -> VolumeBackup:
        return backup_from_sdk(self._backup_v3.find_backup(name_or_id, ignore_missing=False))

    def create_volume_backup(
        self, volume: Volume, *, name: str | None = None, description: str | None = None,
        container: str | None = None, snapshot: VolumeSnapshot | None = None,
        force: bool = False, incremental: bool = False,
        metadata: dict[str, str] | None = None, availability_zone: str | None = None,
    ) -> VolumeBackup:
        cinder = self._backup_v3
        attrs: dict[str, Any] = {}
        if snapshot is not None:
            attrs["snapshot_id"] = snapshot.id
        if metadata:
            if not sdk_utils.supports_microversion(cinder, "3.43"):
                raise CommandError("--os-volume-api-version 3.43 or greater is required to "
                                   "support the --property option")
            attrs["metadata"] = metadata
        if availability_zone:
            if not sdk_utils.supports_microversion(cinder, "3.51"):
                raise CommandError("--os-volume-api-version 3.51 or greater is required to "
                                   "support the --availability-zone option")
            attrs["availability_zone"] = availability_zone
        return backup_from_sdk(cinder.create_backup(
            volume_id=volume.id, container=container, name=name, description=description,
            force=force, is_incremental=incremental, **attrs))

    def update_volume_backup(self, backup: VolumeBackup, *, name: str | None = None,
                             description: str | None = None,
                             metadata: dict[str, str] | None = None) -> None:
        attrs: dict[str, Any] = {}
        if name is not None:
            attrs["name"] = name
        if description is not None:
            attrs["description"] = description
        if metadata is not None:
            attrs["metadata"] = metadata
        self._backup_v3.update_backup(backup.id, **attrs)

    def delete_volume_backup_metadata(self, backup: VolumeBackup, keys: list[str]) -> None:
        self._backup_v3.delete_backup_metadata(backup.id, keys=keys)

    def reset_volume_backup_status(self, backup: VolumeBackup, status: str) -> None:
        self._backup_v3.reset_backup_status(backup.id, status=status)

    def delete_volume_backup(self, backup: VolumeBackup, *, force: bool = False) -> None:
        self._backup_v3.delete_backup(backup.id, ignore_missing=False, force=force)

    def restore_volume_backup(self, backup: VolumeBackup, *, volume_id: str | None = None,
                              name: str | None = None) -> BackupRestore:
        restored = self._backup_v3.restore_backup(backup.id, volume=volume_id, name=name)
        return BackupRestore(backup_id=backup.id, volume_id=restored.volume_id or "",
                             volume_name=restored.volume_name)
