"""Routers on the host: a network namespace per router, joined to networks' bridges by veths,
and external networks' bridges.

``ensure_router(spec, names)`` converges a router's namespace to ``l3.router_layout`` and its
``nat`` table to ``l3.render_nat_table(spec)``; running it twice changes nothing.
``ensure_bridge`` makes a network's bridge and gives an external one the subnet's gateway
address on the host side, as devstack's br-ex, so the host reaches floating IPs (what may
cross the host from and to those bridges is the firewall's business: ``firewall.HostGuard``).

Each reads what is there (sysfs, ``ip -j``), renders what to change as ``ip -batch`` text
(``bridge_work``, ``router_work``: pure, golden-tested) and makes it with a few processes in
all, however many legs a router has (``iproute.carry_out``); a failed attempt is read and made
once more (another process got there first).

``host_netns`` (default: the host itself) names the namespace that plays the host, where
bridges live; tests use it to keep everything inside throwaway namespaces.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Mapping

from ostack_cli.backend.local import conntrack, iproute, iptables, l3
from ostack_cli.backend.local.iproute import LinkState, NamespaceState, Work
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.runner import HostCommandError

LEG_PREFIXES = (l3.INTERNAL_PREFIX, l3.EXTERNAL_PREFIX)

# -- routers ------------------------------------------------------------------------------


def ensure_router(
    spec: l3.RouterSpec, names: HostNames, *, host_netns: str | None = None
) -> None:
    """Create or update the router's namespace, legs, addresses, routes and NAT table."""
    layout = l3.router_layout(spec, names)
    removed_floating: set[str] = set()

    def attempt() -> None:
        host = iproute.host_links([n for leg in layout.legs for n in (leg.bridge, leg.outer)],
                                  host_netns=host_netns)
        for leg in layout.legs:  # before anything is made: no half-made router
            if leg.bridge not in host:
                raise HostCommandError(
                    f"Bridge {leg.bridge} of network {leg.network_id} is missing on the host."
                )
        inside = (iproute.read_namespace(layout.namespace, routes=True)
                  if iproute.namespace_exists(layout.namespace) else None)
        work, floating = router_work(layout, host, inside)
        removed_floating.update(floating)  # even if this attempt fails half-way
        iproute.carry_out(work, host_netns=host_netns)

    iproute.twice(attempt)
    iptables.apply(l3.render_nat_table(spec), namespace=layout.namespace, noflush=False)
    if removed_floating:
        conntrack.forget(removed_floating, namespace=layout.namespace)


def router_work(
    layout: l3.RouterLayout,
    host: Mapping[str, LinkState],
    inside: NamespaceState | None,
) -> tuple[Work, frozenset[str]]:
    """What brings a router's namespace to ``layout``, given the host's bridges and legs
    (``host``) and what its namespace holds (None: no namespace yet); and the floating IPs
    it takes away (their flows are to be forgotten)."""
    namespace = iproute.check_namespace(layout.namespace)
    for leg in layout.legs:  # every value, whatever lines end up holding them
        for ifname in (leg.inner, leg.outer, leg.bridge):
            iproute.check_ifname(ifname)
        iproute.check_mtu(leg.mtu)
        iproute.check_mac(leg.mac)
    links = inside.links if inside is not None else {}
    wanted = {leg.inner for leg in layout.legs}
    clear: list[str] = []
    removed: set[str] = set()
    for name in sorted(links):
        if name.startswith(LEG_PREFIXES) and name not in wanted:
            if name.startswith(l3.EXTERNAL_PREFIX):  # its floating IPs go with it
                removed |= {c.split("/")[0] for c in links[name].addresses
                            if c.endswith("/32")}
            clear.append(iproute.delete_link(name))  # takes its host-side peer with it
    make: list[str] = []
    host_lines: list[str] = []
    inside_lines: list[str] = []
    lo = links.get("lo")
    if lo is None or not lo.up:
        inside_lines.append(iproute.set_link("lo", up=True))
    for leg in layout.legs:
        inner, outer = links.get(leg.inner), host.get(leg.outer)
        if inner is None or outer is None:  # a half-made leg (a crash), or none yet
            if inner is not None:
                clear.append(iproute.delete_link(leg.inner))
            if outer is not None:
                make.append(iproute.delete_link(leg.outer))
            make.append(iproute.add_veth(leg.outer, leg.inner, namespace, leg.mtu,
                                         peer_mac=leg.mac))
            inner = outer = None
        if outer is None or outer.master != leg.bridge or outer.mtu != leg.mtu or not outer.up:
            host_lines.append(iproute.set_link(leg.outer, master=leg.bridge, mtu=leg.mtu,
                                               up=True))
        if inner is not None and inner.mac != leg.mac:
            inside_lines.append(iproute.set_link(leg.inner, mac=leg.mac))
        if inner is None or inner.mtu != leg.mtu or not inner.up:
            inside_lines.append(iproute.set_link(leg.inner, mtu=leg.mtu, up=True))
        have = inner.addresses if inner is not None else frozenset()
        want = {iproute.interface(a) for a in leg.addresses}
        inside_lines += [iproute.delete_address(c, leg.inner) for c in sorted(have - want)]
        inside_lines += [iproute.add_address(c, leg.inner)
                         for c in sorted(want - have, key=iproute.prefix_order)]
        if leg.external:
            removed |= {c.split("/")[0] for c in have - want if c.endswith("/32")}
    external = next((leg.inner for leg in layout.legs if leg.external), None)
    inside_lines += _route_lines(layout, inside.routes if inside is not None else (), external)
    work = Work(
        namespace=namespace,
        clear=tuple(clear),
        new_namespace=inside is None,
        make=tuple(make),
        sysctls=(("net.ipv4.ip_forward", "1"),
                 ("net.ipv6.conf.all.forwarding", str(int(layout.ipv6)))),
        ipv6_off=tuple(leg.outer for leg in layout.legs),
        host=tuple(host_lines),
        inside=tuple(inside_lines),
    )
    return work, frozenset(removed)


