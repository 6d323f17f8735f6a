"""Cinder's attachments API (3.27+, ``os-complete`` 3.44, ``mode`` 3.54) over the local
volume attachments (cinder/api/v3/attachments.py, v3/views/attachments.py;
cinder/api/schemas/attachments.py; cinder/volume/api.py attachment_*).

It shows Nova's attachments (``server add volume``, boot from volume) and those made through
Cinder alone (``backend/local/cinder_attachments.py``): records, as in Cinder, that no guest
sees until Nova attaches the volume.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api import cinder
from ostack_cli.api.cinder import route
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.pagination import parse_limit
from ostack_cli.api.schema import Schema
from ostack_cli.backend.models.volume import VolumeAttachment

NEW_ATTACH = "3.27"
COMPLETE = "3.44"
CREATE_MODE = "3.54"
MAX_LIMIT = 1000
_UUID: Schema = {"type": "string", "format": "uuid"}
_CREATE: Schema = {"type": "object", "properties": {"attachment": {
    "type": "object", "properties": {
        "instance_uuid": _UUID, "connector": {"type": ["object", "null"]},
        "volume_uuid": _UUID},
    "required": ["volume_uuid"], "additionalProperties": False}},
    "required": ["attachment"], "additionalProperties": False}
_CREATE_MODE: Schema = {"type": "object", "properties": {"attachment": {
    "type": "object", "properties": {
        "instance_uuid": _UUID, "connector": {"type": ["object", "null"]},
        "volume_uuid": _UUID, "mode": {"type": "string", "enum": ["rw", "ro"]}},
    "required": ["volume_uuid"], "additionalProperties": False}},
    "required": ["attachment"], "additionalProperties": False}
_UPDATE: Schema = {"type": "object", "properties": {"attachment": {
    "type": "object", "properties": {"connector": {"type": "object", "minProperties": 1}},
    "required": ["connector"], "additionalProperties": False}},
    "required": ["attachment"], "additionalProperties": False}


def _versioned(req: ApiRequest, minimum: str = NEW_ATTACH) -> None:
    """Below the method's microversion Cinder's router finds no method: its 404."""
    if not cinder.at_least(req, minimum):
        raise ApiFault(404, "The resource could not be found.")


def _timestamp(value: str | None) -> str:
    """``timeutils.normalize_time`` as Cinder's JSON writes it; '' when never."""
    return f"{value[:19]}.000000" if value else ""


def _row(attachment: VolumeAttachment) -> dict[str, Any]:
    """Cinder's detailed view of one attachment."""
    return {
        "id": attachment.id, "status": attachment.status,
        "instance": attachment.server_id or None, "volume_id": attachment.volume_id,
        "attached_at": _timestamp(attachment.attached_at), "detached_at": "",
        "attach_mode": attachment.attach_mode,
        "connection_info": attachment.connection_info or {},
    }


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "status", "instance", "volume_id")}


def _shown(attachment: VolumeAttachment) -> bool:
    # Nova's attachment is Cinder's once the guest holds it (an attach in progress is not).
    return not attachment.by_nova or attachment.status in ("attached", "detaching")


def _all(req: ApiRequest) -> list[dict[str, Any]]:
    every = cinder.is_admin(req) and (req.param("all_tenants") or "").strip().lower() in (
        "1", "t", "true", "on", "y", "yes")
    rows = [_row(a) for a in req.backend.volume_attachments(all_projects=every) if _shown(a)]
    return rows


def _by_id(req: ApiRequest, attachment_id: str) -> dict[str, Any]:
    attachment = req.backend.get_volume_attachment(attachment_id)
    if not _shown(attachment):
        raise ApiFault(404, "Volume attachment could not be found with filter: "
                            f"attachment_id = {attachment_id}.")
    return _row(attachment)


def _listed(req: ApiRequest, detail: bool) -> Reply:
    _versioned(req)
    rows = _all(req)
    for name, key in (("volume_id", "volume_id"), ("instance_id", "instance"),
                      ("status", "status"), ("attach_status", "status")):
        wanted = req.param(name)
        if wanted is not None:
            rows = [r for r in rows if r[key] == wanted]
    marker = req.param("marker")
    if marker is not None:
        ids = [r["id"] for r in rows]
        if marker not in ids:
            raise ApiFault(404, "Volume attachment could not be found with filter: "
                                f"attachment_id = {marker}.")
        rows = rows[ids.index(marker) + 1:]
    limit = parse_limit(req.param("limit"))
    rows = rows[:MAX_LIMIT if limit is None else min(limit, MAX_LIMIT)]
    return Reply(200, {"attachments": [r if detail else _summary(r) for r in rows]})


@route("GET", "/attachments")
def list_attachments(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _listed(req, detail=False)


@route("GET", "/attachments/detail")
def list_attachments_detail(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _listed(req, detail=True)


@route("GET", "/attachments/{attachment_id}")
def show_attachment(req: ApiRequest, attachment_id: str,
                    project_id: str | None = None) -> Reply:
    _versioned(req)
    return Reply(200, {"attachment": _by_id(req, attachment_id)})


@route("POST", "/attachments")
def create_attachment(req: ApiRequest, project_id: str | None = None) -> Reply:
    _versioned(req)
    with_mode = cinder.at_least(req, CREATE_MODE)
    asked = req.json(_CREATE_MODE if with_mode else _CREATE)["attachment"]
    made = req.backend.create_volume_attachment(
        asked["volume_uuid"], instance_id=asked.get("instance_uuid"),
        connector=asked.get("connector"), mode=asked.get("mode") if with_mode else None)
    return Reply(200, {"attachment": _row(made)})


@route("PUT", "/attachments/{attachment_id}")
def update_attachment(req: ApiRequest, attachment_id: str,
                      project_id: str | None = None) -> Reply:
    _versioned(req)
    connector = req.json(_UPDATE)["attachment"]["connector"]
    updated = req.backend.update_volume_attachment(attachment_id, connector)
    return Reply(200, {"attachment": _row(updated)})


@route("POST", "/attachments/{attachment_id}/action")
def attachment_action(req: ApiRequest, attachment_id: str,
                      project_id: str | None = None) -> Reply:
    _versioned(req, COMPLETE)
    data = req.json()
    if not isinstance(data, dict) or list(data) != ["os-complete"]:
        raise ApiFault(400, cinder.MALFORMED)
    req.backend.complete_volume_attachment(attachment_id)
    return Reply(204)


@route("DELETE", "/attachments/{attachment_id}")
def delete_attachment(req: ApiRequest, attachment_id: str,
                      project_id: str | None = None) -> Reply:
    _versioned(req)
    left = req.backend.delete_volume_attachment(attachment_id)
    return Reply(200, {"attachments": [_summary(_row(a)) for a in left]})
