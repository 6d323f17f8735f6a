"""Cinder's volume transfers and services on the local backend: ``/os-volume-transfer`` (the
extension every microversion has), ``/volume-transfers`` (the v3 resource openstacksdk uses
from 3.55) and ``GET /os-services`` (cinder/api/contrib/volume_transfer.py,
v3/volume_transfer.py, views/transfers.py, schemas/volume_transfer.py, v3/services.py)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import cinder
from ostack_cli.api.cinder import route
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.pagination import parse_limit, with_params
from ostack_cli.api.schema import Schema
from ostack_cli.backend.models.volume_transfer import VolumeService, VolumeTransfer
from ostack_cli.errors import NotFound

MAX_LIMIT = 1000
# Every transfer link names the extension's collection, whichever path was asked.
COLLECTION = "os-volume-transfer"
# parameter_types.boolean: what no_snapshots may be.
_BOOLEAN: Schema = {"type": ["boolean", "string"], "enum": [
    True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t",
    False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f"]}
_TRUE = (True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t")


def _create_schema(snapshots: bool) -> Schema:
    properties: dict[str, Any] = {
        "volume_id": {"type": "string", "format": "uuid"},
        "name": {"type": ["string", "null"]}}
    if snapshots:
        properties["no_snapshots"] = _BOOLEAN
    return {"type": "object", "properties": {"transfer": {
        "type": "object", "properties": properties, "required": ["volume_id"],
        "additionalProperties": False}}, "required": ["transfer"],
        "additionalProperties": False}


_ACCEPT: Schema = {"type": "object", "properties": {"accept": {
    "type": "object", "properties": {"auth_key": {"type": ["string", "integer"]}},
    "required": ["auth_key"], "additionalProperties": False}},
    "required": ["accept"], "additionalProperties": False}


# -- views (cinder/api/views/transfers.py) --------------------------------------------------


def _summary(req: ApiRequest, project_id: str | None,
             transfer: VolumeTransfer) -> dict[str, Any]:
    return {"id": transfer.id, "volume_id": transfer.volume_id, "name": transfer.name,
            "links": cinder.links(req, project_id, COLLECTION, transfer.id)}


def _detail(req: ApiRequest, project_id: str | None, transfer: VolumeTransfer, *,
            auth_key: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"id": transfer.id, "created_at": transfer.created_at or None,
                            "name": transfer.name, "volume_id": transfer.volume_id}
    if auth_key:
        body["auth_key"] = transfer.auth_key
    body["links"] = cinder.links(req, project_id, COLLECTION, transfer.id)
    if cinder.at_least(req, "3.55"):
        body["no_snapshots"] = transfer.no_snapshots
    if cinder.at_least(req, "3.57"):
        body.update({"destination_project_id": transfer.destination_project_id,
                     "source_project_id": transfer.source_project_id,
                     "accepted": transfer.accepted})
    return body


# -- what the handlers share ----------------------------------------------------------------


def _by_id(req: ApiRequest, transfer_id: str) -> VolumeTransfer:
    """By ID only, as Cinder's routes take it (the backend's find also matches names)."""
    try:
        found = req.backend.find_volume_transfer(transfer_id)
    except NotFound:
        found = None
    if found is None or found.id != transfer_id:
        raise ApiFault(404, f"Transfer {transfer_id} could not be found.")
    return found


def _listed(req: ApiRequest, project_id: str | None, collection: str,
            detail: bool) -> Reply:
    every = cinder.is_admin(req) and (req.param("all_tenants") or "").strip().lower() in (
        "1", "t", "true", "on", "y", "yes")
    found = req.backend.volume_transfers(all_projects=every)
    name = req.param("name")
    if name is not None:
        found = [t for t in found if t.name == name]
    limit = parse_limit(req.param("limit"))
    limit = MAX_LIMIT if limit is None else min(limit, MAX_LIMIT)
    items = found[:limit]
    view = _detail if detail else _summary
    body: dict[str, Any] = {"transfers": [view(req, project_id, t) for t in items]}
    if items and len(items) == limit:
        params = [(n, v) for n, values in req.params.items() for v in values]
        scope = f"/{project_id}" if project_id else ""
        body["transfers_links"] = [{"rel": "next", "href": with_params(
            req.service_url(f"/v3{scope}/{collection}"), params, marker=items[-1].id)}]
    return Reply(200, body)


def _create(req: ApiRequest, project_id: str | None, *, snapshots: bool) -> Reply:
    asked = req.json(_create_schema(snapshots))["transfer"]
    volume = req.backend.get_volume(asked["volume_id"])
    no_snapshots = asked.get("no_snapshots", False) in _TRUE if snapshots else False
    created = req.backend.create_volume_transfer(volume, name=asked.get("name"),
                                                 no_snapshots=no_snapshots)
    return Reply(202, {"transfer": _detail(req, project_id, created, auth_key=True)})


def _accept(req: ApiRequest, project_id: str | None, transfer_id: str) -> Reply:
    auth_key = str(req.json(_ACCEPT)["accept"]["auth_key"])
    accepted = req.backend.accept_volume_transfer(transfer_id, auth_key)
    return Reply(202, {"transfer": _summary(req, project_id, accepted)})


def _delete(req: ApiRequest, transfer_id: str) -> Reply:
    req.backend.delete_volume_transfer(transfer_id)
    # webob's bare Response: no body, its default content type.
    return Reply(202, content_type="text/html; charset=UTF-8")


# -- /os-volume-transfer --------------------------------------------------------------------


@route("GET", "/os-volume-transfer")
def list_transfers(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _listed(req, project_id, "os-volume-transfer", detail=False)


@route("GET", "/os-volume-transfer/detail")
def list_transfers_detail(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _listed(req, project_id, "os-volume-transfer", detail=True)


@route("POST", "/os-volume-transfer")
def create_transfer(req: ApiRequest, project_id: str | None = None) -> Reply:
    # The extension's create knows no no_snapshots: the snapshots always go along.
    return _create(req, project_id, snapshots=False)


@route("GET", "/os-volume-transfer/{transfer_id}")
def show_transfer(req: ApiRequest, transfer_id: str, project_id: str | None = None) -> Reply:
    return Reply(200, {"transfer": _detail(req, project_id, _by_id(req, transfer_id))})


@route("POST", "/os-volume-transfer/{transfer_id}/accept")
def accept_transfer(req: ApiRequest, transfer_id: str,
                    project_id: str | None = None) -> Reply:
    return _accept(req, project_id, transfer_id)


@route("DELETE", "/os-volume-transfer/{transfer_id}")
def delete_transfer(req: ApiRequest, transfer_id: str,
                    project_id: str | None = None) -> Reply:
    return _delete(req, transfer_id)


# -- /volume-transfers ----------------------------------------------------------------------


@route("GET", "/volume-transfers")
def list_volume_transfers(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _listed(req, project_id, "volume-transfers", detail=False)


@route("GET", "/volume-transfers/detail")
def list_volume_transfers_detail(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _listed(req, project_id, "volume-transfers", detail=True)


@route("POST", "/volume-transfers")
def create_volume_transfer(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _create(req, project_id, snapshots=cinder.at_least(req, "3.55"))


@route("GET", "/volume-transfers/{transfer_id}")
def show_volume_transfer(req: ApiRequest, transfer_id: str,
                         project_id: str | None = None) -> Reply:
    return Reply(200, {"transfer": _detail(req, project_id, _by_id(req, transfer_id))})


@route("POST", "/volume-transfers/{transfer_id}/accept")
def accept_volume_transfer(req: ApiRequest, transfer_id: str,
                           project_id: str | None = None) -> Reply:
    return _accept(req, project_id, transfer_id)


@route("DELETE", "/volume-transfers/{transfer_id}")
def delete_volume_transfer(req: ApiRequest, transfer_id: str,
                           project_id: str | None = None) -> Reply:
    return _delete(req, transfer_id)


# -- os-services ----------------------------------------------------------------------------


def _service_view(req: ApiRequest, service: VolumeService) -> dict[str, Any]:
    body: dict[str, Any] = {"binary": service.binary, "host": service.host,
                            "zone": service.zone, "status": service.status,
                            "state": service.state, "updated_at": service.updated_at}
    volume = service.binary == "cinder-volume"
    if volume and cinder.at_least(req, "3.49"):
        body["backend_state"] = service.backend_state
    if cinder.at_least(req, "3.7"):
        body["cluster"] = service.cluster
    # os-extended-services, which Cinder always loads.
    body["disabled_reason"] = service.disabled_reason
    if volume:
        body.update({"replication_status": service.replication_status,
                     "active_backend_id": service.active_backend_id,
                     "frozen": service.frozen})
    return body


@route("GET", "/os-services")
def list_services(req: ApiRequest, project_id: str | None = None) -> Reply:
    services = req.backend.volume_services(host=req.param("host"),
                                           binary=req.param("binary"),
                                           backend_state=cinder.at_least(req, "3.49"))
    return Reply(200, {"services": [_service_view(req, s) for s in services]})
