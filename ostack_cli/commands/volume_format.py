"""How the real client prints volumes, snapshots and volume types
(``openstackclient/volume/v3/volume.py`` ``_format_volume``, ``volume_snapshot.py``
``_format_snapshot``, ``volume_type.py`` ``_format_type``): openstacksdk's attributes under
their API names, sorted, with ``metadata`` as ``properties``."""

from __future__ import annotations

from typing import Any

from cliff.columns import FormattableColumn

from ostack_cli.backend.models.volume import Volume, VolumeSnapshot, VolumeType
from ostack_cli.columns import DictColumn, ListColumn


def volume_fields(volume: Volume) -> dict[str, Any]:
    """``_format_volume``: every attribute of openstacksdk's Volume (``to_dict`` with the API's
    names), those of consistency groups, encryption and images only when set."""
    fields: dict[str, Any] = {
        "attachments": list(volume.attachments),
        "availability_zone": volume.availability_zone,
        "backup_id": volume.backup_id,
        "bootable": volume.bootable,
        "cluster_name": volume.cluster_name,
        "consumes_quota": volume.consumes_quota,
        "created_at": volume.created_at or None,
        "description": volume.description,
        "encrypted": volume.encrypted,
        "group_id": volume.group_id,
        "id": volume.id,
        "multiattach": volume.multiattach,
        "name": volume.name,
        "os-vol-host-attr:host": volume.host,
        "os-vol-mig-status-attr:migstat": volume.migration_status,
        "os-vol-mig-status-attr:name_id": volume.migration_id,
        "os-vol-tenant-attr:tenant_id": volume.project_id,
        "properties": DictColumn(dict(volume.metadata)),
        "provider_id": volume.provider_id,
        "replication_status": volume.replication_status,
        "service_uuid": volume.service_uuid,
        "shared_targets": volume.shared_targets,
        "size": volume.size,
        "snapshot_id": volume.snapshot_id,
        "source_volid": volume.source_volid,
        "status": volume.status,
        "type": volume.volume_type,
        "updated_at": volume.updated_at,
        "user_id": volume.user_id,
        "volume_type_id": volume.volume_type_id,
    }
    optional = {
        "consistencygroup_id": volume.consistencygroup_id,
        "encryption_key_id": volume.encryption_key_id,
        "volume_image_metadata": volume.volume_image_metadata,
    }
    fields.update({k: v for k, v in optional.items() if v is not None})
    return fields


def snapshot_fields(snapshot: VolumeSnapshot) -> dict[str, Any]:
    """``_format_snapshot``: what openstacksdk's Snapshot has but its progress, project,
    owner, update time and create-only attributes."""
    return {
        "created_at": snapshot.created_at or None,
        "description": snapshot.description,
        "id": snapshot.id,
        "name": snapshot.name,
        "properties": DictColumn(dict(snapshot.metadata)),
        "size": snapshot.size,
        "status": snapshot.status,
        "volume_id": snapshot.volume_id,
    }


def type_fields(volume_type: VolumeType) -> dict[str, Any]:
    """``_format_type`` and ``volume type show``'s access list (private types only)."""
    access = volume_type.access_project_ids
    return {
        "access_project_ids": None if volume_type.is_public or access is None
        else ListColumn(list(access)),
        "description": volume_type.description,
        "id": volume_type.id,
        "is_public": volume_type.is_public,
        "name": volume_type.name,
        "properties": DictColumn(dict(volume_type.extra_specs)),
    }


class AttachmentsColumn(FormattableColumn[list[dict[str, Any]]]):
    """``volume list``'s "Attached to": ``Attached to <server> on <device> `` for each (the
    server's name where the list of servers has it), the raw attachments in JSON."""

    server_names: dict[str, str] = {}

    def human_readable(self) -> str:
        text = ""
        for attachment in self._value or []:
            server = attachment.get("server_id")
            server = self.server_names.get(str(server), server)
            text += f"Attached to {server} on {attachment.get('device')} "
        return text


def attachments_column(server_names: dict[str, str]) -> type[AttachmentsColumn]:
    return type("AttachmentsColumn", (AttachmentsColumn,), {"server_names": server_names})


class VolumeNameColumn(FormattableColumn[str]):
    """``volume snapshot list --long``'s "Volume": the volume's name where the list of
    volumes has it, else its ID; the ID in JSON."""

    volume_names: dict[str, str | None] = {}

    def human_readable(self) -> str:
        if self._value in self.volume_names:
            return str(self.volume_names[self._value])
        return str(self._value)


def volume_name_column(volume_names: dict[str, str | None]) -> type[VolumeNameColumn]:
    return type("VolumeNameColumn", (VolumeNameColumn,), {"volume_names": volume_names})
