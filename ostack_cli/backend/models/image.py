"""Glance images, and how the real client sees them (openstacksdk's Image, OSC's formatting)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from ostack_cli.backend.models import Resource
from ostack_cli.errors import CommandError

# Glance's default ``[image_format]`` lists; python-openstackclient offers fewer container
# formats on its command line (no ``compressed``), which the commands reflect.
DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("public", "private", "community", "shared")

# Glance's image-api defaults (image_property_quota, image_tag_quota) and schema limits.
PROPERTY_QUOTA = 128
TAG_QUOTA = 128
MAX_NAME = 255
MAX_TAG = 255
MAX_PROPERTY_KEY = 255
MAX_INT = 2**31 - 1

# Properties openstacksdk's create_image puts on every image it uploads (md5/sha256 are empty
# unless the caller asks it to validate checksums, which OSC does not).
SDK_MD5_KEY = "owner_specified.openstack.md5"
SDK_SHA256_KEY = "owner_specified.openstack.sha256"
SDK_OBJECT_KEY = "owner_specified.openstack.object"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Image(Resource):
    KIND = "image"
    RESOURCE_NAME = "Image"

    project_id: str = ""  # Glance's ``owner``
    status: str = "queued"
    visibility: str = "shared"
    is_protected: bool = False
    is_hidden: bool = False
    disk_format: str | None = None
    container_format: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    size: int | None = None
    virtual_size: int | None = None
    checksum: str | None = None
    hash_algo: str | None = None
    hash_value: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    properties: dict[str, str] = dataclasses.field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImageSpec:
    """What ``image create`` asks for; None means "Glance's default"."""

    name: str
    id: str | None = None
    disk_format: str = "raw"
    container_format: str = "bare"
    min_disk: int | None = None
    min_ram: int | None = None
    visibility: str | None = None
    is_protected: bool | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    properties: dict[str, str] = dataclasses.field(default_factory=dict)
    project_id: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImageChanges:
    """What ``image set``/``image unset`` change; None leaves a field as it is."""

    name: str | None = None
    min_disk: int | None = None
    min_ram: int | None = None
    disk_format: str | None = None
    container_format: str | None = None
    visibility: str | None = None
    is_protected: bool | None = None
    is_hidden: bool | None = None
    project_id: str | None = None
    set_properties: dict[str, str] = dataclasses.field(default_factory=dict)
    unset_properties: list[str] = dataclasses.field(default_factory=list)
    add_tags: list[str] = dataclasses.field(default_factory=list)
    remove_tags: list[str] = dataclasses.field(default_factory=list)
    activate: bool | None = None  # True: reactivate, False: deactivate


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImageImportRequest:
    """What ``image import`` asks of Glance (the body of ``POST /v2/images/{id}/import``)."""

    method: str = "glance-direct"
    uri: str | None = None  # web-download
    remote_region: str | None = None  # glance-download
    remote_image_id: str | None = None
    remote_service_interface: str | None = None
    stores: list[str] | None = None
    all_stores: bool = False
    all_stores_must_succeed: bool = True


def sdk_upload_properties(name: str) -> dict[str, str]:
    """In openstacksdk's order (``image/v2/_proxy.py`` ``create_image``)."""
    return {SDK_MD5_KEY: "", SDK_SHA256_KEY: "", SDK_OBJECT_KEY: f"images/{name}"}


# -- Glance's attribute rules --------------------------------------------------------------

# The request deserializer's lists (glance/api/v2/images.py).
DISALLOWED = frozenset({"direct_url", "self", "file", "schema", "stores"})
READ_ONLY = frozenset({
    "created_at", "updated_at", "status", "checksum", "size", "virtual_size", "direct_url",
    "self", "file", "schema", "id", "os_hash_algo", "os_hash_value",
})
RESERVED = frozenset({"location", "deleted", "deleted_at"})
RESERVED_PREFIX = "os_glance"
BASE = frozenset({
    "checksum", "created_at", "container_format", "disk_format", "id", "min_disk", "min_ram",
    "name", "size", "virtual_size", "status", "tags", "owner", "updated_at", "visibility",
    "protected", "os_hidden", "os_hash_algo", "os_hash_value", "locations",
})
# openstacksdk attribute names that reach Glance under another name.
SDK_RENAMES = {
    "is_protected": "protected",
    "is_hidden": "os_hidden",
    "hash_algo": "os_hash_algo",
    "hash_value": "os_hash_value",
    "owner_id": "owner",
}
# The option that sets a base attribute (for messages that say what to use instead).
BASE_OPTIONS = {
    "name": "--name", "min_disk": "--min-disk", "min_ram": "--min-ram",
    "container_format": "--container-format", "disk_format": "--disk-format",
    "visibility": "--public/--private/--community/--shared", "protected": "--protected",
    "os_hidden": "--hidden", "owner": "--project", "tags": "--tag", "id": "--id",
}


def glance_key(key: str) -> str:
    return SDK_RENAMES.get(key, key)