def _route_lines(
    layout: l3.RouterLayout, have: tuple[iproute.Route, ...], external: str | None
) -> list[str]:
    """Stale static routes go; every wanted one is (re)placed, even one that is there: a
    route through an address the lines before took away is gone by now."""
    want = {iproute.network(d): iproute.address(via) for d, via in layout.routes}
    want_onlink = ({iproute.network(f"{iproute.address(a)}/32") for a in layout.onlink}
                   if external else set())
    lines = []
    for route in have:
        onlink = route.via is None and route.destination in want_onlink
        if not onlink and (route.via is None or want.get(route.destination) != route.via):
            lines.append(iproute.delete_route(route.destination, via=route.via))
    if external is not None:
        lines += [iproute.replace_route(c, device=external)
                  for c in sorted(want_onlink, key=iproute.prefix_order)]
    # After the on-link routes: a next hop outside every leg's subnet is reached by one.
    lines += [iproute.replace_route(d, via=via) for d, via in layout.routes]
    return lines


def remove_router(namespace: str, *, host_netns: str | None = None) -> None:
    """Remove a router's namespace and every leg; absent parts are fine. (``host_netns``
    changes nothing: the legs' host ends go with their namespace ends, wherever they are.)"""
    if not iproute.namespace_exists(namespace):
        return
    # Delete the veths first: a namespace is freed asynchronously, and its legs' host-side
    # ends would linger meanwhile and clash with a router re-created at once.
    legs = [n for n in iproute.read_namespace(namespace).links if n.startswith(LEG_PREFIXES)]
    with contextlib.suppress(HostCommandError):  # whatever is left goes with the namespace
        iproute.batch([iproute.delete_link(n) for n in sorted(legs)], namespace=namespace)
    iproute.delete_namespace(namespace)


# -- bridges ------------------------------------------------------------------------------


def ensure_bridge(
    bridge: str, mtu: int, address: str | None = None, *, host_netns: str | None = None
) -> None:
    """A bridge, up, with ``mtu``, holding exactly ``address`` (e.g. "203.0.113.1/24") or no
    address; no IPv6 at all (OSSN-0069: guests never reach the host over link-local)."""
    iproute.check_ifname(bridge)

    def attempt() -> None:
        have: LinkState | None = None
        # In the host, sysfs says without a process whether it is there (on a first
        # converge it is not, and there is nothing more to read).
        if host_netns is not None or iproute.sysfs_links([bridge]):
            have = iproute.read_link(bridge, namespace=host_netns)
        iproute.carry_out(bridge_work(bridge, mtu, address, have), host_netns=host_netns)

    iproute.twice(attempt)


def bridge_work(bridge: str, mtu: int, address: str | None, have: LinkState | None) -> Work:
    """What brings ``bridge`` (``have``: what is there, None if nothing) to ``mtu``, up,
    holding exactly ``address`` (IPv4) or no address."""
    iproute.check_ifname(bridge)  # whatever lines end up holding them
    iproute.check_mtu(mtu)
    want = {str(ipaddress.IPv4Interface(address))} if address else set()
    held = have.addresses if have is not None else frozenset()
    host = []
    if have is None or have.mtu != mtu or not have.up:
        host.append(iproute.set_link(bridge, mtu=mtu, up=True))
    host += [iproute.delete_address(c, bridge) for c in sorted(held - want)]
    host += [iproute.add_address(c, bridge) for c in sorted(want - held)]
    return Work(make=(iproute.add_bridge(bridge),) if have is None else (),
                ipv6_off=(bridge,), host=tuple(host))


def remove_link(device: str, *, host_netns: str | None = None) -> None:
    """Delete a device of the host; one already gone is fine."""
    try:
        iproute.batch([iproute.delete_link(device)], namespace=host_netns)
    except HostCommandError:
        if iproute.host_links([device], host_netns=host_netns):
            raise


def plug(device: str, bridge: str, *, host_netns: str | None = None) -> None:
    """Put an existing device (a guest's tap) on a bridge: one re-created after it was lost
    (a reboot, a hand) starts empty, and QEMU's taps hang loose until enslaved again."""
    present = iproute.host_links([device, bridge], host_netns=host_netns)
    if device in present and bridge in present:
        iproute.batch([iproute.set_link(device, master=bridge, up=True)], namespace=host_netns)


def set_forwarding(value: str, *, host_netns: str | None = None) -> None:
    iproute.sysctl([("net.ipv4.ip_forward", str(int(value)))], namespace=host_netns)
