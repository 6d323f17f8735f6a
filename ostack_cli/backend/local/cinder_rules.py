"""Cinder's rules and words, as pure functions: timestamps, quotas, which statuses allow what,
the messages its API answers with, and what a volume made from an image remembers of it.

Sources: cinder/volume/api.py (the state rules), cinder/quota_utils.py and
cinder/exception.py (quota errors), cinder/volume/volume_utils.py (image metadata), Nova's
nova/compute/api.py and api/openstack/compute/volume_attachments.py (attachments).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.volume import DEFAULT_VOLUME_TYPE
from ostack_cli.errors import BadRequest, NotFound, QuotaExceeded

GIB = 1024**3

# Cinder's quota set, in the order its os-quota-sets answers (what `quota show` prints from),
# with Cinder's defaults; the per-type quotas of the one type follow its quota class.
QUOTA_DEFAULTS: dict[str, int] = {
    "volumes": 10,
    "per_volume_gigabytes": -1,
    "snapshots": 10,
    "gigabytes": 1000,
    "backups": 10,
    "backup_gigabytes": 1000,
    f"volumes_{DEFAULT_VOLUME_TYPE}": -1,
    f"gigabytes_{DEFAULT_VOLUME_TYPE}": -1,
    f"snapshots_{DEFAULT_VOLUME_TYPE}": -1,
    "groups": 10,
}

# What a volume may be deleted in without --force (cinder/volume/api.py delete).
DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
# Snapshots a cascading delete takes along (volume_has_undeletable_snapshots_filter).
CASCADABLE_SNAPSHOTS = ("available", "error", "deleting")
# A volume Nova can reserve for an attachment (``_attachment_reserve``, not multiattach).
RESERVABLE = ("available", "downloading")
# Statuses a volume's work passes through; a volume left in one by a process that died is
# settled by the next command that reads it (volume_recovery).
VOLUME_TASKS = ("creating", "downloading", "extending", "uploading", "deleting", "backing-up",
                "restoring-backup")
SNAPSHOT_TASKS = ("creating", "deleting")
ATTACHMENT_TASKS = ("attaching", "detaching")

# Glance's own attributes a volume made from an image remembers (IMAGE_ATTRIBUTES).
IMAGE_ATTRIBUTES = ("checksum", "container_format", "disk_format", "min_disk", "min_ram",
                    "size")
# Devices Nova's libvirt driver hands out for volumes: virtio disks after the root's vda.
DEVICE_RE = re.compile(r"^(/dev/)?vd([b-z])$")
DEVICE_LETTERS = "bcdefghijklmnopqrstuvwxyz"


def now() -> str:
    """Cinder's timestamps: ``2026-12-05T01:52:18.000000`` (its database keeps seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000")


def claim_time(timestamp: str | None) -> str:
    """A Cinder timestamp as the claim time ``state.liveness`` reads (``...Z``)."""
    return (timestamp or "")[:19] + "Z"


def invalid_volume(reason: str) -> BadRequest:
    """cinder.exception.InvalidVolume / nova.exception.InvalidVolume (both 400)."""
    return BadRequest(f"Invalid volume: {reason}")


def invalid_snapshot(reason: str) -> BadRequest:
    return BadRequest(f"Invalid snapshot: {reason}")


def volume_not_found(volume_id: str) -> NotFound:
    return NotFound(f"Volume {volume_id} could not be found.")


def or_list(values: tuple[str, ...]) -> str:
    """cinder.utils.build_or_str: ``a or b or c``."""
    return " or ".join(values)


def not_deletable() -> BadRequest:
    return invalid_volume(
        f"Volume status must be {or_list(DELETABLE)} and must not be migrating, attached, "
        "belong to a group, have snapshots, awaiting a transfer, or be disassociated from "
        "snapshots after volume transfer.")


def not_deletable_forced() -> BadRequest:
    # Cinder's message has an empty status list there, hence the two spaces.
    return invalid_volume(
        "Volume  must not be migrating, attached, belong to a group, have snapshots, awaiting "
        "a transfer, or be disassociated from snapshots after volume transfer.")


MAX_SIZE = 2**31 - 1  # parameter_types.volume_size's maximum (db.MAX_INT)


def size_error(size: Any, field: str = "size") -> BadRequest:
    """Cinder's API schema on a size below 1 or above its maximum
    (``parameter_types.volume_size``; ``field``: ``new_size`` for an extend)."""
    bound = ("less than the minimum of 1" if isinstance(size, bool) or size < 1 else
             f"greater than the maximum of {MAX_SIZE}")
    return BadRequest(f"Invalid input for field/attribute {field}. Value: {size}. {size} is "
                      f"{bound}")


def size_required() -> BadRequest:
    """A create with neither a size nor a source to take one from: Cinder's bare
    HTTPBadRequest (as realstack answers ``{"volume": {"name": "x"}}``)."""
    return BadRequest("The server could not comply with the request since it is either "
                      "malformed or otherwise incorrect.")


