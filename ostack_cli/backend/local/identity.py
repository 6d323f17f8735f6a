"""Projects and tokens of the local store (Keystone's shape, no passwords)."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.identity import Project, Token
from ostack_cli.errors import BadRequest, Conflict, Forbidden
from ostack_cli.state.store import UniqueViolation

DEFAULT_PROJECTS = (("admin", "Bootstrap project for initializing the cloud."), ("demo", ""))


def default_projects() -> list[Project]:
    now = utcnow()
    return [
        Project(id=new_id().replace("-", ""), name=name, description=text, created_at=now)
        for name, text in DEFAULT_PROJECTS
    ]


class Identity:
    """Keystone's projects and tokens."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    def find_all_projects(self) -> list[Project]:
        return sorted(self.store.list(Project), key=lambda p: p.id)

    def find_project(self, name_or_id: str) -> Project:
        return self.context.find(Project, name_or_id)

    def create_project(
        self,
        name: str,
        *,
        description: str = "",
        enabled: bool = True,
        tags: list[str] | None = None,
        or_show: bool = False,
    ) -> Project:
        _check_name(name)
        project = Project(
            id=new_id().replace("-", ""),
            name=name,
            description=description,
            is_enabled=enabled,
            tags=list(tags or []),
            created_at=utcnow(),
        )
        with self.store.transaction():
            try:
                self.store.insert(project)
            except UniqueViolation as exc:
                if or_show:
                    existing = self.store.get(Project, exc.existing_id)
                    if existing is not None:
                        return existing
                raise _duplicate_project(name) from None
        return project

    def update_project(
        self,
        project: Project,
        *,
        name: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        tags: list[str] | None = None,
    ) -> Project:
        if name is not None:
            _check_name(name)
        with self.store.transaction():
            current = self.store.get(Project, project.id) or project
            updated = current.replace(
                name=current.name if name is None else name,
                description=current.description if description is None else description,
                is_enabled=current.is_enabled if enabled is None else enabled,
                tags=current.tags if tags is None else list(tags),
            )
            try:
                self.store.update(updated)
            except UniqueViolation:
                raise _duplicate_project(updated.name) from None
        return updated

    def delete_project(self, project: Project) -> None:
        if project.id == self.context.project_id:
            raise Forbidden(
                f"Cannot delete project {project.name} while using it; "
                "choose another with --os-project-name."
            )
        with self.store.transaction():
            owned = self.store.conn.execute(
                "SELECT kind, COUNT(*) FROM resources WHERE project_id = ? GROUP BY kind",
                (project.id,),
            ).fetchall()
            if owned:
                kinds = ", ".join(f"{n} {kind}(s)" for kind, n in owned)
                raise Conflict(
                    f"Project {project.name} still owns resources ({kinds}); delete them first."
                )
            self.store.delete(Project, project.id)

    def issue_token(self) -> Token:
        expires = datetime.now(UTC) + timedelta(hours=1)
        # A local token authorises nothing; it is unique and says who and what it is for.
        token_id = "gAAAA" + hashlib.sha256(os.urandom(32)).hexdigest()
        return Token(
            id=token_id,
            expires=expires.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            project_id=self.context.project_id,
            user_id=self.context.user_id,
        )


def _duplicate_project(name: str) -> Conflict:
    return Conflict(
        "Conflict occurred attempting to store project - Duplicate entry found with name "
        f"{name} at domain ID default."
    )


def _check_name(name: str) -> None:
    if not name.strip() or len(name) > 64:
        raise BadRequest(
            f"Invalid input for field 'name': '{name[:70]}' must be 1 to 64 characters."
        )

