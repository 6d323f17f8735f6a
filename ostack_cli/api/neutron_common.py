"""What Neutron's handlers share: request bodies checked as neutron/api/v2/base.py and
neutron_lib's attribute maps check them, and lists with Neutron's filters, ``fields``,
sorting and paging (neutron/api/api_common.py), on the rendered resources.

A resource's attributes are declared once (:class:`Attr`): the name on the wire, whether a
create or an update may set it, and how its value converts (``bool``, ``int``, ...). Values
are then checked by the backend, which words its refusals as Neutron does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.pagination import flat_params, neutron_links
from ostack_cli.errors import NotFound

_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")


@dataclasses.dataclass(frozen=True)
class Attr:
    name: str
    kind: str = "any"  # any, string, uuid, bool, int, list, dict
    post: bool = True
    put: bool = True
    required: bool = False


def attrs(*items: Attr) -> dict[str, Attr]:
    return {item.name: item for item in items}


# Every resource takes these (the project-id and standard-attr-description extensions).
OWNER = (Attr("tenant_id", "string", put=False), Attr("project_id", "string", put=False))


def invalid_input(message: str) -> ApiFault:
    return ApiFault(400, f"Invalid input for operation: {message}.", kind="InvalidInput")


def to_bool(value: Any) -> bool:
    """neutron_lib's ``convert_to_boolean``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise invalid_input(f"'{value}' cannot be converted to boolean")


