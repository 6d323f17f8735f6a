"""Routers on the host: a network namespace per router, joined to networks' bridges by veths,
and external networks' bridges.

``ensure_router(spec, names)`` converges a router's namespace to ``l3.router_layout`` and its
``nat`` table to ``l3.render_nat_table(spec)``; running it twice changes nothing.
``ensure_bridge`` makes a network's bridge and gives an external one the subnet's gateway
address on the host side, as devstack's br-ex, so the host reaches floating IPs (what may
cross the host from and to those bridges is the firewall's business: ``firewall.HostGuard``).

``host_netns`` (default: the host itself) names the namespace that plays the host, where
bridges live; tests use it to keep everything inside throwaway namespaces.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from typing import Any

from ostack_cli.backend.local import conntrack, iptables, l3
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.runner import HostCommandError, run

RTPROT_STATIC = 4  # routes we add carry this, so convergence never touches the kernel's


def _pyroute2() -> Any:
    import pyroute2  # slow to import (~0.3 s): only commands that touch the host pay it

    return pyroute2


def _host(pyroute2: Any, host_netns: str | None) -> Any:
    return pyroute2.IPRoute(netns=host_netns) if host_netns else pyroute2.IPRoute()


# -- routers ------------------------------------------------------------------------------


def ensure_router(
    spec: l3.RouterSpec, names: HostNames, *, host_netns: str | None = None
) -> None:
    """Create or update the router's namespace, legs, addresses, routes and NAT table."""
    layout = l3.router_layout(spec, names)
    pyroute2 = _pyroute2()
    namespace = layout.namespace
    with _host(pyroute2, host_netns) as host:
        for leg in layout.legs:  # before anything is made: no half-made router
            if not host.link_lookup(ifname=leg.bridge):
                raise HostCommandError(
                    f"Bridge {leg.bridge} of network {leg.network_id} is missing on the host."
                )
    if namespace not in pyroute2.netns.listnetns():
        with contextlib.suppress(FileExistsError):
            pyroute2.netns.create(namespace)
    _sysctl(namespace, "net.ipv4.ip_forward=1",
            f"net.ipv6.conf.all.forwarding={int(layout.ipv6)}")
    removed_floating: set[str] = set()
    with _host(pyroute2, host_netns) as host, pyroute2.NetNS(namespace) as ns:
        ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
        wanted = {leg.inner for leg in layout.legs}
        for link in ns.get_links():
            ifname = link.get_attr("IFLA_IFNAME")
            if ifname.startswith((l3.INTERNAL_PREFIX, l3.EXTERNAL_PREFIX)) and (
                ifname not in wanted
            ):
                if ifname.startswith(l3.EXTERNAL_PREFIX):  # its floating IPs go with it
                    removed_floating |= {
                        a.get_attr("IFA_ADDRESS") for a in ns.get_addr(index=link["index"])
                        if a["prefixlen"] == 32
                    }
                ns.link("del", index=link["index"])  # takes its host-side peer with it
        for leg in layout.legs:
            _ensure_leg(pyroute2, host, ns, namespace, leg, host_netns)
            removed_floating |= _converge_addresses(ns, leg)
        external = next((leg.inner for leg in layout.legs if leg.external), None)
        _converge_routes(ns, layout.routes, layout.onlink, external)
    iptables.apply(l3.render_nat_table(spec), namespace=namespace, noflush=False)
    if removed_floating:
        conntrack.forget(removed_floating, namespace=namespace)


def remove_router(namespace: str, *, host_netns: str | None = None) -> None:
    """Remove a router's namespace and every leg; absent parts are fine."""
    pyroute2 = _pyroute2()
    if namespace not in pyroute2.netns.listnetns():
        return
    # Delete the veths first: a namespace is freed asynchronously, and its legs' host-side
    # ends would linger meanwhile and clash with a router re-created at once.
    with pyroute2.NetNS(namespace) as ns:
        for link in ns.get_links():
            if link.get_attr("IFLA_IFNAME").startswith((l3.INTERNAL_PREFIX,
                                                       l3.EXTERNAL_PREFIX)):
                with contextlib.suppress(pyroute2.NetlinkError):
                    ns.link("del", index=link["index"])
    pyroute2.netns.remove(namespace)


def _ensure_leg(
    pyroute2: Any, host: Any, ns: Any, namespace: str, leg: l3.Leg, host_netns: str | None
) -> None:
    bridge = _only(host.link_lookup(ifname=leg.bridge), leg.bridge)
    if not ns.link_lookup(ifname=leg.inner):
        for index in host.link_lookup(ifname=leg.outer):  # a half-made leg of a crash
            host.link("del", index=index)
        with contextlib.suppress(pyroute2.NetlinkError):  # a racing process made it
            host.link("add", ifname=leg.outer, kind="veth",
                      peer={"ifname": leg.inner, "net_ns_fd": namespace, "address": leg.mac})
    outer = _only(host.link_lookup(ifname=leg.outer), leg.outer)
    _sysctl(host_netns, f"net.ipv6.conf.{leg.outer}.disable_ipv6=1")
    host.link("set", index=outer, master=bridge, mtu=leg.mtu, state="up")
    inner = _only(ns.link_lookup(ifname=leg.inner), leg.inner)
    if ns.get_links(inner)[0].get_attr("IFLA_ADDRESS") != leg.mac:
        ns.link("set", index=inner, address=leg.mac)
    ns.link("set", index=inner, mtu=leg.mtu, state="up")


