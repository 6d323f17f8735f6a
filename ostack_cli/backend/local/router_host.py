"""Routers on the host: a network namespace per router, joined to networks' bridges by veths.

``ensure_router(spec)`` converges a router's namespace to ``l3.router_layout(spec)`` and its
``nat`` table to ``l3.render_nat_table(spec)``; running it twice changes nothing.
``ensure_external_bridge`` gives an external network's bridge the subnet's gateway address on
the host side, as devstack's br-ex, so the host reaches floating IPs; routed traffic from
that bridge to anywhere else is dropped unless ``enable_uplink_nat`` (an explicit opt-in)
lets one source range out through one uplink, masqueraded.

``host_netns`` (default: the host itself) names the namespace that plays the host, where
bridges live; tests use it to keep everything inside throwaway namespaces.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from typing import Any

from ostack_cli.backend.local import iptables, l3, names
from ostack_cli.backend.local.runner import HostCommandError, run

RTPROT_STATIC = 4  # routes we add carry this, so convergence never touches the kernel's
EXTERNAL_GUARD = f"{names.PREFIX}-ext-guard"  # filter FORWARD: external bridges stay put
UPLINK_NAT = f"{names.PREFIX}-uplink"  # nat POSTROUTING: the opt-in masquerade


def _pyroute2() -> Any:
    import pyroute2  # slow to import (~0.3 s): only commands that touch the host pay it

    return pyroute2


def _host(pyroute2: Any, host_netns: str | None) -> Any:
    return pyroute2.IPRoute(netns=host_netns) if host_netns else pyroute2.IPRoute()


# -- routers ------------------------------------------------------------------------------


def ensure_router(spec: l3.RouterSpec, *, host_netns: str | None = None) -> None:
    """Create or update the router's namespace, legs, addresses, routes and NAT table."""
    layout = l3.router_layout(spec)
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
        _converge_routes(ns, layout.routes)
    iptables.apply(l3.render_nat_table(spec), namespace=namespace, noflush=False)
    if removed_floating:
        _forget_connections(namespace, removed_floating)


def remove_router(router_id: str) -> None:
    """Remove the router's namespace and every leg; absent parts are fine."""
    pyroute2 = _pyroute2()
    namespace = names.router_namespace(router_id)
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


def router_exists(router_id: str) -> bool:
    return names.router_namespace(router_id) in _pyroute2().netns.listnetns()


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


def _converge_routes(ns: Any, routes: tuple[tuple[str, str], ...]) -> None:
    want = dict(routes)
    for family in (socket.AF_INET, socket.AF_INET6):
        for route in ns.get_routes(family=family, table=254):
            if route["proto"] != RTPROT_STATIC:
                continue
            dst = route.get_attr("RTA_DST") or ("0.0.0.0" if family == socket.AF_INET else "::")
            cidr = f"{dst}/{route['dst_len']}"
            gateway = route.get_attr("RTA_GATEWAY")
            if want.get(cidr) != gateway:
                with contextlib.suppress(_pyroute2().NetlinkError):
                    ns.route("del", dst=cidr, gateway=gateway, proto=RTPROT_STATIC)
    for cidr, nexthop in routes:
        ns.route("replace", dst=cidr, gateway=nexthop, proto=RTPROT_STATIC)


def _forget_connections(namespace: str, addresses: set[str]) -> None:
    """Drop conntrack entries of removed floating IPs, so no open flow keeps using them."""
    pyroute2 = _pyroute2()
    from pyroute2.conntrack import Conntrack

    doomed = []
    with Conntrack(netns=namespace) as ct:
        for entry in ct.dump_entries():
            orig, reply = entry.tuple_orig, entry.tuple_reply
            if orig.daddr in addresses or reply.daddr in addresses:
                doomed.append(entry)
        for entry in doomed:
            with contextlib.suppress(pyroute2.NetlinkError):
                ct.delete(entry)


# -- external networks --------------------------------------------------------------------