def to_int(value: Any) -> int:
    """neutron_lib's ``convert_to_int``."""
    if isinstance(value, bool):
        raise invalid_input(f"'{value}' is not an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_input(f"'{value}' is not an integer") from None


def _converted(attr: Attr, value: Any) -> Any:
    if value is None:
        return None
    if attr.kind == "bool":
        return to_bool(value)
    if attr.kind == "int":
        return to_int(value)
    if attr.kind == "uuid" and not _is_uuid(value):
        raise ApiFault(400, f"Invalid input for {attr.name}. Reason: '{value}' is not a "
                            "valid UUID.", kind="HTTPBadRequest")
    if attr.kind == "string" and not isinstance(value, str):
        raise ApiFault(400, f"Invalid input for {attr.name}. Reason: '{value}' is not a "
                            "valid string.", kind="HTTPBadRequest")
    if attr.kind == "list" and not isinstance(value, list):
        raise ApiFault(400, f"Invalid input for {attr.name}. Reason: '{value}' is not a "
                            "list.", kind="HTTPBadRequest")
    if attr.kind == "dict" and not isinstance(value, dict):
        raise ApiFault(400, f"Invalid input for {attr.name}. Reason: '{value}' is not a "
                            "dictionary.", kind="HTTPBadRequest")
    return value


def _is_uuid(value: Any) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def body(req: ApiRequest, resource: str, known: dict[str, Attr], *,
         creating: bool) -> dict[str, Any]:
    """The resource's attributes from the request body, converted; Neutron's 400s for a
    missing body, unknown or read-only attributes, or values that do not convert."""
    data = req.json()
    if not data:
        raise ApiFault(400, "Resource body required")
    if not isinstance(data, dict):
        raise ApiFault(400, "Body contains invalid data")
    item = data.get(resource)
    if item is None:
        raise ApiFault(400, f"Unable to find '{resource}' in request body")
    if not isinstance(item, dict):
        raise ApiFault(400, f"Object '{resource}' contains invalid data")
    item = dict(item)
    # Neutron keeps the two owner names in step.
    if "tenant_id" in item and "project_id" not in item:
        item["project_id"] = item["tenant_id"]
    extra = [key for key in item if key not in known]
    if extra:
        raise ApiFault(400, f"Unrecognized attribute(s) '{', '.join(extra)}'")
    if creating:
        for attr in known.values():
            if attr.name in item and not attr.post:
                raise ApiFault(400, f"Attribute '{attr.name}' not allowed in POST")
            if attr.required and attr.name not in item:
                raise ApiFault(400, "Failed to parse request. Required attribute "
                                    f"'{attr.name}' not specified")
    else:
        for attr in known.values():
            if attr.name in item and not attr.put:
                raise ApiFault(400, f"Cannot update read-only attribute {attr.name}")
    return {key: _converted(known[key], value) for key, value in item.items()}


def owner(req: ApiRequest, values: dict[str, Any]) -> str | None:
    """The project a create names (None: the caller's)."""
    return values.get("project_id") or values.get("tenant_id") or None


def not_found(kind: str, message: str) -> ApiFault:
    return ApiFault(404, message, kind=kind)


def by_id(finder: Callable[[str], Any], ident: str, fault: ApiFault) -> Any:
    """A resource by ID through the backend's ``find_*`` (which also matches names)."""
    try:
        found = finder(ident)
    except NotFound:
        found = None
    if found is None or found.id != ident:
        raise fault
    return found


# -- lists -----------------------------------------------------------------------------------

# Query parameters that are not attribute filters.
_CONTROL = frozenset({"fields", "limit", "marker", "page_reverse", "sort_key", "sort_dir",
                      "tags", "tags-any", "not-tags", "not-tags-any"})


def _matches(value: Any, wanted: list[str]) -> bool:
    if isinstance(value, bool):
        return any(w.strip().lower() in (_TRUE if value else _FALSE) for w in wanted)
    if isinstance(value, list):
        return any(str(item) in wanted for item in value)
    if value is None:
        return any(w in ("", "None") for w in wanted)
    return str(value) in wanted


def _tag_filter(req: ApiRequest, item: dict[str, Any]) -> bool:
    tags = set(item.get("tags") or [])

    def wanted(name: str) -> set[str]:
        return {t for value in req.params.get(name, []) for t in value.split(",") if t}

    all_of, any_of = wanted("tags"), wanted("tags-any")
    none_of_all, none_of_any = wanted("not-tags"), wanted("not-tags-any")
    if all_of and not all_of <= tags:
        return False
    if any_of and not any_of & tags:
        return False
    if none_of_all and none_of_all <= tags:
        return False
    return not (none_of_any and none_of_any & tags)


def listed(req: ApiRequest, collection: str, items: Iterable[dict[str, Any]], *,
           ignored: Iterable[str] = (), id_key: str = "id") -> Reply:
    """A Neutron list reply: the rendered items filtered by the query's attributes (a
    filter on an attribute the resource has not matches nothing, as Neutron's database
    query), sorted, paged (``id_key``: the attribute a marker names), and cut to
    ``fields``."""
    skip = _CONTROL | set(ignored)
    rows = list(items)
    for name, values in req.params.items():
        if name in skip:
            continue
        rows = [row for row in rows if name in row and _matches(row[name], values)]
    rows = [row for row in rows if _tag_filter(req, row)]
    rows = _sorted(req, rows)
    limit_text = req.param("limit")
    limit = None
    if limit_text:
        try:
            limit = int(limit_text)
        except ValueError:
            raise ApiFault(400, f"Invalid input for operation: '{limit_text}' is not an "
                                "integer.", kind="InvalidInput") from None
        limit = None if limit <= 0 else limit
    reverse = to_bool(req.param("page_reverse")) if req.param("page_reverse") else False
    from ostack_cli.api.pagination import MarkerNotFound, page

    ordered = list(reversed(rows)) if reverse else rows
    try:
        result = page(ordered, limit=limit, marker=req.param("marker"),
                      key=lambda row: row[id_key])
    except MarkerNotFound:
        # Neutron's marker is a resource it loads: one it cannot is a 404 of that kind.
        raise ApiFault(404, f"{collection[:-1].capitalize()} {req.param('marker')} could "
                            "not be found.") from None
    shown = list(reversed(result.items)) if reverse else result.items
    fields = [f for value in req.params.get("fields", []) for f in value.split(",") if f]
    if fields:
        shown = [{k: v for k, v in row.items() if k in fields} for row in shown]
    reply: dict[str, Any] = {collection: shown}
    if limit is not None:
        reply.update(neutron_links(collection, req.url, req.params, result,
                                   lambda row: row[id_key], page_reverse=reverse))
    return Reply(200, reply)


def _sorted(req: ApiRequest, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = req.params.get("sort_key") or []
    dirs = req.params.get("sort_dir") or []
    for index in reversed(range(len(keys))):
        descending = index < len(dirs) and dirs[index].lower() == "desc"
        rows = sorted(rows, key=_sort_key(keys[index]), reverse=descending)
    return rows


def _sort_key(key: str) -> Callable[[dict[str, Any]], tuple[bool, str]]:
    return lambda row: (row.get(key) is None, str(row.get(key)))


def one(req: ApiRequest, resource: str, item: dict[str, Any], status: int = 200) -> Reply:
    """A single resource, cut to ``fields`` when asked."""
    fields = [f for value in req.params.get("fields", []) for f in value.split(",") if f]
    if fields:
        item = {k: v for k, v in item.items() if k in fields}
    return Reply(status, {resource: item})


def flat(req: ApiRequest) -> list[tuple[str, str]]:
    return flat_params(req.params)
