"""Nova's host aggregates, ``/os-aggregates`` (nova/api/openstack/compute/aggregates.py and
its schemas): list, show, create, update, delete, the ``add_host``/``remove_host``/
``set_metadata`` actions, and the image cache request (2.81).

The rules and their messages are the local backend's (backend/local/aggregates.py); here are
Nova's ID check (``validate_integer``: 400 before any look-up), its request schemas and its
answers: a create leaves out ``hosts`` and ``metadata``; from 2.41 every answer has the
``uuid``."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.models.compute_host import Aggregate
from ostack_cli.errors import NotFound

# The shapes of Nova's schemas; what a name, zone, host or metadata key may hold the backend
# checks, with the words of Nova's parameter_types.
_NAME = {"type": "string"}
_ZONE: dict[str, Any] = {}
_HOST = {"type": "string"}
_RULE = "os_compute_api:os-aggregates:%s"


def aggregate_view(req: ApiRequest, aggregate: Aggregate, *,
                   uuid: str | None = None) -> dict[str, Any]:
    """Nova's ``_marshall_aggregate``; an action's answer comes without the uuid the
    aggregate has (``uuid`` gives it back from 2.41)."""
    body: dict[str, Any] = {
        "availability_zone": aggregate.availability_zone,
        "created_at": aggregate.created_at, "deleted": False, "deleted_at": None,
        "hosts": list(aggregate.hosts), "id": int(aggregate.id) if aggregate.id.isdigit()
        else aggregate.id, "metadata": dict(aggregate.metadata), "name": aggregate.name,
        "updated_at": aggregate.updated_at}
    if nova_common.at_least(req, "2.41"):
        body["uuid"] = aggregate.uuid or uuid
    return body


def _checked_id(req: ApiRequest, aggregate_id: str, rule: str) -> None:
    """The route's policy, then ``validate_integer(id, 'id')`` (Nova's order: a member is
    refused before the ID is read)."""
    require_nova_admin(req.backend.context, rule)
    if not aggregate_id.lstrip("-").isdigit():
        raise ApiFault(400, "Invalid input received: id must be an integer")


def _found(req: ApiRequest, aggregate_id: str) -> Aggregate:
    try:
        aggregate = req.backend.find_aggregate(aggregate_id)
    except NotFound:
        aggregate = None
    if aggregate is None or aggregate.id != aggregate_id:
        raise ApiFault(404, f"Aggregate {aggregate_id} could not be found.")
    return aggregate


def _aggregate(req: ApiRequest, aggregate_id: str, rule: str) -> Aggregate:
    _checked_id(req, aggregate_id, rule)
    return _found(req, aggregate_id)


def _wrapped(key: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": {key: {
        "type": "object", "properties": properties, "required": required,
        "additionalProperties": False}}, "required": [key], "additionalProperties": False}


@NOVA.route("GET", "/v2.1/os-aggregates")
def list_aggregates(req: ApiRequest) -> Reply:
    return Reply(200, {"aggregates": [aggregate_view(req, a)
                                      for a in req.backend.aggregates()]})


@NOVA.route("GET", "/v2.1/os-aggregates/{aggregate_id}")
def show_aggregate(req: ApiRequest, aggregate_id: str) -> Reply:
    aggregate = _aggregate(req, aggregate_id, _RULE % "show")
    return Reply(200, {"aggregate": aggregate_view(req, aggregate)})


@NOVA.route("POST", "/v2.1/os-aggregates")
def create_aggregate(req: ApiRequest) -> Reply:
    body = req.json(_wrapped("aggregate", {"name": _NAME, "availability_zone": _ZONE},
                             ["name"]))["aggregate"]
    created = req.backend.create_aggregate(body["name"], body.get("availability_zone"))
    view = aggregate_view(req, created)
    del view["hosts"], view["metadata"]
    return Reply(200, {"aggregate": view})


@NOVA.route("PUT", "/v2.1/os-aggregates/{aggregate_id}")
def update_aggregate(req: ApiRequest, aggregate_id: str) -> Reply:
    schema = _wrapped("aggregate", {"name": _NAME, "availability_zone": _ZONE}, [])
    schema["properties"]["aggregate"]["anyOf"] = [{"required": ["name"]},
                                                  {"required": ["availability_zone"]}]
    body = req.json(schema)["aggregate"]
    aggregate = _aggregate(req, aggregate_id, _RULE % "update")
    req.backend.update_aggregate(aggregate, name=body.get("name"),
                                 availability_zone=body.get("availability_zone"))
    return Reply(200, {"aggregate": aggregate_view(req, _found(req, aggregate.id))})


@NOVA.route("DELETE", "/v2.1/os-aggregates/{aggregate_id}")
def delete_aggregate(req: ApiRequest, aggregate_id: str) -> Reply:
    req.backend.delete_aggregate(_aggregate(req, aggregate_id, _RULE % "delete"))
    return Reply(200)


@NOVA.route("POST", "/v2.1/os-aggregates/{aggregate_id}/action")
def aggregate_action(req: ApiRequest, aggregate_id: str) -> Reply:
    body = req.json()
    if not isinstance(body, dict) or not body:
        raise ApiFault(400, "Malformed request body")
    name = next(iter(body))
    if name in ("add_host", "remove_host"):
        host = req.json(_wrapped(name, {"host": _HOST}, ["host"]))[name]["host"]
        aggregate = _aggregate(req, aggregate_id, _RULE % name)
        if name == "add_host":
            changed = req.backend.add_aggregate_host(aggregate, host)
        else:
            changed = req.backend.remove_aggregate_host(aggregate, host)
    elif name == "set_metadata":
        metadata = {"type": "object"}
        values = req.json(_wrapped(name, {"metadata": metadata}, ["metadata"]))
        aggregate = _aggregate(req, aggregate_id, _RULE % name)
        changed = req.backend.set_aggregate_metadata(aggregate, values[name]["metadata"])
    else:
        raise ApiFault(400, f"There is no such action: {name}")
    return Reply(200, {"aggregate": aggregate_view(req, changed, uuid=aggregate.uuid)})


@NOVA.route("POST", "/v2.1/os-aggregates/{aggregate_id}/images")
def cache_images(req: ApiRequest, aggregate_id: str) -> Reply:
    nova_common.require_version(req, "2.81")
    body = req.json({"type": "object", "properties": {"cache": {
        "type": "array", "minItems": 1, "items": {
            "type": "object", "properties": {"id": {"type": "string", "format": "uuid"}},
            "required": ["id"], "additionalProperties": False}}},
        "required": ["cache"], "additionalProperties": False})
    _checked_id(req, aggregate_id, "compute:aggregates:images")
    image_ids = [entry["id"] for entry in body["cache"]]
    if len(set(image_ids)) != len(image_ids):
        raise ApiFault(400, "Duplicate images in request")
    req.backend.cache_aggregate_images(_found(req, aggregate_id), image_ids)
    return Reply(202)
