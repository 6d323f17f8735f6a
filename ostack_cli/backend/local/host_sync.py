"""Bring the host in line with the store: networks' bridges and DHCP, routers' namespaces and
NAT, and every guest port's firewall. Converges from scratch each time, so the same code
repairs a host that lost everything (a reboot) and follows a single change."""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ostack_cli.backend.local import names
from ostack_cli.backend.local.server_network import COMPUTE_OWNER_PREFIX, ServerNetworking
from ostack_cli.backend.models.network import (
    DEVICE_OWNER_DHCP,
    DEVICE_OWNER_ROUTER_GW,
    DEVICE_OWNER_ROUTER_INTF,
    FloatingIP,
    Network,
    Port,
    Router,
    Subnet,
)
from ostack_cli.backend.models.security_group import SecurityGroupRule
from ostack_cli.lazy import lazy_import

if TYPE_CHECKING:
    from ostack_cli.backend.local import firewall, iptables, l3, router_host
else:
    firewall = lazy_import("ostack_cli.backend.local.firewall")
    iptables = lazy_import("ostack_cli.backend.local.iptables")
    l3 = lazy_import("ostack_cli.backend.local.l3")
    router_host = lazy_import("ostack_cli.backend.local.router_host")

FIREWALL_KINDS = {"port", "security_group", "security_group_rule", "server", "network"}
L3_KINDS = {"router", "port", "floating_ip", "subnet", "network", "server"}


