"""Keystone's domains: the local backend has one, ``Default``."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models.identity import DEFAULT_DOMAIN_ID


@dataclasses.dataclass(frozen=True, kw_only=True)
class Domain:
    RESOURCE_NAME = "Domain"

    id: str
    name: str
    description: str | None = None
    is_enabled: bool = True
    options: dict[str, object] = dataclasses.field(default_factory=dict)


# Keystone's bootstrap makes this one domain; the local backend has no other.
DEFAULT_DOMAIN = Domain(
    id=DEFAULT_DOMAIN_ID, name="Default", description="The default domain", is_enabled=True
)
