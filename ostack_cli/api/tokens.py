"""Keystone's Fernet tokens: what a token carries, sealed with the key repository.

A token is a Fernet token (``gAAAAA...``, padding stripped as Keystone strips it) over a
compact JSON payload: the user, the project (none for an unscoped token), the methods, the
issue and expiry times (seconds with microseconds, so that a revocation made in the same
second as a new token's issue still tells them apart) and the audit IDs (the token's own,
then its parent's when it was obtained with another token). Nothing about a token is
stored; revocation is by events (``backend/local/revocations.py``).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import time
import uuid
from typing import Any

from ostack_cli.api.fernet_keys import KeyRepository
from ostack_cli.backend.local.revocations import TOKEN_LIFETIME_SECONDS

PAYLOAD_VERSION = 1
# Keystone's methods, as they are named in the token body.
METHODS = ("password", "token", "application_credential")


class TokenUnreadable(Exception):
    """Not a token these keys sealed (Keystone: "Could not recognize Fernet token")."""


@dataclasses.dataclass(frozen=True)
class TokenData:
    user_id: str
    project_id: str | None
    methods: tuple[str, ...]
    issued_at: float
    expires_at: float
    audit_ids: tuple[str, ...]
    # A domain-scoped token's domain (its project_id is then None).
    domain_id: str | None = None
    # The application credential the token was obtained with (Keystone's app_cred_id).
    application_credential_id: str | None = None
    # The trust a trust-scoped token was obtained through (its user_id is the trustee's).
    trust_id: str | None = None

    @property
    def audit_id(self) -> str:
        return self.audit_ids[0]

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires_at


def new_audit_id() -> str:
    """Keystone's: 16 random bytes, URL-safe base64 without padding (22 characters)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def new_token_data(user_id: str, project_id: str | None, methods: tuple[str, ...], *,
                   parent: TokenData | None = None, now: float | None = None,
                   lifetime: int = TOKEN_LIFETIME_SECONDS,
                   domain_id: str | None = None) -> TokenData:
    """A new token's contents; one obtained with another token keeps that token's expiry
    and names it in its audit chain, as Keystone's token method does."""
    issued = time.time() if now is None else now
    expires = parent.expires_at if parent is not None else issued + lifetime
    chain = (new_audit_id(), parent.audit_id) if parent is not None else (new_audit_id(),)
    return TokenData(user_id=user_id, project_id=project_id, methods=methods,
                     issued_at=issued, expires_at=expires, audit_ids=chain,
                     domain_id=domain_id)


class TokenFormatter:
    def __init__(self, keys: KeyRepository) -> None:
        self.keys = keys

    def pack(self, data: TokenData) -> str:
        payload: list[Any] = [PAYLOAD_VERSION, data.user_id, data.project_id,
                              list(data.methods), round(data.issued_at, 6),
                              round(data.expires_at, 6), list(data.audit_ids)]
        if data.domain_id is not None:
            # Appended only when set: tokens sealed before domain scope still read.
            payload.append(data.domain_id)
        if data.application_credential_id is not None:
            # Ninth, after the domain's place (empty for a project-scoped token).
            if data.domain_id is None:
                payload.append(None)
            payload.append(data.application_credential_id)
        if data.trust_id is not None:
            # Tenth, after the domain's and the credential's places.
            payload.extend([None] * (9 - len(payload)))
            payload.append(data.trust_id)
        sealed = self.keys.fernet().encrypt_at_time(
            json.dumps(payload, separators=(",", ":")).encode(), int(data.issued_at))
        return sealed.decode("ascii").rstrip("=")

    def unpack(self, token: str) -> TokenData:
        from cryptography.fernet import InvalidToken

        try:
            padded = token + "=" * (-len(token) % 4)
            raw = self.keys.fernet().decrypt(padded.encode("ascii"))
            version, user_id, project_id, methods, issued, expires, audits, *rest = \
                json.loads(raw)
            domain_id = rest[0] if rest else None
            credential_id = rest[1] if len(rest) > 1 else None
            trust_id = rest[2] if len(rest) > 2 else None
        except (InvalidToken, UnicodeError, ValueError, TypeError) as exc:
            raise TokenUnreadable(token) from exc
        if (version != PAYLOAD_VERSION or not isinstance(user_id, str) or not audits
                or not isinstance(domain_id, str | None)
                or not isinstance(credential_id, str | None)
                or not isinstance(trust_id, str | None)):
            raise TokenUnreadable(token)
        return TokenData(user_id=user_id, project_id=project_id, methods=tuple(methods),
                         issued_at=float(issued), expires_at=float(expires),
                         audit_ids=tuple(audits), domain_id=domain_id,
                         application_credential_id=credential_id, trust_id=trust_id)
