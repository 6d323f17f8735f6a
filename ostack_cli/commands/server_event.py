"""``server event list|show``: a server's recorded actions (Nova's instance actions)."""

from __future__ import annotations

import argparse
import uuid
from typing import TYPE_CHECKING, Any

from cliff.columns import FormattableColumn

from ostack_cli.backend.models.server_action import ActionFilters, ServerActionEvent
from ostack_cli.columns import format_list_of_dicts
from ostack_cli.commands.base import Lister, ShowOne, show_fields
from ostack_cli.commands.time_args import checked_time
from ostack_cli.errors import NotFound

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend

EVENT_FIELDS = ("details", "event", "finish_time", "host", "host_id", "result", "start_time",
                "traceback")


def is_uuid_like(value: str) -> bool:
    """The real client's test for a deleted server's ID it may still ask about."""
    try:
        formatted = (value.replace("urn:", "").replace("uuid:", "").strip("{}")
                     .replace("-", "").lower())
        return str(uuid.UUID(value)).replace("-", "") == formatted
    except (TypeError, ValueError, AttributeError):
        return False


class EventsColumn(FormattableColumn[list[ServerActionEvent]]):
    """Each event's fields, sorted: one line each in a table, a list of objects in JSON."""

    def _dicts(self) -> list[dict[str, Any]]:
        return [{f: getattr(e, f) for f in EVENT_FIELDS} for e in self._value or []]

    def human_readable(self) -> str:
        return format_list_of_dicts(self._dicts())

    def machine_readable(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return self._dicts()


def event_server_id(backend: Backend, name_or_id: str) -> str:
    try:
        return backend.find_server(name_or_id).id
    except NotFound:
        # A deleted server is found no more, but its actions are, by its ID.
        if is_uuid_like(name_or_id):
            return name_or_id
        raise


class ListServerEvent(Lister):
    """List recent events of a server.

    Specify ``--os-compute-api-version 2.21`` or higher to show events for a deleted server,
    specified by ID only.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to list events (name or ID)")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--changes-since", dest="changes_since",
                            metavar="<changes-since>",
                            help="List only server events changed later or equal to a certain "
                            "point of time. The provided time should be an ISO 8061 formatted "
                            "time, e.g. ``2016-03-04T06:27:59Z``. (supported with "
                            "--os-compute-api-version 2.58 or above)")
        parser.add_argument("--changes-before", dest="changes_before",
                            metavar="<changes-before>",
                            help="List only server events changed earlier or equal to a "
                            "certain point of time. The provided time should be an ISO 8061 "
                            "formatted time, e.g. ``2016-03-04T06:27:59Z``. (supported with "
                            "--os-compute-api-version 2.66 or above)")
        parser.add_argument("--limit", metavar="<limit>", type=int,
                            help="The maximum number of entries to return per page. If the "
                            "value exceeds the server-defined maximum, then the "
                            "server-defined value will be used. Note that this controls the "
                            "page size, not the total number of entries returned. Use "
                            "--max-items to limit the total number of entries returned.")
        parser.add_argument("--marker", metavar="<marker>", default=None,
                            help="The first position in the collection to return results "
                            "from. This should be a value that was returned in a previous "
                            "request.")
        parser.add_argument("--max-items", metavar="<max-items>", type=int,
                            help="The maximum number of entries to return. If the value "
                            "exceeds the server-defined maximum, then the maximum value will "
                            "be used.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        filters = ActionFilters(
            marker=parsed_args.marker or None,
            # The real client sends a limit only when it is not 0.
            limit=parsed_args.limit or None,
            changes_since=checked_time(parsed_args.changes_since or None, "changes-since"),
            changes_before=checked_time(parsed_args.changes_before or None, "changes-before"),
        )
        server_id = event_server_id(self.backend, parsed_args.server)
        actions = self.backend.server_actions(server_id, filters)
        if parsed_args.max_items is not None:
            actions = actions[:parsed_args.max_items]
        headers: tuple[str, ...] = ("Request ID", "Server ID", "Action", "Start Time")
        if parsed_args.long:
            headers += ("Message", "Project ID", "User ID")
        rows = []
        for action in actions:
            row: tuple[Any, ...] = (action.request_id, action.server_id, action.action,
                                    action.start_time)
            if parsed_args.long:
                row += (action.message, action.project_id, action.user_id)
            rows.append(row)
        return headers, rows


class ShowServerEvent(ShowOne):
    """Show server event details.

    Specify ``--os-compute-api-version 2.21`` or higher to show event details for a deleted
    server, specified by ID only. Specify ``--os-compute-api-version 2.51`` or higher to show
    event details for non-admin users.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>",
                            help="Server to show event details (name or ID)")
        parser.add_argument("request_id", metavar="<request-id>",
                            help="Request ID of the event to show (ID only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        server_id = event_server_id(self.backend, parsed_args.server)
        action = self.backend.server_action(server_id, parsed_args.request_id)
        return show_fields({
            "action": action.action,
            "events": EventsColumn(list(action.events or [])),
            "id": action.request_id,
            "message": action.message,
            "project_id": action.project_id,
            "request_id": action.request_id,
            "start_time": action.start_time,
            "user_id": action.user_id,
        })
