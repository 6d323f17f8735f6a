"""Security groups in the real kernel: traffic between guest namespaces on one bridge.

Every assertion is about packets really arriving or really dropped, through
``iptables.apply_firewall`` inside the sandbox namespace that plays the host.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import time
import uuid

from ostack_cli.backend.local import firewall, iptables
from ostack_cli.backend.local.firewall import HostGuard, PortFilter, RuleSpec
from ostack_cli.backend.local.names import HostNames
from tests.host.conftest import HELPERS, Guest, Sandbox, in_ns, wait_until

ICMP_IN = RuleSpec(direction="ingress", protocol="icmp")
EGRESS_ALL = (RuleSpec(direction="egress"), RuleSpec(direction="egress", ethertype="IPv6"))


def port(guest: Guest, *rules: RuleSpec, **changes: object) -> PortFilter:
    fixed = (guest.ip, guest.ip6) if guest.ip6 else (guest.ip,)
    spec = PortFilter(port_id=guest.port_id, tap=guest.tap, mac=guest.mac, fixed_ips=fixed,
                      rules=(*EGRESS_ALL, *rules))
    return dataclasses.replace(spec, **changes)  # type: ignore[arg-type]


def three_guests(box: Sandbox) -> tuple[Guest, Guest, Guest]:
    bridge = box.bridge()
    return (box.guest(bridge, "10.0.0.11/24"), box.guest(bridge, "10.0.0.12/24"),
            box.guest(bridge, "10.0.0.13/24"))


def test_icmp_is_dropped_until_a_rule_allows_it_and_again_after_its_removal(
    sandbox: Sandbox,
) -> None:
    a, b, _ = three_guests(sandbox)
    assert b.reaches(a.ip), "no filter yet: the bridge passes everything"
    sandbox.sync([port(a), port(b)])
    assert b.cannot_reach(a.ip)
    assert a.cannot_reach(b.ip), "b has no ingress rule either"
    sandbox.sync([port(a, ICMP_IN), port(b)])
    assert b.reaches(a.ip)
    sandbox.sync([port(a), port(b)])
    assert b.cannot_reach(a.ip)


def test_icmp_type_rule_allows_echo_request_only(sandbox: Sandbox) -> None:
    a, b, _ = three_guests(sandbox)
    echo = RuleSpec(direction="ingress", protocol="icmp", port_range_min=8, port_range_max=0)
    other = RuleSpec(direction="ingress", protocol="icmp", port_range_min=13)
    sandbox.sync([port(a, other), port(b)])
    assert b.cannot_reach(a.ip)
    sandbox.sync([port(a, echo), port(b)])
    assert b.reaches(a.ip)


def test_tcp_port_range(sandbox: Sandbox) -> None:
    a, b, _ = three_guests(sandbox)
    for listen in ("8005", "8010", "8011"):
        sandbox.spawn(a.namespace, "tcp-serve", listen)
    web = RuleSpec(direction="ingress", protocol="tcp", port_range_min=8000,
                   port_range_max=8010)
    sandbox.sync([port(a, web), port(b)])
    assert sandbox.connect(b.namespace, a.ip, "8005", expect=b.ip) == b.ip
    assert sandbox.connect(b.namespace, a.ip, "8010", expect=b.ip) == b.ip
    assert sandbox.client(b.namespace, "tcp-connect", a.ip, "8011") is None
    assert b.cannot_reach(a.ip)


def test_remote_group_lets_members_in_and_no_one_else(sandbox: Sandbox) -> None:
    a, b, c = three_guests(sandbox)
    members = RuleSpec(direction="ingress", protocol="icmp", remote_addresses=(a.ip, b.ip))
    sandbox.sync([port(a, members), port(b), port(c)])
    assert b.reaches(a.ip)
    assert c.cannot_reach(a.ip)
    # c joins the group: the caller passes the new member list, and it applies at once.
    joined = dataclasses.replace(members, remote_addresses=(a.ip, b.ip, c.ip))
    sandbox.sync([port(a, joined), port(b), port(c)])
    assert c.reaches(a.ip)


def test_remote_cidr(sandbox: Sandbox) -> None:
    a, b, c = three_guests(sandbox)
    only_b = RuleSpec(direction="ingress", protocol="icmp", remote_ip_prefix=f"{b.ip}/32")
    sandbox.sync([port(a, only_b), port(b), port(c)])
    assert b.reaches(a.ip)
    assert c.cannot_reach(a.ip)


def test_egress_restriction(sandbox: Sandbox) -> None:
    a, b, _ = three_guests(sandbox)
    sandbox.spawn(b.namespace, "tcp-serve", "8080")
    sandbox.spawn(b.namespace, "tcp-serve", "8081")
    open_b = port(b, ICMP_IN, RuleSpec(direction="ingress", protocol="tcp"))
    only_8080 = RuleSpec(direction="egress", protocol="tcp", port_range_min=8080,
                         port_range_max=8080, remote_ip_prefix="10.0.0.0/24")
    sandbox.sync([port(a, rules=(only_8080,)), open_b])
    assert sandbox.connect(a.namespace, b.ip, "8080", expect=a.ip) == a.ip
    assert sandbox.client(a.namespace, "tcp-connect", b.ip, "8081") is None
    assert a.cannot_reach(b.ip)
    sandbox.sync([port(a, rules=()), open_b])  # no egress rule at all: nothing leaves
    assert sandbox.client(a.namespace, "tcp-connect", b.ip, "8080") is None
    sandbox.sync([port(a), open_b])
    assert a.reaches(b.ip)


def test_a_guest_cannot_send_from_another_ip(sandbox: Sandbox) -> None:
    a, b, _ = three_guests(sandbox)
    a.run("ip", "addr", "add", "10.0.0.50/24", "dev", "eth0")
    sandbox.sync([port(a), port(b, ICMP_IN)])
    assert a.reaches(b.ip, source=a.ip)
    assert a.cannot_reach(b.ip, source="10.0.0.50")
    # Control: with port security off, the same packets pass.
    sandbox.sync([port(a, port_security=False), port(b, ICMP_IN)])
    assert a.reaches(b.ip, source="10.0.0.50")


def test_a_guest_cannot_send_with_another_mac(sandbox: Sandbox) -> None:
    a, b, _ = three_guests(sandbox)
    sandbox.sync([port(a), port(b, ICMP_IN)])
    assert a.reaches(b.ip)
    a.run("ip", "link", "set", "eth0", "address", "fa:16:3e:99:99:99")
    in_ns(b.namespace, "ip", "neigh", "flush", "dev", "eth0")
    assert a.cannot_reach(b.ip)
    sandbox.sync([port(a, port_security=False), port(b, ICMP_IN)])  # control
    assert a.reaches(b.ip)


def test_a_guest_cannot_claim_another_guests_address_by_arp(sandbox: Sandbox) -> None:
    a, b, c = three_guests(sandbox)
    in_ns(c.namespace, "sysctl", "-q", "-w", "net.ipv4.neigh.eth0.locktime=0")
    all_in = RuleSpec(direction="ingress")

    def c_thinks_b_is_at() -> str:
        out = in_ns(c.namespace, "ip", "neigh", "show", b.ip, "dev", "eth0").stdout.split()
        return out[out.index("lladdr") + 1] if "lladdr" in out else ""

    def spoof() -> None:
        sandbox.client(a.namespace, "arp-reply", "eth0", a.mac, b.ip, c.mac, c.ip)

    sandbox.sync([port(a, all_in), port(b, all_in), port(c, all_in)])
    assert c.reaches(b.ip) and c_thinks_b_is_at() == b.mac
    spoof()
    assert not wait_until(lambda: c_thinks_b_is_at() == a.mac, timeout=0.5)
    assert c.reaches(b.ip)
    # Control: the same spoof from a port without port security poisons c's ARP cache.
    sandbox.sync([port(a, port_security=False), port(b, all_in), port(c, all_in)])
    spoof()
    assert wait_until(lambda: c_thinks_b_is_at() == a.mac, timeout=2)


def test_dhcp_server_replies_from_a_guest_are_dropped(sandbox: Sandbox) -> None:
    a, b, _ = three_guests(sandbox)
    udp_in = RuleSpec(direction="ingress", protocol="udp")
    sandbox.sync([port(a), port(b, udp_in)])
    listener = sandbox.spawn(b.namespace, "udp-listen", "68", "1.5")
    sandbox.client(a.namespace, "udp-send", b.ip, "68", "67")  # a DHCP server reply
    sandbox.client(a.namespace, "udp-send", b.ip, "68", "6700")  # control: any other port
    out, _ = listener.communicate(timeout=5)
    assert out.split() == [f"{a.ip}:6700"]


def test_dhcp_replies_from_the_networks_dhcp_server_are_let_in(sandbox: Sandbox) -> None:
    network_id = str(uuid.uuid4())
    bridge = sandbox.bridge(network_id)
    # Plays the network's DHCP port: plugged by a DHCP leg, which is no tap and not filtered.
    server = sandbox.guest(bridge, "10.0.0.2/24", device=sandbox.names.dhcp_leg(network_id))
    b = sandbox.guest(bridge, "10.0.0.12/24")
    other = sandbox.guest(bridge, "10.0.0.3/24")
    sandbox.sync([port(b, dhcp_servers=("10.0.0.2",)), port(other, port_security=False)])
    listener = sandbox.spawn(b.namespace, "udp-listen", "68", "1.5")
    sandbox.client(server.namespace, "udp-send", b.ip, "68", "67")
    sandbox.client(other.namespace, "udp-send", b.ip, "68", "67")
    out, _ = listener.communicate(timeout=5)
    assert out.split() == [f"{server.ip}:67"]


def test_port_without_port_security_passes_everything(sandbox: Sandbox) -> None:
    a, b, _ = three_guests(sandbox)
    sandbox.sync([port(a, port_security=False, rules=()), port(b)])
    assert b.reaches(a.ip), "a has no rules, but no port security either"
    assert a.cannot_reach(b.ip), "b is still filtered: a's traffic meets b's ingress chain"


def test_ipv6_rules_and_neighbour_discovery(sandbox: Sandbox) -> None:
    bridge = sandbox.bridge()
    a = sandbox.guest(bridge, "10.0.0.11/24", ip6_cidr="2001:db8::11/64")
    b = sandbox.guest(bridge, "10.0.0.12/24", ip6_cidr="2001:db8::12/64")
    assert a.ip6 and b.ip6
    icmp6 = RuleSpec(direction="ingress", ethertype="IPv6", protocol="ipv6-icmp")
    sandbox.sync([port(a), port(b)])
    assert a.cannot_reach(b.ip6)
    sandbox.sync([port(a), port(b, icmp6)])
    assert a.reaches(b.ip6)
    assert a.cannot_reach(b.ip), "an IPv6 rule does not open IPv4"
    a.run("ip", "-6", "addr", "add", "2001:db8::50/64", "dev", "eth0", "nodad")
    assert a.cannot_reach(b.ip6, source="2001:db8::50")


# -- failing closed ------------------------------------------------------------------------


def _static_neighbours(*guests: Guest) -> None:
    """Every guest knows every other's MAC: IPv4 frames leave without waiting for ARP."""
    for guest in guests:
        for other in guests:
            if other is not guest:
                guest.run("ip", "neigh", "replace", other.ip, "lladdr", other.mac, "dev",
                          "eth0", "nud", "permanent")


