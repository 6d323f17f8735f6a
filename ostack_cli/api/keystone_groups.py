"""Keystone's groups (keystone/api/groups.py, users.py ``UserGroupsResource``), their
members and their role grants on projects and domains (keystone/api/projects.py,
domains.py ``*GroupGrantResource``), on the local backend's ``Groups`` and ``Roles``.
Bodies, statuses and messages as Keystone 30 answers them (realstack); every write is an
admin's, as Keystone's default policy has it."""

from __future__ import annotations

from typing import Any

from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.keystone import (
    KEYSTONE,
    _collection,
    _link,
    _not_found,
    _wrapped,
    role_json,
    user_json,
)
from ostack_cli.backend.local.groups import Groups
from ostack_cli.backend.local.policy import require_keystone_admin
from ostack_cli.backend.models.identity import (
    DEFAULT_DOMAIN,
    Grant,
    Group,
    Project,
    Role,
    RoleGrant,
)

# keystone/identity/schema.py: group_create, group_update.
_GROUP_PROPERTIES = {
    "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"[\S]+"},
    "description": {"type": ["string", "null"]},
    "domain_id": {"type": "string", "minLength": 1, "maxLength": 64},
}
GROUP_CREATE = {"type": "object", "properties": _GROUP_PROPERTIES, "required": ["name"]}
GROUP_UPDATE = {"type": "object", "properties": _GROUP_PROPERTIES, "minProperties": 1}


def group_json(req: ApiRequest, group: Group) -> dict[str, Any]:
    return {"id": group.id, "name": group.name, "domain_id": group.domain_id,
            "description": group.description, "links": _link(req, f"/groups/{group.id}")}


def _groups(req: ApiRequest) -> Groups:
    return req.backend.services.groups


# -- groups ------------------------------------------------------------------------------------


@KEYSTONE.route("GET", "/v3/groups", scoped=False)
def list_groups(req: ApiRequest) -> Reply:
    groups = _groups(req).find_all(domain_id=req.param("domain_id"), name=req.param("name"))
    return _collection(req, "groups", groups, group_json)


@KEYSTONE.route("POST", "/v3/groups", scoped=False)
def create_group(req: ApiRequest) -> Reply:
    body = req.json(_wrapped("group", GROUP_CREATE))["group"]
    group = _groups(req).create(body["name"], domain_id=body.get("domain_id"),
                                description=body.get("description"))
    return Reply(201, {"group": group_json(req, group)})


@KEYSTONE.route("GET", "/v3/groups/{group_id}", scoped=False)
def show_group(req: ApiRequest, group_id: str) -> Reply:
    return Reply(200, {"group": group_json(req, _groups(req).get(group_id))})


@KEYSTONE.route("PATCH", "/v3/groups/{group_id}", scoped=False)
def update_group(req: ApiRequest, group_id: str) -> Reply:
    body = req.json(_wrapped("group", GROUP_UPDATE))["group"]
    group = _groups(req).update(group_id, name=body.get("name"),
                                description=body.get("description"))
    return Reply(200, {"group": group_json(req, group)})


@KEYSTONE.route("DELETE", "/v3/groups/{group_id}", scoped=False)
def delete_group(req: ApiRequest, group_id: str) -> Reply:
    _groups(req).delete(group_id)
    return Reply(204)


# -- members -----------------------------------------------------------------------------------


@KEYSTONE.route("GET", "/v3/groups/{group_id}/users", scoped=False)
def list_group_users(req: ApiRequest, group_id: str) -> Reply:
    return _collection(req, "users", _groups(req).members(group_id), user_json)


@KEYSTONE.route("PUT", "/v3/groups/{group_id}/users/{user_id}", scoped=False)
def add_group_user(req: ApiRequest, group_id: str, user_id: str) -> Reply:
    _groups(req).add_user(group_id, user_id)
    return Reply(204)


@KEYSTONE.route("HEAD", "/v3/groups/{group_id}/users/{user_id}", scoped=False)
def check_group_user(req: ApiRequest, group_id: str, user_id: str) -> Reply:
    _groups(req).contains(group_id, user_id)
    return Reply(204)


