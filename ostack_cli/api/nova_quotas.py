"""Nova's ``/limits`` and ``/os-quota-sets`` on the local backend's quotas
(nova/api/openstack/compute/limits.py, views/limits.py, quota_sets.py): the names Nova uses,
and the quotas each microversion leaves out."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.models.server import COMPUTE_QUOTA_ATTRS

# openstacksdk's names for Nova's absolute limits (the backend's Limits) -> Nova's own.
LIMIT_NAMES = {
    "max_total_cores": "maxTotalCores", "personality": "maxPersonality",
    "personality_size": "maxPersonalitySize", "max_total_instances": "maxTotalInstances",
    "max_total_keypairs": "maxTotalKeypairs", "max_server_meta": "maxServerMeta",
    "max_image_meta": "maxImageMeta", "max_total_ram_size": "maxTotalRAMSize",
    "max_server_groups": "maxServerGroups",
    "max_server_group_members": "maxServerGroupMembers",
    "max_total_floating_ips": "maxTotalFloatingIps",
    "max_security_groups": "maxSecurityGroups",
    "max_security_group_rules": "maxSecurityGroupRules",
    "total_ram_used": "totalRAMUsed", "total_cores_used": "totalCoresUsed",
    "total_instances_used": "totalInstancesUsed",
    "total_floating_ips_used": "totalFloatingIpsUsed",
    "total_security_groups_used": "totalSecurityGroupsUsed",
    "total_server_groups_used": "totalServerGroupsUsed",
}
_NETWORK_LIMITS = frozenset({"maxTotalFloatingIps", "maxSecurityGroups",
                             "maxSecurityGroupRules", "totalFloatingIpsUsed",
                             "totalSecurityGroupsUsed"})
_PERSONALITY_LIMITS = frozenset({"maxPersonality", "maxPersonalitySize"})
# The quotas of nova-network Nova still shows before 2.36, always at their defaults.
_NETWORK_QUOTAS = {"fixed_ips": -1, "floating_ips": 10, "security_group_rules": 20,
                   "security_groups": 10}
_INJECTED = ("injected_file_content_bytes", "injected_file_path_bytes", "injected_files")


@NOVA.route("GET", "/v2.1/limits")
def show_limits(req: ApiRequest) -> Reply:
    project_id = req.param("tenant_id") or None
    limits = req.backend.service_limits(project_id, reserved=bool(
        nova_common.bool_param(req.param("reserved"))))
    absolute: dict[str, Any] = {}
    for sdk_name, name in LIMIT_NAMES.items():
        if sdk_name not in limits.absolute:
            continue
        if name in _NETWORK_LIMITS and nova_common.at_least(req, "2.36"):
            continue
        if name == "maxImageMeta" and nova_common.at_least(req, "2.39"):
            continue
        if name in _PERSONALITY_LIMITS and nova_common.at_least(req, "2.57"):
            continue
        absolute[name] = limits.absolute[sdk_name]
    return Reply(200, {"limits": {"rate": [], "absolute": absolute}})


def _shown_quotas(req: ApiRequest) -> list[str]:
    """Nova's quota names at this microversion, in the order it sends them."""
    names = list(COMPUTE_QUOTA_ATTRS)
    if not nova_common.at_least(req, "2.36"):
        names += list(_NETWORK_QUOTAS)
    if nova_common.at_least(req, "2.57"):
        names = [n for n in names if n not in _INJECTED]
    return sorted(names)


def _quota_set(req: ApiRequest, project_id: str | None, limits: dict[str, int],
               usage: dict[str, int] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if project_id is not None:
        body["id"] = project_id
    for name in _shown_quotas(req):
        if name in _NETWORK_QUOTAS:
            value = _NETWORK_QUOTAS[name]
            used = 0
        else:
            value = limits[COMPUTE_QUOTA_ATTRS[name]]
            used = (usage or {}).get(COMPUTE_QUOTA_ATTRS[name], 0)
        body[name] = {"in_use": used, "limit": value, "reserved": 0} if usage is not None \
            else value
    return body


def _project(req: ApiRequest, project_id: str, rule: str) -> None:
    """A member reads its own project's quotas; another project's is an admin's call."""
    principal = req.principal
    own = principal is not None and principal.project is not None \
        and principal.project.id == project_id
    if not own:
        require_nova_admin(req.backend.context, f"os_compute_api:os-quota-sets:{rule}")


@NOVA.route("GET", "/v2.1/os-quota-sets/{project_id}")
def show_quotas(req: ApiRequest, project_id: str) -> Reply:
    _project(req, project_id, "show")
    return Reply(200, {"quota_set": _quota_set(req, project_id,
                                                req.backend.quota_limits(project_id))})


@NOVA.route("GET", "/v2.1/os-quota-sets/{project_id}/detail")
def show_quota_details(req: ApiRequest, project_id: str) -> Reply:
    _project(req, project_id, "detail")
    return Reply(200, {"quota_set": _quota_set(req, project_id,
                                                req.backend.quota_limits(project_id),
                                                req.backend.quota_usage(project_id))})


@NOVA.route("GET", "/v2.1/os-quota-sets/{project_id}/defaults")
def show_quota_defaults(req: ApiRequest, project_id: str) -> Reply:
    return Reply(200, {"quota_set": _quota_set(
        req, project_id, req.backend.quota_limits(project_id, defaults=True))})


_LIMIT = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": -1,
          "maximum": 2**31 - 1}


@NOVA.route("PUT", "/v2.1/os-quota-sets/{project_id}")
def update_quotas(req: ApiRequest, project_id: str) -> Reply:
    allowed = [n for n in _shown_quotas(req) if n not in _NETWORK_QUOTAS]
    properties: dict[str, Any] = {name: _LIMIT for name in allowed}
    properties["force"] = {"type": ["boolean", "string"]}
    body = req.json({"type": "object", "properties": {"quota_set": {
        "type": "object", "properties": properties, "additionalProperties": False}},
        "required": ["quota_set"], "additionalProperties": False})["quota_set"]
    require_nova_admin(req.backend.context, "os_compute_api:os-quota-sets:update")
    changes = {COMPUTE_QUOTA_ATTRS[name]: int(value) for name, value in body.items()
               if name != "force"}
    if any(value < -1 for value in changes.values()):
        raise ApiFault(400, "Quota limit must be -1 or greater.")
    force = body.get("force")
    if not isinstance(force, bool):
        force = nova_common.bool_param(None if force is None else str(force))
    if changes:
        req.backend.set_quotas(project_id, changes, force=force)
    return Reply(200, {"quota_set": _quota_set(req, None,
                                                req.backend.quota_limits(project_id))})


@NOVA.route("DELETE", "/v2.1/os-quota-sets/{project_id}")
def revert_quotas(req: ApiRequest, project_id: str) -> Reply:
    require_nova_admin(req.backend.context, "os_compute_api:os-quota-sets:delete")
    defaults = req.backend.quota_limits(project_id, defaults=True)
    # Nova deletes the project's limits: no check of what the project uses.
    req.backend.set_quotas(project_id, {COMPUTE_QUOTA_ATTRS[name]: defaults[
        COMPUTE_QUOTA_ATTRS[name]] for name in COMPUTE_QUOTA_ATTRS}, force=True)
    return Reply(202)