def _frames(sandbox: Sandbox, listener: Guest, senders: list[tuple[Guest, str]]) -> list[str]:
    """``source-MAC ethertype`` of every frame ``listener`` receives while each sender pings
    (its ARP requests, or IPv4 at once with static neighbours) and broadcasts a datagram."""
    sniffer = sandbox.watch(listener.namespace, sys.executable, HELPERS, "sniff", "eth0", "60")
    assert wait_until(lambda: sniffer.times("^ready$"), timeout=5)
    for sender, target in senders:
        sender.ping(target)
        sandbox.client(sender.namespace, "udp-send", "10.0.0.255", "9999", "9999")
    time.sleep(0.5)  # what was sent last has long arrived
    return [line for line in sniffer.stop() if line != "ready"]


def test_a_tap_of_the_store_without_a_filter_carries_nothing_either_way(
    sandbox: Sandbox,
) -> None:
    """A port whose filter cannot be rendered is left out; its tap must not pass a single
    frame, to or from anyone (ARP and flooded broadcasts included), while a filtered port
    on the same bridge works."""
    bridge = sandbox.bridge()
    a, b, c = (sandbox.guest(bridge, f"10.0.0.{n}/24") for n in (11, 12, 13))
    broken = port(c, RuleSpec(direction="ingress", protocol="no-such-protocol"))
    good, failed = firewall.check_ports([port(a, ICMP_IN), port(b, ICMP_IN), broken],
                                        sandbox.guard)
    assert list(failed) == [c.port_id]
    iptables.apply_firewall(good, sandbox.guard, namespace=sandbox.hv)
    assert a.reaches(b.ip) and b.reaches(a.ip), "filtered ports on the same bridge work"
    # ARP: nothing is learnt either way; c's requests go unanswered.
    assert a.cannot_reach(c.ip) and c.cannot_reach(a.ip)
    c_seen = _frames(sandbox, c, [(a, c.ip), (b, c.ip)])
    assert c_seen == [], "a tap without a filter receives nothing, not even ARP"
    a_seen = _frames(sandbox, a, [(c, a.ip), (b, a.ip)])
    assert not [f for f in a_seen if f.startswith(c.mac)], "and sends nothing"
    assert f"{b.mac} 0806" in a_seen, "control: the sniffer sees what does cross the bridge"
    # IPv4 without ARP (static neighbours): still nothing either way.
    _static_neighbours(a, b, c)
    assert c.cannot_reach(a.ip) and a.cannot_reach(c.ip)
    assert _frames(sandbox, c, [(a, c.ip)]) == []
    a_seen = _frames(sandbox, a, [(c, a.ip), (b, a.ip)])
    assert not [f for f in a_seen if f.startswith(c.mac)]
    assert f"{b.mac} 0800" in a_seen


