"""The host side of the store's records, as the services see it: the reconciler
(``reconcile``) run at the right moments, and its faults turned into errors for the command
whose records they concern.

- ``after_command``: every command that wrote records converges the host before it returns;
  it fails if the host could not follow one of *its* records (other resources' faults stay
  recorded on them and do not fail an unrelated command). One that wrote only security
  groups or rules converges the firewall alone (``firewall_sync``) when it can.
- ``prepare``: a guest's ports are filtered, its networks bridged and served, before its
  domain starts (Nova waits for its ports to be plugged); if not, it must not start.
- ``sync_all``: ``ostack host sync``, which re-applies everything (after a reboot).

The DHCP agent's store-side part lives here too: a network that serves guests gets a DHCP
port (one address on each DHCP-enabled subnet), and loses it when its last guest goes.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.net_records import network_ports
from ostack_cli.backend.local.ports import Ports
from ostack_cli.backend.models.network import (
    DEVICE_OWNER_DHCP,
    FixedIPRequest,
    FloatingIP,
    Network,
    Port,
    Subnet,
)
from ostack_cli.errors import BadRequest, OstackError

if TYPE_CHECKING:
    from ostack_cli.backend.local.reconcile import Reconciler
    from ostack_cli.backend.models.server import Server

COMPUTE_OWNER_PREFIX = "compute:"
HOST = "host"
# Store kinds a command may write that the host side follows; others (flavors, images,
# keypairs, quotas, projects) never need a converge.
HOST_KINDS = frozenset({"network", "subnet", "port", "router", "floating_ip",
                        "port_forwarding", "security_group", "security_group_rule", "server"})
# Kinds that change nothing on the host but the port filters.
FIREWALL_KINDS = frozenset({"security_group", "security_group_rule"})


class HostFault(OstackError):
    """The host could not follow a record the command wrote."""


class HostSync:
    def __init__(self, context: ServiceContext, *, ports: Ports) -> None:
        self.store = context.store
        self.host = context.host
        # DHCP ports are Neutron's records: made and dropped as the API would.
        self.ports = ports
        self._reconciler: Reconciler | None = None

    @property
    def reconciler(self) -> Reconciler:
        if self._reconciler is None:
            from ostack_cli.backend.local.reconcile import Reconciler

            self._reconciler = Reconciler(self.store, self.host, before=self._claim_dhcp_ports)
        return self._reconciler

    @property
    def active(self) -> bool:
        return not self.host.is_test_driver and os.geteuid() == 0

    def after_command(self, written: set[tuple[str, str]]) -> None:
        kinds = {kind for kind, _ in written} & HOST_KINDS
        if not self.active or not kinds:
            return
        if kinds <= FIREWALL_KINDS:
            # Only security groups or rules: the filters alone (firewall_sync), unless
            # that converge cannot vouch for the host; then the full one below.
            from ostack_cli.backend.local import firewall_sync

            if firewall_sync.converge_firewall(self.store, self.host):
                return
        report = self.reconciler.converge()
        concerned = self._concerned(written)
        mine = [(key, why) for key, why in sorted(report.faults.items())
                if key in concerned or key[0] == HOST]
        if mine:
            raise HostFault(_describe(*mine[0]))

    def prepare(self, server: Server) -> None:
        """Filters, bridges and DHCP for a guest about to start; raises if any is missing."""
        if not self.active:
            return
        report = self.reconciler.converge()
        keys = {("server", server.id)} | {("port", p) for p in server.port_ids}
        keys |= {("network", p.network_id) for p in self._ports(server.port_ids)}
        mine = [(key, why) for key, why in sorted(report.faults.items())
                if key in keys or key == (HOST, "firewall")]
        if mine:
            raise HostFault(_describe(*mine[0]))

    def sync_all(self) -> list[str]:
        """Re-apply everything; the faults found, one line each."""
        if not self.active:
            return []
        report = self.reconciler.converge(deep=True)
        return [_describe(key, why) for key, why in sorted(report.faults.items())]

    def check_external_range(self, cidr: str, network_id: str) -> None:
        """Refuse an external range another interface of this host already routes (another
        store's external network, the host's own LAN): the host could not tell them apart."""
        if not self.active:
            return
        from ostack_cli.backend.local.reconcile.observe import host_routes

        net = ipaddress.ip_network(cidr, strict=False)
        ours = self.host.names.bridge(network_id)
        for destination, device in host_routes():
            if device != ours and ipaddress.ip_network(destination).overlaps(net):
                raise BadRequest(
                    f"Invalid input for cidr. Reason: {net} overlaps {destination}, which "
                    f"this host already routes through {device}.",
                    "Choose another range for the external subnet.",
                )

    def free_external_range(self, candidates: Sequence[str]) -> str | None:
        """The first of ``candidates`` that no interface of this host routes yet (None if
        each is taken); the first when the host is not driven (nothing to clash with)."""
        if not self.active:
            return candidates[0] if candidates else None
        from ostack_cli.backend.local.reconcile.observe import host_routes

        routed = [ipaddress.ip_network(destination) for destination, _ in host_routes()]
        for cidr in candidates:
            net = ipaddress.ip_network(cidr)
            if not any(net.overlaps(other) for other in routed):
                return cidr
        return None

    # -- internals --------------------------------------------------------------------

    def _concerned(self, written: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """The host-side resources a command's written records stand for."""
        keys = set(written)
        for kind, resource_id in written:
            if kind == "port":
                for port in self._ports([resource_id]):
                    keys.add(("network", port.network_id))
                    if port.device_id:
                        keys |= {("router", port.device_id), ("server", port.device_id)}
            elif kind == "subnet":
                subnet = self.store.get(Subnet, resource_id)
                if subnet is not None:
                    keys.add(("network", subnet.network_id))
            elif kind == "floating_ip":
                fip = self.store.get(FloatingIP, resource_id)
                if fip is not None and fip.router_id:
                    keys.add(("router", fip.router_id))
            elif kind == "server":
                from ostack_cli.backend.models.server import Server  # not for a rule's sake

                server = self.store.get(Server, resource_id)
                if server is not None:
                    keys |= {("port", p) for p in server.port_ids}
        return keys

    def _ports(self, port_ids: list[str]) -> list[Port]:
        return [p for p in (self.store.get(Port, i) for i in port_ids) if p is not None]

    def _claim_dhcp_ports(self) -> None:
        """Each network with guests and a DHCP-enabled IPv4 subnet has a DHCP port; a network
        without guests has none (its DHCP server is not running either)."""
        by_network: dict[str, list[Port]] = {}
        for port in self.store.list(Port):  # once: a scan per network costs 100 ms at 20
            by_network.setdefault(port.network_id, []).append(port)
        subnets = {s.id: s for s in self.store.list(Subnet)}
        for network in self.store.list(Network):
            ports = by_network.get(network.id, [])
            guests = any(p.device_owner.startswith(COMPUTE_OWNER_PREFIX) for p in ports)
            dhcp = [p for p in ports if p.device_owner == DEVICE_OWNER_DHCP]
            served = [s for s in (subnets.get(i) for i in network.subnet_ids)
                      if s is not None and s.is_dhcp_enabled and s.ip_version == 4]
            if guests and served and not dhcp:
                self._make_dhcp_port(network, served)
            elif guests and served:
                self._update_dhcp_port(dhcp[0], served)
            elif dhcp and not (guests and served):
                with self.store.transaction():
                    for port in dhcp:
                        if self.store.get(Port, port.id) is not None:
                            self.ports.drop(port)

    def _make_dhcp_port(self, network: Network, subnets: list[Subnet]) -> None:
        # No free address left on a subnet: the guests boot without DHCP, as they would on
        # Neutron; nothing else may fail for it. The transaction is rolled back first, so
        # the addresses claimed on the other subnets are not kept by a port never made.
        with contextlib.suppress(OstackError), self.store.transaction():
            if any(p.device_owner == DEVICE_OWNER_DHCP
                   for p in network_ports(self.store, network.id)):
                return  # a racing process made it
            self.ports.add(
                network,
                project_id=network.project_id,
                fixed_ips=[FixedIPRequest(subnet_id=s.id) for s in subnets],
                device_id=f"dhcp-{network.id}",
                device_owner=DEVICE_OWNER_DHCP,
                is_port_security_enabled=False,
            )

    def _update_dhcp_port(self, port: Port, subnets: list[Subnet]) -> None:
        """The DHCP agent's ``_setup_existing_dhcp_port``: an address on each DHCP-enabled
        subnet (one enabled or added later too), none on a subnet that no longer serves."""
        wanted = [s.id for s in subnets]
        have = [ip["subnet_id"] for ip in port.fixed_ips]
        if sorted(set(have)) == sorted(wanted) and len(have) == len(wanted):
            return
        requests = [FixedIPRequest(subnet_id=ip["subnet_id"], ip_address=ip["ip_address"])
                    for ip in port.fixed_ips if ip["subnet_id"] in wanted]
        requests += [FixedIPRequest(subnet_id=s) for s in wanted if s not in have]
        with contextlib.suppress(OstackError), self.store.transaction():
            current = self.store.get(Port, port.id)
            if current is not None and current.fixed_ips == port.fixed_ips:
                self.ports.update(current, fixed_ips=requests)


def _describe(key: tuple[str, str], why: str) -> str:
    kind, resource_id = key
    what = {"port": "Port", "network": "Network", "router": "Router", "server": "Server",
            "image": "Image"}.get(kind)
    subject = f"{what} {resource_id}" if what else "The host"
    return f"{subject}: {why}"
