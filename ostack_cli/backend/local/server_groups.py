"""Server groups (Nova's os-server-groups) and the scheduler's group filters on this one host.

One host means: ``affinity`` and the soft policies always fit (every member shares the host,
and a soft policy is a preference); ``anti-affinity`` fits while fewer than its
``max_server_per_host`` members (1 unless the rule says) are on the host, as Nova's
``ServerGroupAntiAffinityFilter`` counts them. A server that does not fit fails as Nova's
scheduler fails it: ``No valid host was found. There are not enough hosts available.``
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.server import Server
from ostack_cli.backend.models.server_group import MAX_SERVER_PER_HOST, POLICIES, ServerGroup
from ostack_cli.errors import BadRequest, NotFound, OstackError, QuotaExceeded

ANTI_AFFINITY = "anti-affinity"
GROUP_HINT = "group"


class NoValidHost(OstackError):
    """Nova's scheduler found no host for a server (the conductor's failure, not compute's)."""

    def __init__(self, reason: str = "There are not enough hosts available.") -> None:
        super().__init__(f"No valid host was found. {reason}")


class ServerGroups:
    def __init__(self, context: ServiceContext, *, quotas: Quotas) -> None:
        self.context = context
        self.store = context.store
        self.quotas = quotas

    # -- the API ----------------------------------------------------------------------

    def find_all(
        self, *, all_projects: bool = False, limit: int | None = None, offset: int | None = None
    ) -> list[ServerGroup]:
        """Nova lists every project's groups only to an admin who asks; anyone else gets
        their own project's, whatever they ask."""
        if all_projects and self.context.is_admin:
            groups = self.store.list(ServerGroup)
        else:
            groups = self.store.list(ServerGroup, project_id=self.context.project_id)
        groups = groups[offset or 0:]
        if limit is not None:
            groups = groups[:limit]
        return [self._shown(g) for g in groups]

    def find(self, name_or_id: str) -> ServerGroup:
        """openstacksdk's find: the ID (any project's, for an admin), then a name among the
        groups Nova lists."""
        found = self.store.get(ServerGroup, name_or_id)
        if found is not None and (self.context.is_admin
                                  or found.project_id == self.context.project_id):
            return self._shown(found)
        return self._shown(self.context.find(
            ServerGroup, name_or_id, visible=lambda g: g.project_id == self.context.project_id
        ))

    def create(self, name: str, policy: str, rules: dict[str, Any] | None = None) -> ServerGroup:
        rules = dict(rules or {})
        _check_name(name)
        if policy not in POLICIES:
            raise BadRequest(f"Invalid input for field/attribute policy. Value: {policy}. "
                             f"'{policy}' is not one of {list(POLICIES)}")
        checked_rules = _checked_rules(rules)
        if policy != ANTI_AFFINITY and checked_rules:
            raise BadRequest("Only anti-affinity policy supports rules.")
        with self.store.transaction():
            self._check_quota()
            group = ServerGroup(
                id=new_id(), name=name, project_id=self.context.project_id,
                user_id=self.context.user_id, policy=policy, rules=checked_rules,
                created_at=utcnow(),
            )
            self.store.insert(group)
        return group

    def delete(self, group: ServerGroup) -> None:
        with self.store.transaction():
            if not self.store.delete(ServerGroup, group.id):
                raise NotFound(f"Instance group {group.id} could not be found.")

    # -- servers and the scheduler ----------------------------------------------------

    def requested(self, hints: dict[str, Any]) -> ServerGroup | None:
        """The group a create's ``group`` hint names (Nova's API checks, with its 400s)."""
        value = hints.get(GROUP_HINT)
        if value is None:
            return None
        values = value if isinstance(value, list) else [value]
        if not values or not all(_is_uuid(v) for v in values):
            # Nova prints the value, then jsonschema its repr.
            raise BadRequest(f"Invalid input for field/attribute {GROUP_HINT}. Value: "
                             f"{value}. {value!r} is not valid under any of the given "
                             "schemas")
        group = self.store.get(ServerGroup, str(values[0]))
        if group is None:
            raise BadRequest(f"Instance group {values[0]} could not be found.")
        return group

    def check_members_quota(self, group: ServerGroup, count: int) -> None:
        """Nova: a group holds at most ``server-group-members`` servers."""
        limit = self.quotas.limits(group.project_id)["server-group-members"]
        if limit != -1 and len(self._live_members(group)) + count > limit:
            raise QuotaExceeded("Quota exceeded, too many servers in group")

    def add_member(self, group: ServerGroup, server_id: str) -> None:
        """Call inside the transaction that records the server."""
        current = self.store.get(ServerGroup, group.id)
        if current is not None and server_id not in current.member_ids:
            self.store.update(current.replace(member_ids=[*current.member_ids, server_id]))

    def check_fits(self, batch: list[Server]) -> None:
        """The scheduler's group filters for one request's servers on this host: Nova places
        them all or none (NoValidHost). A member counts once it is placed (has a host);
        members that failed to schedule have none."""
        batch_ids = {s.id for s in batch}
        for group in self.of_servers(batch_ids):
            if group.policy != ANTI_AFFINITY:
                continue
            limit = int((group.rules or {}).get(MAX_SERVER_PER_HOST, 1))
            placed = [m for m in self._live_members(group) if m.id not in batch_ids and m.host]
            joining = [m for m in group.member_ids if m in batch_ids]
            if len(placed) + len(joining) > limit:
                raise NoValidHost()

    def of_servers(self, server_ids: set[str]) -> list[ServerGroup]:
        return [g for g in self.store.list(ServerGroup) if server_ids & set(g.member_ids)]

    def group_ids_of(self, server_id: str) -> list[str]:
        """``server show``'s ``server_groups`` (2.71+)."""
        return [g.id for g in self.of_servers({server_id})]

    # -- internals --------------------------------------------------------------------

    def _live_members(self, group: ServerGroup) -> list[Server]:
        return [s for s in (self.store.get(Server, m) for m in group.member_ids) if s]

    def _shown(self, group: ServerGroup) -> ServerGroup:
        """Nova shows the members that are not deleted."""
        live = {s.id for s in self._live_members(group)}
        return group.replace(member_ids=[m for m in group.member_ids if m in live])

    def _check_quota(self) -> None:
        limit = self.quotas.limits(self.context.project_id)["server-groups"]
        used = len(self.store.list(ServerGroup, project_id=self.context.project_id))
        if limit != -1 and used + 1 > limit:
            raise QuotaExceeded("Quota exceeded, too many server groups.")


