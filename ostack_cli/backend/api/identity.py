"""Keystone: projects, domains, users, roles, role assignments and tokens."""

from __future__ import annotations

from typing import Any, Protocol

from ostack_cli.backend.models.identity import (
    AssignmentFilters,
    Domain,
    Group,
    Project,
    Role,
    RoleAssignment,
    RoleGrant,
    Token,
    User,
    UserChanges,
    UserSpec,
)


class IdentityAPI(Protocol):
    # -- projects -------------------------------------------------------------------------

    def projects(
        self, *, domain_id: str | None = None, enabled: bool | None = None
    ) -> list[Project]:
        """Every project (admin); for a member without filters, its own ones, as the real
        client falls back to them."""
        ...

    def user_projects(self, user_id: str) -> list[Project]:
        """The projects where a user has a role."""
        ...

    def find_project(self, name_or_id: str, *, domain_id: str | None = None) -> Project: ...

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
        """``properties``: further attributes (``--property``), sent as they are."""
        ...

    def update_project(
        self,
        project: Project,
        *,
        name: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        tags: list[str] | None = None,
        properties: dict[str, Any] | None = None,
    ) -> Project: ...

    def delete_project(self, project: Project) -> None: ...

    # -- domains --------------------------------------------------------------------------

    def domains(self, *, name: str | None = None, enabled: bool | None = None) -> list[Domain]: ...

    def find_domain(self, name_or_id: str) -> Domain: ...

    # -- users ----------------------------------------------------------------------------

    def users(self, *, domain_id: str | None = None, enabled: bool | None = None) -> list[User]: ...

    def find_user(self, name_or_id: str, *, domain_id: str | None = None) -> User: ...

    def create_user(self, spec: UserSpec) -> User: ...

    def update_user(self, user: User, changes: UserChanges) -> User: ...

    def delete_user(self, user: User) -> None: ...

    # -- groups ---------------------------------------------------------------------------

    def groups(self, *, domain_id: str | None = None) -> list[Group]: ...

    def user_groups(self, user_id: str) -> list[Group]:
        """The groups a user is a member of."""
        ...

    def find_group(self, name_or_id: str, *, domain_id: str | None = None) -> Group: ...

    def find_group_id(self, name_or_id: str, *, domain_id: str | None = None) -> str:
        """A Keystone group's ID."""
        ...

    def create_group(
        self, name: str, *, domain_id: str | None = None, description: str | None = None
    ) -> Group: ...

    def update_group(
        self, group_id: str, *, name: str | None = None, description: str | None = None
    ) -> Group: ...

    def delete_group(self, group_id: str) -> None: ...

    def group_users(self, group_id: str) -> list[User]: ...

    def add_user_to_group(self, user_id: str, group_id: str) -> None: ...

    def remove_user_from_group(self, user_id: str, group_id: str) -> None: ...

    def check_user_in_group(self, user_id: str, group_id: str) -> bool:
        """Keystone's HEAD: False on 404, as openstacksdk answers; a 403 raises Forbidden."""
        ...

    # -- roles ----------------------------------------------------------------------------

    def roles(self, *, domain_id: str | None = None) -> list[Role]: ...

    def find_role(self, name_or_id: str, *, domain_id: str | None = None) -> Role: ...

    def create_role(
        self,
        name: str,
        *,
        description: str | None = None,
        domain_id: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> Role: ...

    def delete_role(self, role_id: str) -> None:
        """By ID, or by whatever the caller could not resolve (Keystone then answers)."""
        ...

    def grant_role(self, grant: RoleGrant) -> bool:
        """Keystone's PUT; False when it refused (openstacksdk reports 403 and 404 so, and the
        real client exits 0)."""
        ...

    def revoke_role(self, grant: RoleGrant) -> bool: ...

    def role_assignments(self, filters: AssignmentFilters) -> list[RoleAssignment]: ...

    # -- tokens and the acting user -------------------------------------------------------

    def issue_token(self) -> Token: ...

    def revoke_token(self, token: str) -> None: ...

    def auth_user_id(self) -> str:
        """The acting user's ID (the token's ``user_id``)."""
        ...

    def auth_project_id(self) -> str | None:
        """The acting project's ID (the token's scope)."""
        ...
