"""Cinder's volume actions of the attach API before 3.27 (cinder/api/contrib/
volume_actions.py, cinder/api/schemas/volume_actions.py, cinder/volume/api.py): os-reserve,
os-unreserve, os-attach, os-detach, os-initialize_connection, os-terminate_connection.

As in Cinder they only record: an attachment made by os-attach is no guest's disk until Nova
attaches the volume (``backend/local/cinder_attachments.py``).
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.schema import Schema
from ostack_cli.backend.models.volume import Volume

_UUID: Schema = {"type": "string", "format": "uuid"}


def _action(name: str, args: Schema, required: list[str] | None = None,
            **extra: Any) -> Schema:
    body: Schema = {"type": "object", "properties": args, "additionalProperties": False,
                    **extra}
    if required:
        body["required"] = required
    return {"type": "object", "properties": {name: body}, "required": [name],
            "additionalProperties": False}


_ATTACH = _action("os-attach", {
    "instance_uuid": _UUID,
    "mountpoint": {"type": "string", "minLength": 1, "maxLength": 255},
    "host_name": {"type": "string", "maxLength": 255},
    "mode": {"type": "string", "enum": ["rw", "ro"]}},
    ["mountpoint"], anyOf=[{"required": ["instance_uuid"]}, {"required": ["host_name"]}])
_DETACH: Schema = {"type": "object", "properties": {"os-detach": {
    "type": ["object", "null"],
    "properties": {"attachment_id": {"type": ["string", "null"], "format": "uuid"}},
    "additionalProperties": False}}, "required": ["os-detach"], "additionalProperties": False}
_INITIALIZE = _action("os-initialize_connection",
                      {"connector": {"type": ["object", "string"]}}, ["connector"])
_TERMINATE = _action("os-terminate_connection",
                     {"connector": {"type": ["string", "object", "null"]}}, ["connector"])
_RESERVE: Schema = {"type": "object", "properties": {"os-reserve": {}},
                    "required": ["os-reserve"], "additionalProperties": False}
_UNRESERVE: Schema = {"type": "object", "properties": {"os-unreserve": {}},
                      "required": ["os-unreserve"], "additionalProperties": False}


def reserve(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    req.json(_RESERVE)
    req.backend.reserve_volume(volume.id)
    return Reply(202)


def unreserve(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    req.json(_UNRESERVE)
    req.backend.unreserve_volume(volume.id)
    return Reply(202)


def attach(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    asked = req.json(_ATTACH)["os-attach"]
    req.backend.attach_volume_record(
        volume.id, instance_id=asked.get("instance_uuid"), host_name=asked.get("host_name"),
        mountpoint=asked["mountpoint"], mode=asked.get("mode", "rw"))
    return Reply(202)


def detach(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    asked = req.json(_DETACH)["os-detach"] or {}
    req.backend.detach_volume_record(volume.id, asked.get("attachment_id"))
    return Reply(202)


def initialize_connection(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    connector = req.json(_INITIALIZE)["os-initialize_connection"]["connector"]
    if volume.status == "maintenance":
        raise ApiFault(400, "Invalid volume: The volume connection cannot be initialized in "
                            "maintenance mode.")
    if not isinstance(connector, dict):
        # Cinder reads the string as a dict and fails: its 500.
        raise ApiFault(500, "The server has either erred or is incapable of performing the "
                            "requested operation.")
    mode = "ro" if volume.readonly else "rw"
    info = {"driver_volume_type": "local",
            "data": {"volume_id": volume.id, "access_mode": mode, "encrypted": False,
                     "qos_specs": None, "discard": False},
            "enforce_multipath": connector.get("enforce_multipath", False)}
    return Reply(200, {"connection_info": info})


def terminate_connection(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    req.json(_TERMINATE)
    return Reply(202)


ACTIONS = {
    "os-reserve": reserve, "os-unreserve": unreserve, "os-attach": attach,
    "os-detach": detach, "os-initialize_connection": initialize_connection,
    "os-terminate_connection": terminate_connection,
}
