"""Security groups as iptables rules, the way Neutron's iptables firewall driver lays them out,
plus the guard that keeps a store's guests and external networks off the host itself.

Pure: frozen specs in, ``iptables-restore`` text out (``iptables.py`` applies it). The text
touches only one store's chains (``ostack-<tag>-*``) and is meant for ``iptables-restore
--noflush``: declaring a chain that exists flushes it (asserted on iptables-nft 1.8.9 by
tests/host), so every apply rebuilds every chain of the store and nothing else.

Flow of a packet (``br_netfilter`` must be on, see ``iptables.ensure_bridge_netfilter``)::

    FORWARD -> ostack-<tag>-FORWARD:
        routed from a guest's tap: its source is checked (ostack-<tag>-s<port>) first;
        uplink opt-in: the external ranges may leave by the uplink (and come back);
        anything else the host would route from or into the store's bridges is dropped;
        bridged in/out of a filtered tap -> ostack-<tag>-sg-chain:
            -> ostack-<tag>-i<port> (to the guest), -> ostack-<tag>-o<port> (from it)
            each port chain RETURNs what it allows, so a packet between two guests is checked
            by the sender's egress chain AND the receiver's ingress chain; then ACCEPT.
            ostack-<tag>-o<port> first jumps to ostack-<tag>-s<port>: only the port's MAC+IP
            pairs may leave.
        unfiltered ports (port security off) are ACCEPTed after all filtered jumps;
        fail closed: any other tap of the store (a port whose filter is not in place) drops
        (what it exchanges with a filtered port is dropped by ebtables, see below);
        other bridged traffic on the store's bridges (router and DHCP legs) is accepted.
    INPUT -> ostack-<tag>-INPUT: replies to the host's own connections come back; new
        connections from the store's bridges to the host's own addresses are dropped unless
        the host access setting opts them in (then a guest's egress rules still apply).

The hooks (``FORWARD -j ostack-<tag>-FORWARD``, ``INPUT -j ostack-<tag>-INPUT`` and the
ebtables ones) are never part of this text: ``iptables.ensure_hook`` installs them once
(``-C`` then ``-I``).

ARP is not IP, so iptables never sees it: ``render_bridge_table`` adds an ebtables ``nat``
PREROUTING filter per port (as Neutron's linuxbridge ``arp_protect``): frames with another
source MAC and ARP claiming another IP are dropped before the bridge learns from them. It is
also where failing closed is complete: frames from a tap of the store with no filter are
dropped in PREROUTING, frames to one in POSTROUTING (``ostack-<tag>-POSTROUTING``), whatever
their type. iptables alone could not do it: a packet between a filtered port and a tap
without a filter is decided by the filtered port's chains, which end in ACCEPT.
Not covered (as in Neutron's iptables driver): IPv6 neighbour advertisements for another
address, and per-network conntrack zones (overlapping CIDRs on one host share conntrack).

Each port is checked on its own (``check_ports``): a port whose values cannot be rendered is
left out (its tap then drops everything) and reported; the other ports are unaffected.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from ostack_cli.backend.local import names
from ostack_cli.backend.local.names import HostNames

Direction = Literal["ingress", "egress"]
Ethertype = Literal["IPv4", "IPv6"]
Family = Literal[4, 6]
MAX_CHAIN = 28  # iptables' limit (XT_EXTENSION_MAXNAMELEN - 1)
PORT_KEY_DIGITS = 11
SHARED_DIGITS = 10

# Neutron's protocol names (neutron_lib.constants) and their numbers. Rules use numbers
# for all but the protocols that have their own match modules, so /etc/protocols spellings
# (which differ between distributions) never matter.
_PROTOCOL_NUMBERS = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "icmp": 1, "icmpv6": 58,
    "igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58,
    "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113,
    "rsvp": 46, "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112,
}
_NAMED = {6: "tcp", 17: "udp", 132: "sctp", 33: "dccp", 136: "udplite"}
_PORT_MATCH = {"tcp": "tcp", "udp": "udp", "sctp": "sctp", "dccp": "dccp"}
_MULTIPORT_ONLY = {"udplite"}  # no match module of its own: ports go through multiport

_MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_IFNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")

# ICMPv6 a guest needs before its address is verified, and into it (neighbour discovery,
# multicast listener discovery): Neutron's ICMPV6_ALLOWED_UNSPEC_ADDR_TYPES and
# ICMPV6_ALLOWED_INGRESS_TYPES.
_ICMPV6_UNSPEC_TYPES = (131, 135, 143)
_ICMPV6_INGRESS_TYPES = (130, 131, 132, 135, 136)
_ICMPV6_RA = 134


@dataclass(frozen=True, kw_only=True)
class RuleSpec:
    """One security group rule as it applies to one port.

    ``remote_addresses`` is None for a rule without a remote group, else the group's current
    members' addresses (the caller resolves groups); an empty tuple then matches nothing.
    """

    direction: Direction
    ethertype: Ethertype = "IPv4"
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_addresses: tuple[str, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class PortFilter:
    """What the firewall must know of one port: its device on the bridge and its rules.

    ``dhcp_servers`` are the addresses of the network's DHCP ports: their replies (udp
    67 -> 68) are allowed in, as Neutron's server adds that rule to every port.
    """

    port_id: str
    tap: str
    mac: str
    fixed_ips: tuple[str, ...] = ()
    port_security: bool = True
    rules: tuple[RuleSpec, ...] = ()
    allowed_address_pairs: tuple[tuple[str, str], ...] = ()  # (mac, ip or cidr)
    dhcp_servers: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ExternalRange:
    """An external network on the host: its bridge and the range its addresses come from."""

    bridge: str
    cidr: str


@dataclass(frozen=True, kw_only=True)
class HostGuard:
    """What a store's chains do besides the ports' filters.

    ``uplink``: the interface the external ranges may leave by (an explicit opt-in), else
    None. ``host_access``: whether guests and the external ranges may open connections to
    the host's own addresses (an explicit opt-in; off, only replies reach the host).
    """

    names: HostNames
    external: tuple[ExternalRange, ...] = ()
    uplink: str | None = None
    host_access: bool = False


# -- names --------------------------------------------------------------------------------


def port_key(port_id: str) -> str:
    return names.id_key(port_id, PORT_KEY_DIGITS)


@dataclass(frozen=True)
class StoreChains:
    """The names of one store's chains."""

    names: HostNames

    @property
    def prefix(self) -> str:
        return self.names.object_prefix

    @property
    def forward(self) -> str:
        return self.names.chain("FORWARD")

    @property
    def input(self) -> str:
        return self.names.chain("INPUT")

    @property
    def sg(self) -> str:
        return self.names.chain("sg-chain")

    @property
    def fallback(self) -> str:
        return self.names.chain("sg-fallback")

    @property
    def bridge(self) -> str:  # ebtables nat, frames from the taps
        return self.names.chain("PREROUTING")

    @property
    def bridge_out(self) -> str:  # ebtables nat, frames to the taps
        return self.names.chain("POSTROUTING")

    @property
    def uplink_nat(self) -> str:  # iptables nat, the opt-in masquerade
        return self.names.chain("uplink")

    def ingress(self, port_id: str) -> str:
        return f"{self.prefix}i{port_key(port_id)}"

    def egress(self, port_id: str) -> str:
        return f"{self.prefix}o{port_key(port_id)}"

    def spoof(self, port_id: str) -> str:
        return f"{self.prefix}s{port_key(port_id)}"

    def bridge_port(self, port_id: str) -> str:
        return f"{self.prefix}a{port_key(port_id)}"

    def shared_ingress(self, family: Family, lines: tuple[str, ...]) -> str:
        """The chain holding one set of ingress rules, named by its contents: every port
        whose groups give it the same rules jumps to the same chain."""
        digest = hashlib.sha1("\n".join(lines).encode()).hexdigest()[:SHARED_DIGITS]
        return f"{self.prefix}r{family}{digest}"

    @property
    def port_chain_re(self) -> re.Pattern[str]:
        """Chains made per port or per rule set; only these are ever removed as stale."""
        prefix = re.escape(self.prefix)
        return re.compile(rf"^{prefix}(?:[ios][0-9a-f]{{{PORT_KEY_DIGITS}}}"
                          rf"|r[46][0-9a-f]{{{SHARED_DIGITS}}})$")

    @property
    def bridge_port_chain_re(self) -> re.Pattern[str]:
        return re.compile(rf"^{re.escape(self.prefix)}a[0-9a-f]{{{PORT_KEY_DIGITS}}}$")

    def fixed_filter_chains(self) -> tuple[str, ...]:
        return (self.forward, self.input, self.sg, self.fallback)


