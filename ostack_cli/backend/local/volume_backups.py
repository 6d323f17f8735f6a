"""Volume backups on one host, as Cinder's backup API and its posix driver keep them
(cinder/backup/api.py, cinder/backup/manager.py): a record in the store and a standalone
qcow2 copy of the volume (or snapshot) in the state directory (``backup_files``).

Cinder's states and rules: the create checks the volume (``available``, or ``in-use`` with
``force``) or the snapshot (``available``), takes the ``backups``/``backup_gigabytes``
quotas, holds the volume ``backing-up`` (the snapshot ``backing-up``) while it is read and
gives it back its status after; the backup is ``creating``, then ``available``. An
incremental backup needs an ``available`` earlier backup of the volume (its parent; the
local copy is whole all the same). A restore writes the backup over an ``available`` volume
at least as big (``restoring-backup``), or over a new volume made for it. Backups with
incremental ones after them cannot be deleted.

Each step is recorded before the host changes, with the worker's PID: a process killed at
any step leaves a status that the next command reading the backup settles, as Cinder's
backup manager does at its start (``_cleanup_incomplete_backup_operations``).
"""

from __future__ import annotations

import math
import os
from typing import Any

from ostack_cli import faults
from ostack_cli.backend.local import cinder_rules, volume_records, volume_recovery
from ostack_cli.backend.local.backup_files import BackupFiles
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.volume_files import VolumeFiles
from ostack_cli.backend.local.volume_quotas import VolumeQuotas, cinder_forbidden
from ostack_cli.backend.local.volumes import Volumes
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.volume import (
    AVAILABLE,
    IN_USE,
    Volume,
    VolumeSnapshot,
    VolumeSpec,
)
from ostack_cli.backend.models.volume_backup import (
    BACKING_UP,
    BACKUP_AVAILABLE,
    BACKUP_CREATING,
    BACKUP_DELETING,
    BACKUP_ERROR,
    BACKUP_RESTORING,
    RESTORING_BACKUP,
    BackupFilters,
    BackupRestore,
    VolumeBackup,
)
from ostack_cli.errors import BadRequest, NotFound

ZONE = "nova"
# The posix driver's chunk size (backup_file_size): how many objects a backup counts.
CHUNK_BYTES = 1999994880
# What an admin may set (cinder/api/schemas/backups.py reset_status).
RESETTABLE = (BACKUP_AVAILABLE, BACKUP_ERROR)
TASKS = (BACKUP_CREATING, BACKUP_DELETING, BACKUP_RESTORING)
INTERRUPTED = "The operation was interrupted (its process ended); the backup service gave up."


def backup_not_found(backup_id: str) -> NotFound:
    return NotFound(f"Backup {backup_id} could not be found.")


def invalid_backup(reason: str) -> BadRequest:
    return BadRequest(f"Invalid backup: {reason}")


def container_for(backup_id: str) -> str:
    """The posix driver's container when none is given (``update_container_name``)."""
    return f"{backup_id[0:2]}/{backup_id[2:4]}/{backup_id}"


