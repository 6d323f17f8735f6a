"""Server locks (Nova's os-lock-server): a locked server refuses actions to anyone but an
admin (``check_instance_lock`` in nova/compute/api.py), with Nova's 409.

``check`` is the one place other services ask; who counts as an admin is the context's
``is_admin``."""

from __future__ import annotations

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import nova_forbidden
from ostack_cli.backend.local.server_events import ServerEvents
from ostack_cli.backend.local.server_records import ServerRecords
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import Conflict

OWNER, ADMIN = "owner", "admin"
UNLOCK_OVERRIDE = "os_compute_api:os-lock-server:unlock:unlock_override"


def check_unlocked(context: ServiceContext, server: Server) -> None:
    """Refuse an action on a locked server unless the acting user is an admin."""
    if server.is_locked and not context.is_admin:
        raise Conflict(f"Instance {server.id} is locked")


class ServerLocks:
    def __init__(
        self, context: ServiceContext, *, records: ServerRecords, events: ServerEvents
    ) -> None:
        self.context = context
        self.records = records
        self.events = events

    def check(self, server: Server) -> None:
        check_unlocked(self.context, server)

    def lock(self, server: Server, *, reason: str | None = None) -> None:
        is_owner = server.project_id == self.context.project_id
        if server.is_locked and is_owner:
            return  # Nova: the owner locking again changes nothing, and records nothing
        with self.events.action(server, "lock", "api_lock"):
            changes: dict[str, object] = {"is_locked": True,
                                          "locked_by": OWNER if is_owner else ADMIN}
            if reason:
                changes["locked_reason"] = reason
            self.records.transition(server, **changes)

    def unlock(self, server: Server) -> None:
        expected = OWNER if server.project_id == self.context.project_id else ADMIN
        if server.locked_by and server.locked_by != expected and not self.context.is_admin:
            raise nova_forbidden(UNLOCK_OVERRIDE)
        with self.events.action(server, "unlock", "api_unlock"):
            self.records.transition(server, is_locked=False, locked_by=None,
                                    locked_reason=None)