def ensure_external_bridge(
    network_id: str, gateway_cidr: str | None, mtu: int, *, host_netns: str | None = None
) -> str:
    """The external network's bridge, holding ``gateway_cidr`` (e.g. "203.0.113.1/24").

    Routed traffic that enters from this bridge may not leave by any other interface (rule
    ``-i BRIDGE ! -o BRIDGE -j DROP`` in ``ostack-ext-guard``), so even a host with IP
    forwarding on never passes floating-IP traffic to its uplink unless
    ``enable_uplink_nat`` says so.
    """
    bridge = names.bridge_name(network_id)
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
        want = {str(ipaddress.IPv4Interface(gateway_cidr))} if gateway_cidr else set()
        for cidr in sorted(have - want):
            iface = ipaddress.IPv4Interface(cidr)
            host.addr("del", index=found[0], address=str(iface.ip),
                      prefixlen=iface.network.prefixlen)
        for cidr in sorted(want - have):
            iface = ipaddress.IPv4Interface(cidr)
            host.addr("add", index=found[0], address=str(iface.ip),
                      prefixlen=iface.network.prefixlen)
    iptables.ensure_hook("FORWARD", EXTERNAL_GUARD, namespace=host_netns)
    iptables.ensure_rule(EXTERNAL_GUARD, ["-i", bridge, "!", "-o", bridge, "-j", "DROP"],
                         namespace=host_netns)
    return bridge


def remove_external_bridge(network_id: str, *, host_netns: str | None = None) -> None:
    """Remove the bridge and its guard rule; absent parts are fine."""
    bridge = names.bridge_name(network_id)
    if EXTERNAL_GUARD in iptables.list_chains(EXTERNAL_GUARD, namespace=host_netns):
        iptables.delete_rule(EXTERNAL_GUARD, ["-i", bridge, "!", "-o", bridge, "-j", "DROP"],
                             namespace=host_netns)
    pyroute2 = _pyroute2()
    with _host(pyroute2, host_netns) as host:
        for index in host.link_lookup(ifname=bridge):
            with contextlib.suppress(pyroute2.NetlinkError):
                host.link("del", index=index)


def enable_uplink_nat(
    external_cidr: str, uplink_ifname: str, *, host_netns: str | None = None
) -> None:
    """Opt-in: let ``external_cidr`` out through ``uplink_ifname``, masqueraded.

    Turns IPv4 forwarding on in the host (it must route for this), accepts that range's
    traffic to the uplink and its replies ahead of the external guard, and masquerades it.
    """
    cidr = str(ipaddress.IPv4Network(external_cidr, strict=False))
    if not uplink_ifname or len(uplink_ifname) > names.IFNAMSIZ or not all(
        c.isalnum() or c in "_.-@" for c in uplink_ifname
    ):
        raise ValueError(f"bad interface name {uplink_ifname!r}")
    _sysctl(host_netns, "net.ipv4.ip_forward=1")
    iptables.ensure_hook("FORWARD", EXTERNAL_GUARD, namespace=host_netns)
    for rule in _uplink_accepts(cidr, uplink_ifname):
        iptables.ensure_rule(EXTERNAL_GUARD, rule, namespace=host_netns, position=1)
    iptables.ensure_hook("POSTROUTING", UPLINK_NAT, table="nat", namespace=host_netns)
    iptables.ensure_rule(UPLINK_NAT, _masquerade(cidr, uplink_ifname), table="nat",
                         namespace=host_netns)


def disable_uplink_nat(
    external_cidr: str, uplink_ifname: str, *, host_netns: str | None = None
) -> None:
    """Undo ``enable_uplink_nat`` for this range (IP forwarding is left as it is)."""
    cidr = str(ipaddress.IPv4Network(external_cidr, strict=False))
    if EXTERNAL_GUARD in iptables.list_chains(EXTERNAL_GUARD, namespace=host_netns):
        for rule in _uplink_accepts(cidr, uplink_ifname):
            iptables.delete_rule(EXTERNAL_GUARD, rule, namespace=host_netns)
    if UPLINK_NAT in iptables.list_chains(UPLINK_NAT, table="nat", namespace=host_netns):
        iptables.delete_rule(UPLINK_NAT, _masquerade(cidr, uplink_ifname), table="nat",
                             namespace=host_netns)


def _uplink_accepts(cidr: str, uplink: str) -> list[list[str]]:
    return [
        ["-s", cidr, "-o", uplink, "-j", "ACCEPT"],
        ["-d", cidr, "-i", uplink, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED",
         "-j", "ACCEPT"],
    ]


def _masquerade(cidr: str, uplink: str) -> list[str]:
    return ["-s", cidr, "-o", uplink, "-j", "MASQUERADE"]


def _sysctl(namespace: str | None, *assignments: str) -> None:
    argv = ["sysctl", "-q", "-w", *assignments]
    run(["ip", "netns", "exec", namespace, *argv] if namespace else argv)


def remove_external_guard(*, host_netns: str | None = None) -> None:
    """The guard chain and its hook, once no external bridge is left to guard."""
    iptables.remove_hook("FORWARD", EXTERNAL_GUARD, namespace=host_netns)
