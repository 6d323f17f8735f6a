"""Nova's flavors: ``/flavors``, their extra specs and access lists, on the local backend's
flavor service (nova/api/openstack/compute/flavors.py, flavors_extraspecs.py,
flavor_access.py)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.api.nova_views import flavor_view
from ostack_cli.api.pagination import MarkerNotFound, page
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.models.flavor import Flavor, FlavorSpec
from ostack_cli.errors import BadRequest

_SIZE = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "maximum": 2**31 - 1}
_POSITIVE = {**_SIZE, "minimum": 1}
_NON_NEGATIVE = {**_SIZE, "minimum": 0}
_BOOLEAN = {"type": ["boolean", "string"], "enum": [
    True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
    False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"]}
_DESCRIPTION = {"type": ["string", "null"], "minLength": 0, "maxLength": 65535}


def _create_schema(with_description: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "id": {"type": ["string", "number", "null"], "minLength": 1, "maxLength": 255,
               "pattern": "^(?! )[a-zA-Z0-9. _-]+(?<! )$"},
        "ram": _POSITIVE, "vcpus": _POSITIVE, "disk": _NON_NEGATIVE,
        "OS-FLV-EXT-DATA:ephemeral": _NON_NEGATIVE, "swap": _NON_NEGATIVE,
        "rxtx_factor": {"type": ["number", "string"], "pattern": r"^[0-9]+(\.[0-9]+)?$"},
        "os-flavor-access:is_public": _BOOLEAN,
    }
    if with_description:
        properties["description"] = _DESCRIPTION
    return {"type": "object", "properties": {"flavor": {
        "type": "object", "properties": properties,
        "required": ["name", "ram", "vcpus", "disk"], "additionalProperties": False}},
        "required": ["flavor"], "additionalProperties": False}


UPDATE = {"type": "object", "properties": {"flavor": {
    "type": "object", "properties": {"description": _DESCRIPTION},
    "required": ["description"], "additionalProperties": False}},
    "required": ["flavor"], "additionalProperties": False}
_SPEC_VALUE = {"type": ["string", "number", "boolean"], "minLength": 1, "maxLength": 255}
EXTRA_SPECS = {"type": "object", "properties": {"extra_specs": {
    "type": "object", "additionalProperties": _SPEC_VALUE}},
    "required": ["extra_specs"], "additionalProperties": False}
EXTRA_SPEC = {"type": "object", "additionalProperties": _SPEC_VALUE,
              "minProperties": 1, "maxProperties": 1}
_TENANT = {"type": "object", "properties": {"tenant": {
    "type": "string", "pattern": "^[a-zA-Z0-9-]*$", "minLength": 1, "maxLength": 255}},
    "required": ["tenant"], "additionalProperties": False}


def _is_public_filter(req: ApiRequest) -> bool | None:
    """Nova's ``is_public`` filter: admins choose (``none``: all), others see public ones."""
    if not nova_common.is_admin(req):
        return True
    text = req.param("is_public")
    if text is None:
        return True
    if text.strip().lower() == "none":
        return None
    lowered = text.strip().lower()
    if lowered in ("1", "t", "true", "on", "y", "yes"):
        return True
    if lowered in ("0", "f", "false", "off", "n", "no"):
        return False
    raise ApiFault(400, f"Invalid is_public filter [{text}]")


def _int_filter(req: ApiRequest, name: str) -> int | None:
    text = req.param(name)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise ApiFault(400, f"Invalid {name} filter [{text}]") from None