def is_reserved(key: str) -> bool:
    return key in RESERVED or key.startswith(RESERVED_PREFIX)


# -- how the real client shows an image ------------------------------------------------------

def api_body(image: Image) -> dict[str, Any]:
    """The fields Glance returns for an image (extra properties at the top level)."""
    body: dict[str, Any] = {
        "checksum": image.checksum,
        "container_format": image.container_format,
        "created_at": image.created_at,
        "disk_format": image.disk_format,
        "file": f"/v2/images/{image.id}/file",
        "id": image.id,
        "min_disk": image.min_disk,
        "min_ram": image.min_ram,
        "name": image.name,
        "os_hash_algo": image.hash_algo,
        "os_hash_value": image.hash_value,
        "os_hidden": image.is_hidden,
        "owner": image.project_id,
        "protected": image.is_protected,
        "schema": "/v2/schemas/image",
        "size": image.size,
        "status": image.status,
        "tags": list(image.tags),
        "updated_at": image.updated_at,
        "virtual_size": image.virtual_size,
        "visibility": image.visibility,
    }
    for key, value in image.properties.items():
        body.setdefault(key, value)
    return body


# The fields OSC's ``_format_image`` keeps at the top level; everything else but ``tags``
# goes into ``properties``. openstacksdk names ``os_hidden``/``os_hash_*`` differently, so
# (asking for the server's names) OSC files them under ``properties`` too.
SHOWN_FIELDS = (
    "status", "name", "container_format", "created_at", "size", "disk_format", "updated_at",
    "visibility", "min_disk", "protected", "id", "file", "checksum", "owner", "virtual_size",
    "min_ram", "schema",
)


def show_view(image: Image, *, human_readable: bool = False) -> dict[str, Any]:
    """``image show``/``image create`` output, before formatting: null fields dropped.

    As OSC's ``_format_image`` builds it from openstacksdk's ``to_dict(original_names=True)``:
    SDK-typed values, and ``properties`` in the SDK's attribute order.
    """
    body = api_body(image)
    info = {k: body[k] for k in SHOWN_FIELDS if body[k] is not None}
    properties: dict[str, Any] = {}
    for key in ("os_hidden", "os_hash_algo", "os_hash_value"):
        if body[key] is not None:
            properties[key] = body[key]
    unknown, known = _sdk_properties(image)
    properties.update(unknown)
    properties.update(dict(known.values()))
    if human_readable:
        info["size"] = format_size(image.size)
    info["tags"] = list(image.tags)
    if properties:
        info["properties"] = properties
    return info


def format_size(size: int | None) -> str:
    """osc-lib's ``format_size``: decimal units, one decimal place, trailing zeros dropped."""
    value = float(size or 0)
    suffixes = ("", "K", "M", "G", "T", "P", "E", "Z")
    index = 0
    while value >= 1000.0 and index < len(suffixes) - 1:
        value /= 1000.0
        index += 1
    return f"{value:.1f}".rstrip("0").rstrip(".") + suffixes[index]


