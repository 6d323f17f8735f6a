"""``--limit/--marker/--max-items`` as the real client's list commands take them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, TypeVar

from ostack_cli.errors import BadRequest

T = TypeVar("T")


def add_pagination(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", metavar="<limit>", type=int,
                        help="The maximum number of entries to return. If the value exceeds "
                        "the server-defined maximum, then the maximum value will be used.")
    parser.add_argument("--marker", metavar="<marker>", default=None,
                        help="The first position in the collection to return results from. "
                        "This should be a value that was returned in a previous request.")
    parser.add_argument("--max-items", metavar="<max-items>", type=int,
                        help="The maximum number of entries to return.")


def paginate(items: Sequence[T], parsed_args: argparse.Namespace) -> list[T]:
    """Items after the one whose ID is ``--marker``, at most ``--limit``/``--max-items``."""
    result = list(items)
    marker = parsed_args.marker
    if marker is not None:
        ids = [getattr(item, "id", None) for item in result]
        if marker not in ids:
            raise BadRequest(f"marker [{marker}] not found")
        result = result[ids.index(marker) + 1:]
    for bound in (parsed_args.limit, parsed_args.max_items):
        if bound is not None:
            if bound < 0:
                raise BadRequest(f"Invalid limit: {bound}; it must be 0 or more.")
            result = result[:bound]
    return result


__all__ = ["Any", "add_pagination", "paginate"]
