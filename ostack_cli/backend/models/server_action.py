"""Nova's instance actions (``server event list/show``): what was asked of a server, by whom,
and the events of its work, with their results."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServerActionEvent:
    """One step of an action (``compute_stop_instance``, ``api_lock``, ...)."""

    event: str
    start_time: str | None = None
    finish_time: str | None = None
    result: str | None = None  # "Success" or "Error"; None while running
    traceback: str | None = None  # admins only
    host: str | None = None  # admins only
    host_id: str | None = None  # hashed with the project, as Nova's hostId
    details: str | None = None  # what went wrong (2.84+)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServerAction:
    request_id: str
    server_id: str
    action: str  # nova/compute/instance_actions.py: create, stop, attach_interface, ...
    start_time: str
    user_id: str | None = None
    project_id: str | None = None
    message: str | None = None  # "Error" once an event failed
    updated_at: str | None = None
    # None in a list (Nova lists actions without their events).
    events: list[ServerActionEvent] | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ActionFilters:
    """``server event list``'s filters (microversions 2.58 and 2.66)."""

    changes_since: str | None = None
    changes_before: str | None = None
    limit: int | None = None
    marker: str | None = None
