"""Cinder's volume backups on the local backend: list, detail, show, create, update (3.9+),
delete, restore, and the ``os-reset_status``/``os-force_delete`` actions
(cinder/api/contrib/backups.py, v3/backups.py, views/backups.py, v3/views/backups.py,
contrib/admin_actions.py BackupAdminController; cinder/api/schemas/backups.py)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import cinder
from ostack_cli.api.cinder import route
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.pagination import parse_limit, with_params
from ostack_cli.api.schema import Schema
from ostack_cli.backend.models.volume_backup import BackupFilters, VolumeBackup
from ostack_cli.errors import NotFound

MAX_LIMIT = 1000
COLLECTION = "backups"
_TEXT: Schema = {"type": ["string", "null"], "maxLength": 255}
_UUID: Schema = {"type": "string", "format": "uuid"}
_BOOLEAN: Schema = {"type": ["boolean", "string", "null"]}
_METADATA: Schema = {"type": ["object", "null"], "additionalProperties": {
    "type": "string", "maxLength": 255}}
_TRUE = ("1", "t", "true", "on", "y", "yes")


def _create_schema(req: ApiRequest) -> Schema:
    properties: dict[str, Any] = {
        "volume_id": _UUID, "container": _TEXT, "description": _TEXT, "name": _TEXT,
        "incremental": _BOOLEAN, "force": _BOOLEAN,
        "snapshot_id": {"type": ["string", "null"], "format": "uuid"}}
    if cinder.at_least(req, "3.43"):
        properties["metadata"] = _METADATA
    if cinder.at_least(req, "3.51"):
        properties["availability_zone"] = _TEXT
    return {"type": "object", "properties": {"backup": {
        "type": "object", "properties": properties, "required": ["volume_id"],
        "additionalProperties": False}}, "required": ["backup"], "additionalProperties": False}


def _update_schema(req: ApiRequest) -> Schema:
    properties: dict[str, Any] = {"name": _TEXT, "description": _TEXT}
    if cinder.at_least(req, "3.43"):
        properties["metadata"] = _METADATA
    return {"type": "object", "properties": {"backup": {
        "type": "object", "properties": properties, "additionalProperties": False}},
        "required": ["backup"], "additionalProperties": False}


_RESTORE: Schema = {"type": "object", "properties": {"restore": {
    "type": ["object", "null"], "properties": {
        "volume_id": {"type": ["string", "null"], "format": "uuid"}, "name": _TEXT},
    "additionalProperties": False}}, "required": ["restore"], "additionalProperties": False}


def _flag(value: Any) -> bool:
    """strutils.bool_from_string(strict=True) over what the schema let through."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in ("0", "f", "false", "off", "n", "no"):
        return False
    raise ApiFault(400, f"Unrecognized value '{value}', acceptable values are: '0', '1', "
                        "'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'")


# -- views ----------------------------------------------------------------------------------


def summary(req: ApiRequest, project_id: str | None, backup: VolumeBackup) -> dict[str, Any]:
    return {"id": backup.id, "name": backup.name,
            "links": cinder.links(req, project_id, COLLECTION, backup.id)}


def detail(req: ApiRequest, project_id: str | None, backup: VolumeBackup) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": backup.id, "status": backup.status, "size": backup.size,
        "object_count": backup.object_count, "availability_zone": backup.availability_zone,
        "container": backup.container, "created_at": backup.created_at or None,
        "updated_at": backup.updated_at, "name": backup.name,
        "description": backup.description, "fail_reason": backup.fail_reason,
        "volume_id": backup.volume_id,
        "links": cinder.links(req, project_id, COLLECTION, backup.id),
        "is_incremental": backup.is_incremental,
        "has_dependent_backups": backup.has_dependent_backups,
        "snapshot_id": backup.snapshot_id, "data_timestamp": backup.data_timestamp,
    }
    admin = cinder.is_admin(req)
    if cinder.at_least(req, "3.18") and admin:
        body["os-backup-project-attr:project_id"] = backup.project_id
    if cinder.at_least(req, "3.43"):
        body["metadata"] = dict(backup.metadata)
    if cinder.at_least(req, "3.56") and admin:
        body["user_id"] = backup.user_id
    if cinder.at_least(req, "3.64"):
        body["encryption_key_id"] = backup.encryption_key_id
    return body


# -- what the handlers share ----------------------------------------------------------------


def backup_by_id(req: ApiRequest, backup_id: str) -> VolumeBackup:
    """By ID only, as Cinder's routes take it (the backend's find also matches names)."""
    try:
        found = req.backend.find_volume_backup(backup_id)
    except NotFound:
        found = None
    if found is None or found.id != backup_id:
        raise ApiFault(404, f"Backup {backup_id} could not be found.")
    return found


