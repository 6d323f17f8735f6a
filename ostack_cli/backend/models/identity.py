"""Keystone's domains, projects, users, roles, role assignments and tokens."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource

DEFAULT_DOMAIN_ID = "default"


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
class Token:
    id: str
    expires: str
    project_id: str
    user_id: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Domain:
    RESOURCE_NAME = "Domain"

    id: str
    name: str
    description: str | None = None
    is_enabled: bool = True
    options: dict[str, object] = dataclasses.field(default_factory=dict)


# Keystone's bootstrap makes this one domain; the local backend has no other.
DEFAULT_DOMAIN = Domain(
    id=DEFAULT_DOMAIN_ID, name="Default", description="The default domain", is_enabled=True
)


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
class UserSpec:
    name: str
    domain_id: str = DEFAULT_DOMAIN_ID
    default_project_id: str | None = None
    password: str | None = None
    email: str | None = None
    description: str | None = None
    is_enabled: bool = True
    options: dict[str, object] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserChanges:
    """``user set``: None leaves a field as it is."""

    name: str | None = None
    default_project_id: str | None = None
    password: str | None = None
    email: str | None = None
    description: str | None = None
    is_enabled: bool | None = None
    options: dict[str, object] | None = None  # merged into the user's options


@dataclasses.dataclass(frozen=True, kw_only=True)
class Group(Resource):
    KIND = "group"
    RESOURCE_NAME = "Group"

    domain_id: str = DEFAULT_DOMAIN_ID
    description: str = ""
    created_at: str = ""

    def unique_key(self) -> str | None:
        # Keystone: group names are unique within a domain.
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
class Ref:
    """What a role assignment names: an ID and, when names were asked for, the name and
    the owning domain's name."""

    id: str
    name: str | None = None
    domain_name: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoleAssignment:
    """One row of ``role assignment list``: an actor, a role and a scope."""

    role: Ref
    user: Ref | None = None
    group: Ref | None = None
    project: Ref | None = None
    domain: Ref | None = None
    system: str | None = None  # "all" for the system scope
    inherited: bool = False
    # An effective row a group's assignment gave a member: that group's ID.
    via_group_id: str | None = None


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


@dataclasses.dataclass(frozen=True, kw_only=True)
class AssignmentFilters:
    role_id: str | None = None
    user_id: str | None = None
    group_id: str | None = None
    project_id: str | None = None
    domain_id: str | None = None
    system: str | None = None
    effective: bool = False
    include_names: bool = False
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
class GroupMembership(Resource):
    """A user in a group (Keystone's ``user_group_membership``); its ID is
    ``<group_id>|<user_id>``."""

    KIND = "group_membership"
    RESOURCE_NAME = "GroupMembership"

    group_id: str
    user_id: str
    created_at: str = ""

    @staticmethod
    def key(group_id: str, user_id: str) -> str:
        return f"{group_id}|{user_id}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserPassword(Resource):
    """A user's password, hashed (``passwords.py``); its ID is the user's."""

    KIND = "user_password"
    RESOURCE_NAME = "Password"

    hash: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class IssuedToken(Resource):
    """A token ``token issue`` gave out, by the SHA-256 of its text (the text is never
    kept): what ``token revoke`` finds and revokes."""

    KIND = "token"
    RESOURCE_NAME = "Token"

    user_id: str
    scope_project_id: str
    expires_at: str
    revoked: bool = False
    created_at: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RevocationEvent(Resource):
    """Keystone's revocation event: Fernet tokens are never stored, so revoking one is a
    record that matches it. By ``audit_id`` (one token: ``DELETE /v3/auth/tokens``) or by
    ``user_id`` with ``issued_before`` (every token the user holds: a new password, the user
    disabled or deleted). Times are POSIX seconds with microseconds."""

    KIND = "revocation_event"
    RESOURCE_NAME = "RevocationEvent"

    user_id: str | None = None
    audit_id: str | None = None
    issued_before: float = 0.0
    created_at: str = ""
