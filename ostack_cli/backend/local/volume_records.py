"""What several block-storage services read of the store: a volume's attachments as Cinder
shows them, the status its attachments imply, and a compare-and-swap change of a record.
Plain functions of the store (as ``net_records`` is for networking)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from ostack_cli.backend.local import cinder_rules
from ostack_cli.backend.models.volume import (
    AVAILABLE,
    IN_USE,
    Volume,
    VolumeAttachment,
    VolumeSnapshot,
)
from ostack_cli.backend.models.volume_backup import VolumeBackup
from ostack_cli.errors import duplicate, not_found
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.backend.local.context import ServiceContext
    from ostack_cli.backend.models.volume import SnapshotFilters

HOST_NAME = "localhost"  # the compute host guests run on (servers.LOCAL_HOST)
# What Cinder's os-vol-host-attr:host says of the one volume backend: host@backend#pool.
VOLUME_HOST = "localhost@local#local"
# Attachments a guest holds (or is letting go of); an attaching one is not yet shown.
HELD = ("attached", "detaching")

RecordT = TypeVar("RecordT", Volume, VolumeSnapshot, VolumeAttachment, VolumeBackup)


ListedT = TypeVar("ListedT", VolumeSnapshot, VolumeBackup)


def cinder_listing(
    context: ServiceContext,
    records: Iterable[ListedT],
    filters: SnapshotFilters,
    settle: Callable[[ListedT], ListedT | None],
    not_found: Callable[[str], Exception],
) -> list[ListedT]:
    """Cinder's list of snapshots or backups: the project's (every project's for an admin
    asking for them), filtered, each settled (None: gone), newest first, after ``marker``.
    ``limit`` is the size of Cinder's pages, which openstacksdk follows to the end."""
    every = context.is_admin and (filters.all_projects or filters.project_id)
    found = []
    for record in records:
        if not every and record.project_id != context.project_id:
            continue
        if filters.project_id and record.project_id != filters.project_id:
            continue
        if filters.name is not None and record.name != filters.name:
            continue
        if filters.status is not None and record.status != filters.status:
            continue
        if filters.volume_id is not None and record.volume_id != filters.volume_id:
            continue
        settled = settle(record)
        if settled is not None:
            found.append(settled)
    found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    if filters.marker is not None:
        ids = [r.id for r in found]
        if filters.marker not in ids:
            raise not_found(filters.marker)
        found = found[ids.index(filters.marker) + 1:]
    return found


def cinder_find(
    context: ServiceContext,
    kind: type[ListedT],
    label: str,
    name_or_id: str,
    settle: Callable[[ListedT], ListedT | None],
) -> ListedT:
    """openstacksdk's find of a snapshot or backup: by ID (the project's, or any for an
    admin), then by name among the project's own; settled (gone: not found)."""
    by_id = context.store.get(kind, name_or_id)
    if by_id is not None and (context.is_admin or by_id.project_id == context.project_id):
        found = by_id
    else:
        matches = [r for r in context.store.list(kind, name=name_or_id)
                   if r.project_id == context.project_id]
        if not matches:
            raise not_found(label, name_or_id)
        if len(matches) > 1:
            raise duplicate(label, name_or_id)
        found = matches[0]
    settled = settle(found)
    if settled is None:
        raise not_found(label, name_or_id)
    return settled


def attachments_of_volume(store: Store, volume_id: str) -> list[VolumeAttachment]:
    return [a for a in store.list(VolumeAttachment) if a.volume_id == volume_id]


def attachments_of_server(store: Store, server_id: str) -> list[VolumeAttachment]:
    return [a for a in store.list(VolumeAttachment) if a.server_id == server_id]


def snapshots_of_volume(store: Store, volume_id: str) -> list[VolumeSnapshot]:
    return [s for s in store.list(VolumeSnapshot) if s.volume_id == volume_id]


def cinder_attachments(store: Store, volume: Volume) -> list[dict[str, Any]]:
    """The volume's ``attachments`` as Cinder shows them: one a server it is attached to."""
    return [
        {"id": volume.id, "attachment_id": a.id, "volume_id": volume.id,
         "server_id": a.server_id or None, "host_name": _host_name(a),
         "device": _device(a), "attached_at": a.attached_at}
        for a in attachments_of_volume(store, volume.id) if a.status in HELD
    ]


def _host_name(attachment: VolumeAttachment) -> str | None:
    """Nova's: the compute host; one made through Cinder alone: its connector's host."""
    if attachment.by_nova:
        return HOST_NAME
    return (attachment.connector or {}).get("host")


def _device(attachment: VolumeAttachment) -> str | None:
    if attachment.by_nova:
        return attachment.device
    return (attachment.connector or {}).get("mountpoint", "na")


def status_by_attachments(store: Store, volume_id: str, *, leaving: str | None = None) -> str:
    """``in-use`` while a guest holds the volume, else ``available`` (Cinder's
    ``volume_update_status_based_on_attachment``); ``leaving``: an attachment going now."""
    left = [a for a in attachments_of_volume(store, volume_id) if a.id != leaving]
    if any(a.status in HELD for a in left):
        return IN_USE
    # Cinder's _get_statuses_from_attachments: the first of the attach statuses left in
    # alphabetical order (attaching, reserved) names the volume's; Nova's path settles its
    # own attaching ones.
    pending = sorted(a.status for a in left if not a.by_nova)
    return pending[0] if pending else AVAILABLE


def store_uuid(store: Store, what: str) -> str:
    """A UUID of this store's own for ``what`` (the one cinder-volume service, the default
    volume type): stable, different in every store, and read without writing anything."""
    import uuid

    seed = store.get_setting("user_id") or ""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ostack:{seed}:{what}"))


def service_uuid(store: Store) -> str:
    """The one cinder-volume service's ID (``service_uuid``)."""
    return store_uuid(store, "cinder-volume")


def change(store: Store, record: RecordT, **changes: Any) -> RecordT:
    """The record as it is now, with ``changes`` and a new ``updated_at`` where it has one;
    inside a transaction of the caller's or its own."""
    with store.transaction():
        current = store.get(type(record), record.id)
        if current is None:
            return record
        if hasattr(current, "updated_at") and "updated_at" not in changes:
            changes["updated_at"] = cinder_rules.now()
        updated = current.replace(**changes)
        store.update(updated)
    return updated
