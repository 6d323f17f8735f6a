"""Nova keypairs: a named public key that belongs to a user, not to a project."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from ostack_cli.backend.models import Resource

KEYPAIR_TYPE_SSH = "ssh"
KEYPAIR_TYPE_X509 = "x509"
KEYPAIR_TYPES = (KEYPAIR_TYPE_SSH, KEYPAIR_TYPE_X509)


def keypair_timestamp() -> str:
    """Nova's keypair ``created_at`` form: ``2014-05-07T12:06:13.681238`` (no zone)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Keypair(Resource):
    """``id`` is the store's key only; the API (and the real client) identify a keypair by
    its name within its user. The private key is never kept."""

    KIND = "keypair"
    RESOURCE_NAME = "Keypair"

    user_id: str
    public_key: str
    fingerprint: str
    type: str = KEYPAIR_TYPE_SSH
    created_at: str = ""

    def unique_key(self) -> str | None:
        # Nova: a name is unique per user (unique constraint on user_id + name); the store's
        # unique index makes two racing creates end in one keypair and one 409.
        return f"{self.user_id}/{self.name}"
