"""Keystone's projects, domains and tokens on the local store.

Reading is as Keystone's default policy allows it: an admin (the admin role on the acting
project) reads and changes everything; a member reads the acting project (by ID), its own
project list and the Default domain (by ID), and is refused the rest with Keystone's 403.
Users and roles are in ``users.py`` and ``roles.py``; who acts is ``authn.py``'s business.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.grants import drop_grants, user_project_ids
from ostack_cli.backend.local.keystone_input import (
    PROJECT_NAME_MAX,
    check_name,
    check_type,
    keystone_boolean,
    required_name,
)
from ostack_cli.backend.local.policy import keystone_forbidden, require_keystone_admin
from ostack_cli.backend.local.trusts import drop_trusts
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.identity import (
    DEFAULT_DOMAIN,
    Domain,
    IssuedToken,
    Project,
    Token,
    User,
)
from ostack_cli.errors import BadRequest, Conflict, Forbidden, NotFound, not_found
from ostack_cli.state.store import UniqueViolation

DEFAULT_PROJECTS = (("admin", "Bootstrap project for initializing the cloud."), ("demo", ""))
TOKEN_PREFIX = "gAAAA"  # what Fernet tokens start with
TOKEN_LIFETIME = timedelta(hours=1)
# Attributes of a project that ``--property`` may also name, and what Keystone makes of them.
_IGNORED_PROPERTIES = frozenset({"id"})


def default_projects() -> list[Project]:
    now = utcnow()
    return [
        Project(id=new_id().replace("-", ""), name=name, description=text, created_at=now)
        for name, text in DEFAULT_PROJECTS
    ]


class Identity:
    """Keystone's projects, domains and tokens."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- projects -----------------------------------------------------------------------

    def find_all_projects(
        self, *, domain_id: str | None = None, enabled: bool | None = None
    ) -> list[Project]:
        filtered = domain_id is not None or enabled is not None
        if not self.context.is_admin:
            if filtered:
                raise keystone_forbidden("identity:list_projects")
            # A member may not list projects; the real client then lists the user's own.
            return self.user_projects(self.context.user_id)
        return sorted(
            (p for p in self.store.list(Project)
             if (domain_id is None or p.domain_id == domain_id)
             and (enabled is None or p.is_enabled == enabled)),
            key=lambda p: p.id,
        )

    def user_projects(self, user_id: str) -> list[Project]:
        """``GET /v3/users/{id}/projects``: where the user has a role."""
        if not self.context.is_admin and user_id != self.context.user_id:
            raise keystone_forbidden("identity:list_user_projects")
        if self.store.get(User, user_id) is None:
            raise NotFound(f"Could not find user: {user_id}.")
        ids = user_project_ids(self.store, user_id)
        return sorted((p for p in self.store.list(Project) if p.id in ids), key=lambda p: p.id)

    def find_project(self, name_or_id: str, *, domain_id: str | None = None) -> Project:
        """openstacksdk's find: a member reads the acting project by ID; looking a project
        up by name lists projects, which is for admins."""
        if not self.context.is_admin:
            if name_or_id == self.context.project_id:
                found = self.store.get(Project, name_or_id)
                if found is not None:
                    return found
            raise keystone_forbidden("identity:list_projects")
        if domain_id is None:
            return self.context.find(Project, name_or_id)
        return self.context.find(Project, name_or_id,
                                 visible=lambda p: p.domain_id == domain_id)

    def create_project(
        self,
        name: str,
        *,
        description: str = "",
        enabled: bool = True,
        tags: list[str] | None = None,
        or_show: bool = False,
        properties: dict[str, Any] | None = None,
    ) -> Project:
        require_keystone_admin(self.context, "identity:create_project")
        values = _project_values(properties or {}, name=name, description=description,
                                 enabled=enabled)
        if not values["name"]:
            sent = {k: v for k, v in (("description", description or None),
                                      ("enabled", enabled)) if v is not None}
            raise required_name("project", sent)
        check_name(values["name"], PROJECT_NAME_MAX)
        project = Project(
            id=new_id().replace("-", ""),
            name=values["name"],
            description=values["description"],
            is_enabled=values["enabled"],
            tags=list(tags or []),
            created_at=utcnow(),
            extra=values["extra"],
        )
        with self.store.transaction():
            try:
                self.store.insert(project)
            except UniqueViolation as exc:
                if or_show:
                    existing = self.store.get(Project, exc.existing_id)
                    if existing is not None:
                        return existing
                raise _duplicate_project(project.name) from None
        return project

    def update_project(
        self,
        project: Project,
        *,
        name: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        tags: list[str] | None = None,
        properties: dict[str, Any] | None = None,
    ) -> Project:
        require_keystone_admin(self.context, "identity:update_project")
        with self.store.transaction():
            current = self.store.get(Project, project.id)
            if current is None:
                raise NotFound(f"Could not find project: {project.id}.")
            values = _project_values(
                properties or {},
                name=current.name if name is None else name,
                description=current.description if description is None else description,
                enabled=current.is_enabled if enabled is None else enabled,
            )
            check_name(values["name"], PROJECT_NAME_MAX)
            updated = current.replace(
                name=values["name"],
                description=values["description"],
                is_enabled=values["enabled"],
                tags=current.tags if tags is None else list(tags),
                extra={**current.extra, **values["extra"]},
            )
            try:
                self.store.update(updated)
            except UniqueViolation:
                raise _duplicate_project(updated.name) from None
        return updated

    def delete_project(self, project: Project) -> None:
        require_keystone_admin(self.context, "identity:delete_project")
        if project.id == self.context.project_id:
            raise Forbidden(
                f"Cannot delete project {project.name} while using it; "
                "choose another with --os-project-name."
            )
        with self.store.transaction():
            if self.store.get(Project, project.id) is None:
                raise NotFound(f"Could not find project: {project.id}.")
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
            # Keystone deletes the project's role assignments and trusts with it.
            drop_grants(self.store, project_id=project.id)
            drop_trusts(self.store, project_id=project.id)

    # -- domains ------------------------------------------------------------------------

    def find_all_domains(
        self, *, name: str | None = None, enabled: bool | None = None
    ) -> list[Domain]:
        require_keystone_admin(self.context, "identity:list_domains")
        domain = DEFAULT_DOMAIN
        if (name is not None and domain.name != name) or (
            enabled is not None and domain.is_enabled != enabled
        ):
            return []
        return [domain]

    def find_domain(self, name_or_id: str) -> Domain:
        """By ID anyone may read the acting project's domain; by name, domains are listed
        (admin only)."""
        if name_or_id == DEFAULT_DOMAIN.id:
            return DEFAULT_DOMAIN
        require_keystone_admin(self.context, "identity:list_domains")
        if name_or_id == DEFAULT_DOMAIN.name:
            return DEFAULT_DOMAIN
        raise not_found(Domain.RESOURCE_NAME, name_or_id)

    # -- tokens -------------------------------------------------------------------------

    def issue_token(self) -> Token:
        now = datetime.now(UTC)
        expires = now + TOKEN_LIFETIME
        # A local token authorises nothing; it is unique, says who and what it is for, and
        # can be revoked. Only its digest is kept.
        token_id = TOKEN_PREFIX + hashlib.sha256(os.urandom(32)).hexdigest()
        record = IssuedToken(
            id=_digest(token_id),
            user_id=self.context.user_id,
            scope_project_id=self.context.project_id,
            expires_at=expires.isoformat(),
            created_at=utcnow(),
        )
        with self.store.transaction():
            for old in self.store.list(IssuedToken):
                if datetime.fromisoformat(old.expires_at) <= now:
                    self.store.delete(IssuedToken, old.id)
            self.store.insert(record)
        return Token(
            id=token_id,
            expires=expires.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            project_id=self.context.project_id,
            user_id=self.context.user_id,
        )

    def revoke_token(self, token: str) -> None:
        """Keystone's DELETE /v3/auth/tokens, with keystoneclient's wording of its errors."""
        with self.store.transaction():
            record = self.store.get(IssuedToken, _digest(token))
            if record is None:
                raise _keystoneclient_error(NotFound, "Could not recognize Fernet token", 404)
            expired = datetime.fromisoformat(record.expires_at) <= datetime.now(UTC)
            if record.revoked or expired:
                raise _keystoneclient_error(NotFound, "Failed to validate token", 404)
            if not self.context.is_admin and record.user_id != self.context.user_id:
                raise _keystoneclient_error(
                    Forbidden,
                    "You are not authorized to perform the requested action: "
                    "identity:revoke_token.",
                    403,
                )
            self.store.update(record.replace(revoked=True))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def _keystoneclient_error(
    kind: type[NotFound] | type[Forbidden], message: str, status: int
) -> NotFound | Forbidden:
    """keystoneclient's line for an HTTP error (``token revoke`` goes through it)."""
    return kind(f"{message} (HTTP {status}) (Request-ID: req-{uuid.uuid4()})")


