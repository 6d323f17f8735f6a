"""Routers, SNAT and floating IPs in the real kernel, with security groups on the guests and
the host guard of the store's firewall.

Topology per test (all inside the sandbox): two internal networks (10.0.1.0/24, 10.0.2.0/24)
with a guest each, an external network 203.0.113.0/24 whose bridge holds .1 on the sandbox
("host") side, an "outside" namespace on it at .99 that plays the internet, and a router
namespace made by ``router_host.ensure_router`` joining them.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import time
import uuid
from dataclasses import dataclass

import pytest

from ostack_cli.backend.local import conntrack, iptables, l3, names, router_host
from ostack_cli.backend.local.firewall import ExternalRange, HostGuard, PortFilter, RuleSpec
from ostack_cli.backend.local.runner import HostCommandError
from tests.host.conftest import HELPERS, Guest, Sandbox, in_ns, sh, wait_until

EXT_CIDR = "203.0.113.0/24"
ROUTER_EXT = "203.0.113.10"
FIP = "203.0.113.20"
OUTSIDE = "203.0.113.99"
ALL_IN = (RuleSpec(direction="ingress", protocol="tcp"), RuleSpec(direction="egress"))
ICMP_IN = RuleSpec(direction="ingress", protocol="icmp")


@dataclass
class Topology:
    box: Sandbox
    net1: str
    net2: str
    ext: str
    bridge1: str
    external_bridge: str
    g1: Guest
    g2: Guest
    outside: Guest
    spec: l3.RouterSpec
    guard: HostGuard
    extra_ports: tuple[PortFilter, ...] = ()  # besides g1's and g2's

    @property
    def namespace(self) -> str:
        return self.box.names.router_namespace(self.spec.router_id)

    def port(self, guest: Guest, *rules: RuleSpec, **changes: object) -> PortFilter:
        spec = PortFilter(port_id=guest.port_id, tap=guest.tap, mac=guest.mac,
                          fixed_ips=(guest.ip,), rules=(*ALL_IN, *rules))
        return dataclasses.replace(spec, **changes)  # type: ignore[arg-type]

    def firewall(self, *, g1: tuple[RuleSpec, ...] = (ICMP_IN,),
                 g2: tuple[RuleSpec, ...] = (ICMP_IN,),
                 **g2_changes: object) -> iptables.FirewallApplied:
        return self.box.sync([self.port(self.g1, *g1), self.port(self.g2, *g2, **g2_changes),
                              *self.extra_ports], self.guard)

    def router(self, **changes: object) -> l3.RouterSpec:
        self.spec = dataclasses.replace(self.spec, **changes)  # type: ignore[arg-type]
        router_host.ensure_router(self.spec, self.box.names, host_netns=self.box.hv)
        return self.spec

    def link_uplink(self) -> tuple[str, str]:
        """An "uplink" from the sandbox host to a namespace that plays the world beyond it
        (with no route back to the external range: only masqueraded traffic gets answers)."""
        return self.box.link("world", "198.51.100.1/24", "198.51.100.2/24")


@pytest.fixture
def topo(sandbox: Sandbox) -> Topology:
    net1, net2, ext = (str(uuid.uuid4()) for _ in range(3))
    b1, b2 = sandbox.bridge(net1), sandbox.bridge(net2)
    bex = sandbox.names.bridge(ext)
    router_host.ensure_bridge(bex, 1500, "203.0.113.1/24", host_netns=sandbox.hv)
    g1 = sandbox.guest(b1, "10.0.1.11/24", gateway="10.0.1.1")
    g2 = sandbox.guest(b2, "10.0.2.12/24", gateway="10.0.2.1")
    # No route to the tenants' networks, and no port of the store: nothing filters it.
    outside = sandbox.guest(bex, f"{OUTSIDE}/24", port=False)
    spec = l3.RouterSpec(
        router_id=sandbox.router_id(),
        internal=(l3.InternalLeg(network_id=net1, cidr="10.0.1.0/24", gateway_ip="10.0.1.1"),
                  l3.InternalLeg(network_id=net2, cidr="10.0.2.0/24", gateway_ip="10.0.2.1")),
        external=l3.ExternalGateway(network_id=ext, address=f"{ROUTER_EXT}/24",
                                    gateway_ip="203.0.113.1"),
    )
    guard = HostGuard(names=sandbox.names,
                      external=(ExternalRange(bridge=bex, cidr=EXT_CIDR),))
    topology = Topology(sandbox, net1, net2, ext, b1, bex, g1, g2, outside, spec, guard)
    topology.firewall()
    topology.router()
    return topology


def test_guests_reach_their_gateway_and_each_other_across_subnets(topo: Topology) -> None:
    topo.box.spawn(topo.g2.namespace, "tcp-serve", "8080")
    assert topo.g1.reaches("10.0.1.1")
    assert topo.g1.reaches(topo.g2.ip)
    # Between the router's own subnets there is no NAT: g2 sees g1's own address.
    g2_sees = topo.box.connect(topo.g1.namespace, topo.g2.ip, "8080", expect=topo.g1.ip)
    assert g2_sees == topo.g1.ip


def test_snat_to_the_routers_external_address(topo: Topology) -> None:
    topo.box.spawn(topo.outside.namespace, "tcp-serve", "8080")
    outside_sees = topo.box.connect(topo.g1.namespace, OUTSIDE, "8080", expect=ROUTER_EXT)
    assert outside_sees == ROUTER_EXT
    topo.router(snat=False)  # the outside has no route back to 10.0.1.0/24
    assert topo.box.client(topo.g1.namespace, "tcp-connect", OUTSIDE, "8080") is None


def test_floating_ip_dnat_follows_association(topo: Topology) -> None:
    box, g1, outside = topo.box, topo.g1, topo.outside
    box.spawn(g1.namespace, "tcp-serve", "22")
    box.spawn(outside.namespace, "tcp-serve", "8080")
    assert outside.cannot_reach(FIP)
    topo.router(floating_ips=((FIP, g1.ip),))
    assert outside.reaches(FIP)
    # 1:1 NAT: the guest sees the outside's own address, the outside sees the floating IP.
    assert box.connect(outside.namespace, FIP, "22", expect=OUTSIDE) == OUTSIDE
    assert box.connect(g1.namespace, OUTSIDE, "8080", expect=FIP) == FIP
    # The host reaches floating IPs through the external bridge's gateway address.
    assert box.host.reaches(FIP)
    topo.router(floating_ips=())
    assert outside.cannot_reach(FIP)
    assert box.client(outside.namespace, "tcp-connect", FIP, "22") is None
    topo.router(floating_ips=((FIP, g1.ip),))
    assert outside.reaches(FIP)


def test_port_forwarding_sends_the_external_port_to_the_guests_port(topo: Topology) -> None:
    """A floating IP that forwards ports: its external port reaches the guest's listener
    from outside (the guest sees the outside's own address), other ports reach nothing."""
    box, g1, outside = topo.box, topo.g1, topo.outside
    box.spawn(g1.namespace, "tcp-serve", "22")
    box.spawn(g1.namespace, "tcp-serve", "8003")
    assert box.client(outside.namespace, "tcp-connect", FIP, "2222") is None
    forwards = (
        l3.PortForward(floating_ip=FIP, protocol="tcp", external_ports=(2222, 2222),
                       internal_ip=g1.ip, internal_ports=(22, 22)),
        # An N:N range maps port by port: 9003 to 8003.
        l3.PortForward(floating_ip=FIP, protocol="tcp", external_ports=(9000, 9010),
                       internal_ip=g1.ip, internal_ports=(8000, 8010)),
    )
    topo.router(port_forwardings=forwards)
    assert box.connect(outside.namespace, FIP, "2222", expect=OUTSIDE) == OUTSIDE
    assert box.connect(outside.namespace, FIP, "9003", expect=OUTSIDE) == OUTSIDE
    # Only the forwarded ports: the floating IP is no 1:1 NAT.
    assert box.client(outside.namespace, "tcp-connect", FIP, "22") is None
    # A guest behind the router reaches the forwarded port too (hairpin, SNATed).
    assert box.connect(topo.g2.namespace, FIP, "2222", expect=ROUTER_EXT) == ROUTER_EXT
    topo.router(port_forwardings=())
    assert box.client(outside.namespace, "tcp-connect", FIP, "2222") is None


def test_security_group_decides_what_reaches_a_floating_ip(topo: Topology) -> None:
    """The article's check: the ping fails until an ICMP rule is added, then works at once."""
    topo.firewall(g1=())
    topo.router(floating_ips=((FIP, topo.g1.ip),))
    assert topo.outside.cannot_reach(FIP)
    topo.firewall(g1=(RuleSpec(direction="ingress", protocol="icmp",
                               remote_ip_prefix="0.0.0.0/0"),))
    assert topo.outside.reaches(FIP)
    topo.firewall(g1=())
    assert topo.outside.cannot_reach(FIP)


def test_hairpin_to_another_guests_floating_ip(topo: Topology) -> None:
    topo.box.spawn(topo.g1.namespace, "tcp-serve", "22")
    topo.router(floating_ips=((FIP, topo.g1.ip),))
    g1_sees = topo.box.connect(topo.g2.namespace, FIP, "22", expect=ROUTER_EXT)
    assert g1_sees == ROUTER_EXT


def test_static_route(topo: Topology) -> None:
    # g2 routes 10.9.0.0/16 behind it (as a VM router would); its port allows that source.
    topo.g2.run("ip", "addr", "add", "10.9.0.1/32", "dev", "lo")
    topo.firewall(g2=(ICMP_IN,), allowed_address_pairs=((topo.g2.mac, "10.9.0.0/16"),))
    assert topo.g1.cannot_reach("10.9.0.1")
    topo.router(routes=(("10.9.0.0/16", topo.g2.ip),))
    assert topo.g1.reaches("10.9.0.1")
    topo.router(routes=())
    assert topo.g1.cannot_reach("10.9.0.1")


def _router_state(topo: Topology) -> list[str]:
    namespace = topo.namespace
    return [
        in_ns(namespace, "ip", "-br", "addr").stdout,
        in_ns(namespace, "ip", "route").stdout,
        re.sub(r"\[\d+:\d+\]|#.*", "", in_ns(namespace, "iptables-save", "-t", "nat").stdout),
        sh("ip", "-n", topo.box.hv, "-br", "link").stdout,
    ]


def test_ensure_router_twice_changes_nothing_and_remove_leaves_nothing(topo: Topology) -> None:
    topo.router(floating_ips=((FIP, topo.g1.ip),), routes=(("10.9.0.0/16", topo.g2.ip),))
    before = _router_state(topo)
    topo.router()
    assert _router_state(topo) == before
    # Detaching a subnet removes exactly its leg, host side included.
    leg = topo.box.names.router_leg(topo.spec.router_id, topo.net2, external=False)
    assert leg in before[3]
    topo.router(internal=topo.spec.internal[:1], routes=())
    assert leg not in sh("ip", "-n", topo.box.hv, "-br", "link").stdout
    assert topo.g1.reaches("10.0.1.1")
    router_host.remove_router(topo.namespace)
    assert topo.namespace not in sh("ip", "netns", "list").stdout
    assert not _router_legs(topo.box)
    router_host.remove_router(topo.namespace)  # absent is fine
    topo.router()  # and it comes back at once, under the same names
    assert topo.g1.reaches("10.0.1.1")


def _router_legs(box: Sandbox) -> list[str]:
    """The host-side ends of the store's router legs in the sandbox host."""
    prefixes = tuple(box.names.device_prefix + kind
                     for kind in (names.ROUTER_LEG, names.GATEWAY_LEG))
    return [line.split()[0] for line in sh("ip", "-n", box.hv, "-br", "link").stdout
            .splitlines() if line.startswith(prefixes)]


def test_external_network_is_not_routed_to_the_uplink_unless_opted_in(topo: Topology) -> None:
    box = topo.box
    world, uplink = topo.link_uplink()
    box.spawn(world, "tcp-serve", "8080")
    # Even with forwarding on in the host, the store's guard keeps traffic in.
    router_host.set_forwarding("1", host_netns=box.hv)
    assert box.client(topo.g1.namespace, "tcp-connect", "198.51.100.2", "8080") is None
    topo.guard = dataclasses.replace(topo.guard, uplink=uplink)
    topo.firewall()
    assert topo.firewall().rewritten == (), "idempotent"
    world_sees = box.connect(topo.g1.namespace, "198.51.100.2", "8080", expect="198.51.100.1")
    assert world_sees == "198.51.100.1", "masqueraded to the uplink's address"
    topo.guard = dataclasses.replace(topo.guard, uplink=None)
    topo.firewall()
    assert wait_until(lambda: box.client(topo.g1.namespace, "tcp-connect", "198.51.100.2",
                                         "8080") is None)
    saved = in_ns(box.hv, "iptables-save").stdout
    assert uplink not in saved, "no rule of the opt-in is left"
    assert box.names.chain("uplink") not in saved


def test_what_the_host_routes_from_a_tenant_bridge_is_dropped(topo: Topology) -> None:
    """A guest may address the host's bridge MAC directly: even with forwarding on (and the
    uplink opted in), the host routes none of it, while the external range still gets out
    through the uplink, masqueraded, and its replies come back."""
    box, g1 = topo.box, topo.g1
    elsewhere, _ = box.link("else", "198.18.0.1/24", "198.18.0.2/24")
    in_ns(elsewhere, "ip", "route", "add", "default", "via", "198.18.0.1")
    box.spawn(elsewhere, "tcp-serve", "8080")
    box.spawn(box.hv, "tcp-serve", "2222")
    router_host.set_forwarding("1", host_netns=box.hv)
    in_ns(box.hv, "ip", "route", "add", "10.0.1.0/24", "dev", topo.bridge1)  # the way back
    bridge_mac = in_ns(box.hv, "cat", f"/sys/class/net/{topo.bridge1}/address").stdout.strip()
    g1.run("ip", "neigh", "replace", "10.0.1.254", "lladdr", bridge_mac, "dev", "eth0", "nud",
           "permanent")
    g1.run("ip", "route", "add", "198.18.0.0/24", "via", "10.0.1.254")
    # Control: without the store's firewall the host does route it (and answers itself).
    iptables.remove_firewall(box.names, namespace=box.hv)
    assert box.connect(g1.namespace, "198.18.0.2", "8080", expect=g1.ip) == g1.ip
    assert box.connect(g1.namespace, "198.18.0.1", "2222", expect=g1.ip) == g1.ip
    topo.firewall()
    assert box.client(g1.namespace, "tcp-connect", "198.18.0.2", "8080") is None
    listener = box.spawn(elsewhere, "udp-listen", "5000", "1.5")
    box.client(g1.namespace, "udp-send", "198.18.0.2", "5000", "4000")
    assert listener.communicate(timeout=5)[0] == "", "not even one datagram gets through"
    # Nor does the host itself take new connections that way.
    assert box.client(g1.namespace, "tcp-connect", "198.18.0.1", "2222") is None
    # The uplink opt-in (the uplink being the way to "elsewhere") is for the external range
    # only: g1's own address still goes nowhere, through the router it gets out.
    world, uplink = topo.link_uplink()
    box.spawn(world, "tcp-serve", "8080")
    topo.guard = dataclasses.replace(topo.guard, uplink=uplink)
    topo.firewall()
    g1.run("ip", "route", "add", "198.51.100.0/24", "via", "10.0.1.254")
    assert box.client(g1.namespace, "tcp-connect", "198.51.100.2", "8080") is None
    g1.run("ip", "route", "del", "198.51.100.0/24")  # through the router, SNAT, the uplink
    assert box.connect(g1.namespace, "198.51.100.2", "8080",
                       expect="198.51.100.1") == "198.51.100.1"


def test_what_the_host_routes_from_a_guest_must_come_from_its_own_address(
    topo: Topology,
) -> None:
    """A guest with a port on the external network routes through the host (opted in to the
    uplink): its own address gets out, another one of the external range does not."""
    box = topo.box
    _, uplink = topo.link_uplink()
    router_host.set_forwarding("1", host_netns=box.hv)
    ext_guest = box.guest(topo.external_bridge, "203.0.113.30/24", gateway="203.0.113.1")
    ext_guest.run("ip", "addr", "add", "203.0.113.31/24", "dev", "eth0")
    # A static neighbour: the spoofed source is then never in an ARP request (which
    # ebtables would drop first), so what is tested is the check of routed packets.
    host_mac = in_ns(box.hv, "cat", f"/sys/class/net/{topo.external_bridge}/address").stdout
    ext_guest.run("ip", "neigh", "replace", "203.0.113.1", "lladdr", host_mac.strip(), "dev",
                  "eth0", "nud", "permanent")
    topo.guard = dataclasses.replace(topo.guard, uplink=uplink)
    topo.extra_ports = (topo.port(ext_guest),)
    topo.firewall()
    assert ext_guest.reaches("198.51.100.2")
    assert ext_guest.cannot_reach("198.51.100.2", source="203.0.113.31")
    # Control: without port security the same spoofed packets do get out.
    topo.extra_ports = (topo.port(ext_guest, port_security=False),)
    topo.firewall()
    assert ext_guest.reaches("198.51.100.2", source="203.0.113.31")


def test_guests_and_the_outside_cannot_open_connections_to_the_host(topo: Topology) -> None:
    box, g1, g2, outside = topo.box, topo.g1, topo.g2, topo.outside
    box.spawn(box.hv, "tcp-serve", "2222")
    box.spawn(g1.namespace, "tcp-serve", "22")
    topo.router(floating_ips=((FIP, g1.ip),))
    # g2 through its router's SNAT, g1 by its floating IP, the outside on the external bridge.
    for namespace in (g2.namespace, g1.namespace, outside.namespace):
        assert box.client(namespace, "tcp-connect", "203.0.113.1", "2222") is None
    assert g2.cannot_reach("203.0.113.1") and outside.cannot_reach("203.0.113.1")
    # The host's own connections still work: their replies come back.
    assert box.host.reaches(FIP)
    assert box.connect(box.hv, FIP, "22", expect="203.0.113.1") == "203.0.113.1"
    # Opted in, both may.
    topo.guard = dataclasses.replace(topo.guard, host_access=True)
    topo.firewall()
    assert box.connect(g2.namespace, "203.0.113.1", "2222", expect=ROUTER_EXT) == ROUTER_EXT
    assert box.connect(g1.namespace, "203.0.113.1", "2222", expect=FIP) == FIP
    assert box.connect(outside.namespace, "203.0.113.1", "2222", expect=OUTSIDE) == OUTSIDE
    assert g2.reaches("203.0.113.1") and outside.reaches("203.0.113.1")
    topo.guard = dataclasses.replace(topo.guard, host_access=False)
    topo.firewall()
    assert box.client(outside.namespace, "tcp-connect", "203.0.113.1", "2222") is None


def test_removing_a_floating_ip_ends_its_open_flows(topo: Topology) -> None:
    """Conntrack remembers NAT: without forgetting the flow, a removed FIP would still work."""
    box, g1, outside = topo.box, topo.g1, topo.outside
    topo.firewall(g1=(RuleSpec(direction="ingress", protocol="udp"),))
    topo.router(floating_ips=((FIP, g1.ip),))
    listener = box.spawn(g1.namespace, "udp-listen", "5000", "2")
    box.client(outside.namespace, "udp-send", FIP, "5000", "4000")
    topo.router(floating_ips=())
    box.client(outside.namespace, "udp-send", FIP, "5000", "4000")  # the same flow
    out, _ = listener.communicate(timeout=5)
    assert out.split() == [f"{OUTSIDE}:4000"]


def test_a_missing_bridge_is_reported_and_nothing_is_half_made(sandbox: Sandbox) -> None:
    network = str(uuid.uuid4())
    spec = l3.RouterSpec(router_id=sandbox.router_id(), internal=(
        l3.InternalLeg(network_id=network, cidr="10.0.1.0/24", gateway_ip="10.0.1.1"),))
    bridge = sandbox.names.bridge(network)
    with pytest.raises(HostCommandError, match=f"Bridge {bridge} of "
                                               f"network {network} is missing on the host."):
        router_host.ensure_router(spec, sandbox.names, host_netns=sandbox.hv)
    assert not _router_legs(sandbox)
    assert sandbox.names.router_namespace(spec.router_id) not in sh("ip", "netns",
                                                                    "list").stdout


_ECHO_REPLY = r"bytes from"


def test_removing_a_rule_ends_the_open_flows_it_allowed(topo: Topology) -> None:
    """What the reconciler does after an apply that narrows ports: forget their addresses'
    conntrack entries in the host. A ping kept alive by conntrack alone stops; a flow the
    rules still allow goes on (TCP is picked up again mid-stream)."""
    box, g1, outside = topo.box, topo.g1, topo.outside
    topo.router(floating_ips=((FIP, g1.ip),))
    box.spawn(g1.namespace, "tcp-echo", "7000")  # ALL_IN lets any TCP in
    stream = box.watch(outside.namespace, sys.executable, HELPERS, "tcp-stream", FIP, "7000")
    pinger = box.watch(outside.namespace, "ping", "-n", "-i", "0.2", FIP)
    assert wait_until(lambda: pinger.last(_ECHO_REPLY) and stream.last("^echo$"), timeout=5)
    # Control: the rule goes, nothing is forgotten: conntrack alone keeps the ping alive.
    applied = topo.firewall(g1=())
    assert applied.narrowed_ports == {g1.port_id}
    narrowed_at = time.monotonic()
    time.sleep(1.5)
    assert pinger.seen_since(_ECHO_REPLY, narrowed_at + 1) > 0
    # The reconciler's step: the addresses of the ports an apply narrowed are forgotten.
    topo.firewall(g1=(ICMP_IN,))
    removed_at = time.monotonic()
    applied = topo.firewall(g1=())
    addresses = [g1.ip] if g1.port_id in applied.narrowed_ports else []
    assert conntrack.forget(addresses, namespace=box.hv) > 0
    time.sleep(4)
    last_reply = pinger.last(_ECHO_REPLY)
    assert last_reply is not None and last_reply < removed_at + 2, "the ping stopped"
    assert stream.seen_since("^echo$", removed_at + 2) >= 10, "the allowed flow goes on"
    assert not stream.times("^closed$")
    # And a rule that comes back lets the same ping through again.
    topo.firewall(g1=(ICMP_IN,))
    back_at = time.monotonic()
    assert wait_until(lambda: pinger.seen_since(_ECHO_REPLY, back_at) > 0, timeout=3)


def test_an_external_gateway_outside_the_external_subnet_is_reached_on_link(
    topo: Topology,
) -> None:
    """Neutron accepts a gateway outside the external subnet: the router reaches it by an
    on-link host route on its external leg, and its default route goes through it."""
    box = topo.box
    upstream = box.guest(topo.external_bridge, "192.0.2.1/24", port=False)
    upstream.run("ip", "addr", "add", "198.51.100.50/32", "dev", "lo")  # the world beyond
    upstream.run("ip", "route", "add", EXT_CIDR, "dev", "eth0")  # on-link, the other way
    box.spawn(upstream.namespace, "tcp-serve", "8080")
    assert box.client(topo.g1.namespace, "tcp-connect", "198.51.100.50", "8080") is None
    assert topo.spec.external is not None
    topo.router(external=dataclasses.replace(topo.spec.external, gateway_ip="192.0.2.1"))
    qg = l3.external_ifname(topo.ext)
    routes = [line.strip() for line in in_ns(topo.namespace, "ip", "route").stdout.splitlines()]
    assert f"default via 192.0.2.1 dev {qg} proto static" in routes
    assert f"192.0.2.1 dev {qg} proto static scope link" in routes
    assert box.connect(topo.g1.namespace, "198.51.100.50", "8080",
                       expect=ROUTER_EXT) == ROUTER_EXT
    before = _router_state(topo)
    topo.router()
    assert _router_state(topo) == before, "a second ensure changes nothing"
    # Back to a gateway inside the subnet: the on-link route goes with the old gateway.
    topo.router(external=dataclasses.replace(topo.spec.external, gateway_ip="203.0.113.1"))
    after = in_ns(topo.namespace, "ip", "route").stdout
    assert "192.0.2.1" not in after and "default via 203.0.113.1" in after
    assert box.client(topo.g1.namespace, "tcp-connect", "198.51.100.50", "8080") is None


def test_half_made_legs_are_made_again_with_their_macs(topo: Topology) -> None:
    """What a crash (or a hand) leaves: a leg whose namespace end is gone, one whose host end
    is gone. Both are made again, on their bridges, with the MACs guests' ARP caches hold."""
    box = topo.box
    net1 = l3.internal_ifname(topo.net1)
    outer2 = box.names.router_leg(topo.spec.router_id, topo.net2, external=False)
    before = _router_state(topo)
    elsewhere = box.namespace("away")
    in_ns(topo.namespace, "ip", "link", "set", "dev", net1, "netns", elsewhere)
    sh("ip", "-n", box.hv, "link", "set", "dev", outer2, "netns", elsewhere)
    topo.router()
    after = _router_state(topo)
    assert _settled(after[3]) == _settled(before[3])
    # The namespace ends as they were, MACs (and so link-local addresses) too.
    assert _settled(after[0]) == _settled(before[0])
    assert after[1:3] == before[1:3]
    assert sh("ip", "-n", elsewhere, "-br", "link").stdout.split()[0] == "lo"
    assert topo.g1.reaches("10.0.1.1") and topo.g2.reaches("10.0.2.1")


def _settled(text: str) -> str:
    """Without what a leg made again changes: its host end's MAC (the kernel's), indexes
    (and so the order ``ip`` lists links in)."""
    return "".join(sorted(re.sub(r"([0-9a-f]{2}:){5}[0-9a-f]{2}|@if\d+", "#", text)
                          .splitlines(keepends=True)))
