"""Keystone's projects, users, roles and role assignments: the records that say who acts, and
with which roles, which every command's authentication reads (``local/authn.py``).

Keystone's other models live beside these, so that a command loads only those it shows:
``domain.py``, ``group.py``, ``role_assignment.py``, ``token.py``, ``user_spec.py``. Their
names can still be imported from here (loaded on first use).
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.models import Resource

if TYPE_CHECKING:
    from ostack_cli.backend.models.domain import DEFAULT_DOMAIN as DEFAULT_DOMAIN
    from ostack_cli.backend.models.domain import Domain as Domain
    from ostack_cli.backend.models.group import Group as Group
    from ostack_cli.backend.models.group import GroupMembership as GroupMembership
    from ostack_cli.backend.models.role_assignment import (
        AssignmentFilters as AssignmentFilters,
    )
    from ostack_cli.backend.models.role_assignment import Ref as Ref
    from ostack_cli.backend.models.role_assignment import RoleAssignment as RoleAssignment
    from ostack_cli.backend.models.token import IssuedToken as IssuedToken
    from ostack_cli.backend.models.token import RevocationEvent as RevocationEvent
    from ostack_cli.backend.models.token import Token as Token
    from ostack_cli.backend.models.user_spec import UserChanges as UserChanges
    from ostack_cli.backend.models.user_spec import UserSpec as UserSpec

DEFAULT_DOMAIN_ID = "default"

# Where the names that used to be defined here are now, imported when first asked for.
_MOVED = {
    "DEFAULT_DOMAIN": "domain", "Domain": "domain",
    "Group": "group", "GroupMembership": "group",
    "AssignmentFilters": "role_assignment", "Ref": "role_assignment",
    "RoleAssignment": "role_assignment",
    "IssuedToken": "token", "RevocationEvent": "token", "Token": "token",
    "UserChanges": "user_spec", "UserSpec": "user_spec",
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"ostack_cli.backend.models.{module}"), name)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Project(Resource):
    KIND = "project"
    RESOURCE_NAME = "Project"

    description: str = ""
    domain_id: str = DEFAULT_DOMAIN_ID
    parent_id: str = DEFAULT_DOMAIN_ID
    is_enabled: bool = True
    is_domain: bool = False
    tags: list[str] = dataclasses.field(default_factory=list)
    options: dict[str, object] = dataclasses.field(default_factory=dict)
    created_at: str = ""
    # Attributes Keystone keeps beyond its own (``project create --property key=value``);
    # the real client shows each as a field of its own.
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def unique_key(self) -> str | None:
        # Keystone: project names are unique within a domain.
        return f"{self.domain_id}/{self.name}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class User(Resource):
    KIND = "user"
    RESOURCE_NAME = "User"

    domain_id: str = DEFAULT_DOMAIN_ID
    default_project_id: str | None = None
    email: str | None = None
    description: str | None = None
    is_enabled: bool = True
    password_expires_at: str | None = None
    options: dict[str, object] = dataclasses.field(default_factory=dict)
    created_at: str = ""

    def unique_key(self) -> str | None:
        # Keystone: user names are unique within a domain.
        return f"{self.domain_id}/{self.name}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Role(Resource):
    KIND = "role"
    RESOURCE_NAME = "Role"

    domain_id: str | None = None
    description: str | None = None
    options: dict[str, object] = dataclasses.field(default_factory=dict)
    # The roles this one implies (Keystone's implied roles: admin -> manager -> member ->
    # reader), by ID.
    implies: list[str] = dataclasses.field(default_factory=list)
    created_at: str = ""

    def unique_key(self) -> str | None:
        # Keystone: role names are unique within their domain (global roles: none).
        return f"{self.domain_id or ''}/{self.name}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoleGrant:
    """``role add/remove``: a role for a user or group on a project, domain or the system."""

    role_id: str
    user_id: str | None = None
    group_id: str | None = None
    project_id: str | None = None
    domain_id: str | None = None
    system: str | None = None
    inherited: bool = False


# -- records only the local backend keeps --------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Grant(Resource):
    """A stored role assignment. The scope is never called ``project_id``: that column
    says what a project owns, and a project's assignments go with it, as Keystone's do."""

    KIND = "role_assignment"
    RESOURCE_NAME = "RoleAssignment"

    role_id: str
    user_id: str  # "" for a group's assignment
    group_id: str = ""  # "" for a user's assignment
    scope_project_id: str | None = None
    scope_domain_id: str | None = None
    system: str | None = None
    inherited: bool = False
    created_at: str = ""

    @staticmethod
    def key(grant: RoleGrant) -> str:
        """One record per (role, user, scope): granting twice changes nothing."""
        scope = (
            f"project:{grant.project_id}" if grant.project_id
            else f"domain:{grant.domain_id}" if grant.domain_id
            else f"system:{grant.system}"
        )
        inherited = ":inherited" if grant.inherited else ""
        actor = f"group:{grant.group_id}" if grant.group_id else grant.user_id
        return f"{actor}|{scope}{inherited}|{grant.role_id}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserPassword(Resource):
    """A user's password, hashed (``passwords.py``); its ID is the user's."""

    KIND = "user_password"
    RESOURCE_NAME = "Password"

    hash: str
