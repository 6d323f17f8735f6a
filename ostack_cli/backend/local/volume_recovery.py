"""Settling block-storage work whose process died mid-way, the next time a command reads it.

Every step is recorded before the host changes (a status per step, the worker's PID with
it), so the status says how far the work got. What is settled is what Cinder's
``_do_cleanup`` settles at its volume service's start, and what Nova does with a volume
attachment it finds half made:

- a volume or snapshot being created: ``error`` (its partial file is the reconciler's);
- a volume being extended or uploaded to an image: back to ``available`` or ``in-use``, as
  its attachments say (an unfinished image is deleted);
- a volume or snapshot being deleted: the delete finished;
- an attachment being made: finished if the guest has the disk (in its running or its
  persistent definition), else undone; one being removed: undone while the running guest
  still holds the disk, else finished.

Every step here can run twice (two readers may settle the same record at once).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from ostack_cli.backend.local import cinder_rules, disk_hotplug, image_files, volume_records
from ostack_cli.backend.local.volume_files import VolumeFiles
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.server import Server
from ostack_cli.backend.models.volume import (
    ATTACHING,
    CREATING,
    DELETING,
    DETACHING,
    DOWNLOADING,
    ERROR,
    ERROR_RESTORING,
    Volume,
    VolumeAttachment,
    VolumeSnapshot,
)
from ostack_cli.backend.models.volume_backup import RESTORING_BACKUP
from ostack_cli.errors import OstackError
from ostack_cli.state.liveness import worker_alive

if TYPE_CHECKING:
    from ostack_cli.backend.local import domain_xml
    from ostack_cli.backend.local.host import HostContext
    from ostack_cli.state.store import Store

INTERRUPTED = "The operation was interrupted (its process ended); the volume service gave up."


def working(pid: int | None, claimed_at: str | None) -> bool:
    """Whether the work is not a dead process's: still running, or no process's at all (a
    status an admin set with ``--state`` stays as Cinder keeps it)."""
    return pid is None or worker_alive(pid, cinder_rules.claim_time(claimed_at))


def settle_volume(store: Store, host: HostContext, volume: Volume) -> Volume | None:
    """The volume as it should be; None once an interrupted delete is finished."""
    if volume.status in (ATTACHING, DETACHING):
        for attachment in volume_records.attachments_of_volume(store, volume.id):
            settle_attachment(store, host, attachment)
        return store.get(Volume, volume.id)
    if volume.status not in cinder_rules.VOLUME_TASKS or working(volume.worker_pid,
                                                                 volume.updated_at):
        return volume
    files = VolumeFiles(host.host_dir)
    if volume.status == DELETING:
        files.remove(files.volume(volume.id))
        with store.transaction():
            store.delete(Volume, volume.id)
        return None
    if volume.status in (CREATING, DOWNLOADING):
        return _save_if_unchanged(store, volume, volume.replace(
            status=ERROR, worker_pid=None, error_reason=INTERRUPTED))
    if volume.status == RESTORING_BACKUP:
        # Cinder's backup manager at its start: a restore it did not finish is an error.
        return _save_if_unchanged(store, volume, volume.replace(
            status=ERROR_RESTORING, worker_pid=None, error_reason=INTERRUPTED))
    # extending, uploading, backing-up
    if volume.upload_image_id:
        _drop_unfinished_image(store, host, volume.upload_image_id)
    return _save_if_unchanged(store, volume, volume.replace(
        status=volume_records.status_by_attachments(store, volume.id), worker_pid=None,
        upload_image_id=None))


def settle_snapshot(store: Store, host: HostContext,
                    snapshot: VolumeSnapshot) -> VolumeSnapshot | None:
    if snapshot.status not in cinder_rules.SNAPSHOT_TASKS or working(snapshot.worker_pid,
                                                                     snapshot.updated_at):
        return snapshot
    files = VolumeFiles(host.host_dir)
    if snapshot.status == DELETING:
        files.remove(files.snapshot(snapshot.id))
        with store.transaction():
            store.delete(VolumeSnapshot, snapshot.id)
        return None
    return _save_if_unchanged(store, snapshot, snapshot.replace(
        status=ERROR, worker_pid=None, error_reason=INTERRUPTED))


def settle_attachment(store: Store, host: HostContext,
                      attachment: VolumeAttachment) -> VolumeAttachment | None:
    """An attachment as the guest has it; None once it is gone (one made through Cinder's
    API alone is no guest's: a record, left as it is)."""
    if not attachment.by_nova or attachment.status not in cinder_rules.ATTACHMENT_TASKS or working(
            attachment.worker_pid, attachment.updated_at or attachment.created_at):
        return attachment
    server = store.get(Server, attachment.server_id)
    if server is None:
        remove_attachment(store, attachment)
        return None
    path = str(VolumeFiles(host.host_dir).volume(attachment.volume_id))
    live = persistent = False
    with contextlib.suppress(OstackError):
        live, persistent = disk_hotplug.where(host.hypervisor, server.instance_name, path)
    # An attach the guest saw (live or in its definition) is finished; a detach the running
    # guest has not seen is undone. Either way both definitions end up alike.
    if live or (persistent and attachment.status == ATTACHING):
        with contextlib.suppress(OstackError):
            disk_hotplug.attach(host.hypervisor, server.instance_name, path,
                                disk_xml(host, attachment))
        return finish_attached(store, attachment)
    if persistent:
        with contextlib.suppress(OstackError):
            disk_hotplug.detach(host.hypervisor, server.instance_name, path, attempts=1,
                                wait=0)
    remove_attachment(store, attachment)
    return None


def disk_xml(host: HostContext, attachment: VolumeAttachment, *, readonly: bool = False) -> str:
    """The ``<disk>`` of an attached volume, as the guest's definition has it."""
    from ostack_cli.backend.local import domain_xml

    return domain_xml.render_disk(disk_spec(host, attachment, readonly=readonly))


def disk_spec(host: HostContext, attachment: VolumeAttachment, *,
              readonly: bool = False) -> domain_xml.DiskSpec:
    from ostack_cli.backend.local import domain_xml

    return domain_xml.DiskSpec(
        path=str(VolumeFiles(host.host_dir).volume(attachment.volume_id)),
        target=cinder_rules.target(attachment.device or ""),
        serial=attachment.volume_id, readonly=readonly)


def finish_attached(store: Store, attachment: VolumeAttachment) -> VolumeAttachment:
    """The attachment made: attached, its volume in use."""
    with store.transaction():
        current = store.get(VolumeAttachment, attachment.id)
        if current is None:
            return attachment
        done = current.replace(status="attached", worker_pid=None,
                               attached_at=current.attached_at or cinder_rules.now(),
                               updated_at=cinder_rules.now())
        store.update(done)
        volume = store.get(Volume, attachment.volume_id)
        if volume is not None:
            store.update(volume.replace(status="in-use", worker_pid=None,
                                        updated_at=cinder_rules.now()))
    return done


def remove_attachment(store: Store, attachment: VolumeAttachment) -> None:
    """The attachment gone: its volume available again (or still in use by others)."""
    with store.transaction():
        if store.get(VolumeAttachment, attachment.id) is None:
            return
        store.delete(VolumeAttachment, attachment.id)
        volume = store.get(Volume, attachment.volume_id)
        if volume is not None:
            store.update(volume.replace(
                status=volume_records.status_by_attachments(store, volume.id),
                worker_pid=None, updated_at=cinder_rules.now()))


def _save_if_unchanged(store: Store, before: volume_records.RecordT,
                       after: volume_records.RecordT) -> volume_records.RecordT:
    with store.transaction():
        current = store.get(type(before), before.id)
        if current is None or current != before:
            return current or before
        after = after.replace(updated_at=cinder_rules.now())
        store.update(after)
    return after


def _drop_unfinished_image(store: Store, host: HostContext, image_id: str) -> None:
    """Cinder deletes the image an upload was making when the upload fails."""
    with store.transaction():
        image = store.get(Image, image_id)
        if image is None or image.status == "active":
            return
        store.delete(Image, image_id)
    image_files.image_path(host.state_dir, image_id).unlink(missing_ok=True)
