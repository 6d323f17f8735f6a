"""Glance v2's images (``/v2/images``: list, show, create, JSON-patch update, delete, data
upload and download, tags, (de)activation) and members, on the local backend's image
services (glance/api/v2/images.py, image_data.py, image_tags.py, image_actions.py,
image_members.py)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import IO, Any, cast

from ostack_cli.api.faults import ApiFault
from ostack_cli.api.glance import GLANCE
from ostack_cli.api.http import ApiRequest, BodyReader, Reply
from ostack_cli.api.pagination import MarkerNotFound, flat_params, page, with_params
from ostack_cli.backend.models.image import Image, ImageChanges, ImageSpec, api_body
from ostack_cli.backend.models.image_member import ImageMember, member_view
from ostack_cli.errors import NotFound

LIST_SCHEMA = "/v2/schemas/images"
DEFAULT_LIMIT = 25  # glance's limit_param_default
MAX_LIMIT = 1000  # api_limit_max
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"
# Base attributes a JSON patch changes through ImageChanges; any other path is a property
# (the backend refuses read-only and reserved ones in Glance's words).
_INT_FIELDS = ("min_disk", "min_ram")


def image_view(image: Image) -> dict[str, Any]:
    body = api_body(image)
    body["self"] = f"/v2/images/{image.id}"
    return body


def image_by_id(req: ApiRequest, image_id: str) -> Image:
    try:
        image = req.backend.find_image(image_id)
    except NotFound:
        image = None
    if image is None or image.id != image_id:
        raise ApiFault(404, f"No image found with ID {image_id}")
    return image


# -- list --------------------------------------------------------------------------------------


def _in_filter(text: str | None) -> list[str] | None:
    """Glance's ``in:a,b`` operator (and a plain value)."""
    if text is None:
        return None
    if text.startswith("in:"):
        return [v for v in text[3:].split(",") if v]
    return [text]


def _bool_param(text: str | None) -> bool:
    return text is not None and text.strip().lower() in ("1", "t", "true", "on", "y", "yes")


def _limit(req: ApiRequest) -> int:
    text = req.param("limit")
    if text is None:
        return DEFAULT_LIMIT
    try:
        limit = int(text)
    except ValueError:
        raise ApiFault(400, "limit param must be an integer") from None
    if limit < 0:
        raise ApiFault(400, "limit param must be positive")
    return min(limit, MAX_LIMIT)


@GLANCE.route("GET", "/v2/images")
def list_images(req: ApiRequest) -> Reply:
    names = _in_filter(req.param("name"))
    images = req.backend.images(
        visibility=req.param("visibility"),
        name=names[0] if names and len(names) == 1 else None,
        status=req.param("status"), tags=req.params.get("tag"), owner=req.param("owner"),
        is_hidden=_bool_param(req.param("os_hidden")),
        member_status=req.param("member_status"))
    ids = _in_filter(req.param("id"))
    if ids is not None:
        images = [i for i in images if i.id in ids]
    if names is not None and len(names) > 1:
        images = [i for i in images if i.name in names]
    images = _sorted(req, images)
    try:
        result = page(images, limit=_limit(req), marker=req.param("marker"),
                      key=lambda i: i.id)
    except MarkerNotFound as exc:
        raise ApiFault(400, f"Invalid marker. Image {exc.marker} could not be found.") from None
    flat = flat_params(req.params)
    body: dict[str, Any] = {"images": [image_view(i) for i in result.items]}
    first = [p for p in flat if p[0] != "marker"]
    body["first"] = _glance_url("/v2/images", first)
    body["schema"] = LIST_SCHEMA
    if result.more and result.items:
        body["next"] = with_params("/v2/images", flat, marker=result.items[-1].id)
    return Reply(200, body)


def _glance_url(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urllib.parse.urlencode(params)}" if params else path


def _sorted(req: ApiRequest, images: list[Image]) -> list[Image]:
    """Glance's ``sort_key``/``sort_dir`` or ``sort=key:dir,...``; newest first by default
    (the backend's order)."""
    keys: list[tuple[str, str]] = []
    if req.param("sort"):
        for part in (req.param("sort") or "").split(","):
            key, _, direction = part.partition(":")
            keys.append((key.strip(), (direction or "desc").strip()))
    else:
        directions = req.params.get("sort_dir") or []
        for index, key in enumerate(req.params.get("sort_key") or []):
            keys.append((key, directions[index] if index < len(directions) else "desc"))
    for key, direction in reversed(keys):
        if direction not in ("asc", "desc"):
            raise ApiFault(400, f"Invalid sort direction: {direction}")
        images = sorted(images, key=_sort_key(key), reverse=direction == "desc")
    return images


def _sort_key(key: str) -> Callable[[Image], str]:
    return lambda image: str(image_view(image).get(key) or "")


@GLANCE.route("GET", "/v2/images/{image_id}")
def show_image(req: ApiRequest, image_id: str) -> Reply:
    return Reply(200, image_view(image_by_id(req, image_id)))


# -- create, update, delete ------------------------------------------------------------------

