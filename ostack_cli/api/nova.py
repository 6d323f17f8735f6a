"""Nova v2.1 under ``/compute``: version discovery and microversion negotiation.

The mount is ``/compute`` (the catalog's endpoint is ``/compute/v2.1``). ``GET /compute``
answers Nova's version list, ``GET /compute/v2.1`` its version document; every other route
is declared on ``NOVA`` relative to the mount (``@NOVA.route("GET", "/v2.1/flavors")``), and
runs with ``req.state["microversion"]`` (a ``Microversion``: ``.at_least("2.47")``) already
negotiated from ``OpenStack-API-Version``/``X-OpenStack-Nova-API-Version``. Every response of
the versioned API carries the version headers, ``Vary`` and ``x-compute-request-id``.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api import microversion
from ostack_cli.api.catalog import COMPUTE_MOUNT
from ostack_cli.api.faults import (
    NOT_FOUND_MESSAGE,
    ApiFault,
    NovaErrors,
    Rendered,
    webob_page,
)
from ostack_cli.api.http import ApiRequest, Reply, Route, Service
from ostack_cli.backend.models.discovery import Extension

MALFORMED = "Malformed request body"
VERSIONED = "/v2.1"
V21_UPDATED = "2013-07-23T11:33:21Z"
V20_UPDATED = "2025-07-04T12:00:00Z"
DESCRIBED_BY = {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}


# Policies whose scope is the project (nova/policies/servers.py, keypairs.py, limits.py):
# with a domain-scoped token Nova refuses them by name. Admin-only APIs refuse it through
# the backend (the token is no project admin); flavors answer any token.
_PROJECT_SCOPED = {
    ("GET", "/v2.1/servers"): "os_compute_api:servers:index",
    ("GET", "/v2.1/servers/detail"): "os_compute_api:servers:detail",
    ("GET", "/v2.1/servers/{server_id}"): "os_compute_api:servers:show",
    ("POST", "/v2.1/servers"): "os_compute_api:servers:create",
    ("GET", "/v2.1/os-keypairs"): "os_compute_api:os-keypairs:index",
    ("GET", "/v2.1/limits"): "os_compute_api:limits",
}


class Nova(Service):
    def domain_scoped(self, req: ApiRequest, route: Route) -> Reply | None:
        from ostack_cli.backend.local.policy import nova_forbidden

        rule = _PROJECT_SCOPED.get((route.method, route.template[len(self.mount):]))
        if rule is not None:
            raise nova_forbidden(rule)
        return None

    def _versioned(self, req: ApiRequest) -> bool:
        rest = req.path[len(self.mount):]
        return rest == VERSIONED or rest.startswith(VERSIONED + "/")

    def prepare(self, req: ApiRequest) -> None:
        if not self._versioned(req):
            return
        asked = microversion.requested(req.headers)
        if asked and asked.strip().lower() != "latest":
            # A malformed version is refused without version headers; one out of range
            # (406) names the version asked for.
            microversion.Microversion.parse(asked.strip())
            req.state["microversion_text"] = asked.strip()
        version = microversion.negotiate(asked)
        req.state["microversion"] = version
        req.state["microversion_text"] = str(version)

    def response_headers(self, req: ApiRequest) -> list[tuple[str, str]]:
        headers = [("x-compute-request-id", req.request_id)]
        text = req.state.get("microversion_text")
        if text:
            headers += microversion.response_headers(text)
        return headers

    def unrouted(self, req: ApiRequest) -> Rendered:
        # Nova's router answers a path it does not know with webob's page.
        page = webob_page("404 Not Found", NOT_FOUND_MESSAGE)
        return Rendered(404, "text/html; charset=UTF-8", page.encode(), {})


NOVA = Nova(name="nova", service_type="compute", mount=COMPUTE_MOUNT, errors=NovaErrors(),
            malformed_body=MALFORMED)
NOVA.guarded = ("/v2.1", "/v2")



def _v21(req: ApiRequest) -> dict[str, Any]:
    return {"id": "v2.1", "status": "CURRENT", "version": str(microversion.MAXIMUM),
            "min_version": str(microversion.MINIMUM), "updated": V21_UPDATED,
            "links": [{"rel": "self", "href": req.service_url("/v2.1/")}]}


def _v20(req: ApiRequest) -> dict[str, Any]:
    return {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
            "updated": V20_UPDATED, "links": [{"rel": "self", "href": req.service_url("/v2/")}]}


@NOVA.route("GET", "", auth=False)
def versions(req: ApiRequest) -> Reply:
    return Reply(200, {"versions": [_v20(req), _v21(req)]})


@NOVA.route("GET", "/v2.1", auth=False)
def version_v21(req: ApiRequest) -> Reply:
    doc = _v21(req)
    doc["links"].append(DESCRIBED_BY)
    doc["media-types"] = [{"base": "application/json",
                           "type": "application/vnd.openstack.compute+json;version=2.1"}]
    return Reply(200, {"version": doc})


@NOVA.route("GET", "/v2", auth=False)
def version_v20(req: ApiRequest) -> Reply:
    doc = _v20(req)
    doc["links"].append(DESCRIBED_BY)
    doc["media-types"] = [{"base": "application/json",
                           "type": "application/vnd.openstack.compute+json;version=2"}]
    return Reply(200, {"version": doc})


# -- extensions (nova/api/openstack/compute/extension_info.py) -------------------------------


def _extension(extension: Extension) -> dict[str, Any]:
    return {"alias": extension.alias, "description": extension.description, "links": [],
            "name": extension.name, "namespace": extension.namespace,
            "updated": extension.updated_at}


@NOVA.route("GET", "/v2.1/extensions")
def list_extensions(req: ApiRequest) -> Reply:
    """Nova's one fixed list, whatever the deployment (any caller may read it)."""
    return Reply(200, {"extensions": [_extension(e) for e in req.backend.extensions("compute")]})


@NOVA.route("GET", "/v2.1/extensions/{alias}")
def show_extension(req: ApiRequest, alias: str) -> Reply:
    found = next((e for e in req.backend.extensions("compute") if e.alias == alias), None)
    if found is None:
        raise ApiFault(404, NOT_FOUND_MESSAGE)
    return Reply(200, {"extension": _extension(found)})
