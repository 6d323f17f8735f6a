"""Keystone's tokens: one as ``token issue`` shows it, the digests of those issued, and
revocation events."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models import Resource


@dataclasses.dataclass(frozen=True, kw_only=True)
class Token:
    id: str
    expires: str
    project_id: str
    user_id: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class IssuedToken(Resource):
    """A token ``token issue`` gave out, by the SHA-256 of its text (the text is never
    kept): what ``token revoke`` finds and revokes."""

    KIND = "token"
    RESOURCE_NAME = "Token"

    user_id: str
    scope_project_id: str
    expires_at: str
    revoked: bool = False
    created_at: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RevocationEvent(Resource):
    """Keystone's revocation event: Fernet tokens are never stored, so revoking one is a
    record that matches it. By ``audit_id`` (one token: ``DELETE /v3/auth/tokens``) or by
    ``user_id`` with ``issued_before`` (every token the user holds: a new password, the user
    disabled or deleted). Times are POSIX seconds with microseconds."""

    KIND = "revocation_event"
    RESOURCE_NAME = "RevocationEvent"

    user_id: str | None = None
    audit_id: str | None = None
    issued_before: float = 0.0
    created_at: str = ""
