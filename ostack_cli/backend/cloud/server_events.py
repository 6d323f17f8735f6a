"""A server's instance actions through Nova (openstacksdk's compute proxy)."""

from __future__ import annotations

from typing import Any

from openstack.compute.v2 import server_action as sdk_server_action

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.server_action import (
    ActionFilters,
    ServerAction,
    ServerActionEvent,
)


def server_action_from_sdk(
    action: sdk_server_action.ServerAction, server_id: str
) -> ServerAction:
    events = None
    if action.events is not None:
        events = [
            ServerActionEvent(
                event=e.event, start_time=e.start_time, finish_time=e.finish_time,
                result=e.result, traceback=e.traceback, host=e.host, host_id=e.host_id,
                details=e.details,
            )
            for e in action.events
        ]
    return ServerAction(
        request_id=action.request_id,
        server_id=action.server_id or server_id,
        action=action.action,
        start_time=action.start_time,
        user_id=action.user_id,
        project_id=action.project_id,
        message=action.message,
        events=events,
    )


@translate_errors
class CloudServerEvents(CloudBase):
    def server_actions(
        self, server_id: str, filters: ActionFilters | None = None
    ) -> list[ServerAction]:
        filters = filters or ActionFilters()
        # What the real client sends (its --max-items stays on the client).
        query: dict[str, Any] = {}
        if filters.marker:
            query["marker"] = filters.marker
        if filters.limit:
            query["limit"] = filters.limit
            query["paginated"] = False
        if filters.changes_since:
            query["changes_since"] = filters.changes_since
        if filters.changes_before:
            query["changes_before"] = filters.changes_before
        return [server_action_from_sdk(a, server_id)
                for a in self.conn.compute.server_actions(server_id, **query)]

    def server_action(self, server_id: str, request_id: str) -> ServerAction:
        return server_action_from_sdk(
            self.conn.compute.get_server_action(request_id, server_id), server_id)