# -- iptables ------------------------------------------------------------------------------


def render_filter_table(
    ports: Iterable[PortFilter],
    guard: HostGuard,
    *,
    family: Family = 4,
    existing_chains: Iterable[str] = (),
) -> str:
    """The store's ``*filter`` text for iptables (family 4) or ip6tables (family 6).

    ``ports`` must have passed ``check_ports``. ``existing_chains`` are the filter table's
    chain names now (``iptables.list_chains``): the store's per-port chains among them that
    no port needs any more are flushed and deleted.
    """
    names_ = StoreChains(guard.names)
    ordered = sorted(ports, key=lambda p: port_key(p.port_id))
    filtered = [p for p in ordered if p.port_security]
    bridges = guard.names.device_wildcard(names.BRIDGE)
    taps = guard.names.device_wildcard(names.TAP)
    forward: list[str] = []
    chains: dict[str, list[str]] = {
        names_.input: [],
        names_.sg: [],
        names_.fallback: ["-j DROP"],
    }
    shared = _SharedIngress(names_, family)
    for port in filtered:
        chains[names_.ingress(port.port_id)] = _ingress_rules(port, family, names_,
                                                              shared.chain_of(port))
        chains[names_.egress(port.port_id)] = _egress_rules(port, family, names_)
        chains[names_.spoof(port.port_id)] = _spoof_rules(port, family)
    chains.update(shared.chains)
    # Routed by the host from a guest (sent to the bridge's own MAC): at least its source
    # must be the guest's own before anything below may let it through.
    forward += [f"-m physdev --physdev-in {p.tap} ! --physdev-is-bridged "
                f"-j {names_.spoof(p.port_id)}" for p in filtered]
    if guard.uplink and family == 4:
        for ext in sorted(guard.external, key=lambda e: e.bridge):
            cidr = _cidr(ext.cidr)
            forward += [
                f"-s {cidr} -i {ext.bridge} -o {guard.uplink} -j ACCEPT",
                f"-d {cidr} -i {guard.uplink} -o {ext.bridge} "
                "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            ]
    # The host routes nothing from or into the store's bridges: guests and the external
    # ranges reach each other only through routers, which are namespaces of their own.
    forward += [
        f"-i {bridges} -m physdev ! --physdev-is-bridged -j DROP",
        f"-o {bridges} -m physdev ! --physdev-is-bridged -j DROP",
    ]
    for port in filtered:
        forward += [
            f"-m physdev --physdev-out {port.tap} --physdev-is-bridged -j {names_.sg}",
            f"-m physdev --physdev-in {port.tap} --physdev-is-bridged -j {names_.sg}",
        ]
    # The sender's egress chains first, the receiver's ingress chains last: an ingress rule
    # set may then ACCEPT outright (what lets ports share one), the egress check being done.
    chains[names_.sg] += [f"-m physdev --physdev-in {p.tap} --physdev-is-bridged "
                          f"-j {names_.egress(p.port_id)}" for p in filtered]
    chains[names_.sg] += [f"-m physdev --physdev-out {p.tap} --physdev-is-bridged "
                          f"-j {names_.ingress(p.port_id)}" for p in filtered]
    chains[names_.sg].append("-j ACCEPT")
    for port in ordered:
        if not port.port_security:
            forward += [
                f"-m physdev --physdev-out {port.tap} --physdev-is-bridged -j ACCEPT",
                f"-m physdev --physdev-in {port.tap} --physdev-is-bridged -j ACCEPT",
            ]
    # Fail closed: a tap of the store whose port has no filter in place carries nothing.
    forward += [f"-m physdev --physdev-in {taps} -j DROP",
                f"-m physdev --physdev-out {taps} -j DROP"]
    # Other bridged traffic on the store's bridges (router and DHCP legs, the external
    # network) passes even where FORWARD's policy is DROP (e.g. with Docker).
    forward.append(f"-o {bridges} -m physdev --physdev-is-bridged -j ACCEPT")
    chains[names_.forward] = forward
    # The host itself: replies to its own connections (a ping of a floating IP) come back;
    # whatever else comes from the store's bridges is checked against the sender's egress
    # rules, and dropped unless the host access setting opts new connections in.
    host_in = [f"-i {bridges} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN"]
    host_in += [f"-m physdev --physdev-in {p.tap} -j {names_.egress(p.port_id)}"
                for p in filtered]
    if not guard.host_access:
        host_in.append(f"-i {bridges} -j DROP")
    chains[names_.input] = host_in
    stale = sorted(
        c for c in set(existing_chains) if names_.port_chain_re.match(c) and c not in chains
    )
    return _table("filter", chains, stale, "- [0:0]")


def render_uplink_nat(guard: HostGuard) -> str:
    """The store's part of the host's ``*nat`` table: the opt-in masquerade to the uplink."""
    chain = StoreChains(guard.names).uplink_nat
    rules = [f"-s {_cidr(e.cidr)} -o {guard.uplink} -j MASQUERADE"
             for e in sorted(guard.external, key=lambda e: e.bridge)] if guard.uplink else []
    return _table("nat", {chain: rules}, [], "- [0:0]")


def _table(table: str, chains: dict[str, list[str]], stale: list[str], policy: str) -> str:
    lines = [f"*{table}"]
    lines += [f":{name} {policy}" for name in sorted(chains)]
    for name in sorted(chains):
        lines += [f"-A {name} {rule}" for rule in chains[name]]
    lines += [f"-F {name}" for name in stale]
    lines += [f"-X {name}" for name in stale]
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


class _SharedIngress:
    """The ingress rule sets of one render, each made once and named by its contents.

    Ports of one group carry one rules tuple (``reconcile.desired`` builds it once): its
    lines are rendered once per render, not once per port.
    """

    def __init__(self, names_: StoreChains, family: Family) -> None:
        self.names = names_
        self.family = family
        self.chains: dict[str, list[str]] = {}
        self._by_rules: dict[int, tuple[tuple[RuleSpec, ...], str | None]] = {}

    def chain_of(self, port: PortFilter) -> str | None:
        known = self._by_rules.get(id(port.rules))
        if known is not None and known[0] is port.rules:
            return known[1]
        lines = tuple(_sg_rules(port, "ingress", self.family))
        name = None
        if lines:
            name = self.names.shared_ingress(self.family, lines)
            self.chains[name] = [line.removesuffix("-j RETURN") + "-j ACCEPT"
                                 for line in lines]
        self._by_rules[id(port.rules)] = (port.rules, name)
        return name


def shared_ingress_chain(port: PortFilter, family: Family, guard: HostGuard) -> str | None:
    """The rule-set chain a port's ingress chain jumps to, if it has ingress rules."""
    lines = tuple(_sg_rules(port, "ingress", family))
    return StoreChains(guard.names).shared_ingress(family, lines) if lines else None


def _ingress_rules(
    port: PortFilter, family: Family, chains: StoreChains, rule_set: str | None = None
) -> list[str]:
    fixed: list[str] = []
    if family == 6:
        fixed += [f"-p ipv6-icmp -m icmp6 --icmpv6-type {t} -j RETURN"
                  for t in _ICMPV6_INGRESS_TYPES]
    for server in port.dhcp_servers:
        if _version(server) == family:
            sport, dport = (67, 68) if family == 4 else (547, 546)
            fixed.append(f"-s {_host_cidr(server)} -p udp -m udp --sport {sport} "
                         f"--dport {dport} -j RETURN")
    jump = [f"-j {rule_set}"] if rule_set else []
    return [*fixed, *_stateful(jump, chains)]


def _egress_rules(port: PortFilter, family: Family, chains: StoreChains) -> list[str]:
    spoof = f"-j {chains.spoof(port.port_id)}"
    if family == 4:
        fixed = [
            # DHCP discover/request before the guest has an address.
            "-s 0.0.0.0/32 -d 255.255.255.255/32 -p udp -m udp --sport 68 --dport 67 -j RETURN",
            spoof,
            "-p udp -m udp --sport 68 --dport 67 -j RETURN",
            # A guest must not answer other guests' DHCP requests.
            "-p udp -m udp --sport 67 --dport 68 -j DROP",
        ]
    else:
        fixed = [
            *(f"-s ::/128 -d ff02::/16 -p ipv6-icmp -m icmp6 --icmpv6-type {t} -j RETURN"
              for t in _ICMPV6_UNSPEC_TYPES),
            spoof,
            f"-p ipv6-icmp -m icmp6 --icmpv6-type {_ICMPV6_RA} -j DROP",
            "-p ipv6-icmp -j RETURN",
            "-p udp -m udp --sport 546 --dport 547 -j RETURN",
            "-p udp -m udp --sport 547 --dport 546 -j DROP",
        ]
    return [*fixed, *_stateful(_sg_rules(port, "egress", family), chains)]


def _stateful(rules: list[str], chains: StoreChains) -> list[str]:
    return [
        "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
        "-m conntrack --ctstate INVALID -j DROP",
        *rules,
        f"-j {chains.fallback}",
    ]


def _spoof_rules(port: PortFilter, family: Family) -> list[str]:
    pairs: list[tuple[str, str | None]] = []
    for mac, address in port.allowed_address_pairs:
        if _version(address) == family:
            pairs.append((_mac(mac), _cidr(address)))
    own = [ip for ip in port.fixed_ips if _version(ip) == family]
    pairs += [(port.mac, _host_cidr(ip)) for ip in own]
    if family == 6:
        pairs.append((port.mac, f"{_link_local(port.mac)}/128"))
    if not port.fixed_ips:
        pairs.append((port.mac, None))  # no address yet: the MAC alone is checked
    rules: list[str] = []
    for mac, cidr in dict.fromkeys(pairs):
        source = f"-s {cidr} " if cidr else ""
        rules.append(f"{source}-m mac --mac-source {mac} -j RETURN")
    return [*rules, "-j DROP"]


def _sg_rules(port: PortFilter, direction: Direction, family: Family) -> list[str]:
    """The port's rules for one direction and family. A remote group's member that is the
    port itself is kept (Neutron skips it): harmless, and it keeps the rules of all ports of
    a group the same, so that they share one chain."""
    out: set[str] = set()
    for rule in port.rules:
        if rule.direction == direction and (4 if rule.ethertype == "IPv4" else 6) == family:
            out.update(line for _, line in _rule_lines(rule, family))
    return sorted(out)


@functools.lru_cache(maxsize=4096)
def _rule_lines(rule: RuleSpec, family: Family) -> tuple[tuple[str | None, str], ...]:
    """A rule's lines, each with the remote group member it is for (None: not a group rule).

    Cached: every port of a group carries the same rules, and parsing addresses dominates.
    """
    match = _protocol_args(rule, family)
    flag = "-s" if rule.direction == "ingress" else "-d"
    if rule.remote_addresses is not None:
        members = [_host_cidr(a) for a in rule.remote_addresses if _version(a) == family]
        return tuple((m, f"{flag} {m} {match}-j RETURN") for m in sorted(set(members)))
    if rule.remote_ip_prefix:
        if _version(rule.remote_ip_prefix) != family:
            return ()
        net = _cidr(rule.remote_ip_prefix)
        if not net.endswith("/0"):  # an allow-all prefix is no constraint
            return ((None, f"{flag} {net} {match}-j RETURN"),)
    return ((None, f"{match}-j RETURN"),)


def _protocol_args(rule: RuleSpec, family: Family) -> str:
    protocol = _protocol(rule.protocol, family)
    if protocol is None:
        return ""
    low, high = rule.port_range_min, rule.port_range_max
    for value in (low, high):
        if value is not None and not 0 <= value <= 65535:
            raise ValueError(f"port or ICMP value {value} is out of range")
    if protocol in ("icmp", "ipv6-icmp"):
        if low is None:
            return f"-p {protocol} "
        code = f"/{high}" if high is not None else ""
        if protocol == "icmp":
            return f"-p icmp -m icmp --icmp-type {low}{code} "
        return f"-p ipv6-icmp -m icmp6 --icmpv6-type {low}{code} "
    if low is None or (protocol not in _PORT_MATCH and protocol not in _MULTIPORT_ONLY):
        return f"-p {protocol} "
    ports = str(low) if high is None or high == low else f"{low}:{high}"
    if protocol in _MULTIPORT_ONLY:
        return f"-p {protocol} -m multiport --dports {ports} "
    return f"-p {protocol} -m {_PORT_MATCH[protocol]} --dport {ports} "


def _protocol(protocol: str | None, family: Family) -> str | None:
    if protocol is None or protocol.lower() in ("", "any", "0"):
        return None
    name = protocol.lower()
    if name.isdigit():
        number = int(name)
        if not 0 <= number <= 255:
            raise ValueError(f"protocol {protocol!r} is out of range")
    elif name in _PROTOCOL_NUMBERS:
        number = _PROTOCOL_NUMBERS[name]
    else:
        raise ValueError(f"unknown protocol {protocol!r}")
    if number in (1, 58):  # Neutron reads legacy "icmp" in an IPv6 rule as ICMPv6
        return "icmp" if family == 4 else "ipv6-icmp"
    return _NAMED.get(number, str(number))


# -- ebtables ------------------------------------------------------------------------------


def render_bridge_table(
    ports: Iterable[PortFilter], guard: HostGuard, *, existing_chains: Iterable[str] = ()
) -> str:
    """The store's ebtables ``*nat`` text for ``ebtables-restore --noflush``: MAC and ARP
    anti-spoofing, and frames from or to a tap without a filter dropped.

    The hooks ``PREROUTING -j ostack-<tag>-PREROUTING`` and ``POSTROUTING -j
    ostack-<tag>-POSTROUTING`` are installed apart (``iptables.ensure_hook`` with family
    "eb"). All chains RETURN by policy so rules of others in those chains still run.
    ``ports`` must have passed ``check_ports``.
    """
    names_ = StoreChains(guard.names)
    ordered = sorted(ports, key=lambda p: port_key(p.port_id))
    taps = guard.names.device_wildcard(names.TAP)
    chains: dict[str, list[str]] = {names_.bridge: []}
    # Every port in the text has its filter in place (or needs none): frames may reach its
    # tap. Any other tap of the store gets nothing, not even ARP or a flooded broadcast.
    chains[names_.bridge_out] = [*(f"-o {port.tap} -j RETURN" for port in ordered),
                                 f"-o {taps} -j DROP"]
    for port in ordered:
        if not port.port_security:
            chains[names_.bridge].append(f"-i {port.tap} -j RETURN")
            continue
        chain = names_.bridge_port(port.port_id)
        # What the port's chain lets through RETURNs here, to the rule after the jump: it
        # must leave at once, or the fail-closed DROP below would take it too.
        chains[names_.bridge] += [f"-i {port.tap} -j {chain}", f"-i {port.tap} -j RETURN"]
        chains[chain] = _bridge_port_rules(port)
    chains[names_.bridge].append(f"-i {taps} -j DROP")
    stale = sorted(
        c for c in set(existing_chains)
        if names_.bridge_port_chain_re.match(c) and c not in chains
    )
    return _table("nat", chains, stale, "RETURN")


def _bridge_port_rules(port: PortFilter) -> list[str]:
    macs = list(dict.fromkeys([port.mac, *(_mac(m) for m, _ in port.allowed_address_pairs)]))
    arp: list[str] = []
    own = [(port.mac, ip) for ip in port.fixed_ips if _version(ip) == 4]
    pairs = [(_mac(m), _cidr(a)) for m, a in port.allowed_address_pairs if _version(a) == 4]
    for mac, address in dict.fromkeys([*pairs, *own]):
        ip = address.removesuffix("/32")
        arp.append(f"-p ARP -s {mac} --arp-ip-src {ip} --arp-mac-src {mac} -j RETURN")
    if not port.fixed_ips:
        arp += [f"-p ARP -s {port.mac} --arp-mac-src {port.mac} -j RETURN"]
    return [
        *arp,
        "-p ARP -j DROP",
        *(f"-s {mac} -j RETURN" for mac in macs),
        "-j DROP",
    ]


# -- applying only what changed -----------------------------------------------------------


def ruleset_digest(rendered: str) -> str:
    """A fingerprint of one table's rendered text, its chains and rules only: the ``-F``/``-X``
    lines of stale chains (which depend on what the table held before) do not count, so a
    render with ``existing_chains`` and one without compare equal. Equal digests, equal
    rules: the firewall-only converge skips a table whose digest is the one last applied."""
    kept = [line for line in rendered.splitlines() if not line.startswith(("-F ", "-X "))]
    return hashlib.sha256("\n".join(kept).encode()).hexdigest()[:32]


def changes_only(rendered: str, saved: str) -> str | None:
    """Cut ``rendered`` (one table) down to the chains whose rules differ from ``saved``.

    ``saved`` is ``*-save`` output of the same table now. The renderers write rules exactly as
    iptables-save/ebtables-save print them (tests/host asserts it), so an unchanged chain
    compares equal and is left alone; a chain printed differently is merely rewritten. Stale
    chains' ``-F``/``-X`` lines are kept. None when nothing at all would change.
    """
    want_decl, want = _table_chains(rendered)
    _, have = _table_chains(saved)
    changed = [name for name in want_decl if want.get(name, []) != have.get(name)]
    lines = rendered.splitlines()
    tail = [line for line in lines if line.startswith(("-F ", "-X "))]
    if not changed and not tail:
        return None
    out = [lines[0]]
    out += [want_decl[name] for name in changed]
    for name in changed:
        out += want.get(name, [])
    return "\n".join([*out, *tail, "COMMIT"]) + "\n"


def diff_table(rendered: str, saved: str) -> tuple[str | None, dict[str, bool]]:
    """``changes_only`` and ``lost_rules`` at once, each text parsed once."""
    want_decl, want = _table_chains(rendered)
    _, have = _table_chains(saved)
    changed = [name for name in want_decl if want.get(name, []) != have.get(name)]
    lines = rendered.splitlines()
    tail = [line for line in lines if line.startswith(("-F ", "-X "))]
    # Ports of one group jump to one rule set the same way: each is expanded once per side.
    have_sets: dict[tuple[str, str], set[str]] = {}
    want_sets: dict[tuple[str, str], set[str]] = {}
    lost = {name: bool(_expanded(have.get(name, []), have, have_sets)
                       - _expanded(want.get(name, []), want, want_sets))
            for name in changed}
    if not changed and not tail:
        return None, lost
    out = [lines[0], *(want_decl[name] for name in changed)]
    for name in changed:
        out += want.get(name, [])
    return "\n".join([*out, *tail, "COMMIT"]) + "\n", lost


_JUMP_RE = re.compile(r"^-A (\S+) (.*)-j (\S+)$")
# A rule set of any store (names.object_prefix + r + family + digest).
_SHARED_RE = re.compile(rf"^{names.PREFIX}-[0-9a-f]+-r[46][0-9a-f]{{{SHARED_DIGITS}}}$")


def _expanded(lines: list[str], table: dict[str, list[str]],
              sets: dict[tuple[str, str], set[str]]) -> set[str]:
    """A chain's rules, each jump to a rule-set chain replaced by what that chain holds
    (``sets``: the expansions made so far, by the jump's matches and its target).

    A port that moves to another rule set loses its old jump line; it lost nothing unless
    the old set held a rule the new one does not.
    """
    out: set[str] = set()
    for line in lines:
        match = _JUMP_RE.match(line)
        target = match.group(3) if match else ""
        if match and _SHARED_RE.match(target) and target in table:
            key = (match.group(2), target)
            if key not in sets:
                sets[key] = {f"{key[0]}{rule.split(' ', 2)[2]}" for rule in table[target]}
            out |= sets[key]
        else:
            out.add(line.split(" ", 2)[2] if line.startswith("-A ") else line)
    return out


def lost_rules(rendered: str, saved: str) -> dict[str, bool]:
    """For each chain whose rules ``rendered`` changes: whether it takes a rule away.

    A chain that loses a rule may no longer allow connections conntrack still lets through
    (``-m conntrack --ctstate ESTABLISHED``): their entries must go.
    """
    _, want = _table_chains(rendered)
    _, have = _table_chains(saved)
    return {
        name: bool(set(have.get(name, [])) - set(rules))
        for name, rules in want.items()
        if rules != have.get(name)
    }


def _table_chains(text: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    declared: dict[str, str] = {}
    rules: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith(":"):
            name = line[1:].split()[0]
            declared[name] = line
            rules.setdefault(name, [])
        elif line.startswith("-A "):
            rules.setdefault(line.split()[1], []).append(line.strip())
    return declared, rules


# -- validation: everything below ends up in restore text, so nothing may smuggle a line in --


def check_ports(
    ports: Iterable[PortFilter], guard: HostGuard
) -> tuple[list[PortFilter], dict[str, str]]:
    """The ports that render (sorted by chain key, MACs in lower case as iptables-save
    prints them), and why each other one does not.

    Everything a port contributes is checked the way the renderers will use it (its own
    values rendered, each of its rules rendered once per rule, not per port), so one bad
    value (an address pair that is no address, an unknown protocol) leaves out that port
    alone.
    """
    good: list[PortFilter] = []
    failed: dict[str, str] = {}
    keys: set[str] = set()
    for port in sorted(ports, key=lambda p: p.port_id):
        try:
            key = port_key(port.port_id)
            if key in keys:
                raise ValueError(f"another port of this store shares the chain key {key}")
            if not _IFNAME_RE.match(port.tap):
                raise ValueError(f"bad device name {port.tap!r}")
            checked = replace(port, mac=_mac(port.mac))
            for ip in (*checked.fixed_ips, *checked.dhcp_servers):
                ipaddress.ip_address(ip)
            for family in (4, 6):
                _spoof_rules(checked, family)
                for rule in checked.rules:
                    _rule_lines(rule, family)  # cached: a group's rules are checked once
            _bridge_port_rules(checked)
        except (ValueError, TypeError, KeyError) as exc:
            failed[port.port_id] = f"its firewall cannot be rendered: {exc}"
            continue
        keys.add(key)
        good.append(checked)
    return sorted(good, key=lambda p: port_key(p.port_id)), failed


def _mac(mac: str) -> str:
    value = mac.lower()
    if not _MAC_RE.match(value):
        raise ValueError(f"bad MAC address {mac!r}")
    return value


@functools.lru_cache(maxsize=4096)
def _version(address: str) -> int:
    return ipaddress.ip_network(address, strict=False).version


@functools.lru_cache(maxsize=4096)
def _cidr(address: str) -> str:
    """A network in the form iptables-save prints (host bits cleared, prefix always)."""
    return str(ipaddress.ip_network(address, strict=False))


@functools.lru_cache(maxsize=4096)
def _host_cidr(address: str) -> str:
    ip = ipaddress.ip_address(address)
    return f"{ip}/{ip.max_prefixlen}"


def _link_local(mac: str) -> str:
    """The EUI-64 link-local address a guest derives from its MAC (RFC 4291 appendix A)."""
    octets = [int(part, 16) for part in _mac(mac).split(":")]
    octets[0] ^= 0x02
    eui = [*octets[:3], 0xFF, 0xFE, *octets[3:]]
    return str(ipaddress.IPv6Address(bytes([0xFE, 0x80, *[0] * 6, *eui])))
