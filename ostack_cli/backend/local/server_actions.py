"""What happens to a server after it boots: power actions, changes, deletion, console."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable

from ostack_cli.backend.local.guests import InstanceFiles, read_console
from ostack_cli.backend.local.servers import DeletedServer, LocalServers
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.security_group import SecurityGroup
from ostack_cli.backend.models.server import Hypervisor, Server
from ostack_cli.errors import (
    BadRequest,
    CommandError,
    Conflict,
    NotFound,
    OstackError,
    not_found,
)

POLL_INTERVAL = 0.5


class LocalServerActions(LocalServers):
    # -- deleting ---------------------------------------------------------------------

    def delete_server(self, server: Server, *, force: bool = False) -> None:
        server = self._transition(server, task_state="deleting", worker_pid=os.getpid())
        self.host.hypervisor.undefine(server.instance_name)
        InstanceFiles.of(self.host.host_dir, server.id).remove()
        network_ids = self._server_network_ids(server)
        with self.store.transaction():
            for port in self._server_ports(server):
                if port.id in server.created_port_ids:
                    self.delete_port(port)
                else:
                    self.update_port(port, device_id="", device_owner="")
            self.store.delete(Server, server.id)
            now = utcnow()
            gone = DeletedServer.from_json(server.to_json()).replace(
                vm_state="deleted", task_state=None, power_state=srv.NOSTATE, worker_pid=None,
                terminated_at=now, updated_at=now, port_ids=[], created_port_ids=[],
            )
            with contextlib.suppress(OstackError):  # a second delete of one server is fine
                self.store.insert(gone)
        self._sync_networks(network_ids)

    def wait_for_server_delete(self, server: Server, *, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while self.store.get(Server, server.id) is not None:
            if time.monotonic() > deadline:
                raise CommandError(f"Timeout waiting for server {server.id} to be deleted.")
            time.sleep(POLL_INTERVAL)

    # -- power ------------------------------------------------------------------------

    def start_server(self, server: Server) -> None:
        self._require_state(server, "start", ["stopped"])
        self._power(server, "powering-on", lambda: self._start_guest(server), "active",
                    srv.RUNNING)

    def stop_server(self, server: Server) -> None:
        self._require_state(server, "stop", ["active", "error", "paused", "suspended"])
        timeout = self.host.settings.shutdown_timeout
        self._power(server, "powering-off",
                    lambda: self.host.hypervisor.shutdown(server.instance_name, timeout),
                    "stopped", srv.SHUTDOWN)

    def reboot_server(self, server: Server, *, hard: bool = False) -> None:
        if hard:
            self._require_state(server, "reboot",
                                ["active", "stopped", "paused", "suspended", "error"])
            task = "rebooting_hard"
        else:
            self._require_state(server, "reboot", ["active"])
            task = "rebooting"

        def reboot() -> None:
            hypervisor = self.host.hypervisor
            if hard:
                hypervisor.destroy(server.instance_name)
            else:
                hypervisor.shutdown(server.instance_name, self.host.settings.shutdown_timeout)
            self._start_guest(server)

        self._power(server, task, reboot, "active", srv.RUNNING)

    def pause_server(self, server: Server) -> None:
        self._require_state(server, "pause", ["active"])
        self._power(server, "pausing", lambda: self.host.hypervisor.pause(server.instance_name),
                    "paused", srv.PAUSED)

    def unpause_server(self, server: Server) -> None:
        self._require_state(server, "unpause", ["paused"])
        self._power(server, "unpausing",
                    lambda: self.host.hypervisor.unpause(server.instance_name), "active",
                    srv.RUNNING)

    def suspend_server(self, server: Server) -> None:
        self._require_state(server, "suspend", ["active"])
        self._power(server, "suspending",
                    lambda: self.host.hypervisor.suspend(server.instance_name), "suspended",
                    srv.SUSPENDED)

    def resume_server(self, server: Server) -> None:
        self._require_state(server, "resume", ["suspended"])
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
        try:
            action()
        except OstackError:
            self._transition(server, task_state=None, worker_pid=None)
            raise
        self._transition(server, vm_state=vm_state, power_state=power_state, task_state=None,
                         worker_pid=None)

    def _start_guest(self, server: Server) -> None:
        """Boot the guest; re-create its definition if it vanished (as a hard reboot does)."""
        hypervisor = self.host.hypervisor
        if hypervisor.lookup(server.instance_name) is None:
            files = InstanceFiles.of(self.host.host_dir, server.id)
            if not files.disk.exists():
                raise BadRequest(
                    f"The disk of server {server.id} is gone; it cannot be started again."
                )
            xml = self._domain_xml(server, self.find_image(server.image_id), files,
                                   self.host.virt_type())
            self._sync_networks(self._server_network_ids(server))
            hypervisor.define_and_start(xml)
            return
        self._sync_networks(self._server_network_ids(server))
        hypervisor.start(server.instance_name)

    # -- changing ---------------------------------------------------------------------

    def update_server(
        self,
        server: Server,
        *,
        name: str | None = None,
        description: str | None = None,
        set_metadata: dict[str, str] | None = None,
        unset_metadata: list[str] | None = None,
    ) -> Server:
        if name is not None and (not name.strip() or len(name) > 255):
            raise BadRequest(f"Invalid input for field/attribute name. Value: {name[:80]}.")
        with self.store.transaction():
            current = self.store.get(Server, server.id)
            if current is None:
                raise not_found("Server", server.id)
            metadata = dict(current.metadata)
            metadata.update(set_metadata or {})
            for key in unset_metadata or []:
                metadata.pop(key, None)
            updated = current.replace(
                name=current.name if name is None else name,
                description=current.description if description is None else description,
                metadata=metadata,
                updated_at=utcnow(),
            )
            self.store.update(updated)
        return updated

    def add_security_group_to_server(self, server: Server, group_name_or_id: str) -> None:
        group = self._server_group(group_name_or_id)
        with self.store.transaction():
            ports = self._server_ports(server)
            if any(group.id in p.security_group_ids for p in ports):
                raise BadRequest(
                    f"Security group {group.name} is already associated with the instance "
                    f"{server.id}"
                )
            for port in ports:
                self.update_port(port, security_group_ids=[*port.security_group_ids, group.id])
            self._set_group_names(server)

    def remove_security_group_from_server(self, server: Server, group_name_or_id: str) -> None:
        group = self._server_group(group_name_or_id)
        with self.store.transaction():
            ports = self._server_ports(server)
            if not any(group.id in p.security_group_ids for p in ports):
                raise BadRequest(
                    f"Security group {group.name} not associated with the instance {server.id}"
                )
            for port in ports:
                self.update_port(
                    port,
                    security_group_ids=[g for g in port.security_group_ids if g != group.id],
                )
            self._set_group_names(server)

    def _server_group(self, name_or_id: str) -> SecurityGroup:
        try:
            return self.find_security_group(name_or_id)
        except NotFound:
            raise NotFound(f"Security group {name_or_id} not found for project "
                           f"{self.project_id}.") from None

    def _set_group_names(self, server: Server) -> None:
        ids: list[str] = []
        for port in self._server_ports(server):
            ids.extend(g for g in port.security_group_ids if g not in ids)
        self._transition(server, security_group_names=self._group_names(ids))

    # -- console and waiting ----------------------------------------------------------

    def console_log(self, server: Server, lines: int | None = None) -> str:
        return read_console(InstanceFiles.of(self.host.host_dir, server.id).console_log, lines)

    def console_url(self, server: Server, console_type: str) -> dict[str, str]:
        # Guests here have a serial console logged to a file and no remote console service
        # (no noVNC/SPICE proxy), which is what Nova says of a host without one.
        raise BadRequest(f"Unavailable console type {console_type}.")

    def wait_for_server(
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
            current = self.get_server(server.id)
            if current.status in statuses:
                if callback:
                    callback(100)
                return current
            if current.status in failures:
                return current
            if deadline is not None and time.monotonic() > deadline:
                raise CommandError(f"Timeout waiting for server {server.id}.")
            time.sleep(POLL_INTERVAL)

    # -- the hypervisor ---------------------------------------------------------------

    def hypervisors(self) -> list[Hypervisor]:
        facts = self.host.hypervisor.host_facts()
        servers = self._reconcile(self.store.list(Server))
        running = [s for s in servers if s.power_state == srv.RUNNING]
        disk = os.statvfs(self.host.host_dir)
        used_gb = sum(int(s.flavor.get("disk", 0)) for s in servers)
        return [Hypervisor(
            id="1",
            name=facts["hostname"],
            hypervisor_type="QEMU",
            virt_type=self.host.virt_type(),
            state="up",
            status="enabled",
            host_ip=_host_ip(),
            vcpus=facts["vcpus"],
            vcpus_used=sum(int(s.flavor.get("vcpus", 0)) for s in servers),
            memory_mb=facts["memory_mb"],
            memory_mb_used=sum(int(s.flavor.get("ram", 0)) for s in servers),
            local_gb=disk.f_blocks * disk.f_frsize // 1024**3,
            local_gb_used=used_gb,
            running_vms=len(running),
            hypervisor_version=facts["version"],
        )]


def _host_ip() -> str:
    import socket

    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"
