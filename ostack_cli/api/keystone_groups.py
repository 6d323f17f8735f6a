"""Keystone's groups (keystone/api/groups.py, users.py ``UserGroupsResource``), their
members and their role grants on projects and domains (keystone/api/projects.py,
domains.py ``*GroupGrantResource``), on the local backend's ``Groups`` and ``Roles``.
Bodies, statuses and messages as Keystone 30 answers them (realstack); every write is an
admin's, as Keystone's default policy has it."""

from __future__ import annotations

from typing import Any

from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.keystone import (
    KEYSTONE,
    _collection,
    _link,
    _wrapped,
    user_json,
)
from ostack_cli.backend.local.groups import Groups
from ostack_cli.backend.models.identity import (
    Group,
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
