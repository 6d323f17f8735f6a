"""Glance v2's interoperable image import: ``GET /v2/info/import``, ``PUT
/v2/images/{id}/stage`` and ``POST /v2/images/{id}/import`` (glance/api/v2/discovery.py,
image_data.py ``stage``, images.py ``import_image`` and its request deserializer)."""

from __future__ import annotations

from typing import IO, Any, cast

from ostack_cli.api.faults import ApiFault
from ostack_cli.api.glance import GLANCE
from ostack_cli.api.glance_images import image_by_id
from ostack_cli.api.http import ApiRequest, BodyReader, Reply
from ostack_cli.backend.models.image import ImageImportRequest


@GLANCE.route("GET", "/v2/info/import")
def import_info(req: ApiRequest) -> Reply:
    return Reply(200, {"import-methods": {"description": "Import methods available.",
                                          "type": "array",
                                          "value": req.backend.image_import_methods()}})


class _Body:
    """The request body as a file object the backend reads in chunks."""

    def __init__(self, stream: BodyReader) -> None:
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)


@GLANCE.route("PUT", "/v2/images/{image_id}/stage", stream_body=True)
def stage_image(req: ApiRequest, image_id: str) -> Reply:
    content_type = (req.header("content-type") or "").split(";")[0].strip()
    if content_type != "application/octet-stream":
        raise ApiFault(415, f"Invalid content type {content_type}")
    image = image_by_id(req, image_id)
    assert req.body_stream is not None
    req.backend.stage_image(image, cast(IO[bytes], _Body(req.body_stream)))
    return Reply(204)


@GLANCE.route("POST", "/v2/images/{image_id}/import")
def import_image(req: ApiRequest, image_id: str) -> Reply:
    request = _import_request(req.json())
    req.backend.import_image(image_by_id(req, image_id), request)
    return Reply(202)


def _import_request(body: Any) -> ImageImportRequest:
    """Glance's ``_validate_import_body``, in its order and words."""
    if not isinstance(body, dict) or "method" not in body:
        raise ApiFault(400, "Import request requires a 'method' field.")
    method = body["method"]
    if not isinstance(method, dict) or "name" not in method:
        raise ApiFault(400, "Import request requires a 'name' field.")
    name = method["name"]
    # The backend refuses a method it does not enable ("Unknown import method name").
    must_succeed = body.get("all_stores_must_succeed", True)
    if not isinstance(must_succeed, bool):
        raise ApiFault(400, "'all_stores_must_succeed' must be boolean value only")
    all_stores = body.get("all_stores", False)
    if not isinstance(all_stores, bool):
        raise ApiFault(400, "'all_stores' must be boolean value only")
    stores = body.get("stores")
    uri = method.get("uri")
    return ImageImportRequest(
        method=str(name), uri=str(uri) if uri is not None else None,
        remote_region=method.get("glance_region"),
        remote_image_id=method.get("glance_image_id"),
        remote_service_interface=method.get("glance_service_interface"),
        stores=[str(s) for s in stores] if isinstance(stores, list) else None,
        all_stores=all_stores, all_stores_must_succeed=must_succeed)
