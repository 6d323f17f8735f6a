"""Keystone projects, users and tokens, as the local backend keeps them."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models import Resource

DEFAULT_DOMAIN_ID = "default"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Project(Resource):
    KIND = "project"
    RESOURCE_NAME = "Project"

    description: str = ""
    domain_id: str = DEFAULT_DOMAIN_ID
    parent_id: str = DEFAULT_DOMAIN_ID
    is_enabled: bool = True
    is_domain: bool = False
    tags: list[str] = dataclasses.field(default_factory=list)
    options: dict[str, object] = dataclasses.field(default_factory=dict)
    created_at: str = ""

    def unique_key(self) -> str | None:
        # Keystone: project names are unique within a domain.
        return f"{self.domain_id}/{self.name}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Token:
    id: str
    expires: str
    project_id: str
    user_id: str
