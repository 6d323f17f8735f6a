"""Cinder's volume types, absolute limits, quota sets and availability zones on the local
backend (cinder/api/v2/types.py, v3/types.py, v3/limits.py, contrib/quotas.py,
contrib/availability_zones.py) and its extension list (api/extensions.py)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import cinder, cinder_views
from ostack_cli.api.cinder import route
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.backend.local.cinder_rules import QUOTA_DEFAULTS
from ostack_cli.backend.local.volume_quotas import cinder_forbidden
from ostack_cli.backend.models.discovery import Extension
from ostack_cli.backend.models.server import VOLUME_QUOTA_ATTRS
from ostack_cli.backend.models.volume import VolumeType
from ostack_cli.errors import NotFound

# Keys a quota update may carry that are no quotas (contrib/quotas.py NON_QUOTA_KEYS).
_NON_QUOTA_KEYS = ("tenant_id", "id")


# -- types ----------------------------------------------------------------------------------


def _type_by_id(req: ApiRequest, type_id: str) -> VolumeType:
    try:
        found = req.backend.find_volume_type(type_id)
    except NotFound:
        found = None
    if found is None or found.id != type_id:
        raise ApiFault(404, f"Volume type {type_id} could not be found.")
    return found


def _is_public(req: ApiRequest) -> bool | None:
    """``is_public``: admins may ask for private (``false``) or every (``none``) type;
    members see public ones (cinder/api/v2/types.py ``_parse_is_public``)."""
    text = (req.param("is_public") or "").strip().lower()
    if not cinder.is_admin(req) or text == "":
        return True
    if text == "none":
        return None
    if text in ("1", "t", "true", "on", "y", "yes"):
        return True
    if text in ("0", "f", "false", "off", "n", "no"):
        return False
    raise ApiFault(400, f"Invalid is_public filter [{req.param('is_public')}]")


@route("GET", "/types")
def list_types(req: ApiRequest, project_id: str | None = None) -> Reply:
    types = req.backend.volume_types(is_public=_is_public(req))
    return Reply(200, {"volume_types": [cinder_views.type_view(req, t) for t in types]})


@route("GET", "/types/default")
def show_default_type(req: ApiRequest, project_id: str | None = None) -> Reply:
    found = req.backend.volume_types(default=True)
    if not found:
        raise ApiFault(404, "Default volume type can not be found.")
    return Reply(200, {"volume_type": cinder_views.type_view(req, found[0],
                                                              access_attribute=False)})


@route("GET", "/types/{type_id}")
def show_type(req: ApiRequest, type_id: str, project_id: str | None = None) -> Reply:
    return Reply(200, {"volume_type": cinder_views.type_view(req, _type_by_id(req, type_id))})


@route("GET", "/types/{type_id}/extra_specs")
def show_type_extra_specs(req: ApiRequest, type_id: str,
                          project_id: str | None = None) -> Reply:
    return Reply(200, {"extra_specs": dict(_type_by_id(req, type_id).extra_specs)})


# -- limits and quotas ----------------------------------------------------------------------


def _token_project(req: ApiRequest) -> str:
    principal = req.principal
    return principal.project.id if principal and principal.project else ""


@route("GET", "/limits")
def show_limits(req: ApiRequest, project_id: str | None = None) -> Reply:
    quotas = req.backend.volume_quotas(_token_project(req), usage=True)
    limits, used = quotas.limits, quotas.usage
    # Cinder's os-used-limits, in its order.
    absolute = {
        "maxTotalVolumes": limits["volumes"], "maxTotalSnapshots": limits["snapshots"],
        "maxTotalVolumeGigabytes": limits["gigabytes"], "maxTotalBackups": limits["backups"],
        "maxTotalBackupGigabytes": limits["backup_gigabytes"],
        "totalVolumesUsed": used.get("volumes", 0),
        "totalGigabytesUsed": used.get("gigabytes", 0),
        "totalSnapshotsUsed": used.get("snapshots", 0),
        "totalBackupsUsed": used.get("backups", 0),
        "totalBackupGigabytesUsed": used.get("backup_gigabytes", 0),
    }
    return Reply(200, {"limits": {"rate": [], "absolute": absolute}})


def _may_read(req: ApiRequest, target: str) -> None:
    """A member reads its own project's quotas; another project's is an admin's call."""
    if target != _token_project(req) and not cinder.is_admin(req):
        raise cinder_forbidden("volume_extension:quotas:show")


