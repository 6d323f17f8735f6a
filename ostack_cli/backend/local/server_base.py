"""What the server mixins share: reading servers as Nova shows them, and guest plumbing."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from typing import Any

from ostack_cli.backend.local import names
from ostack_cli.backend.local.compute import LocalFlavors
from ostack_cli.backend.local.guest_image import LocalGuestImage
from ostack_cli.backend.local.host import HostContext
from ostack_cli.backend.local.keypairs import LocalKeypairs
from ostack_cli.backend.local.network import LocalNetworking
from ostack_cli.backend.local.quotas import LocalQuotas
from ostack_cli.backend.local.security_groups import LocalSecurityGroups
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.network import FloatingIP, Network, Port
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import Conflict, OstackError

LOCAL_HOST = "localhost"


class ServerBase(
    LocalFlavors, LocalGuestImage, LocalKeypairs, LocalNetworking, LocalSecurityGroups, LocalQuotas
):
    host: HostContext

    # -- reading ----------------------------------------------------------------------

    def _floating_by_port(self) -> dict[str, list[FloatingIP]]:
        by_port: dict[str, list[FloatingIP]] = {}
        for fip in self.store.list(FloatingIP):
            if fip.port_id:
                by_port.setdefault(fip.port_id, []).append(fip)
        return by_port

    def _with_addresses(
        self, server: Server, floating: dict[str, list[FloatingIP]] | None = None
    ) -> Server:
        """Nova's ``addresses``: fixed and floating IPs by network name, port order kept.

        ``floating``: floating IPs by port, read once when many servers are shown."""
        if floating is None:
            floating = self._floating_by_port()
        addresses: dict[str, list[dict[str, Any]]] = {}
        for port_id in server.port_ids:
            port = self.store.get(Port, port_id)
            if port is None:
                continue
            network = self.store.get(Network, port.network_id)
            entries = addresses.setdefault(network.name if network else port.network_id, [])
            for fixed in port.fixed_ips:
                entries.append(_address(fixed["ip_address"], "fixed", port.mac_address))
            for fip in floating.get(port.id, []):
                entries.append(_address(fip.floating_ip_address, "floating", port.mac_address))
        return server.replace(addresses=addresses)

    def _reconcile(self, servers: list[Server]) -> list[Server]:
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
            actual = _reconciled(server, states.get(server.instance_name))
            if actual != server:
                actual = self._save_if_unchanged(server, actual)
            result.append(actual)
        return result

    def _save_if_unchanged(self, before: Server, after: Server) -> Server:
        """Compare and swap: only write when nobody changed the server meanwhile."""
        with self.store.transaction():
            current = self.store.get(Server, before.id)
            if current is None or current != before:
                return current or before
            after = after.replace(updated_at=utcnow())
            self.store.update(after)
        return after

    def _transition(self, server: Server, **changes: Any) -> Server:
        with self.store.transaction():
            current = self.store.get(Server, server.id)
            if current is None:
                raise OstackError(f"No Server found for {server.id}")
            updated = current.replace(updated_at=utcnow(), **changes)
            self.store.update(updated)
        return updated

    def _require_state(self, server: Server, action: str, vm_states: Iterable[str]) -> None:
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

    def _server_ports(self, server: Server) -> list[Port]:
        return [p for p in (self.store.get(Port, pid) for pid in server.port_ids) if p]


def host_id(project_id: str) -> str:
    """Nova's ``hostId``: a hash of the project and the compute host."""
    return hashlib.sha224((project_id + LOCAL_HOST).encode()).hexdigest()


def _address(ip: str, kind: str, mac: str) -> dict[str, Any]:
    return {
        "version": 6 if ":" in ip else 4,
        "addr": ip,
        "OS-EXT-IPS:type": kind,
        "OS-EXT-IPS-MAC:mac_addr": mac,
    }


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reconciled(server: Server, power: int | None) -> Server:
    """The server as it really is, given libvirt's power state (None: no such guest)."""
    if server.task_state is not None:
        if _pid_alive(server.worker_pid):
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
    if server.vm_state in ("building", "error", "deleted"):
        # Their vm_state is ostack's to decide; only the power state is libvirt's news.
        if power is None or power == server.power_state:
            return server
        return server.replace(power_state=power)
    if power is None:
        # The guest vanished behind our back: Nova reports it stopped with no power state.
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

