"""Keystone's trusts (OS-TRUST): a trustor delegates some of its roles on one project to a
trustee, who may then obtain tokens scoped to the trust."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource


@dataclasses.dataclass(frozen=True, kw_only=True)
class Trust(Resource):
    KIND = "trust"
    RESOURCE_NAME = "Trust"

    trustor_user_id: str
    trustee_user_id: str
    project_id: str | None = None
    impersonation: bool = False
    # As Keystone's API writes it, ``2030-01-01T00:00:00.000000Z``; None: never expires.
    expires_at: str | None = None
    # None: no limit; each token issued through the trust takes one.
    remaining_uses: int | None = None
    redelegated_trust_id: str | None = None
    redelegation_count: int = 0
    # The delegated roles' IDs, as Keystone stores them (names are read back at show time).
    role_ids: list[str] = dataclasses.field(default_factory=list)
    # Keystone's role references (id, name, domain_id, description, options), filled in
    # when the trust is read for show; None in lists, which Keystone gives without roles.
    roles: list[dict[str, Any]] | None = None
    created_at: str = ""
    # Keystone deletes a trust softly: the row stays, and still takes part in uniqueness.
    deleted_at: str | None = None

    def unique_key(self) -> str | None:
        # keystone's duplicate_trust_constraint; MySQL lets NULL expiries repeat.
        if self.expires_at is None:
            return None
        return "/".join((self.trustor_user_id, self.trustee_user_id, str(self.project_id),
                         str(self.impersonation), self.expires_at))

    @property
    def owner_id(self) -> str | None:
        # The project is what the trust delegates, not its owner: a project with trusts
        # is deleted with them, as Keystone deletes them.
        return None


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrustSpec:
    """``trust create``: users, project and roles by ID (``{"id": ...}``) or by name
    (``{"name": ...}``), as the API takes them; ``expires_at`` as given."""

    trustor_user_id: str
    trustee_user_id: str
    project_id: str | None = None
    roles: list[dict[str, str]] = dataclasses.field(default_factory=list)
    impersonation: bool = False
    expires_at: str | None = None
    remaining_uses: int | None = None
    # The trust of the token that asks, when it is trust-scoped: a redelegation.
    redelegated_trust_id: str | None = None
