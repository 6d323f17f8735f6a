"""Block storage through Cinder (openstacksdk's block-storage proxy, v3 with microversions) and
volume attachments through Nova.

A cloud whose catalog has no block storage gets openstacksdk's stand-in proxy, which raises
"Service 'block-storage' is disabled because its configuration could not be loaded. ..." on
first use: the message the real client prints there, kept as it is (exit status 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from openstack import utils as sdk_utils
from openstack.block_storage.v3 import snapshot as sdk_snapshot
from openstack.block_storage.v3 import type as sdk_type
from openstack.block_storage.v3 import volume as sdk_volume
from openstack.compute.v2 import volume_attachment as sdk_attachment

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.server import Server
from ostack_cli.backend.models.volume import (
    ImageUpload,
    SnapshotFilters,
    Volume,
    VolumeAttachment,
    VolumeFilters,
    VolumeSnapshot,
    VolumeSpec,
    VolumeType,
)
from ostack_cli.errors import CommandError

# What the real client leaves out of a type's encryption (``_format_encryption``).
ENCRYPTION_HIDDEN = frozenset({"id", "location", "name", "deleted", "created_at",
                               "updated_at", "deleted_at", "volume_type_id"})
# osc_lib.utils.wait_for_status polls every few seconds; a volume is usually quick.
POLL_INTERVAL = 1.0


def volume_from_sdk(volume: sdk_volume.Volume) -> Volume:
    return Volume(
        id=volume.id,
        name=volume.name,
        project_id=volume.project_id,
        user_id=volume.user_id or "",
        size=volume.size or 0,
        status=volume.status or "",
        description=volume.description,
        volume_type=volume.volume_type,
        volume_type_id=volume.volume_type_id,
        availability_zone=volume.availability_zone,
        bootable=bool(volume.is_bootable),
        metadata=dict(volume.metadata or {}),
        snapshot_id=volume.snapshot_id,
        source_volid=volume.source_volume_id,
        backup_id=volume.backup_id,
        attachments=list(volume.attachments or []),
        volume_image_metadata=volume.volume_image_metadata,
        host=volume.host,
        migration_status=volume.migration_status,
        migration_id=volume.migration_id,
        encrypted=bool(volume.is_encrypted),
        multiattach=bool(volume.is_multiattach),
        consumes_quota=volume.consumes_quota,
        shared_targets=volume.shared_targets,
        service_uuid=volume.service_uuid,
        cluster_name=volume.cluster_name,
        group_id=volume.group_id,
        provider_id=volume.provider_id,
        replication_status=volume.replication_status,
        consistencygroup_id=volume.consistency_group_id,
        encryption_key_id=volume.encryption_key_id,
        created_at=volume.created_at or "",
        updated_at=volume.updated_at,
    )


def snapshot_from_sdk(snapshot: sdk_snapshot.Snapshot) -> VolumeSnapshot:
    return VolumeSnapshot(
        id=snapshot.id,
        name=snapshot.name,
        project_id=snapshot.project_id,
        user_id=snapshot.user_id or "",
        volume_id=snapshot.volume_id or "",
        size=snapshot.size or 0,
        status=snapshot.status or "",
        description=snapshot.description,
        metadata=dict(snapshot.metadata or {}),
        progress=snapshot.progress,
        created_at=snapshot.created_at or "",
        updated_at=snapshot.updated_at,
    )


def type_from_sdk(volume_type: sdk_type.Type) -> VolumeType:
    return VolumeType(
        id=volume_type.id,
        name=volume_type.name or "",
        description=volume_type.description,
        is_public=bool(volume_type.is_public),
        extra_specs=dict(volume_type.extra_specs or {}),
    )


def attachment_from_sdk(attachment: sdk_attachment.VolumeAttachment,
                        server_id: str) -> VolumeAttachment:
    return VolumeAttachment(
        id=attachment.attachment_id or attachment.volume_id or "",
        server_id=attachment.server_id or server_id,
        volume_id=attachment.volume_id or "",
        device=attachment.device,
        tag=attachment.tag,
        delete_on_termination=bool(attachment.delete_on_termination),
        bdm_id=attachment.bdm_id,
    )


@translate_errors
class CloudVolumes(CloudBase):
    @property
    def _cinder(self) -> Any:
        # The v3 proxy (osc's ensure_service_version(..., '3')); on a cloud without block
        # storage, the first attribute read raises openstacksdk's "disabled" error.
        block_storage = self.conn.block_storage
        return sdk_utils.ensure_service_version(block_storage, "3")

    # -- volumes ----------------------------------------------------------------------

    def volumes(self, filters: VolumeFilters | None = None) -> list[Volume]:
        filters = filters or VolumeFilters()
        query: dict[str, Any] = {"all_projects": filters.all_projects}
        for key in ("name", "status", "limit", "marker", "project_id", "user_id"):
            value = getattr(filters, key)
            if value:
                query[key] = value
        if filters.metadata:
            # As the real client: Cinder reads the filter as a stringified dict.
            query["properties"] = str(filters.metadata)
        found = [volume_from_sdk(v) for v in self._cinder.volumes(**query)]
        if set(query) == {"all_projects"} and not filters.all_projects:
            self._cache_list("volume", found)
        return found

    def find_volume(self, name_or_id: str) -> Volume:
        return volume_from_sdk(self._cinder.find_volume(name_or_id, ignore_missing=False))

    def get_volume(self, volume_id: str) -> Volume:
        return volume_from_sdk(self._cinder.get_volume(volume_id))

    def create_volume(self, spec: VolumeSpec) -> Volume:
        attrs: dict[str, Any] = {
            "size": spec.size, "snapshot_id": spec.snapshot_id, "name": spec.name,
            "description": spec.description, "volume_type": spec.volume_type,
            "availability_zone": spec.availability_zone, "metadata": spec.metadata or None,
            "image_id": spec.image_id, "source_volume_id": spec.source_volume_id,
            "scheduler_hints": spec.scheduler_hints,
        }
        if spec.backup_id is not None:
            attrs["backup_id"] = spec.backup_id
        return volume_from_sdk(self._cinder.create_volume(**attrs))

    def update_volume(self, volume: Volume, *, name: str | None = None,
                      description: str | None = None) -> None:
        attrs: dict[str, Any] = {}
        if name is not None:
            attrs["name"] = name
        if description is not None:
            attrs["description"] = description
        self._cinder.update_volume(volume.id, **attrs)

    def extend_volume(self, volume: Volume, size: int) -> None:
        self._cinder.extend_volume(volume.id, size)

    def set_volume_metadata(self, volume: Volume, metadata: dict[str, str]) -> None:
        self._cinder.set_volume_metadata(volume.id, **metadata)

    def delete_volume_metadata(self, volume: Volume, keys: list[str] | None = None) -> None:
        self._cinder.delete_volume_metadata(volume.id, keys=keys)

    def set_volume_image_metadata(self, volume: Volume, metadata: dict[str, str]) -> None:
        self._cinder.set_volume_image_metadata(volume.id, **metadata)

    def delete_volume_image_metadata(self, volume: Volume, keys: list[str]) -> None:
        self._cinder.delete_volume_image_metadata(volume.id, keys=keys)

    def reset_volume_status(self, volume: Volume, *, status: str | None = None,
                            attach_status: str | None = None) -> None:
        self._cinder.reset_volume_status(volume.id, status=status, attach_status=attach_status)

    def set_volume_bootable(self, volume: Volume, bootable: bool) -> None:
        self._cinder.set_volume_bootable_status(volume.id, bootable)

    def set_volume_readonly(self, volume: Volume, readonly: bool) -> None:
        self._cinder.set_volume_readonly(volume.id, readonly)

    def delete_volume(self, volume: Volume, *, force: bool = False,
                      cascade: bool = False) -> None:
        self._cinder.delete_volume(volume.id, ignore_missing=False, force=force,
                                   cascade=cascade)

    def retype_volume(self, volume: Volume, volume_type: VolumeType,
                      migration_policy: str = "never") -> None:
        self._cinder.retype_volume(volume.id, volume_type.id, migration_policy)

    def manage_volume(self, spec: VolumeSpec, *, host: str | None, cluster: str | None,
                      ref: dict[str, str], bootable: bool | None) -> Volume:
        return volume_from_sdk(self._cinder.manage_volume(
            host=host, cluster=cluster, ref=ref, name=spec.name,
            description=spec.description, volume_type=spec.volume_type,
            availability_zone=spec.availability_zone, metadata=spec.metadata or None,
            bootable=bootable))

    def unmanage_volume(self, volume: Volume) -> None:
        self._cinder.unmanage_volume(volume.id)

    def wait_for_volume(self, volume: Volume, *, statuses: tuple[str, ...] = ("available",),
                        failures: tuple[str, ...] = ("error",),
                        timeout: float | None = None,
                        callback: Callable[[int], None] | None = None) -> Volume:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            current = self.get_volume(volume.id)
            if current.status in statuses or current.status in failures:
                return current
            if deadline is not None and time.monotonic() > deadline:
                raise CommandError(f"Timeout waiting for volume {volume.id}.")
            if callback is not None:
                callback(0)
            time.sleep(POLL_INTERVAL)

    def upload_volume_to_image(self, volume: Volume, upload: ImageUpload) -> dict[str, Any]:
        answer: dict[str, Any] = self._cinder.upload_volume_to_image(
            volume.id, upload.name, force=upload.force, disk_format=upload.disk_format,
            container_format=upload.container_format, visibility=upload.visibility,
            protected=upload.protected)
        return answer

    # -- snapshots --------------------------------------------------------------------

    def volume_snapshots(self, filters: SnapshotFilters | None = None) -> list[VolumeSnapshot]:
        filters = filters or SnapshotFilters()
        query: dict[str, Any] = {
            "marker": filters.marker, "limit": filters.limit,
            "all_projects": filters.all_projects, "project_id": filters.project_id,
            "name": filters.name, "status": filters.status, "volume_id": filters.volume_id,
        }
        found = [snapshot_from_sdk(s) for s in self._cinder.snapshots(**query)]
        if not any(v for k, v in query.items()):
            self._cache_list("volume_snapshot", found)
        return found

    def find_volume_snapshot(self, name_or_id: str) -> VolumeSnapshot:
        return snapshot_from_sdk(self._cinder.find_snapshot(name_or_id, ignore_missing=False))

    def create_volume_snapshot(
        self, volume: Volume, *, name: str, description: str | None = None,
        metadata: dict[str, str] | None = None, force: bool = False,
    ) -> VolumeSnapshot:
        cinder = self._cinder
        attrs: dict[str, Any] = {"volume_id": volume.id, "name": name,
                                 "description": description, "metadata": metadata}
        # As the real client: ``force`` only below 3.66, where Cinder still reads it.
        if not sdk_utils.supports_microversion(cinder, "3.66"):
            attrs["force"] = force
        return snapshot_from_sdk(cinder.create_snapshot(**attrs))

    def update_volume_snapshot(self, snapshot: VolumeSnapshot, *, name: str | None = None,
                               description: str | None = None) -> None:
        attrs: dict[str, Any] = {}
        if name is not None:
            attrs["name"] = name
        if description is not None:
            attrs["description"] = description
        self._cinder.update_snapshot(snapshot.id, **attrs)

    def set_volume_snapshot_metadata(self, snapshot: VolumeSnapshot,
                                     metadata: dict[str, str]) -> None:
        self._cinder.set_snapshot_metadata(snapshot.id, **metadata)

    def delete_volume_snapshot_metadata(self, snapshot: VolumeSnapshot,
                                        keys: list[str]) -> None:
        self._cinder.delete_snapshot_metadata(snapshot.id, keys=keys)

    def reset_volume_snapshot_status(self, snapshot: VolumeSnapshot, status: str) -> None:
        self._cinder.reset_snapshot_status(snapshot.id, status)

    def delete_volume_snapshot(self, snapshot: VolumeSnapshot, *, force: bool = False) -> None:
        self._cinder.delete_snapshot(snapshot.id, ignore_missing=False, force=force)

    def manage_volume_snapshot(
        self, volume: Volume, *, ref: dict[str, str], name: str,
        description: str | None = None, metadata: dict[str, str] | None = None,
    ) -> VolumeSnapshot:
        return snapshot_from_sdk(self._cinder.manage_snapshot(
            volume_id=volume.id, ref=ref, name=name, description=description,
            metadata=metadata))

    def unmanage_volume_snapshot(self, snapshot: VolumeSnapshot) -> None:
        self._cinder.unmanage_snapshot(snapshot.id)

    # -- types ------------------------------------------------------------------------

    def volume_types(self, *, default: bool = False,
                     is_public: bool | None = None) -> list[VolumeType]:
        cinder = self._cinder
        if default:
            return [type_from_sdk(cinder.get_type("default"))]
        # Neither --public nor --private: Cinder's "none" (every type the user may see).
        return [type_from_sdk(t) for t in
                cinder.types(is_public="none" if is_public is None else is_public)]

    def find_volume_type(self, name_or_id: str) -> VolumeType:
        cinder = self._cinder
        found = type_from_sdk(cinder.find_type(name_or_id, ignore_missing=False))
        if found.is_public:
            return found
        access = [str(item.get("project_id")) for item in cinder.get_type_access(found.id)]
        return found.replace(access_project_ids=access)

    def volume_type_encryption(self, volume_type: VolumeType) -> dict[str, Any] | None:
        encryption = self._cinder.get_type_encryption(volume_type.id)
        if not encryption.volume_type_id:
            return None
        return {k: v for k, v in encryption.to_dict().items()
                if k not in ENCRYPTION_HIDDEN and v is not None}


@translate_errors
class CloudServerVolumes(CloudBase):
    def server_volumes(self, server: Server) -> list[VolumeAttachment]:
        return [attachment_from_sdk(a, server.id)
                for a in self.conn.compute.volume_attachments(server.id)]

    def attach_server_volume(
        self, server: Server, volume: Volume, *, device: str | None = None,
        tag: str | None = None, delete_on_termination: bool | None = None,
    ) -> VolumeAttachment:
        attrs: dict[str, Any] = {"device": device}
        if tag:
            attrs["tag"] = tag
        if delete_on_termination is not None:
            attrs["delete_on_termination"] = delete_on_termination
        made = self.conn.compute.create_volume_attachment(server.id, volume.id, **attrs)
        return attachment_from_sdk(made, server.id)

    def detach_server_volume(self, server: Server, volume: Volume) -> None:
        self.conn.compute.delete_volume_attachment(server.id, volume.id, ignore_missing=False)
