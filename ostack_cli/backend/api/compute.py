"""Flavors (Nova)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from ostack_cli.backend.models.flavor import Flavor, FlavorSpec
from ostack_cli.backend.models.usage import ProjectUsage


class FlavorAPI(Protocol):
    def flavors(
        self,
        *,
        is_public: bool | None = True,
        min_disk: int | None = None,
        min_ram: int | None = None,
    ) -> list[Flavor]:
        """``is_public``: True public only, False private only, None all (``--all``)."""
        ...

    def find_flavor(self, name_or_id: str) -> Flavor: ...

    def create_flavor(self, spec: FlavorSpec) -> Flavor: ...

    def delete_flavor(self, flavor: Flavor) -> None: ...

    def update_flavor(
        self,
        flavor: Flavor,
        *,
        set_specs: dict[str, str] | None = None,
        unset_specs: list[str] | None = None,
        description: str | None = None,
        add_projects: list[str] | None = None,
        remove_projects: list[str] | None = None,
        **_: Any,
    ) -> Flavor: ...


class UsageAPI(Protocol):
    """Nova's simple tenant usage (``usage list/show``): ``start``/``end`` naive UTC."""

    def project_usages(self, start: datetime, end: datetime) -> list[ProjectUsage]:
        """Every project's usage, one row a project as Nova pages them (admin)."""
        ...

    def project_usage(self, project_id: str, start: datetime, end: datetime) -> ProjectUsage:
        """One project's usage, its servers detailed; all None when it had none."""
        ...
