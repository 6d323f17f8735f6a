"""A server's record: read as Nova shows it, reconciled with libvirt, changed by compare and
swap. Shared by the services that create servers and act on them."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ostack_cli import faults
from ostack_cli.backend.local import names
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.nova_rules import (
    FAULT_STATUSES,
    KEPT_VM_STATES,
    LIFECYCLE_TASKS,
    PROGRESS_STATUSES,
)
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.network import FloatingIP, Network, Port
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import OstackError
from ostack_cli.state.liveness import worker_alive

if TYPE_CHECKING:
    from ostack_cli.backend.local.ports import Ports


class DeletedServer(Server):
    """A deleted server's last record (``server list --deleted``); it counts for nothing."""

    KIND = "deleted_server"


@dataclasses.dataclass(frozen=True)
class PortSnapshot:
    ports: dict[str, Port]
    networks: dict[str, Network]
    floating: dict[str, list[FloatingIP]]


class ServerRecords:
    def __init__(self, context: ServiceContext, *, ports: Callable[[], Ports]) -> None:
        self.store = context.store
        self.host = context.host
        # Built on first use: reading servers (``server list``) never changes their ports.
        self._ports = ports

    @property
    def ports(self) -> Ports:
        return self._ports()

    # -- reading ----------------------------------------------------------------------

    def floating_by_port(self) -> dict[str, list[FloatingIP]]:
        by_port: dict[str, list[FloatingIP]] = {}
        for fip in self.store.list(FloatingIP):
            if fip.port_id:
                by_port.setdefault(fip.port_id, []).append(fip)
        return by_port

    def snapshot(self, servers: Iterable[Server]) -> PortSnapshot:
        """The servers' ports, and every network and floating IP, read at once to show many
        servers."""
        return PortSnapshot(
            ports=self.store.get_many(Port, (pid for s in servers for pid in s.port_ids)),
            networks={n.id: n for n in self.store.list(Network)},
            floating=self.floating_by_port(),
        )

    def with_addresses(self, server: Server, seen: PortSnapshot | None = None) -> Server:
        """Nova's ``addresses``: fixed and floating IPs by network name, port order kept."""
        return server.replace(**self.address_fields(server, seen))

    def address_fields(self, server: Server, seen: PortSnapshot | None = None) -> dict[str, Any]:
        """``addresses``, ``progress`` and ``fault`` as Nova's view shows them.

        ``seen``: ports, networks and floating IPs read once when many servers are shown."""
        floating = seen.floating if seen is not None else self.floating_by_port()
        addresses: dict[str, list[dict[str, Any]]] = {}
        for port in self.ports_of(server, seen):
            network = (seen.networks.get(port.network_id) if seen is not None
                       else self.store.get(Network, port.network_id))
            entries = addresses.setdefault(network.name if network else port.network_id, [])
            for fixed in port.fixed_ips:
                entries.append(_address(fixed["ip_address"], "fixed", port.mac_address))
            for fip in floating.get(port.id, []):
                entries.append(_address(fip.floating_ip_address, "floating", port.mac_address))
        # Nova's view shows progress and fault in some statuses only.
        status = server.status
        return {
            "addresses": addresses,
            "progress": server.progress if status in PROGRESS_STATUSES else None,
            "fault": server.fault if status in FAULT_STATUSES else None,
        }

    def ports_of(self, server: Server, seen: PortSnapshot | None = None) -> list[Port]:
        if seen is not None:
            found = (seen.ports.get(pid) for pid in server.port_ids)
        else:
            found = (self.store.get(Port, pid) for pid in server.port_ids)
        return [p for p in found if p]

    def network_ids_of(self, server: Server) -> list[str]:
        return sorted({p.network_id for p in self.ports_of(server)})

    def reconcile(self, servers: list[Server]) -> list[Server]:
        """Bring stored states in line with libvirt and with builds that were interrupted."""
        if not servers:
            return servers
        try:
            states = self.host.hypervisor.power_states(names.PREFIX + "-")
        except OstackError:
            # libvirt down: show what the store knows rather than fail a read.
            return servers
        result = []
        for server in servers:
            if server.task_state == "deleting" and not _worker_alive(server):
                # A delete whose process died: finish it, as nova-compute's _init_instance.
                self.remove(server)
                continue
            if server.task_state in LIFECYCLE_TASKS and not _worker_alive(server):
                server = self._settle(server, states.get(server.instance_name))
                power = self.host.hypervisor.power_state(server.instance_name)
                if power is None:
                    states.pop(server.instance_name, None)
                else:
                    states[server.instance_name] = power
            actual = _reconciled(server, states.get(server.instance_name))
            # The same record when nothing changed: no field-by-field compare of forty fields.
            if actual is not server and actual != server:
                actual = self._save_if_unchanged(server, actual)
            result.append(actual)
        return result

    def _settle(self, server: Server, power: int | None) -> Server:
        """A shelve, rescue, rebuild, resize or snapshot whose process died, settled."""
        from ostack_cli.backend.local.lifecycle_recovery import settle

        return self._save_if_unchanged(server, settle(self.store, self.host, server, power))

    def _save_if_unchanged(self, before: Server, after: Server) -> Server:
        """Compare and swap: only write when nobody changed the server meanwhile."""
        with self.store.transaction():
            current = self.store.get(Server, before.id)
            if current is None or current != before:
                return current or before
            after = after.replace(updated_at=utcnow())
            self.store.update(after)
        return after

    # -- writing ----------------------------------------------------------------------

    def remove(self, server: Server) -> None:
        """Take the guest, its files, its ports and its record away (a delete's work).

        Host objects go before the records: a process killed in between leaves a record in
        task "deleting", which the next read finishes, and never an orphan nobody knows."""
        self.host.hypervisor.undefine(server.instance_name)
        faults.reached("server-delete:undefined")
        from ostack_cli.backend.local.guests import InstanceFiles

        InstanceFiles.of(self.host.host_dir, server.id).remove()
        # Its volumes detached (the guest is gone), or deleted with it where asked.
        from ostack_cli.backend.local.volume_attachments import release

        release(self.store, self.host, server)
        with self.store.transaction():
            if self.store.get(Server, server.id) is None:
                return  # another process finished it
            for port in self.ports_of(server):
                if port.id in server.created_port_ids:
                    self.ports.delete(port)
                else:
                    self.ports.update(port, device_id="", device_owner="")
            self.store.delete(Server, server.id)
            now = utcnow()
            gone = DeletedServer.from_json(server.to_json()).replace(
                vm_state="deleted", task_state=None, power_state=srv.NOSTATE, worker_pid=None,
                terminated_at=now, updated_at=now, port_ids=[], created_port_ids=[],
            )
            with contextlib.suppress(OstackError):  # a second delete of one server is fine
                self.store.insert(gone)

    def transition(self, server: Server, **changes: Any) -> Server:
        with self.store.transaction():
            current = self.store.get(Server, server.id)
            if current is None:
                raise OstackError(f"No Server found for {server.id}")
            updated = current.replace(updated_at=utcnow(), **changes)
            self.store.update(updated)
        return updated