def _project_values(
    properties: dict[str, Any], *, name: str, description: str, enabled: bool
) -> dict[str, Any]:
    """``--property key=value`` as Keystone takes it: the options override, its own
    attributes are checked by its schema, and the rest is kept as extra attributes."""
    values: dict[str, Any] = {"name": name, "description": description, "enabled": enabled}
    extra: dict[str, Any] = {}
    for key, value in properties.items():
        if key in ("name", "description"):
            # The command left these here only where they win over its options.
            values[key] = value
        elif key == "enabled":
            values["enabled"] = keystone_boolean(key, value)
        elif key in ("tags", "options"):
            check_type(key, value, "array" if key == "tags" else "object")
        elif key == "domain_id":
            if value != DEFAULT_DOMAIN.id:
                raise BadRequest(f"Could not find domain: {value}.")
        elif key == "parent_id":
            if value != DEFAULT_DOMAIN.id:
                raise BadRequest(
                    f"Could not find project: {value}."
                    if value else "Project hierarchies are not kept by the local backend."
                )
        elif key == "is_domain":
            if value not in (False, None, "false", "False", "none", "None"):
                raise BadRequest("The local backend has only the Default domain.")
        elif key not in _IGNORED_PROPERTIES:
            extra[key] = value
    values["extra"] = extra
    return values


def _duplicate_project(name: str) -> Conflict:
    return Conflict(
        "Conflict occurred attempting to store project - Duplicate entry found with name "
        f"{name} at domain ID default."
    )
