"""What Nova's handlers share: the negotiated microversion, the caller's rights, look-ups by
ID in Nova's words, and the links Nova puts on every resource.

Look-ups here are by ID only, as Nova's routes take them: the backend's ``find_*`` also
matches names (what the CLI needs), so a hit whose ID is not the one asked for is Nova's 404
(openstacksdk asks ``GET /servers/<name>`` first and relies on that 404 to search by name).
"""

from __future__ import annotations

from typing import Any

from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest
from ostack_cli.api.microversion import Microversion
from ostack_cli.backend.models.flavor import Flavor
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import NotFound

API_VERSION_PREFIX = "/v2.1"
# Nova's [api] max_limit: the longest page any list answers.
MAX_LIMIT = 1000


def version(req: ApiRequest) -> Microversion:
    negotiated = req.state.get("microversion")
    assert isinstance(negotiated, Microversion)
    return negotiated


def at_least(req: ApiRequest, text: str) -> bool:
    return version(req).at_least(text)


def require_version(req: ApiRequest, minimum: str, maximum: str | None = None) -> None:
    """A route that exists from ``minimum`` (to ``maximum``) only: Nova's 404 otherwise."""
    current = version(req)
    if not current.at_least(minimum) or (
            maximum is not None and current > Microversion.parse(maximum)):
        raise ApiFault(404, "The resource could not be found.")


def is_admin(req: ApiRequest) -> bool:
    return bool(req.principal and req.principal.is_admin)


def links(req: ApiRequest, collection: str, ident: str) -> list[dict[str, str]]:
    """Nova's ``self`` (versioned) and ``bookmark`` (unversioned) links."""
    return [
        {"rel": "self", "href": req.service_url(f"{API_VERSION_PREFIX}/{collection}/{ident}")},
        {"rel": "bookmark", "href": req.service_url(f"/{collection}/{ident}")},
    ]


def collection_links(req: ApiRequest, collection: str, items: list[Any], limit: int | None,
                     key: str = "id") -> dict[str, Any]:
    """Nova's ``<collection>_links``: a ``next`` link when a page is as long as its limit."""
    if limit is None or not items or len(items) < limit:
        return {}
    from ostack_cli.api.pagination import flat_params, with_params

    last = items[-1][key] if isinstance(items[-1], dict) else getattr(items[-1], key)
    name = collection.split("/")[0]
    href = with_params(req.service_url(f"{API_VERSION_PREFIX}/{collection}"),
                       flat_params(req.params), marker=str(last))
    return {f"{name}_links": [{"rel": "next", "href": href}]}


def server_by_id(req: ApiRequest, server_id: str, *,
                 missing: str = "could not be found.") -> Server:
    """The server with this ID as the caller may see it (``Instance x could not be
    found.`` otherwise; actions look the cell mapping up first: ``missing`` says so)."""
    try:
        server = req.backend.find_server(server_id)
    except NotFound:
        server = None
    if server is None or server.id != server_id:
        raise ApiFault(404, f"Instance {server_id} {missing}")
    return server


def flavor_by_id(req: ApiRequest, flavor_id: str) -> Flavor:
    try:
        flavor = req.backend.find_flavor(flavor_id)
    except NotFound:
        flavor = None
    if flavor is None or flavor.id != flavor_id:
        raise ApiFault(404, f"Flavor {flavor_id} could not be found.")
    return flavor


def limit_param(req: ApiRequest) -> int:
    """Nova's ``limit``: a non-negative integer (its query schema's words otherwise), at
    most ``max_limit`` (common.get_limit_and_marker): no page is longer, asked or not."""
    text = req.param("limit")
    if text is None:
        return MAX_LIMIT
    if not text.isdigit():
        raise ApiFault(400, f"Invalid input for query parameters limit. Value: {text}. "
                            f"'{text}' does not match '^[0-9]*$'")
    return min(int(text), MAX_LIMIT)


def bool_param(text: str | None) -> bool | None:
    """oslo's ``bool_from_string`` as Nova's filters read them (None when absent)."""
    if text is None:
        return None
    return text.strip().lower() in ("1", "t", "true", "on", "y", "yes")