def _listed(req: ApiRequest, project_id: str | None, collection: str, detailed: bool) -> Reply:
    every = cinder.is_admin(req) and (req.param("all_tenants") or "").strip().lower() in _TRUE
    filters = BackupFilters(
        name=req.param("name"), status=req.param("status"), volume_id=req.param("volume_id"),
        all_projects=every, project_id=req.param("project_id") if every else None,
        marker=req.param("marker"))
    found = req.backend.volume_backups(filters)
    limit = parse_limit(req.param("limit"))
    limit = MAX_LIMIT if limit is None else min(limit, MAX_LIMIT)
    items = found[:limit]
    view = detail if detailed else summary
    body: dict[str, Any] = {"backups": [view(req, project_id, b) for b in items]}
    if items and len(items) == limit:
        params = [(n, v) for n, values in req.params.items() for v in values]
        scope = f"/{project_id}" if project_id else ""
        body["backups_links"] = [{"rel": "next", "href": with_params(
            req.service_url(f"/v3{scope}/{collection}"), params, marker=items[-1].id)}]
    return Reply(200, body)


# -- routes ---------------------------------------------------------------------------------


@route("GET", "/backups")
def list_backups(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _listed(req, project_id, "backups", detailed=False)


@route("GET", "/backups/detail")
def list_backups_detail(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _listed(req, project_id, "backups/detail", detailed=True)


@route("GET", "/backups/{backup_id}")
def show_backup(req: ApiRequest, backup_id: str, project_id: str | None = None) -> Reply:
    return Reply(200, {"backup": detail(req, project_id, backup_by_id(req, backup_id))})


@route("POST", "/backups")
def create_backup(req: ApiRequest, project_id: str | None = None) -> Reply:
    asked = req.json(_create_schema(req))["backup"]
    volume = req.backend.get_volume(asked["volume_id"])
    snapshot = None
    if asked.get("snapshot_id"):
        try:
            snapshot = req.backend.find_volume_snapshot(asked["snapshot_id"])
        except NotFound:
            snapshot = None
        if snapshot is None or snapshot.id != asked["snapshot_id"]:
            raise ApiFault(404, f"Snapshot {asked['snapshot_id']} could not be found.")
    created = req.backend.create_volume_backup(
        volume, name=asked.get("name"), description=asked.get("description"),
        container=asked.get("container"), snapshot=snapshot,
        force=_flag(asked.get("force", False)),
        incremental=_flag(asked.get("incremental", False)),
        metadata=asked.get("metadata"), availability_zone=asked.get("availability_zone"))
    return Reply(202, {"backup": summary(req, project_id, created)})


@route("PUT", "/backups/{backup_id}")
def update_backup(req: ApiRequest, backup_id: str, project_id: str | None = None) -> Reply:
    if not cinder.at_least(req, "3.9"):
        # The update is a 3.9 method: below it Cinder's router finds none.
        raise ApiFault(404, "The resource could not be found.")
    asked = req.json(_update_schema(req))["backup"]
    backup = backup_by_id(req, backup_id)
    req.backend.update_volume_backup(backup, name=asked.get("name"),
                                     description=asked.get("description"),
                                     metadata=asked.get("metadata"))
    return Reply(200, {"backup": summary(req, project_id, backup_by_id(req, backup_id))})


@route("DELETE", "/backups/{backup_id}")
def delete_backup(req: ApiRequest, backup_id: str, project_id: str | None = None) -> Reply:
    req.backend.delete_volume_backup(backup_by_id(req, backup_id))
    return Reply(202, content_type="text/html; charset=UTF-8")


@route("POST", "/backups/{backup_id}/restore")
def restore_backup(req: ApiRequest, backup_id: str, project_id: str | None = None) -> Reply:
    asked = req.json(_RESTORE)["restore"] or {}
    backup = backup_by_id(req, backup_id)
    volume_id = asked.get("volume_id")
    if volume_id:
        req.backend.get_volume(volume_id)  # Cinder's 404 for a volume it cannot see
    restored = req.backend.restore_volume_backup(backup, volume_id=volume_id or None,
                                                 name=asked.get("name"))
    return Reply(202, {"restore": {"backup_id": restored.backup_id,
                                   "volume_id": restored.volume_id,
                                   "volume_name": restored.volume_name}})


@route("POST", "/backups/{backup_id}/action")
def backup_action(req: ApiRequest, backup_id: str, project_id: str | None = None) -> Reply:
    data = req.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise ApiFault(400, cinder.MALFORMED)
    name, args = next(iter(data.items()))
    if name == "os-force_delete":
        req.backend.delete_volume_backup(backup_by_id(req, backup_id), force=True)
        return Reply(202)
    if name != "os-reset_status":
        raise ApiFault(400, f"There is no such action: {name}. Verify the request body and "
                            "Content-Type header and try again.")
    status = args.get("status") if isinstance(args, dict) else None
    if not isinstance(status, str):
        raise ApiFault(400, f"Invalid input for field/attribute status. Value: {status}. "
                            f"{status!r} is not of type 'string'")
    req.backend.reset_volume_backup_status(backup_by_id(req, backup_id), status.lower())
    return Reply(202)
