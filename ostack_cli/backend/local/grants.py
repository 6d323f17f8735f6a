"""Role assignments as Keystone resolves them: plain functions of the store, read by the
identity services and, before any service exists, by the acting user's authentication."""

from __future__ import annotations

from collections.abc import Iterable

from ostack_cli.backend.models.identity import Grant, Project, Role
from ostack_cli.state.store import Store

ADMIN_ROLE = "admin"


def implied_closure(roles_by_id: dict[str, Role], role_ids: Iterable[str]) -> list[str]:
    """The roles given and every role they imply, transitively, in Keystone's order: each
    prior role before the roles it implies."""
    seen: list[str] = []
    pending = list(role_ids)
    while pending:
        role_id = pending.pop(0)
        if role_id in seen:
            continue
        seen.append(role_id)
        role = roles_by_id.get(role_id)
        if role is not None:
            pending.extend(role.implies)
    return seen


def project_grants(store: Store, user_id: str, project: Project) -> list[Grant]:
    """The user's assignments that apply on a project: on the project itself, and inherited
    ones on its domain."""
    return [
        g for g in store.list(Grant)
        if g.user_id == user_id and (
            (g.scope_project_id == project.id and not g.inherited)
            or (g.scope_domain_id == project.domain_id and g.inherited)
        )
    ]


def effective_role_names(store: Store, user_id: str, project: Project) -> set[str]:
    """What a token scoped to the project would carry: the user's roles there, with the
    roles they imply."""
    roles = {r.id: r for r in store.list(Role)}
    direct = [g.role_id for g in project_grants(store, user_id, project)]
    return {roles[r].name for r in implied_closure(roles, direct) if r in roles}


def user_project_ids(store: Store, user_id: str) -> set[str]:
    """Projects where the user has any role (``GET /v3/users/{id}/projects``)."""
    projects = store.list(Project)
    return {p.id for p in projects if project_grants(store, user_id, p)}


def drop_grants(
    store: Store,
    *,
    user_id: str | None = None,
    project_id: str | None = None,
    role_id: str | None = None,
) -> None:
    """Delete the assignments of a user, on a project or of a role (Keystone drops them with
    what they name). Call inside a transaction."""
    for grant in store.list(Grant):
        if (
            (user_id is not None and grant.user_id == user_id)
            or (project_id is not None and grant.scope_project_id == project_id)
            or (role_id is not None and grant.role_id == role_id)
        ):
            store.delete(Grant, grant.id)