def _address(ip: str, kind: str, mac: str) -> dict[str, Any]:
    return {
        "version": 6 if ":" in ip else 4,
        "addr": ip,
        "OS-EXT-IPS:type": kind,
        "OS-EXT-IPS-MAC:mac_addr": mac,
    }


def _worker_alive(server: Server) -> bool:
    return worker_alive(server.worker_pid, server.updated_at)


def _reconciled(server: Server, power: int | None) -> Server:
    """The server as it really is, given libvirt's power state (None: no such guest)."""
    if server.task_state is not None:
        if _worker_alive(server):
            return server  # someone is working on it right now
        # The process doing the task died (nova-compute's _init_instance settles these).
        if server.vm_state == "building":
            if power == srv.RUNNING:
                return server.replace(vm_state="active", task_state=None, power_state=power,
                                      worker_pid=None, launched_at=server.launched_at or utcnow())
            return server.replace(
                vm_state="error", task_state=None, power_state=power or srv.NOSTATE,
                worker_pid=None,
                fault={"code": 500, "created": utcnow(),
                       "message": "Build of instance was interrupted; delete the server."},
            )
        return server.replace(task_state=None, worker_pid=None)
    if server.vm_state in ("building", "error", "deleted") or server.vm_state in KEPT_VM_STATES:
        # Their vm_state is ostack's to decide; only the power state is libvirt's news.
        if power is None or power == server.power_state:
            return server
        return server.replace(power_state=power)
    if power is None:
        # The guest vanished behind our back: Nova reports it stopped with no power state.
        if server.vm_state == "stopped" and server.power_state == srv.NOSTATE:
            return server
        return server.replace(vm_state="stopped", power_state=srv.NOSTATE)
    by_power = {
        srv.RUNNING: "active",
        srv.PAUSED: "paused",
        srv.SHUTDOWN: "stopped",
        srv.CRASHED: "stopped",
        srv.SUSPENDED: "suspended",
        srv.NOSTATE: "stopped",
    }
    vm_state = by_power.get(power, server.vm_state)
    if (vm_state, power) == (server.vm_state, server.power_state):
        return server
    return server.replace(vm_state=vm_state, power_state=power)
