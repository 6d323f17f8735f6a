"""Image data on disk: streamed uploads, format and safety checks, downloads.

Image bytes live in ``<state dir>/images/<image id>`` (directory 0700, files 0600). An upload
is written to a temporary file in that directory, checked, then renamed into place, so a
reader never sees a partial image and a failed upload leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
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

# Glance disk format -> QEMU's format (``qemu-img -f``/``-F``). ISO and the AMI family are
# raw to QEMU; QEMU calls VHD "vpc" and reads a ploop image with its "parallels" driver.
QEMU_FORMATS: dict[str, str] = {
    "raw": "raw",
    "qcow2": "qcow2",
    "vmdk": "vmdk",
    "vdi": "vdi",
    "vhd": "vpc",
    "vhdx": "vhdx",
    "iso": "raw",
    "ami": "raw",
    "ari": "raw",
    "aki": "raw",
    "ploop": "parallels",
}
# Glance disk formats the format inspector has no inspector for: their data must not look
# like any format it knows (Glance lets them through when it detects nothing, "raw").
UNINSPECTABLE_FORMATS = frozenset({"ami", "ari", "aki", "ploop"})
# Glance computes a virtual size only for the formats its inspector understands.
VIRTUAL_SIZE_FORMATS = frozenset({"raw", "qcow2", "vmdk", "vdi", "vhdx", "vhd", "iso"})
# Nova's [compute] vmdk_allowed_types and Glance's [image_format] vmdk_allowed_types default:
# single-file VMDKs only.
VMDK_ALLOWED_TYPES = frozenset({"monolithicSparse", "streamOptimized"})
_VMDK_TYPES = {name.lower(): name for name in (
    "monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
    "streamOptimized", "vmfs", "vmfsSparse", "vmfsRaw", "vmfsRDM", "fullDevice",
    "partitionedDevice")}
# Read size while inspecting: the inspector needs at most the first MiB of most formats.
INSPECT_CHUNK = 64 * 1024


def qemu_format(disk_format: str) -> str:
    """QEMU's name for a Glance disk format: what ``-f``/``-F`` and libvirt are given.

    Pure; used wherever ostack hands an image to qemu-img or QEMU, so that no format is
    ever probed from the data.
    """
    try:
        return QEMU_FORMATS[disk_format]
    except KeyError:
        raise ImageRefused(
            f"Image not in a supported format: disk_format {printable(str(disk_format))}."
        ) from None


def images_dir(state_dir: Path) -> Path:
    return ensure_private_dir(state_dir / "images")


def image_path(state_dir: Path, image_id: str) -> Path:
    """Where an image's bytes live (the local backend's ``/v2/images/<id>/file``)."""
    return state_dir / "images" / image_id


def staging_dir(state_dir: Path) -> Path:
    """Glance's ``node_staging_uri``: data staged for ``glance-direct`` waits here."""
    return ensure_private_dir(state_dir / "image-staging")


def staged_path(state_dir: Path, image_id: str) -> Path:
    """Where an image's staged data (``PUT /v2/images/<id>/stage``) waits for its import."""
    return state_dir / "image-staging" / image_id


UPLOAD_PREFIX = ".upload-"
STALE_UPLOAD_SECONDS = 24 * 3600
# An import's claim on staged data: ``.import-<image id>.<pid>.<claimed at>`` in the staging
# area, so a later import can tell a live claim (Glance's import lock) from a dead process's.
CLAIM_PREFIX = ".import-"


def claim_path(state_dir: Path, image_id: str, pid: int, claimed_at: int) -> Path:
    return state_dir / "image-staging" / f"{CLAIM_PREFIX}{image_id}.{pid}.{claimed_at}"


def claims(state_dir: Path, image_id: str) -> list[tuple[Path, int, int]]:
    """The claims on an image's staged data: each file with its claimer's PID and time."""
    found = []
    for path in (state_dir / "image-staging").glob(f"{CLAIM_PREFIX}{image_id}.*"):
        try:
            pid, claimed_at = (int(part) for part in path.name.rsplit(".", 2)[1:])
        except ValueError:
            continue
        found.append((path, pid, claimed_at))
    return found


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


def digest(path: Path) -> StagedData:
    """Size and hashes of data already on disk (staged data, before its import)."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha = hashlib.new(HASH_ALGO)
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            md5.update(chunk)
            sha.update(chunk)
            size += len(chunk)
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


@contextlib.contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    # The inspector logs each failed check as a warning, which the CLI's logging would print
    # on stderr next to our one-line error that already says it.
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was


def detect_format(path: Path) -> Any:
    """The format inspector (oslo.utils, Glance's and Nova's) that matches the file's data.

    As Nova's ``get_image_format``: read until every inspector has decided; one match wins,
    none means raw; ISO and GPT together are a bootable ISO; other double matches (a header
    hidden in another) are refused.
    """
    # Imported here: only uploads need it, and oslo.utils must not slow every command.
    from oslo_utils.imageutils import format_inspector as fi

    with _quiet(fi.LOG), path.open("rb") as f:
        wrapper = fi.InspectWrapper(f)
        try:
            while wrapper.read(INSPECT_CHUNK):
                if wrapper.formats:
                    break
        finally:
            wrapper.close()
        matches = wrapper.formats or []
        names = sorted(str(m) for m in matches)
        if names == ["gpt", "iso"]:
            return next(m for m in matches if str(m) == "iso")
        if len(matches) != 1:
            # Glance's (the inspector's) words, in a stable order.
            raise ImageRefused(f"Multiple formats detected: {','.join(names)}")
        return matches[0]


def safety_check(inspector: Any, path: Path) -> None:
    """The inspector's safety checks (backing file, data file, VMDK extents, ...)."""
    from oslo_utils.imageutils import format_inspector as fi

    try:
        with _quiet(fi.LOG):
            inspector.safety_check()
    except fi.SafetyCheckFailed as exc:
        reasons = [_reason(inspector, name, str(failure), path)
                   for name, failure in sorted(exc.failures.items())]
        raise _unsafe("; ".join(reasons)) from None
    except fi.ImageFormatError as exc:
        raise ImageRefused(printable(str(exc))) from None


