"""Cinder's volume backups (cinder/objects/backup.py, cinder/api/views/backups.py)."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models import Resource
from ostack_cli.backend.models.volume import SnapshotFilters

# cinder/objects/fields.py BackupStatus.
BACKUP_CREATING, BACKUP_AVAILABLE, BACKUP_DELETING = "creating", "available", "deleting"
BACKUP_ERROR, BACKUP_RESTORING, BACKUP_ERROR_RESTORING = "error", "restoring", "error_restoring"
# The volume's status while it is read for a backup, or written by a restore.
BACKING_UP, RESTORING_BACKUP = "backing-up", "restoring-backup"


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolumeBackup(Resource):
    """A backup as Cinder's detail view shows it (3.64: project, user, metadata,
    encryption key). ``parent_id`` names the backup an incremental one follows."""

    KIND = "volume_backup"
    RESOURCE_NAME = "Backup"

    name: str | None = None  # type: ignore[assignment]  # Cinder's is null when not given
    # Cinder shows the owner to admins only (backup:backup_project_attribute).
    project_id: str | None = None
    user_id: str | None = None
    volume_id: str = ""
    snapshot_id: str | None = None
    size: int = 0
    status: str = BACKUP_CREATING
    description: str | None = None
    container: str | None = None
    availability_zone: str | None = "nova"
    object_count: int = 0
    fail_reason: str | None = None
    is_incremental: bool = False
    parent_id: str | None = None
    has_dependent_backups: bool = False
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    encryption_key_id: str | None = None
    data_timestamp: str | None = None
    created_at: str = ""
    updated_at: str | None = None
    # Local backend only, never shown: the process working on the backup (its create,
    # restore or delete), as Volume's, and the volume a restore writes.
    worker_pid: int | None = None
    restore_volume_id: str | None = None


# ``volume backup list``'s filters, as the real client sends them to Cinder: the snapshot
# list's own.
BackupFilters = SnapshotFilters


@dataclasses.dataclass(frozen=True, kw_only=True)
class BackupRestore:
    """Cinder's answer to a restore."""

    backup_id: str
    volume_id: str
    volume_name: str | None
