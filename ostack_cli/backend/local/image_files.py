"""Image data on disk: streamed uploads, qemu-img checks, downloads.

Image bytes live in ``<state dir>/images/<image id>`` (directory 0700, files 0600). An upload
is written to a temporary file in that directory, checked, then renamed into place, so a
reader never sees a partial image and a failed upload leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import resource
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ostack_cli.errors import BackendUnavailable, BadRequest, OstackError
from ostack_cli.state.paths import ensure_private_dir

CHUNK = 1024 * 1024
HASH_ALGO = "sha512"  # Glance's default [DEFAULT] hashing_algorithm

# Debian's qemu-utils; looked up at fixed places, never through $PATH.
QEMU_IMG_PATHS: tuple[str, ...] = ("/usr/bin/qemu-img", "/usr/local/bin/qemu-img")
QEMU_IMG_TIMEOUT = 60
# Nova runs ``qemu-img info`` under these limits (CVE-2015-5162: crafted images that make it
# eat memory or CPU).
QEMU_IMG_ADDRESS_SPACE = 1024 * 1024 * 1024
QEMU_IMG_CPU_SECONDS = 30

# Declared Glance disk format -> the qemu-img formats its content may be detected as.
# Formats qemu-img cannot recognise (AMI family, ISO) are raw to it; qemu calls VHD "vpc"
# and ploop "parallels".
ACCEPTED_DETECTIONS: dict[str, frozenset[str]] = {
    "raw": frozenset({"raw"}),
    "qcow2": frozenset({"qcow2"}),
    "vmdk": frozenset({"vmdk"}),
    "vdi": frozenset({"vdi"}),
    "vhdx": frozenset({"vhdx"}),
    "vhd": frozenset({"vpc"}),
    "iso": frozenset({"raw"}),
    "ami": frozenset({"raw"}),
    "ari": frozenset({"raw"}),
    "aki": frozenset({"raw"}),
    "ploop": frozenset({"raw", "parallels"}),
}
# Glance computes a virtual size only for the formats its inspector understands.
VIRTUAL_SIZE_FORMATS = frozenset({"raw", "qcow2", "vmdk", "vdi", "vhdx", "vhd", "iso"})
# Nova's [compute] vmdk_allowed_types default: single-file VMDKs only.
VMDK_ALLOWED_TYPES = frozenset({"monolithicSparse", "streamOptimized"})


def images_dir(state_dir: Path) -> Path:
    return ensure_private_dir(state_dir / "images")


def image_path(state_dir: Path, image_id: str) -> Path:
    """Where an image's bytes live (the local backend's ``/v2/images/<id>/file``)."""
    return state_dir / "images" / image_id


UPLOAD_PREFIX = ".upload-"
STALE_UPLOAD_SECONDS = 24 * 3600


def sweep_stale_uploads(directory: Path, now: float | None = None) -> None:
    """Remove temporary files a killed upload left behind (old enough to be nobody's)."""
    limit = (time.time() if now is None else now) - STALE_UPLOAD_SECONDS
    for path in directory.glob(f"{UPLOAD_PREFIX}*"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()


@dataclasses.dataclass(frozen=True)
class StagedData:
    path: Path
    size: int
    checksum: str  # MD5, Glance's ``checksum``
    hash_value: str  # SHA-512, Glance's ``os_hash_value``


def stage(directory: Path, data: IO[bytes]) -> StagedData:
    """Copy ``data`` into a new private temporary file in ``directory``, hashing as it goes."""
    fd, name = tempfile.mkstemp(dir=directory, prefix=UPLOAD_PREFIX)
    path = Path(name)
    md5 = hashlib.md5(usedforsecurity=False)
    sha = hashlib.new(HASH_ALGO)
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = data.read(CHUNK)
                if not chunk:
                    break
                md5.update(chunk)
                sha.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StagedData(path, size, md5.hexdigest(), sha.hexdigest())


def publish(staged: Path, final: Path) -> None:
    """Rename the checked upload into place (atomic within the directory) and make it stick."""
    os.replace(staged, final)
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# -- format checks -------------------------------------------------------------------------

class ImageRefused(BadRequest):
    """The image data is not what its metadata says, or is unsafe to use."""


def printable(text: str, limit: int = 200) -> str:
    """Untrusted text (names inside an image, qemu-img's messages) made safe for a terminal."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= limit else clean[:limit] + "..."


def _unsafe(reason: str) -> ImageRefused:
    return ImageRefused(f"Image failed safety checks: {reason}.")


def precheck_header(path: Path) -> None:
    """Refuse images that would make qemu-img open other files, before qemu-img sees them.

    A qcow2 data file and a VMDK descriptor's extents are opened as soon as the image is;
    backing files are not (``qemu-img info`` does not follow them), but they are refused
    anyway (CVE-2022-47951, OSSA-2024-001).
    """
    with path.open("rb") as f:
        head = f.read(512)
        backing = b""
        if head[:4] == b"QFI\xfb" and len(head) >= 24:
            backing_offset, backing_size = struct.unpack(">QI", head[8:20])
            if backing_offset:
                f.seek(backing_offset)
                backing = f.read(min(backing_size, 1023)) or b"?"
    if backing:
        raise _unsafe(
            "the qcow2 image has a backing file "
            f"({printable(backing.decode(errors='replace'))}); "
            "images must be self-contained"
        )
    if head[:4] == b"QFI\xfb" and len(head) >= 80:
        version, = struct.unpack(">I", head[4:8])
        incompatible, = struct.unpack(">Q", head[72:80])
        if version >= 3 and incompatible & 0x4:
            raise _unsafe("the qcow2 image keeps its data in an external data file")
    if head.lstrip().startswith(b"# Disk DescriptorFile"):
        raise _unsafe(
            "the image is a VMDK descriptor that refers to other files; only single-file "
            "VMDKs (monolithicSparse, streamOptimized) are accepted"
        )


def qemu_img() -> str:
    for candidate in QEMU_IMG_PATHS:
        if os.access(candidate, os.X_OK):
            return candidate
    raise BackendUnavailable(
        f"qemu-img is needed to check disk images, but it is not installed "
        f"(looked for {', '.join(QEMU_IMG_PATHS)}).",
        "Install the qemu-utils package (apt-get install qemu-utils) or run 'make setup'.",
    )


def _limit_resources() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (QEMU_IMG_ADDRESS_SPACE, QEMU_IMG_ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CPU, (QEMU_IMG_CPU_SECONDS, QEMU_IMG_CPU_SECONDS))


def qemu_img_info(path: Path) -> dict[str, Any]:
    """``qemu-img info --output=json`` of one local file (never its backing chain)."""
    argv = [qemu_img(), "info", "--output=json", str(path.resolve())]
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=QEMU_IMG_TIMEOUT,
            check=False,
            env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
            preexec_fn=_limit_resources,
        )
    except subprocess.TimeoutExpired:
        raise ImageRefused(
            f"qemu-img could not read the image within {QEMU_IMG_TIMEOUT} seconds."
        ) from None
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no error message"])[-1]
        raise ImageRefused(f"qemu-img could not read the image: {printable(detail)}")
    try:
        info = json.loads(proc.stdout)
    except ValueError:
        raise ImageRefused("qemu-img printed something that is not JSON.") from None
    if not isinstance(info, dict):
        raise ImageRefused("qemu-img printed something that is not a JSON object.")
    return info


def check_info(info: dict[str, Any], disk_format: str) -> None:
    """Glance's upload checks, on qemu-img's view of the data."""
    detected = str(info.get("format", ""))
    if info.get("backing-filename") or info.get("full-backing-filename"):
        raise _unsafe(
            f"the {printable(detected)} image has a backing file "
            f"({printable(str(info.get('backing-filename')))}); "
            "images must be self-contained"
        )
    specific = info.get("format-specific") or {}
    data = (specific.get("data") or {}) if isinstance(specific, dict) else {}
    if isinstance(data, dict) and data.get("data-file"):
        raise _unsafe(
            f"the {printable(detected)} image keeps its data in an external data file"
        )
    if detected == "vmdk" and isinstance(data, dict):
        create_type = data.get("create-type")
        if create_type not in VMDK_ALLOWED_TYPES:
            raise _unsafe(
                f"VMDK create-type {printable(str(create_type))} is not allowed (only "
                f"{', '.join(sorted(VMDK_ALLOWED_TYPES))})"
            )
    accepted = ACCEPTED_DETECTIONS.get(disk_format, frozenset())
    if detected not in accepted:
        shown = "vhd" if detected == "vpc" else printable(detected)
        if shown in ACCEPTED_DETECTIONS:
            hint = f"Give --disk-format {shown} if that is the file's format."
        else:
            hint = f"Convert it first, e.g. 'qemu-img convert -f {shown} -O qcow2 IN OUT'."
        raise ImageRefused(
            f"Image disk_format {disk_format} does not match stream data {shown}.", hint
        )


def inspect(path: Path, disk_format: str) -> int | None:
    """Check an uploaded file against its declared disk format; return its virtual size."""
    precheck_header(path)
    info = qemu_img_info(path)
    check_info(info, disk_format)
    virtual = info.get("virtual-size")
    if info.get("format") == "raw":
        # Glance's raw inspector reports the byte count; qemu-img rounds up to a sector.
        virtual = path.stat().st_size
    if disk_format not in VIRTUAL_SIZE_FORMATS or not isinstance(virtual, int) or not virtual:
        # Glance leaves virtual_size null when it cannot (or did not) compute one.
        return None
    return virtual


# -- downloads -----------------------------------------------------------------------------

class CorruptImage(OstackError):
    """The stored bytes no longer match the image's recorded hash."""


def read_chunks(path: Path, chunk_size: int, expected_sha: str | None) -> Iterator[bytes]:
    """The file's bytes; after the last chunk, fail if they do not hash to ``expected_sha``."""
    sha = hashlib.new(HASH_ALGO)
    with path.open("rb") as f:
        while True:
            chunk = f.read(chunk_size)
            if not chunk:
                break
            sha.update(chunk)
            yield chunk
    if expected_sha and sha.hexdigest() != expected_sha:
        raise CorruptImage(
            f"checksum mismatch ({HASH_ALGO}): {expected_sha} != {sha.hexdigest()}",
            f"The stored copy {path} is damaged; delete the image and upload it again.",
        )
