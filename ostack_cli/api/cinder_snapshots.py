"""Cinder's volume snapshots on the local backend: list, detail, show, create, update, delete,
``os-reset_status`` and the metadata (cinder/api/v3/snapshots.py, v2/snapshots.py,
contrib/admin_actions.py, v3/snapshot_metadata.py; cinder/api/schemas/snapshots.py)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import cinder, cinder_views
from ostack_cli.api.cinder import route
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.pagination import parse_limit, with_params
from ostack_cli.api.schema import Schema
from ostack_cli.backend.models.volume import SnapshotFilters, VolumeSnapshot
from ostack_cli.errors import NotFound

MAX_LIMIT = 1000
_NAME: Schema = {"type": ["string", "null"]}
_METADATA: Schema = {"type": ["object", "null"], "additionalProperties": {
    "type": "string", "maxLength": 255}}
_CREATE: Schema = {"type": "object", "properties": {"snapshot": {
    "type": "object", "properties": {
        "name": _NAME, "display_name": _NAME, "description": _NAME,
        "display_description": _NAME, "volume_id": {"type": "string", "format": "uuid"},
        "force": {"type": ["boolean", "string", "null"]}, "metadata": _METADATA},
    "required": ["volume_id"], "additionalProperties": False}},
    "required": ["snapshot"], "additionalProperties": False}
_UPDATE: Schema = {"type": "object", "properties": {"snapshot": {
    "type": "object", "properties": {
        "name": _NAME, "display_name": _NAME, "description": _NAME,
        "display_description": _NAME},
    "additionalProperties": False}},
    "required": ["snapshot"], "additionalProperties": False}


def snapshot_by_id(req: ApiRequest, snapshot_id: str) -> VolumeSnapshot:
    """By ID only, as Cinder's routes take it (the backend's find also matches names)."""
    try:
        snapshot = req.backend.find_volume_snapshot(snapshot_id)
    except NotFound:
        snapshot = None
    if snapshot is None or snapshot.id != snapshot_id:
        raise ApiFault(404, f"Snapshot {snapshot_id} could not be found.")
    return snapshot


def _bool(text: str | None) -> bool:
    return text is not None and text.strip().lower() in ("1", "t", "true", "on", "y", "yes")


def _listed(req: ApiRequest, collection: str) -> tuple[list[VolumeSnapshot], dict[str, Any]]:
    every = cinder.is_admin(req) and (_bool(req.param("all_tenants"))
                                      or _bool(req.param("all_projects")))
    filters = SnapshotFilters(
        name=req.param("name"), status=req.param("status"),
        volume_id=req.param("volume_id"), all_projects=every,
        project_id=req.param("project_id") if every else None, marker=req.param("marker"))
    found = req.backend.volume_snapshots(filters)
    limit = parse_limit(req.param("limit"))
    limit = MAX_LIMIT if limit is None else min(limit, MAX_LIMIT)
    items = found[:limit]
    links: dict[str, Any] = {}
    if items and len(items) == limit:
        principal = req.principal
        project = principal.project.id if principal and principal.project else ""
        params = [(n, v) for n, values in req.params.items() for v in values]
        links = {"snapshots_links": [{"rel": "next", "href": with_params(
            req.service_url(f"/v3/{project}/{collection}"), params, marker=items[-1].id)}]}
    return items, links


@route("GET", "/snapshots")
def list_snapshots(req: ApiRequest, project_id: str | None = None) -> Reply:
    items, links = _listed(req, "snapshots")
    return Reply(200, {"snapshots": [cinder_views.snapshot_view(req, s, detail=False)
                                     for s in items], **links})


@route("GET", "/snapshots/detail")
def list_snapshots_detail(req: ApiRequest, project_id: str | None = None) -> Reply:
    items, links = _listed(req, "snapshots/detail")
    return Reply(200, {"snapshots": [cinder_views.snapshot_view(req, s) for s in items],
                       **links})


@route("GET", "/snapshots/{snapshot_id}")
def show_snapshot(req: ApiRequest, snapshot_id: str, project_id: str | None = None) -> Reply:
    return Reply(200, {"snapshot": cinder_views.snapshot_view(
        req, snapshot_by_id(req, snapshot_id))})


@route("POST", "/snapshots")
def create_snapshot(req: ApiRequest, project_id: str | None = None) -> Reply:
    asked = req.json(_CREATE)["snapshot"]
    volume = req.backend.get_volume(asked["volume_id"])
    force = asked.get("force")
    forced = force is True or (isinstance(force, str) and _bool(force))
    name = asked.get("name", asked.get("display_name"))
    snapshot = req.backend.create_volume_snapshot(
        volume, name=name, description=asked.get("description",
                                                 asked.get("display_description")),
        metadata=dict(asked.get("metadata") or {}), force=forced)
    return Reply(202, {"snapshot": cinder_views.snapshot_view(req, snapshot,
                                                              extended=False)})


@route("PUT", "/snapshots/{snapshot_id}")
def update_snapshot(req: ApiRequest, snapshot_id: str, project_id: str | None = None) -> Reply:
    asked = req.json(_UPDATE)["snapshot"]
    snapshot = snapshot_by_id(req, snapshot_id)
    name = asked.get("name", asked.get("display_name"))
    description = asked.get("description", asked.get("display_description"))
    if name is not None or description is not None:
        req.backend.update_volume_snapshot(snapshot, name=name, description=description)
    return Reply(200, {"snapshot": cinder_views.snapshot_view(
        req, snapshot_by_id(req, snapshot_id), extended=False)})


@route("DELETE", "/snapshots/{snapshot_id}")
def delete_snapshot(req: ApiRequest, snapshot_id: str, project_id: str | None = None) -> Reply:
    req.backend.delete_volume_snapshot(snapshot_by_id(req, snapshot_id))
    return Reply(202, content_type="text/html; charset=UTF-8")


@route("POST", "/snapshots/{snapshot_id}/action")
def snapshot_action(req: ApiRequest, snapshot_id: str, project_id: str | None = None) -> Reply:
    data = req.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise ApiFault(400, cinder.MALFORMED)
    name, args = next(iter(data.items()))
    if name != "os-reset_status":
        raise ApiFault(400, f"There is no such action: {name}. Verify the request body and "
                            "Content-Type header and try again.")
    status = args.get("status") if isinstance(args, dict) else None
    if not isinstance(status, str):
        raise ApiFault(400, f"Invalid input for field/attribute status. Value: {status}. "
                            f"{status!r} is not of type 'string'")
    req.backend.reset_volume_snapshot_status(snapshot_by_id(req, snapshot_id), status)
    return Reply(202)


# -- metadata -------------------------------------------------------------------------------


@route("GET", "/snapshots/{snapshot_id}/metadata")
def show_snapshot_metadata(req: ApiRequest, snapshot_id: str,
                           project_id: str | None = None) -> Reply:
    return Reply(200, {"metadata": dict(snapshot_by_id(req, snapshot_id).metadata)})


@route("POST", "/snapshots/{snapshot_id}/metadata")
def add_snapshot_metadata(req: ApiRequest, snapshot_id: str,
                          project_id: str | None = None) -> Reply:
    metadata = cinder.metadata_body(req, "metadata")
    req.backend.set_volume_snapshot_metadata(snapshot_by_id(req, snapshot_id), metadata)
    return Reply(200, {"metadata": dict(snapshot_by_id(req, snapshot_id).metadata)})


@route("PUT", "/snapshots/{snapshot_id}/metadata")
def replace_snapshot_metadata(req: ApiRequest, snapshot_id: str,
                              project_id: str | None = None) -> Reply:
    metadata = cinder.metadata_body(req, "metadata")
    snapshot = snapshot_by_id(req, snapshot_id)
    req.backend.set_volume_snapshot_metadata(snapshot, metadata)
    gone = [key for key in snapshot.metadata if key not in metadata]
    if gone:
        req.backend.delete_volume_snapshot_metadata(snapshot, gone)
    return Reply(200, {"metadata": metadata})


@route("GET", "/snapshots/{snapshot_id}/metadata/{key}")
def show_snapshot_metadata_item(req: ApiRequest, snapshot_id: str, key: str,
                                project_id: str | None = None) -> Reply:
    snapshot = snapshot_by_id(req, snapshot_id)
    if key not in snapshot.metadata:
        raise ApiFault(404, f"Snapshot {snapshot_id} has no metadata with key {key}.")
    return Reply(200, {"meta": {key: snapshot.metadata[key]}})


@route("PUT", "/snapshots/{snapshot_id}/metadata/{key}")
def set_snapshot_metadata_item(req: ApiRequest, snapshot_id: str, key: str,
                               project_id: str | None = None) -> Reply:
    meta = cinder.metadata_item_body(req, key)
    req.backend.set_volume_snapshot_metadata(snapshot_by_id(req, snapshot_id), meta)
    return Reply(200, {"meta": meta})


@route("DELETE", "/snapshots/{snapshot_id}/metadata/{key}")
def delete_snapshot_metadata_item(req: ApiRequest, snapshot_id: str, key: str,
                                  project_id: str | None = None) -> Reply:
    req.backend.delete_volume_snapshot_metadata(snapshot_by_id(req, snapshot_id), [key])
    return Reply(200)
