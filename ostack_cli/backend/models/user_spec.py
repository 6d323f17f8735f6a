"""What ``user create`` and ``user set`` ask of Keystone."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models.identity import DEFAULT_DOMAIN_ID


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserSpec:
    name: str
    domain_id: str = DEFAULT_DOMAIN_ID
    default_project_id: str | None = None
    password: str | None = None
    email: str | None = None
    description: str | None = None
    is_enabled: bool = True
    options: dict[str, object] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserChanges:
    """``user set``: None leaves a field as it is."""

    name: str | None = None
    default_project_id: str | None = None
    password: str | None = None
    email: str | None = None
    description: str | None = None
    is_enabled: bool | None = None
    options: dict[str, object] | None = None  # merged into the user's options
