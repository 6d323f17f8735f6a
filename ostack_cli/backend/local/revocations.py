"""Keystone's token revocation events, on the store: plain functions, for the identity
services (a user's new password, disabling or deleting it) and the API's token checks.

An event is named for what it matches (``user:<id>`` or ``audit:<id>``), so a check is an
indexed lookup per name. Events older than a token's lifetime match nothing that still
validates; they are pruned whenever one is added.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.identity import RevocationEvent
from ostack_cli.state.store import Store

# Keystone's default token lifetime ([token] expiration = 3600), and a margin for clocks.
TOKEN_LIFETIME_SECONDS = 3600
_KEEP_SECONDS = TOKEN_LIFETIME_SECONDS + 300


def revoke_user_tokens(store: Store, user_id: str) -> None:
    """Every token the user was issued until now. Call inside a transaction."""
    _add(store, RevocationEvent(id=uuid.uuid4().hex, name=f"user:{user_id}", user_id=user_id,
                                issued_before=time.time(), created_at=utcnow()))


def revoke_audit_id(store: Store, audit_id: str) -> None:
    """One token, by its audit ID. Call inside a transaction."""
    _add(store, RevocationEvent(id=uuid.uuid4().hex, name=f"audit:{audit_id}",
                                audit_id=audit_id, issued_before=time.time(),
                                created_at=utcnow()))


def is_revoked(store: Store, *, user_id: str, audit_ids: Iterable[str],
               issued_at: float) -> bool:
    """Whether an event matches a token issued at ``issued_at`` (POSIX seconds)."""
    for event in store.list(RevocationEvent, name=f"user:{user_id}"):
        if issued_at < event.issued_before:
            return True
    return any(store.list(RevocationEvent, name=f"audit:{audit_id}") for audit_id in audit_ids)


def _add(store: Store, event: RevocationEvent) -> None:
    with store.transaction():
        store.insert(event)
        horizon = time.time() - _KEEP_SECONDS
        for old in store.list(RevocationEvent):
            if old.issued_before < horizon:
                store.delete(RevocationEvent, old.id)
