"""Cinder v3 under ``/volume``: version discovery, microversion negotiation, Cinder's errors.

The mount is ``/volume``; the catalog's endpoint is ``/volume/v3``, as realstack's Cinder
lists ``/v3`` (no project ID: Cinder has taken project-less URLs since Yoga). Every route
is declared twice with :func:`route`: ``/v3/<path>`` and ``/v3/{project_id}/<path>``,
Cinder's older layout, which clients with a ``$(project_id)s`` endpoint still use; links
in answers keep the form the request used.

``GET /volume`` answers Cinder's version list (300, no token); ``GET /volume/v3`` the same
list behind the token check (200), as Cinder's ``/v3/`` does. Every other request is served
at the microversion ``OpenStack-API-Version: volume 3.x`` asks for (3.0 without it,
``latest`` the highest), and every answer names it (``OpenStack-API-Version``, ``Vary``)
with Cinder's ``x-compute-request-id`` (cinder/api/openstack/wsgi.py,
api_version_request.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ostack_cli.api.faults import (
    NOT_FOUND_MESSAGE,
    ApiFault,
    ErrorStyle,
    NovaErrors,
    Rendered,
    webob_page,
)
from ostack_cli.api.http import ApiRequest, Handler, Reply, Service
from ostack_cli.api.microversion import Microversion
from ostack_cli.backend.local.discovery import (
    BLOCK_STORAGE_MAX_MICROVERSION,
    BLOCK_STORAGE_MIN_MICROVERSION,
)

MOUNT = "/volume"
HEADER = "OpenStack-API-Version"
SERVICE = "volume"
MINIMUM = Microversion.parse(BLOCK_STORAGE_MIN_MICROVERSION)
MAXIMUM = Microversion.parse(BLOCK_STORAGE_MAX_MICROVERSION)
UPDATED = "2023-08-31T00:00:00Z"
MALFORMED = "Malformed request body"
# webob's HTTPBadRequest without an explanation (Cinder raises it bare in places).
BAD_REQUEST = ("The server could not comply with the request since it is either malformed or "
               "otherwise incorrect.")
# QuotaError's headers (cinder/exception.py): the fault body repeats Retry-After.
RETRY_AFTER = "0"


class CinderErrors(ErrorStyle):
    """cinder/api/openstack/wsgi.py ``Fault``: Nova's body keys but ``conflictingRequest``,
    plain ``application/json``, and ``retryAfter`` on a 413 (Cinder's quota errors)."""

    # Cinder's own _fault_names: a conflict is "conflictingRequest", unlike Nova's.
    KEYS = {**NovaErrors.KEYS, 409: "conflictingRequest"}

    def render(self, fault: ApiFault, *, accept: str = "") -> Rendered:
        key = self.KEYS.get(fault.status, "computeFault")
        body: dict[str, Any] = {"code": fault.status, "message": fault.message}
        headers = dict(fault.headers)
        if fault.status == 413:
            headers.setdefault("Retry-After", RETRY_AFTER)
            body["retryAfter"] = headers["Retry-After"]
        return Rendered(fault.status, "application/json", json.dumps({key: body}).encode(),
                        headers)


def requested(headers: dict[str, str]) -> str | None:
    """The version text a request names for ``volume`` (lower-case header names)."""
    combined = headers.get(HEADER.lower())
    if combined:
        for part in combined.split(","):
            words = part.split()
            if len(words) == 2 and words[0].lower() == SERVICE:
                return words[1]
    return None


class Cinder(Service):
    def prepare(self, req: ApiRequest) -> None:
        asked = requested(req.headers)
        if asked is None or asked.strip() == "":
            version = MINIMUM
        elif asked.strip().lower() == "latest":
            version = MAXIMUM
        else:
            # A malformed version is refused without version headers; one out of range
            # (406) names the version asked for.
            version = Microversion.parse(asked.strip())
            req.state["microversion_text"] = str(version)
            if not MINIMUM <= version <= MAXIMUM:
                raise ApiFault(406, f"Version {asked.strip()} is not supported by the API. "
                                    f"Minimum is {MINIMUM} and maximum is {MAXIMUM}.")
        req.state["microversion"] = version
        req.state["microversion_text"] = str(version)

    def response_headers(self, req: ApiRequest) -> list[tuple[str, str]]:
        headers = [("x-compute-request-id", req.request_id)]
        text = req.state.get("microversion_text")
        if text:
            headers += [(HEADER, f"{SERVICE} {text}"), ("Vary", HEADER)]
        return headers

    def unrouted(self, req: ApiRequest) -> Rendered:
        # Cinder's router answers a path it does not know with webob's page.
        page = webob_page("404 Not Found", NOT_FOUND_MESSAGE)
        return Rendered(404, "text/html; charset=UTF-8", page.encode(), {})


CINDER = Cinder(name="cinder", service_type="volume", mount=MOUNT, errors=CinderErrors(),
                malformed_body=MALFORMED)
CINDER.guarded = ("/v3",)


def route(method: str, path: str) -> Callable[[Handler], Handler]:
    """Declare a handler on ``/v3<path>`` and ``/v3/{project_id}<path>``; the handler takes
    ``project_id`` (None on the project-less form) besides the path's own parameters."""
    def register(handler: Handler) -> Handler:
        CINDER.route(method, f"/v3{path}")(handler)
        CINDER.route(method, f"/v3/{{project_id}}{path}")(handler)
        return handler
    return register


# -- what handlers share --------------------------------------------------------------------


def version(req: ApiRequest) -> Microversion:
    negotiated = req.state.get("microversion")
    assert isinstance(negotiated, Microversion)
    return negotiated


def at_least(req: ApiRequest, text: str) -> bool:
    return version(req).at_least(text)


def is_admin(req: ApiRequest) -> bool:
    return bool(req.principal and req.principal.is_admin)


def links(req: ApiRequest, project_id: str | None, collection: str,
          ident: str) -> list[dict[str, str]]:
    """Cinder's ``self`` (versioned) and ``bookmark`` (unversioned) links, with the project
    where the request named it."""
    project = f"/{project_id}" if project_id else ""
    return [
        {"rel": "self", "href": req.service_url(f"/v3{project}/{collection}/{ident}")},
        {"rel": "bookmark", "href": req.service_url(f"{project}/{collection}/{ident}")},
    ]


# -- versions -------------------------------------------------------------------------------


def _versions(req: ApiRequest) -> dict[str, Any]:
    return {"versions": [{
        "id": "v3.0", "status": "CURRENT", "version": str(MAXIMUM),
        "min_version": str(MINIMUM), "updated": UPDATED,
        "links": [{"rel": "describedby", "type": "text/html",
                   "href": "https://docs.openstack.org/"},
                  {"rel": "self", "href": req.service_url("/v3/")}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.volume+json;version=3"}],
    }]}


@CINDER.route("GET", "", auth=False)
def versions(req: ApiRequest) -> Reply:
    return Reply(300, _versions(req))


@CINDER.route("GET", "/v3")
def version_v3(req: ApiRequest) -> Reply:
    return Reply(200, _versions(req))


def metadata_body(req: ApiRequest, key: str) -> dict[str, str]:
    """``{"metadata": {...}}`` or ``{"meta": {...}}``: string values of at most 255
    characters, as Cinder's metadata schema takes them (volumes and snapshots alike)."""
    data = req.json({"type": "object", "properties": {key: {
        "type": "object", "additionalProperties": {"type": "string", "maxLength": 255}}},
        "required": [key], "additionalProperties": False})
    return dict(data[key])


def metadata_item_body(req: ApiRequest, key: str) -> dict[str, str]:
    """The body of ``PUT .../metadata/<key>``: exactly that one key, in Cinder's words."""
    meta = metadata_body(req, "meta")
    if key not in meta:
        raise ApiFault(400, "Request body and URI mismatch")
    if len(meta) > 1:
        raise ApiFault(400, "Request body contains too many items")
    return meta