def _reason(inspector: Any, check: str, failure: str, path: Path) -> str:
    """One failed check, said so that the user knows what is wrong with the file."""
    fmt = str(inspector)
    if (fmt, check) == ("qcow2", "backing_file"):
        return (f"the qcow2 image has a backing file ({printable(_qcow2_backing(path))}); "
                "images must be self-contained")
    if (fmt, check) == ("qcow2", "data_file"):
        return "the qcow2 image keeps its data in an external data file"
    if (fmt, check) == ("vmdk", "descriptor"):
        # The inspector lowercases the descriptor; show the type as VMware spells it.
        create_type = getattr(inspector, "vmdktype", "") or "unknown"
        create_type = _VMDK_TYPES.get(create_type, create_type)
        if failure == "Unsupported subformat":
            return (f"VMDK create-type {printable(create_type)} is not allowed (only "
                    f"{', '.join(sorted(VMDK_ALLOWED_TYPES))})")
        if failure == "Invalid extent filenames found":
            return ("the VMDK descriptor names extents in other files; only single-file "
                    "VMDKs are accepted")
    if check == "banned":
        return f"{fmt} images are not allowed"
    return f"{fmt} check {check}: {printable(failure)}"


def _qcow2_backing(path: Path) -> str:
    """The backing file name a qcow2 header points at (for the message only)."""
    with path.open("rb") as f:
        head = f.read(20)
        if len(head) < 20:
            return "?"
        offset, size = struct.unpack(">QI", head[8:20])
        f.seek(offset)
        name = f.read(min(size, 1023))
    return name.decode(errors="replace") or "?"


def check_detected(detected: str, disk_format: str) -> None:
    """The data's format (the inspector's name) against the declared Glance disk format.

    Stricter than Glance, as Nova is when it boots an image: a raw image must not hold a
    recognised format (a qcow2 declared raw would be read raw by QEMU and its header passed
    to the guest, or, probed, follow its backing file), except GPT, a whole-disk raw image.
    """
    if detected == disk_format:
        return
    if disk_format in UNINSPECTABLE_FORMATS and detected == "raw":
        return
    if disk_format == "raw" and detected == "gpt":
        return
    if detected == "gpt":
        hint = "Give --disk-format raw if it is a whole-disk image."
    elif detected in QEMU_FORMATS:
        hint = f"Give --disk-format {detected} if that is the file's format."
    else:
        hint = f"Convert it first, e.g. 'qemu-img convert -f {detected} -O qcow2 IN OUT'."
    raise ImageRefused(
        f"Image disk_format {disk_format} does not match stream data {detected}.", hint
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


def qemu_img_info(path: Path, fmt: str) -> dict[str, Any]:
    """``qemu-img info -f FMT --output=json`` of one local file (never its backing chain).

    The format is always given: qemu-img never probes untrusted data (CVE-2022-47951).
    """
    argv = [qemu_img(), "info", "-f", fmt, "--output=json", str(path.resolve())]
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
    """qemu-img's view of the data, opened as the declared format: a second line of defence.

    The inspector has already refused all of this; qemu-img knows every format QEMU does.
    """
    fmt = str(info.get("format", ""))
    if fmt != qemu_format(disk_format):
        raise ImageRefused(
            f"qemu-img read the image as {printable(fmt)}, not {qemu_format(disk_format)}."
        )
    if info.get("backing-filename") or info.get("full-backing-filename"):
        raise _unsafe(
            f"the {printable(fmt)} image has a backing file "
            f"({printable(str(info.get('backing-filename')))}); "
            "images must be self-contained"
        )
    specific = info.get("format-specific") or {}
    data = (specific.get("data") or {}) if isinstance(specific, dict) else {}
    if isinstance(data, dict) and data.get("data-file"):
        raise _unsafe(f"the {printable(fmt)} image keeps its data in an external data file")
    if fmt == "vmdk" and isinstance(data, dict):
        create_type = data.get("create-type")
        if create_type not in VMDK_ALLOWED_TYPES:
            raise _unsafe(
                f"VMDK create-type {printable(str(create_type))} is not allowed (only "
                f"{', '.join(sorted(VMDK_ALLOWED_TYPES))})"
            )


def inspect(path: Path, disk_format: str) -> int | None:
    """Check an uploaded file against its declared disk format; return its virtual size.

    Glance's checks with its format inspector (safety first, as Nova orders them, so an
    unsafe file is called unsafe whatever it was declared as), then qemu-img with the
    declared format. Nothing reads the data as a format it was not declared as.
    """
    fmt = qemu_format(disk_format)
    inspector = detect_format(path)
    safety_check(inspector, path)
    detected = str(inspector)
    check_detected(detected, disk_format)
    check_info(qemu_img_info(path, fmt), disk_format)
    if disk_format not in VIRTUAL_SIZE_FORMATS:
        # Glance leaves virtual_size null for what it cannot inspect.
        return None
    # Glance's raw inspector (also for GPT disks declared raw) counts the bytes: the file.
    raw = detected in ("raw", "gpt")
    virtual = path.stat().st_size if raw else int(inspector.virtual_size)
    return virtual or None


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
