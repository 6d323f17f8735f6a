"""A router as Neutron's L3 agent builds it: what its namespace holds, and its NAT table.

Pure: a frozen ``RouterSpec`` in; a ``RouterLayout`` (namespace, veth legs and their
addresses, routes) for ``router_host.py`` to converge to, and ``iptables-restore`` text for the
namespace's ``nat`` table. The namespace belongs to the router alone, so that text replaces
the whole table (restore without ``--noflush``), and no filter rules are needed there: the
guests' ports are filtered on the bridges (``firewall.py``).

NAT, as the L3 agent's ``float-snat``/``snat`` chains:
- a floating IP is 1:1: DNAT of its address to the fixed one (PREROUTING, and OUTPUT for the
  router itself), SNAT of the fixed address to it before any other source NAT;
- with SNAT on, other traffic leaving through the external leg takes the router's external
  address; traffic between the router's internal subnets is never NATed;
- "hairpin": a guest reaching another guest's floating IP through the router is SNATed to the
  router's external address, so the reply comes back through the router;
- a port forwarding is DNAT of one protocol's external port (or range) of a floating IP to a
  fixed IP's port (or range), in PREROUTING only, as the L3 agent's port forwarding
  extension writes it (``-d fip/32 -p tcp -m tcp --dport 2222 -j DNAT --to-destination
  10.0.0.5:22``; an N:N range maps port by port with ``a-b/first``).
- the metadata service: a guest's request to 169.254.169.254:80 arriving on an internal leg
  is redirected to the router's metadata proxy (``metadata_port``), as the L3 agent's
  ``metadata_nat_rules`` write it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass

from ostack_cli.backend.local import names
from ostack_cli.backend.local.names import HostNames

CHAIN_PREFIX = f"{names.PREFIX}-"
# Protocols with ports, which a port forwarding can DNAT by port.
PORT_PROTOCOLS = ("dccp", "sctp", "tcp", "udp")
INTERNAL_PREFIX = "qr-"  # inside the router namespace, as Neutron names them
METADATA_CIDR = "169.254.169.254/32"
EXTERNAL_PREFIX = "qg-"


@dataclass(frozen=True, kw_only=True)
class InternalLeg:
    """One subnet attached to the router: the router holds its gateway address."""

    network_id: str
    cidr: str
    gateway_ip: str
    mtu: int = 1500
    mac: str | None = None  # the router port's MAC; derived from the ids when None


@dataclass(frozen=True, kw_only=True)
class ExternalGateway:
    """The router's leg on an external network: its address (with prefix) and next hop."""

    network_id: str
    address: str  # e.g. "203.0.113.10/24"
    gateway_ip: str | None = None
    mtu: int = 1500
    mac: str | None = None


@dataclass(frozen=True, kw_only=True)
class PortForward:
    """One port forwarding of a floating IP: ports are (first, last), equal for one port."""

    floating_ip: str
    protocol: str  # tcp, udp, sctp or dccp
    external_ports: tuple[int, int]
    internal_ip: str
    internal_ports: tuple[int, int]


@dataclass(frozen=True, kw_only=True)
class RouterSpec:
    router_id: str
    internal: tuple[InternalLeg, ...] = ()
    external: ExternalGateway | None = None
    snat: bool = True
    routes: tuple[tuple[str, str], ...] = ()  # (destination CIDR, next hop)
    floating_ips: tuple[tuple[str, str], ...] = ()  # (floating IP, fixed IP)
    port_forwardings: tuple[PortForward, ...] = ()
    # The local port of the router's metadata proxy, which guests' requests to
    # 169.254.169.254:80 are redirected to (None: no metadata service).
    metadata_port: int | None = None


@dataclass(frozen=True)
class Leg:
    """A veth pair: ``inner`` in the router namespace, ``outer`` a port of ``bridge``."""

    inner: str
    outer: str
    bridge: str
    network_id: str
    addresses: tuple[str, ...]  # CIDRs held by ``inner``
    mtu: int
    external: bool
    mac: str  # of ``inner``: stable, so guests' ARP caches survive a re-created router


@dataclass(frozen=True)
class RouterLayout:
    namespace: str
    legs: tuple[Leg, ...]
    routes: tuple[tuple[str, str], ...]  # (destination, next hop), default route included
    ipv6: bool  # whether any leg holds an IPv6 address (IPv6 forwarding on)
    # Next hops outside every leg's subnet (Neutron accepts an external gateway outside its
    # subnet): reached on-link through the external leg, by a host route each.
    onlink: tuple[str, ...] = ()


def internal_ifname(network_id: str) -> str:
    return f"{INTERNAL_PREFIX}{_hex(network_id)[:11]}"


def external_ifname(network_id: str) -> str:
    return f"{EXTERNAL_PREFIX}{_hex(network_id)[:11]}"


