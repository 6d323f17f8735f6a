"""Nova's rules for the actions that touch a guest's disk, as pure functions of the records:
which states allow which action (``check_instance_state`` in nova/compute/api.py, with the
409 text of nova/api/openstack/common.py), what a server remembers of its boot image
(``system_metadata``, nova/utils.py) and what a snapshot image inherits from it
(nova/compute/utils.py ``create_image``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, Conflict

if TYPE_CHECKING:  # in annotations only: reading a server's state needs no image models
    from ostack_cli.backend.models.image import Image

GIB = 1024**3

# nova/compute/vm_states.py
ACTIVE, STOPPED, PAUSED, SUSPENDED = "active", "stopped", "paused", "suspended"
RESCUED, RESIZED, ERROR = "rescued", "resized", "error"
SHELVED, SHELVED_OFFLOADED = "shelved", "shelved_offloaded"

# nova/compute/task_states.py, the tasks of the actions here.
SHELVING = "shelving"
SHELVING_IMAGE_PENDING_UPLOAD = "shelving_image_pending_upload"
SHELVING_IMAGE_UPLOADING = "shelving_image_uploading"
SHELVING_OFFLOADING = "shelving_offloading"
UNSHELVING = "unshelving"
SPAWNING = "spawning"
RESCUING, UNRESCUING = "rescuing", "unrescuing"
REBUILDING = "rebuilding"
REBUILD_BLOCK_DEVICE_MAPPING = "rebuild_block_device_mapping"
REBUILD_SPAWNING = "rebuild_spawning"
RESIZE_PREP, RESIZE_MIGRATING = "resize_prep", "resize_migrating"
RESIZE_MIGRATED, RESIZE_FINISH = "resize_migrated", "resize_finish"
RESIZE_REVERTING, RESIZE_CONFIRMING = "resize_reverting", "resize_confirming"
IMAGE_SNAPSHOT_PENDING, IMAGE_SNAPSHOT = "image_snapshot_pending", "image_snapshot"
IMAGE_PENDING_UPLOAD, IMAGE_UPLOADING = "image_pending_upload", "image_uploading"
IMAGE_BACKUP = "image_backup"

SHELVE_TASKS = frozenset({SHELVING, SHELVING_IMAGE_PENDING_UPLOAD, SHELVING_IMAGE_UPLOADING,
                          SHELVING_OFFLOADING})
UNSHELVE_TASKS = frozenset({UNSHELVING})
RESCUE_TASKS = frozenset({RESCUING, UNRESCUING})
REBUILD_TASKS = frozenset({REBUILDING, REBUILD_BLOCK_DEVICE_MAPPING, REBUILD_SPAWNING})
RESIZE_TASKS = frozenset({RESIZE_PREP, RESIZE_MIGRATING, RESIZE_MIGRATED, RESIZE_FINISH,
                          RESIZE_REVERTING, RESIZE_CONFIRMING})
SNAPSHOT_TASKS = frozenset({IMAGE_SNAPSHOT_PENDING, IMAGE_SNAPSHOT, IMAGE_PENDING_UPLOAD,
                            IMAGE_UPLOADING, IMAGE_BACKUP})
# Every task of the actions here: an interrupted one is settled by lifecycle_recovery.
LIFECYCLE_TASKS = (SHELVE_TASKS | UNSHELVE_TASKS | RESCUE_TASKS | REBUILD_TASKS | RESIZE_TASKS
                   | SNAPSHOT_TASKS)
# vm_states whose meaning is Nova's to decide: libvirt's power state does not change them
# (nova-compute's power state sync leaves them alone too).
KEPT_VM_STATES = frozenset({RESCUED, RESIZED, SHELVED, SHELVED_OFFLOADED})

# The vm_states whose guests hold memory on the host, as server create's scheduling counts
# them (offloaded guests hold none).
MEMORY_STATES = frozenset({"active", "building", "paused", "rescued", "resized"})

# Statuses whose server view carries ``progress`` and ``fault``
# (nova/api/openstack/compute/views/servers.py).
PROGRESS_STATUSES = frozenset({"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE",
                               "MIGRATING"})
FAULT_STATUSES = frozenset({"ERROR", "DELETED"})

# nova/utils.py: system_metadata keys of the boot image, and the image attributes (not
# properties) they carry.
SM_IMAGE_PREFIX = "image_"
SM_INHERITABLE_KEYS = ("min_ram", "min_disk", "disk_format", "container_format")
SM_SKIP_KEYS = frozenset({"mappings", "block_device_mapping", "img_mappings",
                          "img_block_device_mapping"})
SHELVED_KEYS = ("shelved_at", "shelved_image_id", "shelved_host")
# nova/compute/utils.py NON_INHERITABLE_IMAGE_PROPERTIES plus [DEFAULT]
# non_inheritable_image_properties' default, and the namespace snapshots never inherit.
NON_INHERITABLE = frozenset({
    "cinder_encryption_key_id", "cinder_encryption_key_deletion_policy", "img_signature",
    "img_signature_hash_method", "img_signature_key_type", "img_signature_certificate_uuid",
    "cache_in_nova", "bittorrent",
})
NON_INHERITABLE_PREFIX = "os_glance"


def require_state(
    server: Server,
    action: str,
    vm_states: Iterable[str],
    *,
    task_states: Iterable[str | None] | None = (None,),
    must_have_launched: bool = True,
) -> None:
    """``check_instance_state``: the vm_state, then the task_state, then whether the guest
    ever launched; each refusal is Nova's 409 for the API action ``action``."""
    if server.vm_state not in set(vm_states):
        raise invalid_state(server, action, "vm_state", server.vm_state)
    if task_states is not None and server.task_state not in set(task_states):
        raise invalid_state(server, action, "task_state", server.task_state)
    if must_have_launched and not server.launched_at:
        raise invalid_state(server, action, "launched_at", None)


