"""Placement under ``/placement``, read only: resource providers, their inventories, usages,
allocations, aggregates and traits, and project usages (placement/handlers/*.py).

The one provider is the compute node (``backend/local/placement.py``), identified and named
as Nova's hypervisor. Microversions as placement/microversion.py negotiates them:
``OpenStack-API-Version: placement 1.14``, none meaning 1.0, ``latest`` 1.39; every
response names the version it was served at and ``Vary``s on the header. Errors are
Placement's ``{"errors": [{"status", "title", "detail", "request_id"}]}``; every route is
admin-only (placement/policies/*.py: ``placement:resource_providers:list`` ...). Links are
relative to the mount, as Placement writes them behind devstack's ``/placement``.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

from ostack_cli.api.catalog import PLACEMENT_MOUNT
from ostack_cli.api.faults import REASONS, ApiFault, ErrorStyle, Rendered
from ostack_cli.api.http import ApiRequest, Reply, Service
from ostack_cli.backend.models.placement import ResourceProvider

HEADER = "OpenStack-API-Version"
SERVICE = "placement"
MIN_VERSION = (1, 0)
MAX_VERSION = (1, 39)
MALFORMED = "Malformed JSON in request body."
# webob's explanation of each status, which Placement's error detail starts with.
_EXPLANATIONS = {
    400: "The server could not comply with the request since it is either malformed or "
         "otherwise incorrect.",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    405: "The server could not comply with the request since it is either malformed or "
         "otherwise incorrect.",
    406: "The resource could not be generated that was acceptable to your browser (content "
         "of type application/json. ",
}


def _text(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


@dataclasses.dataclass(frozen=True)
class PlacementErrors(ErrorStyle):
    request_id: str = ""

    def render(self, fault: ApiFault, *, accept: str = "") -> Rendered:
        explanation = _EXPLANATIONS.get(fault.status, "")
        error: dict[str, Any] = {
            "status": fault.status, "title": REASONS.get(fault.status, "Error"),
            "detail": f"{explanation}\n\n {fault.message}  ",
            "request_id": self.request_id}
        if fault.status == 406:
            error.update(max_version=_text(MAX_VERSION), min_version=_text(MIN_VERSION))
        return Rendered(fault.status, "application/json",
                        json.dumps({"errors": [error]}).encode(), dict(fault.headers))


class Placement(Service):
    def prepare(self, req: ApiRequest) -> None:
        req.state["placement_version"] = _negotiate(_requested(req.headers))

    def response_headers(self, req: ApiRequest) -> list[tuple[str, str]]:
        version = req.state.get("placement_version")
        if version is None:
            return []
        return [(HEADER, f"{SERVICE} {_text(version)}"), ("Vary", HEADER.lower())]

    def render(self, req: ApiRequest, fault: ApiFault) -> Rendered:
        if fault.status == 401:
            return self.unauthorized(req, fault)
        return PlacementErrors(req.request_id).render(fault)

    def unrouted(self, req: ApiRequest) -> Rendered:
        return PlacementErrors(req.request_id).render(ApiFault(404, ""))


PLACEMENT = Placement(name="placement", service_type="placement", mount=PLACEMENT_MOUNT,
                      errors=PlacementErrors(), malformed_body=MALFORMED)
PLACEMENT.guarded = ("/resource_providers", "/allocations", "/usages", "/traits",
                     "/resource_classes", "/allocation_candidates", "/reshaper")


def _requested(headers: dict[str, str]) -> str | None:
    combined = headers.get(HEADER.lower())
    if combined:
        for part in combined.split(","):
            words = part.split()
            if len(words) == 2 and words[0].lower() == SERVICE:
                return words[1]
    return None


def _negotiate(text: str | None) -> tuple[int, int]:
    """placement/microversion.py through microversion_parse: a malformed version is a 400,
    one out of range a 406 (neither carries the version header)."""
    if not text:
        return MIN_VERSION
    if text.strip().lower() == "latest":
        return MAX_VERSION
    try:
        parts = [int(part) for part in text.strip().split(".")]
        if len(parts) != 2:
            raise ValueError(f"{text} is not a major.minor version")
    except ValueError as exc:
        raise ApiFault(400, f"Invalid microversion: invalid version string: {text}; "
                            f"{exc}") from None
    version = (parts[0], parts[1])
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise ApiFault(406, f"Invalid microversion: Unacceptable version header: {text}")
    return version


def _at_least(req: ApiRequest, minor: int) -> bool:
    version: tuple[int, int] = req.state["placement_version"]
    return version >= (1, minor)


def _require(req: ApiRequest, minor: int) -> None:
    """A route that starts at 1.<minor>: before it, Placement's 404."""
    if not _at_least(req, minor):
        raise ApiFault(404, "")


def _authorize(req: ApiRequest, action: str) -> None:
    if not req.backend.context.is_admin:
        raise ApiFault(403, action)


# -- version discovery -------------------------------------------------------------------------


@PLACEMENT.route("GET", "", auth=False)
def versions_bare(req: ApiRequest) -> Reply:
    return versions(req)


