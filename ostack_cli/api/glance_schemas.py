"""Glance v2's JSON schemas (``/v2/schemas/...``) and its metadata definitions catalog
(``/v2/metadefs/...``), as a Glance without definitions answers them.

python-glanceclient builds its image and namespace models from these schemas (warlock), so a
client such as Horizon cannot list images without ``/v2/schemas/image``. The bodies follow
glance/api/v2/images.py (``get_base_properties``, ``_get_base_links``, ``get_schema``,
``get_collection_schema``; no ``schema-image.json`` of extra properties, formats from the
backend's lists) and glance/api/v2/metadef_namespaces.py. The metadefs catalog is empty:
Glance answers so until ``glance-manage db_load_metadefs`` loads the definitions, and the
local store keeps none.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api.faults import ApiFault
from ostack_cli.api.glance import GLANCE
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.backend.models.image import CONTAINER_FORMATS, DISK_FORMATS

IMAGE_STATUSES = ("queued", "saving", "active", "killed", "deleted", "uploading", "importing",
                  "pending_delete", "deactivated")
VISIBILITIES = ("community", "public", "private", "shared")
UUID_PATTERN = ("^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
                "-([0-9a-fA-F]){12}$")
STORES_TEXT = ("Store in which image data resides.  Only present when the operator has "
               "enabled multiple stores.  May be a comma-separated list of store identifiers.")
VALIDATION_TEXT = ("Values to be used to populate the corresponding image properties. If the "
                   "image status is not 'queued', values must exactly match those already "
                   "contained in the image properties.")


def _nullable(kind: str, description: str, **more: Any) -> dict[str, Any]:
    return {"type": ["null", kind], **({"readOnly": True} if more.pop("read_only", False)
                                       else {}), "description": description, **more}


def _read_only(description: str, kind: str = "string") -> dict[str, Any]:
    return {"type": kind, "readOnly": True, "description": description}


def image_properties() -> dict[str, Any]:
    return {
        "id": {"type": "string", "description": "An identifier for the image",
               "pattern": UUID_PATTERN},
        "name": _nullable("string", "Descriptive name for the image", maxLength=255),
        "status": {**_read_only("Status of the image"), "enum": list(IMAGE_STATUSES)},
        "visibility": {"type": "string", "description": "Scope of image accessibility",
                       "enum": list(VISIBILITIES)},
        "protected": {"type": "boolean",
                      "description": "If true, image will not be deletable."},
        "os_hidden": {"type": "boolean", "description": "If true, image will not appear in "
                      "default image list response."},
        "checksum": _nullable("string", "md5 hash of image contents.", read_only=True,
                              maxLength=32),
        "os_hash_algo": _nullable("string", "Algorithm to calculate the os_hash_value",
                                  read_only=True, maxLength=64),
        "os_hash_value": _nullable("string", "Hexdigest of the image contents using the "
                                   "algorithm specified by the os_hash_algo", read_only=True,
                                   maxLength=128),
        "owner": _nullable("string", "Owner of the image", maxLength=255),
        "size": _nullable("integer", "Size of image file in bytes", read_only=True),
        "virtual_size": _nullable("integer", "Virtual size of image in bytes", read_only=True),
        "container_format": _nullable("string", "Format of the container",
                                      enum=[None, *CONTAINER_FORMATS]),
        "disk_format": _nullable("string", "Format of the disk", enum=[None, *DISK_FORMATS]),
        "created_at": _read_only("Date and time of image registration"),
        "updated_at": _read_only("Date and time of the last image modification"),
        "tags": {"type": "array", "description": "List of strings related to the image",
                 "items": {"type": "string", "maxLength": 255}},
        "direct_url": _read_only("URL to access the image file kept in external store"),
        "min_ram": {"type": "integer",
                    "description": "Amount of ram (in MB) required to boot image."},
        "min_disk": {"type": "integer",
                     "description": "Amount of disk space (in GB) required to boot image."},
        "self": _read_only("An image self url"),
        "file": _read_only("An image file url"),
        "stores": _read_only(STORES_TEXT),
        "schema": _read_only("An image schema url"),
        "locations": {
            "type": "array",
            "items": {"type": "object", "properties": {
                "url": {"type": "string", "maxLength": 255},
                "metadata": {"type": "object"},
                "validation_data": {
                    "description": VALIDATION_TEXT, "type": "object", "writeOnly": True,
                    "additionalProperties": False,
                    "properties": {
                        "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
                        "os_hash_algo": {"type": "string", "maxLength": 64},
                        "os_hash_value": {"type": "string", "maxLength": 128},
                    },
                    "required": ["os_hash_algo", "os_hash_value"],
                },
            }, "required": ["url", "metadata"]},
            "description": "A set of URLs to access the image file kept in external store",
        },
    }


def image_schema() -> dict[str, Any]:
    return {"name": "image", "properties": image_properties(),
            "additionalProperties": {"type": "string"},
            "links": [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"},
                      {"rel": "describedby", "href": "{schema}"}]}


def _collection(name: str, item: dict[str, Any], **more: Any) -> dict[str, Any]:
    """glance's ``get_collection_schema``: the items, ``first``/``next``/``schema`` and
    their links."""
    return {"name": name,
            "properties": {name: {"type": "array", "items": item},
                           "first": {"type": "string"}, "next": {"type": "string"},
                           "schema": {"type": "string"}},
            "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                      {"rel": "describedby", "href": "{schema}"}],
            **more}


# -- metadata definitions ----------------------------------------------------------------------

_VALUE_TYPES = ["array", "boolean", "integer", "number", "object", "string", None]


def _metadef_definitions() -> dict[str, Any]:
    """glance/schema.py's definitions shared by the metadefs schemas."""
    string_array = {"$ref": "#/definitions/stringArray"}
    positive = {"$ref": "#/definitions/positiveInteger"}
    positive_default = {"$ref": "#/definitions/positiveIntegerDefault0"}
    return {
        "positiveInteger": {"type": "integer", "minimum": 0},
        "positiveIntegerDefault0": {"allOf": [positive, {"default": 0}]},
        "stringArray": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "property": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["title", "type"],
            "properties": {
                "name": {"type": "string", "maxLength": 80},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "operators": {"type": "array", "items": {"type": "string"}},
                "type": {"type": "string", "enum": _VALUE_TYPES},
                "required": string_array,
                "minimum": {"type": "number"},
                "maximum": {"type": "number"},
                "maxLength": positive,
                "minLength": positive_default,
                "pattern": {"type": "string", "format": "regex"},
                "enum": {"type": "array"},
                "readonly": {"type": "boolean"},
                "default": {},
                "items": {"type": "object", "properties": {
                    "type": {"type": "string", "enum": _VALUE_TYPES},
                    "enum": {"type": "array"}}},
                "maxItems": positive,
                "minItems": positive_default,
                "uniqueItems": {"type": "boolean", "default": False},
                "additionalItems": {"type": "boolean"},
            }}},
    }


