"""``server migrate`` (cold and live) and ``server evacuate``, answered as Nova answers them on a
cloud with exactly one compute host: the requests pass the API's checks, then the scheduler
finds no other host.

- A cold migration is accepted (202) and fails in the conductor: the server keeps its state,
  and its ``migrate`` action records ``No valid host was found. No valid host found for cold
  migrate`` (nova/conductor/tasks/migrate.py).
- A live migration (the real client asks with microversion 2.30, where the conductor answers
  at once) fails with 400 ``No valid host was found. There are not enough hosts
  available.``, recorded in its ``live-migration`` action.
- An evacuation is refused while the host's nova-compute is up (``Compute service of
  localhost is still in use.``); once it is forced down, the conductor finds no host to
  rebuild on and the server goes to ERROR (nova/conductor/manager.py ``rebuild_instance``).

Checks, in Nova's order: nova/api/openstack/compute/migrate_server.py and evacuate.py, and
nova/compute/api.py (``resize``, ``live_migrate``, ``evacuate`` and their decorators).
"""

from __future__ import annotations

import os
from typing import Any

from ostack_cli.backend.local import nova_rules
from ostack_cli.backend.local.compute_hosts import ComputeHosts
from ostack_cli.backend.local.guest_ops import GuestOps
from ostack_cli.backend.local.migration_records import MigrationRecords
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.models import migration as kinds
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, Conflict, NotFound, not_found

NO_HOST = "No valid host was found. There are not enough hosts available."
NO_HOST_COLD = "No valid host was found. No valid host found for cold migrate"
NO_HOST_FAULT_CODE = 500  # NoValidHost is a plain NovaException
COLD_MIGRATE_STATES = (nova_rules.ACTIVE, nova_rules.STOPPED)
LIVE_MIGRATE_STATES = (nova_rules.ACTIVE, nova_rules.PAUSED)
EVACUATE_STATES = (nova_rules.ACTIVE, nova_rules.STOPPED, nova_rules.ERROR)
MIGRATING, REBUILDING = "migrating", "rebuilding"


