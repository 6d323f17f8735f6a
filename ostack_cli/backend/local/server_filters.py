"""``server list``'s filters and paging, as Nova's database query applies them
(``instance_get_all_by_filters_sort``): exact matches for the states, the owner and the host;
regular expressions for the rest of the instance's columns (name, key name, availability
zone, reservation, progress, power state); tags all-of and not-all-of; the change times
against ``updated``; newest first, after a marker.

Nova drops the admin-only filters (``deleted``, ``host``) a non-admin sends, without a word
(``remove_invalid_options``). ``instance_name`` never reaches Nova: openstacksdk compares it
with each listed server's (an exact match), and a non-admin is shown no instance names.
``config_drive`` reaches both, and lists nothing: openstacksdk compares the real client's
boolean with Nova's string.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from ostack_cli.backend.api.server import ServerFilters
from ostack_cli.backend.local import changes_time
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest

HIDDEN = "\0"  # an instance name no server has: what a non-admin's servers show as theirs


def for_user(filters: ServerFilters, *, is_admin: bool) -> ServerFilters:
    """The filters Nova keeps of a request (a non-admin's admin-only ones dropped)."""
    if is_admin:
        return filters
    hidden = None if filters.instance_name is None else HIDDEN
    return dataclasses.replace(filters, deleted=False, host=None, instance_name=hidden)


def check_patterns(filters: ServerFilters) -> None:
    """Nova's query schema: the filters it matches as regular expressions must compile."""
    for param, pattern in (("reservation_id", filters.reservation_id), ("name", filters.name),
                           ("ip", filters.ip), ("ip6", filters.ip6),
                           ("key_name", filters.key_name),
                           ("availability_zone", filters.availability_zone)):
        if pattern is None:
            continue
        try:
            re.compile(pattern)
        except re.error:
            raise BadRequest(f"Invalid input for query parameters {param}. Value: {pattern}. "
                             f"'{pattern}' is not a 'regex'") from None


def checked_times(filters: ServerFilters) -> tuple[str | None, str | None]:
    """The change times as stored times compare with them (Nova's 400s if unreadable)."""
    since = before = None
    if filters.changes_since is not None:
        since = changes_time.normalize(filters.changes_since, "changes-since")
    if filters.changes_before is not None:
        before = changes_time.normalize(filters.changes_before, "changes-before")
    changes_time.check_order(since, before)
    return since, before


def matches(server: Server, filters: ServerFilters, since: str | None = None,
            before: str | None = None) -> bool:
    exact = (
        (filters.flavor_id, server.flavor_id),
        (filters.image_id, server.image_id),
        (filters.vm_state, server.vm_state),
        (filters.task_state, server.task_state),
        (filters.host, server.host),
        (filters.project_id, server.project_id),
        (filters.user_id, server.user_id),
        (filters.locked, bool(server.is_locked)),
        (filters.instance_name, server.instance_name),
    )
    if any(wanted is not None and wanted != have for wanted, have in exact):
        return False
    if filters.status is not None and server.status.upper() != filters.status.upper():
        return False
    # Nova matches its column ("True" or "") with the filter, then openstacksdk compares each
    # listed server's value with the boolean the real client sent: never equal.
    if filters.config_drive is not None:
        return False
    columns = (
        (filters.name, server.name),
        (filters.reservation_id, server.reservation_id),
        (filters.key_name, server.key_name or ""),
        (filters.availability_zone, server.availability_zone or ""),
        (None if filters.progress is None else str(filters.progress),
         "" if server.progress is None else str(server.progress)),
        (None if filters.power_state is None else str(filters.power_state),
         str(server.power_state)),
    )
    if any(pattern is not None and not _search(pattern, value) for pattern, value in columns):
        return False
    if filters.ip is not None and not _any_address(server, filters.ip, (4, 6)):
        return False
    if filters.ip6 is not None and not _any_address(server, filters.ip6, (6,)):
        return False
    if filters.tags and not set(filters.tags) <= set(server.tags):
        return False
    if filters.not_tags and set(filters.not_tags) <= set(server.tags):
        return False
    updated = server.updated_at.rstrip("Z")
    if since is not None and updated < since:
        return False
    return before is None or updated <= before


def page(
    servers: list[Server], filters: ServerFilters, find_marker: Callable[[str], Server | None]
) -> list[Server]:
    """Nova's paging over servers listed newest first: the ones after the marker (any server,
    deleted ones too, by ID), at most ``limit``."""
    if filters.marker is not None:
        ids = [s.id for s in servers]
        if filters.marker in ids:
            servers = servers[ids.index(filters.marker) + 1:]
        else:
            marker = find_marker(filters.marker)
            if marker is None:
                raise BadRequest(f"marker [{filters.marker}] not found")
            servers = [s for s in servers if s.created_at < marker.created_at]
    if filters.limit is not None:
        servers = servers[:filters.limit]
    return servers


def _search(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False


def _any_address(server: Server, pattern: str, versions: tuple[int, ...]) -> bool:
    return any(
        _search(pattern, entry["addr"])
        for entries in server.addresses.values() for entry in entries
        if int(entry.get("version", 4)) in versions
    )
