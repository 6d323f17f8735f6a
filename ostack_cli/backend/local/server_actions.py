"""What happens to a server after it boots: power actions, changes, deletion, console."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable

from ostack_cli import faults
from ostack_cli.backend.local import guest_volumes, nova_rules
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.guest_build import GuestBuilder
from ostack_cli.backend.local.guests import InstanceFiles, read_console
from ostack_cli.backend.local.host_sync import HostSync
from ostack_cli.backend.local.images import Images
from ostack_cli.backend.local.ports import Ports
from ostack_cli.backend.local.security_groups import SecurityGroups
from ostack_cli.backend.local.server_events import ServerEvents
from ostack_cli.backend.local.server_locks import ServerLocks
from ostack_cli.backend.local.server_records import ServerRecords
from ostack_cli.backend.local.servers import Servers
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.network import Port
from ostack_cli.backend.models.security_group import SecurityGroup
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import (
    BadRequest,
    CommandError,
    Conflict,
    NotFound,
    OstackError,
    not_found,
)

POLL_INTERVAL = 0.5
METADATA_STATES = ("active", "paused", "suspended", "stopped")
# The instance action Nova records for each power task (its event: compute_<action>_instance).
NOVA_ACTIONS = {"powering-on": "start", "powering-off": "stop", "rebooting": "reboot",
                "rebooting_hard": "reboot", "pausing": "pause", "unpausing": "unpause",
                "suspending": "suspend", "resuming": "resume"}


class ServerActions:
    def __init__(
        self,
        context: ServiceContext,
        *,
        servers: Servers,
        records: ServerRecords,
        guests: GuestBuilder,
        images: Images,
        ports: Ports,
        security_groups: SecurityGroups,
        host_sync: HostSync,
        locks: ServerLocks,
        events: ServerEvents,
    ) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host
        self.servers = servers
        self.records = records
        self.guests = guests
        self.images = images
        self.ports = ports
        self.security_groups = security_groups
        self.host_sync = host_sync
        self.locks = locks
        self.events = events

    # -- deleting ---------------------------------------------------------------------

    def delete(self, server: Server, *, force: bool = False) -> None:
        self.locks.check(server)
        server = self.records.transition(server, task_state="deleting", worker_pid=os.getpid())
        faults.reached("server-delete:claimed")
        self._delete_shelve_snapshot(server)
        with self.events.action(server, "delete", "compute_terminate_instance"):
            self.records.remove(server)

    def _delete_shelve_snapshot(self, server: Server) -> None:
        """Nova's API deletes a shelved server's snapshot with it."""
        snapshot_id = server.system_metadata.get("shelved_image_id")
        if server.vm_state in ("shelved", "shelved_offloaded") and snapshot_id:
            image = self.store.get(Image, snapshot_id)
            if image is not None:
                with contextlib.suppress(OstackError):
                    self.images.delete(image)

    def wait_for_delete(self, server: Server, *, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while self.store.get(Server, server.id) is not None:
            if time.monotonic() > deadline:
                raise CommandError(f"Timeout waiting for server {server.id} to be deleted.")
            time.sleep(POLL_INTERVAL)

    # -- power ------------------------------------------------------------------------

    def start(self, server: Server) -> None:
        self.locks.check(server)
        _require_state(server, "start", ["stopped"])
        self._power(server, "powering-on", lambda: self._start_guest(server), "active",
                    srv.RUNNING)

    def stop(self, server: Server) -> None:
        self.locks.check(server)
        _require_state(server, "stop", ["active", "error"])  # Nova: not paused or suspended
        timeout = self.host.settings.shutdown_timeout
        self._power(server, "powering-off",
                    lambda: self.host.hypervisor.shutdown(server.instance_name, timeout),
                    "stopped", srv.SHUTDOWN)

    def reboot(self, server: Server, *, hard: bool = False) -> None:
        self.locks.check(server)
        if hard:
            _require_state(server, "reboot", ["active", "stopped", "paused", "suspended", "error"])
            task = "rebooting_hard"
        else:
            _require_state(server, "reboot", ["active"])
            task = "rebooting"

        def restart_guest() -> None:
            hypervisor = self.host.hypervisor
            if hard:
                hypervisor.destroy(server.instance_name)
            else:
                hypervisor.shutdown(server.instance_name, self.host.settings.shutdown_timeout)
            self._start_guest(server)

        self._power(server, task, restart_guest, "active", srv.RUNNING)

    def pause(self, server: Server) -> None:
        self.locks.check(server)
        _require_state(server, "pause", ["active"])
        self._power(server, "pausing", lambda: self.host.hypervisor.pause(server.instance_name),
                    "paused", srv.PAUSED)

    def unpause(self, server: Server) -> None:
        self.locks.check(server)
        _require_state(server, "unpause", ["paused"])
        self._power(server, "unpausing",
                    lambda: self.host.hypervisor.unpause(server.instance_name), "active",
                    srv.RUNNING)

    def suspend(self, server: Server) -> None:
        self.locks.check(server)
        _require_state(server, "suspend", ["active"])
        self._power(server, "suspending",
                    lambda: self.host.hypervisor.suspend(server.instance_name), "suspended",
                    srv.SUSPENDED)

    def resume(self, server: Server) -> None:
        self.locks.check(server)
        _require_state(server, "resume", ["suspended"])
        self._power(server, "resuming",
                    lambda: self.host.hypervisor.resume(server.instance_name), "active",
                    srv.RUNNING)

    def _power(
        self,
        server: Server,
        task: str,
        action: Callable[[], None],
        vm_state: str,
        power_state: int,
    ) -> None:
        """Nova's pattern: claim the task (compare and swap), act, then record the result."""
        with self.store.transaction():
            current = self.store.get(Server, server.id)
            if current is None:
                raise not_found("Server", server.id)
            if current.task_state is not None:
                # Another command claimed the server since it was read (Nova's 409).
                raise Conflict(
                    f"Cannot '{task}' instance {server.id} while it is in task_state "
                    f"{current.task_state}"
                )
            self.store.update(current.replace(task_state=task, worker_pid=os.getpid(),
                                              updated_at=utcnow()))
        verb = NOVA_ACTIONS.get(task)
        try:
            if verb is None:
                action()
            else:
                with self.events.action(current, verb, f"compute_{verb}_instance"):
                    action()
        except OstackError:
            self.records.transition(server, task_state=None, worker_pid=None)
            raise
        self.records.transition(server, vm_state=vm_state, power_state=power_state, task_state=None,
                         worker_pid=None)

    def _start_guest(self, server: Server) -> None:
        """Boot the guest; re-create its definition if it vanished (as a hard reboot does)."""
        hypervisor = self.host.hypervisor
        if hypervisor.lookup(server.instance_name) is None:
            files = InstanceFiles.of(self.host.host_dir, server.id)
            from_volume = guest_volumes.boots_from_volume(self.store, server.id)
            if not from_volume and not files.disk.exists():
                raise BadRequest(
                    f"The disk of server {server.id} is gone; it cannot be started again."
                )
            xml = self.guests.definition(server, self.guests.boot_image(server), files,
                                         self.host.virt_type())
            self.host_sync.prepare(server)
            hypervisor.define_and_start(xml)
            return
        self.host_sync.prepare(server)
        hypervisor.start(server.instance_name)

    # -- changing ---------------------------------------------------------------------

    def update(
        self,
        server: Server,
        *,
        name: str | None = None,
        description: str | None = None,
        set_metadata: dict[str, str] | None = None,
        unset_metadata: list[str] | None = None,
    ) -> Server:
        if name is not None:
            nova_rules.check_name(name)
        nova_rules.check_description(description)
        nova_rules.check_metadata(set_metadata or {})
        if set_metadata or unset_metadata:
            self.locks.check(server)  # Nova locks a server's metadata, not its name
        with self.store.transaction():
            current = self.store.get(Server, server.id)
            if current is None:
                raise not_found("Server", server.id)
            # Nova's update_/delete_instance_metadata: these vm_states, any task.
            for asked, action in ((set_metadata, "update metadata"),
                                  (unset_metadata, "delete metadata")):
                if asked:
                    nova_rules.require_state(current, action, METADATA_STATES,
                                             task_states=None)
            metadata = dict(current.metadata)
            metadata.update(set_metadata or {})
            # One DELETE per key (openstacksdk's): those before a missing one are gone.
            missing = None
            for key in unset_metadata or []:
                if key not in metadata:
                    missing = key
                    break
                del metadata[key]
            updated = current.replace(
                name=current.name if name is None else name,
                # The real client unsets the description after the metadata.
                description=current.description if description is None or missing is not None
                else description,
                metadata=metadata,
                updated_at=utcnow(),
            )
            self.store.update(updated)
        if missing is not None:
            raise NotFound("Metadata item was not found")
        return updated

    def add_security_group(self, server: Server, group_name_or_id: str) -> None:
        group = self._group(group_name_or_id)
        with self.store.transaction():
            ports = self._ports_for_groups(server)
            if any(group.id in p.security_group_ids for p in ports):
                raise BadRequest(
                    f"Security group {group.name} is already associated with the instance "
                    f"{server.id}"
                )
            for port in ports:
                self.ports.update(port, security_group_ids=[*port.security_group_ids, group.id])
            self._set_group_names(server)

    def remove_security_group(self, server: Server, group_name_or_id: str) -> None:
        group = self._group(group_name_or_id)
        with self.store.transaction():
            ports = self._ports_for_groups(server)
            if not any(group.id in p.security_group_ids for p in ports):
                raise BadRequest(
                    f"Security group {group.name} not associated with the instance {server.id}"
                )
            for port in ports:
                self.ports.update(
                    port,
                    security_group_ids=[g for g in port.security_group_ids if g != group.id],
                )
            self._set_group_names(server)

    def _group(self, name_or_id: str) -> SecurityGroup:
        try:
            return self.security_groups.find(name_or_id)
        except NotFound:
            # nova/network/security_group_api.py's words (add_to_/remove_from_instance).
            raise NotFound(f"Security group {name_or_id} is not found for project "
                           f"{self.context.project_id}") from None

    def _ports_for_groups(self, server: Server) -> list[Port]:
        ports = self.records.ports_of(server)
        if not ports:
            raise NotFound(f"instance_id {server.id} could not be found as device id on any "
                           "ports")
        return ports

    def _set_group_names(self, server: Server) -> None:
        ids: list[str] = []
        for port in self.records.ports_of(server):
            ids.extend(g for g in port.security_group_ids if g not in ids)
        self.records.transition(server, security_group_names=self.security_groups.names(ids))

    # -- console and waiting ----------------------------------------------------------

    def console_log(self, server: Server, lines: int | None = None) -> str:
        return read_console(InstanceFiles.of(self.host.host_dir, server.id).console_log, lines)

    def wait(
        self,
        server: Server,
        *,
        statuses: tuple[str, ...] = ("ACTIVE",),
        failures: tuple[str, ...] = ("ERROR",),
        timeout: float | None = None,
        callback: Callable[[int], None] | None = None,
    ) -> Server:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            current = self.servers.get(server.id)
            if current.status in statuses:
                if callback:
                    callback(100)
                return current
            if current.status in failures:
                return current
            if deadline is not None and time.monotonic() > deadline:
                raise CommandError(f"Timeout waiting for server {server.id}.")
            time.sleep(POLL_INTERVAL)


def _require_state(server: Server, action: str, vm_states: Iterable[str]) -> None:
    allowed = set(vm_states)
    if server.task_state is not None and server.vm_state != "error":
        raise Conflict(
            f"Cannot '{action}' instance {server.id} while it is in task_state "
            f"{server.task_state}"
        )
    if server.vm_state not in allowed:
        raise Conflict(
            f"Cannot '{action}' instance {server.id} while it is in vm_state "
            f"{server.vm_state}"
        )