def test_a_port_whose_filter_is_taken_away_stops_at_once(sandbox: Sandbox) -> None:
    bridge = sandbox.bridge()
    a, b = sandbox.guest(bridge, "10.0.0.11/24"), sandbox.guest(bridge, "10.0.0.12/24")
    sandbox.sync([port(a, ICMP_IN), port(b, ICMP_IN)])
    assert a.reaches(b.ip)
    sandbox.sync([port(a, ICMP_IN)])  # b's tap is still on the bridge, its filter gone
    assert a.cannot_reach(b.ip) and b.cannot_reach(a.ip)
    assert _frames(sandbox, b, [(a, b.ip)]) == []
    sandbox.sync([port(a, ICMP_IN), port(b, ICMP_IN)])
    assert a.reaches(b.ip)


# -- two stores on one host ------------------------------------------------------------------

_COUNTERS = re.compile(r"\[\d+:\d+\]")


def _store_rules(sandbox: Sandbox, names: HostNames) -> list[str]:
    """Every chain declaration and rule of one store in every table, counters left out."""
    tables: list[tuple[iptables.Family, str]] = [(4, "filter"), (6, "filter"), ("eb", "nat"),
                                                 (4, "nat")]
    lines = []
    for family, table in tables:
        text = iptables.save(table=table, family=family, namespace=sandbox.hv)
        lines += [f"{family} {_COUNTERS.sub('', line)}"
                  for line in text.splitlines() if names.object_prefix in line]
    return lines