_CREATE_FIELDS = frozenset({"name", "id", "disk_format", "container_format", "min_disk",
                            "min_ram", "visibility", "protected", "tags", "owner",
                            "os_hidden"})


@GLANCE.route("POST", "/v2/images")
def create_image(req: ApiRequest) -> Reply:
    data = req.json()
    if not isinstance(data, dict):
        raise ApiFault(400, "Body expected in request.")
    _check_schema(data)
    properties = {k: v for k, v in data.items() if k not in _CREATE_FIELDS}
    tags = data.get("tags") or []
    spec = ImageSpec(
        name=data.get("name") or "", id=data.get("id"),
        disk_format=data.get("disk_format") or "raw",
        container_format=data.get("container_format") or "bare",
        min_disk=data.get("min_disk"), min_ram=data.get("min_ram"),
        visibility=data.get("visibility"), is_protected=data.get("protected"),
        tags=[str(t) for t in tags], properties=properties, project_id=data.get("owner"))
    image = req.backend.create_image(spec)
    if data.get("os_hidden"):
        image = req.backend.update_image(image, ImageChanges(is_hidden=True))
    # Glance names its import methods on every image it creates (openstacksdk reads them).
    methods = ",".join(req.backend.image_import_methods())
    return Reply(201, image_view(image), location=req.service_url(f"/v2/images/{image.id}"),
                 headers={"OpenStack-image-import-methods": methods})


# The types of Glance's image schema (glance/api/v2/images.py get_base_properties); the
# values themselves are the backend's to check, in Glance's words.
IMAGE_SCHEMA = {"type": "object", "properties": {
    "name": {"type": ["null", "string"]}, "id": {"type": "string"},
    "visibility": {"type": "string"}, "protected": {"type": "boolean"},
    "os_hidden": {"type": "boolean"}, "owner": {"type": ["null", "string"]},
    "container_format": {"type": ["null", "string"]},
    "disk_format": {"type": ["null", "string"]},
    "min_ram": {"type": "integer"}, "min_disk": {"type": "integer"},
    "tags": {"type": "array", "items": {"type": "string"}}},
    "additionalProperties": {"type": "string"}}


def _check_schema(image: dict[str, Any]) -> None:
    from ostack_cli.api.schema import SchemaError, validate

    try:
        validate(IMAGE_SCHEMA, image)
    except SchemaError as exc:
        raise ApiFault(400, "Provided object does not match schema 'image': "
                            f"{exc.details()}") from None


def _changes(image: Image, operations: Any) -> ImageChanges:
    """A Glance JSON patch as the backend's changes."""
    if not isinstance(operations, list):
        raise ApiFault(400, "Request body must be a JSON array of operation objects.")
    fields: dict[str, Any] = {}
    set_properties: dict[str, str] = {}
    unset_properties: list[str] = []
    tags = list(image.tags)
    for operation in operations:
        if not isinstance(operation, dict) or operation.get("op") not in (
                "add", "replace", "remove"):
            raise ApiFault(400, "Operation objects must contain exactly one member named "
                                "\"add\", \"remove\", or \"replace\".")
        path = operation.get("path")
        if not isinstance(path, str) or not path.startswith("/") or path.count("/") != 1:
            raise ApiFault(400, f"Invalid JSON pointer for this resource: '{path}'")
        name = path[1:].replace("~1", "/").replace("~0", "~")
        op = operation["op"]
        value = operation.get("value")
        if op != "remove" and "value" not in operation:
            raise ApiFault(400, f"Operation \"{op}\" requires a member named \"value\".")
        if op != "remove":
            _check_schema({name: value})
        if name == "tags":
            tags = [] if op == "remove" else [str(t) for t in value or []]
        elif name in ("name", "disk_format", "container_format", "visibility", *_INT_FIELDS):
            if op == "remove":
                raise ApiFault(403, f"Property {name} may not be removed.")
            fields[name] = value
        elif name in ("protected", "os_hidden"):
            if op == "remove":
                raise ApiFault(403, f"Property {name} may not be removed.")
            fields["is_protected" if name == "protected" else "is_hidden"] = value
        elif name == "owner":
            fields["project_id"] = value
        elif op == "remove":
            unset_properties.append(name)
        else:
            set_properties[name] = str(value)
    return ImageChanges(
        **fields, set_properties=set_properties, unset_properties=unset_properties,
        add_tags=[t for t in tags if t not in image.tags],
        remove_tags=[t for t in image.tags if t not in tags])


@GLANCE.route("PATCH", "/v2/images/{image_id}")
def update_image(req: ApiRequest, image_id: str) -> Reply:
    content_type = (req.header("content-type") or "").split(";")[0].strip()
    if content_type != PATCH_TYPE:
        raise ApiFault(415, f"Unsupported Content-Type; expected one of {PATCH_TYPE}, "
                            "application/openstack-images-v2.0-json-patch",
                       headers={"Accept-Patch": PATCH_TYPE})
    image = image_by_id(req, image_id)
    updated = req.backend.update_image(image, _changes(image, req.json()))
    return Reply(200, image_view(updated))


