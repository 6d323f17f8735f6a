"""Nova's ``/servers/{id}/os-volume_attachments`` on the local backend's server volumes
(nova/api/openstack/compute/volume_attachments.py, schemas/volume_attachments.py): what
``openstack server add volume``, ``server remove volume`` and ``server volume list`` use."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.api.schema import Schema
from ostack_cli.backend.models.volume import VolumeAttachment

_DEVICE = {"type": ["string", "null"],
           "pattern": "(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$"}
_TAG = {"type": "string", "maxLength": 60, "pattern": "^[^,/]*$"}


def _create_schema(req: ApiRequest) -> Schema:
    fields: dict[str, Any] = {"volumeId": {"type": "string", "format": "uuid"},
                              "device": _DEVICE}
    if nova_common.at_least(req, "2.49"):
        fields["tag"] = _TAG
    if nova_common.at_least(req, "2.79"):
        fields["delete_on_termination"] = {"type": ["boolean", "string"], "enum": [
            True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
            False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"]}
    return {"type": "object", "properties": {"volumeAttachment": {
        "type": "object", "properties": fields, "required": ["volumeId"],
        "additionalProperties": False}},
        "required": ["volumeAttachment"], "additionalProperties": False}


def _view(req: ApiRequest, attachment: VolumeAttachment) -> dict[str, Any]:
    """``_translate_attachment_detail_view``."""
    body: dict[str, Any] = {}
    newest = nova_common.at_least(req, "2.89")
    if not newest:
        body["id"] = attachment.volume_id
    body["volumeId"] = attachment.volume_id
    body["serverId"] = attachment.server_id
    if attachment.device:
        body["device"] = attachment.device
    if nova_common.at_least(req, "2.70"):
        body["tag"] = attachment.tag
    if nova_common.at_least(req, "2.79"):
        body["delete_on_termination"] = attachment.delete_on_termination
    if newest:
        body["attachment_id"] = attachment.id
        body["bdm_uuid"] = attachment.bdm_id
    return body


@NOVA.route("GET", "/v2.1/servers/{server_id}/os-volume_attachments")
def list_volume_attachments(req: ApiRequest, server_id: str) -> Reply:
    server = nova_common.server_by_id(req, server_id)
    attachments = req.backend.server_volumes(server)
    offset_text = req.param("offset")
    offset = int(offset_text) if offset_text and offset_text.isdigit() else 0
    limit = nova_common.limit_param(req)
    chosen = attachments[offset:offset + limit]
    return Reply(200, {"volumeAttachments": [_view(req, a) for a in chosen]})


def _attachment(req: ApiRequest, server_id: str, volume_id: str) -> VolumeAttachment:
    server = nova_common.server_by_id(req, server_id)
    for attachment in req.backend.server_volumes(server):
        if attachment.volume_id == volume_id:
            return attachment
    raise ApiFault(404, f"Instance {server_id} is not attached to volume {volume_id}")


@NOVA.route("GET", "/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}")
def show_volume_attachment(req: ApiRequest, server_id: str, volume_id: str) -> Reply:
    return Reply(200, {"volumeAttachment": _view(req, _attachment(req, server_id, volume_id))})


@NOVA.route("POST", "/v2.1/servers/{server_id}/os-volume_attachments")
def attach_volume(req: ApiRequest, server_id: str) -> Reply:
    asked = req.json(_create_schema(req))["volumeAttachment"]
    server = nova_common.server_by_id(req, server_id)
    volume = req.backend.get_volume(asked["volumeId"])
    delete_on_termination = asked.get("delete_on_termination", False)
    if isinstance(delete_on_termination, str):
        delete_on_termination = delete_on_termination.lower() in ("true", "1", "on", "yes")
    attachment = req.backend.attach_server_volume(
        server, volume, device=asked.get("device"), tag=asked.get("tag"),
        delete_on_termination=delete_on_termination)
    # Nova answers the attach with its own short view (and "id", at any version).
    body: dict[str, Any] = {"id": volume.id, "serverId": server.id, "volumeId": volume.id,
                            "device": attachment.device}
    if nova_common.at_least(req, "2.70"):
        body["tag"] = asked.get("tag")
    if nova_common.at_least(req, "2.79"):
        body["delete_on_termination"] = delete_on_termination
    return Reply(200, {"volumeAttachment": body})


@NOVA.route("DELETE", "/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}")
def detach_volume(req: ApiRequest, server_id: str, volume_id: str) -> Reply:
    server = nova_common.server_by_id(req, server_id)
    volume = req.backend.get_volume(volume_id)
    _attachment(req, server_id, volume_id)
    req.backend.detach_server_volume(server, volume)
    return Reply(202)