class LocalHostSync(ServerNetworking):
    def sync_host(
        self, kinds: set[str] | None = None, deleted: set[tuple[str, str]] | None = None
    ) -> None:
        """Converge the host for what changed (``kinds``), or everything (None)."""
        if self.host.is_test_driver or os.geteuid() != 0:
            return  # nothing of the host to drive (libvirt's test driver, or not root)
        # One converge at a time: each reads the store once it holds the lock, so the last
        # one to write a router's NAT or the firewall also saw the latest records.
        with _host_lock(self.state_dir):
            self._converge(kinds, deleted or set())

    def _converge(self, kinds: set[str] | None, deleted: set[tuple[str, str]]) -> None:
        everything = kinds is None
        kinds = kinds or set()
        for kind, resource_id in sorted(deleted):
            if kind == "network":
                self.host.network.remove(resource_id)
                router_host.remove_external_bridge(resource_id)
            elif kind == "router":
                router_host.remove_router(resource_id)
        if everything or kinds & L3_KINDS:
            self._sync_l3()
        if everything or kinds & FIREWALL_KINDS:
            self._sync_firewall()

    def close(self) -> None:
        try:
            changed, deleted = self.store.take_changes()
            if changed:
                self.sync_host(changed, deleted)
        finally:
            self.host.close()
            self.store.close()

    # -- networks and routers ---------------------------------------------------------

    def _sync_l3(self) -> None:
        ports = self.store.list(Port)
        routers = self.store.list(Router)
        networks = {n.id: n for n in self.store.list(Network)}
        for network in networks.values():
            if network.is_router_external:
                self._sync_external(network, routers)
            else:
                self._sync_network(network)
        for router in routers:
            spec = self._router_spec(router, ports)
            if spec is not None:
                router_host.ensure_router(spec)
            elif Path("/run/netns", names.router_namespace(router.id)).exists():
                router_host.remove_router(router.id)

    def _sync_external(self, network: Network, routers: list[Router]) -> None:
        used = any((r.external_gateway_info or {}).get("network_id") == network.id
                   for r in routers)
        subnet = next((s for s in self._network_subnets(network.id) if s.ip_version == 4), None)
        uplink = self.host.settings.uplink_interface
        if used and subnet is not None:
            gateway = (f"{subnet.gateway_ip}/{ipaddress.ip_network(subnet.cidr).prefixlen}"
                       if subnet.gateway_ip else None)
            router_host.ensure_external_bridge(network.id, gateway, network.mtu)
            if uplink:
                router_host.enable_uplink_nat(subnet.cidr, uplink)
        else:
            # Idempotent: also drops a guard rule whose bridge is already gone.
            router_host.remove_external_bridge(network.id)
            if uplink and subnet is not None:
                router_host.disable_uplink_nat(subnet.cidr, uplink)

    def _router_spec(self, router: Router, ports: list[Port]) -> l3.RouterSpec | None:
        mine = [p for p in ports if p.device_id == router.id]
        legs = []
        for port in mine:
            if port.device_owner != DEVICE_OWNER_ROUTER_INTF:
                continue
            network = self.store.get(Network, port.network_id)
            for fixed in port.fixed_ips:
                subnet = self.store.get(Subnet, fixed["subnet_id"])
                if subnet is None or subnet.ip_version != 4:
                    continue
                self.host.network.ensure_bridge(port.network_id, network.mtu if network else 1500)
                legs.append(l3.InternalLeg(
                    network_id=port.network_id, cidr=subnet.cidr,
                    gateway_ip=fixed["ip_address"], mtu=network.mtu if network else 1500,
                    mac=port.mac_address,
                ))
        external = None
        gateway_port = next((p for p in mine if p.device_owner == DEVICE_OWNER_ROUTER_GW), None)
        if gateway_port is not None and gateway_port.fixed_ips:
            fixed = gateway_port.fixed_ips[0]
            subnet = self.store.get(Subnet, fixed["subnet_id"])
            network = self.store.get(Network, gateway_port.network_id)
            if subnet is not None:
                prefix = ipaddress.ip_network(subnet.cidr).prefixlen
                external = l3.ExternalGateway(
                    network_id=gateway_port.network_id,
                    address=f"{fixed['ip_address']}/{prefix}",
                    gateway_ip=subnet.gateway_ip,
                    mtu=network.mtu if network else 1500,
                    mac=gateway_port.mac_address,
                )
        if not legs and external is None:
            return None
        floating = tuple(sorted(
            (f.floating_ip_address, f.fixed_ip_address)
            for f in self.store.list(FloatingIP)
            if f.router_id == router.id and f.port_id and f.fixed_ip_address
        ))
        info = router.external_gateway_info or {}
        return l3.RouterSpec(
            router_id=router.id,
            internal=tuple(legs),
            external=external,
            snat=bool(info.get("enable_snat", True)),
            routes=tuple((r["destination"], r["nexthop"]) for r in router.routes),
            floating_ips=floating if external is not None else (),
        )

    def _sync_network(self, network: Network) -> None:
        """Bridge while guests or router interfaces use the network; DHCP while guests do."""
        ports = self._network_ports(network.id)
        if any(p.device_owner.startswith(COMPUTE_OWNER_PREFIX) for p in ports):
            super()._sync_network(network)
            return
        if any(p.device_owner == DEVICE_OWNER_ROUTER_INTF for p in ports):
            self._drop_dhcp_ports(network)
            if self.host.network.is_dhcp_running(network.id):
                self.host.network.remove(network.id)
            self.host.network.ensure_bridge(network.id, network.mtu)
            return
        super()._sync_network(network)  # nothing uses it: tears the host side down

    # -- firewall ---------------------------------------------------------------------

    def _sync_firewall(self) -> None:
        ports = self.store.list(Port)
        members: dict[str, list[str]] = {}
        for port in ports:
            for group_id in port.security_group_ids:
                members.setdefault(group_id, []).extend(f["ip_address"] for f in port.fixed_ips)
        rules: dict[str, list[SecurityGroupRule]] = {}
        for rule in self.store.list(SecurityGroupRule):
            rules.setdefault(rule.security_group_id, []).append(rule)
        dhcp = {}
        for port in ports:
            if port.device_owner == DEVICE_OWNER_DHCP:
                dhcp[port.network_id] = tuple(f["ip_address"] for f in port.fixed_ips)
        filters = []
        for port in ports:
            if not port.device_owner.startswith(COMPUTE_OWNER_PREFIX):
                continue
            specs = tuple(
                firewall.RuleSpec(
                    direction=rule.direction,  # type: ignore[arg-type]
                    ethertype=rule.ethertype,  # type: ignore[arg-type]
                    protocol=rule.protocol,
                    port_range_min=rule.port_range_min,
                    port_range_max=rule.port_range_max,
                    remote_ip_prefix=rule.remote_ip_prefix,
                    remote_addresses=tuple(sorted(set(members.get(rule.remote_group_id, []))))
                    if rule.remote_group_id else None,
                )
                for group_id in port.security_group_ids
                for rule in rules.get(group_id, [])
            )
            filters.append(firewall.PortFilter(
                port_id=port.id,
                tap=names.tap_name(port.id),
                mac=port.mac_address,
                fixed_ips=tuple(f["ip_address"] for f in port.fixed_ips),
                port_security=port.is_port_security_enabled,
                rules=specs,
                allowed_address_pairs=tuple(
                    (pair.get("mac_address", port.mac_address), pair["ip_address"])
                    for pair in port.allowed_address_pairs
                ),
                dhcp_servers=dhcp.get(port.network_id, ()),
            ))
        if filters:
            iptables.sync_port_filters(filters)
        elif not any(Path(f"/sys/class/net/{names.bridge_name(n.id)}").exists()
                     for n in self.store.list(Network)):
            # Nothing of this store is left on the host: neither are ostack's chains.
            iptables.remove_port_filters()
            router_host.remove_external_guard()
        else:
            iptables.sync_port_filters(filters)



@contextlib.contextmanager
def _host_lock(state_dir: Path) -> Iterator[None]:
    with open(state_dir / "host.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
