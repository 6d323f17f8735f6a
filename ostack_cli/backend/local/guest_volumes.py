"""A server's volumes as its guest and Nova's views see them: the volume it boots from (its
first disk, ``vda``), the others as further virtio disks, and Nova's ``volumes_attached``.
Plain functions of the store, cheap to import (the guest builder and the server views read
them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.local import cinder_rules
from ostack_cli.backend.local.volume_files import VolumeFiles
from ostack_cli.backend.models.volume import Volume, VolumeAttachment
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.backend.local.domain_xml import DiskSpec

# Attachments a guest's definition carries: made, or being let go of (an attach in progress
# reaches the guest through its hot plug, or is settled).
IN_DEFINITION = ("attached", "detaching")


@dataclass(frozen=True)
class RootVolume:
    """The volume a guest boots from: its file, its ID (the disk's serial)."""

    path: str
    volume_id: str


def server_attachments(store: Store, server_id: str) -> list[VolumeAttachment]:
    """The server's attachments, in the order they were made (the store's order): Nova's
    only (one made through Cinder's API alone is a record no guest sees, as in Cinder)."""
    return [a for a in store.list(VolumeAttachment) if a.server_id == server_id and a.by_nova]


def attachments_by_server(store: Store) -> dict[str, list[VolumeAttachment]]:
    by_server: dict[str, list[VolumeAttachment]] = {}
    for attachment in store.list(VolumeAttachment):
        if not attachment.by_nova:
            continue
        by_server.setdefault(attachment.server_id, []).append(attachment)
    return by_server


def volumes_attached(attachments: list[VolumeAttachment]) -> list[dict[str, Any]]:
    """Nova's ``os-extended-volumes:volumes_attached`` (2.3+: with delete_on_termination)."""
    return [{"id": a.volume_id, "delete_on_termination": a.delete_on_termination}
            for a in attachments]


def boots_from_volume(store: Store, server_id: str) -> bool:
    return any(a.boot_index == 0 for a in server_attachments(store, server_id))


def root_volume(store: Store, host_dir: Path, server_id: str) -> RootVolume | None:
    for attachment in server_attachments(store, server_id):
        if attachment.boot_index == 0:
            path = VolumeFiles(host_dir).volume(attachment.volume_id)
            return RootVolume(str(path), attachment.volume_id)
    return None


def volume_disks(store: Store, host_dir: Path, server_id: str) -> tuple[DiskSpec, ...]:
    """The further disks of the server's guest: its volumes but the one it boots from."""
    from ostack_cli.backend.local.domain_xml import DiskSpec

    files = VolumeFiles(host_dir)
    disks: list[DiskSpec] = []
    used = {"/dev/vda"}
    for attachment in server_attachments(store, server_id):
        if attachment.boot_index == 0 or attachment.status not in IN_DEFINITION:
            continue
        device = attachment.device or cinder_rules.device_name(None, used)
        used.add(device)
        volume = store.get(Volume, attachment.volume_id)
        disks.append(DiskSpec(path=str(files.volume(attachment.volume_id)),
                              target=cinder_rules.target(device),
                              serial=attachment.volume_id,
                              readonly=bool(volume and volume.readonly)))
    return tuple(disks)