def _named_items() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "object",
                                       "properties": {"name": {"type": "string"}}}}


def namespace_schema() -> dict[str, Any]:
    def text(description: str, length: int) -> dict[str, Any]:
        return {"type": "string", "description": description, "maxLength": length}

    return {
        "name": "namespace",
        "properties": {
            "namespace": text("The unique namespace text.", 80),
            "display_name": text("The user friendly name for the namespace. Used by UI if "
                                 "available.", 80),
            "description": text("Provides a user friendly description of the namespace.",
                                500),
            "visibility": {"type": "string", "description": "Scope of namespace "
                           "accessibility.", "enum": ["public", "private"]},
            "protected": {"type": "boolean",
                          "description": "If true, namespace will not be deletable."},
            "owner": text("Owner of the namespace.", 255),
            "created_at": {**_read_only("Date and time of namespace creation"),
                           "format": "date-time"},
            "updated_at": {**_read_only("Date and time of the last namespace modification"),
                           "format": "date-time"},
            "schema": {"readOnly": True, "type": "string"},
            "self": {"readOnly": True, "type": "string"},
            "resource_type_associations": {"type": "array", "items": {
                "type": "object", "properties": {
                    "name": {"type": "string"}, "prefix": {"type": "string"},
                    "properties_target": {"type": "string"}}}},
            "properties": {"$ref": "#/definitions/property"},
            "objects": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "description": {"type": "string"},
                "required": {"$ref": "#/definitions/stringArray"},
                "properties": {"$ref": "#/definitions/property"}}}},
            "tags": _named_items(),
        },
        "additionalProperties": False,
        "definitions": _metadef_definitions(),
        "required": ["namespace"],
    }


def namespaces_schema() -> dict[str, Any]:
    # The definitions move from each item to the collection (glance's
    # get_collection_schema for metadefs).
    item = {key: value for key, value in namespace_schema().items() if key != "definitions"}
    return _collection("namespaces", item, definitions=_metadef_definitions())


SCHEMAS = {
    "image": image_schema,
    "images": lambda: _collection("images", image_schema()),
    "metadefs/namespace": namespace_schema,
    "metadefs/namespaces": namespaces_schema,
}


def _schema(name: str) -> Reply:
    return Reply(200, SCHEMAS[name]())


@GLANCE.route("GET", "/v2/schemas/image")
def show_image_schema(req: ApiRequest) -> Reply:
    return _schema("image")


@GLANCE.route("GET", "/v2/schemas/images")
def show_images_schema(req: ApiRequest) -> Reply:
    return _schema("images")


@GLANCE.route("GET", "/v2/schemas/metadefs/namespace")
def show_namespace_schema(req: ApiRequest) -> Reply:
    return _schema("metadefs/namespace")


@GLANCE.route("GET", "/v2/schemas/metadefs/namespaces")
def show_namespaces_schema(req: ApiRequest) -> Reply:
    return _schema("metadefs/namespaces")


@GLANCE.route("GET", "/v2/metadefs/namespaces")
def list_namespaces(req: ApiRequest) -> Reply:
    first = "/v2/metadefs/namespaces"
    return Reply(200, {"namespaces": [], "schema": "/v2/schemas/metadefs/namespaces",
                       "first": f"{first}?{req.query_string}" if req.query_string else first})


@GLANCE.route("GET", "/v2/metadefs/namespaces/{namespace}")
def show_namespace(req: ApiRequest, namespace: str) -> Reply:
    raise ApiFault(404, f"Metadata definition namespace={namespace} was not found.")


@GLANCE.route("GET", "/v2/metadefs/resource_types")
def list_resource_types(req: ApiRequest) -> Reply:
    return Reply(200, {"resource_types": []})