def leg_mac(router_id: str, network_id: str) -> str:
    """A stable, locally administered unicast MAC for a leg whose port MAC is not given."""
    digest = hashlib.sha1(f"mac/{router_id}/{network_id}".encode()).digest()[:5]
    return ":".join(f"{b:02x}" for b in (0x02, *digest))


def router_layout(spec: RouterSpec, host: HostNames) -> RouterLayout:
    """The router's namespace and legs, named as the store ``host`` names its objects."""
    _check(spec)
    by_network: dict[str, list[InternalLeg]] = {}
    for leg in spec.internal:
        by_network.setdefault(leg.network_id, []).append(leg)
    legs: list[Leg] = []
    for network_id in sorted(by_network):
        subnets = by_network[network_id]
        addresses = sorted(
            {f"{s.gateway_ip}/{ipaddress.ip_network(s.cidr, strict=False).prefixlen}"
             for s in subnets},
            key=_address_key,
        )
        legs.append(Leg(
            inner=internal_ifname(network_id),
            outer=host.router_leg(spec.router_id, network_id, external=False),
            bridge=host.bridge(network_id),
            network_id=network_id,
            addresses=tuple(addresses),
            mtu=min(s.mtu for s in subnets),
            external=False,
            mac=_first_mac(subnets) or leg_mac(spec.router_id, network_id),
        ))
    routes: dict[str, str] = {}
    ext = spec.external
    if ext is not None:
        floating = sorted({f"{fip}/32" for fip, _ in spec.floating_ips}
                          | {f"{pf.floating_ip}/32" for pf in spec.port_forwardings},
                          key=_address_key)
        legs.append(Leg(
            inner=external_ifname(ext.network_id),
            outer=host.router_leg(spec.router_id, ext.network_id, external=True),
            bridge=host.bridge(ext.network_id),
            network_id=ext.network_id,
            addresses=(ext.address, *(f for f in floating if f != _host(ext.address))),
            mtu=ext.mtu,
            external=True,
            mac=(ext.mac or leg_mac(spec.router_id, ext.network_id)).lower(),
        ))
        if ext.gateway_ip:
            routes["0.0.0.0/0"] = ext.gateway_ip
    for destination, nexthop in spec.routes:
        routes[str(ipaddress.ip_network(destination, strict=False))] = nexthop
    onlink: tuple[str, ...] = ()
    if ext is not None and ext.gateway_ip:
        held = [ipaddress.ip_interface(a).network for leg in legs for a in leg.addresses]
        if not any(ipaddress.ip_address(ext.gateway_ip) in net for net in held):
            onlink = (ext.gateway_ip,)
    return RouterLayout(
        namespace=host.router_namespace(spec.router_id),
        legs=tuple(legs),
        routes=tuple(sorted(routes.items(), key=lambda r: _address_key(r[0]))),
        ipv6=any(ipaddress.ip_interface(a).version == 6 for leg in legs for a in leg.addresses),
        onlink=onlink,
    )


def digest(spec: RouterSpec) -> str:
    """A fingerprint of everything a router's namespace is made from: equal fingerprints,
    equal namespaces (what lets a converge skip a router nothing changed for)."""
    return hashlib.sha256(repr(spec).encode()).hexdigest()[:16]


