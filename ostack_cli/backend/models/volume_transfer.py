"""Cinder's volume transfers (os-volume-transfer, volume-transfers) and its services
(os-services)."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models import Resource

# The volume's status while a transfer of it exists (cinder/db/api.py transfer_create).
AWAITING_TRANSFER = "awaiting-transfer"


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolumeTransfer(Resource):
    """A volume offered to another project. Cinder keeps the auth key only as an HMAC of it
    under a salt (``salt``, ``crypt_hash``); ``auth_key`` is set in the create's answer
    only, never stored."""

    KIND = "volume_transfer"
    RESOURCE_NAME = "Transfer"

    name: str | None = None  # type: ignore[assignment]  # Cinder's is null when not given
    volume_id: str = ""
    no_snapshots: bool = False
    source_project_id: str | None = None
    destination_project_id: str | None = None
    accepted: bool = False
    created_at: str = ""
    salt: str = ""
    crypt_hash: str = ""
    auth_key: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class VolumeService:
    """One Cinder service on one host, as ``GET /os-services`` shows it."""

    binary: str
    host: str
    zone: str
    status: str  # enabled | disabled
    state: str  # up | down
    updated_at: str | None
    cluster: str | None = None
    backend_state: str | None = None  # cinder-volume only (3.49+)
    disabled_reason: str | None = None
    replication_status: str | None = None  # cinder-volume only
    frozen: bool | None = None  # cinder-volume only
    active_backend_id: str | None = None  # cinder-volume only
