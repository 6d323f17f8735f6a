"""Keystone roles and role assignments through openstacksdk's identity proxy."""

from __future__ import annotations

from typing import Any

from openstack import utils as sdk_utils
from openstack.identity.v3 import _proxy as identity_v3

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.identity import (
    AssignmentFilters,
    Ref,
    Role,
    RoleAssignment,
    RoleGrant,
)


def role_from_sdk(role: Any) -> Role:
    return Role(id=role.id, name=role.name, domain_id=role.domain_id,
                description=role.description, options=dict(role.options or {}))


def _ref(data: dict[str, Any] | None) -> Ref | None:
    if not data:
        return None
    domain = data.get("domain") or {}
    return Ref(id=data.get("id") or "", name=data.get("name"),
               domain_name=domain.get("name") if domain else None)


def assignment_from_sdk(assignment: Any) -> RoleAssignment:
    scope = assignment.scope or {}
    role = _ref(assignment.role) or Ref(id="")
    return RoleAssignment(
        role=role,
        user=_ref(assignment.user),
        group=_ref(assignment.group),
        project=_ref(scope.get("project")),
        domain=_ref(scope.get("domain")),
        system="all" if scope.get("system") else None,
        inherited=scope.get("OS-INHERIT:inherited_to") == "projects",
    )


@translate_errors
class CloudRoles(CloudBase):
    @property
    def _roles_proxy(self) -> identity_v3.Proxy:
        return sdk_utils.ensure_service_version(self.conn.identity, "3")

    def roles(self, *, domain_id: str | None = None) -> list[Role]:
        query = {"domain_id": domain_id} if domain_id else {}
        return [role_from_sdk(r) for r in self._roles_proxy.roles(**query)]

    def find_role(self, name_or_id: str, *, domain_id: str | None = None) -> Role:
        return role_from_sdk(
            self._roles_proxy.find_role(name_or_id, ignore_missing=False, domain_id=domain_id)
        )

    def create_role(
        self,
        name: str,
        *,
        description: str | None = None,
        domain_id: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> Role:
        attrs: dict[str, Any] = {}
        if domain_id:
            attrs["domain_id"] = domain_id
        if name:
            attrs["name"] = name
        if description:
            attrs["description"] = description
        if options is not None:
            attrs["options"] = options
        return role_from_sdk(self._roles_proxy.create_role(**attrs))

    def delete_role(self, role_id: str) -> None:
        self._roles_proxy.delete_role(role=role_id, ignore_missing=False)

    def grant_role(self, grant: RoleGrant) -> bool:
        self._assignment_call("assign", grant)
        return True

    def revoke_role(self, grant: RoleGrant) -> bool:
        self._assignment_call("unassign", grant)
        return True

    def _assignment_call(self, verb: str, grant: RoleGrant) -> None:
        """openstacksdk's (un)assign_<scope>_role_(to|from)_<actor>; it reports a refusal as
        a False the proxy drops, as the real client sees it."""
        proxy = self._roles_proxy
        actor_kind = "user" if grant.user_id else "group"
        actor = grant.user_id or grant.group_id
        link = "to" if verb == "assign" else "from"
        if grant.domain_id:
            method = getattr(proxy, f"{verb}_domain_role_{link}_{actor_kind}")
            method(domain=grant.domain_id, role=grant.role_id, inherited=grant.inherited,
                   **{actor_kind: actor})
        elif grant.project_id:
            method = getattr(proxy, f"{verb}_project_role_{link}_{actor_kind}")
            method(project=grant.project_id, role=grant.role_id, inherited=grant.inherited,
                   **{actor_kind: actor})
        elif grant.system:
            method = getattr(proxy, f"{verb}_system_role_{link}_{actor_kind}")
            method(system=grant.system, role=grant.role_id, **{actor_kind: actor})

    def role_assignments(self, filters: AssignmentFilters) -> list[RoleAssignment]:
        query: dict[str, Any] = {
            "role_id": filters.role_id,
            "user_id": filters.user_id,
            "group_id": filters.group_id,
            "scope_project_id": filters.project_id,
            "scope_domain_id": filters.domain_id,
            "scope_system": filters.system,
            "effective": True if filters.effective else None,
            "include_names": True if filters.include_names else None,
            "inherited_to": "projects" if filters.inherited else None,
        }
        return [assignment_from_sdk(a) for a in self._roles_proxy.role_assignments(
            **{k: v for k, v in query.items() if v is not None})]
