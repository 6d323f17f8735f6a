"""Cinder's volume backups."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.volume import Volume, VolumeSnapshot
from ostack_cli.backend.models.volume_backup import BackupFilters, BackupRestore, VolumeBackup


class VolumeBackupAPI(Protocol):
    def volume_backups(self, filters: BackupFilters | None = None) -> list[VolumeBackup]:
        """Cinder's detailed list, newest first."""
        ...

    def find_volume_backup(self, name_or_id: str) -> VolumeBackup: ...

    def create_volume_backup(
        self, volume: Volume, *, name: str | None = None, description: str | None = None,
        container: str | None = None, snapshot: VolumeSnapshot | None = None,
        force: bool = False, incremental: bool = False,
        metadata: dict[str, str] | None = None, availability_zone: str | None = None,
    ) -> VolumeBackup:
        """Cinder's answer to the create (status ``creating``)."""
        ...

    def update_volume_backup(self, backup: VolumeBackup, *, name: str | None = None,
                             description: str | None = None,
                             metadata: dict[str, str] | None = None) -> None:
        """Cinder's update (3.9+; ``metadata`` 3.43+, replacing the whole set)."""
        ...

    def delete_volume_backup_metadata(self, backup: VolumeBackup, keys: list[str]) -> None:
        """openstacksdk's ``delete_backup_metadata``: one ``DELETE
        /backups/{id}/metadata/{key}`` a key, a route Cinder does not have (its 404)."""
        ...

    def reset_volume_backup_status(self, backup: VolumeBackup, status: str) -> None: ...

    def delete_volume_backup(self, backup: VolumeBackup, *, force: bool = False) -> None: ...

    def restore_volume_backup(self, backup: VolumeBackup, *, volume_id: str | None = None,
                              name: str | None = None) -> BackupRestore:
        """Into the volume ``volume_id``, or a new volume (named ``name``) when None."""
        ...
