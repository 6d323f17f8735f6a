"""Nova's instance actions: every request on a server leaves an action (who asked what, when)
and the events of the work it caused, with their results (``server event list/show``).

As Nova does it (``nova/compute/api.py`` ``_record_action_start``, ``wrap_instance_event``):
an action is recorded once the request passed its checks (a locked or busy server records
nothing), each step of the work is an event named after the service and the method that did
it (``compute_stop_instance``, ``api_lock``), and a failed event marks its action ``Error``.
Actions stay after their server is deleted (its ID still shows them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import traceback
import uuid
from collections.abc import Iterator
from typing import Any

from ostack_cli.backend.local import changes_time
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.models.server import Server
from ostack_cli.backend.models.server_action import (
    ActionFilters,
    ServerAction,
    ServerActionEvent,
)
from ostack_cli.errors import BadRequest, NotFound

SUCCESS, ERROR = "Success", "Error"
# Where Nova's services run here: this host, by the name servers know it (servers.LOCAL_HOST).
SERVICE_HOST = "localhost"


def request_id() -> str:
    """A request's ID, as oslo.context makes them."""
    return f"req-{uuid.uuid4()}"


class ActionLog:
    """One recorded action, whose events are being recorded."""

    def __init__(self, events: ServerEvents, server: Server, request: str) -> None:
        self.events = events
        self.server = server
        self.request_id = request

    @contextlib.contextmanager
    def event(self, name: str) -> Iterator[None]:
        """The block is the event: ``Success`` if it returns, ``Error`` (with what went
        wrong) if it raises; the exception goes on."""
        self.events.add_event(self.request_id, self._new_event(name))
        try:
            yield
        except Exception as exc:
            self.events.finish_event(self.request_id, name, ERROR, details=_one_line(exc),
                                     trace="".join(traceback.format_tb(exc.__traceback__)))
            raise
        self.events.finish_event(self.request_id, name, SUCCESS)

    def failed(self, name: str, details: str) -> None:
        """An event that failed without failing the request (Nova's casts to compute)."""
        self.events.add_event(self.request_id, self._new_event(name))
        self.events.finish_event(self.request_id, name, ERROR, details=details)

    def _new_event(self, name: str) -> ServerActionEvent:
        # Nova's hostId of an event: the service's host hashed with the server's project.
        host_id = hashlib.sha224((self.server.project_id + SERVICE_HOST).encode()).hexdigest()
        return ServerActionEvent(event=name, start_time=changes_time.now(), host=SERVICE_HOST,
                                 host_id=host_id)


