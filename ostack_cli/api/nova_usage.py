"""Nova's ``/os-simple-tenant-usage`` (every project's, admin only) and
``/os-simple-tenant-usage/{project_id}``, on the local backend's server usages
(nova/api/openstack/compute/simple_tenant_usage.py, views/usages.py).

- ``start`` and ``end`` in one of Nova's three forms (now when absent); ``start`` must come
  before ``end``, and an ``end`` in the future is cut to now.
- Servers are grouped by project in their order (project, then ID); ``detailed=1`` lists
  each server's usage (``show`` always does); the totals are its hours times the flavor's
  size.
- From 2.40: ``limit``/``marker`` page the servers (not the projects), and a full page has
  ``tenant_usages_links`` (``tenant_usage_links`` for one project). Before, at most
  ``max_limit`` servers and no links.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.backend.models.usage import ServerUsage, UsagePeriod

COLLECTION = "os-simple-tenant-usage"
_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")
_WIRE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"  # oslo's to_primitive for a datetime


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _parse_time(text: str | None) -> datetime:
    if not text:
        return _now()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ApiFault(400, "Invalid datetime string: Datetime is in invalid format")


def period(req: ApiRequest) -> UsagePeriod:
    start = _parse_time(_first(req, "start"))
    stop = _parse_time(_first(req, "end"))
    if not start < stop:
        raise ApiFault(400, "Invalid start time. The start time cannot occur after the end "
                            "time.")
    return UsagePeriod(start=start, stop=min(stop, _now()))


def _first(req: ApiRequest, name: str) -> str | None:
    """Nova reads these with ``parse_qs(...)[name][0]``: the first value."""
    values = req.params.get(name)
    return values[0] if values else None


def _paging(req: ApiRequest) -> tuple[int, str | None, bool]:
    """The page's limit and marker, and whether links are given (2.40)."""
    if not nova_common.at_least(req, "2.40"):
        return nova_common.MAX_LIMIT, None, False
    return nova_common.limit_param(req), req.param("marker"), True


def _time(value: datetime | None) -> str | None:
    return value.strftime(_WIRE_FORMAT) if value is not None else None


def _server_view(usage: ServerUsage) -> dict[str, Any]:
    return {"hours": usage.hours, "flavor": usage.flavor, "instance_id": usage.instance_id,
            "name": usage.name, "tenant_id": usage.tenant_id, "memory_mb": usage.memory_mb,
            "local_gb": usage.local_gb, "vcpus": usage.vcpus,
            "started_at": _time(usage.started_at), "ended_at": _time(usage.ended_at),
            "state": usage.state, "uptime": usage.uptime}


def tenant_usages(usages: list[ServerUsage], window: UsagePeriod,
                  detailed: bool) -> list[dict[str, Any]]:
    """Nova's per-project summaries, in the order the projects first appear."""
    summaries: dict[str, dict[str, Any]] = {}
    for usage in usages:
        summary = summaries.get(usage.tenant_id)
        if summary is None:
            summary = {"tenant_id": usage.tenant_id}
            if detailed:
                summary["server_usages"] = []
            summary.update(total_local_gb_usage=0, total_vcpus_usage=0,
                           total_memory_mb_usage=0, total_hours=0,
                           start=_time(window.start), stop=_time(window.stop))
            summaries[usage.tenant_id] = summary
        summary["total_local_gb_usage"] += usage.local_gb * usage.hours
        summary["total_vcpus_usage"] += usage.vcpus * usage.hours
        summary["total_memory_mb_usage"] += usage.memory_mb * usage.hours
        summary["total_hours"] += usage.hours
        if detailed:
            summary["server_usages"].append(_server_view(usage))
    return list(summaries.values())


def _links(req: ApiRequest, collection: str, usages: list[ServerUsage],
           limit: int) -> list[dict[str, str]]:
    if not usages or len(usages) != limit:
        return []
    from ostack_cli.api.pagination import flat_params, with_params

    # Nova's _get_next_link: the request's parameters sorted by name, then the marker.
    href = with_params(req.service_url(f"{nova_common.API_VERSION_PREFIX}/{collection}"),
                       sorted(flat_params(req.params)), marker=usages[-1].instance_id)
    return [{"rel": "next", "href": href}]


@NOVA.route("GET", f"/v2.1/{COLLECTION}")
def list_tenant_usages(req: ApiRequest) -> Reply:
    window = period(req)
    limit, marker, links = _paging(req)
    usages = req.backend.server_usages(window, limit=limit, marker=marker)
    body: dict[str, Any] = {"tenant_usages": tenant_usages(
        usages, window, detailed=_first(req, "detailed") == "1")}
    if links and (found := _links(req, COLLECTION, usages, limit)):
        body["tenant_usages_links"] = found
    return Reply(200, body)


@NOVA.route("GET", f"/v2.1/{COLLECTION}/{{project_id}}")
def show_tenant_usage(req: ApiRequest, project_id: str) -> Reply:
    window = period(req)
    limit, marker, links = _paging(req)
    usages = req.backend.server_usages(window, project_id=project_id, limit=limit,
                                       marker=marker)
    summaries = tenant_usages(usages, window, detailed=True)
    body: dict[str, Any] = {"tenant_usage": summaries[0] if summaries else {}}
    if links and (found := _links(req, f"{COLLECTION}/{project_id}", usages, limit)):
        body["tenant_usage_links"] = found
    return Reply(200, body)