def failure_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class VolumeBackups:
    def __init__(self, context: ServiceContext, *, volumes: Volumes,
                 quotas: VolumeQuotas) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host
        self.volumes = volumes
        self.quotas = quotas

    @property
    def files(self) -> BackupFiles:
        return BackupFiles(self.context.state_dir)

    @property
    def volume_files(self) -> VolumeFiles:
        return VolumeFiles(self.host.host_dir)

    # -- reading ----------------------------------------------------------------------

    def find_all(self, filters: BackupFilters | None = None) -> list[VolumeBackup]:
        found = volume_records.cinder_listing(
            self.context, self.store.list(VolumeBackup), filters or BackupFilters(),
            self.settle, backup_not_found)
        parents = self._parents()
        return [self.shown(b, parents) for b in found]

    def get(self, backup_id: str) -> VolumeBackup:
        found = self.store.get(VolumeBackup, backup_id)
        if found is None or not self._visible(found):
            raise backup_not_found(backup_id)
        settled = self.settle(found)
        if settled is None:
            raise backup_not_found(backup_id)
        return self.shown(settled)

    def find(self, name_or_id: str) -> VolumeBackup:
        return self.shown(volume_records.cinder_find(
            self.context, VolumeBackup, "Backup", name_or_id, self.settle))

    def _parents(self) -> frozenset[str]:
        """The backups incremental ones follow."""
        return frozenset(b.parent_id for b in self.store.list(VolumeBackup) if b.parent_id)

    def shown(self, backup: VolumeBackup,
              parents: frozenset[str] | None = None) -> VolumeBackup:
        """As Cinder shows it to the acting user, with ``has_dependent_backups`` (whether
        incremental backups follow this one)."""
        dependent = backup.id in (self._parents() if parents is None else parents)
        shown = backup.replace(has_dependent_backups=dependent, worker_pid=None,
                               restore_volume_id=None)
        if not self.context.is_admin:
            # BACKUP_ATTRIBUTES_POLICY: the owner is an admin's to see.
            shown = shown.replace(project_id=None, user_id=None)
        return shown

    def _visible(self, backup: VolumeBackup) -> bool:
        return self.context.is_admin or backup.project_id == self.context.project_id

    def _record(self, backup_id: str) -> VolumeBackup:
        found = self.store.get(VolumeBackup, backup_id)
        if found is None:
            raise backup_not_found(backup_id)
        return found

    def settle(self, backup: VolumeBackup) -> VolumeBackup | None:
        """A backup whose worker died, as the backup manager's start-up leaves it: a create
        in error, a delete finished, a restore given up (the backup ``available`` again)."""
        if backup.status not in TASKS or volume_recovery.working(backup.worker_pid,
                                                                 backup.updated_at):
            return backup
        if backup.status == BACKUP_DELETING:
            self.files.remove(self.files.backup(backup.id))
            with self.store.transaction():
                self.store.delete(VolumeBackup, backup.id)
            return None
        if backup.status == BACKUP_CREATING:
            self.files.remove(self.files.backup(backup.id))
            self._release_source(backup)
            return volume_records.change(self.store, backup, status=BACKUP_ERROR,
                                         worker_pid=None, fail_reason=INTERRUPTED)
        return volume_records.change(self.store, backup, status=BACKUP_AVAILABLE,
                                     worker_pid=None, restore_volume_id=None)

    # -- creating ---------------------------------------------------------------------

    def create(self, volume: Volume, *, name: str | None = None,
               description: str | None = None, container: str | None = None,
               snapshot: VolumeSnapshot | None = None, force: bool = False,
               incremental: bool = False, metadata: dict[str, str] | None = None,
               availability_zone: str | None = None) -> VolumeBackup:
        """Cinder's backup create; returns its answer (``creating``). A failure while the
        copy is made leaves the backup in ``error`` (as the backup service does)."""
        now = cinder_rules.now()
        with self.store.transaction():
            current = self.volumes.record(self.volumes.get(volume.id).id)
            source = self._checked_source(current, snapshot, force)
            self.quotas.check_backup(self.context.project_id, current.size)
            parent = self._parent(current, snapshot) if incremental else None
            backup_id = new_id()
            backup = VolumeBackup(
                id=backup_id, name=name, project_id=self.context.project_id,
                user_id=self.context.user_id, volume_id=current.id,
                snapshot_id=snapshot.id if snapshot else None, size=current.size,
                status=BACKUP_CREATING, description=description,
                container=container or container_for(backup_id),
                availability_zone=availability_zone or ZONE, is_incremental=bool(parent),
                parent_id=parent.id if parent else None, metadata=dict(metadata or {}),
                data_timestamp=snapshot.created_at if snapshot else now,
                created_at=now, updated_at=now, worker_pid=os.getpid())
            self.store.insert(backup)
            if isinstance(source, VolumeSnapshot):
                volume_records.change(self.store, source, status=BACKING_UP)
            else:
                volume_records.change(self.store, source, status=BACKING_UP,
                                      worker_pid=os.getpid())
        faults.reached("volume-backup:recorded")
        answer = self.shown(backup)
        source_file = (self.volume_files.snapshot(snapshot.id) if snapshot
                       else self.volume_files.volume(current.id))
        final = self.files.backup(backup.id)
        try:
            stored = self.files.save(source_file, final)
            faults.reached("volume-backup:file")
        except Exception as exc:  # the backup service's failure: the backup in error
            self.files.remove(final)
            self._release_source(backup)
            volume_records.change(self.store, backup, status=BACKUP_ERROR, worker_pid=None,
                                  fail_reason=failure_text(exc))
            return answer
        with self.store.transaction():
            self._release_source(backup)
            volume_records.change(self.store, backup, status=BACKUP_AVAILABLE,
                                  worker_pid=None,
                                  object_count=max(1, math.ceil(stored / CHUNK_BYTES)))
        return answer

    def _checked_source(self, volume: Volume, snapshot: VolumeSnapshot | None,
                        force: bool) -> Volume | VolumeSnapshot:
        """The API's checks, in Cinder's order and words."""
        if snapshot is not None:
            current = self.store.get(VolumeSnapshot, snapshot.id)
            if current is None:
                raise NotFound(f"Snapshot {snapshot.id} could not be found.")
            if volume.id != current.volume_id:
                raise cinder_rules.invalid_volume(
                    f"Volume {volume.id} does not match with snapshot.volume_id "
                    f"{current.volume_id}.")
            if current.status != AVAILABLE:
                raise cinder_rules.invalid_snapshot(
                    "Snapshot to be backed up must be available, but the current status is "
                    f'"{current.status}".')
            return current
        if volume.status not in (AVAILABLE, IN_USE):
            raise cinder_rules.invalid_volume(
                "Volume to be backed up must be available or in-use, but the current status "
                f'is "{volume.status}".')
        if volume.status == IN_USE and not force:
            raise cinder_rules.invalid_volume("Backing up an in-use volume must use the force "
                                              "flag.")
        return volume

    def _parent(self, volume: Volume, snapshot: VolumeSnapshot | None) -> VolumeBackup:
        """The backup an incremental one follows: the volume's latest by data time (before
        the snapshot's, backing up a snapshot)."""
        backups = [b for b in self.store.list(VolumeBackup, project_id=self.context.project_id)
                   if b.volume_id == volume.id]
        if not backups:
            raise invalid_backup("No backups available to do an incremental backup.")

        def when(backup: VolumeBackup) -> str:
            stamp = backup.data_timestamp or ""
            if snapshot is None or stamp < snapshot.created_at:
                return stamp
            return ""

        latest = max(backups, key=when)
        if latest.status != BACKUP_AVAILABLE:
            raise invalid_backup("The parent backup must be available for incremental backup.")
        return latest

    def _release_source(self, backup: VolumeBackup) -> None:
        """The volume (or snapshot) given back its status once read (Cinder's
        ``previous_status``: ``available`` or ``in-use``, as its attachments say)."""
        with self.store.transaction():
            if backup.snapshot_id:
                snapshot = self.store.get(VolumeSnapshot, backup.snapshot_id)
                if snapshot is not None and snapshot.status == BACKING_UP:
                    volume_records.change(self.store, snapshot, status=AVAILABLE)
                return
            volume = self.store.get(Volume, backup.volume_id)
            if volume is not None and volume.status == BACKING_UP:
                volume_records.change(
                    self.store, volume, worker_pid=None,
                    status=volume_records.status_by_attachments(self.store, volume.id))

    # -- changing ---------------------------------------------------------------------

    def update(self, backup: VolumeBackup, *, name: str | None = None,
               description: str | None = None, metadata: dict[str, str] | None = None) -> None:
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name
        if description is not None:
            changes["description"] = description
        if metadata is not None:
            changes["metadata"] = dict(metadata)
        if changes:
            volume_records.change(self.store, self._record(backup.id), **changes)

    def delete_metadata(self, backup: VolumeBackup, keys: list[str]) -> None:
        """Cinder has no route for a backup's metadata items (its metadata changes through
        the update only): each ``DELETE /backups/{id}/metadata/{key}`` is its router's 404."""
        self._record(backup.id)
        if keys:
            raise NotFound("The resource could not be found.")

    def reset_status(self, backup: VolumeBackup, status: str) -> None:
        if not self.context.is_admin:
            raise cinder_forbidden("volume_extension:backup_admin_actions:reset_status")
        if status not in RESETTABLE:
            raise BadRequest("Invalid input for field/attribute status. Value: "
                             f"{status}. '{status}' is not one of ['available', 'error']")
        volume_records.change(self.store, self._record(backup.id), status=status,
                              worker_pid=None)

    # -- restoring --------------------------------------------------------------------

    def restore(self, backup: VolumeBackup, *, volume_id: str | None = None,
                name: str | None = None) -> BackupRestore:
        current = self._record(self.get(backup.id).id)
        if current.status != BACKUP_AVAILABLE:
            raise invalid_backup("Backup status must be available")
        if volume_id is None:
            made = self.volumes.create(VolumeSpec(
                size=current.size, name=name or f"restore_backup_{current.id}",
                description="auto-created_from_restore_from_backup"))
            volume = self.volumes.get(made.id)
            if volume.status == "error":
                raise cinder_rules.invalid_volume(
                    f"Error while creating volume {volume.id} for restoring backup "
                    f"{current.id}.")
        else:
            volume = self.volumes.get(volume_id)
        with self.store.transaction():
            target = self.volumes.record(volume.id)
            if target.status != AVAILABLE:
                raise cinder_rules.invalid_volume(
                    "Volume to be restored to must be available")
            if current.size > target.size:
                raise cinder_rules.invalid_volume(
                    f"volume size {target.size} is too small to restore backup of size "
                    f"{current.size}.")
            claimed = self._record(current.id)
            if claimed.status != BACKUP_AVAILABLE:
                raise invalid_backup("Backup status must be available")
            volume_records.change(self.store, claimed, status=BACKUP_RESTORING,
                                  restore_volume_id=target.id, worker_pid=os.getpid())
            volume_records.change(self.store, target, status=RESTORING_BACKUP,
                                  worker_pid=os.getpid())
        faults.reached("volume-backup-restore:claimed")
        answer = BackupRestore(backup_id=current.id, volume_id=target.id,
                               volume_name=target.name)
        try:
            self.files.restore(self.files.backup(current.id),
                               self.volume_files.volume(target.id))
        except Exception as exc:  # the backup service's failure: the volume in error
            with self.store.transaction():
                volume_records.change(self.store, claimed, status=BACKUP_AVAILABLE,
                                      restore_volume_id=None, worker_pid=None)
                volume_records.change(self.store, target, status="error_restoring",
                                      worker_pid=None, error_reason=failure_text(exc))
            return answer
        with self.store.transaction():
            volume_records.change(self.store, claimed, status=BACKUP_AVAILABLE,
                                  restore_volume_id=None, worker_pid=None)
            volume_records.change(self.store, target, status=AVAILABLE, worker_pid=None)
        return answer

    # -- deleting ---------------------------------------------------------------------

    def delete(self, backup: VolumeBackup, *, force: bool = False) -> None:
        if force and not self.context.is_admin:
            raise cinder_forbidden("volume_extension:backup_admin_actions:force_delete")
        with self.store.transaction():
            current = self._record(backup.id)
            if not force and current.status not in (BACKUP_AVAILABLE, BACKUP_ERROR):
                raise invalid_backup("Backup status must be available or error")
            if current.id in self._parents():
                raise invalid_backup("Incremental backups exist for this backup.")
            claimed = volume_records.change(self.store, current, status=BACKUP_DELETING,
                                            worker_pid=os.getpid())
        faults.reached("volume-backup-delete:claimed")
        self.files.remove(self.files.backup(claimed.id))
        with self.store.transaction():
            self.store.delete(VolumeBackup, claimed.id)