def _check_name(name: str) -> None:
    """Nova's ``name`` parameter type: 1-255 printable characters, no leading or trailing
    whitespace; jsonschema's messages, then Nova's own for the format."""
    if not name:
        raise BadRequest("Invalid input for field/attribute name. Value: . '' should be "
                         "non-empty")
    if len(name) > 255:
        raise BadRequest(f"Invalid input for field/attribute name. Value: {name}. "
                         f"'{name}' is too long")
    if name != name.strip() or not name.isprintable():
        raise BadRequest("An invalid 'name' value was provided. The name must be: printable "
                         "characters. Can not start or end with whitespace.")


def _checked_rules(rules: dict[str, Any]) -> dict[str, Any]:
    """Nova's schema for ``rules`` (2.64+): only ``max_server_per_host``, a positive number
    given as digits; stored as an integer."""
    unknown = [key for key in rules if key != MAX_SERVER_PER_HOST]
    if unknown:
        raise BadRequest(f"Invalid input for field/attribute rules. Value: {_python_repr(rules)}. "
                         f"Additional properties are not allowed ('{unknown[0]}' was unexpected)")
    if MAX_SERVER_PER_HOST not in rules:
        return {}
    value = rules[MAX_SERVER_PER_HOST]
    text = str(value)
    if not re.fullmatch(r"[0-9]*", text) or not text:
        raise BadRequest(f"Invalid input for field/attribute {MAX_SERVER_PER_HOST}. Value: "
                         f"{text}. '{text}' does not match '^[0-9]*$'")
    if int(text) < 1:
        raise BadRequest(f"Invalid input for field/attribute {MAX_SERVER_PER_HOST}. Value: "
                         f"{text}. {int(text)} is less than the minimum of 1")
    return {MAX_SERVER_PER_HOST: int(text)}


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _python_repr(value: Any) -> str:
    """How Nova's messages print a request value (Python's repr for lists and dicts)."""
    return repr(value) if isinstance(value, list | dict) else str(value)