@GLANCE.route("DELETE", "/v2/images/{image_id}")
def delete_image(req: ApiRequest, image_id: str) -> Reply:
    req.backend.delete_image(image_by_id(req, image_id))
    return Reply(204)


# -- data ------------------------------------------------------------------------------------


class _Upload:
    """The request body as a file object the backend reads in chunks."""

    def __init__(self, stream: BodyReader) -> None:
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)


@GLANCE.route("PUT", "/v2/images/{image_id}/file", stream_body=True)
def upload_image(req: ApiRequest, image_id: str) -> Reply:
    content_type = (req.header("content-type") or "").split(";")[0].strip()
    if content_type != "application/octet-stream":
        raise ApiFault(415, f"Content-Type {content_type} is not supported: the image data "
                            "must be application/octet-stream")
    image = image_by_id(req, image_id)
    assert req.body_stream is not None
    req.backend.upload_image_data(image, cast(IO[bytes], _Upload(req.body_stream)))
    return Reply(204)


@GLANCE.route("GET", "/v2/images/{image_id}/file")
def download_image(req: ApiRequest, image_id: str) -> Reply:
    image = image_by_id(req, image_id)
    chunks = req.backend.image_data(image)
    if image.status != "active":
        # Glance: no data yet is 204 No Content.
        list(chunks)
        return Reply(204)
    headers = {"Content-Length": str(image.size or 0)}
    if image.checksum:
        headers["Content-MD5"] = image.checksum
    return Reply(200, stream=chunks, content_type="application/octet-stream", headers=headers)


# -- tags and actions ------------------------------------------------------------------------


@GLANCE.route("PUT", "/v2/images/{image_id}/tags/{tag}")
def add_tag(req: ApiRequest, image_id: str, tag: str) -> Reply:
    image = image_by_id(req, image_id)
    if tag not in image.tags:
        req.backend.update_image(image, ImageChanges(add_tags=[tag]))
    return Reply(204)


@GLANCE.route("DELETE", "/v2/images/{image_id}/tags/{tag}")
def remove_tag(req: ApiRequest, image_id: str, tag: str) -> Reply:
    image = image_by_id(req, image_id)
    if tag not in image.tags:
        raise ApiFault(404, f"Tag {tag} not found")
    req.backend.update_image(image, ImageChanges(remove_tags=[tag]))
    return Reply(204)


@GLANCE.route("POST", "/v2/images/{image_id}/actions/deactivate")
def deactivate(req: ApiRequest, image_id: str) -> Reply:
    req.backend.update_image(image_by_id(req, image_id), ImageChanges(activate=False))
    return Reply(204)


@GLANCE.route("POST", "/v2/images/{image_id}/actions/reactivate")
def reactivate(req: ApiRequest, image_id: str) -> Reply:
    req.backend.update_image(image_by_id(req, image_id), ImageChanges(activate=True))
    return Reply(204)


# -- members ---------------------------------------------------------------------------------


def _member(member: ImageMember) -> dict[str, Any]:
    body = member_view(member)
    return {k: body[k] for k in ("member_id", "image_id", "status", "created_at",
                                 "updated_at", "schema")}


@GLANCE.route("GET", "/v2/images/{image_id}/members")
def list_members(req: ApiRequest, image_id: str) -> Reply:
    image = image_by_id(req, image_id)
    return Reply(200, {"members": [_member(m) for m in req.backend.image_members(image)],
                       "schema": "/v2/schemas/members"})


@GLANCE.route("POST", "/v2/images/{image_id}/members")
def add_member(req: ApiRequest, image_id: str) -> Reply:
    data = req.json()
    if not isinstance(data, dict) or not isinstance(data.get("member"), str):
        raise ApiFault(400, "Member to be added not specified")
    image = image_by_id(req, image_id)
    return Reply(200, _member(req.backend.add_image_member(image, data["member"])))


def _member_of(req: ApiRequest, image: Image, member_id: str) -> ImageMember:
    try:
        return req.backend.find_image_member(image, member_id)
    except NotFound:
        raise ApiFault(404, f"{member_id} not found in the member list of the image "
                            f"{image.id}.") from None


@GLANCE.route("GET", "/v2/images/{image_id}/members/{member_id}")
def show_member(req: ApiRequest, image_id: str, member_id: str) -> Reply:
    image = image_by_id(req, image_id)
    return Reply(200, _member(_member_of(req, image, member_id)))


@GLANCE.route("PUT", "/v2/images/{image_id}/members/{member_id}")
def update_member(req: ApiRequest, image_id: str, member_id: str) -> Reply:
    data = req.json()
    if not isinstance(data, dict) or "status" not in data:
        raise ApiFault(400, "Status not specified")
    image = image_by_id(req, image_id)
    return Reply(200, _member(req.backend.update_image_member(image, member_id,
                                                              str(data["status"]))))


@GLANCE.route("DELETE", "/v2/images/{image_id}/members/{member_id}")
def remove_member(req: ApiRequest, image_id: str, member_id: str) -> Reply:
    image = image_by_id(req, image_id)
    _member_of(req, image, member_id)
    req.backend.remove_image_member(image, member_id)
    return Reply(204)

