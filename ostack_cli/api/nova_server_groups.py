"""Nova's ``/os-server-groups`` on the local backend's server groups
(nova/api/openstack/compute/server_groups.py): one ``policy`` and its ``rules`` from 2.64,
a ``policies`` list and empty ``metadata`` before."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.backend.models.server_group import ServerGroup
from ostack_cli.errors import NotFound


def _view(req: ApiRequest, group: ServerGroup) -> dict[str, Any]:
    body: dict[str, Any] = {"id": group.id, "name": group.name}
    if nova_common.at_least(req, "2.64"):
        body["policy"] = group.policy
        body["rules"] = dict(group.rules)
    else:
        body["policies"] = [group.policy] if group.policy else []
        body["metadata"] = {}
    body["members"] = list(group.member_ids)
    if nova_common.at_least(req, "2.13"):
        body["project_id"] = group.project_id
        body["user_id"] = group.user_id
    return body


def _group(req: ApiRequest, group_id: str) -> ServerGroup:
    try:
        group = req.backend.find_server_group(group_id)
    except NotFound:
        group = None
    if group is None or group.id != group_id:
        raise ApiFault(404, f"Instance group {group_id} could not be found.")
    return group


def _int_param(req: ApiRequest, name: str) -> int | None:
    text = req.param(name)
    if text is None:
        return None
    if not text.isdigit():
        raise ApiFault(400, f"Invalid input for query parameters {name}. Value: {text}. "
                            f"'{text}' does not match '^[0-9]*$'")
    return int(text)


@NOVA.route("GET", "/v2.1/os-server-groups")
def list_server_groups(req: ApiRequest) -> Reply:
    groups = req.backend.server_groups(all_projects="all_projects" in req.params,
                                       limit=_int_param(req, "limit"),
                                       offset=_int_param(req, "offset"))
    return Reply(200, {"server_groups": [_view(req, g) for g in groups]})


@NOVA.route("GET", "/v2.1/os-server-groups/{group_id}")
def show_server_group(req: ApiRequest, group_id: str) -> Reply:
    return Reply(200, {"server_group": _view(req, _group(req, group_id))})


_NAME = {"type": "string", "minLength": 1, "maxLength": 255}


@NOVA.route("POST", "/v2.1/os-server-groups")
def create_server_group(req: ApiRequest) -> Reply:
    if nova_common.at_least(req, "2.64"):
        properties: dict[str, Any] = {"name": _NAME, "policy": {"type": "string"},
                                      "rules": {"type": "object"}}
        required = ["name", "policy"]
    else:
        properties = {"name": _NAME, "policies": {
            "type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 1,
            "uniqueItems": True}}
        required = ["name", "policies"]
    body = req.json({"type": "object", "properties": {"server_group": {
        "type": "object", "properties": properties, "required": required,
        "additionalProperties": False}}, "required": ["server_group"],
        "additionalProperties": False})["server_group"]
    policy = body["policy"] if "policy" in body else body["policies"][0]
    group = req.backend.create_server_group(body["name"], policy, body.get("rules"))
    return Reply(200, {"server_group": _view(req, group)})


@NOVA.route("DELETE", "/v2.1/os-server-groups/{group_id}")
def delete_server_group(req: ApiRequest, group_id: str) -> Reply:
    req.backend.delete_server_group(_group(req, group_id))
    return Reply(204)