def render_nat_table(spec: RouterSpec) -> str:
    """The router namespace's whole ``*nat`` table, for ``iptables-restore`` (no --noflush)."""
    _check(spec)
    pre, out, post = (f"{CHAIN_PREFIX}{n}" for n in ("PREROUTING", "OUTPUT", "POSTROUTING"))
    float_snat, snat = f"{CHAIN_PREFIX}float-snat", f"{CHAIN_PREFIX}snat"
    chains: dict[str, list[str]] = {pre: [], out: [], post: [], float_snat: [], snat: []}
    if spec.metadata_port is not None and spec.internal:
        # The L3 agent's metadata_nat_rules: what guests send to the metadata address goes
        # to the proxy in the namespace (which checks it came this way).
        chains[pre].append(
            f"-d {METADATA_CIDR} -i {INTERNAL_PREFIX}+ -p tcp -m tcp --dport 80 "
            f"-j REDIRECT --to-ports {spec.metadata_port}")
    ext = spec.external
    if ext is not None:
        qg = external_ifname(ext.network_id)
        external_ip = str(ipaddress.ip_interface(ext.address).ip)
        for fip, fixed in sorted(spec.floating_ips, key=lambda f: _address_key(f[0])):
            chains[pre].append(f"-d {fip}/32 -j DNAT --to-destination {fixed}")
            chains[out].append(f"-d {fip}/32 -j DNAT --to-destination {fixed}")
            chains[float_snat].append(f"-s {fixed}/32 -j SNAT --to-source {fip}")
        for pf in sorted(spec.port_forwardings, key=_forward_key):
            chains[pre].append(_dnat_rule(pf))
        chains[post] += [
            # Not leaving by the external leg and not a floating IP's DNAT: no NAT at all.
            f"! -o {qg} -m conntrack ! --ctstate DNAT -j ACCEPT",
            f"-j {snat}",
        ]
        chains[snat].append(f"-j {float_snat}")
        if spec.snat:
            chains[snat].append(f"-o {qg} -j SNAT --to-source {external_ip}")
            internal = sorted(
                {str(ipaddress.ip_network(leg.cidr, strict=False)) for leg in spec.internal
                 if ipaddress.ip_network(leg.cidr, strict=False).version == 4},
                key=_address_key,
            )
            chains[snat] += [
                f"-s {cidr} -m conntrack --ctstate DNAT -j SNAT --to-source {external_ip}"
                for cidr in internal
            ]
    lines = ["*nat"]
    lines += [f":{b} ACCEPT [0:0]" for b in ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")]
    lines += [f":{name} - [0:0]" for name in sorted(chains)]
    lines += [f"-A PREROUTING -j {pre}", f"-A OUTPUT -j {out}", f"-A POSTROUTING -j {post}"]
    for name in sorted(chains):
        lines += [f"-A {name} {rule}" for rule in chains[name]]
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def _forward_key(pf: PortForward) -> tuple[tuple[int, int, int], str, tuple[int, int]]:
    return _address_key(pf.floating_ip), pf.protocol, pf.external_ports


def _dnat_rule(pf: PortForward) -> str:
    """The L3 agent's ``extract_ports``: iptables takes an external range as ``a:b`` and an
    internal one as ``a-b``, which ``/first`` shifts port by port for an N:N range."""
    ext_first, ext_last = pf.external_ports
    int_first, int_last = pf.internal_ports
    external = str(ext_first) if ext_first == ext_last else f"{ext_first}:{ext_last}"
    if int_first == int_last:
        internal = str(int_first)
    else:
        internal = f"{int_first}-{int_last}"
        if ext_first != ext_last:
            internal += f"/{ext_first}"
    return (f"-d {pf.floating_ip}/32 -p {pf.protocol} -m {pf.protocol} --dport {external} "
            f"-j DNAT --to-destination {pf.internal_ip}:{internal}")


def _first_mac(subnets: list[InternalLeg]) -> str | None:
    macs = sorted({s.mac.lower() for s in subnets if s.mac})
    return macs[0] if macs else None


def _check(spec: RouterSpec) -> None:
    """Every value ends up in restore text or netlink calls: refuse anything malformed."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}", spec.router_id):
        raise ValueError(f"bad router id {spec.router_id!r}")
    for leg in spec.internal:
        network = ipaddress.ip_network(leg.cidr, strict=False)
        if ipaddress.ip_address(leg.gateway_ip) not in network:
            raise ValueError(f"gateway {leg.gateway_ip} is not in {leg.cidr}")
        _hex(leg.network_id)
        _check_mac(leg.mac)
    if spec.external is not None:
        _check_mac(spec.external.mac)
        ipaddress.ip_interface(spec.external.address)
        if ipaddress.ip_interface(spec.external.address).version != 4:
            raise ValueError("the external address must be IPv4 (NAT is IPv4 only)")
        if spec.external.gateway_ip:
            ipaddress.IPv4Address(spec.external.gateway_ip)
        _hex(spec.external.network_id)
    elif spec.floating_ips:
        raise ValueError("floating IPs need an external gateway")
    for fip, fixed in spec.floating_ips:
        ipaddress.IPv4Address(fip)
        ipaddress.IPv4Address(fixed)
    if spec.port_forwardings and spec.external is None:
        raise ValueError("port forwardings need an external gateway")
    if spec.metadata_port is not None and not 1 <= spec.metadata_port <= 65535:
        raise ValueError(f"bad metadata port {spec.metadata_port}")
    for pf in spec.port_forwardings:
        ipaddress.IPv4Address(pf.floating_ip)
        ipaddress.IPv4Address(pf.internal_ip)
        if pf.protocol not in PORT_PROTOCOLS:
            raise ValueError(f"cannot forward ports of protocol {pf.protocol!r}")
        for first, last in (pf.external_ports, pf.internal_ports):
            if not 1 <= first <= last <= 65535:
                raise ValueError(f"bad port range {first}:{last}")
    for destination, nexthop in spec.routes:
        ipaddress.ip_network(destination, strict=False)
        ipaddress.ip_address(nexthop)


def _check_mac(mac: str | None) -> None:
    if mac is not None and not re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac.lower()):
        raise ValueError(f"bad MAC address {mac!r}")


def _hex(resource_id: str) -> str:
    value = resource_id.replace("-", "").lower()
    if len(value) < 11 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"{resource_id!r} is not a UUID")
    return value


def _host(cidr: str) -> str:
    return f"{ipaddress.ip_interface(cidr).ip}/32"


def _address_key(value: str) -> tuple[int, int, int]:
    iface = ipaddress.ip_interface(value)
    return iface.version, int(iface.ip), iface.network.prefixlen