class ServerEvents:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- recording --------------------------------------------------------------------

    def start(self, server: Server, action: str) -> ActionLog:
        """Record that ``action`` was asked of ``server`` now, by the acting user."""
        now = changes_time.now()
        record = ServerAction(
            request_id=request_id(),
            server_id=server.id,
            action=action,
            start_time=now,
            user_id=self.context.user_id,
            project_id=self.context.project_id,
            updated_at=now,
            events=[],
        )
        with self.store.transaction():
            self.store.conn.execute(
                "INSERT INTO instance_actions (request_id, server_id, project_id, start_time,"
                " updated_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                (record.request_id, server.id, record.project_id, now, now,
                 json.dumps(_body(record))),
            )
        return ActionLog(self, server, record.request_id)

    @contextlib.contextmanager
    def action(self, server: Server, action: str, event: str) -> Iterator[ActionLog]:
        """An action whose work is one event (most of Nova's)."""
        log = self.start(server, action)
        with log.event(event):
            yield log

    def record(self, server: Server, action: str, event: str) -> None:
        """An action done at once, successfully (``lock``, ``unlock``: ``api_`` events)."""
        with self.action(server, action, event):
            pass

    def add_event(self, request: str, event: ServerActionEvent) -> None:
        def add(action: ServerAction) -> ServerAction:
            return _replace(action, events=[event, *(action.events or [])])

        self._change(request, add, updated=event.start_time)

    def finish_event(
        self,
        request: str,
        name: str,
        result: str,
        *,
        details: str | None = None,
        trace: str | None = None,
    ) -> None:
        finish = changes_time.now()

        def finish_one(action: ServerAction) -> ServerAction:
            events = list(action.events or [])
            for index, event in enumerate(events):
                if event.event == name and event.result is None:
                    events[index] = _event_replace(
                        event, finish_time=finish, result=result, details=details,
                        traceback=trace)
                    break
            message = "Error" if result == ERROR else action.message
            return _replace(action, events=events, message=message)

        self._change(request, finish_one, updated=finish)

    def _change(self, request: str, change: Any, *, updated: str | None) -> None:
        with self.store.transaction():
            row = self.store.conn.execute(
                "SELECT body FROM instance_actions WHERE request_id = ?", (request,)
            ).fetchone()
            if row is None:
                return
            action = change(_action(json.loads(row[0])))
            stamp = updated or action.updated_at
            action = _replace(action, updated_at=stamp)
            self.store.conn.execute(
                "UPDATE instance_actions SET updated_at = ?, body = ? WHERE request_id = ?",
                (stamp, json.dumps(_body(action)), request),
            )

    # -- reading ----------------------------------------------------------------------

    def find_all(self, server_id: str, filters: ActionFilters | None = None) -> list[ServerAction]:
        """Newest first (Nova: created_at, then id, descending), without their events."""
        filters = filters or ActionFilters()
        since = before = None
        if filters.changes_since is not None:
            since = changes_time.normalize(filters.changes_since, "changes-since")
        if filters.changes_before is not None:
            before = changes_time.normalize(filters.changes_before, "changes-before")
        changes_time.check_order(since, before)
        sql = "SELECT body FROM instance_actions WHERE server_id = ?"
        args: list[Any] = [server_id]
        if since is not None:
            sql += " AND updated_at >= ?"
            args.append(since)
        if before is not None:
            sql += " AND updated_at <= ?"
            args.append(before)
        sql += " ORDER BY start_time DESC, rowid DESC"
        found = [_action(json.loads(r[0])) for r in self.store.conn.execute(sql, args)]
        if filters.limit == 0:
            return []
        if filters.marker is not None:
            ids = [a.request_id for a in found]
            if filters.marker not in self._request_ids(server_id):
                # Nova looks the marker up, then reports what it found: nothing.
                raise BadRequest("Marker None could not be found.")
            found = found[ids.index(filters.marker) + 1:] if filters.marker in ids else []
        if filters.limit is not None:
            found = found[:filters.limit]
        return [_presented(_replace(a, events=None)) for a in found]

    def get(self, server_id: str, request: str) -> ServerAction:
        row = self.store.conn.execute(
            "SELECT body FROM instance_actions WHERE server_id = ? AND request_id = ?",
            (server_id, request),
        ).fetchone()
        if row is None:
            raise NotFound(f"Action {request} not found")
        action = _presented(_action(json.loads(row[0])))
        if self.context.is_admin:
            return action
        # Nova shows others the events, without their host, traceback and details.
        events = [_event_replace(e, host=None, traceback=None, details=None)
                  for e in action.events or []]
        return _replace(action, events=events)

    def _request_ids(self, server_id: str) -> set[str]:
        rows = self.store.conn.execute(
            "SELECT request_id FROM instance_actions WHERE server_id = ?", (server_id,))
        return {r[0] for r in rows}


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _replace(action: ServerAction, **changes: Any) -> ServerAction:
    return dataclasses.replace(action, **changes)


def _event_replace(event: ServerActionEvent, **changes: Any) -> ServerActionEvent:
    return dataclasses.replace(event, **changes)


def _presented(action: ServerAction) -> ServerAction:
    """Times as Nova prints them (stored ones compare as text, to the second)."""
    events = None if action.events is None else [
        _event_replace(e, start_time=changes_time.shown(e.start_time),
                       finish_time=changes_time.shown(e.finish_time))
        for e in action.events
    ]
    return _replace(action, start_time=changes_time.shown(action.start_time) or "",
                    updated_at=changes_time.shown(action.updated_at), events=events)


def _body(action: ServerAction) -> dict[str, Any]:
    return dataclasses.asdict(action)


def _action(body: dict[str, Any]) -> ServerAction:
    events = body.pop("events", None)
    return ServerAction(
        **body,
        events=None if events is None else [ServerActionEvent(**e) for e in events],
    )