def _listed(req: ApiRequest, *, detail: bool) -> Reply:
    flavors = req.backend.flavors(is_public=_is_public_filter(req),
                                  min_disk=_int_filter(req, "minDisk"),
                                  min_ram=_int_filter(req, "minRam"))
    if not nova_common.is_admin(req):
        flavors = [f for f in flavors if not f.is_disabled]
    name = req.param("name")
    if name is not None:
        flavors = [f for f in flavors if f.name == name]
    limit = nova_common.limit_param(req)
    try:
        result = page(flavors, limit=limit, marker=req.param("marker"), key=lambda f: f.id)
    except MarkerNotFound as exc:
        raise ApiFault(400, f"marker [{exc.marker}] not found") from None
    body: dict[str, Any] = {"flavors": [flavor_view(req, f, detail=detail)
                                        for f in result.items]}
    body.update(nova_common.collection_links(req, "flavors/detail" if detail else "flavors",
                                             result.items, limit))
    return Reply(200, body)


@NOVA.route("GET", "/v2.1/flavors")
def list_flavors(req: ApiRequest) -> Reply:
    return _listed(req, detail=False)


@NOVA.route("GET", "/v2.1/flavors/detail")
def list_flavors_detail(req: ApiRequest) -> Reply:
    return _listed(req, detail=True)


@NOVA.route("GET", "/v2.1/flavors/{flavor_id}")
def show_flavor(req: ApiRequest, flavor_id: str) -> Reply:
    return Reply(200, {"flavor": flavor_view(req, nova_common.flavor_by_id(req, flavor_id))})


def _number(value: Any) -> int:
    return int(value)


@NOVA.route("POST", "/v2.1/flavors")
def create_flavor(req: ApiRequest) -> Reply:
    body = req.json(_create_schema(nova_common.at_least(req, "2.55")))["flavor"]
    require_nova_admin(req.backend.context, "os_compute_api:os-flavor-manage:create")
    flavor_id = body.get("id")
    is_public = body.get("os-flavor-access:is_public", True)
    spec = FlavorSpec(
        name=body["name"], id=None if flavor_id is None else str(flavor_id),
        ram=_number(body["ram"]), vcpus=_number(body["vcpus"]), disk=_number(body["disk"]),
        ephemeral=_number(body.get("OS-FLV-EXT-DATA:ephemeral", 0)),
        swap=_number(body.get("swap", 0)),
        rxtx_factor=float(body.get("rxtx_factor", 1.0)),
        is_public=is_public if isinstance(is_public, bool)
        else str(is_public).lower() in ("1", "true", "on", "yes"),
        description=body.get("description"))
    flavor = req.backend.create_flavor(spec)
    return Reply(200, {"flavor": flavor_view(req, flavor)})


@NOVA.route("PUT", "/v2.1/flavors/{flavor_id}")
def update_flavor(req: ApiRequest, flavor_id: str) -> Reply:
    nova_common.require_version(req, "2.55")
    body = req.json(UPDATE)["flavor"]
    require_nova_admin(req.backend.context, "os_compute_api:os-flavor-manage:update")
    flavor = nova_common.flavor_by_id(req, flavor_id)
    # The backend's None means "no change": a null description is stored as "".
    updated = req.backend.update_flavor(flavor, description=body["description"] or "")
    return Reply(200, {"flavor": flavor_view(req, updated)})


@NOVA.route("DELETE", "/v2.1/flavors/{flavor_id}")
def delete_flavor(req: ApiRequest, flavor_id: str) -> Reply:
    require_nova_admin(req.backend.context, "os_compute_api:os-flavor-manage:delete")
    req.backend.delete_flavor(nova_common.flavor_by_id(req, flavor_id))
    return Reply(202)


# -- extra specs ---------------------------------------------------------------------------


def _no_spec(flavor_id: str, key: str) -> ApiFault:
    return ApiFault(404, f"Flavor {flavor_id} has no extra specs with key {key}.")


def _spec_values(specs: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in specs.items()}


@NOVA.route("GET", "/v2.1/flavors/{flavor_id}/os-extra_specs")
def list_extra_specs(req: ApiRequest, flavor_id: str) -> Reply:
    return Reply(200, {"extra_specs": dict(nova_common.flavor_by_id(req, flavor_id)
                                           .extra_specs)})


