"""``--limit/--marker/--max-items`` as the real client's list commands take them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, TypeVar

from ostack_cli.errors import BadRequest

T = TypeVar("T")


class NonNegative(argparse.Action):
    """osc-lib's NonNegativeAction: an int option that refuses values below 0."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if int(values) < 0:
            raise argparse.ArgumentError(self, f"{option_string} expected a non-negative integer")
        setattr(namespace, self.dest, values)


def add_marker_pagination(parser: argparse.ArgumentParser) -> None:
    """osc-lib's ``add_marker_pagination_option_to_parser``: ``--limit`` is a page's size,
    ``--max-items`` the total (``keypair list``, ``server migration list``)."""
    parser.add_argument("--limit", metavar="<limit>", type=int, action=NonNegative,
                        help="The maximum number of entries to return per page. If the value "
                        "exceeds the server-defined maximum, then the server-defined value "
                        "will be used. Note that this controls the page size, not the total "
                        "number of entries returned. Use --max-items to limit the total "
                        "number of entries returned.")
    parser.add_argument("--marker", metavar="<marker>", default=None,
                        help="The first position in the collection to return results from. "
                        "This should be a value that was returned in a previous request.")
    parser.add_argument("--max-items", metavar="<max-items>", type=int, action=NonNegative,
                        help="The maximum number of entries to return in total, paging "
                        "through multiple requests if needed. Use --limit to control the "
                        "page size.")


def add_pagination(parser: argparse.ArgumentParser) -> None:
    # osc-lib's NonNegativeAction on both counts: a negative one is a usage error (exit 2).
    parser.add_argument("--limit", metavar="<limit>", type=int, action=NonNegative,
                        help="The maximum number of entries to return. If the value exceeds "
                        "the server-defined maximum, then the maximum value will be used.")
    parser.add_argument("--marker", metavar="<marker>", default=None,
                        help="The first position in the collection to return results from. "
                        "This should be a value that was returned in a previous request.")
    parser.add_argument("--max-items", metavar="<max-items>", type=int, action=NonNegative,
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


__all__ = ["Any", "NonNegative", "add_marker_pagination", "add_pagination", "paginate"]
