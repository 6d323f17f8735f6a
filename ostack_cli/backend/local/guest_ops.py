"""The steps the lifecycle actions (shelve, rescue, rebuild, resize, snapshot) share: claim a
server for a task, move it through Nova's task states, power its guest off, boot it from a
new definition, and settle the record when a step fails.

A claim is Nova's compare and swap (``instance.save(expected_task_state=...)``): Nova's state
rules are checked again on the record as it is inside the claiming transaction, and the
claiming process's PID is recorded with the task, so a task whose process died is told from
one in progress (``lifecycle_recovery`` settles it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ostack_cli.backend.local import compute_hosts, guest_volumes, nova_rules
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.guest_build import GuestBuilder
from ostack_cli.backend.local.guests import InstanceFiles
from ostack_cli.backend.local.host_sync import HostSync
from ostack_cli.backend.local.server_events import ActionLog, ServerEvents
from ostack_cli.backend.local.server_locks import ServerLocks
from ostack_cli.backend.local.server_records import ServerRecords
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.identity import Project, Role, User
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, OstackError, not_found
from ostack_cli.state.store import Store

RAM_ALLOCATION_RATIO = 1.5  # Nova's default ram_allocation_ratio, as server create uses it
ERROR_FAULT_CODE = 500


class GuestOps:
    def __init__(
        self,
        context: ServiceContext,
        *,
        records: ServerRecords,
        guests: GuestBuilder,
        host_sync: HostSync,
        locks: ServerLocks,
        events: ServerEvents,
    ) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host
        self.records = records
        self.guests = guests
        self.host_sync = host_sync
        self.locks = locks
        self.events = events

    # -- the request ------------------------------------------------------------------

    def check_lock(self, server: Server) -> None:
        """``check_instance_lock``: a locked server refuses all but admins."""
        self.locks.check(server)

    def record_action(self, server: Server, action: str) -> ActionLog:
        """``_record_action_start``: the action ``server event list`` shows; its events are
        the compute's steps (``compute_<method>``)."""
        return self.events.start(server, action)

    # -- the record -------------------------------------------------------------------

    def claim(
        self,
        server: Server,
        action: str,
        vm_states: Iterable[str],
        task: str,
        *,
        task_states: Iterable[str | None] | None = (None,),
        must_have_launched: bool = True,
        **changes: Any,
    ) -> Server:
        """Nova's state check and ``save(expected_task_state=...)`` in one transaction: the
        server is this process's for ``task`` (with ``changes``), or the command fails with
        Nova's 409 for the record as it is now."""
        allowed = tuple(vm_states)
        with self.store.transaction():
            current = self.store.get(Server, server.id)
            if current is None:
                raise not_found("Server", server.id)
            nova_rules.require_state(current, action, allowed, task_states=task_states,
                                     must_have_launched=must_have_launched)
            if guest_volumes.boots_from_volume(self.store, current.id):
                # Nova hands these to Cinder for a volume-backed server (volume snapshots,
                # images that map volumes); the local backend has no such path yet.
                raise BadRequest(f"Cannot '{action}' instance {server.id}: it boots from a "
                                 "volume, which the local backend cannot do this to yet.")
            claimed = current.replace(task_state=task, worker_pid=os.getpid(),
                                      updated_at=utcnow(), **changes)
            self.store.update(claimed)
        return claimed

    def step(self, server: Server, task: str | None, **changes: Any) -> Server:
        """The next task state of work this process already holds."""
        return self.records.transition(server, task_state=task, **changes)

    def finish(self, server: Server, **changes: Any) -> Server:
        return self.records.transition(server, task_state=None, worker_pid=None, **changes)

    def fail(self, server: Server, message: str, *, code: int = ERROR_FAULT_CODE,
             **changes: Any) -> Server:
        """The action failed on the host: the server in ERROR with Nova's fault record."""
        return self.finish(server, vm_state=nova_rules.ERROR,
                           fault={"code": code, "created": utcnow(), "message": message},
                           **changes)

    # -- what the guest is made of ----------------------------------------------------

    def files(self, server: Server) -> InstanceFiles:
        return InstanceFiles.of(self.host.host_dir, server.id)

    def image_of(self, server: Server, image_id: str | None = None) -> Image:
        """The server's image (or ``image_id``), even once deleted from the image service:
        then as the server's system_metadata remembers it, as Nova keeps it."""
        wanted = image_id or server.image_id
        found = self.store.get(Image, wanted)
        if found is not None:
            return found
        meta = nova_rules.image_from_system_metadata(server.system_metadata)
        return Image(id=wanted, name="", status="deleted",
                     disk_format=meta.get("disk_format") or "raw",
                     container_format=meta.get("container_format"),
                     properties={k: str(v) for k, v in meta["properties"].items()
                                 if k in ("kernel_id", "ramdisk_id", "os_command_line")})

    def with_system_metadata(self, server: Server) -> Server:
        """The server with Nova's system_metadata; a server made before ostack kept it gets
        it from its image as it is now."""
        if server.system_metadata:
            return server
        derived = nova_rules.boot_system_metadata(
            self.image_of(server), int(server.flavor.get("disk", 0)),
            requester(self.store, server.user_id, server.project_id))
        return server.replace(system_metadata=derived)

    def boot_image_ids(self, image: Image, *extra: str | None) -> list[str]:
        """The images whose cached copies the guest needs besides its own: the image's
        kernel and ramdisk, and ``extra`` (a shelve snapshot, a rescue image)."""
        found: list[str] = []
        for candidate in (image.properties.get("kernel_id"),
                          image.properties.get("ramdisk_id"), *extra):
            if candidate and self.store.get(Image, candidate) is not None \
                    and candidate not in found:
                found.append(candidate)
        return found

    # -- the guest on the host --------------------------------------------------------

    def power_state(self, server: Server) -> int | None:
        return self.host.hypervisor.power_state(server.instance_name)

    def power_off(self, server: Server, *, clean: bool = True) -> None:
        """Nova's ``_power_off_instance``: ACPI first (up to the shutdown timeout), unless
        the guest is paused, which would ignore it."""
        power = self.power_state(server)
        if power is None or power in (srv.SHUTDOWN, srv.CRASHED, srv.NOSTATE):
            return
        if power == srv.SUSPENDED:
            # A managed save image would bring the old memory back: drop it with the state.
            self.host.hypervisor.destroy(server.instance_name)
            return
        if clean and power == srv.RUNNING:
            self.host.hypervisor.shutdown(server.instance_name,
                                          self.host.settings.shutdown_timeout)
        else:
            self.host.hypervisor.destroy(server.instance_name)

    def boot(self, server: Server, xml: str, *, start: bool = True) -> None:
        """Replace the guest's definition with ``xml`` and, with ``start``, boot it once its
        ports' filters are in place (fail closed, as ``server create``)."""
        hypervisor = self.host.hypervisor
        hypervisor.undefine(server.instance_name)
        if not start:
            hypervisor.define(xml)
            return
        self.host_sync.prepare(server)
        hypervisor.define_and_start(xml)

    def undefine(self, server: Server) -> None:
        self.host.hypervisor.undefine(server.instance_name)

    def virt_type(self) -> str:
        return self.host.virt_type()

    def claim_memory(self, server: Server, ram_mb: int, *, also: int = 0) -> None:
        """Nova's scheduler, as ``server create`` asks it: RAM overcommitted at most 1.5
        times; ``also`` is memory held besides the guest's (a resize's old flavor). A
        disabled or down nova-compute is no host at all."""
        if not compute_hosts.schedulable(self.store):
            raise OstackError("No valid host was found. There are not enough hosts available.")
        if self.host.is_test_driver:
            return
        total = self.host.hypervisor.host_facts()["memory_mb"]
        used = sum(int(s.flavor.get("ram", 0)) for s in self.store.list(Server)
                   if s.id != server.id and s.vm_state in nova_rules.MEMORY_STATES)
        if used + ram_mb + also > total * RAM_ALLOCATION_RATIO:
            raise OstackError("No valid host was found. There are not enough hosts available.")


def one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def requester(store: Store, user_id: str, project_id: str) -> dict[str, str]:
    """Who asks (user and project names, the token's roles), as Nova records a boot."""
    from ostack_cli.backend.local.grants import implied_closure, project_grants

    user = store.get(User, user_id)
    project = store.get(Project, project_id)
    roles_by_id = {r.id: r for r in store.list(Role)}
    direct = [g.role_id for g in project_grants(store, user_id, project)] if project else []
    closure = implied_closure(roles_by_id, direct)
    return nova_rules.requester_metadata(
        user.name if user else user_id, project.name if project else project_id,
        [roles_by_id[r].name for r in direct if r in roles_by_id],
        [roles_by_id[r].name for r in closure if r in roles_by_id])
