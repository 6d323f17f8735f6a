"""Cinder's volumes, snapshots and volume types, and Nova's volume attachments."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource

# Cinder's default type (made by its database migrations; the only one the local backend has).
DEFAULT_VOLUME_TYPE = "__DEFAULT__"
DEFAULT_TYPE_DESCRIPTION = "Default Volume Type"

# Cinder's volume statuses (cinder/objects/fields.py VolumeStatus) that matter here.
CREATING, AVAILABLE, ATTACHING, IN_USE, DETACHING = (
    "creating", "available", "attaching", "in-use", "detaching")
DELETING, EXTENDING, UPLOADING, DOWNLOADING = "deleting", "extending", "uploading", "downloading"
ERROR, ERROR_DELETING, ERROR_EXTENDING = "error", "error_deleting", "error_extending"
RESERVED, MAINTENANCE = "reserved", "maintenance"
ERROR_RESTORING = "error_restoring"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Volume(Resource):
    """A volume as Cinder shows it (microversion 3.71). ``project_id`` is None where Cinder
    does not say (its answer to a create), ``host`` and the migration fields where the policy
    hides them from non-admins."""

    KIND = "volume"
    RESOURCE_NAME = "Volume"

    name: str | None = None  # type: ignore[assignment]  # Cinder's is null when not given
    project_id: str | None = None
    user_id: str = ""
    size: int = 0
    status: str = CREATING
    description: str | None = None
    volume_type: str | None = DEFAULT_VOLUME_TYPE
    volume_type_id: str | None = None
    availability_zone: str | None = "nova"
    bootable: bool = False
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    snapshot_id: str | None = None
    source_volid: str | None = None
    backup_id: str | None = None
    # Cinder's attachments (id, attachment_id, volume_id, server_id, host_name, device,
    # attached_at); the local backend fills them on read from its attachment records.
    attachments: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # The image the volume was made from, as Cinder keeps it (strings only); None: none.
    volume_image_metadata: dict[str, str] | None = None
    host: str | None = None  # os-vol-host-attr:host
    migration_status: str | None = None  # os-vol-mig-status-attr:migstat
    migration_id: str | None = None  # os-vol-mig-status-attr:name_id
    encrypted: bool = False
    multiattach: bool = False
    consumes_quota: bool | None = True
    shared_targets: bool | None = False
    service_uuid: str | None = None
    cluster_name: str | None = None
    group_id: str | None = None
    provider_id: str | None = None
    replication_status: str | None = None
    consistencygroup_id: str | None = None
    encryption_key_id: str | None = None
    created_at: str = ""
    updated_at: str | None = None
    # Local backend only, never shown: the process working on the volume (a create, an
    # extend, an upload), so that work whose process died is told from work in progress;
    # why the volume is in an error state (Cinder keeps it as a user message).
    worker_pid: int | None = None
    error_reason: str | None = None
    # Local backend only: the attach mode Cinder keeps in its admin metadata (``volume set
    # --read-only``), and the image an upload is making (dropped if the upload dies).
    readonly: bool | None = None  # None: never set (Cinder then shows no "readonly")
    upload_image_id: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolumeSnapshot(Resource):
    KIND = "volume_snapshot"
    RESOURCE_NAME = "Snapshot"

    project_id: str | None = None
    user_id: str = ""
    volume_id: str = ""
    size: int = 0
    status: str = CREATING
    description: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    progress: str | None = None
    created_at: str = ""
    updated_at: str | None = None
    worker_pid: int | None = None  # local backend only, as Volume's
    error_reason: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolumeType(Resource):
    KIND = "volume_type"
    RESOURCE_NAME = "Type"

    description: str | None = None
    is_public: bool = True
    extra_specs: dict[str, str] = dataclasses.field(default_factory=dict)
    access_project_ids: list[str] | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolumeAttachment(Resource):
    """A volume attached to a server, as Nova's os-volume_attachments shows it (2.89: the
    Cinder attachment and the block device mapping by ID). ``id`` is Cinder's attachment ID.

    The local backend stores these: ``status`` is where the attachment is in Nova's attach or
    detach, ``boot_index`` 0 for the volume a server boots from."""

    KIND = "volume_attachment"
    RESOURCE_NAME = "VolumeAttachment"

    server_id: str = ""
    volume_id: str = ""
    device: str | None = None
    tag: str | None = None
    delete_on_termination: bool = False
    bdm_id: str | None = None
    project_id: str | None = None  # the server's (local backend only)
    boot_index: int | None = None
    status: str = "attached"  # attaching, attached, detaching (local backend only)
    attached_at: str | None = None
    created_at: str = ""
    updated_at: str | None = None
    worker_pid: int | None = None
    # False for an attachment made through Cinder's API alone (``attachment create``): a
    # record only, as in Cinder; no guest gets the disk and Nova's views do not show it.
    by_nova: bool = True
    attach_mode: str = "null"  # Cinder's attachments API (by_nova False only)
    connector: dict[str, Any] | None = None  # the host connector Cinder was given
    connection_info: dict[str, Any] | None = None  # what Cinder answered the connector


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolumeSpec:
    """What ``volume create`` asks for (names already resolved to IDs)."""

    size: int | None
    name: str | None = None
    description: str | None = None
    volume_type: str | None = None
    availability_zone: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    image_id: str | None = None
    snapshot_id: str | None = None
    source_volume_id: str | None = None
    backup_id: str | None = None
    scheduler_hints: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolumeFilters:
    """``volume list``'s filters, as the real client sends them to Cinder."""

    name: str | None = None
    status: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    all_projects: bool = False
    metadata: dict[str, str] | None = None
    limit: int | None = None
    marker: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SnapshotFilters:
    name: str | None = None
    status: str | None = None
    volume_id: str | None = None
    project_id: str | None = None
    all_projects: bool = False
    limit: int | None = None
    marker: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class BlockDevice:
    """One block device mapping of ``server create`` (Nova's block_device_mapping_v2), as
    the real client sends it; ``uuid`` is already an ID."""

    source_type: str  # image, volume, snapshot, blank
    destination_type: str  # volume, local
    uuid: str | None = None
    boot_index: int | None = None
    volume_size: int | None = None
    delete_on_termination: bool | None = None
    device_name: str | None = None
    device_type: str | None = None
    disk_bus: str | None = None
    guest_format: str | None = None
    tag: str | None = None
    volume_type: str | None = None

    def body(self) -> dict[str, Any]:
        """Nova's request body for the mapping: only what was given."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImageUpload:
    """``image create --volume``: what Cinder's os-volume_upload_image is asked for."""

    name: str
    disk_format: str = "raw"
    container_format: str = "bare"
    visibility: str | None = "private"
    protected: bool | None = False
    force: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolumeQuota(Resource):
    """A project's Cinder limits that differ from the defaults, by Cinder's names (the
    record's id is the project's)."""

    KIND = "volume_quota"
    RESOURCE_NAME = "QuotaSet"

    limits: dict[str, int] = dataclasses.field(default_factory=dict)