class ServerMigrations:
    def __init__(self, context: Any, *, ops: GuestOps, compute_hosts: ComputeHosts,
                 migrations: MigrationRecords) -> None:
        self.context = context
        self.store = context.store
        self.ops = ops
        self.compute_hosts = compute_hosts
        self.migrations = migrations

    def migrate(self, server: Server, *, host: str | None = None) -> None:
        require_nova_admin(self.context, "os_compute_api:os-migrate-server:migrate"
                           + (":host" if host else ""))
        self.ops.check_lock(server)
        nova_rules.require_state(server, "migrate", COLD_MIGRATE_STATES)
        # check_instance_host(check_is_up=True)
        if not server.host:
            raise Conflict(f"Instance {server.id} is not ready")
        compute = self.compute_hosts.compute_service()
        if compute is None or compute.state != "up":
            raise Conflict("Service is unavailable at this time.")
        if host is not None:
            if host == server.host:
                raise BadRequest("Cannot migrate to the host where the server exists.")
            if not self.compute_hosts.has_host(host):
                raise BadRequest(f"Compute host {host} could not be found.")
        claimed = self._claim(server, "migrate", COLD_MIGRATE_STATES, nova_rules.RESIZE_PREP,
                              progress=0, system_metadata={**server.system_metadata,
                                                           "image_base_image_ref":
                                                           server.image_id})
        log = self.ops.record_action(claimed, "migrate")
        # The API has answered 202; the conductor records the migration, its scheduling
        # fails, the server is put back.
        record = self.migrations.start(claimed, kinds.COLD, "pre-migrating",
                                       old_flavor_id=server.flavor_id,
                                       new_flavor_id=server.flavor_id)
        log.failed("conductor_migrate_server", NO_HOST_COLD)
        self.migrations.set_status(record, "error")
        log.failed("cold_migrate", NO_HOST_COLD)
        self.ops.finish(claimed, fault=_fault(NO_HOST_COLD))

    def live_migrate(self, server: Server, *, host: str | None = None) -> None:
        require_nova_admin(self.context, "os_compute_api:os-migrate-server:migrate_live"
                           + (":host" if host else ""))
        self.ops.check_lock(server)
        nova_rules.require_state(server, "os-migrateLive", LIVE_MIGRATE_STATES)
        if host and not self.compute_hosts.has_host(host):
            raise BadRequest(f"Compute host {host} could not be found.")
        claimed = self._claim(server, "os-migrateLive", LIVE_MIGRATE_STATES, MIGRATING)
        log = self.ops.record_action(claimed, "live-migration")
        record = self.migrations.start(claimed, kinds.LIVE, "accepted", dest_compute=host,
                                       old_flavor_id=server.flavor_id,
                                       new_flavor_id=server.flavor_id, with_source_node=False)
        # The scheduler ignores the server's own host; no other is left.
        log.failed("conductor_migrate_server", NO_HOST)
        self.migrations.set_status(record, "error")
        self.ops.finish(claimed, fault=_fault(NO_HOST))
        raise BadRequest(NO_HOST)

    def evacuate(self, server: Server, *, host: str | None = None) -> None:
        require_nova_admin(self.context, "os_compute_api:os-evacuate")
        if host is not None and not self.compute_hosts.has_host(host):
            raise NotFound(f"Compute host {host} not found.")
        if server.host == host:
            raise BadRequest("The target host can't be the same one.")
        nova_rules.require_state(server, "evacuate", EVACUATE_STATES)
        compute = self.compute_hosts.compute_service()
        if compute is None:
            raise NotFound(f"Compute host {server.host} could not be found.")
        if compute.state == "up":
            raise BadRequest(f"Compute service of {server.host} is still in use.")
        claimed = self._claim(server, "evacuate", EVACUATE_STATES, REBUILDING)
        log = self.ops.record_action(claimed, "evacuate")
        record = self.migrations.start(claimed, kinds.EVACUATION, "accepted",
                                       dest_compute=host)
        # The conductor asks the scheduler for another host: there is none.
        log.failed("rebuild_server", NO_HOST)
        self.migrations.set_status(record, "error")
        self.ops.finish(claimed, vm_state=nova_rules.ERROR, fault=_fault(NO_HOST))

    def abort(self, server: Server, migration_id: str) -> None:
        """``live_migrate_abort``: only a migrating server has one to abort (none here)."""
        require_nova_admin(self.context, "os_compute_api:servers:migrations:delete")
        self.ops.check_lock(server)
        _require_migrating(server, "abort live migration")

    def force_complete(self, server: Server, migration_id: str) -> None:
        """``live_migrate_force_complete``: an active server in a live migration."""
        require_nova_admin(self.context, "os_compute_api:servers:migrations:force_complete")
        self.ops.check_lock(server)
        nova_rules.require_state(server, "force_complete", (nova_rules.ACTIVE,),
                                 task_states=None)
        _require_migrating(server, "force_complete")

    def _claim(self, server: Server, action: str, vm_states: tuple[str, ...], task: str,
               **changes: Any) -> Server:
        """``instance.save(expected_task_state=[None])``: the checks again on the record as it
        is, inside the transaction that sets the task."""
        with self.store.transaction():
            current = self.store.get(Server, server.id)
            if current is None:
                raise not_found("Server", server.id)
            nova_rules.require_state(current, action, vm_states)
            claimed = current.replace(task_state=task, worker_pid=os.getpid(),
                                      updated_at=utcnow(), **changes)
            self.store.update(claimed)
        return claimed


def _require_migrating(server: Server, action: str) -> None:
    """``check_instance_state(task_state=[MIGRATING])``; a server in no task is refused
    without naming its state (``raise_http_conflict_for_instance_invalid_state``)."""
    if server.task_state == MIGRATING:
        return
    if server.task_state is None:
        raise Conflict(f"Instance {server.id} is in an invalid state for '{action}'")
    raise nova_rules.invalid_state(server, action, "task_state", server.task_state)


def _fault(message: str) -> dict[str, Any]:
    # The conductor records the scheduler's refusal as the server's fault (shown only once a
    # server is in ERROR).
    return {"code": NO_HOST_FAULT_CODE, "created": utcnow(), "message": message}
