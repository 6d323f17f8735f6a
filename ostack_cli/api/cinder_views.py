"""Cinder's bodies for volumes, snapshots and volume types, per microversion and per caller
(cinder/api/v3/views/volumes.py, snapshots.py, types.py and the extensions that add the
``os-vol-*`` and ``os-extended-snapshot-attributes:*`` keys), in the order realstack's Cinder
sends them."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import cinder
from ostack_cli.api.http import ApiRequest
from ostack_cli.backend.models.volume import AVAILABLE, Volume, VolumeSnapshot, VolumeType


def volume_detail(req: ApiRequest, project_id: str | None, volume: Volume, *,
                  extended: bool = True) -> dict[str, Any]:
    """A volume as ``show`` and ``detail`` give it; ``extended`` False: as Cinder answers a
    create or an update, without the extensions' keys."""
    admin = cinder.is_admin(req)
    body: dict[str, Any] = {
        "id": volume.id, "status": volume.status, "size": volume.size,
        "availability_zone": volume.availability_zone,
        "created_at": volume.created_at or None, "updated_at": volume.updated_at,
        "name": volume.name, "description": volume.description,
        "volume_type": volume.volume_type, "snapshot_id": volume.snapshot_id,
        "source_volid": volume.source_volid, "metadata": dict(volume.metadata),
        "links": cinder.links(req, project_id, "volumes", volume.id),
        "user_id": volume.user_id, "bootable": str(volume.bootable).lower(),
        "encrypted": volume.encrypted, "replication_status": volume.replication_status,
        "consistencygroup_id": volume.consistencygroup_id,
        "multiattach": volume.multiattach, "attachments": list(volume.attachments),
    }
    if admin:
        body["migration_status"] = volume.migration_status
    if cinder.at_least(req, "3.13"):
        body["group_id"] = volume.group_id
    if admin and cinder.at_least(req, "3.21"):
        body["provider_id"] = volume.provider_id
    if cinder.at_least(req, "3.48"):
        body["shared_targets"] = volume.shared_targets
        body["service_uuid"] = volume.service_uuid
    if admin and cinder.at_least(req, "3.61"):
        body["cluster_name"] = volume.cluster_name
    if cinder.at_least(req, "3.63"):
        body["volume_type_id"] = volume.volume_type_id
    if cinder.at_least(req, "3.64") and volume.encryption_key_id:
        body["encryption_key_id"] = volume.encryption_key_id
    if cinder.at_least(req, "3.65"):
        body["consumes_quota"] = volume.consumes_quota
    if not extended:
        return body
    body["os-vol-tenant-attr:tenant_id"] = volume.project_id
    if admin:
        body["os-vol-mig-status-attr:migstat"] = volume.migration_status
        body["os-vol-mig-status-attr:name_id"] = volume.migration_id
        body["os-vol-host-attr:host"] = volume.host
    if volume.volume_image_metadata is not None:
        body["volume_image_metadata"] = dict(volume.volume_image_metadata)
    return body


def volume_summary(req: ApiRequest, project_id: str | None, volume: Volume) -> dict[str, Any]:
    return {"id": volume.id, "name": volume.name,
            "links": cinder.links(req, project_id, "volumes", volume.id)}


def snapshot_view(req: ApiRequest, snapshot: VolumeSnapshot, *, detail: bool = True,
                  extended: bool = True) -> dict[str, Any]:
    """A snapshot: the summary (``GET /snapshots``), the detail (``detail`` and ``show``,
    with the extended attributes) or, ``extended`` False, a create's or update's answer."""
    body: dict[str, Any] = {
        "id": snapshot.id, "created_at": snapshot.created_at or None,
        "updated_at": snapshot.updated_at, "name": snapshot.name,
        "description": snapshot.description, "volume_id": snapshot.volume_id,
        "status": snapshot.status, "size": snapshot.size, "metadata": dict(snapshot.metadata),
    }
    if not detail:
        return body
    if cinder.at_least(req, "3.14"):
        body["group_snapshot_id"] = None
    if cinder.at_least(req, "3.41"):
        body["user_id"] = snapshot.user_id
    if cinder.at_least(req, "3.65"):
        body["consumes_quota"] = True
    if extended:
        body["os-extended-snapshot-attributes:project_id"] = snapshot.project_id
        body["os-extended-snapshot-attributes:progress"] = snapshot.progress or (
            "100%" if snapshot.status == AVAILABLE else "0%")
    return body


def type_view(req: ApiRequest, volume_type: VolumeType, *,
              access_attribute: bool = True) -> dict[str, Any]:
    """A volume type; ``qos_specs_id`` for admins only; ``access_attribute``: the
    ``os-volume-type-access:is_public`` the list and show add (not ``/types/default``)."""
    body: dict[str, Any] = {"id": volume_type.id, "name": volume_type.name,
                            "is_public": volume_type.is_public,
                            "description": volume_type.description,
                            "extra_specs": dict(volume_type.extra_specs)}
    if cinder.is_admin(req):
        body["qos_specs_id"] = None
    if access_attribute:
        body["os-volume-type-access:is_public"] = volume_type.is_public
    return body