def test_one_stores_firewall_never_touches_another_stores_chains_or_traffic(
    sandbox: Sandbox,
) -> None:
    other = sandbox.store()
    other_guard = HostGuard(names=other)
    mine_bridge, other_bridge = sandbox.bridge(), sandbox.bridge(store=other)
    a1, a2 = (sandbox.guest(mine_bridge, f"10.0.0.{n}/24") for n in (11, 12))
    b1, b2 = (sandbox.guest(other_bridge, f"10.0.0.{n}/24", store=other) for n in (11, 12))
    sandbox.sync([port(b1, ICMP_IN), port(b2)], other_guard)
    theirs = _store_rules(sandbox, other)
    assert any(line.startswith("4 -A FORWARD -j") for line in theirs)

    def theirs_unchanged() -> bool:
        # b1 lets pings in, b2 does not: the other store's filters still decide.
        return (_store_rules(sandbox, other) == theirs and b2.reaches(b1.ip)
                and b1.cannot_reach(b2.ip))

    assert theirs_unchanged()
    sandbox.sync([port(a1, ICMP_IN), port(a2)])
    assert a2.reaches(a1.ip) and a1.cannot_reach(a2.ip)
    assert theirs_unchanged()
    sandbox.sync([port(a1), port(a2, ICMP_IN)])  # rules change, chains are rewritten
    assert a1.reaches(a2.ip) and a2.cannot_reach(a1.ip)
    assert theirs_unchanged()
    sandbox.sync([port(a2, ICMP_IN)])  # a port goes: its chains are deleted
    assert theirs_unchanged()
    iptables.remove_firewall(sandbox.names, namespace=sandbox.hv)
    assert _store_rules(sandbox, sandbox.names) == [], "nothing of the removed store is left"
    assert theirs_unchanged()
    assert a1.reaches(a2.ip) and a2.reaches(a1.ip), "no filter at all any more"
    # And the other way round: removing the other store leaves this one's alone.
    sandbox.sync([port(a1, ICMP_IN), port(a2)])
    mine = _store_rules(sandbox, sandbox.names)
    iptables.remove_firewall(other, namespace=sandbox.hv)
    assert _store_rules(sandbox, other) == []
    assert _store_rules(sandbox, sandbox.names) == mine
    assert a2.reaches(a1.ip) and a1.cannot_reach(a2.ip)
    assert wait_until(lambda: b1.reaches(b2.ip), timeout=1)
