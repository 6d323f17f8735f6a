"""Projects and tokens (Keystone)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.identity import Project, Token


class IdentityAPI(Protocol):
    def projects(self) -> list[Project]: ...

    def find_project(self, name_or_id: str) -> Project: ...

    def create_project(
        self,
        name: str,
        *,
        description: str = "",
        enabled: bool = True,
        tags: list[str] | None = None,
        or_show: bool = False,
    ) -> Project: ...

    def update_project(
        self,
        project: Project,
        *,
        name: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        tags: list[str] | None = None,
    ) -> Project: ...

    def delete_project(self, project: Project) -> None: ...

    def issue_token(self) -> Token: ...