@KEYSTONE.route("DELETE", "/v3/groups/{group_id}/users/{user_id}", scoped=False)
def remove_group_user(req: ApiRequest, group_id: str, user_id: str) -> Reply:
    _groups(req).remove_user(group_id, user_id)
    return Reply(204)


@KEYSTONE.route("GET", "/v3/users/{user_id}/groups", scoped=False)
def list_user_groups(req: ApiRequest, user_id: str) -> Reply:
    return _collection(req, "groups", _groups(req).of_user(user_id), group_json)


# -- a group's grants on projects and domains ---------------------------------------------------


def _group_grant(req: ApiRequest, target: str, target_id: str, group_id: str, role_id: str,
                 action: str) -> RoleGrant:
    """Keystone's checks in its order: policy (403), then the role, the group and the
    target (404)."""
    store = req.backend.store
    require_keystone_admin(req.backend.context, action)
    if store.get(Role, role_id) is None:
        raise _not_found("role", role_id)
    if store.get(Group, group_id) is None:
        raise _not_found("group", group_id)
    if target == "project":
        if store.get(Project, target_id) is None:
            raise _not_found("project", target_id)
        return RoleGrant(role_id=role_id, group_id=group_id, project_id=target_id)
    if target_id != DEFAULT_DOMAIN.id:
        raise _not_found("domain", target_id)
    return RoleGrant(role_id=role_id, group_id=group_id, domain_id=target_id)


def _missing(grant: RoleGrant) -> ApiFault:
    target = grant.project_id or grant.domain_id
    return ApiFault(404, f"Could not find role assignment with role: {grant.role_id}, user or "
                         f"group: {grant.group_id}, project, domain, or system: {target}.")


def _declare_group_grants(target: str, collection: str, id_name: str) -> None:
    path = f"/v3/{collection}/{{{id_name}}}/groups/{{group_id}}/roles"

    def put_grant(req: ApiRequest, group_id: str, role_id: str, **ids: str) -> Reply:
        grant = _group_grant(req, target, ids[id_name], group_id, role_id,
                             "identity:create_grant")
        req.backend.grant_role(grant)
        return Reply(204)

    def check_grant(req: ApiRequest, group_id: str, role_id: str, **ids: str) -> Reply:
        grant = _group_grant(req, target, ids[id_name], group_id, role_id,
                             "identity:check_grant")
        if req.backend.store.get(Grant, Grant.key(grant)) is None:
            raise _missing(grant)
        return Reply(204)

    def delete_grant(req: ApiRequest, group_id: str, role_id: str, **ids: str) -> Reply:
        grant = _group_grant(req, target, ids[id_name], group_id, role_id,
                             "identity:revoke_grant")
        if not req.backend.revoke_role(grant):
            raise _missing(grant)
        return Reply(204)

    def list_grants(req: ApiRequest, group_id: str, **ids: str) -> Reply:
        store = req.backend.store
        require_keystone_admin(req.backend.context, "identity:list_grants")
        roles = {r.id: r for r in store.list(Role)}
        scope = ids[id_name]
        found = [roles[g.role_id] for g in store.list(Grant)
                 if g.group_id == group_id and not g.user_id and g.role_id in roles
                 and not g.inherited
                 and (g.scope_project_id if target == "project" else g.scope_domain_id)
                 == scope]
        return Reply(200, {"roles": [role_json(req, r) for r in found],
                           "links": {"self": req.url, "previous": None, "next": None}})

    KEYSTONE.route("PUT", f"{path}/{{role_id}}", scoped=False)(put_grant)
    KEYSTONE.route("HEAD", f"{path}/{{role_id}}", scoped=False)(check_grant)
    KEYSTONE.route("GET", f"{path}/{{role_id}}", scoped=False)(check_grant)
    KEYSTONE.route("DELETE", f"{path}/{{role_id}}", scoped=False)(delete_grant)
    KEYSTONE.route("GET", path, scoped=False)(list_grants)


_declare_group_grants("project", "projects", "project_id")
_declare_group_grants("domain", "domains", "domain_id")
