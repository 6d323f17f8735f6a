"""Volumes on one host, as Cinder's API and its NFS driver keep them: a record in the store,
a qcow2 file in the host directory (``volume_files``).

Cinder's states and rules: a volume is ``creating`` until its file is whole, then
``available``; attaching and detaching move it through ``attaching``, ``in-use`` and
``detaching`` (``volume_attachments``); extend, upload to an image and delete pass through
``extending``, ``uploading`` and ``deleting``. A volume in use cannot be deleted, one with
snapshots only with ``--purge`` (Cinder's cascade), sizes are whole GiB, and the quotas are
checked in the transaction that records the volume (``volume_quotas``).

Each step is recorded before the host changes, with the worker's PID: a process killed at
any step leaves a status that the next command reading the volume settles
(``volume_recovery``). Cinder's API answers at once and its volume service works after; here
the work is done before the command returns, and the command prints what Cinder's API would
have answered (a new volume ``creating``).
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from ostack_cli import faults
from ostack_cli.backend.local import (
    cinder_rules,
    image_files,
    volume_files,
    volume_records,
    volume_recovery,
)
from ostack_cli.backend.local.backup_files import BackupFiles
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.images import Images
from ostack_cli.backend.local.volume_files import VolumeFiles
from ostack_cli.backend.local.volume_quotas import VolumeQuotas, cinder_forbidden
from ostack_cli.backend.local.volume_types import VolumeTypes
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.volume import (
    AVAILABLE,
    CREATING,
    DELETING,
    DETACHING,
    ERROR,
    EXTENDING,
    IN_USE,
    UPLOADING,
    ImageUpload,
    Volume,
    VolumeFilters,
    VolumeSnapshot,
    VolumeSpec,
    VolumeType,
)
from ostack_cli.backend.models.volume_backup import BACKUP_AVAILABLE, VolumeBackup
from ostack_cli.errors import BadRequest, CommandError, NotFound, OstackError, not_found

POLL_INTERVAL = 0.5
# What a new volume's data comes from (None: blank).
VolumeSource = Image | VolumeSnapshot | Volume | VolumeBackup | None
ZONE = "nova"
MAX_NAME = 255
# Cinder's states an admin may set (what the real client offers).
RESETTABLE = ("available", "error", "creating", "deleting", "in-use", "attaching",
              "detaching", "error_deleting", "maintenance")


class Volumes:
    def __init__(self, context: ServiceContext, *, quotas: VolumeQuotas, types: VolumeTypes,
                 images: Images) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host
        self.quotas = quotas
        self.types = types
        self.images = images

    @property
    def files(self) -> VolumeFiles:
        return VolumeFiles(self.host.host_dir)

    # -- reading ----------------------------------------------------------------------

    def find_all(self, filters: VolumeFilters | None = None) -> list[Volume]:
        filters = filters or VolumeFilters()
        every = self.context.is_admin and (filters.all_projects or filters.project_id)
        found = []
        for volume in self.store.list(Volume):
            if not every and volume.project_id != self.context.project_id:
                continue
            if filters.project_id and volume.project_id != filters.project_id:
                continue
            if filters.user_id and volume.user_id != filters.user_id:
                continue
            if filters.name is not None and volume.name != filters.name:
                continue
            if filters.status is not None and volume.status != filters.status:
                continue
            if filters.metadata and any(volume.metadata.get(k) != v
                                        for k, v in filters.metadata.items()):
                continue
            found.append(volume)
        settled = [v for v in (self.settle(v) for v in found) if v is not None]
        # Cinder's default sort: newest first (created_at, then id, descending).
        settled.sort(key=lambda v: (v.created_at, v.id), reverse=True)
        # ``limit`` is the size of Cinder's pages, which openstacksdk follows to the end.
        return [self.shown(v) for v in _after(settled, filters.marker)]

    def get(self, volume_id: str) -> Volume:
        volume = self.store.get(Volume, volume_id)
        if volume is None or not self._visible(volume):
            raise cinder_rules.volume_not_found(volume_id)
        settled = self.settle(volume)
        if settled is None:
            raise cinder_rules.volume_not_found(volume_id)
        return self.shown(settled)

    def find(self, name_or_id: str) -> Volume:
        """openstacksdk's find: by ID (an admin sees any project's), then by name among the
        project's own."""
        by_id = self.store.get(Volume, name_or_id)
        if by_id is not None and (self._visible(by_id)):
            found = by_id
        else:
            matches = [v for v in self.store.list(Volume, name=name_or_id)
                       if v.project_id == self.context.project_id]
            if not matches:
                raise not_found("Volume", name_or_id)
            if len(matches) > 1:
                from ostack_cli.errors import duplicate

                raise duplicate("Volume", name_or_id)
            found = matches[0]
        settled = self.settle(found)
        if settled is None:
            raise not_found("Volume", name_or_id)
        return self.shown(settled)

    def _visible(self, volume: Volume) -> bool:
        return self.context.is_admin or volume.project_id == self.context.project_id

    def settle(self, volume: Volume) -> Volume | None:
        return volume_recovery.settle_volume(self.store, self.host, volume)

    def shown(self, volume: Volume) -> Volume:
        """As Cinder shows it to the acting user: its attachments, and the attributes its
        policy keeps for admins (host, migration) only for admins."""
        metadata = dict(volume.metadata)
        if volume.readonly is not None:
            # Cinder shows the attach mode it keeps in its admin metadata among the volume's
            # (``add_visible_admin_metadata``), once it has been set.
            metadata["readonly"] = str(volume.readonly)
        shown = volume.replace(attachments=volume_records.cinder_attachments(self.store, volume),
                               service_uuid=volume_records.service_uuid(self.store),
                               metadata=metadata)
        if not self.context.is_admin:
            shown = shown.replace(host=None, migration_status=None, migration_id=None)
        return shown

    def record(self, volume_id: str) -> Volume:
        """The stored record (for the services that change it)."""
        found = self.store.get(Volume, volume_id)
        if found is None:
            raise cinder_rules.volume_not_found(volume_id)
        return found

    # -- creating ---------------------------------------------------------------------

    def create(self, spec: VolumeSpec, *, project_id: str | None = None) -> Volume:
        """Cinder's create: checked, recorded (``creating``), its file made, ``available``.
        Returns Cinder's answer to the request; a failure while the file is made leaves the
        volume in ``error`` (as Cinder's volume service does), not a failed request."""
        project = project_id or self.context.project_id
        size, source = self._checked(spec)
        volume_type = self.types.resolve(spec.volume_type)
        now = cinder_rules.now()
        volume = Volume(
            id=new_id(), name=spec.name, project_id=project, user_id=self.context.user_id,
            size=size, status=CREATING, description=spec.description,
            volume_type=volume_type.name, volume_type_id=volume_type.id,
            availability_zone=spec.availability_zone or ZONE,
            metadata=dict(spec.metadata), snapshot_id=spec.snapshot_id,
            source_volid=spec.source_volume_id, backup_id=spec.backup_id,
            host=volume_records.VOLUME_HOST,
            created_at=now, updated_at=now, worker_pid=os.getpid(),
        )
        with self.store.transaction():
            self.quotas.check_volume(project, size)
            self.store.insert(volume)
        faults.reached("volume-create:recorded")
        self._build(volume, source)
        return answer(volume)

    def _checked(self, spec: VolumeSpec) -> tuple[int, VolumeSource]:
        """The size and the source of a new volume, with Cinder's API checks."""
        if spec.name is not None and len(spec.name) > MAX_NAME:
            raise BadRequest(f"Invalid input received: name has more than {MAX_NAME} "
                             "characters.")
        if spec.availability_zone not in (None, ZONE):
            raise BadRequest(f"Availability zone '{spec.availability_zone}' is invalid.")
        size = spec.size
        source: VolumeSource = None
        if spec.snapshot_id is not None:
            snapshot = self._snapshot(spec.snapshot_id)
            if snapshot.status != AVAILABLE:
                raise cinder_rules.invalid_snapshot(
                    "Originating snapshot status must be one of 'available' values")
            size = snapshot.size if size is None else size
            if size < snapshot.size:
                raise BadRequest(
                    f"Invalid input received: Volume size '{size}'GB cannot be smaller than "
                    f"the snapshot size {snapshot.size}GB. They must be >= original snapshot "
                    "size.")
            source = snapshot
        elif spec.source_volume_id is not None:
            original = self.record(spec.source_volume_id)
            if original.status not in (AVAILABLE, IN_USE):
                raise cinder_rules.invalid_volume(
                    "Originating source volume status must be one of 'available, in-use' "
                    "values")
            size = original.size if size is None else size
            if size < original.size:
                raise BadRequest(
                    f"Invalid input received: Volume size '{size}'GB cannot be smaller than "
                    f"original volume size  {original.size}GB. They must be >= original "
                    "volume size.")
            source = original
        elif spec.backup_id is not None:
            backup = self._backup(spec.backup_id)
            size = backup.size if size is None else size
            if size < backup.size:
                raise BadRequest(
                    f"Invalid input received: Volume size {size}GB cannot be smaller than the "
                    f"backup size {backup.size}GB. It must be >= backup size.")
            source = backup
        if size is None:
            raise cinder_rules.size_required()
        if isinstance(size, bool) or not 0 < size <= cinder_rules.MAX_SIZE:
            raise cinder_rules.size_error(size)
        if spec.image_id is not None:
            image = self.images.find(spec.image_id)
            problem = cinder_rules.image_too_big(image, size)
            if problem is not None:
                raise problem
            source = image
        return size, source

    def _backup(self, backup_id: str) -> VolumeBackup:
        """The backup a volume is made from: the project's (any, for an admin), available."""
        backup = self.store.get(VolumeBackup, backup_id)
        if backup is None or not (self.context.is_admin
                                  or backup.project_id == self.context.project_id):
            raise NotFound(f"Backup {backup_id} could not be found.")
        if backup.status != BACKUP_AVAILABLE:
            raise BadRequest("Invalid backup: Backup status must be available")
        return backup

    def _snapshot(self, snapshot_id: str) -> VolumeSnapshot:
        snapshot = self.store.get(VolumeSnapshot, snapshot_id)
        if snapshot is None or not (self.context.is_admin
                                    or snapshot.project_id == self.context.project_id):
            raise NotFound(f"Snapshot {snapshot_id} could not be found.")
        return snapshot

    def _build(self, volume: Volume, source: VolumeSource) -> None:
        """The volume's file, then ``available`` (bootable, with the image's metadata, when
        made from an image); ``error`` with the reason when the file cannot be made."""
        files = self.files
        final = files.volume(volume.id)
        changes: dict[str, Any] = {}
        try:
            size = volume.size * cinder_rules.GIB
            if isinstance(source, Image):
                files.make(final, size, self.images.file(source), source.disk_format or "raw")
                changes = {"bootable": True,
                           "volume_image_metadata": cinder_rules.volume_image_metadata(source)}
            elif isinstance(source, VolumeSnapshot):
                files.make(final, size, files.snapshot(source.id))
                origin = self.store.get(Volume, source.volume_id)
                if origin is not None:
                    changes = {"bootable": origin.bootable,
                               "volume_image_metadata": origin.volume_image_metadata}
            elif isinstance(source, Volume):
                files.make(final, size, files.volume(source.id))
                changes = {"bootable": source.bootable,
                           "volume_image_metadata": source.volume_image_metadata}
            elif isinstance(source, VolumeBackup):
                files.make(final, size, BackupFiles(self.context.state_dir).backup(source.id))
            else:
                files.make(final, size)
            faults.reached("volume-create:file")
        except Exception as exc:  # the volume service's failure: the volume in error
            files.remove(final)
            self._finish(volume, status=ERROR, error_reason=_one_line(exc))
            return
        self._finish(volume, status=AVAILABLE, **changes)

    def _finish(self, volume: Volume, **changes: Any) -> Volume:
        return volume_records.change(self.store, volume, worker_pid=None, **changes)

    def wait(self, volume: Volume, *, statuses: tuple[str, ...] = (AVAILABLE,),
             failures: tuple[str, ...] = (ERROR,), timeout: float | None = None,
             callback: Callable[[int], None] | None = None) -> Volume:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            current = self.get(volume.id)
            if current.status in statuses or current.status in failures:
                return current
            if deadline is not None and time.monotonic() > deadline:
                raise CommandError(f"Timeout waiting for volume {volume.id}.")
            if callback is not None:
                callback(0)
            time.sleep(POLL_INTERVAL)

    # -- changing ---------------------------------------------------------------------

    def update(self, volume: Volume, *, name: str | None = None,
               description: str | None = None) -> None:
        changes: dict[str, Any] = {}
        if name is not None:
            if len(name) > MAX_NAME:
                raise BadRequest(f"Invalid input received: name has more than {MAX_NAME} "
                                 "characters.")
            changes["name"] = name
        if description is not None:
            changes["description"] = description
        if changes:
            volume_records.change(self.store, self.record(volume.id), **changes)

    def set_metadata(self, volume: Volume, metadata: dict[str, str]) -> None:
        _check_metadata(metadata)
        with self.store.transaction():
            current = self.record(volume.id)
            volume_records.change(self.store, current,
                                  metadata={**current.metadata, **metadata})

    def delete_metadata(self, volume: Volume, keys: list[str] | None = None) -> None:
        with self.store.transaction():
            current = self.record(volume.id)
            doomed = list(current.metadata) if keys is None else keys
            for key in doomed:
                if key not in current.metadata:
                    raise NotFound(f"Volume {volume.id} has no metadata with key {key}.")
            volume_records.change(self.store, current, metadata={
                k: v for k, v in current.metadata.items() if k not in doomed})

    def set_image_metadata(self, volume: Volume, metadata: dict[str, str]) -> None:
        _check_metadata(metadata)
        with self.store.transaction():
            current = self.record(volume.id)
            volume_records.change(self.store, current, volume_image_metadata={
                **(current.volume_image_metadata or {}), **metadata})

    def delete_image_metadata(self, volume: Volume, keys: list[str]) -> None:
        with self.store.transaction():
            current = self.record(volume.id)
            kept = dict(current.volume_image_metadata or {})
            for key in keys:
                if key not in kept:
                    raise NotFound(
                        f"Glance metadata for volume/snapshot {volume.id} cannot be found.")
                kept.pop(key)
            volume_records.change(self.store, current, volume_image_metadata=kept or None)

    def set_bootable(self, volume: Volume, bootable: bool) -> None:
        volume_records.change(self.store, self.record(volume.id), bootable=bootable)

    def set_readonly(self, volume: Volume, readonly: bool) -> None:
        with self.store.transaction():
            current = self.record(volume.id)
            if current.status != AVAILABLE:
                raise cinder_rules.invalid_volume(
                    f"Volume {volume.id} status must be available to update readonly flag, "
                    f"but current status is: {current.status}.")
            volume_records.change(self.store, current, readonly=readonly)

    def begin_detaching(self, volume: Volume) -> None:
        """os-begin_detaching: an attached volume ``detaching`` until os-roll_detaching (or
        Nova's detach) moves it on; any other is Cinder's refusal."""
        with self.store.transaction():
            current = self.record(volume.id)
            held = volume_records.status_by_attachments(self.store, current.id) == IN_USE
            if current.status != IN_USE or not held:
                raise cinder_rules.invalid_volume(
                    "Unable to detach volume. Volume status must be 'in-use' and "
                    "attach_status must be 'attached' to detach.")
            volume_records.change(self.store, current, status=DETACHING, worker_pid=None)

    def roll_detaching(self, volume: Volume) -> None:
        """os-roll_detaching: a ``detaching`` volume back to ``in-use`` (else nothing)."""
        with self.store.transaction():
            current = self.record(volume.id)
            if current.status == DETACHING:
                volume_records.change(self.store, current, status=IN_USE)

    def retype(self, volume: Volume, volume_type: VolumeType) -> None:
        """Cinder's retype: to another type only, and the local block storage has one."""
        self.record(volume.id)
        raise cinder_rules.invalid_volume(cinder_rules.RETYPE_REFUSED)

    def manage(self, *, host: str | None, cluster: str | None, ref: dict[str, str],
               bootable: bool | None) -> Volume:
        """Cinder's manage (admins): its input schema, then the service named; the local
        block storage keeps no volume that Cinder does not already manage."""
        if not self.context.is_admin:
            raise cinder_forbidden("volume_extension:volume_manage")
        if bootable is None:
            raise BadRequest("Invalid input for field/attribute bootable. Value: None. None is "
                             "not of type 'boolean', 'string'")
        where = host or cluster or ""
        if where.partition("#")[0] != volume_records.VOLUME_HOST.partition("#")[0]:
            raise NotFound(f"Service {where} could not be found.")
        raise BadRequest(
            f"Manage existing volume failed due to invalid backend reference {ref}: the local "
            "block storage holds no volume that it does not manage already.")

    def unmanage(self, volume: Volume) -> None:
        """Cinder's unmanage (admins). The local block storage's files are the store's own
        (the host reconciler removes any no record wants), so it keeps none it lets go."""
        if not self.context.is_admin:
            raise cinder_forbidden("volume_extension:volume_unmanage")
        raise BadRequest(
            "Invalid volume: the local block storage cannot unmanage a volume: its file "
            "would be removed with its record.")

    def reset_status(self, volume: Volume, *, status: str | None = None,
                     attach_status: str | None = None) -> None:
        """os-reset_status: the record says what the admin says, nothing else changes
        (the attach status Cinder keeps beside it is the attachments' here)."""
        if not self.context.is_admin:
            raise cinder_forbidden("volume_extension:volume_admin_actions:reset_status")
        if status is not None:
            if status not in RESETTABLE:
                raise BadRequest("Invalid input received: Must specify a valid status")
            volume_records.change(self.store, self.record(volume.id), status=status,
                                  worker_pid=None)

    def extend(self, volume: Volume, new_size: int) -> None:
        """Cinder's extend: ``available`` volumes (and ``in-use`` ones, since 3.42, which
        QEMU grows inside the running guest), quota checked, ``extending`` meanwhile."""
        from ostack_cli.backend.local import disk_hotplug

        if new_size > cinder_rules.MAX_SIZE:  # the API schema, before anything else
            raise cinder_rules.size_error(new_size, "new_size")
        with self.store.transaction():
            current = self.record(volume.id)
            increase = new_size - current.size
            if increase <= 0:
                raise BadRequest(
                    "Invalid input received: New size for extend must be greater than "
                    f"current size. (current: {current.size}, extended: {new_size}).")
            expected = IN_USE if current.status == IN_USE else AVAILABLE
            if current.status != expected:
                raise cinder_rules.invalid_volume(
                    f"Volume {current.id} status must be '{{'status': '{expected}'}}' to "
                    f"extend, currently {current.status}.")
            self.quotas.check_extend(current.project_id or "", new_size, increase)
            claimed = volume_records.change(self.store, current, status=EXTENDING,
                                            worker_pid=os.getpid())
        faults.reached("volume-extend:claimed")
        path = self.files.volume(volume.id)
        try:
            grown = False
            if expected == IN_USE and not self.host.is_test_driver:
                grown = self._grow_in_guest(claimed, path, new_size * cinder_rules.GIB,
                                            disk_hotplug.resize)
            if not grown:
                self.files.grow(path, new_size * cinder_rules.GIB)
        except Exception as exc:
            self._finish(claimed, status="error_extending", error_reason=_one_line(exc))
            raise
        self._finish(claimed, status=expected, size=new_size)

    def _grow_in_guest(self, volume: Volume, path: Any, size_bytes: int,
                       resize: Callable[..., bool]) -> bool:
        from ostack_cli.backend.models.server import Server

        for attachment in volume_records.attachments_of_volume(self.store, volume.id):
            if not attachment.by_nova:
                continue  # Cinder's record only: no guest holds the disk
            server = self.store.get(Server, attachment.server_id)
            if server is not None and resize(self.host.hypervisor, server.instance_name,
                                             str(path), size_bytes):
                return True
        return False

    # -- deleting ---------------------------------------------------------------------

    def delete(self, volume: Volume, *, force: bool = False, cascade: bool = False) -> None:
        """Cinder's delete: the volume ``deleting`` (and its snapshots, with ``cascade``),
        then their files, then their records."""
        with self.store.transaction():
            current = self.record(volume.id)
            attached = [a for a in volume_records.attachments_of_volume(self.store, current.id)]
            snapshots = volume_records.snapshots_of_volume(self.store, current.id)
            refused = bool(attached) or (not cascade and bool(snapshots))
            if not force and current.status not in cinder_rules.DELETABLE:
                refused = True
            if cascade and not force and any(
                    s.status not in cinder_rules.CASCADABLE_SNAPSHOTS for s in snapshots):
                refused = True
            if refused:
                raise cinder_rules.not_deletable() if not force \
                    else cinder_rules.not_deletable_forced()
            claimed = volume_records.change(self.store, current, status=DELETING,
                                            worker_pid=os.getpid())
            doomed = [volume_records.change(self.store, s, status=DELETING,
                                            worker_pid=os.getpid()) for s in snapshots]
        faults.reached("volume-delete:claimed")
        for snapshot in doomed:
            self.files.remove(self.files.snapshot(snapshot.id))
            with self.store.transaction():
                self.store.delete(VolumeSnapshot, snapshot.id)
        self.files.remove(self.files.volume(claimed.id))
        faults.reached("volume-delete:file")
        with self.store.transaction():
            self.store.delete(Volume, claimed.id)

    # -- upload to an image -----------------------------------------------------------

    def upload_to_image(self, volume: Volume, upload: ImageUpload) -> dict[str, Any]:
        """Cinder's os-volume_upload_image: an image of the volume's data in the image
        store. Answers as Cinder does (the volume ``uploading``), the image made meanwhile."""
        if upload.disk_format not in ("raw", "qcow2", "vmdk", "vdi", "vhd", "vhdx", "ploop"):
            raise BadRequest(
                f"Invalid input received: Invalid disk-format '{upload.disk_format}' is "
                "specified. Allowed disk-formats are ['raw', 'vmdk', 'vdi', 'qcow2', 'vhd', "
                "'vhdx', 'ploop'].")
        now = utcnow()
        with self.store.transaction():
            current = self.record(volume.id)
            allowed = (AVAILABLE, IN_USE) if upload.force else (AVAILABLE,)
            if current.status not in allowed:
                raise cinder_rules.invalid_volume(
                    f"Volume {current.id} status must be {cinder_rules.or_list(allowed)}")
            image = Image(
                id=new_id(), name=upload.name, project_id=current.project_id or "",
                status="queued", visibility=upload.visibility or "private",
                is_protected=bool(upload.protected), disk_format=upload.disk_format,
                container_format=upload.container_format,
                min_disk=current.size, created_at=now, updated_at=now,
            )
            self.store.insert(image)
            claimed = volume_records.change(self.store, current, status=UPLOADING,
                                            worker_pid=os.getpid(),
                                            upload_image_id=image.id)
        faults.reached("volume-upload:claimed")
        shown = {
            "container_format": upload.container_format,
            "disk_format": upload.disk_format,
            "display_description": claimed.description,
            "id": claimed.id,
            "image_id": image.id,
            "image_name": upload.name,
            "protected": bool(upload.protected),
            "size": claimed.size,
            "status": UPLOADING,
            "updated_at": claimed.updated_at,
            "visibility": upload.visibility or "private",
            "volume_type": {"name": claimed.volume_type} if claimed.volume_type else None,
        }
        try:
            self._upload(claimed, image)
        finally:
            self._finish(claimed, status=volume_records.status_by_attachments(
                self.store, claimed.id), upload_image_id=None)
        return shown

    def _upload(self, volume: Volume, image: Image) -> None:
        directory = image_files.images_dir(self.context.state_dir)
        try:
            with self.store.transaction():
                saving = self.store.get(Image, image.id)
                if saving is None:
                    return
                self.store.update(saving.replace(status="saving", updated_at=utcnow()))
            staged = self.files.export(self.files.volume(volume.id),
                                       image.disk_format or "raw", directory)
            try:
                digest = volume_files.digest(staged)
                virtual_size = image_files.inspect(staged, image.disk_format or "raw")
                with self.store.transaction():
                    saving = self.store.get(Image, image.id)
                    if saving is None:
                        return
                    self.store.update(saving.replace(
                        status="active", size=digest.size, virtual_size=virtual_size,
                        checksum=digest.checksum, hash_algo=image_files.HASH_ALGO,
                        hash_value=digest.hash_value, updated_at=utcnow()))
                    image_files.publish(staged, image_files.image_path(
                        self.context.state_dir, image.id))
            finally:
                staged.unlink(missing_ok=True)
        except Exception:
            # Cinder's upload failure: the image is deleted, the volume available again.
            with contextlib.suppress(OstackError), self.store.transaction():
                if self.store.get(Image, image.id) is not None:
                    self.store.delete(Image, image.id)


def answer(volume: Volume) -> Volume:
    """A new volume as Cinder's API answers its create: before the scheduler has placed it
    (no host, no service, shared targets assumed, never updated)."""
    return volume.replace(status=CREATING, project_id=None, host=None, service_uuid=None,
                          shared_targets=True, updated_at=None, attachments=[],
                          bootable=False, volume_image_metadata=None, worker_pid=None)


def _after(volumes: list[Volume], marker: str | None) -> list[Volume]:
    """The volumes after ``marker`` (Cinder looks the marker up as a volume first)."""
    if marker is None:
        return volumes
    ids = [v.id for v in volumes]
    if marker not in ids:
        raise cinder_rules.volume_not_found(marker)
    return volumes[ids.index(marker) + 1:]


def _check_metadata(metadata: dict[str, str]) -> None:
    for key, value in metadata.items():
        if not key:
            raise BadRequest("Invalid metadata: Metadata property key blank.")
        if len(key) > 255:
            raise BadRequest("Invalid metadata size: Metadata property key greater than 255 "
                             "characters.")
        if len(value) > 255:
            raise BadRequest("Invalid metadata size: Metadata property value greater than "
                             "255 characters.")


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
