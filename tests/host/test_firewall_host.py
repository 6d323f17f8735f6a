"""Security groups in the real kernel: traffic between guest namespaces on one bridge.

Every assertion is about packets really arriving or really dropped, through
``iptables.sync_port_filters`` inside the sandbox namespace that plays the host.
"""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.local.firewall import PortFilter, RuleSpec
from tests.host.conftest import Guest, Sandbox, in_ns, wait_until

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
    bridge = sandbox.bridge()
    server = sandbox.guest(bridge, "10.0.0.2/24")  # plays the DHCP port: not filtered
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