@PLACEMENT.route("GET", "/", auth=False)
def versions(req: ApiRequest) -> Reply:
    return Reply(200, {"versions": [{
        "id": "v1.0", "max_version": _text(MAX_VERSION), "min_version": _text(MIN_VERSION),
        "status": "CURRENT", "links": [{"rel": "self", "href": ""}]}]})


# -- resource providers ------------------------------------------------------------------------


def _provider_link(req: ApiRequest, provider: ResourceProvider, rest: str = "") -> str:
    return f"{PLACEMENT_MOUNT}/resource_providers/{provider.uuid}{rest}"


def _provider_json(req: ApiRequest, provider: ResourceProvider) -> dict[str, Any]:
    links = [{"rel": "self", "href": _provider_link(req, provider)},
             {"rel": "inventories", "href": _provider_link(req, provider, "/inventories")},
             {"rel": "usages", "href": _provider_link(req, provider, "/usages")}]
    for rel, minor in (("aggregates", 1), ("traits", 6), ("allocations", 11)):
        if _at_least(req, minor):
            links.append({"rel": rel, "href": _provider_link(req, provider, f"/{rel}")})
    body: dict[str, Any] = {"uuid": provider.uuid, "name": provider.name,
                            "generation": provider.generation, "links": links}
    if _at_least(req, 14):
        body.update(parent_provider_uuid=None, root_provider_uuid=provider.uuid)
    return body


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _query_error(detail: str) -> ApiFault:
    return ApiFault(400, f"Invalid query string parameters: {detail}")


_LIST_FILTERS = {0: ("name", "uuid"), 3: ("member_of",), 4: ("resources",), 14: ("in_tree",),
                 18: ("required",)}


@PLACEMENT.route("GET", "/resource_providers")
def list_providers(req: ApiRequest) -> Reply:
    _authorize(req, "placement:resource_providers:list")
    allowed = [name for minor, names in _LIST_FILTERS.items() if _at_least(req, minor)
               for name in names]
    unknown = [name for name in req.params if name not in allowed]
    if unknown:
        raise _query_error(f"Additional properties are not allowed ('{unknown[0]}' was "
                           "unexpected)")
    for uuid_param in ("uuid", "in_tree"):
        value = req.param(uuid_param)
        if value is not None and not _is_uuid(value):
            raise _query_error(f"'{value}' is not a 'uuid'")
    member_of = req.param("member_of")
    if member_of is not None and not all(
            _is_uuid(v) for v in member_of.removeprefix("in:").split(",")):
        raise _query_error("Expected 'member_of' parameter to contain valid UUID(s). Got: "
                           f"{member_of}")
    providers = req.backend.resource_providers()
    named, wanted = req.param("name"), req.param("uuid") or req.param("in_tree")
    found = [p for p in providers
             if (named is None or p.name == named)
             and (wanted is None or uuid.UUID(p.uuid) == uuid.UUID(wanted))
             # No aggregates here: a provider is a member of none.
             and (req.param("member_of") is None)
             and (req.param("required") is None or _has_traits(p, req.param("required")))
             and _has_room(p, _resources_param(req.param("resources")))]
    return Reply(200, {"resource_providers": [_provider_json(req, p) for p in found]})


def _resources_param(text: str | None) -> dict[str, int]:
    """``?resources=VCPU:2,MEMORY_MB:1024`` (placement/util.py
    ``normalize_resources_qs_param``)."""
    if text is None:
        return {}
    wanted: dict[str, int] = {}
    for part in text.split(","):
        name, _, amount = part.partition(":")
        if not name or not amount.isdigit() or int(amount) < 1:
            raise ApiFault(400, "Badly formed resources parameter. Expected resources query "
                                "string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. "
                                f"Got: {text}.")
        wanted[name] = int(amount)
    return wanted


def _has_room(provider: ResourceProvider, wanted: dict[str, int]) -> bool:
    """Placement's capacity check: (total - reserved) * ratio - used, and within max_unit."""
    used = provider.usages
    for name, amount in wanted.items():
        inv = provider.inventories.get(name)
        if inv is None or amount > inv.max_unit:
            return False
        if (inv.total - inv.reserved) * inv.allocation_ratio - used.get(name, 0) < amount:
            return False
    return True


def _has_traits(provider: ResourceProvider, required: str | None) -> bool:
    wanted = [t for t in (required or "").split(",") if t]
    return all((t[1:] not in provider.traits) if t.startswith("!") else (t in provider.traits)
               for t in wanted)


def _provider(req: ApiRequest, provider_uuid: str) -> ResourceProvider:
    for provider in req.backend.resource_providers():
        if provider.uuid == provider_uuid:
            return provider
    raise ApiFault(404, f"No resource provider with uuid {provider_uuid} found")


@PLACEMENT.route("GET", "/resource_providers/{provider_uuid}")
def show_provider(req: ApiRequest, provider_uuid: str) -> Reply:
    _authorize(req, "placement:resource_providers:show")
    return Reply(200, _provider_json(req, _provider(req, provider_uuid)))


