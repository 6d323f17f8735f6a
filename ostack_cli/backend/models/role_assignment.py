"""``role assignment list``: its filters and its rows."""

from __future__ import annotations

import dataclasses


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
