"""Keystone's application credentials: a user's delegated secret, bound to one project and a
subset of the user's roles there."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource


@dataclasses.dataclass(frozen=True, kw_only=True)
class ApplicationCredential(Resource):
    KIND = "application_credential"
    RESOURCE_NAME = "ApplicationCredential"

    user_id: str
    project_id: str
    description: str | None = None
    # Keystone's form, ``2030-01-01T00:00:00.000000`` (UTC, no zone); None: never expires.
    expires_at: str | None = None
    # None when the request said nothing (Keystone keeps and shows the null).
    unrestricted: bool | None = None
    # Keystone's role references (id, name, domain_id, description, options).
    roles: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # None: the credential has none (Keystone then leaves the key out); the create answer
    # echoes what was asked, ``[]`` included.
    access_rules: list[dict[str, Any]] | None = None
    # The roles of the token that asks, when it carries fewer than the user holds on the
    # project (a token from an application credential): Keystone grants no role beyond it.
    within_roles: tuple[str, ...] | None = None
    # Only in the answer to create: the secret is stored hashed, never in clear.
    secret: str | None = None
    created_at: str = ""

    def unique_key(self) -> str | None:
        # Keystone: names are unique per user.
        return f"{self.user_id}/{self.name}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ApplicationCredentialSecret(Resource):
    """A credential's secret, hashed as passwords are (``passwords.py``); its ID is the
    credential's."""

    KIND = "application_credential_secret"
    RESOURCE_NAME = "ApplicationCredentialSecret"

    hash: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ApplicationCredentialSpec:
    """``application credential create``: roles as the real client sends them, each
    ``{"id": ...}`` (UUID-like) or ``{"name": ...}``; ``expires_at`` as given
    (``YYYY-mm-ddTHH:MM:SS``)."""

    name: str
    secret: str | None = None
    roles: list[dict[str, str]] = dataclasses.field(default_factory=list)
    expires_at: str | None = None
    description: str | None = None
    unrestricted: bool | None = None
    access_rules: list[dict[str, Any]] | None = None
    # The roles of the token that asks, when it carries fewer than the user holds on the
    # project (a token from an application credential): Keystone grants no role beyond it.
    within_roles: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccessRule(Resource):
    """An access rule of a user (keystone's ``access_rule`` table): made with the first
    credential that asks for it, shared by the user's credentials that ask for the same
    service, path and method, and kept until deleted (not while a credential uses it)."""

    KIND = "access_rule"
    RESOURCE_NAME = "AccessRule"

    user_id: str
    service: str | None = None
    path: str | None = None
    method: str | None = None