def _sdk_int(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _sdk_float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def _sdk_bool(value: str) -> bool:
    return value.strip().lower() in ("1", "t", "true", "on", "y", "yes")


# openstacksdk Image attributes that are image properties in Glance, in the SDK's order, with
# the Glance key and the SDK's type conversion (None: the string as it is). ``getattr`` on
# any other name fails, which OSC's ``--sort`` reports.
SDK_PROPERTY_FIELDS: tuple[tuple[str, str, Callable[[str], Any] | None], ...] = (
    ("architecture", "architecture", None),
    ("hypervisor_type", "hypervisor_type", None),
    ("instance_type_rxtx_factor", "instance_type_rxtx_factor", _sdk_float),
    ("instance_uuid", "instance_uuid", None),
    ("needs_config_drive", "img_config_drive", None),
    ("kernel_id", "kernel_id", None),
    ("os_distro", "os_distro", None),
    ("os_version", "os_version", None),
    ("needs_secure_boot", "os_secure_boot", None),
    ("os_shutdown_timeout", "os_shutdown_timeout", _sdk_int),
    ("ramdisk_id", "ramdisk_id", None),
    ("vm_mode", "vm_mode", None),
    ("hw_cpu_sockets", "hw_cpu_sockets", _sdk_int),
    ("hw_cpu_cores", "hw_cpu_cores", _sdk_int),
    ("hw_cpu_threads", "hw_cpu_threads", _sdk_int),
    ("hw_disk_bus", "hw_disk_bus", None),
    ("hw_cpu_policy", "hw_cpu_policy", None),
    ("hw_cpu_thread_policy", "hw_cpu_thread_policy", None),
    ("hw_rng_model", "hw_rng_model", None),
    ("hw_machine_type", "hw_machine_type", None),
    ("hw_scsi_model", "hw_scsi_model", None),
    ("hw_serial_port_count", "hw_serial_port_count", _sdk_int),
    ("hw_video_model", "hw_video_model", None),
    ("hw_video_ram", "hw_video_ram", _sdk_int),
    ("hw_watchdog_action", "hw_watchdog_action", None),
    ("os_command_line", "os_command_line", None),
    ("hw_vif_model", "hw_vif_model", None),
    ("is_hw_vif_multiqueue_enabled", "hw_vif_multiqueue_enabled", _sdk_bool),
    ("is_hw_boot_menu_enabled", "hw_boot_menu", _sdk_bool),
    ("vmware_adaptertype", "vmware_adaptertype", None),
    ("vmware_ostype", "vmware_ostype", None),
    ("has_auto_disk_config", "auto_disk_config", None),
    ("os_type", "os_type", None),
    ("os_admin_user", "os_admin_user", None),
    ("hw_qemu_guest_agent", "hw_qemu_guest_agent", None),
    ("os_require_quiesce", "os_require_quiesce", _sdk_bool),
)
SDK_PROPERTY_ATTRS = {attr: key for attr, key, _ in SDK_PROPERTY_FIELDS}
# ``owner_id`` (which Nova gives a snapshot) is openstacksdk's alias of ``owner``: the SDK
# reads it into ``owner``, so the real client never shows it among the properties.
_SDK_CONSUMED_KEYS = frozenset({"owner_id"})
_SDK_KNOWN_KEYS = frozenset(SDK_PROPERTY_ATTRS.values()) | _SDK_CONSUMED_KEYS


def _sdk_properties(image: Image) -> tuple[dict[str, str], dict[str, tuple[str, Any]]]:
    """(properties the SDK does not know, {attribute: (Glance key, typed value)} it knows)."""
    unknown = {k: v for k, v in image.properties.items() if k not in _SDK_KNOWN_KEYS}
    known: dict[str, tuple[str, Any]] = {}
    for attr, key, convert in SDK_PROPERTY_FIELDS:
        if key in image.properties:
            raw = image.properties[key]
            known[attr] = (key, convert(raw) if convert else raw)
    return unknown, known


_SDK_ALWAYS_NONE = ("store", "locations", "direct_url", "url", "metadata", "location")


def sdk_attributes(image: Image) -> dict[str, Any]:
    """The image as openstacksdk's Image object exposes it (attribute name -> value)."""
    attrs: dict[str, Any] = {
        "id": image.id, "name": image.name, "status": image.status,
        "visibility": image.visibility, "checksum": image.checksum,
        "container_format": image.container_format, "disk_format": image.disk_format,
        "created_at": image.created_at, "updated_at": image.updated_at,
        "file": f"/v2/images/{image.id}/file", "schema": "/v2/schemas/image",
        "owner": image.project_id, "owner_id": image.project_id,
        "hash_algo": image.hash_algo, "hash_value": image.hash_value, "size": image.size,
        "virtual_size": image.virtual_size, "min_disk": image.min_disk,
        "min_ram": image.min_ram, "is_protected": image.is_protected,
        "is_hidden": image.is_hidden, "tags": list(image.tags),
    }
    attrs.update(dict.fromkeys(_SDK_ALWAYS_NONE))
    unknown, known = _sdk_properties(image)
    attrs.update(dict.fromkeys(SDK_PROPERTY_ATTRS))
    attrs.update({attr: value for attr, (_, value) in known.items()})
    attrs["properties"] = unknown
    return attrs


# -- the real client's client-side list handling ------------------------------------------

def _field(image: Image, key: str) -> Any:
    attrs = sdk_attributes(image)
    if key not in attrs:
        raise CommandError(f"Resource doesn't have field {key}")
    return attrs[key]


def sort_images(images: list[Image], sort: str) -> list[Image]:
    """osc-lib's ``sort_items`` on openstacksdk attributes, values compared as strings."""
    if not sort:
        return images
    items = list(images)
    for part in reversed(sort.strip().split(",")):
        key, reverse = part, False
        if ":" in part:
            key, direction = part.split(":", 1)
            if not key:
                raise CommandError("'<empty string>'' is not a valid sort key")
            if direction not in ("asc", "desc"):
                raise CommandError(
                    f"'{direction or '<empty string>'}' is not a valid sort direction for "
                    f"sort key {key}, use 'asc' or 'desc' instead"
                )
            reverse = direction == "desc"

        def sort_key(image: Image, key: str = key) -> str:
            value = _field(image, key)
            return value if isinstance(value, str) else str(value)

        items.sort(key=sort_key, reverse=reverse)
    return items


def filter_by_properties(images: Iterable[Image], wanted: dict[str, str]) -> list[Image]:
    """osc-lib's ``simple_filter``: attributes first, then the ``properties`` dict."""
    result = []
    for image in images:
        attrs = sdk_attributes(image)
        keep = True
        for key, value in wanted.items():
            found = attrs[key] if key in attrs else attrs["properties"].get(key)
            if not found or found != value:
                keep = False
        if keep:
            result.append(image)
    return result