def _only(found: list[int], ifname: str) -> int:
    if not found:
        raise HostCommandError(f"Device {ifname} of a router is missing on the host.")
    return found[0]


def _converge_addresses(ns: Any, leg: l3.Leg) -> set[str]:
    """Give the inner end exactly ``leg.addresses``; returns the /32s taken away (FIPs)."""
    inner = ns.link_lookup(ifname=leg.inner)[0]
    have = {
        f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}"
        for a in ns.get_addr(index=inner)
        if not ipaddress.ip_address(a.get_attr("IFA_ADDRESS")).is_link_local
    }
    want = {str(ipaddress.ip_interface(a)) for a in leg.addresses}
    for cidr in sorted(have - want):
        iface = ipaddress.ip_interface(cidr)
        ns.addr("del", index=inner, address=str(iface.ip), prefixlen=iface.network.prefixlen)
    for cidr in sorted(want - have, key=lambda c: ipaddress.ip_interface(c).network.prefixlen):
        iface = ipaddress.ip_interface(cidr)
        with contextlib.suppress(_pyroute2().NetlinkError):  # EEXIST: a racing process
            ns.addr("add", index=inner, address=str(iface.ip),
                    prefixlen=iface.network.prefixlen)
    if leg.external:
        return {c.split("/")[0] for c in have - want if c.endswith("/32")}
    return set()


def _converge_routes(
    ns: Any,
    routes: tuple[tuple[str, str], ...],
    onlink: tuple[str, ...],
    external: str | None,
) -> None:
    want = dict(routes)
    want_onlink = {f"{ipaddress.ip_address(a)}/32" for a in onlink} if external else set()
    for family in (socket.AF_INET, socket.AF_INET6):
        for route in ns.get_routes(family=family, table=254):
            if route["proto"] != RTPROT_STATIC:
                continue
            dst = route.get_attr("RTA_DST") or ("0.0.0.0" if family == socket.AF_INET else "::")
            cidr = f"{dst}/{route['dst_len']}"
            gateway = route.get_attr("RTA_GATEWAY")
            if gateway is None and cidr in want_onlink:
                continue
            if gateway is None or want.get(cidr) != gateway:
                # The route's own scope: without it the kernel matches universe scope only,
                # and an on-link route (scope link) would never go (ESRCH, suppressed).
                with contextlib.suppress(_pyroute2().NetlinkError):
                    ns.route("del", dst=cidr, gateway=gateway, proto=RTPROT_STATIC,
                             table=254, scope=route["scope"])
    if external is not None:
        index = ns.link_lookup(ifname=external)[0]
        for cidr in sorted(want_onlink):
            ns.route("replace", dst=cidr, oif=index, scope=253, proto=RTPROT_STATIC)
    for cidr, nexthop in routes:
        ns.route("replace", dst=cidr, gateway=nexthop, proto=RTPROT_STATIC)


# -- bridges ------------------------------------------------------------------------------


def ensure_bridge(
    bridge: str, mtu: int, address: str | None = None, *, host_netns: str | None = None
) -> None:
    """A bridge, up, with ``mtu``, holding exactly ``address`` (e.g. "203.0.113.1/24") or no
    address; no IPv6 at all (OSSN-0069: guests never reach the host over link-local)."""
    pyroute2 = _pyroute2()
    with _host(pyroute2, host_netns) as host:
        found = host.link_lookup(ifname=bridge)
        if not found:
            with contextlib.suppress(pyroute2.NetlinkError):  # a racing process made it
                host.link("add", ifname=bridge, kind="bridge")
            found = host.link_lookup(ifname=bridge)
        _sysctl(host_netns, f"net.ipv6.conf.{bridge}.disable_ipv6=1")
        host.link("set", index=found[0], mtu=mtu, state="up")
        have = {
            f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}"
            for a in host.get_addr(index=found[0], family=socket.AF_INET)
        }
        want = {str(ipaddress.IPv4Interface(address))} if address else set()
        for cidr in sorted(have - want):
            iface = ipaddress.IPv4Interface(cidr)
            host.addr("del", index=found[0], address=str(iface.ip),
                      prefixlen=iface.network.prefixlen)
        for cidr in sorted(want - have):
            iface = ipaddress.IPv4Interface(cidr)
            host.addr("add", index=found[0], address=str(iface.ip),
                      prefixlen=iface.network.prefixlen)


def remove_link(device: str, *, host_netns: str | None = None) -> None:
    pyroute2 = _pyroute2()
    with _host(pyroute2, host_netns) as host:
        for index in host.link_lookup(ifname=device):
            with contextlib.suppress(pyroute2.NetlinkError):
                host.link("del", index=index)


def plug(device: str, bridge: str, *, host_netns: str | None = None) -> None:
    """Put an existing device (a guest's tap) on a bridge: one re-created after it was lost
    (a reboot, a hand) starts empty, and QEMU's taps hang loose until enslaved again."""
    pyroute2 = _pyroute2()
    with _host(pyroute2, host_netns) as host:
        devices, bridges = host.link_lookup(ifname=device), host.link_lookup(ifname=bridge)
        if devices and bridges:
            host.link("set", index=devices[0], master=bridges[0], state="up")


def set_forwarding(value: str, *, host_netns: str | None = None) -> None:
    _sysctl(host_netns, f"net.ipv4.ip_forward={int(value)}")


def _sysctl(namespace: str | None, *assignments: str) -> None:
    argv = ["sysctl", "-q", "-w", *assignments]
    run(["ip", "netns", "exec", namespace, *argv] if namespace else argv)
