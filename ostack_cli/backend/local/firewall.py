"""Security groups as iptables rules, the way Neutron's iptables firewall driver lays them out.

Pure: frozen specs in, ``iptables-restore`` text out (``iptables.py`` applies it). The text
touches only ``ostack-*`` chains and is meant for ``iptables-restore --noflush``: declaring a
chain that exists flushes it (asserted on iptables-nft 1.8.9 by tests/host), so every apply
rebuilds every chain and nothing else.

Flow of a bridged packet (``br_netfilter`` must be on, see ``iptables.ensure_bridge_netfilter``)::

    FORWARD -> ostack-FORWARD -(physdev in/out a filtered tap)-> ostack-sg-chain
        ostack-sg-chain: -> ostack-i<port> (traffic to the guest), -> ostack-o<port> (from it)
        each port chain RETURNs what it allows, so a packet between two guests is checked by
        the sender's egress chain AND the receiver's ingress chain; then ostack-sg-chain ACCEPTs.
        ostack-o<port> first jumps to ostack-s<port>: only the port's MAC+IP pairs may leave.
    Unfiltered ports (port security off) are ACCEPTed after all filtered jumps, as Neutron
    does, so a filtered receiver still filters what an unfiltered sender sends it.

The hook ``FORWARD -j ostack-FORWARD`` (and ``INPUT -j ostack-INPUT``) is never part of this
text: ``iptables.ensure_hook`` installs it once (``-C`` then ``-I``).

ARP is not IP, so iptables never sees it: ``render_bridge_table`` adds an ebtables ``nat``
PREROUTING filter per port (as Neutron's linuxbridge ``arp_protect``): frames with another
source MAC and ARP claiming another IP are dropped before the bridge learns from them.
Not covered (as in Neutron's iptables driver): IPv6 neighbour advertisements for another
address, and per-network conntrack zones (overlapping CIDRs on one host share conntrack).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from ostack_cli.backend.local import names

CHAIN_PREFIX = f"{names.PREFIX}-"
FORWARD_CHAIN = f"{CHAIN_PREFIX}FORWARD"
INPUT_CHAIN = f"{CHAIN_PREFIX}INPUT"
SG_CHAIN = f"{CHAIN_PREFIX}sg-chain"
FALLBACK_CHAIN = f"{CHAIN_PREFIX}sg-fallback"
BRIDGE_CHAIN = f"{CHAIN_PREFIX}PREROUTING"  # ebtables nat
MAX_CHAIN = 28  # iptables' limit (XT_EXTENSION_MAXNAMELEN - 1)

# Chains this module creates per port; only these are ever removed as stale.
PORT_CHAIN_RE = re.compile(rf"^{re.escape(CHAIN_PREFIX)}[ios][0-9a-f]{{11}}$")
BRIDGE_PORT_CHAIN_RE = re.compile(rf"^{re.escape(CHAIN_PREFIX)}a[0-9a-f]{{11}}$")

Direction = Literal["ingress", "egress"]
Ethertype = Literal["IPv4", "IPv6"]
Family = Literal[4, 6]

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


# -- names --------------------------------------------------------------------------------


def port_key(port_id: str) -> str:
    key = port_id.replace("-", "").lower()[:11]
    if not re.fullmatch(r"[0-9a-f]{11}", key):
        raise ValueError(f"port id {port_id!r} is not a UUID")
    return key


def ingress_chain(port_id: str) -> str:
    return f"{CHAIN_PREFIX}i{port_key(port_id)}"


def egress_chain(port_id: str) -> str:
    return f"{CHAIN_PREFIX}o{port_key(port_id)}"


def spoof_chain(port_id: str) -> str:
    return f"{CHAIN_PREFIX}s{port_key(port_id)}"


def bridge_port_chain(port_id: str) -> str:
    return f"{CHAIN_PREFIX}a{port_key(port_id)}"


# -- iptables ------------------------------------------------------------------------------


def render_filter_table(
    ports: Iterable[PortFilter], *, family: Family = 4, existing_chains: Iterable[str] = ()
) -> str:
    """The ``*filter`` text for iptables (family 4) or ip6tables (family 6).

    ``existing_chains`` are the filter table's chain names now (``iptables.list_chains``):
    per-port chains among them that no port needs any more are flushed and deleted.
    """
    ordered = _checked(ports)
    filtered = [p for p in ordered if p.port_security]
    chains: dict[str, list[str]] = {
        FORWARD_CHAIN: [],
        INPUT_CHAIN: [],
        SG_CHAIN: [],
        FALLBACK_CHAIN: ["-j DROP"],
    }
    for port in filtered:
        dev = port.tap
        for chain, physdev in ((FORWARD_CHAIN, "out"), (FORWARD_CHAIN, "in")):
            chains[chain].append(
                f"-m physdev --physdev-{physdev} {dev} --physdev-is-bridged -j {SG_CHAIN}"
            )
        chains[SG_CHAIN].append(
            f"-m physdev --physdev-out {dev} --physdev-is-bridged -j {ingress_chain(port.port_id)}"
        )
        chains[SG_CHAIN].append(
            f"-m physdev --physdev-in {dev} --physdev-is-bridged -j {egress_chain(port.port_id)}"
        )
        # Traffic from the guest to the host itself is routed, not bridged: is-bridged is
        # false in INPUT, so match the bridge port alone there.
        chains[INPUT_CHAIN].append(
            f"-m physdev --physdev-in {dev} -j {egress_chain(port.port_id)}"
        )
        chains[ingress_chain(port.port_id)] = _ingress_rules(port, family)
        chains[egress_chain(port.port_id)] = _egress_rules(port, family)
        chains[spoof_chain(port.port_id)] = _spoof_rules(port, family)
    chains[SG_CHAIN].append("-j ACCEPT")
    for port in ordered:
        if not port.port_security:
            for physdev in ("out", "in"):
                chains[FORWARD_CHAIN].append(
                    f"-m physdev --physdev-{physdev} {port.tap} --physdev-is-bridged -j ACCEPT"
                )
    # Bridged traffic on ostack's bridges that no port filter took (router and DHCP legs,
    # the external network) passes even where FORWARD's policy is DROP (e.g. with Docker).
    chains[FORWARD_CHAIN].append(
        f"-o {names.DEVICE_PREFIX}br+ -m physdev --physdev-is-bridged -j ACCEPT"
    )
    stale = sorted(
        c for c in set(existing_chains) if PORT_CHAIN_RE.match(c) and c not in chains
    )
    lines = ["*filter"]
    lines += [f":{name} - [0:0]" for name in sorted(chains)]
    for name in sorted(chains):
        lines += [f"-A {name} {rule}" for rule in chains[name]]
    lines += [f"-F {name}" for name in stale]
    lines += [f"-X {name}" for name in stale]
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def _ingress_rules(port: PortFilter, family: Family) -> list[str]:
    fixed: list[str] = []
    if family == 6:
        fixed += [f"-p ipv6-icmp -m icmp6 --icmpv6-type {t} -j RETURN"
                  for t in _ICMPV6_INGRESS_TYPES]
    for server in port.dhcp_servers:
        if _version(server) == family:
            sport, dport = (67, 68) if family == 4 else (547, 546)
            fixed.append(f"-s {_host_cidr(server)} -p udp -m udp --sport {sport} "
                         f"--dport {dport} -j RETURN")
    return [*fixed, *_stateful(_sg_rules(port, "ingress", family))]


def _egress_rules(port: PortFilter, family: Family) -> list[str]:
    spoof = f"-j {spoof_chain(port.port_id)}"
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
    return [*fixed, *_stateful(_sg_rules(port, "egress", family))]


def _stateful(rules: list[str]) -> list[str]:
    return [
        "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
        "-m conntrack --ctstate INVALID -j DROP",
        *rules,
        f"-j {FALLBACK_CHAIN}",
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
    own = {_host_cidr(ip) for ip in port.fixed_ips}
    out: set[str] = set()
    for rule in port.rules:
        if rule.direction == direction and (4 if rule.ethertype == "IPv4" else 6) == family:
            # A port need not be let in by its own address (as Neutron skips it).
            out.update(line for member, line in _rule_lines(rule, family) if member not in own)
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


def render_bridge_table(ports: Iterable[PortFilter], *, existing_chains: Iterable[str] = ()) -> str:
    """The ebtables ``*nat`` text for ``ebtables-restore --noflush``: MAC and ARP anti-spoofing.

    The hook ``PREROUTING -j ostack-PREROUTING`` is installed apart (``iptables.ensure_hook``
    with family "eb"). All chains RETURN by policy so rules of others in PREROUTING still run.
    """
    filtered = [p for p in _checked(ports) if p.port_security]
    chains: dict[str, list[str]] = {BRIDGE_CHAIN: []}
    for port in filtered:
        chain = bridge_port_chain(port.port_id)
        chains[BRIDGE_CHAIN].append(f"-i {port.tap} -j {chain}")
        macs = list(dict.fromkeys([port.mac, *(_mac(m) for m, _ in port.allowed_address_pairs)]))
        arp: list[str] = []
        own = [(port.mac, ip) for ip in port.fixed_ips if _version(ip) == 4]
        pairs = [(_mac(m), _cidr(a)) for m, a in port.allowed_address_pairs if _version(a) == 4]
        for mac, address in dict.fromkeys([*pairs, *own]):
            ip = address.removesuffix("/32")
            arp.append(f"-p ARP -s {mac} --arp-ip-src {ip} --arp-mac-src {mac} -j RETURN")
        if not port.fixed_ips:
            arp += [f"-p ARP -s {port.mac} --arp-mac-src {port.mac} -j RETURN"]
        chains[chain] = [
            *arp,
            "-p ARP -j DROP",
            *(f"-s {mac} -j RETURN" for mac in macs),
            "-j DROP",
        ]
    stale = sorted(
        c for c in set(existing_chains) if BRIDGE_PORT_CHAIN_RE.match(c) and c not in chains
    )
    lines = ["*nat"]
    lines += [f":{name} RETURN" for name in sorted(chains)]
    for name in sorted(chains):
        lines += [f"-A {name} {rule}" for rule in chains[name]]
    lines += [f"-F {name}" for name in stale]
    lines += [f"-X {name}" for name in stale]
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


# -- applying only what changed -----------------------------------------------------------


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


def _checked(ports: Iterable[PortFilter]) -> list[PortFilter]:
    """Ports sorted by chain key, MACs in lower case (as iptables-save prints them)."""
    ordered = sorted(ports, key=lambda p: port_key(p.port_id))
    seen: set[str] = set()
    for port in ordered:
        key = port_key(port.port_id)
        if key in seen:
            raise ValueError(f"two ports share the chain key {key}")
        seen.add(key)
        if not _IFNAME_RE.match(port.tap):
            raise ValueError(f"bad device name {port.tap!r}")
        for ip in (*port.fixed_ips, *port.dhcp_servers):
            ipaddress.ip_address(ip)
    return [replace(p, mac=_mac(p.mac)) for p in ordered]


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
