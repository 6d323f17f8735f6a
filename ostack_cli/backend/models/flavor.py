"""Nova flavors."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource


@dataclasses.dataclass(frozen=True, kw_only=True)
class Flavor(Resource):
    KIND = "flavor"
    RESOURCE_NAME = "Flavor"

    ram: int = 256
    disk: int = 0
    ephemeral: int = 0
    swap: int = 0
    vcpus: int = 1
    rxtx_factor: float = 1.0
    is_public: bool = True
    is_disabled: bool = False
    description: str | None = None
    extra_specs: dict[str, str] = dataclasses.field(default_factory=dict)
    access_project_ids: list[str] = dataclasses.field(default_factory=list)
    created_at: str = ""

    def unique_key(self) -> str | None:
        # Nova refuses a second flavor with the same name (409).
        return self.name


@dataclasses.dataclass(frozen=True, kw_only=True)
class FlavorSpec:
    """What ``flavor create`` asks for."""

    name: str
    id: str | None = None
    ram: int = 256
    disk: int = 0
    ephemeral: int = 0
    swap: int = 0
    vcpus: int = 1
    rxtx_factor: float = 1.0
    is_public: bool = True
    description: str | None = None
    extra_specs: dict[str, str] = dataclasses.field(default_factory=dict)
    project_ids: list[str] = dataclasses.field(default_factory=list)


def flavor_changes(**changes: Any) -> dict[str, Any]:
    """Drop the options a user did not give (None) from a ``flavor set`` request."""
    return {k: v for k, v in changes.items() if v is not None}
