"""Routers, SNAT and floating IPs in the real kernel, with security groups on the guests.

Topology per test (all inside the sandbox): two internal networks (10.0.1.0/24, 10.0.2.0/24)
with a guest each, an external network 203.0.113.0/24 whose bridge holds .1 on the sandbox
("host") side, an "outside" namespace on it at .99 that plays the internet, and a router
namespace made by ``router_host.ensure_router`` joining them.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass

import pytest

from ostack_cli.backend.local import l3, names, router_host
from ostack_cli.backend.local.firewall import PortFilter, RuleSpec
from ostack_cli.backend.local.runner import HostCommandError
from tests.host.conftest import Guest, Sandbox, in_ns, sh, wait_until

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
    g1: Guest
    g2: Guest
    outside: Guest
    spec: l3.RouterSpec

    def port(self, guest: Guest, *rules: RuleSpec, **changes: object) -> PortFilter:
        spec = PortFilter(port_id=guest.port_id, tap=guest.tap, mac=guest.mac,
                          fixed_ips=(guest.ip,), rules=(*ALL_IN, *rules))
        return dataclasses.replace(spec, **changes)  # type: ignore[arg-type]

    def firewall(self, *, g1: tuple[RuleSpec, ...] = (ICMP_IN,),
                 g2: tuple[RuleSpec, ...] = (ICMP_IN,), **g2_changes: object) -> None:
        self.box.sync([self.port(self.g1, *g1), self.port(self.g2, *g2, **g2_changes)])

    def router(self, **changes: object) -> l3.RouterSpec:
        self.spec = dataclasses.replace(self.spec, **changes)  # type: ignore[arg-type]
        router_host.ensure_router(self.spec, host_netns=self.box.hv)
        return self.spec


@pytest.fixture
def topo(sandbox: Sandbox) -> Topology:
    net1, net2, ext = (str(uuid.uuid4()) for _ in range(3))
    b1, b2 = sandbox.bridge(net1), sandbox.bridge(net2)
    bex = router_host.ensure_external_bridge(ext, "203.0.113.1/24", 1500,
                                             host_netns=sandbox.hv)
    g1 = sandbox.guest(b1, "10.0.1.11/24", gateway="10.0.1.1")
    g2 = sandbox.guest(b2, "10.0.2.12/24", gateway="10.0.2.1")
    outside = sandbox.guest(bex, f"{OUTSIDE}/24")  # no route to the tenants' networks
    spec = l3.RouterSpec(
        router_id=sandbox.router_id(),
        internal=(l3.InternalLeg(network_id=net1, cidr="10.0.1.0/24", gateway_ip="10.0.1.1"),
                  l3.InternalLeg(network_id=net2, cidr="10.0.2.0/24", gateway_ip="10.0.2.1")),
        external=l3.ExternalGateway(network_id=ext, address=f"{ROUTER_EXT}/24",
                                    gateway_ip="203.0.113.1"),
    )
    topology = Topology(sandbox, net1, net2, ext, g1, g2, outside, spec)
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
    host = Guest(box.hv, "", "", "", "203.0.113.1")
    assert host.reaches(FIP)
    topo.router(floating_ips=())
    assert outside.cannot_reach(FIP)
    assert box.client(outside.namespace, "tcp-connect", FIP, "22") is None
    topo.router(floating_ips=((FIP, g1.ip),))
    assert outside.reaches(FIP)


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
    namespace = names.router_namespace(topo.spec.router_id)
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
    leg = l3.outer_ifname(topo.spec.router_id, topo.net2, external=False)
    assert leg in before[3]
    topo.router(internal=topo.spec.internal[:1], routes=())
    assert leg not in sh("ip", "-n", topo.box.hv, "-br", "link").stdout
    assert topo.g1.reaches("10.0.1.1")
    router_host.remove_router(topo.spec.router_id)
    assert not router_host.router_exists(topo.spec.router_id)
    assert "ostq" not in sh("ip", "-n", topo.box.hv, "-br", "link").stdout
    router_host.remove_router(topo.spec.router_id)  # absent is fine
    topo.router()  # and it comes back at once, under the same names
    assert topo.g1.reaches("10.0.1.1")


def test_external_network_is_not_routed_to_the_uplink_unless_opted_in(topo: Topology) -> None:
    box = topo.box
    # An "uplink" from the sandbox host to a namespace that plays the world beyond it.
    world = f"ostt-w-{box.tag}"
    uplink = f"ostt{box.tag}"
    sh("ip", "netns", "add", world)
    box.namespaces.append(world)
    sh("ip", "-n", box.hv, "link", "add", uplink, "type", "veth", "peer", "name", "eth0",
       "netns", world)
    sh("ip", "-n", box.hv, "addr", "add", "198.51.100.1/24", "dev", uplink)
    sh("ip", "-n", box.hv, "link", "set", uplink, "up")
    in_ns(world, "ip", "addr", "add", "198.51.100.2/24", "dev", "eth0")
    in_ns(world, "ip", "link", "set", "eth0", "up")
    box.spawn(world, "tcp-serve", "8080")
    # Even with forwarding on in the host, the external bridge's guard keeps traffic in.
    in_ns(box.hv, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
    assert box.client(topo.g1.namespace, "tcp-connect", "198.51.100.2", "8080") is None
    router_host.enable_uplink_nat(EXT_CIDR, uplink, host_netns=box.hv)
    router_host.enable_uplink_nat(EXT_CIDR, uplink, host_netns=box.hv)  # idempotent
    world_sees = box.connect(topo.g1.namespace, "198.51.100.2", "8080", expect="198.51.100.1")
    assert world_sees == "198.51.100.1"
    router_host.disable_uplink_nat(EXT_CIDR, uplink, host_netns=box.hv)
    assert wait_until(lambda: box.client(topo.g1.namespace, "tcp-connect", "198.51.100.2",
                                         "8080") is None)
    bridge = names.bridge_name(topo.ext)
    saved = in_ns(box.hv, "iptables-save").stdout.splitlines()
    assert [r for r in saved if r.startswith("-A ostack-ext-guard")] == [
        f"-A ostack-ext-guard -i {bridge} ! -o {bridge} -j DROP"]
    assert [r for r in saved if r.startswith("-A ostack-uplink")] == []


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
    with pytest.raises(HostCommandError, match=f"Bridge {names.bridge_name(network)} of "
                                               f"network {network} is missing on the host."):
        router_host.ensure_router(spec, host_netns=sandbox.hv)
    assert "ostq" not in sh("ip", "-n", sandbox.hv, "-br", "link").stdout
    assert not router_host.router_exists(spec.router_id)
