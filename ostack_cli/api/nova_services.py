"""Nova's compute services and hosts: ``/os-services`` (nova/api/openstack/compute/services.py)
and the deprecated ``/os-hosts`` (hosts.py, microversions up to 2.42), on the local backend's
compute hosts.

``PUT /os-services/{id}`` is two APIs: from 2.53 ``{id}`` is the service's UUID and the body
its new ``status``/``disabled_reason``/``forced_down``; before, ``{id}`` names an action
(``enable``, ``disable``, ``disable-log-reason``, ``force-down`` from 2.11) on the service
that ``host`` and ``binary`` name, and the answer echoes what was asked. Nova checks the
policy before it looks at the ID, so does this."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.backend.local.compute_hosts import is_uuid_like
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.models.compute_host import COMPUTE_BINARY, ComputeService
from ostack_cli.errors import OstackError

_TRUE = ("1", "t", "true", "on", "y", "yes")  # oslo bool_from_string
# nova/api/validation/parameter_types.py ``boolean``.
_BOOLEAN = {"type": ["boolean", "string"], "enum": [
    True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
    False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"]}


def _service_view(req: ApiRequest, service: ComputeService, *,
                  forced_down: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"id": service.id, "binary": service.binary,
                            "disabled_reason": service.disabled_reason,
                            "host": service.host, "state": service.state,
                            "status": service.status, "updated_at": service.updated_at,
                            "zone": service.zone}
    if forced_down or nova_common.at_least(req, "2.11"):
        body["forced_down"] = service.forced_down
    return body


@NOVA.route("GET", "/v2.1/os-services")
def list_services(req: ApiRequest) -> Reply:
    services = req.backend.compute_services(host=req.param("host"),
                                            binary=req.param("binary"))
    return Reply(200, {"services": [_service_view(req, s) for s in services]})


def _by_id(req: ApiRequest, service_id: str) -> ComputeService | None:
    return next((s for s in req.backend.compute_services() if s.id == service_id), None)


@NOVA.route("PUT", "/v2.1/os-services/{service_id}")
def update_service(req: ApiRequest, service_id: str) -> Reply:
    if nova_common.at_least(req, "2.53"):
        return _update_v253(req, service_id)
    require_nova_admin(req.backend.context, "os_compute_api:os-services:update")
    actions = {"enable", "disable", "disable-log-reason"}
    if nova_common.at_least(req, "2.11"):
        actions.add("force-down")
    if service_id not in actions:
        raise ApiFault(404, "Unknown action")
    properties: dict[str, Any] = {"host": {"type": "string"}, "binary": {"type": "string"},
                                  "disabled_reason": {"type": "string"}}
    if service_id == "force-down":
        properties["forced_down"] = {}
    body = req.json({"type": "object", "properties": properties,
                     "required": ["host", "binary"], "additionalProperties": False})
    host, binary = body["host"], body["binary"]
    answer: dict[str, Any] = {"host": host, "binary": binary}
    if service_id == "force-down":
        if "forced_down" not in body:
            raise ApiFault(400, "Missing forced_down field")
        forced_down = str(body["forced_down"]).strip().lower() in _TRUE
        service = _by_host_and_binary(req, host, binary)
        req.backend.set_compute_service_forced_down(service, forced_down)
        answer["forced_down"] = forced_down
        return Reply(200, {"service": answer})
    reason = None
    if service_id == "disable-log-reason":
        if "disabled_reason" not in body:
            raise ApiFault(400, "Missing disabled reason field")
        reason = body["disabled_reason"]
    enabled = service_id == "enable"
    service = _by_host_and_binary(req, host, binary)
    req.backend.set_compute_service_status(service, enabled=enabled, disabled_reason=reason)
    answer["status"] = "enabled" if enabled else "disabled"
    if reason:
        answer["disabled_reason"] = reason
    return Reply(200, {"service": answer})


def _by_host_and_binary(req: ApiRequest, host: str, binary: str) -> ComputeService:
    if binary != COMPUTE_BINARY:
        raise ApiFault(400, f"Updating a {binary} service is not supported. Only "
                            "nova-compute services can be updated.")
    for service in req.backend.compute_services(host=host, binary=binary):
        return service
    raise ApiFault(404, f"Could not find binary {binary} on host {host}.")


def _update_v253(req: ApiRequest, service_id: str) -> Reply:
    body = req.json({"type": "object", "properties": {
        "status": {"type": "string", "enum": ["enabled", "disabled"]},
        "disabled_reason": {"type": "string", "minLength": 1, "maxLength": 255},
        "forced_down": _BOOLEAN}, "additionalProperties": False})
    if not is_uuid_like(service_id):
        raise ApiFault(400, f"Invalid uuid {service_id}")
    require_nova_admin(req.backend.context, "os_compute_api:os-services:update")
    service = _by_id(req, service_id)
    if service is None:
        raise ApiFault(404, f"Service {service_id} could not be found.")
    if service.binary != COMPUTE_BINARY:
        raise ApiFault(400, f"Updating a {service.binary} service is not supported. Only "
                            "nova-compute services can be updated.")
    status, forced_down = body.get("status"), body.get("forced_down")
    if status is None and forced_down is None:
        raise ApiFault(400, "No updates were requested. Fields 'status' or 'forced_down' "
                            "should be specified.")
    if status is not None:
        req.backend.set_compute_service_status(service, enabled=status == "enabled",
                                               disabled_reason=body.get("disabled_reason"))
    if forced_down is not None:
        req.backend.set_compute_service_forced_down(
            service, str(forced_down).strip().lower() in _TRUE)
    updated = _by_id(req, service_id) or service
    return Reply(200, {"service": _service_view(req, updated, forced_down=True)})


@NOVA.route("DELETE", "/v2.1/os-services/{service_id}")
def delete_service(req: ApiRequest, service_id: str) -> Reply:
    require_nova_admin(req.backend.context, "os_compute_api:os-services:delete")
    if not nova_common.at_least(req, "2.53"):
        if not service_id.lstrip("-").isdigit():
            raise ApiFault(400, "Invalid input received: id must be an integer")
        # The local services have UUIDs only (what 2.53+ shows): no integer names one.
        raise ApiFault(404, f"Service {service_id} not found.")
    req.backend.delete_compute_service(service_id)
    return Reply(204)


# -- os-hosts (deprecated; gone from 2.43) ---------------------------------------------------


@NOVA.route("GET", "/v2.1/os-hosts")
def list_hosts(req: ApiRequest) -> Reply:
    nova_common.require_version(req, "2.1", "2.42")
    zone = req.param("zone")
    hosts = [{"host_name": h.host_name, "service": h.service, "zone": h.zone}
             for h in req.backend.host_services() if not zone or h.zone == zone]
    return Reply(200, {"hosts": hosts})


@NOVA.route("GET", "/v2.1/os-hosts/{host}")
def show_host(req: ApiRequest, host: str) -> Reply:
    nova_common.require_version(req, "2.1", "2.42")
    return Reply(200, {"host": [
        {"resource": {"host": r.host, "project": r.project, "cpu": r.cpu,
                      "memory_mb": r.memory_mb, "disk_gb": r.disk_gb}}
        for r in req.backend.host_resources(host)]})


_ENABLE_DISABLE = ["enable", "disable", "Enable", "Disable", "ENABLE", "DISABLE"]


@NOVA.route("PUT", "/v2.1/os-hosts/{host}")
def update_host(req: ApiRequest, host: str) -> Reply:
    nova_common.require_version(req, "2.1", "2.42")
    body = req.json({"type": "object", "properties": {
        "status": {"type": "string", "enum": _ENABLE_DISABLE},
        "maintenance_mode": {"type": "string", "enum": _ENABLE_DISABLE}},
        "anyOf": [{"required": ["status"]}, {"required": ["maintenance_mode"]}],
        "additionalProperties": False})
    answer: dict[str, Any] = {"host": host}
    if "status" in body:
        enabled = body["status"].lower() == "enable"
        req.backend.set_host(host, enabled=enabled)
        # nova-compute's set_host_enabled answers the state it set.
        answer["status"] = "enabled" if enabled else "disabled"
    if "maintenance_mode" in body:
        try:
            req.backend.set_host(host,
                                 maintenance=body["maintenance_mode"].lower() == "enable")
        except OstackError as exc:
            if type(exc) is not OstackError:
                raise
            # libvirt has no maintenance mode: common.raise_feature_not_supported.
            raise ApiFault(501, str(exc)) from None
    return Reply(200, {"host": answer})
