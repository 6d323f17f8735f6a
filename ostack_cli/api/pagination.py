"""``limit``/``marker`` paging and the links each service puts beside a page.

``page(items, limit=..., marker=..., key=...)`` cuts a sorted list after the marker; the
link builders word the result as each service does:

- Nova: ``{"servers_links": [{"rel": "next", "href": ".../servers?limit=2&marker=<id>"}]}``
  when the page is full (``nova_links``);
- Neutron: ``networks_links`` with ``next`` (a full page) and ``previous`` (always, with
  ``page_reverse=True``), as neutron/api/api_common.py builds them (``neutron_links``);
- Glance: ``"next": "/v2/images?limit=2&marker=<id>"`` (relative to the endpoint, as Glance
  answers; openstacksdk strips the ``/v2``) when the page is full (``glance_next``);
- Keystone: ``"links": {"self", "previous", "next"}`` and ``"truncated": true`` when a limit
  cut the list (``keystone_links``).

A marker that matches nothing is each service's error, raised by the caller with
``MarkerNotFound.resource``/``marker`` in its own words.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ostack_cli.api.faults import ApiFault

T = TypeVar("T")


class MarkerNotFound(Exception):
    def __init__(self, marker: str) -> None:
        super().__init__(marker)
        self.marker = marker


@dataclasses.dataclass(frozen=True)
class Page:
    items: list[Any]
    limit: int | None
    marker: str | None
    more: bool  # items remain after this page


def parse_limit(value: str | None, *, message: str = "limit param must be an integer",
                status: int = 400) -> int | None:
    """``?limit=``: a non-negative integer, or the service's 400 (Nova's words by default)."""
    if value is None or value == "":
        return None
    try:
        limit = int(value)
    except ValueError:
        raise ApiFault(status, message) from None
    if limit < 0:
        raise ApiFault(status, "limit param must be positive")
    return limit


def page(items: Sequence[T], *, limit: int | None, marker: str | None,
         key: Callable[[T], str], max_limit: int | None = None) -> Page:
    """The items after ``marker`` (by ``key``), at most ``limit`` (and ``max_limit``)."""
    start = 0
    if marker:
        for index, item in enumerate(items):
            if key(item) == marker:
                start = index + 1
                break
        else:
            raise MarkerNotFound(marker)
    if max_limit is not None:
        limit = max_limit if limit is None else min(limit, max_limit)
    rest = list(items[start:])
    if limit is None:
        return Page(rest, None, marker, False)
    return Page(rest[:limit], limit, marker, len(rest) > limit)


def with_params(url: str, params: list[tuple[str, str]], **changes: str | None) -> str:
    """``url?params`` with ``changes`` set in place (or appended), None dropping a name."""
    kept: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in params:
        if name in changes:
            if name in seen or changes[name] is None:
                continue
            seen.add(name)
            kept.append((name, str(changes[name])))
        else:
            kept.append((name, value))
    for name, change in changes.items():
        if name not in seen and change is not None:
            kept.append((name, change))
    return f"{url}?{urllib.parse.urlencode(kept)}" if kept else url


def flat_params(params: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, values in params.items() for value in values]


def nova_links(collection: str, url: str, params: dict[str, list[str]], result: Page,
               key: Callable[[Any], str]) -> dict[str, Any]:
    """``{"<collection>_links": [next]}`` when the page is as long as the limit (Nova's
    ``_get_collection_links``); nothing otherwise."""
    if result.limit is None or not result.items or len(result.items) < result.limit:
        return {}
    href = with_params(url, flat_params(params), marker=key(result.items[-1]))
    return {f"{collection}_links": [{"rel": "next", "href": href}]}


def neutron_links(collection: str, url: str, params: dict[str, list[str]], result: Page,
                  key: Callable[[Any], str], *, page_reverse: bool = False) -> dict[str, Any]:
    """Neutron's ``get_pagination_links``: ``next`` unless a forward page came up short,
    ``previous`` unless a reverse one did."""
    if result.limit is None or not result.items:
        return {}
    flat = flat_params(params)
    links = []
    if not (len(result.items) < result.limit and not page_reverse):
        links.append({"rel": "next", "href": with_params(
            url, flat, marker=key(result.items[-1]), page_reverse=None)})
    if not (len(result.items) < result.limit and page_reverse):
        links.append({"rel": "previous", "href": with_params(
            url, flat, marker=key(result.items[0]), page_reverse="True")})
    return {f"{collection}_links": links}


def glance_next(path: str, params: dict[str, list[str]], result: Page,
                key: Callable[[Any], str]) -> dict[str, Any]:
    """Glance's ``first`` and ``next`` (relative URLs such as ``/v2/images?limit=2``)."""
    flat = flat_params(params)
    links: dict[str, Any] = {"first": with_params(path, [p for p in flat if p[0] != "marker"])}
    if result.limit is not None and result.items and len(result.items) >= result.limit:
        links["next"] = with_params(path, flat, marker=key(result.items[-1]))
    return links


def keystone_links(url: str, query_string: str, params: dict[str, list[str]], result: Page,
                   key: Callable[[Any], str]) -> dict[str, Any]:
    """Keystone's collection links (``self`` is the URL as asked); ``truncated`` when a
    limit left items out."""
    flat = flat_params(params)
    body: dict[str, Any] = {"links": {
        "next": (with_params(url, flat, marker=key(result.items[-1]))
                 if result.more and result.items else None),
        "self": f"{url}?{query_string}" if query_string else url,
        "previous": None,
    }}
    if result.more:
        body["truncated"] = True
    return body
