"""The config drive: Nova's ``ec2/`` and ``openstack/<version>/`` files and the ``config-2`` ISO.

The files are ``ostack_cli.metadata.content.config_drive_files``, what the metadata service
serves too (one source for both): Nova's ``metadata_for_config_drive``, in Nova's JSON shape
and key order, so cloud-init, glean and cloudbase-init read it as on a real cloud. Not written:
``admin_pass`` (no password injection). ``build_config_drive`` is pure (the random seed is
injectable); ``write_iso`` is the one function that touches the filesystem.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from ostack_cli.metadata.content import (
    LATEST,
    RANDOM_SEED_BYTES,
    VERSIONS,
    InstanceMetadata,
    NetworkLinkSpec,
    check_hostname,
    config_drive_files,
    link_id,
    network_metadata,
)
from ostack_cli.metadata.content import (
    random_seed as _random_seed,
)

VOLUME_ID = "config-2"
# What the drive is made from: the instance's metadata.
ConfigDriveSpec = InstanceMetadata

__all__ = [
    "LATEST", "RANDOM_SEED_BYTES", "VERSIONS", "VOLUME_ID", "ConfigDriveSpec", "NetworkLinkSpec",
    "build_config_drive", "check_hostname", "link_id", "network_metadata", "sanitize_hostname",
    "write_iso",
]


def sanitize_hostname(name: str, default: str | None = None) -> str:
    """A hostname from a display name, by Nova's rules (``nova.utils.sanitize_hostname``).

    Spaces, ``_`` and ``.`` become ``-``, other characters outside ``[a-z0-9-]`` are dropped,
    the result is lowercased, stripped of ``-``/``.`` at both ends and cut to 63 characters
    (dnsmasq's limit). One deliberate difference: Nova keeps Latin-1 letters (``café``), which
    no resolver or dnsmasq accepts; here accents are folded (``cafe``) and other non-ASCII
    dropped. An empty result gives ``default`` (Nova passes ``Server-<uuid>``), or "".
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    hostname = re.sub(r"[ _.]", "-", ascii_name).lower()
    hostname = re.sub(r"[^a-z0-9-]+", "", hostname).strip("-")
    hostname = hostname[:63].rstrip("-")
    if not hostname and default is not None:
        return default[:63]
    return hostname


def build_config_drive(
    spec: InstanceMetadata, *, random_seed: bytes | None = None
) -> dict[str, bytes]:
    """``{path: content}`` of the drive (``content.config_drive_files``); a fresh random seed
    unless one is given."""
    return config_drive_files(spec, _random_seed() if random_seed is None else random_seed)


def write_iso(files: Mapping[str, bytes], path: str | os.PathLike[str]) -> None:
    """Write ``files`` as an ISO 9660 image labelled ``config-2``, atomically.

    ISO 9660:1999 (level 4) names plus Rock Ridge (Linux) and Joliet (Windows) keep names
    such as ``vendor_data2.json`` and ``2012-08-10`` intact, as genisoimage's ``-r -J -l``
    does for Nova. The image goes to a temporary file next to ``path`` that is renamed into
    place, so a reader never sees half an image. The file is created 0600 (it may hold
    user data); libvirt's dynamic ownership hands it to QEMU when the domain starts.
    """
    import pycdlib  # only the driver needs it; keep CLI start-up light

    entries = {_check_iso_path(name): data for name, data in files.items()}
    directories = sorted(
        {
            "/".join(parts[:i])
            for parts in (name.split("/") for name in entries)
            for i in range(1, len(parts))
        }
    )
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=4, joliet=3, rock_ridge="1.09", vol_ident=VOLUME_ID)
    for directory in directories:
        iso.add_directory(
            "/" + directory, rr_name=directory.rsplit("/", 1)[-1], joliet_path="/" + directory
        )
    for name in sorted(entries):
        data = entries[name]
        iso.add_fp(
            io.BytesIO(data),
            len(data),
            "/" + name,
            rr_name=name.rsplit("/", 1)[-1],
            joliet_path="/" + name,
        )
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            iso.write_fp(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    finally:
        iso.close()


def _check_iso_path(name: str) -> str:
    parts = name.split("/")
    if any(part in ("", ".", "..") or len(part) > 64 for part in parts):
        # 64 is Joliet's limit for one name.
        raise ValueError(f"invalid config drive path {name!r}")
    return name
