"""What the host must hold for one store: a pure function of its records.

``desired_host(records, context)`` says which bridges, DHCP servers, routers, metadata
proxies, port filters, guests and files the store's records call for, each under the store's
own names. A resource
whose values cannot be turned into host objects gets a fault instead (``Desired.faults``),
and everything else is still wanted: one bad record never stops the others from converging.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ostack_cli.backend.local import dnsmasq, firewall, l3, volume_files
from ostack_cli.backend.local.console_proxy_host import ConsoleProxySpec
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.port_filters import (
    COMPUTE_OWNER_PREFIX,
    FaultKey,
    firewall_digest,
    guest_ports,
    port_filters,
)
from ostack_cli.backend.models.network import (
    DEVICE_OWNER_DHCP,
    DEVICE_OWNER_ROUTER_GW,
    ROUTER_INTERFACE_OWNERS,
    FloatingIP,
    Network,
    Port,
    Router,
    Subnet,
)
from ostack_cli.backend.models.port_forwarding import PortForwarding
from ostack_cli.backend.models.security_group import SecurityGroupRule
from ostack_cli.backend.models.server import Server

DHCP_IFNAME = "ostdhcp"  # inside a DHCP namespace (which holds nothing else)
METADATA_ADDRESS = "169.254.169.254"
METADATA_CIDR = f"{METADATA_ADDRESS}/32"
METADATA_ROUTER_PORT = 9697  # Neutron's metadata_port: where a router's REDIRECT sends
METADATA_PROXY_MODULE = "ostack_cli.metadata.proxy"


@dataclass(frozen=True)
class Records:
    """The records the host side follows, read from the store in one go."""

    networks: tuple[Network, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    ports: tuple[Port, ...] = ()
    routers: tuple[Router, ...] = ()
    floating_ips: tuple[FloatingIP, ...] = ()
    port_forwardings: tuple[PortForwarding, ...] = ()
    rules: tuple[SecurityGroupRule, ...] = ()
    servers: tuple[Server, ...] = ()
    image_ids: frozenset[str] = frozenset()
    # Cinder's volumes and snapshots: (ID, status) each, for the files they may have.
    volumes: tuple[tuple[str, str], ...] = ()
    volume_snapshots: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class HostSettings:
    """``store_path``: the store the metadata proxies read (None: no metadata service);
    ``python``: the interpreter they run on."""

    names: HostNames
    host_dir: Path
    uplink: str | None = None
    host_access: bool = False
    store_path: Path | None = None
    python: str = "python3"
    # The store's console proxy (None: no consoles), wanted while the store has servers.
    console_proxy: ConsoleProxySpec | None = None


@dataclass(frozen=True)
class BridgeSpec:
    name: str
    network_id: str
    mtu: int
    address: str | None = None  # the host's address on an external network, e.g. "x/24"
    external_cidr: str | None = None


@dataclass(frozen=True)
class DhcpSpec:
    """One network's DHCP server: dnsmasq in a namespace joined to the bridge by a veth."""

    network_id: str
    namespace: str
    bridge: str
    leg: str
    mtu: int
    addresses: tuple[str, ...]  # CIDRs of the DHCP port, inside the namespace
    hosts_file: str  # rendered contents
    opts_file: str
    argv: tuple[str, ...]
    subnets: tuple[dnsmasq.DhcpSubnet, ...] = ()  # what the files were rendered from


@dataclass(frozen=True)
class MetadataProxySpec:
    """The metadata service in one namespace: a router's (its internal networks' guests,
    redirected there by its NAT) or a DHCP namespace's (its network's isolated subnets)."""

    namespace: str
    kind: str  # "router" or "network": the resource it answers for
    resource_id: str
    argv: tuple[str, ...]


@dataclass(frozen=True)
class RouterPlan:
    """A router's spec, its namespace's layout and NAT table, and the host ends of its legs
    with their bridges."""

    spec: l3.RouterSpec
    namespace: str
    legs: tuple[tuple[str, str], ...]  # (host-side device, bridge)
    digest: str
    layout: l3.RouterLayout
    nat: str


