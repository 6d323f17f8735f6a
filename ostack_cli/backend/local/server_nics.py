"""A server's NICs plugged in and out while it lives (Nova's os-interface API, as
nova-compute and Neutron carry it out).

Plugging: the port is bound to the server in the records first (``device_id``, ``compute:nova``
owner, this host), so the host side builds its filter, bridge and DHCP entry; only once that
converge reports no fault for it does the NIC reach the guest (fail closed: a NIC never
carries a packet its filter has not seen). A failure on the way unbinds the port again (and
deletes it if Nova made it), as nova-compute's attach_interface cleans up.

Unplugging goes the other way: the NIC leaves the guest (and its definition) first, then the
records; the converge that follows the command removes the filter. A port Nova made for the
server is deleted with it; a port the user brought is kept, unbound, as Neutron shows it.
"""

from __future__ import annotations

import ipaddress

from ostack_cli import faults
from ostack_cli.backend.local import nic_hotplug, nova_rules
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.guest_build import GuestBuilder
from ostack_cli.backend.local.host_sync import HostSync
from ostack_cli.backend.local.net_records import network_subnets
from ostack_cli.backend.local.ports import Ports
from ostack_cli.backend.local.quotas import OverQuota, nova_port_limit
from ostack_cli.backend.local.server_events import ServerEvents
from ostack_cli.backend.local.server_locks import ServerLocks
from ostack_cli.backend.local.server_records import ServerRecords
from ostack_cli.backend.models.network import FixedIPRequest, Network, Port, PortSpec
from ostack_cli.backend.models.server import Server
from ostack_cli.backend.models.server_interface import ServerInterface
from ostack_cli.errors import BadRequest, Conflict, NotFound, OstackError, not_found

DEVICE_OWNER_COMPUTE = "compute:nova"
LOCAL_HOST = "localhost"  # servers.LOCAL_HOST: the binding host of guests' ports
# nova/compute/api.py attach_interface / detach_interface
PLUGGABLE = ("active", "paused", "stopped")
# What Nova answers when the fixed IP asked for is in none of the network's subnets: its
# compute service fails with InvalidInput, which the API cannot map (nova bug, as it stands).
UNEXPECTED_REMOTE = ("Unexpected API Error. Please contact the administrator\n"
                     "<class 'nova.exception_Remote.InvalidInput_Remote'>")


