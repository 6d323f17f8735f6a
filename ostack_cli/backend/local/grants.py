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


def user_group_ids(store: Store, user_id: str) -> set[str]:
    """The groups the user is a member of."""
    from ostack_cli.backend.models.group import GroupMembership  # groups are rare

    return {m.group_id for m in store.list(GroupMembership) if m.user_id == user_id}


def group_member_ids(store: Store, group_id: str) -> list[str]:
    """The group's members in ID order, as Keystone lists them (realstack: not in the order
    they joined)."""
    from ostack_cli.backend.models.group import GroupMembership

    return sorted(m.user_id for m in store.list(GroupMembership) if m.group_id == group_id)


def _actor_grants(store: Store, user_id: str) -> list[Grant]:
    """The assignments that give the user roles: its own and its groups' (Keystone's one
    rule, for tokens and policy alike)."""
    grants = store.list(Grant)
    # Group memberships are read only when some group holds a role (none, usually).
    groups = user_group_ids(store, user_id) if any(g.group_id for g in grants) else set()
    return [g for g in grants
            if (g.user_id and g.user_id == user_id) or (g.group_id and g.group_id in groups)]


def project_grants(store: Store, user_id: str, project: Project) -> list[Grant]:
    """The user's assignments that apply on a project, directly or through its groups: on
    the project itself, and inherited ones on its domain."""
    return [
        g for g in _actor_grants(store, user_id)
        if (g.scope_project_id == project.id and not g.inherited)
        or (g.scope_domain_id == project.domain_id and g.inherited)
    ]


def domain_grants(store: Store, user_id: str, domain_id: str) -> list[Grant]:
    """The user's assignments on a domain itself, directly or through its groups (a
    domain-scoped token's roles); inherited ones apply to its projects only."""
    return [g for g in _actor_grants(store, user_id)
            if g.scope_domain_id == domain_id and not g.inherited]


def effective_role_names(store: Store, user_id: str, project: Project) -> set[str]:
    """What a token scoped to the project would carry: the user's roles there, with the
    roles they imply."""
    roles = {r.id: r for r in store.list(Role)}
    direct = [g.role_id for g in project_grants(store, user_id, project)]
    return {roles[r].name for r in implied_closure(roles, direct) if r in roles}


def user_project_ids(store: Store, user_id: str) -> set[str]:
    """Projects where the user has any role, its groups' included (``GET
    /v3/users/{id}/projects``)."""
    grants = _actor_grants(store, user_id)
    return {
        p.id for p in store.list(Project)
        if any((g.scope_project_id == p.id and not g.inherited)
               or (g.scope_domain_id == p.domain_id and g.inherited) for g in grants)
    }


def drop_grants(
    store: Store,
    *,
    user_id: str | None = None,
    group_id: str | None = None,
    project_id: str | None = None,
    role_id: str | None = None,
) -> None:
    """Delete the assignments of a user or group, on a project or of a role (Keystone drops
    them with what they name). Call inside a transaction."""
    for grant in store.list(Grant):
        if (
            (user_id is not None and grant.user_id == user_id)
            or (group_id is not None and grant.group_id == group_id)
            or (project_id is not None and grant.scope_project_id == project_id)
            or (role_id is not None and grant.role_id == role_id)
        ):
            store.delete(Grant, grant.id)