@dataclass(frozen=True)
class Desired:
    settings: HostSettings
    bridges: dict[str, BridgeSpec] = field(default_factory=dict)  # by bridge name
    dhcp: dict[str, DhcpSpec] = field(default_factory=dict)  # by network ID
    routers: dict[str, RouterPlan] = field(default_factory=dict)  # by router ID
    metadata: dict[str, MetadataProxySpec] = field(default_factory=dict)  # by namespace
    ports: tuple[firewall.PortFilter, ...] = ()  # ports whose filters render
    guard: firewall.HostGuard | None = None
    firewall_digest: str = ""  # of ``ports`` and ``guard``: equal digests, equal rules
    taps: dict[str, tuple[str, str]] = field(default_factory=dict)  # tap -> (bridge, port)
    servers: frozenset[str] = frozenset()  # server IDs whose guests and files may exist
    base_images: frozenset[str] = frozenset()  # image IDs whose cached base file may exist
    volume_files: frozenset[str] = frozenset()  # names in volumes/ that may exist
    console_proxy: ConsoleProxySpec | None = None
    faults: dict[FaultKey, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Nothing of the store belongs on the host."""
        return not (self.bridges or self.routers or self.ports or self.servers)


def desired_host(records: Records, settings: HostSettings) -> Desired:
    names = settings.names
    faults: dict[FaultKey, str] = {}
    networks = {n.id: n for n in records.networks}
    subnets = {s.id: s for s in records.subnets}
    by_network: dict[str, list[Port]] = {}
    for port in records.ports:
        by_network.setdefault(port.network_id, []).append(port)
    guests = guest_ports(records.ports, names, faults)
    servers = {s.id: s for s in records.servers}

    routers: dict[str, RouterPlan] = {}
    bridges: dict[str, BridgeSpec] = {}
    for router in records.routers:
        if not router.is_admin_state_up:
            # The L3 agent is sent active routers only (``_get_sync_routers(active=True)``)
            # and removes the namespace of any other.
            continue
        try:
            plan = _router_plan(router, records, networks, subnets, names,
                                metadata=settings.store_path is not None)
        except (ValueError, KeyError, TypeError) as exc:
            faults[("router", router.id)] = f"its namespace cannot be laid out: {exc}"
            continue
        if plan is not None:
            routers[router.id] = plan
    wanted_networks = {p.network_id for p in guests}
    for plan in routers.values():
        wanted_networks |= {leg.network_id for leg in plan.spec.internal}
        if plan.spec.external is not None:
            wanted_networks.add(plan.spec.external.network_id)
    for network_id in sorted(wanted_networks):
        network = networks.get(network_id)
        if network is None:
            continue
        try:
            spec = _bridge(network, subnets, names)
        except ValueError as exc:
            faults[("network", network_id)] = str(exc)
            continue
        if spec.address and _held_by_a_port(spec.address, by_network.get(network_id, [])):
            # A router interface took the gateway (Neutron allows it): one address, one
            # holder on the segment, so the host does without.
            spec = dataclasses.replace(spec, address=None)
        bridges[spec.name] = spec
    bridges = _unique_bridges(bridges, faults)

    dhcp: dict[str, DhcpSpec] = {}
    for network_id in sorted({p.network_id for p in guests}):
        network = networks.get(network_id)
        # The DHCP agent serves admin-up networks only
        # (``list_active_networks_on_active_dhcp_agent``).
        if network is None or not network.is_admin_state_up \
                or names.bridge(network_id) not in bridges:
            continue
        try:
            spec_or_none = _dhcp(network, by_network.get(network_id, []), subnets, servers,
                                 settings)
        except ValueError as exc:
            faults[("network", network_id)] = f"its DHCP server cannot be set up: {exc}"
            continue
        if spec_or_none is not None:
            dhcp[network_id] = spec_or_none
    metadata = _metadata_proxies(routers, dhcp, settings)

    candidates = port_filters(records.ports, guests, records.rules, names)
    external = tuple(
        firewall.ExternalRange(bridge=b.name, cidr=b.external_cidr)
        for b in bridges.values() if b.external_cidr
    )
    guard = firewall.HostGuard(names=names, external=external, uplink=settings.uplink,
                               host_access=settings.host_access)
    good, failed = firewall.check_ports(candidates, guard)
    digest = firewall_digest(good, guard)
    for port_id, why in failed.items():
        faults[("port", port_id)] = why
    taps = {
        names.tap(p.id): (names.bridge(p.network_id), p.id)
        for p in guests if names.bridge(p.network_id) in bridges
    }
    for port in guests:
        if names.bridge(port.network_id) not in bridges:
            faults.setdefault(("port", port.id), f"network {port.network_id} has no bridge")
    base_images = set(records.image_ids)
    for server in records.servers:
        base_images |= {i for i in (server.image_id, *_boot_images(server)) if i}
    return Desired(
        settings=settings,
        bridges=bridges,
        dhcp=dhcp,
        routers=routers,
        metadata=metadata,
        ports=tuple(good),
        guard=guard,
        firewall_digest=digest,
        taps=taps,
        servers=frozenset(servers),
        base_images=frozenset(base_images),
        volume_files=volume_files.wanted(records.volumes, records.volume_snapshots),
        console_proxy=settings.console_proxy if servers else None,
        faults=faults,
    )


# -- networks -----------------------------------------------------------------------------


def _bridge(network: Network, subnets: dict[str, Subnet], names: HostNames) -> BridgeSpec:
    """A network's bridge; an external one holds its IPv4 subnet's gateway, as br-ex does."""
    mtu = network.mtu
    if not 68 <= mtu <= 65535:
        raise ValueError(f"MTU {mtu} is out of range")
    if not network.is_router_external:
        return BridgeSpec(name=names.bridge(network.id), network_id=network.id, mtu=mtu)
    subnet = next((subnets[s] for s in network.subnet_ids
                   if s in subnets and subnets[s].ip_version == 4), None)
    address = cidr = None
    if subnet is not None:
        net = ipaddress.IPv4Network(subnet.cidr, strict=False)
        cidr = str(net)
        if subnet.gateway_ip:
            gateway = ipaddress.IPv4Address(subnet.gateway_ip)
            # Neutron accepts a gateway outside its subnet (reached by an on-link route);
            # the host then holds it as a /32 beside the subnet's route.
            prefix = net.prefixlen if gateway in net else 32
            address = f"{gateway}/{prefix}"
    return BridgeSpec(name=names.bridge(network.id), network_id=network.id, mtu=mtu,
                      address=address, external_cidr=cidr)


def _held_by_a_port(address: str, ports: Iterable[Port]) -> bool:
    ip = str(ipaddress.ip_interface(address).ip)
    return any(f["ip_address"] == ip for p in ports for f in p.fixed_ips)


def _dhcp(
    network: Network,
    ports: list[Port],
    subnets: dict[str, Subnet],
    servers: dict[str, Server],
    settings: HostSettings,
) -> DhcpSpec | None:
    """The network's DHCP server, or None when it has no DHCP-enabled IPv4 subnet (a guest
    then boots without DHCP, as on Neutron)."""
    names = settings.names
    served = {
        s.id: s for s in (subnets.get(i) for i in network.subnet_ids)
        if s is not None and s.is_dhcp_enabled and s.ip_version == 4
    }
    dhcp_port = next((p for p in ports if p.device_owner == DEVICE_OWNER_DHCP), None)
    if not served or dhcp_port is None:
        return None
    addresses = tuple(
        f"{f['ip_address']}/{ipaddress.ip_network(served[f['subnet_id']].cidr).prefixlen}"
        for f in dhcp_port.fixed_ips if f["subnet_id"] in served
    )
    metadata = settings.store_path is not None
    if metadata:  # the agent's enable_isolated_metadata: the leg holds the address
        addresses += (METADATA_CIDR,)
    server_ips = {f["subnet_id"]: f["ip_address"] for f in dhcp_port.fixed_ips}
    routed = routed_subnets(ports, subnets)
    hosts = []
    for port in ports:
        if not port.device_owner.startswith(COMPUTE_OWNER_PREFIX):
            continue
        server = servers.get(port.device_id)
        for fixed in port.fixed_ips:
            if fixed["subnet_id"] in served:
                hosts.append(dnsmasq.DhcpHost(
                    mac=port.mac_address, ip=fixed["ip_address"],
                    hostname=dhcp_hostname(server.hostname if server else None),
                ))
    dhcp_subnets = tuple(
        dnsmasq.DhcpSubnet(
            cidr=str(ipaddress.IPv4Network(s.cidr, strict=False)), tag=f"subnet-{s.id}",
            gateway=s.gateway_ip if s.gateway_ip and _is_v4(s.gateway_ip) else None,
            dns_nameservers=tuple(d for d in s.dns_nameservers if _is_v4(d)),
            host_routes=tuple(
                (str(ipaddress.IPv4Network(r["destination"], strict=False)), r["nexthop"])
                for r in s.host_routes
                if _is_v4(r["nexthop"]) and _is_v4(r["destination"].split("/")[0])
            ),
            isolated=s.id not in routed,
            metadata_server=server_ips.get(s.id) if metadata else None,
        )
        for s in sorted(served.values(), key=lambda s: s.id)
    )
    files = dhcp_files(settings.host_dir, network.id)
    argv = dnsmasq.dnsmasq_argv(
        interface=DHCP_IFNAME,
        pid_file=str(files / "pid"),
        hosts_file=str(files / "hosts"),
        opts_file=str(files / "opts"),
        lease_file=str(files / "leases"),
        subnets=list(dhcp_subnets),
        mtu=network.mtu if network.mtu != 1500 else None,
    )
    return DhcpSpec(
        network_id=network.id,
        namespace=names.dhcp_namespace(network.id),
        bridge=names.bridge(network.id),
        leg=names.dhcp_leg(network.id),
        mtu=network.mtu,
        addresses=addresses,
        hosts_file=dnsmasq.render_hosts_file(hosts),
        opts_file=dnsmasq.render_opts_file(dhcp_subnets),
        argv=tuple(argv),
        subnets=dhcp_subnets,
    )


def routed_subnets(ports: Iterable[Port], subnets: dict[str, Subnet]) -> set[str]:
    """The subnets whose gateway address a router holds (the DHCP agent's non-isolated
    subnets): their guests reach the metadata service through the router."""
    return {f["subnet_id"] for p in ports if p.device_owner in ROUTER_INTERFACE_OWNERS
            for f in p.fixed_ips
            if f["subnet_id"] in subnets and subnets[f["subnet_id"]].gateway_ip == f["ip_address"]}


def dhcp_files(host_dir: Path, network_id: str) -> Path:
    return host_dir / "dhcp" / network_id


def dhcp_hostname(hostname: str | None) -> str | None:
    """The name DHCP hands the guest: its hostname's first label when dnsmasq can carry it,
    else None (Neutron's ``host-<ip>``). Nova accepts ``web.example.com`` and ``2024``;
    dnsmasq would read the first as a domain and the second as a lease time."""
    if not hostname:
        return None
    label = hostname.split(".")[0]
    try:
        return dnsmasq.check_dhcp_hostname(label)
    except ValueError:
        return None


# -- routers ------------------------------------------------------------------------------


def _router_plan(
    router: Router,
    records: Records,
    networks: dict[str, Network],
    subnets: dict[str, Subnet],
    names: HostNames,
    *,
    metadata: bool,
) -> RouterPlan | None:
    mine = [p for p in records.ports if p.device_id == router.id]
    legs: list[l3.InternalLeg] = []
    for port in mine:
        if port.device_owner not in ROUTER_INTERFACE_OWNERS:
            continue
        network = networks.get(port.network_id)
        for fixed in port.fixed_ips:
            subnet = subnets.get(fixed["subnet_id"])
            if subnet is None or subnet.ip_version != 4:
                continue
            legs.append(l3.InternalLeg(
                network_id=port.network_id, cidr=subnet.cidr, gateway_ip=fixed["ip_address"],
                mtu=network.mtu if network else 1500, mac=port.mac_address,
            ))
    external = None
    gateway_port = next((p for p in mine if p.device_owner == DEVICE_OWNER_ROUTER_GW), None)
    if gateway_port is not None:
        fixed_v4 = [f for f in gateway_port.fixed_ips
                    if f["subnet_id"] in subnets and subnets[f["subnet_id"]].ip_version == 4]
        if fixed_v4:
            subnet = subnets[fixed_v4[0]["subnet_id"]]
            network = networks.get(gateway_port.network_id)
            external = l3.ExternalGateway(
                network_id=gateway_port.network_id,
                address=f"{fixed_v4[0]['ip_address']}/"
                        f"{ipaddress.ip_network(subnet.cidr).prefixlen}",
                gateway_ip=subnet.gateway_ip if subnet.gateway_ip
                and _is_v4(subnet.gateway_ip) else None,
                mtu=network.mtu if network else 1500,
                mac=gateway_port.mac_address,
            )
    if not legs and external is None:
        return None
    floating = tuple(sorted(
        (f.floating_ip_address, f.fixed_ip_address)
        for f in records.floating_ips
        if f.router_id == router.id and f.port_id and f.fixed_ip_address
        and _is_v4(f.fixed_ip_address)
    ))
    addresses = {f.id: f.floating_ip_address for f in records.floating_ips
                 if f.router_id == router.id and not f.port_id}
    forwards = tuple(sorted(
        (l3.PortForward(
            floating_ip=addresses[pf.floatingip_id], protocol=pf.protocol,
            external_ports=(pf.external_port_start, pf.external_port_end),
            internal_ip=pf.internal_ip_address,
            internal_ports=(pf.internal_port_start, pf.internal_port_end))
         for pf in records.port_forwardings if pf.floatingip_id in addresses),
        key=lambda f: (f.floating_ip, f.protocol, f.external_ports),
    ))
    info = router.external_gateway_info or {}
    spec = l3.RouterSpec(
        router_id=router.id,
        internal=tuple(legs),
        external=external,
        snat=bool(info.get("enable_snat", True)),
        routes=tuple((r["destination"], r["nexthop"]) for r in router.routes),
        floating_ips=floating if external is not None else (),
        port_forwardings=forwards if external is not None else (),
        metadata_port=METADATA_ROUTER_PORT if metadata and legs else None,
    )
    layout = l3.router_layout(spec, names)  # validates every value
    host_legs = tuple(
        (names.router_leg(router.id, leg.network_id, external=leg.external),
         names.bridge(leg.network_id))
        for leg in layout.legs
    )
    return RouterPlan(spec=spec, namespace=names.router_namespace(router.id), legs=host_legs,
                      digest=l3.digest(spec), layout=layout, nat=l3.render_nat_table(spec))


# -- metadata -----------------------------------------------------------------------------


def _metadata_proxies(
    routers: dict[str, RouterPlan], dhcp: dict[str, DhcpSpec], settings: HostSettings
) -> dict[str, MetadataProxySpec]:
    """A proxy in each router with internal legs (the L3 agent's), listening where the NAT
    redirects guests' requests, and in each DHCP namespace serving an isolated subnet (the
    DHCP agent's ``enable_isolated_metadata``), on the metadata address itself."""
    if settings.store_path is None:
        return {}
    proxies = []
    for router_id, router in sorted(routers.items()):
        if router.spec.metadata_port is not None:
            proxies.append(_metadata_proxy(
                router.namespace, "router", router_id, settings,
                f"--listen=0.0.0.0:{router.spec.metadata_port}",
                f"--redirected-from={METADATA_ADDRESS}:80"))
    for network_id, spec in sorted(dhcp.items()):
        if any(s.isolated and s.metadata_server for s in spec.subnets):
            proxies.append(_metadata_proxy(spec.namespace, "network", network_id, settings,
                                           f"--listen={METADATA_ADDRESS}:80"))
    return {p.namespace: p for p in proxies}


def _metadata_proxy(
    namespace: str, kind: str, resource_id: str, settings: HostSettings, *listen: str
) -> MetadataProxySpec:
    argv = (settings.python, "-I", "-m", METADATA_PROXY_MODULE,
            f"--store={settings.store_path}", f"--{kind}={resource_id}",
            f"--namespace={namespace}", *listen)
    return MetadataProxySpec(namespace=namespace, kind=kind, resource_id=resource_id,
                             argv=argv)


# -- external ranges ----------------------------------------------------------------------


def _unique_bridges(
    bridges: dict[str, BridgeSpec], faults: dict[FaultKey, str]
) -> dict[str, BridgeSpec]:
    """External ranges of one store must not overlap: the host would route one of them."""
    kept: dict[str, BridgeSpec] = {}
    ranges: list[tuple[ipaddress.IPv4Network, str]] = []
    for name, spec in sorted(bridges.items()):
        if spec.external_cidr:
            net = ipaddress.IPv4Network(spec.external_cidr)
            clash = next((n for r, n in ranges if r.overlaps(net)), None)
            if clash is not None:
                faults[("network", spec.network_id)] = (
                    f"its range {net} overlaps the external network {clash} of this store")
                continue
            ranges.append((net, spec.network_id))
        kept[name] = spec
    return kept


def _boot_images(server: Server) -> Iterable[str]:
    return tuple(server.boot_image_ids)


def _is_v4(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).version == 4
    except ValueError:
        return False
