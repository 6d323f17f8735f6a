"""Volume snapshots: a standalone qcow2 copy of the volume as it was (``volume_files``),
with Cinder's rules: an ``available`` volume only (openstacksdk asks at microversion 3.65,
where Cinder takes an in-use volume only with ``force``, which the real client no longer
sends), quota on snapshots and gigabytes, ``creating`` then ``available``; a snapshot is
deleted when ``available`` or ``error`` (any status with ``--force``).

A volume made from a snapshot is a copy of the snapshot's file, so it holds the data as it
was when the snapshot was taken, whatever the volume has become since.
"""

from __future__ import annotations

import os
from typing import Any

from ostack_cli import faults
from ostack_cli.backend.local import cinder_rules, volume_records, volume_recovery
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.volume_files import VolumeFiles
from ostack_cli.backend.local.volume_quotas import VolumeQuotas, cinder_forbidden
from ostack_cli.backend.local.volumes import Volumes
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.volume import (
    AVAILABLE,
    CREATING,
    DELETING,
    ERROR,
    IN_USE,
    SnapshotFilters,
    Volume,
    VolumeSnapshot,
)
from ostack_cli.errors import BadRequest, NotFound

# What an admin may set a snapshot's status to (the real client's choices).
RESETTABLE = ("available", "error", "creating", "deleting", "error_deleting")


