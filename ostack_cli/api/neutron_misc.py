"""Neutron's quotas (``/v2.0/quotas``), extensions (``/v2.0/extensions``) and tags
(``/v2.0/<collection>/<id>/tags``) on the local backend (neutron/extensions/quotasv2.py,
quotasv2_detail.py, neutron/api/extensions.py, neutron/extensions/tagging.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ostack_cli.api import neutron_common as nc
from ostack_cli.api.faults import ApiFault, webob_page
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.neutron import NEUTRON
from ostack_cli.backend.local.policy import neutron_forbidden
from ostack_cli.backend.models.discovery import Extension

# Neutron's quota names -> the real client's (the backend's).
QUOTA_NAMES = {
    "network": "networks", "subnet": "subnets", "subnetpool": "subnet-pools",
    "port": "ports", "router_route": "router-routes", "router": "routers",
    "floatingip": "floating-ips", "rbac_policy": "rbac-policies",
    "security_group": "secgroups", "security_group_rule": "secgroup-rules",
}


def _quota(limits: dict[str, int]) -> dict[str, int]:
    return {name: limits[client] for name, client in QUOTA_NAMES.items()}


def _own_or_admin(req: ApiRequest, project_id: str, action: str) -> None:
    principal = req.principal
    own = principal is not None and principal.project is not None \
        and principal.project.id == project_id
    if not own and not (principal and principal.is_admin):
        raise neutron_forbidden(action)


@NEUTRON.route("GET", "/v2.0/quotas")
def list_quotas(req: ApiRequest) -> Reply:
    if not (req.principal and req.principal.is_admin):
        raise neutron_forbidden("get_quota")
    sets = req.backend.project_quota_sets("network")
    quotas = []
    for entry in sets:
        if entry.limits == entry.defaults:
            continue  # Neutron lists only projects with quotas of their own
        body = {name: entry.limits[attr] for name, attr in (
            ("network", "networks"), ("subnet", "subnets"), ("subnetpool", "subnet_pools"),
            ("port", "ports"), ("router_route", "router_routes"), ("router", "routers"),
            ("floatingip", "floating_ips"), ("rbac_policy", "rbac_policies"),
            ("security_group", "security_groups"),
            ("security_group_rule", "security_group_rules"))}
        body.update({"project_id": entry.project_id, "tenant_id": entry.project_id})
        quotas.append(body)
    return Reply(200, {"quotas": quotas})


@NEUTRON.route("GET", "/v2.0/quotas/{project_id}")
def show_quota(req: ApiRequest, project_id: str) -> Reply:
    _own_or_admin(req, project_id, "get_quota")
    return Reply(200, {"quota": _quota(req.backend.quota_limits(project_id))})


@NEUTRON.route("GET", "/v2.0/quotas/{project_id}/default")
def show_quota_default(req: ApiRequest, project_id: str) -> Reply:
    _own_or_admin(req, project_id, "get_quota")
    return Reply(200, {"quota": _quota(req.backend.quota_limits(project_id, defaults=True))})


@NEUTRON.route("GET", "/v2.0/quotas/{project_id}/details")
def show_quota_details(req: ApiRequest, project_id: str) -> Reply:
    _own_or_admin(req, project_id, "get_quota")
    limits = req.backend.quota_limits(project_id)
    usage = req.backend.quota_usage(project_id)
    return Reply(200, {"quota": {
        name: {"limit": limits[client], "used": usage.get(client, 0), "reserved": 0}
        for name, client in QUOTA_NAMES.items()}})


@NEUTRON.route("PUT", "/v2.0/quotas/{project_id}")
def update_quota(req: ApiRequest, project_id: str) -> Reply:
    data = req.json()
    if not isinstance(data, dict) or not isinstance(data.get("quota"), dict):
        raise ApiFault(400, "Unable to find 'quota' in request body")
    values = dict(data["quota"])
    # Accepted and ignored since Epoxy: Neutron always checks the usage.
    values.pop("check_limit", None)
    unknown = [k for k in values if k not in QUOTA_NAMES and k != "force"]
    if unknown:
        raise ApiFault(400, f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    if not (req.principal and req.principal.is_admin):
        raise neutron_forbidden("update_quota")
    changes = {}
    for name, value in values.items():
        if name == "force":
            continue
        number = nc.to_int(value)
        if number < -1:
            raise ApiFault(400, f"Invalid input for {name}. Reason: '{number}' is smaller "
                                "than the minimum value of -1.", kind="HTTPBadRequest")
        changes[QUOTA_NAMES[name]] = number
    force = nc.to_bool(values["force"]) if "force" in values else None
    if changes:
        req.backend.set_quotas(project_id, changes, force=force)
    return Reply(200, {"quota": _quota(req.backend.quota_limits(project_id))})


@NEUTRON.route("DELETE", "/v2.0/quotas/{project_id}")
def reset_quota(req: ApiRequest, project_id: str) -> Reply:
    if not (req.principal and req.principal.is_admin):
        raise neutron_forbidden("delete_quota")
    defaults = req.backend.quota_limits(project_id, defaults=True)
    # Neutron deletes the project's limits: no check of what the project uses.
    req.backend.set_quotas(project_id, {client: defaults[client]
                                        for client in QUOTA_NAMES.values()}, force=True)
    return Reply(204)


# -- extensions ------------------------------------------------------------------------------


def _extension(extension: Extension) -> dict[str, Any]:
    return {"name": extension.name, "alias": extension.alias,
            "description": extension.description, "updated": extension.updated_at,
            "links": list(extension.links or [])}


@NEUTRON.route("GET", "/v2.0/extensions")
def list_extensions(req: ApiRequest) -> Reply:
    return Reply(200, {"extensions": [_extension(e)
                                      for e in req.backend.extensions("network")]})


@NEUTRON.route("GET", "/v2.0/extensions/{alias}")
def show_extension(req: ApiRequest, alias: str) -> Reply:
    found = next((e for e in req.backend.extensions("network") if e.alias == alias), None)
    if found is None:
        page = webob_page("404 Not Found", f"Extension with alias {alias} does not exist")
        return Reply(404, raw=page.encode(), content_type="text/html; charset=UTF-8")
    return Reply(200, {"extension": _extension(found)})


# -- tags ------------------------------------------------------------------------------------

_TAG_MAX = 255


def _tagged(collection: str) -> tuple[Callable[[ApiRequest, str], Any],
                                      Callable[[ApiRequest, Any, list[str]], Any]]:
    """How to find a resource of ``collection`` by ID and set its tags."""
    from ostack_cli.api import (
        neutron_networks,
        neutron_ports,
        neutron_routers,
        neutron_security,
        neutron_subnet_pools,
    )

    finders: dict[str, Callable[[ApiRequest, str], Any]] = {
        "networks": neutron_networks.network_by_id, "subnets": neutron_networks.subnet_by_id,
        "ports": neutron_ports.port_by_id, "routers": neutron_routers.router_by_id,
        "floatingips": neutron_routers.floating_ip_by_id,
        "security-groups": neutron_security.group_by_id,
        "subnetpools": neutron_subnet_pools.subnet_pool_by_id,
    }

    def update(req: ApiRequest, resource: Any, tags: list[str]) -> Any:
        backend = req.backend
        setters: dict[str, Callable[..., Any]] = {
            "networks": backend.update_network, "subnets": backend.update_subnet,
            "ports": backend.update_port, "routers": backend.update_router,
            "floatingips": backend.update_floating_ip,
            "security-groups": backend.update_security_group,
            "subnetpools": backend.update_subnet_pool,
        }
        return setters[collection](resource, tags=tags)

    return finders[collection], update


def _check_tag(tag: str) -> None:
    if not tag or len(tag) > _TAG_MAX or "," in tag or "/" in tag:
        raise ApiFault(400, f"Invalid input for operation: '{tag}' is not a valid tag.",
                       kind="InvalidInput")


def _declare_tags(collection: str, id_name: str) -> None:
    # falcon wants one field name per path level: the resource's own routes' name.
    base = f"/v2.0/{collection}/{{{id_name}}}/tags"

    def list_tags(req: ApiRequest, **ids: str) -> Reply:
        resource_id = ids[id_name]
        find, _ = _tagged(collection)
        return Reply(200, {"tags": list(find(req, resource_id).tags)})

    def replace_tags(req: ApiRequest, **ids: str) -> Reply:
        resource_id = ids[id_name]
        data = req.json()
        tags = data.get("tags") if isinstance(data, dict) else None
        if not isinstance(tags, list):
            raise ApiFault(400, "Invalid input for operation: Invalid tags body.",
                           kind="InvalidInput")
        for tag in tags:
            _check_tag(str(tag))
        find, update = _tagged(collection)
        resource = update(req, find(req, resource_id), [str(t) for t in dict.fromkeys(tags)])
        return Reply(200, {"tags": list(resource.tags)})

    def clear_tags(req: ApiRequest, **ids: str) -> Reply:
        resource_id = ids[id_name]
        find, update = _tagged(collection)
        update(req, find(req, resource_id), [])
        return Reply(204)

    def check_tag(req: ApiRequest, tag: str, **ids: str) -> Reply:
        resource_id = ids[id_name]
        find, _ = _tagged(collection)
        if tag not in find(req, resource_id).tags:
            raise ApiFault(404, f"Tag {tag} could not be found.", kind="TagNotFound")
        return Reply(204)

    def add_tag(req: ApiRequest, tag: str, **ids: str) -> Reply:
        resource_id = ids[id_name]
        _check_tag(tag)
        find, update = _tagged(collection)
        resource = find(req, resource_id)
        if tag not in resource.tags:
            update(req, resource, [*resource.tags, tag])
        return Reply(201)

    def remove_tag(req: ApiRequest, tag: str, **ids: str) -> Reply:
        resource_id = ids[id_name]
        find, update = _tagged(collection)
        resource = find(req, resource_id)
        if tag not in resource.tags:
            raise ApiFault(404, f"Tag {tag} could not be found.", kind="TagNotFound")
        update(req, resource, [t for t in resource.tags if t != tag])
        return Reply(204)

    NEUTRON.route("GET", base)(list_tags)
    NEUTRON.route("PUT", base)(replace_tags)
    NEUTRON.route("DELETE", base)(clear_tags)
    NEUTRON.route("GET", f"{base}/{{tag}}")(check_tag)
    NEUTRON.route("PUT", f"{base}/{{tag}}")(add_tag)
    NEUTRON.route("DELETE", f"{base}/{{tag}}")(remove_tag)


for _collection, _id_name in (("networks", "network_id"), ("subnets", "subnet_id"),
                              ("ports", "port_id"), ("routers", "router_id"),
                              ("floatingips", "fip_id"), ("security-groups", "group_id"),
                              ("subnetpools", "pool_id")):
    _declare_tags(_collection, _id_name)


# -- availability zones ------------------------------------------------------------------


@NEUTRON.route("GET", "/v2.0/availability_zones")
def list_availability_zones(req: ApiRequest) -> Reply:
    zones = req.backend.availability_zones("network")
    return nc.listed(req, "availability_zones", (
        {"name": z.name, "resource": z.resource,
         "state": "available" if z.available else "unavailable"} for z in zones))