def _quota_set(limits: dict[str, int | None], usage: dict[str, int] | None = None,
               reserved: dict[str, int] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in QUOTA_DEFAULTS:
        limit = limits.get(name)
        if usage is None:
            body[name] = limit
        else:
            body[name] = {"limit": limit, "in_use": usage.get(name, 0),
                          "reserved": (reserved or {}).get(name, 0)}
    return body


@route("GET", "/os-quota-sets/{target}")
def show_quotas(req: ApiRequest, target: str, project_id: str | None = None) -> Reply:
    _may_read(req, target)
    usage = (req.param("usage") or "").strip().lower() in ("1", "t", "true", "on", "y", "yes")
    quotas = req.backend.volume_quotas(target, usage=usage)
    body = _quota_set(quotas.limits, quotas.usage if usage else None, quotas.reserved)
    body["id"] = target
    return Reply(200, {"quota_set": body})


@route("GET", "/os-quota-sets/{target}/defaults")
def show_quota_defaults(req: ApiRequest, target: str, project_id: str | None = None) -> Reply:
    _may_read(req, target)
    body = _quota_set(req.backend.volume_quotas(target, defaults=True).limits)
    body["id"] = target
    return Reply(200, {"quota_set": body})


@route("PUT", "/os-quota-sets/{target}")
def update_quotas(req: ApiRequest, target: str, project_id: str | None = None) -> Reply:
    asked = req.json({"type": "object", "properties": {"quota_set": {"type": "object"}},
                      "required": ["quota_set"], "additionalProperties": False})["quota_set"]
    if not cinder.is_admin(req):
        raise cinder_forbidden("volume_extension:quotas:update")
    bad = [key for key in asked if key not in QUOTA_DEFAULTS and key not in _NON_QUOTA_KEYS]
    if bad:
        raise ApiFault(400, f"Bad key(s) in quota set: {','.join(bad)}")
    limits: dict[str, int] = {}
    for key, value in asked.items():
        if key in _NON_QUOTA_KEYS:
            continue
        if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, str)
                                           and value.lstrip("-").isdigit())):
            raise ApiFault(400, f"Invalid input for field/attribute {key}. Value: {value}. "
                                f"{value!r} is not of type 'integer', 'string'")
        # The backend takes the real client's names (Cinder's, per-type ones as they are).
        limits[VOLUME_QUOTA_ATTRS.get(key, key)] = int(value)
    if limits:
        req.backend.set_quotas(target, limits)
    return Reply(200, {"quota_set": _quota_set(req.backend.volume_quotas(target).limits)})


# -- availability zones ---------------------------------------------------------------------


@route("GET", "/os-availability-zone")
def list_availability_zones(req: ApiRequest, project_id: str | None = None) -> Reply:
    zones = req.backend.availability_zones("volume")
    return Reply(200, {"availabilityZoneInfo": [
        {"zoneName": zone.name, "zoneState": {"available": zone.available}}
        for zone in zones]})


# -- extensions (cinder/api/extensions.py ExtensionsResource) -------------------------------


def _extension(extension: Extension) -> dict[str, Any]:
    # Cinder sends no namespace and, for now, no links.
    return {"name": extension.name, "alias": extension.alias,
            "description": extension.description, "updated": extension.updated_at,
            "links": []}


@route("GET", "/extensions")
def list_extensions(req: ApiRequest, project_id: str | None = None) -> Reply:
    return Reply(200, {"extensions": [_extension(e) for e in req.backend.extensions("volume")]})
