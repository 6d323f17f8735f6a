"""Glance v2 under ``/image``: version discovery.

The catalog's endpoint is ``/image`` (clients add ``/v2``). ``GET /image`` answers Glance's
version list with 300, ``GET /image/versions`` with 200; every other route is declared on
``GLANCE`` relative to the mount (``@GLANCE.route("GET", "/v2/images")``). Uploads
(``PUT /v2/images/{image_id}/file``) are declared with ``stream_body=True`` and read
``req.body_stream``; downloads return ``Reply(stream=...)``. Errors are webob's HTML page, or
JSON when the client accepts it (``faults.GlanceErrors``); Glance's links are relative
(``"next": "/v2/images?marker=..."``, ``pagination.glance_next``).
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api.catalog import IMAGE_MOUNT
from ostack_cli.api.faults import GLANCE_UNAUTHORIZED, ApiFault, GlanceErrors, Rendered
from ostack_cli.api.http import ApiRequest, Reply, Route, Service
from ostack_cli.backend.local.discovery import IMAGE_VERSIONS

MALFORMED = "Malformed JSON in request body."
CURRENT = IMAGE_VERSIONS[-1]
# glance/api/versions.py's order for one store and no image cache: 2.15, 2.9, the current
# one, then 2.7 down to 2.0.
_ORDER = ("2.15", "2.9", CURRENT, "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0")


# glance/policies/image.py: image reads are the project's; a domain-scoped token is refused
# them by the action's name.
_PROJECT_SCOPED = {("GET", "/v2/images"): "get_images", ("GET", "/v2/images/{image_id}"):
                   "get_image"}


class Glance(Service):
    def domain_scoped(self, req: ApiRequest, route: Route) -> Reply | None:
        action = _PROJECT_SCOPED.get((route.method, route.template[len(self.mount):]))
        if action is not None:
            raise ApiFault(403, f"You are not authorized to complete {action} action.")
        return None

    def unauthorized(self, req: ApiRequest, fault: ApiFault) -> Rendered:
        rendered = self.errors.render(ApiFault(401, GLANCE_UNAUTHORIZED),
                                      accept=req.header("accept") or "")
        rendered.headers["WWW-Authenticate"] = f'Keystone uri="{req.base_url}"'
        return rendered


GLANCE = Glance(name="glance", service_type="image", mount=IMAGE_MOUNT, errors=GlanceErrors(),
                malformed_body=MALFORMED)
GLANCE.guarded = ("/v2",)



def _versions(req: ApiRequest) -> dict[str, Any]:
    href = req.service_url("/v2/")
    return {"versions": [
        {"id": f"v{number}", "status": "CURRENT" if number == CURRENT else "SUPPORTED",
         "links": [{"rel": "self", "href": href}]}
        for number in _ORDER if number in IMAGE_VERSIONS]}


@GLANCE.route("GET", "", auth=False)
def versions(req: ApiRequest) -> Reply:
    return Reply(300, _versions(req))


@GLANCE.route("GET", "/versions", auth=False)
def versions_explicit(req: ApiRequest) -> Reply:
    return Reply(200, _versions(req))
