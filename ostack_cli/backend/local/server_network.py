"""Keeping each network's host side (bridge, DHCP server) in line with the guests on it."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ostack_cli.backend.local import names
from ostack_cli.backend.local.server_base import ServerBase
from ostack_cli.backend.models.network import FixedIPRequest, Network, Port, PortSpec
from ostack_cli.backend.models.server import Server
from ostack_cli.lazy import lazy_import

if TYPE_CHECKING:
    from ostack_cli.backend.local import dnsmasq, host_network
else:
    dnsmasq = lazy_import("ostack_cli.backend.local.dnsmasq")
    host_network = lazy_import("ostack_cli.backend.local.host_network")

DHCP_OWNER = "network:dhcp"
COMPUTE_OWNER_PREFIX = "compute:"


class ServerNetworking(ServerBase):
    def _server_network_ids(self, server: Server) -> list[str]:
        return sorted({p.network_id for p in self._server_ports(server)})

    def _sync_networks(self, network_ids: list[str]) -> None:
        if self.host.is_test_driver:
            return  # libvirt's test driver runs no guests: no bridges or DHCP to serve them
        for network_id in network_ids:
            network = self.store.get(Network, network_id)
            if network is None:
                self.host.network.remove(network_id)
                continue
            self._sync_network(network)

    def _sync_network(self, network: Network) -> None:
        """Start, reload or stop the network's host side to match its ports."""
        ports = self._network_ports(network.id)
        guests = [p for p in ports if p.device_owner.startswith(COMPUTE_OWNER_PREFIX)]
        if not guests:
            self._drop_dhcp_ports(network)
            self.host.network.remove(network.id)
            return
        dhcp_port = self._ensure_dhcp_port(network)
        subnets = {s.id: s for s in self._network_subnets(network.id) if s.is_dhcp_enabled
                   and s.ip_version == 4}
        addresses = []
        for fixed in dhcp_port.fixed_ips:
            subnet = subnets.get(fixed["subnet_id"])
            if subnet is not None:
                prefix = ipaddress.ip_network(subnet.cidr).prefixlen
                addresses.append(host_network.DhcpPortAddress(fixed["ip_address"], prefix))
        hosts = []
        for port in guests:
            server = self.store.get(Server, port.device_id)
            for fixed in port.fixed_ips:
                if fixed["subnet_id"] in subnets:
                    hosts.append(dnsmasq.DhcpHost(
                        mac=port.mac_address, ip=fixed["ip_address"],
                        hostname=server.hostname if server else None,
                    ))
        dhcp_subnets = tuple(
            dnsmasq.DhcpSubnet(
                cidr=s.cidr, tag=f"subnet-{s.id}", gateway=s.gateway_ip,
                dns_nameservers=tuple(s.dns_nameservers),
            )
            for s in subnets.values()
        )
        self.host.network.ensure_dhcp(host_network.NetworkHostSpec(
            network_id=network.id,
            mtu=network.mtu,
            dhcp_addresses=tuple(addresses),
            dhcp_subnets=dhcp_subnets,
            dhcp_hosts=tuple(hosts),
        ))
        for port in guests:
            self.host.network.plug(network.id, names.tap_name(port.id))

    def _ensure_dhcp_port(self, network: Network) -> Port:
        """Neutron's DHCP port: one address on each DHCP-enabled subnet of the network."""
        for port in self._network_ports(network.id):
            if port.device_owner == DHCP_OWNER:
                return port
        subnets = [s for s in self._network_subnets(network.id) if s.is_dhcp_enabled]
        with self.store.transaction():
            for port in self._network_ports(network.id):  # a racing process may have made it
                if port.device_owner == DHCP_OWNER:
                    return port
            return self.create_port(PortSpec(
                network_id=network.id,
                project_id=network.project_id,
                fixed_ips=[FixedIPRequest(subnet_id=s.id) for s in subnets],
                device_id=f"dhcp-{network.id}",
                device_owner=DHCP_OWNER,
                security_group_ids=[],
                port_security_enabled=False,
            ))

    def _drop_dhcp_ports(self, network: Network) -> None:
        dhcp = [p for p in self._network_ports(network.id) if p.device_owner == DHCP_OWNER]
        if dhcp:
            with self.store.transaction():
                for port in dhcp:
                    self.delete_port(port)
