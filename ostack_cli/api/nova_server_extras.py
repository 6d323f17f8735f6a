"""What Nova keeps beside a server: its instance actions (``/os-instance-actions``), network
interfaces (``/os-interface``) and addresses (``/ips``), on the local backend
(nova/api/openstack/compute/instance_actions.py, attach_interfaces.py, ips.py)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.backend.models.server_action import ActionFilters, ServerAction
from ostack_cli.backend.models.server_interface import ServerInterface
from ostack_cli.errors import NotFound

# -- instance actions ------------------------------------------------------------------------


def _action_view(req: ApiRequest, action: ServerAction) -> dict[str, Any]:
    body: dict[str, Any] = {"action": action.action, "instance_uuid": action.server_id,
                            "message": action.message, "project_id": action.project_id,
                            "request_id": action.request_id,
                            "start_time": action.start_time, "user_id": action.user_id}
    if nova_common.at_least(req, "2.58"):
        body["updated_at"] = action.updated_at
    return body


def _events(req: ApiRequest, action: ServerAction) -> list[dict[str, Any]]:
    admin = nova_common.is_admin(req)
    events = []
    for event in action.events or []:
        body: dict[str, Any] = {"event": event.event, "start_time": event.start_time,
                                "finish_time": event.finish_time, "result": event.result}
        if admin:
            body["traceback"] = event.traceback
        if nova_common.at_least(req, "2.62"):
            body["hostId"] = event.host_id or ""
            if admin:
                body["host"] = event.host
        if nova_common.at_least(req, "2.84"):
            body["details"] = event.details
        events.append(body)
    return events


@NOVA.route("GET", "/v2.1/servers/{server_id}/os-instance-actions")
def list_instance_actions(req: ApiRequest, server_id: str) -> Reply:
    limit = nova_common.limit_param(req) if nova_common.at_least(req, "2.58") else None
    filters = ActionFilters(
        changes_since=req.param("changes-since") if nova_common.at_least(req, "2.58")
        else None,
        changes_before=req.param("changes-before") if nova_common.at_least(req, "2.66")
        else None,
        limit=limit, marker=req.param("marker") if nova_common.at_least(req, "2.58") else None)
    try:
        actions = req.backend.server_actions(server_id, filters)
    except NotFound:
        raise ApiFault(404, f"Instance {server_id} could not be found.") from None
    views = [_action_view(req, a) for a in actions]
    body: dict[str, Any] = {"instanceActions": views}
    links = nova_common.collection_links(req, f"servers/{server_id}/os-instance-actions",
                                         views, limit, key="request_id")
    if links:
        body["links"] = next(iter(links.values()))
    return Reply(200, body)


@NOVA.route("GET", "/v2.1/servers/{server_id}/os-instance-actions/{request_id}")
def show_instance_action(req: ApiRequest, server_id: str, request_id: str) -> Reply:
    try:
        action = req.backend.server_action(server_id, request_id)
    except NotFound as exc:
        raise ApiFault(404, exc.message) from None
    body = _action_view(req, action)
    if nova_common.is_admin(req) or nova_common.at_least(req, "2.51"):
        body["events"] = _events(req, action)
    return Reply(200, {"instanceAction": body})


# -- interfaces ------------------------------------------------------------------------------


def _interface_view(req: ApiRequest, interface: ServerInterface) -> dict[str, Any]:
    body: dict[str, Any] = {"port_state": interface.port_state,
                            "fixed_ips": [dict(ip) for ip in interface.fixed_ips],
                            "port_id": interface.port_id, "net_id": interface.net_id,
                            "mac_addr": interface.mac_addr}
    if nova_common.at_least(req, "2.70"):
        body["tag"] = interface.tag
    return body


@NOVA.route("GET", "/v2.1/servers/{server_id}/os-interface")
def list_interfaces(req: ApiRequest, server_id: str) -> Reply:
    server = nova_common.server_by_id(req, server_id)
    return Reply(200, {"interfaceAttachments": [
        _interface_view(req, i) for i in req.backend.server_interfaces(server)]})


@NOVA.route("GET", "/v2.1/servers/{server_id}/os-interface/{port_id}")
def show_interface(req: ApiRequest, server_id: str, port_id: str) -> Reply:
    server = nova_common.server_by_id(req, server_id)
    found = next((i for i in req.backend.server_interfaces(server) if i.port_id == port_id),
                 None)
    if found is None:
        raise ApiFault(404, f"Port {port_id} is not attached")
    return Reply(200, {"interfaceAttachment": _interface_view(req, found)})


_ATTACH = {"type": "object", "properties": {"interfaceAttachment": {
    "type": "object", "properties": {
        "net_id": {"type": "string", "format": "uuid"},
        "port_id": {"type": "string", "format": "uuid"},
        "fixed_ips": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
            "type": "object", "properties": {"ip_address": {"type": "string"}},
            "required": ["ip_address"], "additionalProperties": False}},
        "tag": {"type": "string", "minLength": 1, "maxLength": 60}},
    "additionalProperties": False}}, "additionalProperties": False}


@NOVA.route("POST", "/v2.1/servers/{server_id}/os-interface")
def attach_interface(req: ApiRequest, server_id: str) -> Reply:
    body = (req.json(_ATTACH) or {}).get("interfaceAttachment") or {}
    if body.get("net_id") and body.get("port_id"):
        raise ApiFault(400, "Must not input both network_id and port_id")
    server = nova_common.server_by_id(req, server_id)
    fixed = body.get("fixed_ips") or []
    attached = req.backend.attach_server_interface(
        server, port_id=body.get("port_id"), network_id=body.get("net_id"),
        fixed_ip=fixed[0]["ip_address"] if fixed else None, tag=body.get("tag"))
    return Reply(200, {"interfaceAttachment": _interface_view(req, attached)})


@NOVA.route("DELETE", "/v2.1/servers/{server_id}/os-interface/{port_id}")
def detach_interface(req: ApiRequest, server_id: str, port_id: str) -> Reply:
    server = nova_common.server_by_id(req, server_id)
    req.backend.detach_server_interface(server, port_id)
    return Reply(202)


# -- addresses -------------------------------------------------------------------------------


def _addresses(req: ApiRequest, server_id: str) -> dict[str, list[dict[str, Any]]]:
    server = nova_common.server_by_id(req, server_id)
    if server.vm_state == "building":
        return {}
    return {network: [{"version": a.get("version"), "addr": a.get("addr")} for a in entries]
            for network, entries in server.addresses.items()}


@NOVA.route("GET", "/v2.1/servers/{server_id}/ips")
def list_ips(req: ApiRequest, server_id: str) -> Reply:
    return Reply(200, {"addresses": _addresses(req, server_id)})


@NOVA.route("GET", "/v2.1/servers/{server_id}/ips/{network}")
def show_ips(req: ApiRequest, server_id: str, network: str) -> Reply:
    addresses = _addresses(req, server_id)
    if network not in addresses:
        raise ApiFault(404, "Instance is not a member of specified network")
    return Reply(200, {network: addresses[network]})
