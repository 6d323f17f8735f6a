"""Cinder's volumes on the local backend: list, detail, show, create, update, delete, the
actions and the metadata (cinder/api/v3/volumes.py, v2/volumes.py, contrib/volume_actions.py,
contrib/admin_actions.py, v3/volume_metadata.py; schemas in cinder/api/schemas/volumes.py).

Every rule is the backend's (``LocalBackend``'s block-storage calls, the CLI's): this module
reads the request and words the answer as Cinder does.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from typing import Any

from ostack_cli.api import cinder, cinder_attach_actions, cinder_views
from ostack_cli.api.cinder import BAD_REQUEST, route
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.pagination import MarkerNotFound, page, parse_limit, with_params
from ostack_cli.api.schema import Schema
from ostack_cli.backend.local import cinder_rules
from ostack_cli.backend.models.volume import ImageUpload, Volume, VolumeFilters, VolumeSpec
from ostack_cli.errors import NotFound

# Cinder's osapi_max_limit: the longest page, and a list that long gets a next link.
MAX_LIMIT = 1000
_NULLABLE_UUID: Schema = {"anyOf": [{"type": "null"}, {"type": "string", "format": "uuid"}]}
_NAME: Schema = {"type": ["string", "null"]}
_METADATA: Schema = {"type": ["object", "null"], "additionalProperties": {
    "type": "string", "maxLength": 255}}
_SIZE: Schema = {"type": ["integer", "string", "null"], "pattern": "^[0-9]+$", "minimum": 1,
                 "maximum": 2**31 - 1}
_CREATE_FIELDS: dict[str, Schema] = {
    "name": _NAME, "description": _NAME, "display_name": _NAME, "display_description": _NAME,
    "volume_type": {"type": ["string", "null"], "maxLength": 255},
    "metadata": _METADATA, "snapshot_id": _NULLABLE_UUID, "source_volid": _NULLABLE_UUID,
    "consistencygroup_id": _NULLABLE_UUID, "size": _SIZE,
    "availability_zone": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
    "multiattach": {"type": ["boolean", "string", "null"]},
    "image_id": {"type": ["string", "null"], "maxLength": 255},
    "imageRef": {"type": ["string", "null"], "maxLength": 255},
}
_UPDATE_FIELDS: dict[str, Schema] = {
    "name": _NAME, "description": _NAME, "display_name": _NAME, "display_description": _NAME,
    "metadata": {"type": "object", "additionalProperties": {"type": "string",
                                                            "maxLength": 255}},
}
MULTIATTACH_REMOVED = (
    "multiattach parameter has been removed. The default behavior is to use multiattach "
    "enabled volume types. Contact your administrator to create a multiattach enabled volume "
    "type and use it to create multiattach volumes.")
# The keys a ``sort`` may name (columns of Cinder's volumes table).
_SORT_KEYS = ("id", "name", "status", "size", "availability_zone", "created_at", "updated_at",
              "bootable", "user_id", "project_id", "volume_type_id", "display_name")


def _create_schema(req: ApiRequest) -> Schema:
    fields = dict(_CREATE_FIELDS)
    if cinder.at_least(req, "3.13"):
        fields["group_id"] = {"type": ["string", "null"], "maxLength": 255}
    if cinder.at_least(req, "3.47"):
        fields["backup_id"] = _NULLABLE_UUID
    volume: Schema = {"type": "object", "properties": fields,
                      "additionalProperties": not cinder.at_least(req, "3.53")}
    return {"type": "object", "properties": {
        "volume": volume, "OS-SCH-HNT:scheduler_hints": {"type": ["object", "null"]}},
        "required": ["volume"], "additionalProperties": False}


def _update_schema(req: ApiRequest) -> Schema:
    volume: Schema = {"type": "object", "properties": _UPDATE_FIELDS,
                      "additionalProperties": False}
    if cinder.at_least(req, "3.53"):
        volume["anyOf"] = [{"required": [name]} for name in (
            "name", "description", "display_name", "display_description", "metadata")]
    return {"type": "object", "properties": {"volume": volume}, "required": ["volume"],
            "additionalProperties": False}


def volume_by_id(req: ApiRequest, volume_id: str) -> Volume:
    """The volume with this ID as the caller may see it (Cinder's 404 otherwise)."""
    return req.backend.get_volume(volume_id)


# -- listing --------------------------------------------------------------------------------


def _bool(text: str | None) -> bool:
    return text is not None and text.strip().lower() in ("1", "t", "true", "on", "y", "yes")


def _metadata_filter(text: str | None) -> dict[str, str] | None:
    """Cinder's ``metadata`` filter: a dict written as Python (``{'a': 'b'}``) or JSON."""
    if text is None:
        return None
    for parse in (ast.literal_eval, json.loads):
        try:
            value = parse(text)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
    raise ApiFault(400, f"Invalid input received: Invalid filters metadata is found in query "
                        f"options. {text}")


def _sorted(volumes: list[Volume], req: ApiRequest) -> list[Volume]:
    """Cinder's ``sort`` (``name:asc,size``) or ``sort_key``/``sort_dir``; the backend's
    order (newest first) without them."""
    keys: list[tuple[str, str]] = []
    if req.param("sort"):
        for part in (req.param("sort") or "").split(","):
            key, _, direction = part.strip().partition(":")
            keys.append((key, direction or "desc"))
    elif req.param("sort_key"):
        keys.append((req.param("sort_key") or "", req.param("sort_dir") or "desc"))
    if not keys:
        return volumes
    result = list(volumes)
    for key, direction in reversed(keys):
        if key not in _SORT_KEYS:
            raise ApiFault(400, "Invalid input received: Invalid sort key")
        if direction not in ("asc", "desc"):
            raise ApiFault(400, "Invalid input received: Unknown sort direction, must be "
                                "'desc' or 'asc'.")
        attr = {"display_name": "name"}.get(key, key)
        result.sort(key=_sort_key(attr), reverse=direction == "desc")
    return result


def _sort_key(attr: str) -> Callable[[Volume], tuple[bool, str]]:
    return lambda volume: _sort_value(getattr(volume, attr))


def _sort_value(value: Any) -> tuple[bool, str]:
    """Nulls first, numbers by value, the rest as text."""
    if isinstance(value, int):
        return value is not None, f"{value:020d}"
    return value is not None, "" if value is None else str(value)


def _listed(req: ApiRequest) -> tuple[list[Volume], int, bool]:
    """The page of volumes a list asks for, its limit, and whether it is full."""
    admin = cinder.is_admin(req)
    every = admin and (_bool(req.param("all_tenants")) or _bool(req.param("all_projects")))
    filters = VolumeFilters(
        name=req.param("name"), status=req.param("status"),
        project_id=(req.param("project_id") if every else None), all_projects=every,
        metadata=_metadata_filter(req.param("metadata")))
    found = _sorted(req.backend.volumes(filters), req)
    limit = parse_limit(req.param("limit"))
    try:
        result = page(found, limit=limit, marker=req.param("marker"), key=lambda v: v.id,
                      max_limit=MAX_LIMIT)
    except MarkerNotFound as missing:
        raise cinder_rules.volume_not_found(missing.marker) from None
    assert result.limit is not None
    return result.items, result.limit, len(result.items) == result.limit


def _links(req: ApiRequest, collection: str, items: list[Volume], full: bool) -> dict[str, Any]:
    """Cinder's ``_get_next_link``: the next page under the token's project, the request's
    parameters with the last ID as the marker."""
    if not full or not items:
        return {}
    principal = req.principal
    project = principal.project.id if principal and principal.project else ""
    params = [(n, v) for n, values in req.params.items() for v in values]
    href = with_params(req.service_url(f"/v3/{project}/{collection}"), params,
                       marker=items[-1].id)
    return {"volumes_links": [{"rel": "next", "href": href}]}


@route("GET", "/volumes")
def list_volumes(req: ApiRequest, project_id: str | None = None) -> Reply:
    items, _, full = _listed(req)
    body: dict[str, Any] = {"volumes": [cinder_views.volume_summary(req, project_id, v)
                                        for v in items]}
    body.update(_links(req, "volumes", items, full))
    return Reply(200, body)


@route("GET", "/volumes/detail")
def list_volumes_detail(req: ApiRequest, project_id: str | None = None) -> Reply:
    items, _, full = _listed(req)
    body: dict[str, Any] = {"volumes": [cinder_views.volume_detail(req, project_id, v)
                                        for v in items]}
    body.update(_links(req, "volumes/detail", items, full))
    return Reply(200, body)


@route("GET", "/volumes/{volume_id}")
def show_volume(req: ApiRequest, volume_id: str, project_id: str | None = None) -> Reply:
    volume = volume_by_id(req, volume_id)
    return Reply(200, {"volume": cinder_views.volume_detail(req, project_id, volume)})


# -- creating, changing, deleting -----------------------------------------------------------


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@route("POST", "/volumes")
def create_volume(req: ApiRequest, project_id: str | None = None) -> Reply:
    data = req.json(_create_schema(req))
    asked = data["volume"]
    if not asked:
        raise ApiFault(400, BAD_REQUEST)
    if asked.get("multiattach") in (True, "true", "True", "1", "yes", "on"):
        raise ApiFault(400, MULTIATTACH_REMOVED)
    # Cinder looks a consistency group up among its groups.
    for field, kind in (("group_id", "Group"), ("consistencygroup_id", "Group")):
        if asked.get(field):
            # The local block storage keeps no groups or consistency groups.
            raise ApiFault(404, f"{kind} {asked[field]} could not be found.")
    image_ref = asked.get("imageRef") or asked.get("image_id")
    image_id = None
    if image_ref:
        try:
            image_id = req.backend.find_image(str(image_ref)).id
        except NotFound:
            raise ApiFault(400, "Invalid image identifier or unable to access requested "
                                "image.") from None
    size = asked.get("size")
    spec = VolumeSpec(
        size=None if size is None else int(size),
        name=_text(asked.get("name", asked.get("display_name"))),
        description=_text(asked.get("description", asked.get("display_description"))),
        volume_type=asked.get("volume_type"),
        availability_zone=asked.get("availability_zone"),
        metadata=dict(asked.get("metadata") or {}), image_id=image_id,
        snapshot_id=asked.get("snapshot_id"), source_volume_id=asked.get("source_volid"),
        backup_id=asked.get("backup_id"), scheduler_hints=data.get("OS-SCH-HNT:scheduler_hints"))
    volume = req.backend.create_volume(spec)
    return Reply(202, {"volume": cinder_views.volume_detail(req, project_id, volume,
                                                            extended=False)})


def _replace_metadata(req: ApiRequest, volume: Volume, metadata: dict[str, str]) -> None:
    """All of a volume's metadata replaced: the new keys set (checked first), then the
    others removed."""
    req.backend.set_volume_metadata(volume, metadata)
    gone = [key for key in volume.metadata if key not in metadata and key != "readonly"]
    if gone:
        req.backend.delete_volume_metadata(volume, gone)


@route("PUT", "/volumes/{volume_id}")
def update_volume(req: ApiRequest, volume_id: str, project_id: str | None = None) -> Reply:
    asked = req.json(_update_schema(req))["volume"]
    volume = volume_by_id(req, volume_id)
    name = asked.get("name", asked.get("display_name"))
    description = asked.get("description", asked.get("display_description"))
    if name is not None or description is not None:
        req.backend.update_volume(volume, name=name, description=description)
    if "metadata" in asked:
        _replace_metadata(req, volume, dict(asked["metadata"]))
    updated = volume_by_id(req, volume_id)
    return Reply(200, {"volume": cinder_views.volume_detail(req, project_id, updated,
                                                            extended=False)})


@route("DELETE", "/volumes/{volume_id}")
def delete_volume(req: ApiRequest, volume_id: str, project_id: str | None = None) -> Reply:
    volume = volume_by_id(req, volume_id)
    req.backend.delete_volume(volume, cascade=_bool(req.param("cascade")))
    return Reply(202, content_type="text/html; charset=UTF-8")


# -- actions --------------------------------------------------------------------------------


def _extend(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    new_size = args.get("new_size") if isinstance(args, dict) else None
    if isinstance(new_size, str) and new_size.isdigit():
        new_size = int(new_size)
    if not isinstance(new_size, int) or isinstance(new_size, bool):
        raise ApiFault(400, f"Invalid input for field/attribute new_size. Value: {new_size}. "
                            f"{new_size!r} is not of type 'integer', 'string'")
    if new_size < 1:
        raise ApiFault(400, f"Invalid input for field/attribute new_size. Value: {new_size}. "
                            f"{new_size} is less than the minimum of 1")
    req.backend.extend_volume(volume, new_size)
    return Reply(202)


def _reset_status(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    args = args if isinstance(args, dict) else {}
    req.backend.reset_volume_status(volume, status=args.get("status"),
                                    attach_status=args.get("attach_status"))
    return Reply(202)


def _set_bootable(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    value = args.get("bootable") if isinstance(args, dict) else None
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "t",
                                                            "f", "yes", "no", "y", "n",
                                                            "on", "off"):
        value = value.strip().lower() in ("true", "1", "t", "yes", "y", "on")
    if not isinstance(value, bool):
        raise ApiFault(400, f"Invalid input for field/attribute bootable. Value: {value}. "
                            f"{value!r} is not of type 'boolean', 'string'")
    req.backend.set_volume_bootable(volume, value)
    return Reply(200)


def _readonly(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    value = args.get("readonly") if isinstance(args, dict) else None
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        value = value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise ApiFault(400, f"Invalid input for field/attribute readonly. Value: {value}. "
                            f"{value!r} is not of type 'boolean', 'string'")
    req.backend.set_volume_readonly(volume, value)
    return Reply(202)


def _set_image_metadata(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    metadata = args.get("metadata") if isinstance(args, dict) else None
    if not isinstance(metadata, dict):
        raise ApiFault(400, BAD_REQUEST)
    req.backend.set_volume_image_metadata(volume, {str(k): str(v)
                                                   for k, v in metadata.items()})
    shown = volume_by_id(req, volume.id)
    return Reply(200, {"metadata": dict(shown.volume_image_metadata or {})})


def _unset_image_metadata(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    key = args.get("key") if isinstance(args, dict) else None
    if not isinstance(key, str):
        raise ApiFault(400, BAD_REQUEST)
    req.backend.delete_volume_image_metadata(volume, [key])
    return Reply(200)


def _upload_image(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    """os-volume_upload_image (``image create --volume``): the backend's answer, as Cinder
    words it; ``visibility`` and ``protected`` from 3.1."""
    args = args if isinstance(args, dict) else {}
    name = args.get("image_name")
    if not isinstance(name, str) or not name:
        raise ApiFault(400, "No image_name was specified in request.")
    force = args.get("force", False)
    if isinstance(force, str):
        force = force.strip().lower() in ("1", "t", "true", "on", "y", "yes")
    newer = cinder.at_least(req, "3.1")
    upload = ImageUpload(
        name=name, disk_format=str(args.get("disk_format") or "raw"),
        container_format=str(args.get("container_format") or "bare"),
        visibility=str(args.get("visibility") or "private") if newer else "private",
        protected=bool(args.get("protected", False)) if newer else False, force=bool(force))
    return Reply(202, {"os-volume_upload_image": req.backend.upload_volume_to_image(
        volume, upload)})


def _retype(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    new_type = args.get("new_type") if isinstance(args, dict) else None
    if not isinstance(new_type, str):
        raise ApiFault(400, f"Invalid input for field/attribute new_type. Value: {new_type}. "
                            f"{new_type!r} is not of type 'string'")
    try:
        volume_type = req.backend.find_volume_type(new_type)
    except NotFound:
        raise ApiFault(404, f"Volume type {new_type} could not be found.") from None
    req.backend.retype_volume(volume, volume_type,
                              str(args.get("migration_policy") or "never"))
    return Reply(202)


def _force_delete(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    """VolumeAdminController._force_delete (``volume delete --force``): admins only."""
    if not cinder.is_admin(req):
        raise ApiFault(403, "Policy doesn't allow "
                            "volume_extension:volume_admin_actions:force_delete to be "
                            "performed.")
    req.backend.delete_volume(volume, force=True)
    return Reply(202)


def _begin_detaching(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    req.backend.begin_detaching_volume(volume)
    return Reply(202)


def _roll_detaching(req: ApiRequest, volume: Volume, args: Any) -> Reply:
    req.backend.roll_detaching_volume(volume)
    return Reply(202)


_ACTIONS = {
    "os-force_delete": _force_delete, "os-begin_detaching": _begin_detaching,
    "os-roll_detaching": _roll_detaching, **cinder_attach_actions.ACTIONS,
    "os-extend": _extend, "os-reset_status": _reset_status, "os-set_bootable": _set_bootable,
    "os-update_readonly_flag": _readonly, "os-set_image_metadata": _set_image_metadata,
    "os-unset_image_metadata": _unset_image_metadata, "os-volume_upload_image": _upload_image,
    "os-retype": _retype,
}


@route("POST", "/volumes/{volume_id}/action")
def volume_action(req: ApiRequest, volume_id: str, project_id: str | None = None) -> Reply:
    data = req.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise ApiFault(400, cinder.MALFORMED)
    name, args = next(iter(data.items()))
    handler = _ACTIONS.get(name)
    if handler is None:
        raise ApiFault(400, f"There is no such action: {name}. Verify the request body and "
                            "Content-Type header and try again.")
    return handler(req, volume_by_id(req, volume_id), args)



# -- metadata -------------------------------------------------------------------------------


@route("GET", "/volumes/{volume_id}/metadata")
def show_volume_metadata(req: ApiRequest, volume_id: str,
                         project_id: str | None = None) -> Reply:
    volume = volume_by_id(req, volume_id)
    # Cinder sends this one answer as text/html (with an ETag), whatever it holds.
    return Reply(200, raw=json.dumps({"metadata": dict(volume.metadata)}).encode(),
                 content_type="text/html; charset=UTF-8")


@route("POST", "/volumes/{volume_id}/metadata")
def add_volume_metadata(req: ApiRequest, volume_id: str,
                        project_id: str | None = None) -> Reply:
    metadata = cinder.metadata_body(req, "metadata")
    volume = volume_by_id(req, volume_id)
    req.backend.set_volume_metadata(volume, metadata)
    return Reply(200, {"metadata": dict(volume_by_id(req, volume_id).metadata)})


@route("PUT", "/volumes/{volume_id}/metadata")
def replace_volume_metadata(req: ApiRequest, volume_id: str,
                            project_id: str | None = None) -> Reply:
    metadata = cinder.metadata_body(req, "metadata")
    volume = volume_by_id(req, volume_id)
    _replace_metadata(req, volume, metadata)
    return Reply(200, {"metadata": metadata})


def _item_missing(volume_id: str, key: str) -> ApiFault:
    return ApiFault(404, f"Volume {volume_id} has no metadata with key {key}.")


@route("GET", "/volumes/{volume_id}/metadata/{key}")
def show_volume_metadata_item(req: ApiRequest, volume_id: str, key: str,
                              project_id: str | None = None) -> Reply:
    volume = volume_by_id(req, volume_id)
    if key not in volume.metadata:
        raise _item_missing(volume_id, key)
    return Reply(200, {"meta": {key: volume.metadata[key]}})


@route("PUT", "/volumes/{volume_id}/metadata/{key}")
def set_volume_metadata_item(req: ApiRequest, volume_id: str, key: str,
                             project_id: str | None = None) -> Reply:
    meta = cinder.metadata_item_body(req, key)
    volume = volume_by_id(req, volume_id)
    req.backend.set_volume_metadata(volume, meta)
    return Reply(200, {"meta": meta})


@route("DELETE", "/volumes/{volume_id}/metadata/{key}")
def delete_volume_metadata_item(req: ApiRequest, volume_id: str, key: str,
                                project_id: str | None = None) -> Reply:
    volume = volume_by_id(req, volume_id)
    req.backend.delete_volume_metadata(volume, [key])
    return Reply(200)