class ServerNics:
    def __init__(
        self,
        context: ServiceContext,
        *,
        records: ServerRecords,
        ports: Ports,
        guests: GuestBuilder,
        host_sync: HostSync,
        events: ServerEvents,
        locks: ServerLocks,
    ) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host
        self.records = records
        self.ports = ports
        self.guests = guests
        self.host_sync = host_sync
        self.events = events
        self.locks = locks

    # -- reading ----------------------------------------------------------------------

    def find_all(self, server: Server) -> list[ServerInterface]:
        return [_interface(server.id, port) for port in self.records.ports_of(server)]

    # -- plugging ---------------------------------------------------------------------

    def attach(
        self,
        server: Server,
        *,
        port_id: str | None = None,
        network_id: str | None = None,
        fixed_ip: str | None = None,
        tag: str | None = None,
    ) -> ServerInterface:
        if port_id and network_id:
            raise BadRequest("Must not input both network_id and port_id")
        if fixed_ip and not network_id:
            raise BadRequest("Must input network_id when request IP address")
        self.locks.check(server)
        nova_rules.require_state(server, "attach_interface", PLUGGABLE)
        log = self.events.start(server, "attach_interface")
        try:
            with log.event("compute_attach_interface"):
                port, made = self._bind(server, port_id, network_id, fixed_ip)
                try:
                    self._plug(self._current(server), port)
                except BaseException:
                    self._unbind(server, port, delete=made)
                    raise
        except _InvalidFixedIP:
            raise OstackError(UNEXPECTED_REMOTE) from None
        return _interface(server.id, self.store.get(Port, port.id) or port, tag)

    def _plug(self, server: Server, port: Port) -> None:
        # Fail closed: the port's filter and DHCP entry exist before the NIC does.
        self.host_sync.prepare(server)
        faults.reached("server-attach:filtered")
        if self.host.is_test_driver:
            return  # libvirt's test driver cannot hot plug; the records are the guest
        from ostack_cli.backend.local import domain_xml

        nic_hotplug.attach(self.host.hypervisor, server.instance_name,
                           domain_xml.render_interface(self.guests.nic_spec(port)))

    def _bind(
        self, server: Server, port_id: str | None, network_id: str | None, fixed_ip: str | None
    ) -> tuple[Port, bool]:
        """The port bound to the server in the records: the given one, or a new one on the
        network. Returns it, and whether Nova made it."""
        with self.store.transaction():
            current = self._current(server)
            if port_id is not None:
                port = self.store.get(Port, port_id)
                if port is None:
                    raise NotFound(f"Port id {port_id} could not be found.")
                if port.device_id:
                    raise Conflict(f"Port {port.id} is still in use.")
                port = self.ports.update(port, device_id=current.id,
                                         device_owner=DEVICE_OWNER_COMPUTE,
                                         binding_host_id=LOCAL_HOST)
                made = False
            else:
                assert network_id is not None
                port = self._new_port(current, network_id, fixed_ip)
                made = True
            self.store.update(current.replace(
                port_ids=[*current.port_ids, port.id],
                created_port_ids=[*current.created_port_ids, port.id] if made
                else current.created_port_ids,
            ))
        return port, made

    def _new_port(self, server: Server, network_id: str, fixed_ip: str | None) -> Port:
        network = self.store.get(Network, network_id)
        if network is None:
            raise NotFound(f"Network {network_id} could not be found.")
        if fixed_ip is not None:
            self._check_fixed_ip(network, fixed_ip)
        # The server's groups, as its other ports have them (none: Neutron's default group).
        groups: list[str] = []
        for port in self.records.ports_of(server):
            groups.extend(g for g in port.security_group_ids if g not in groups)
        spec = PortSpec(
            network_id=network.id,
            project_id=server.project_id,
            fixed_ips=[FixedIPRequest(ip_address=fixed_ip)] if fixed_ip else None,
            device_id=server.id,
            device_owner=DEVICE_OWNER_COMPUTE,
            security_group_ids=(groups or None) if network.is_port_security_enabled else [],
            binding_host_id=LOCAL_HOST,
        )
        try:
            return self.ports.create(spec)
        except OverQuota as exc:
            if exc.name != "ports":
                raise
            raise nova_port_limit(exc) from None

    def _check_fixed_ip(self, network: Network, address: str) -> None:
        """Nova's answers for a requested fixed IP in use, or in none of the subnets."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise BadRequest(f"Invalid input for field/attribute ip_address. Value: {address}. "
                             f"'{address}' is not a 'ip-address'") from None
        for subnet in network_subnets(self.store, network.id):
            if ip in ipaddress.ip_network(subnet.cidr, strict=False):
                if self.store.ip_owner(subnet.id, str(ip)) is not None:
                    raise Conflict(f"Fixed IP {address} is already in use.")
                return
        raise _InvalidFixedIP(
            f"Invalid input received: Fixed IP {address} is not a valid ip address for "
            f"network {network.id}.")

    # -- unplugging -------------------------------------------------------------------

    def detach(self, server: Server, port_id: str) -> None:
        self.locks.check(server)
        nova_rules.require_state(server, "detach_interface", PLUGGABLE)
        log = self.events.start(server, "detach_interface")
        if port_id not in server.port_ids:
            # Nova's API has handed the work to nova-compute already: the request succeeds,
            # its event fails.
            log.failed("compute_detach_interface", f"Port {port_id} is not attached")
            return
        with log.event("compute_detach_interface"):
            port = self.store.get(Port, port_id)
            if port is not None and not self.host.is_test_driver:
                nic_hotplug.detach(self.host.hypervisor, server.instance_name,
                                   port.mac_address)
            faults.reached("server-detach:unplugged")
            current = self._current(server)
            if port is not None:
                self._unbind(current, port, delete=port.id in current.created_port_ids)

    def remove_fixed_ip(self, server: Server, address: str) -> None:
        # The legacy removeFixedIp action exists up to microversion 2.43; the real client
        # asks at 2.100, where Nova has no such resource.
        raise NotFound("The resource could not be found.")

    def _unbind(self, server: Server, port: Port, *, delete: bool) -> None:
        with self.store.transaction():
            current = self.store.get(Server, server.id)
            if current is not None:
                self.store.update(current.replace(
                    port_ids=[p for p in current.port_ids if p != port.id],
                    created_port_ids=[p for p in current.created_port_ids if p != port.id],
                ))
            stored = self.store.get(Port, port.id)
            if stored is None:
                return
            if delete:
                self.ports.delete(stored)
            else:
                self.ports.update(stored, device_id="", device_owner="", binding_host_id="",
                                  binding_vif_type="unbound", binding_vif_details={},
                                  status="DOWN")

    def _current(self, server: Server) -> Server:
        current = self.store.get(Server, server.id)
        if current is None:
            raise not_found("Server", server.id)
        return current


class _InvalidFixedIP(OstackError):
    """nova-compute's InvalidInput: the request fails with Nova's 500, the event says why."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details


def _interface(server_id: str, port: Port, tag: str | None = None) -> ServerInterface:
    return ServerInterface(
        port_id=port.id,
        server_id=server_id,
        net_id=port.network_id,
        mac_addr=port.mac_address,
        port_state=port.status,
        fixed_ips=[{"subnet_id": ip["subnet_id"], "ip_address": ip["ip_address"]}
                   for ip in port.fixed_ips],
        tag=tag,
    )