@NOVA.route("POST", "/v2.1/flavors/{flavor_id}/os-extra_specs")
def create_extra_specs(req: ApiRequest, flavor_id: str) -> Reply:
    body = req.json(EXTRA_SPECS)
    require_nova_admin(req.backend.context, "os_compute_api:os-flavor-extra-specs:create")
    flavor = nova_common.flavor_by_id(req, flavor_id)
    req.backend.update_flavor(flavor, set_specs=_spec_values(body["extra_specs"]))
    return Reply(200, body)


@NOVA.route("GET", "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}")
def show_extra_spec(req: ApiRequest, flavor_id: str, key: str) -> Reply:
    flavor = nova_common.flavor_by_id(req, flavor_id)
    if key not in flavor.extra_specs:
        raise _no_spec(flavor_id, key)
    return Reply(200, {key: flavor.extra_specs[key]})


@NOVA.route("PUT", "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}")
def update_extra_spec(req: ApiRequest, flavor_id: str, key: str) -> Reply:
    body = req.json(EXTRA_SPEC)
    require_nova_admin(req.backend.context, "os_compute_api:os-flavor-extra-specs:update")
    if key not in body:
        raise ApiFault(400, "Request body and URI mismatch")
    flavor = nova_common.flavor_by_id(req, flavor_id)
    req.backend.update_flavor(flavor, set_specs=_spec_values(body))
    return Reply(200, body)


@NOVA.route("DELETE", "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}")
def delete_extra_spec(req: ApiRequest, flavor_id: str, key: str) -> Reply:
    require_nova_admin(req.backend.context, "os_compute_api:os-flavor-extra-specs:delete")
    flavor = nova_common.flavor_by_id(req, flavor_id)
    if key not in flavor.extra_specs:
        raise _no_spec(flavor_id, key)
    req.backend.update_flavor(flavor, unset_specs=[key])
    return Reply(200)


# -- access ----------------------------------------------------------------------------------


def _access(flavor: Flavor) -> dict[str, Any]:
    return {"flavor_access": [{"flavor_id": flavor.id, "tenant_id": project}
                              for project in flavor.access_project_ids]}


@NOVA.route("GET", "/v2.1/flavors/{flavor_id}/os-flavor-access")
def list_flavor_access(req: ApiRequest, flavor_id: str) -> Reply:
    require_nova_admin(req.backend.context, "os_compute_api:os-flavor-access")
    flavor = nova_common.flavor_by_id(req, flavor_id)
    if flavor.is_public:
        raise ApiFault(404, "Access list not available for public flavors.")
    return Reply(200, _access(flavor))


FLAVOR_ACTION = {"type": "object", "minProperties": 1, "maxProperties": 1, "properties": {
    "addTenantAccess": _TENANT, "removeTenantAccess": _TENANT},
    "additionalProperties": False}


@NOVA.route("POST", "/v2.1/flavors/{flavor_id}/action")
def flavor_action(req: ApiRequest, flavor_id: str) -> Reply:
    body = req.json()
    if not isinstance(body, dict) or len(body) != 1:
        raise ApiFault(400, "There is no such action: None" if not body
                       else f"There is no such action: {next(iter(body))}")
    action = next(iter(body))
    if action not in ("addTenantAccess", "removeTenantAccess"):
        raise ApiFault(400, f"There is no such action: {action}")
    req.json(FLAVOR_ACTION)
    tenant = body[action]["tenant"]
    rule = "add_tenant_access" if action == "addTenantAccess" else "remove_tenant_access"
    require_nova_admin(req.backend.context, f"os_compute_api:os-flavor-access:{rule}")
    flavor = nova_common.flavor_by_id(req, flavor_id)
    try:
        if action == "addTenantAccess":
            updated = req.backend.update_flavor(flavor, add_projects=[tenant])
        else:
            updated = req.backend.update_flavor(flavor, remove_projects=[tenant])
    except BadRequest as exc:
        # Nova's FlavorAccessNotFound is a 404.
        raise ApiFault(404, exc.message) from None
    return Reply(200, _access(updated))