def invalid_state(server: Server, action: str, attr: str, state: str | None) -> Conflict:
    return Conflict(
        f"Cannot '{action}' instance {server.id} while it is in {attr} {state}"
    )


def boot_system_metadata(
    image: Image, flavor_disk_gb: int, requester: dict[str, str]
) -> dict[str, str]:
    """What Nova keeps of a server's boot: ``get_system_metadata_from_image`` (each image
    property as ``image_<key>``, min_disk raised to the flavor's root disk), the base image,
    and who booted it (compute/api.py ``_populate_instance_for_create``: ``requester``'s
    ``owner_user_name``, ``owner_project_name`` and ``boot_roles``)."""
    return {**image_system_metadata(image, flavor_disk_gb), **requester}


def requester_metadata(user_name: str, project_name: str, direct_roles: list[str],
                       all_roles: list[str]) -> dict[str, str]:
    """Who asks, as Nova records it: the token's roles, the implied ones before those the
    user was given (Keystone's order: an admin's are ``manager,member,reader,admin``)."""
    implied = [r for r in all_roles if r not in direct_roles]
    roles = implied + [r for r in all_roles if r in direct_roles]
    return {"owner_user_name": user_name, "owner_project_name": project_name,
            "boot_roles": ",".join(roles)}


def image_system_metadata(image: Image, flavor_disk_gb: int) -> dict[str, str]:
    meta: dict[str, str] = {}
    for key, value in image.properties.items():
        if key not in SM_SKIP_KEYS:
            meta[SM_IMAGE_PREFIX + key] = str(value)[:255]
    # A VHD's minimum is the flavor's disk, whatever the image says.
    min_disk = (flavor_disk_gb if image.disk_format == "vhd"
                else max(image.min_disk, flavor_disk_gb))
    inherited: dict[str, Any] = {
        "min_ram": image.min_ram, "min_disk": min_disk,
        "disk_format": image.disk_format, "container_format": image.container_format,
    }
    for key in SM_INHERITABLE_KEYS:
        if inherited[key] is not None:
            meta[SM_IMAGE_PREFIX + key] = str(inherited[key])
    meta[SM_IMAGE_PREFIX + "base_image_ref"] = image.id
    return meta