class VolumeSnapshots:
    def __init__(self, context: ServiceContext, *, volumes: Volumes,
                 quotas: VolumeQuotas) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host
        self.volumes = volumes
        self.quotas = quotas

    @property
    def files(self) -> VolumeFiles:
        return VolumeFiles(self.host.host_dir)

    # -- reading ----------------------------------------------------------------------

    def find_all(self, filters: SnapshotFilters | None = None) -> list[VolumeSnapshot]:
        return volume_records.cinder_listing(
            self.context, self.store.list(VolumeSnapshot), filters or SnapshotFilters(),
            self.settle, lambda marker: NotFound(f"Snapshot {marker} could not be found."))

    def find(self, name_or_id: str) -> VolumeSnapshot:
        return volume_records.cinder_find(self.context, VolumeSnapshot, "Snapshot",
                                          name_or_id, self.settle)

    def _visible(self, snapshot: VolumeSnapshot) -> bool:
        return self.context.is_admin or snapshot.project_id == self.context.project_id

    def settle(self, snapshot: VolumeSnapshot) -> VolumeSnapshot | None:
        return volume_recovery.settle_snapshot(self.store, self.host, snapshot)

    def _record(self, snapshot_id: str) -> VolumeSnapshot:
        found = self.store.get(VolumeSnapshot, snapshot_id)
        if found is None:
            raise NotFound(f"Snapshot {snapshot_id} could not be found.")
        return found

    # -- creating ---------------------------------------------------------------------

    def create(self, volume: Volume, *, name: str, description: str | None = None,
               metadata: dict[str, str] | None = None, force: bool = False) -> VolumeSnapshot:
        """Cinder's snapshot create; returns its answer (``creating``)."""
        now = cinder_rules.now()
        with self.store.transaction():
            current = self.volumes.record(volume.id)
            _check_volume(current, force)
            snapshot = VolumeSnapshot(
                id=new_id(), name=name, project_id=current.project_id,
                user_id=self.context.user_id, volume_id=current.id, size=current.size,
                status=CREATING, description=description, metadata=dict(metadata or {}),
                progress="0%", created_at=now, updated_at=now, worker_pid=os.getpid())
            self.quotas.check_snapshot(current.project_id or "", current.size)
            self.store.insert(snapshot)
        faults.reached("volume-snapshot:recorded")
        files = self.files
        try:
            files.copy(files.volume(current.id), files.snapshot(snapshot.id))
            faults.reached("volume-snapshot:file")
        except Exception as exc:  # the volume service's failure: the snapshot in error
            files.remove(files.snapshot(snapshot.id))
            volume_records.change(self.store, snapshot, status=ERROR, worker_pid=None,
                                  error_reason=str(exc).strip().splitlines()[0]
                                  if str(exc).strip() else type(exc).__name__)
            return snapshot
        volume_records.change(self.store, snapshot, status=AVAILABLE, progress="100%",
                              worker_pid=None)
        return snapshot

    # -- changing ---------------------------------------------------------------------

    def update(self, snapshot: VolumeSnapshot, *, name: str | None = None,
               description: str | None = None) -> None:
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name
        if description is not None:
            changes["description"] = description
        if changes:
            volume_records.change(self.store, self._record(snapshot.id), **changes)

    def set_metadata(self, snapshot: VolumeSnapshot, metadata: dict[str, str]) -> None:
        with self.store.transaction():
            current = self._record(snapshot.id)
            volume_records.change(self.store, current,
                                  metadata={**current.metadata, **metadata})

    def delete_metadata(self, snapshot: VolumeSnapshot, keys: list[str]) -> None:
        with self.store.transaction():
            current = self._record(snapshot.id)
            for key in keys:
                if key not in current.metadata:
                    raise NotFound(f"Snapshot {snapshot.id} has no metadata with key {key}.")
            volume_records.change(self.store, current, metadata={
                k: v for k, v in current.metadata.items() if k not in keys})

    def reset_status(self, snapshot: VolumeSnapshot, status: str) -> None:
        if not self.context.is_admin:
            raise cinder_forbidden("volume_extension:snapshot_admin_actions:reset_status")
        if status not in RESETTABLE:
            raise BadRequest("Invalid input received: Must specify a valid status")
        volume_records.change(self.store, self._record(snapshot.id), status=status,
                              worker_pid=None)

    # -- deleting ---------------------------------------------------------------------

    def delete(self, snapshot: VolumeSnapshot, *, force: bool = False) -> None:
        with self.store.transaction():
            current = self._record(snapshot.id)
            if not force and current.status not in (AVAILABLE, ERROR):
                raise cinder_rules.invalid_snapshot(
                    "Snapshot status must be available or error and must not be part of a "
                    "group.")
            claimed = volume_records.change(self.store, current, status=DELETING,
                                            worker_pid=os.getpid())
        faults.reached("volume-snapshot-delete:claimed")
        self.files.remove(self.files.snapshot(claimed.id))
        with self.store.transaction():
            self.store.delete(VolumeSnapshot, claimed.id)


    def manage(self, volume: Volume, ref: dict[str, str]) -> VolumeSnapshot:
        """Cinder's snapshot manage (admins): the local block storage holds no snapshot it
        does not manage already."""
        if not self.context.is_admin:
            raise cinder_forbidden("volume_extension:snapshot_manage")
        raise BadRequest(
            f"Manage existing snapshot failed due to invalid backend reference {ref}: the "
            "local block storage holds no snapshot that it does not manage already.")

    def unmanage(self, snapshot: VolumeSnapshot) -> None:
        """Cinder's unmanage (admins): as for volumes, the local block storage keeps no file
        it does not manage."""
        if not self.context.is_admin:
            raise cinder_forbidden("volume_extension:snapshot_unmanage")
        raise BadRequest(
            "Invalid snapshot: the local block storage cannot unmanage a snapshot: its file "
            "would be removed with its record.")


def _check_volume(volume: Volume, force: bool) -> None:
    """``_create_snapshot_in_db_validate`` and the status check after it."""
    if volume.status == "maintenance":
        raise cinder_rules.invalid_volume(
            "The snapshot cannot be created when the volume is in maintenance mode.")
    if volume.status == ERROR:
        raise cinder_rules.invalid_volume(
            "The snapshot cannot be created when the volume is in error status.")
    allowed = (AVAILABLE, IN_USE) if force else (AVAILABLE,)
    if volume.status not in allowed:
        raise cinder_rules.invalid_volume(
            f"Volume {volume.id} status must be {', '.join(allowed)}, but current status is: "
            f"{volume.status}.")
    if volume.status == IN_USE:
        # A snapshot of a disk a running guest writes to needs the guest's help (Cinder's
        # NFS driver asks Nova for an assisted snapshot); the local one has no such path.
        raise cinder_rules.invalid_volume(
            f"Volume {volume.id} status must be available, but current status is: in-use.")
