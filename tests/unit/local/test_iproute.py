"""The ``ip -batch`` text a bridge, a DHCP leg and a router need (golden files), what ``ip -j``
prints read back, and the checks that keep a value from becoming another batch word or
command. tests/host proves in the real kernel that the text does what it says."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from ostack_cli.backend.local import host_network, iproute, l3, router_host
from ostack_cli.backend.local.iproute import LinkState, NamespaceState, Route, Work
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.reconcile.desired import DhcpSpec
from ostack_cli.backend.local.runner import HostCommandError
from tests.unit.local.golden_util import assert_golden

HOST = HostNames("a1b")
ROUTER = "5b3f7e0e-1d8c-4c1e-9a53-6f0a9f1c2d3e"
NET1 = "11111111-aaaa-4bbb-8ccc-000000000001"
NET2 = "22222222-aaaa-4bbb-8ccc-000000000002"
NET3 = "33333333-aaaa-4bbb-8ccc-000000000003"
EXT = "eeeeeeee-aaaa-4bbb-8ccc-00000000000e"

SPEC = l3.RouterSpec(
    router_id=ROUTER,
    internal=(
        l3.InternalLeg(network_id=NET1, cidr="10.0.1.0/24", gateway_ip="10.0.1.1",
                       mac="fa:16:3e:00:00:01"),
        l3.InternalLeg(network_id=NET2, cidr="10.0.2.0/24", gateway_ip="10.0.2.1", mtu=1450),
    ),
    external=l3.ExternalGateway(network_id=EXT, address="203.0.113.10/24",
                                gateway_ip="203.0.113.1", mac="fa:16:3e:00:00:ee"),
    routes=(("10.9.0.0/16", "10.0.2.50"),),
    floating_ips=(("203.0.113.20", "10.0.1.5"),),
)
LAYOUT = l3.router_layout(SPEC, HOST)
BRIDGES = {leg.bridge: LinkState(leg.bridge, up=True) for leg in LAYOUT.legs}
DHCP = DhcpSpec(network_id=NET1, namespace=HOST.dhcp_namespace(NET1), bridge=HOST.bridge(NET1),
                leg=HOST.dhcp_leg(NET1), mtu=1450, addresses=("10.0.1.2/24",), hosts_file="",
                opts_file="", argv=("dnsmasq",))


def _as_laid_out(layout: l3.RouterLayout) -> tuple[dict[str, LinkState], NamespaceState]:
    """The host and the namespace exactly as ``layout`` wants them."""
    host = dict(BRIDGES)
    links = {"lo": LinkState("lo", up=True, mtu=65536)}
    for leg in layout.legs:
        host[leg.outer] = LinkState(leg.outer, up=True, mtu=leg.mtu, master=leg.bridge)
        links[leg.inner] = LinkState(leg.inner, up=True, mtu=leg.mtu, mac=leg.mac,
                                     addresses=frozenset(leg.addresses))
    external = next(leg.inner for leg in layout.legs if leg.external)
    routes = tuple(Route(d, via, external) for d, via in layout.routes)
    return host, NamespaceState(links=links, routes=routes)


# -- routers --------------------------------------------------------------------------------


def test_a_new_router() -> None:
    work, floating = router_host.router_work(LAYOUT, BRIDGES, None)
    assert floating == frozenset()
    assert_golden("iproute/router_new.batch", work.text())


def test_a_router_as_laid_out_needs_only_its_routes_placed_again() -> None:
    host, inside = _as_laid_out(LAYOUT)
    work, floating = router_host.router_work(LAYOUT, host, inside)
    assert floating == frozenset()
    assert (work.clear, work.make, work.host, work.new_namespace) == ((), (), (), False)
    # A route through an address taken away in the same batch would be gone: they are
    # always placed again (a no-op for a route that is there).
    assert work.inside == (
        "route replace 0.0.0.0/0 via 203.0.113.1 proto static",
        "route replace 10.9.0.0/16 via 10.0.2.50 proto static",
    )
    assert work.ipv6_off == tuple(leg.outer for leg in LAYOUT.legs)
    assert work.sysctls == (("net.ipv4.ip_forward", "1"), ("net.ipv6.conf.all.forwarding", "0"))


def test_a_router_repaired_and_changed() -> None:
    """A stale leg and a half-made one (a crash), a leg whose host end is gone, a wrong MAC,
    MTU and address, a floating IP taken away, a stale route, and an on-link gateway."""
    old = l3.router_layout(dataclasses.replace(SPEC, floating_ips=(
        ("203.0.113.20", "10.0.1.5"), ("203.0.113.21", "10.0.1.6"))), HOST)
    host, inside = _as_laid_out(old)
    net1, net2, ext = old.legs
    stale = LinkState(l3.external_ifname(NET3), up=True, addresses=frozenset(
        {"198.51.100.5/24", "198.51.100.9/32"}))
    links = {
        **inside.links,
        stale.name: stale,
        net1.inner: dataclasses.replace(inside.links[net1.inner], mac="fa:16:3e:99:99:99",
                                        mtu=1400, addresses=frozenset({"10.0.1.99/24"})),
    }
    del host[net2.outer]  # its namespace end is there, its host end is not
    del links[ext.inner]  # a crash between the two ends: the host end is left
    routes = (*inside.routes, Route("10.8.0.0/16", "10.0.2.60", net2.inner),
              Route("192.0.2.7/32", None, ext.inner))
    spec = dataclasses.replace(SPEC, external=dataclasses.replace(
        SPEC.external, gateway_ip="192.0.2.1"))  # type: ignore[type-var]
    layout = l3.router_layout(spec, HOST)
    work, floating = router_host.router_work(
        layout, host, NamespaceState(links=links, routes=routes))
    # The stale gateway leg's floating IPs go with it; those of the re-made external leg
    # cannot be read any more (its namespace end is gone, and took them along).
    assert floating == {"198.51.100.9"}
    assert_golden("iproute/router_repaired.batch", work.text())


def test_floating_ips_taken_from_the_external_leg_are_reported() -> None:
    old = l3.router_layout(dataclasses.replace(SPEC, floating_ips=(
        ("203.0.113.20", "10.0.1.5"), ("203.0.113.21", "10.0.1.6"))), HOST)
    host, inside = _as_laid_out(old)
    work, floating = router_host.router_work(LAYOUT, host, inside)
    assert floating == {"203.0.113.21"}
    external = l3.external_ifname(EXT)
    assert f"addr del 203.0.113.21/32 dev {external}" in work.inside


def test_a_stale_route_of_the_other_family_goes() -> None:
    host, inside = _as_laid_out(LAYOUT)
    stale = Route("::/0", "2001:db8::1", l3.internal_ifname(NET1))
    work, _ = router_host.router_work(LAYOUT, host, dataclasses.replace(
        inside, routes=(*inside.routes, stale)))
    assert work.inside[0] == "route del ::/0 via 2001:db8::1 proto static table main"


# -- bridges and DHCP legs ------------------------------------------------------------------


def test_bridges() -> None:
    bridge = HOST.bridge(EXT)
    texts = [
        router_host.bridge_work(bridge, 1500, "203.0.113.1/24", None).text(),
        router_host.bridge_work(bridge, 1450, "203.0.113.1/24", LinkState(
            bridge, up=False, mtu=1500, addresses=frozenset({"203.0.113.1/25",
                                                             "10.0.0.1/8"}))).text(),
        router_host.bridge_work(bridge, 1500, None, LinkState(
            bridge, up=True, mtu=1500, addresses=frozenset({"203.0.113.1/24"}))).text(),
    ]
    assert_golden("iproute/bridges.batch", "\n".join(texts))
    in_line = LinkState(bridge, up=True, mtu=1500, addresses=frozenset({"203.0.113.1/24"}))
    work = router_host.bridge_work(bridge, 1500, "203.0.113.1/24", in_line)
    assert work == Work(ipv6_off=(bridge,)), "a bridge in line: only IPv6 kept off"


def test_dhcp_legs() -> None:
    bridge = {DHCP.bridge: LinkState(DHCP.bridge, up=True)}
    in_line_host = {**bridge, DHCP.leg: LinkState(DHCP.leg, up=True, mtu=1450,
                                                  master=DHCP.bridge)}
    inner = LinkState(host_network.DHCP_IFNAME, up=True, mtu=1450,
                      addresses=frozenset({"10.0.1.2/24"}))
    in_line_inside = NamespaceState(links={"lo": LinkState("lo", up=True, mtu=65536),
                                           inner.name: inner})
    texts = [
        host_network.dhcp_work(DHCP, bridge, None).text(),
        # Its host end lingers from a namespace removed a moment ago.
        host_network.dhcp_work(DHCP, in_line_host, NamespaceState()).text(),
        # Its namespace end is left from a crash; a new address; the leg off its bridge.
        host_network.dhcp_work(
            dataclasses.replace(DHCP, addresses=("10.0.1.3/24",)),
            {**bridge, DHCP.leg: LinkState(DHCP.leg, up=True, mtu=1450)},
            in_line_inside).text(),
        host_network.dhcp_work(DHCP, bridge, in_line_inside).text(),
    ]
    assert_golden("iproute/dhcp.batch", "\n".join(texts))
    work = host_network.dhcp_work(DHCP, in_line_host, in_line_inside)
    assert work == Work(namespace=DHCP.namespace, ipv6_off=(DHCP.leg,))


# -- what no value may do -------------------------------------------------------------------


@pytest.mark.parametrize("words", [
    ("link", "set", "dev", "x\nlink del dev eth0"),
    ("link", "set", "dev", "x y"),
    ("link", "set", "dev", "#x"),
    ("link", "set", "dev", '"x"'),
    ("link", "set", "dev", "x\\"),
    ("link", "set", "dev", ""),
])
def test_a_line_takes_plain_words_only(words: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="in an ip batch line"):
        iproute.line(*words)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: iproute.set_link("eth0 up"), "interface name"),
    (lambda: iproute.set_link("a" * 16), "interface name"),
    (lambda: iproute.set_link("x.100"), "interface name"),
    (lambda: iproute.set_link("x", master="-x"), "interface name"),
    (lambda: iproute.set_link("x", mtu=67), "MTU"),
    (lambda: iproute.set_link("x", mtu=True), "MTU"),
    (lambda: iproute.set_link("x", mac="fa:16:3e:00:00"), "MAC"),
    (lambda: iproute.set_link("x", mac="fa:16:3e:00:00:01 up"), "MAC"),
    (lambda: iproute.add_address("10.0.0.1/24 dev eth0", "x"), "does not appear"),
    (lambda: iproute.add_address("10.0.0.1/33", "x"), "Invalid netmask|does not appear"),
    (lambda: iproute.replace_route("10.0.0.0/8", via="10.0.0.1\nlink del dev x"),
     "does not appear"),
    (lambda: iproute.add_veth("x", "y", "../etc", 1500), "namespace name"),
    (lambda: iproute.add_netns("a b"), "namespace name"),
])
def test_values_are_checked(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


def test_sysctls_are_checked() -> None:
    with pytest.raises(ValueError, match="sysctl key"):
        iproute.sysctl([("net.ipv4/../../x", "1")])
    with pytest.raises(ValueError, match="sysctl value"):
        iproute.sysctl([("net.ipv4.ip_forward", "1 x")])
    with pytest.raises(ValueError, match="interface name"):
        iproute.ipv6_off(["all/../x"])


def test_router_and_dhcp_values_are_checked_whatever_the_host_holds() -> None:
    host, inside = _as_laid_out(LAYOUT)
    bad = dataclasses.replace(LAYOUT, legs=(dataclasses.replace(LAYOUT.legs[0], mtu=10),))
    with pytest.raises(ValueError, match="MTU"):
        router_host.router_work(bad, host, inside)
    with pytest.raises(ValueError, match="namespace name"):
        host_network.dhcp_work(dataclasses.replace(DHCP, namespace="x y"), {}, None)
    with pytest.raises(ValueError, match="MTU"):
        router_host.bridge_work("ostb", 0, None, LinkState("ostb", up=True, mtu=0))


# -- reading --------------------------------------------------------------------------------


ADDR_SHOW = [
    {"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "mtu": 65536,
     "address": "00:00:00:00:00:00", "addr_info": [
         {"family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host"}]},
    {"ifindex": 3, "link": "osta1br00000000", "ifname": "qr-11111111aaa",
     "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "mtu": 1450,
     "address": "FA:16:3E:00:00:01", "addr_info": [
         {"family": "inet", "local": "10.0.1.1", "prefixlen": 24, "scope": "global"},
         {"family": "inet6", "local": "2001:db8::1", "prefixlen": 64, "scope": "global"},
         {"family": "inet6", "local": "fe80::1", "prefixlen": 64, "scope": "link"}]},
    {"ifindex": 4, "ifname": "osta1bb0000000", "flags": ["BROADCAST", "MULTICAST"],
     "mtu": 1500, "master": "x", "address": "02:00:00:00:00:01", "addr_info": []},
]
ROUTE_SHOW = [
    {"type": "unicast", "dst": "default", "gateway": "203.0.113.1", "dev": "qg-1",
     "table": "main", "scope": "global", "flags": []},
    {"type": "unicast", "dst": "192.0.2.1", "dev": "qg-1", "table": "main", "scope": "link",
     "flags": []},
    {"type": "unicast", "dst": "default", "dev": "qr-1", "table": "main", "scope": "global",
     "metric": 1024, "flags": [], "pref": "medium"},
    {"type": "unicast", "dst": "2001:db8:9::/48", "gateway": "2001:DB8::5", "dev": "qr-1",
     "table": "main", "scope": "global", "metric": 1024, "flags": [], "pref": "medium"},
    {"type": "unicast", "dst": "10.5.0.0/16", "gateway": "10.0.1.9", "dev": "qr-1",
     "table": "100", "scope": "global", "flags": []},
]


def test_what_ip_prints_is_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[list[str], bytes | None]] = []

    def fake_run(argv: list[str], *, input: bytes | None = None, timeout: float = 60) -> str:
        seen.append((argv, input))
        return json.dumps(ADDR_SHOW) + "\n" + json.dumps(ROUTE_SHOW) + "\n"

    monkeypatch.setattr(iproute, "run", fake_run)
    state = iproute.read_namespace("ostack-a1b-router-x", routes=True)
    assert seen == [(["ip", "-n", "ostack-a1b-router-x", "-j", "-d", "-batch", "-"],
                     b"addr show\nroute show table all proto static\n")]
    assert state.links["qr-11111111aaa"] == LinkState(
        "qr-11111111aaa", up=True, mtu=1450, mac="fa:16:3e:00:00:01",
        addresses=frozenset({"10.0.1.1/24", "2001:db8::1/64"}))
    assert state.links["osta1bb0000000"] == LinkState(
        "osta1bb0000000", up=False, mtu=1500, mac="02:00:00:00:00:01", master="x")
    assert state.routes == (
        Route("0.0.0.0/0", "203.0.113.1", "qg-1"),
        Route("192.0.2.1/32", None, "qg-1"),
        Route("::/0", None, "qr-1"),  # IPv6, told by its preference
        Route("2001:db8:9::/48", "2001:db8::5", "qr-1"),
    )


def test_a_short_answer_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(iproute, "run", lambda argv, **_: json.dumps(ADDR_SHOW))
    with pytest.raises(HostCommandError, match="1 answers to 2 questions"):
        iproute.read_namespace(None, routes=True)


def test_a_failed_batch_names_ips_complaint_and_its_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing(argv: list[str], **_: object) -> str:
        error = HostCommandError("ip failed (exit 1): Command failed -:2")
        error.returncode = 1
        error.stderr = "RTNETLINK answers: File exists\nCommand failed -:2\n"
        raise error

    monkeypatch.setattr(iproute, "run", failing)
    with pytest.raises(HostCommandError) as raised:
        iproute.batch(["link set dev lo up", "link add name x type bridge"], namespace="ns1")
    assert str(raised.value) == ("ip -n ns1 failed: RTNETLINK answers: File exists "
                                 "(at `link add name x type bridge`)")
    assert raised.value.returncode == 1


def test_sysfs_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "br0").mkdir()
    (tmp_path / "leg0").mkdir()
    for name, flags, master in (("br0", "0x1003", None), ("leg0", "0x1002", "br0")):
        (tmp_path / name / "flags").write_text(f"{flags}\n")
        (tmp_path / name / "mtu").write_text("1450\n")
        (tmp_path / name / "address").write_text("02:00:00:00:00:01\n")
        if master:
            (tmp_path / name / "master").symlink_to(f"../{master}")
    monkeypatch.setattr(iproute, "SYS_NET", tmp_path)
    assert iproute.sysfs_links(["br0", "leg0", "gone"]) == {
        "br0": LinkState("br0", up=True, mtu=1450, mac="02:00:00:00:00:01"),
        "leg0": LinkState("leg0", up=False, mtu=1450, mac="02:00:00:00:00:01", master="br0"),
    }


def test_carry_out_runs_each_part_once_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def fake_run(argv: list[str], *, input: bytes | None = None, timeout: float = 60) -> str:
        calls.append((argv, input.decode() if input else None))
        return ""

    monkeypatch.setattr(iproute, "run", fake_run)
    monkeypatch.setattr(iproute, "ipv6_off", lambda devices, namespace=None: calls.append(
        ("ipv6 off", devices, namespace)))
    monkeypatch.setattr(iproute.os.path, "ismount", lambda path: True)
    work = Work(namespace="ns1", clear=("link del dev a",), new_namespace=True,
                make=("link add name b type bridge",), sysctls=(("net.ipv4.ip_forward", "1"),),
                ipv6_off=("b",), host=("link set dev b up",), inside=("link set dev lo up",))
    iproute.carry_out(work)
    iproute.carry_out(work, host_netns="hv")
    ip_batch = ["ip", "-batch", "-"]
    sysctl = ["ip", "netns", "exec", "ns1", "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]
    assert calls == [
        (["ip", "-n", "ns1", "-batch", "-"], "link del dev a\n"),
        (ip_batch, "netns add ns1\nlink add name b type bridge\n"),
        (sysctl, None),
        ("ipv6 off", ("b",), None),
        (ip_batch, "link set dev b up\n"),
        (["ip", "-n", "ns1", "-batch", "-"], "link set dev lo up\n"),
        # With another namespace playing the host, the namespace is made from ours.
        (["ip", "-n", "ns1", "-batch", "-"], "link del dev a\n"),
        (ip_batch, "netns add ns1\n"),
        (["ip", "-n", "hv", "-batch", "-"], "link add name b type bridge\n"),
        (sysctl, None),
        ("ipv6 off", ("b",), "hv"),
        (["ip", "-n", "hv", "-batch", "-"], "link set dev b up\n"),
        (["ip", "-n", "ns1", "-batch", "-"], "link set dev lo up\n"),
    ]


def test_twice_tries_once_more_and_then_gives_up() -> None:
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 2:
            raise HostCommandError("ip failed: RTNETLINK answers: File exists")
        return "made"

    assert iproute.twice(flaky) == "made" and len(attempts) == 2

    def broken() -> None:
        attempts.append(1)
        raise HostCommandError("no")

    attempts.clear()
    with pytest.raises(HostCommandError):
        iproute.twice(broken)
    assert len(attempts) == 2