RETYPE_REFUSED = (
    "Retype needs volume to be in available or in-use state, not be part of an active "
    "migration or a consistency group, requested type has to be different that the one from "
    "the volume, and for in-use volumes front-end qos specs cannot change.")


# -- quotas -------------------------------------------------------------------------------


def over_quota(resource: str, overs: list[str], limits: dict[str, int],
               consumed: dict[str, int], size: int) -> QuotaExceeded:
    """``process_reserve_over_quota``: the first over quota (sorted, as Cinder's reserve
    reports them) as Cinder words it, with the exception's name first (its fault body)."""
    for over in sorted(overs):
        if "gigabytes" in over and resource == "backups":
            return QuotaExceeded(
                "VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed "
                f"Backup gigabytes quota. Requested {size}G, quota is {limits[over]}G and "
                f"{consumed[over]}G has been consumed.")
        if "gigabytes" in over:
            return QuotaExceeded(
                "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds "
                f"allowed {over} quota. Requested {size}G, quota is {limits[over]}G and "
                f"{consumed[over]}G has been consumed.")
        if resource in over:
            if resource == "backups":
                return QuotaExceeded(
                    f"BackupLimitExceeded: Maximum number of backups allowed "
                    f"({limits[over]}) exceeded")
            if resource == "volumes":
                return QuotaExceeded(
                    f"VolumeLimitExceeded: Maximum number of volumes allowed "
                    f"({limits[over]}) exceeded for quota '{over}'.")
            return QuotaExceeded(
                f"SnapshotLimitExceeded: Maximum number of snapshots allowed "
                f"({limits[over]}) exceeded")
    return QuotaExceeded(f"UnexpectedOverQuota: Unexpected over quota on {', '.join(overs)}.")


def size_over_limit(size: int, limit: int) -> QuotaExceeded:
    return QuotaExceeded(
        f"VolumeSizeExceedsLimit: Requested volume size {size}G is larger than maximum allowed "
        f"limit {limit}G.")


def type_quota(attr: str, volume_type: str = DEFAULT_VOLUME_TYPE) -> str:
    return f"{attr}_{volume_type}"


# -- what an image leaves on a volume -----------------------------------------------------


def volume_image_metadata(image: Image) -> dict[str, str]:
    """``get_volume_image_metadata``, as Cinder stores it (strings): whether the image's
    signature was verified, its custom properties, then its ID, name and Glance attributes."""
    metadata = {"signature_verified": "False"}
    metadata.update({k: str(v) for k, v in image.properties.items() if v is not None})
    metadata["image_id"] = image.id
    if image.name:
        metadata["image_name"] = image.name
    attributes: dict[str, Any] = {
        "checksum": image.checksum, "container_format": image.container_format,
        "disk_format": image.disk_format, "min_disk": image.min_disk,
        "min_ram": image.min_ram, "size": image.size,
    }
    for key in IMAGE_ATTRIBUTES:
        if attributes[key] is not None:
            metadata[key] = str(attributes[key])
    return metadata


def image_too_big(image: Image, size_gb: int) -> BadRequest | None:
    """``check_image_metadata``: the image must be active and fit the volume by its size,
    its min_disk and its virtual size."""
    if image.status != "active":
        return BadRequest(f"Invalid input received: Image {image.id} is not active.")
    size_in_gb = -(-(image.size or 0) // GIB)
    if size_in_gb > size_gb:
        return BadRequest(
            f"Invalid input received: Size of specified image {size_in_gb}GB is larger than "
            f"volume size {size_gb}GB.")
    if size_gb < image.min_disk:
        return BadRequest(
            f"Invalid input received: Volume size {size_gb}GB cannot be smaller than the "
            f"image minDisk size {image.min_disk}GB.")
    virtual_in_gb = -(-(image.virtual_size or 0) // GIB)
    if virtual_in_gb > size_gb:
        return BadRequest(
            f"Image {image.id} is unacceptable: Image virtual size is {virtual_in_gb}GB and "
            f"doesn't fit in a volume of size {size_gb}GB.")
    return None


# -- devices ------------------------------------------------------------------------------


def device_name(requested: str | None, used: set[str]) -> str:
    """The device Nova's libvirt driver gives a new volume: the next free virtio disk (it
    ignores a requested name, as libvirt cannot honour it, unless that one is free)."""
    if requested:
        match = DEVICE_RE.match(requested)
        if match and f"/dev/vd{match.group(2)}" not in used:
            return f"/dev/vd{match.group(2)}"
    for letter in DEVICE_LETTERS:
        candidate = f"/dev/vd{letter}"
        if candidate not in used:
            return candidate
    raise QuotaExceeded("The maximum allowed number of disk devices (26) to attach to a "
                        "single instance has been exceeded.")


def target(device: str) -> str:
    """The libvirt target of a device name: ``/dev/vdb`` -> ``vdb``."""
    return device.removeprefix("/dev/")