def rebuilt_system_metadata(
    current: dict[str, str], image: Image, flavor_disk_gb: int
) -> dict[str, str]:
    """A rebuild's ``_reset_image_metadata``: the old image's keys out, the new one's in."""
    kept = {k: v for k, v in current.items() if not k.startswith(SM_IMAGE_PREFIX)}
    return {**kept, **image_system_metadata(image, flavor_disk_gb)}


def image_from_system_metadata(system_metadata: dict[str, str]) -> dict[str, Any]:
    """``get_image_from_system_metadata``: the image attributes and properties a server's
    system_metadata describes (every key, ``image_`` stripped)."""
    meta: dict[str, Any] = {}
    properties: dict[str, str] = {}
    for key, value in system_metadata.items():
        if value is None:
            continue
        name = key[len(SM_IMAGE_PREFIX):] if key.startswith(SM_IMAGE_PREFIX) else key
        if name in SM_SKIP_KEYS:
            continue
        if name in SM_INHERITABLE_KEYS:
            meta[name] = value
        else:
            properties[name] = value
    meta["properties"] = properties
    return meta


def snapshot_properties(
    server: Server, *, image_type: str, user_id: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The properties Nova gives a snapshot or backup image when it makes it
    (``create_image``): what the server's boot image had, minus what must not be inherited,
    plus the instance, user and type; ``extra`` (the request's metadata) wins."""
    properties = dict(image_from_system_metadata(server.system_metadata)["properties"])
    for key in list(properties):
        if key in NON_INHERITABLE or key.startswith(NON_INHERITABLE_PREFIX):
            del properties[key]
    properties.update({"instance_uuid": server.id, "user_id": user_id,
                       "image_type": image_type})
    properties.update(extra or {})
    return properties


def uploaded_properties(server: Server) -> dict[str, str]:
    """What the libvirt driver adds when the snapshot's data is uploaded
    (``_create_snapshot_metadata``); empty kernel and ramdisk IDs are left out, as Nova's
    Glance client leaves them."""
    added = {"image_location": "snapshot", "image_state": "available",
             "owner_id": server.project_id}
    for key, value in (("kernel_id", server.kernel_id), ("ramdisk_id", server.ramdisk_id)):
        if value and value.strip().lower() != "none":
            added[key] = value
    return added


def snapshot_attributes(server: Server) -> dict[str, Any]:
    """min_ram, min_disk and, for a backup, the formats a new snapshot image starts with."""
    meta = image_from_system_metadata(server.system_metadata)
    return {key: meta.get(key) for key in SM_INHERITABLE_KEYS}


def check_image_fits(image_meta: dict[str, Any], disk_gb: int, ram_mb: int) -> None:
    """``_validate_flavor_image_nostatus``: the image's minimum RAM and disk, and its size,
    against a flavor's (a disk of 0 is not checked)."""
    if ram_mb < int(image_meta.get("min_ram") or 0):
        raise BadRequest("Flavor's memory is too small for requested image.")
    min_disk = int(image_meta.get("min_disk") or 0) * GIB
    size = int(image_meta.get("size") or 0)
    dest = disk_gb * GIB
    if dest:
        if size > dest:
            raise BadRequest(
                "Flavor's disk is too small for requested image. Flavor disk is "
                f"{dest} bytes, image is {size} bytes."
            )
        if min_disk > dest:
            raise BadRequest(
                "Flavor's disk is smaller than the minimum size specified in image "
                f"metadata. Flavor disk is {dest} bytes, minimum size is {min_disk} bytes."
            )


def image_meta(image: Image) -> dict[str, Any]:
    """An image as Nova's API code sees it (the attributes its checks read)."""
    return {"min_ram": image.min_ram, "min_disk": image.min_disk, "size": image.size,
            "disk_format": image.disk_format, "properties": dict(image.properties)}


def without_shelved_keys(system_metadata: dict[str, str]) -> dict[str, str]:
    """``remove_shelved_keys_from_system_metadata``."""
    return {k: v for k, v in system_metadata.items() if k not in SHELVED_KEYS}


# -- the API's input schema (nova/api/validation/parameter_types.py) ----------------------

METADATA_KEY_RE = r"^[a-zA-Z0-9-_:. ]{1,255}$"


def check_name(name: str) -> None:
    """``parameter_types.name``: 1 to 255 printable characters, no whitespace at the ends."""
    if len(name) > 255:
        raise BadRequest(
            f"Invalid input for field/attribute name. Value: {name}. {name!r} is too long"
        )
    if not name:
        raise BadRequest(
            f"Invalid input for field/attribute name. Value: {name}. {name!r} should be "
            "non-empty"
        )
    if not valid_name(name):
        raise BadRequest(
            "An invalid 'name' value was provided. The name must be: printable characters. "
            "Can not start or end with whitespace."
        )


def check_description(description: str | None) -> None:
    """``parameter_types.description``: at most 255 characters."""
    if description is not None and len(description) > 255:
        raise BadRequest(f"Invalid input for field/attribute description. Value: {description}. "
                         f"{description!r} is too long")


def check_tags(tags: list[str]) -> None:
    """A create's ``tags`` (``parameter_types.tag``, at most 50); Nova's 400 names an item
    by its index."""
    if len(tags) > 50:
        raise BadRequest(
            f"Invalid input for field/attribute tags. Value: {tags!r}. {tags!r} is too long")
    for index, tag in enumerate(tags):
        problem = ("should be non-empty" if not tag else "is too long" if len(tag) > 60
                   else "does not match '^[^,/]*$'" if "," in tag or "/" in tag else None)
        if problem is not None:
            raise BadRequest(f"Invalid input for field/attribute {index}. Value: {tag}. "
                             f"{tag!r} {problem}")


def valid_name(name: str) -> bool:
    """Nova's ``valid_name_regex``: printable characters of the Basic Multilingual Plane (its
    regex is built from those alone: no emoji), no space separator at either end."""
    return (all(ord(c) < 0xFFFF and _printable(c) for c in name)
            and unicodedata.category(name[0]) != "Zs" and unicodedata.category(name[-1]) != "Zs")


def _printable(char: str) -> bool:
    """Nova's ``_is_printable``: no control or format characters, no separators but spaces."""
    category = unicodedata.category(char)
    return not category.startswith("C") and (not category.startswith("Z") or category == "Zs")


def check_metadata(metadata: dict[str, str]) -> None:
    """``parameter_types.metadata``: keys of ``[a-zA-Z0-9-_:. ]``, values of 255 at most."""
    for key, value in metadata.items():
        if not re.match(METADATA_KEY_RE, key):
            raise BadRequest(
                f"Invalid input for field/attribute metadata. Value: {metadata!r}. "
                f"{key!r} does not match any of the regexes: {METADATA_KEY_RE!r}"
            )
        if len(value) > 255:
            raise BadRequest(
                f"Invalid input for field/attribute {key}. Value: {value}. "
                f"{value!r} is too long"
            )


# ``parameter_types.boolean``, in the order Nova's schema error lists them.
NOVA_TRUE = ("True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes")
NOVA_FALSE = ("False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no")


def requested_config_drive(value: bool | str | None) -> bool:
    """The server create's ``config_drive`` as Nova's schema reads it (a boolean or one of
    its spellings; anything else, a volume name included, is a 400)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if value in NOVA_TRUE or value in NOVA_FALSE:
        return value in NOVA_TRUE
    allowed = ", ".join(["True", *map(repr, NOVA_TRUE), "False", *map(repr, NOVA_FALSE)])
    raise BadRequest(f"Invalid input for field/attribute config_drive. Value: {value}. "
                     f"{value!r} is not one of [{allowed}]")