@PLACEMENT.route("GET", "/resource_providers/{provider_uuid}/inventories")
def list_inventories(req: ApiRequest, provider_uuid: str) -> Reply:
    _authorize(req, "placement:resource_providers:inventories:list")
    provider = _provider(req, provider_uuid)
    return Reply(200, {"resource_provider_generation": provider.generation, "inventories": {
        name: {"total": inv.total, "reserved": inv.reserved, "min_unit": inv.min_unit,
               "max_unit": inv.max_unit, "step_size": inv.step_size,
               "allocation_ratio": inv.allocation_ratio}
        for name, inv in provider.inventories.items()}})


@PLACEMENT.route("GET", "/resource_providers/{provider_uuid}/inventories/{resource_class}")
def show_inventory(req: ApiRequest, provider_uuid: str, resource_class: str) -> Reply:
    _authorize(req, "placement:resource_providers:inventories:show")
    provider = _provider(req, provider_uuid)
    inv = provider.inventories.get(resource_class)
    if inv is None:
        raise ApiFault(404, f"No inventory of class {resource_class} for {provider_uuid}")
    return Reply(200, {"total": inv.total, "reserved": inv.reserved,
                       "min_unit": inv.min_unit, "max_unit": inv.max_unit,
                       "step_size": inv.step_size, "allocation_ratio": inv.allocation_ratio,
                       "resource_provider_generation": provider.generation})


@PLACEMENT.route("GET", "/resource_providers/{provider_uuid}/usages")
def provider_usages(req: ApiRequest, provider_uuid: str) -> Reply:
    _authorize(req, "placement:resource_providers:usages")
    provider = _provider(req, provider_uuid)
    return Reply(200, {"resource_provider_generation": provider.generation,
                       "usages": provider.usages})


@PLACEMENT.route("GET", "/resource_providers/{provider_uuid}/allocations")
def provider_allocations(req: ApiRequest, provider_uuid: str) -> Reply:
    _authorize(req, "placement:resource_providers:allocations:list")
    provider = _provider(req, provider_uuid)
    return Reply(200, {"allocations": {a.consumer_id: {"resources": dict(a.resources)}
                                       for a in provider.allocations},
                       "resource_provider_generation": provider.generation})


@PLACEMENT.route("GET", "/resource_providers/{provider_uuid}/aggregates")
def provider_aggregates(req: ApiRequest, provider_uuid: str) -> Reply:
    _require(req, 1)
    _authorize(req, "placement:resource_providers:aggregates:list")
    provider = _provider(req, provider_uuid)
    body: dict[str, Any] = {"aggregates": []}
    if _at_least(req, 19):
        body["resource_provider_generation"] = provider.generation
    return Reply(200, body)


@PLACEMENT.route("GET", "/resource_providers/{provider_uuid}/traits")
def provider_traits(req: ApiRequest, provider_uuid: str) -> Reply:
    _require(req, 6)
    _authorize(req, "placement:resource_providers:traits:list")
    provider = _provider(req, provider_uuid)
    return Reply(200, {"traits": list(provider.traits),
                       "resource_provider_generation": provider.generation})


# -- allocations and usages --------------------------------------------------------------------


@PLACEMENT.route("GET", "/allocations/{consumer_uuid}")
def consumer_allocations(req: ApiRequest, consumer_uuid: str) -> Reply:
    _authorize(req, "placement:allocations:list")
    body: dict[str, Any] = {"allocations": {}}
    for provider in req.backend.resource_providers():
        for allocation in provider.allocations:
            if allocation.consumer_id != consumer_uuid:
                continue
            body["allocations"][provider.uuid] = {"generation": provider.generation,
                                                  "resources": dict(allocation.resources)}
            if _at_least(req, 12):
                body.update(project_id=allocation.project_id, user_id=allocation.user_id)
            if _at_least(req, 28):
                body["consumer_generation"] = 1
            if _at_least(req, 38):
                body["consumer_type"] = "INSTANCE"
    return Reply(200, body)


_USAGE_PARAMS = ("project_id", "user_id")


@PLACEMENT.route("GET", "/usages")
def project_usages(req: ApiRequest) -> Reply:
    _require(req, 9)
    _authorize(req, "placement:usages")
    unknown = [name for name in req.params if name not in _USAGE_PARAMS
               and not (name == "consumer_type" and _at_least(req, 38))]
    if unknown:
        raise _query_error(f"Additional properties are not allowed ('{unknown[0]}' was "
                           "unexpected)")
    project_id, user_id = req.param("project_id"), req.param("user_id")
    if not project_id:
        raise _query_error("'project_id' is a required property")
    consumers = [a for p in req.backend.resource_providers() for a in p.allocations
                 if a.project_id == project_id and (user_id is None or a.user_id == user_id)]
    totals: dict[str, int] = {}
    for allocation in consumers:
        for resource_class, amount in allocation.resources.items():
            totals[resource_class] = totals.get(resource_class, 0) + amount
    if not _at_least(req, 38) or not consumers:
        return Reply(200, {"usages": totals})
    # 1.38: grouped by consumer type (every consumer here is a Nova instance), with counts.
    grouped = {"consumer_count": len(consumers), **totals}
    return Reply(200, {"usages": {"INSTANCE": grouped, "all": dict(grouped)}})
