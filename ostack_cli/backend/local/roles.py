"""Keystone's roles and role assignments on the local store.

Roles are global (no domain-specific roles are made here, though their filters work), the
defaults immutable as keystone-manage bootstrap makes them. Assignments give a role to a user
on a project, a domain (optionally inherited by its projects) or the system; ``effective``
lists expand them as Keystone does: inherited ones onto the projects, implied roles after
the role implying them, system ones left out, a group's onto each of its members.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.local.application_credentials import drop_application_credentials
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.grants import drop_grants, group_member_ids
from ostack_cli.backend.local.keystone_input import ROLE_NAME_MAX, check_name, required_name
from ostack_cli.backend.local.policy import require_keystone_admin
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.identity import (
    DEFAULT_DOMAIN,
    AssignmentFilters,
    Grant,
    Group,
    Project,
    Ref,
    Role,
    RoleAssignment,
    RoleGrant,
    User,
)
from ostack_cli.errors import BadRequest, Conflict, Forbidden, NotFound, duplicate, not_found
from ostack_cli.state.store import UniqueViolation


class Roles:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- roles --------------------------------------------------------------------------

    def find_all(self, *, domain_id: str | None = None) -> list[Role]:
        action = "identity:list_domain_roles" if domain_id else "identity:list_roles"
        require_keystone_admin(self.context, action)
        return sorted((r for r in self.store.list(Role) if r.domain_id == domain_id),
                      key=lambda r: r.id)

    def find(self, name_or_id: str, *, domain_id: str | None = None) -> Role:
        """openstacksdk's find: reading a role, by ID or by name, is for admins."""
        by_id = self.store.get(Role, name_or_id)
        if by_id is not None and self.context.is_admin:
            return by_id
        require_keystone_admin(self.context, "identity:list_roles")
        matches = [r for r in self.store.list(Role, name=name_or_id) if r.domain_id == domain_id]
        if not matches:
            raise not_found(Role.RESOURCE_NAME, name_or_id)
        if len(matches) > 1:
            raise duplicate(Role.RESOURCE_NAME, name_or_id)
        return matches[0]

    def create(
        self,
        name: str,
        *,
        description: str | None = None,
        domain_id: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> Role:
        require_keystone_admin(self.context, "identity:create_role")
        if not name:
            # The client sends no empty name: Keystone's schema then misses it.
            sent = {k: v for k, v in (("description", description), ("domain_id", domain_id),
                                      ("options", options)) if v is not None}
            raise required_name("role", sent)
        check_name(name, ROLE_NAME_MAX)
        role = Role(id=new_id().replace("-", ""), name=name, domain_id=domain_id,
                    description=description, options=dict(options or {}),
                    created_at=utcnow())
        with self.store.transaction():
            try:
                self.store.insert(role)
            except UniqueViolation:
                where = f" at domain ID {domain_id}" if domain_id else ""
                raise Conflict(
                    "Conflict occurred attempting to store role - Duplicate entry found with "
                    f"name {name}{where}."
                ) from None
        return role

    def delete(self, role_id: str) -> None:
        """By ID: Keystone reads the role before its policy is asked."""
        with self.store.transaction():
            role = self.store.get(Role, role_id)
            if role is None:
                raise NotFound(f"Could not find role: {role_id}.")
            require_keystone_admin(self.context, "identity:delete_role")
            if role.options.get("immutable"):
                raise Forbidden(
                    f"Unable to delete immutable role resource: `{role.id}. Set resource "
                    'option "immutable" to false first.'
                )
            self.store.delete(Role, role.id)
            # Keystone drops the application credentials of the role's holders on each
            # project before their assignments go.
            for grant in self.store.list(Grant):
                if grant.role_id == role.id and grant.scope_project_id and grant.user_id:
                    drop_application_credentials(self.store, user_id=grant.user_id,
                                                 project_id=grant.scope_project_id)
            drop_grants(self.store, role_id=role.id)
            for other in self.store.list(Role):
                if role.id in other.implies:
                    self.store.update(
                        other.replace(implies=[r for r in other.implies if r != role.id])
                    )

    # -- assignments --------------------------------------------------------------------

    def grant(self, grant: RoleGrant) -> bool:
        """Keystone's PUT: True when the assignment exists afterwards. A refusal (403, 404)
        is False, as openstacksdk reports it: the real client then exits 0."""
        if not self.context.is_admin or not self._grantable(grant):
            return False
        with self.store.transaction():
            key = Grant.key(grant)
            if self.store.get(Grant, key) is None:
                self.store.insert(Grant(
                    id=key, role_id=grant.role_id, user_id=grant.user_id or "",
                    group_id=grant.group_id or "",
                    scope_project_id=grant.project_id, scope_domain_id=grant.domain_id,
                    system=grant.system, inherited=grant.inherited, created_at=utcnow(),
                ))
        return True

    def revoke(self, grant: RoleGrant) -> bool:
        """Keystone's DELETE: False (openstacksdk's answer to 403 and 404) when nothing was
        removed."""
        if not self.context.is_admin or (grant.user_id is None and grant.group_id is None):
            return False
        with self.store.transaction():
            return self.store.delete(Grant, Grant.key(grant))

    def assignments(self, filters: AssignmentFilters) -> list[RoleAssignment]:
        require_keystone_admin(self.context, "identity:list_role_assignments")
        if filters.effective and filters.group_id is not None:
            # keystone/api/role_assignments.py
            raise BadRequest("Combining effective and group filter will always result in an "
                             "empty list.")
        roles = {r.id: r for r in self.store.list(Role)}
        grants = self.store.list(Grant)
        if filters.effective:
            grants = self._effective(grants, roles)
        rows = []
        for grant in grants:
            if not self._matches(grant, filters):
                continue
            rows.append(self._row(grant, roles, filters.include_names))
        return rows

    def _effective(self, grants: list[Grant], roles: dict[str, Role]) -> list[Grant]:
        projects = self.store.list(Project)
        direct: list[Grant] = []
        for grant in grants:
            if grant.system is not None:
                continue
            # Keystone's _expand_indirect_assignment: a group's assignment becomes one per
            # member (keeping the group: its row links to the membership), each then
            # expanded as a user's.
            actors = ([grant.replace(user_id=member)
                       for member in group_member_ids(self.store, grant.group_id)]
                      if grant.group_id else [grant])
            for actor in actors:
                if actor.inherited and actor.scope_domain_id is not None:
                    direct += [actor.replace(scope_project_id=p.id, scope_domain_id=None)
                               for p in projects if p.domain_id == actor.scope_domain_id]
                elif not actor.inherited:  # inherited by subprojects: none are kept locally
                    direct.append(actor)
        return _with_implied(direct, roles)

    @staticmethod
    def _matches(grant: Grant, filters: AssignmentFilters) -> bool:
        if filters.role_id is not None and grant.role_id != filters.role_id:
            return False
        if filters.user_id is not None and grant.user_id != filters.user_id:
            return False
        if filters.group_id is not None and (grant.group_id != filters.group_id
                                             or grant.user_id):
            return False
        if filters.project_id is not None and grant.scope_project_id != filters.project_id:
            return False
        if filters.domain_id is not None and grant.scope_domain_id != filters.domain_id:
            return False
        if filters.system is not None and grant.system != filters.system:
            return False
        return not filters.inherited or grant.inherited

    def _row(self, grant: Grant, roles: dict[str, Role], names: bool) -> RoleAssignment:
        def named(ref_id: str, name: str | None, domain: str | None = None) -> Ref:
            return Ref(id=ref_id, name=name, domain_name=domain) if names else Ref(id=ref_id)

        role = roles.get(grant.role_id)
        user = self.store.get(User, grant.user_id) if grant.user_id else None
        # A member's row from its group's assignment (effective lists) names the user only.
        via_group = grant.group_id if grant.user_id and grant.group_id else None
        group = (self.store.get(Group, grant.group_id)
                 if grant.group_id and not via_group else None)
        project = (self.store.get(Project, grant.scope_project_id)
                   if grant.scope_project_id else None)
        return RoleAssignment(
            role=named(grant.role_id, role.name if role else None),
            user=(named(grant.user_id, user.name if user else None, DEFAULT_DOMAIN.name)
                  if grant.user_id else None),
            group=(named(grant.group_id, group.name if group else None, DEFAULT_DOMAIN.name)
                   if grant.group_id and not via_group else None),
            via_group_id=via_group,
            project=(named(grant.scope_project_id, project.name if project else None,
                           DEFAULT_DOMAIN.name) if grant.scope_project_id else None),
            domain=(named(grant.scope_domain_id, DEFAULT_DOMAIN.name)
                    if grant.scope_domain_id else None),
            system=grant.system,
            inherited=grant.inherited,
        )

    def _grantable(self, grant: RoleGrant) -> bool:
        """Keystone answers 404 for a role, user or target that does not exist."""
        if self.store.get(Role, grant.role_id) is None:
            return False
        if grant.user_id is not None:
            if self.store.get(User, grant.user_id) is None:
                return False
        elif grant.group_id is None or self.store.get(Group, grant.group_id) is None:
            return False
        if grant.project_id is not None:
            return self.store.get(Project, grant.project_id) is not None
        if grant.domain_id is not None:
            return grant.domain_id == DEFAULT_DOMAIN.id
        return grant.system == "all"


_AssignmentKey = tuple[str, str, str | None, str | None, str, bool]


def _with_implied(direct: list[Grant], roles: dict[str, Role]) -> list[Grant]:
    """keystone/assignment/core.py ``add_implied_roles``, in its order: the assignments
    given, then the implied ones as its stack finds them (the last assignment's first)."""
    def key(grant: Grant) -> _AssignmentKey:
        return (grant.user_id, grant.group_id, grant.scope_project_id, grant.scope_domain_id,
                grant.role_id, grant.inherited)

    results = list(direct)
    pending = list(direct)
    checked: set[_AssignmentKey] = set()
    while pending:
        current = pending.pop()
        checked.add(key(current))
        role = roles.get(current.role_id)
        for implied_id in role.implies if role is not None else ():
            implied = current.replace(role_id=implied_id)
            if key(implied) in checked:
                continue
            results.append(implied)
            pending.append(implied)
    return results
