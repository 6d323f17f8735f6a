"""The difference between what the host should hold and what it holds, as steps: a pure
function (``plan(desired, observed)``), golden-tested, no root needed to test it.

Deletions come from observation alone: whatever carries the store's names and no record
wants is removed, so a crash at any point leaves nothing the next converge does not collect.
Steps are ordered so that a guest's tap is never without its filter: orphan guests go first,
then the firewall is brought in line, then networks and routers are torn down and built,
then the metadata proxies in their namespaces are started (and stopped before their
namespaces go).

``deep`` (``ostack host sync``) also looks inside each namespace (its devices, addresses,
routes and NAT table) and re-lays a router or DHCP server whose insides differ from what
its records say; otherwise one whose namespace, legs, files and process are in place and
whose recorded fingerprint matches is left alone.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ostack_cli.backend.local import l3, volume_files
from ostack_cli.backend.local.console_proxy_host import ConsoleProxySpec
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.reconcile.desired import (
    DHCP_IFNAME,
    BridgeSpec,
    Desired,
    DhcpSpec,
    FaultKey,
    MetadataProxySpec,
    RouterPlan,
)
from ostack_cli.backend.local.reconcile.observe import Inside, Observed

HOST = "host"
# A console proxy that cannot run is a fault of its own: no command's records are at stake.
CONSOLE_PROXY = ("console", "proxy")


@dataclass(frozen=True)
class Action:
    """One step; ``key`` is the resource a failure of this step is recorded against."""

    key: FaultKey

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class DestroyGuest(Action):
    domain: str

    def describe(self) -> str:
        return f"destroy and undefine orphan guest {self.domain}"


@dataclass(frozen=True)
class ApplyFirewall(Action):
    def describe(self) -> str:
        return "apply the store's firewall"


@dataclass(frozen=True)
class RemoveFirewall(Action):
    def describe(self) -> str:
        return "remove the store's firewall chains and hooks"


@dataclass(frozen=True)
class SetForwarding(Action):
    """The host's IPv4 forwarding, for the uplink opt-in; ``restore`` puts back the value
    the host had before the opt-in."""

    enable: bool

    def describe(self) -> str:
        return "turn host IPv4 forwarding on" if self.enable else "restore host IPv4 forwarding"


@dataclass(frozen=True)
class StopDhcp(Action):
    pids: tuple[int, ...]

    def describe(self) -> str:
        return f"stop dnsmasq {', '.join(map(str, self.pids))} of network {self.key[1]}"


@dataclass(frozen=True)
class StopMetadataProxy(Action):
    pids: tuple[int, ...]
    namespace: str

    def describe(self) -> str:
        return f"stop metadata proxy {', '.join(map(str, self.pids))} in {self.namespace}"


@dataclass(frozen=True)
class RemoveRouter(Action):
    namespace: str

    def describe(self) -> str:
        return f"remove router namespace {self.namespace}"


@dataclass(frozen=True)
class RemoveNamespace(Action):
    namespace: str

    def describe(self) -> str:
        return f"remove namespace {self.namespace}"


@dataclass(frozen=True)
class RemoveLink(Action):
    device: str

    def describe(self) -> str:
        return f"remove device {self.device}"


@dataclass(frozen=True)
class EnsureBridge(Action):
    spec: BridgeSpec

    def describe(self) -> str:
        address = f" holding {self.spec.address}" if self.spec.address else ""
        return f"bring bridge {self.spec.name} up (mtu {self.spec.mtu}){address}"


@dataclass(frozen=True)
class PlugTap(Action):
    tap: str
    bridge: str

    def describe(self) -> str:
        return f"plug {self.tap} into {self.bridge}"


@dataclass(frozen=True)
class EnsureDhcp(Action):
    spec: DhcpSpec
    restart: tuple[int, ...] = ()  # dnsmasq processes to stop first (stale arguments)

    def describe(self) -> str:
        again = f" (restarting {', '.join(map(str, self.restart))})" if self.restart else ""
        return f"serve DHCP for network {self.spec.network_id} in {self.spec.namespace}{again}"


@dataclass(frozen=True)
class EnsureRouter(Action):
    plan: RouterPlan

    def describe(self) -> str:
        return f"lay out router namespace {self.plan.namespace} ({self.plan.digest})"


@dataclass(frozen=True)
class StartMetadataProxy(Action):
    spec: MetadataProxySpec
    restart: tuple[int, ...] = ()  # proxies to stop first (stale arguments or namespace)

    def describe(self) -> str:
        again = f" (restarting {', '.join(map(str, self.restart))})" if self.restart else ""
        return (f"serve metadata for {self.spec.kind} {self.spec.resource_id} in "
                f"{self.spec.namespace}{again}")


@dataclass(frozen=True)
class StopConsoleProxy(Action):
    pids: tuple[int, ...]

    def describe(self) -> str:
        return f"stop console proxy {', '.join(map(str, self.pids))}"


@dataclass(frozen=True)
class StartConsoleProxy(Action):
    spec: ConsoleProxySpec

    def describe(self) -> str:
        return f"start the console proxy on {self.spec.listen}"


@dataclass(frozen=True)
class RemoveFiles(Action):
    path: str  # relative to the host directory

    def describe(self) -> str:
        return f"remove {self.path}"


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...] = ()
    faults: dict[FaultKey, str] = field(default_factory=dict)

    def describe(self) -> str:
        lines = [a.describe() for a in self.actions]
        lines += [f"fault {kind} {rid}: {why}" for (kind, rid), why in sorted(self.faults.items())]
        return "\n".join(lines) + ("\n" if lines else "")


def plan(desired: Desired, observed: Observed, *, deep: bool = False) -> Plan:
    names = desired.settings.names
    faults = dict(desired.faults)
    bridges = _without_clashes(desired.bridges, observed, faults)
    actions: list[Action] = []

    # 1. Guests no server record owns (a crash between a delete's steps).
    wanted_domains = {names.domain(s) for s in desired.servers}
    actions += [DestroyGuest(("server", d.removeprefix(names.object_prefix)), d)
                for d in sorted(observed.domains - wanted_domains)]

    # 2. The firewall, before any tap is plugged anywhere (and taken away last of all).
    if not desired.empty and (deep or not _firewall_in_line(desired, observed)):
        actions.append(ApplyFirewall((HOST, "firewall")))
    uplink = not desired.empty and desired.guard is not None and bool(desired.guard.uplink)
    if uplink and observed.forwarding != "1":
        actions.append(SetForwarding((HOST, "uplink"), True))
    elif not uplink and observed.saved_forwarding is not None:
        actions.append(SetForwarding((HOST, "uplink"), False))

    # 3. What no record wants: DHCP servers, namespaces, devices.
    for network_id, processes in sorted(observed.dnsmasq.items()):
        if network_id not in desired.dhcp:
            actions.append(StopDhcp(("network", network_id), tuple(p.pid for p in processes)))
    for namespace, proxies in sorted(observed.metadata.items()):
        if namespace not in desired.metadata:  # before its namespace goes
            actions.append(StopMetadataProxy(_namespace_key(namespace, names),
                                             tuple(p.pid for p in proxies), namespace))
    stop_console, start_console = _console_proxy_steps(desired, observed)
    actions += stop_console
    wanted_namespaces = {d.namespace for d in desired.dhcp.values()}
    wanted_namespaces |= {r.namespace for r in desired.routers.values()}
    for namespace in sorted(observed.namespaces - wanted_namespaces):
        if namespace.startswith(names.router_namespace_prefix):
            router_id = namespace.removeprefix(names.router_namespace_prefix)
            actions.append(RemoveRouter(("router", router_id), namespace))
        else:
            network_id = namespace.removeprefix(names.dhcp_namespace_prefix)
            actions.append(RemoveNamespace(("network", network_id), namespace))
    wanted_links = _wanted_links(desired, bridges)
    for device in sorted(set(observed.links) - wanted_links):
        if observed.links[device].kind == "tun":
            continue  # a guest's tap: it goes with its guest, never before
        actions.append(RemoveLink((HOST, device), device))

    # 4. What records want: bridges, taps on them, DHCP servers, routers.
    for name, spec in sorted(bridges.items()):
        link = observed.links.get(name)
        have = observed.addresses.get(name, frozenset())
        want = frozenset({str(ipaddress.ip_interface(spec.address))} if spec.address else ())
        if (link is None or link.kind != "bridge" or not link.up or link.mtu != spec.mtu
                or have != want):
            actions.append(EnsureBridge(("network", spec.network_id), spec))
    for tap, (bridge, port_id) in sorted(desired.taps.items()):
        link = observed.links.get(tap)
        if link is not None and link.master != bridge and bridge in bridges:
            actions.append(PlugTap(("port", port_id), tap, bridge))
    for _, dhcp in sorted(desired.dhcp.items()):
        action = _dhcp_action(dhcp, observed, deep)
        if action is not None:
            actions.append(action)
    for router_id, router in sorted(desired.routers.items()):
        if not _router_in_line(router, observed, deep):
            actions.append(EnsureRouter(("router", router_id), router))
    # Metadata proxies once their namespaces are laid out.
    for _, proxy in sorted(desired.metadata.items()):
        action = _metadata_action(proxy, observed)
        if action is not None:
            actions.append(action)

    # The console proxy (it needs nothing above, and nothing above needs it).
    actions += start_console

    # 5. Files no record wants.
    actions += [RemoveFiles(("server", s), f"instances/{s}")
                for s in sorted(observed.instance_dirs - desired.servers)]
    actions += [RemoveFiles(("image", i), f"_base/{i}")
                for i in sorted(observed.base_files - desired.base_images)]
    actions += [RemoveFiles(volume_files.owner_of(n), f"{volume_files.DIRECTORY}/{n}")
                for n in sorted(observed.volume_files - desired.volume_files)]
    actions += [RemoveFiles(("network", n), f"dhcp/{n}")
                for n in sorted(observed.dhcp_dirs - set(desired.dhcp))]
    actions += [RemoveFiles(("router", r), f"routers/{r}.applied")
                for r in sorted(set(observed.router_digests) - set(desired.routers))]
    if desired.empty and (observed.firewall or deep):
        actions.append(RemoveFirewall((HOST, "firewall")))
    return Plan(tuple(actions), faults)


def _console_proxy_steps(
    desired: Desired, observed: Observed
) -> tuple[list[Action], list[Action]]:
    """One console proxy while the store has servers, running what the spec says; any
    other (stale arguments, a second one, none wanted) is stopped."""
    spec = desired.console_proxy
    current = [p for p in observed.console_proxies if spec is not None and p.argv == spec.argv]
    stale = [p.pid for p in observed.console_proxies if p not in current[:1]]
    stop: list[Action] = [StopConsoleProxy(CONSOLE_PROXY, tuple(stale))] if stale else []
    start: list[Action] = [StartConsoleProxy(CONSOLE_PROXY, spec)] if (
        spec is not None and not current) else []
    return stop, start


def _firewall_in_line(desired: Desired, observed: Observed) -> bool:
    """The last apply was made from the same ports and guard, and its FORWARD chain is still
    there with every rule (a flush, a reboot or a firewall reload would show)."""
    return (observed.firewall
            and observed.firewall_marker == (desired.firewall_digest, observed.firewall_rules))


def _without_clashes(
    bridges: dict[str, BridgeSpec], observed: Observed, faults: dict[FaultKey, str]
) -> dict[str, BridgeSpec]:
    """External bridges whose range another interface of the host already routes hold no
    address (the host could not tell the two apart), with a fault saying why."""
    kept = {}
    for name, spec in bridges.items():
        if spec.external_cidr and spec.address:
            net = ipaddress.IPv4Network(spec.external_cidr)
            clash = next(
                ((dst, dev) for dst, dev in observed.routes
                 if dev != name and ipaddress.IPv4Network(dst, strict=False).overlaps(net)),
                None,
            )
            if clash is not None:
                faults[("network", spec.network_id)] = (
                    f"its range {net} overlaps {clash[0]} on {clash[1]} (another ostack store "
                    "or network of this host): the host cannot reach its floating IPs; "
                    "give the external subnet another range")
                spec = BridgeSpec(name=spec.name, network_id=spec.network_id, mtu=spec.mtu)
        kept[name] = spec
    return kept


def _wanted_links(desired: Desired, bridges: dict[str, BridgeSpec]) -> set[str]:
    wanted = set(bridges) | set(desired.taps)
    wanted |= {d.leg for d in desired.dhcp.values()}
    wanted |= {device for r in desired.routers.values() for device, _ in r.legs}
    return wanted


def _namespace_key(namespace: str, names: HostNames) -> FaultKey:
    """The resource a namespace of the store's serves: its router or its network."""
    if namespace.startswith(names.router_namespace_prefix):
        return ("router", namespace.removeprefix(names.router_namespace_prefix))
    return ("network", namespace.removeprefix(names.dhcp_namespace_prefix))


def _metadata_action(spec: MetadataProxySpec, observed: Observed) -> Action | None:
    """Start the proxy unless exactly one runs in its namespace with its arguments; any
    other (stale arguments, a namespace made again since) is stopped first."""
    processes = observed.metadata.get(spec.namespace, ())
    current = [p for p in processes if p.argv == spec.argv and p.in_namespace]
    stale = tuple(p.pid for p in processes if p not in current)
    if len(current) > 1:
        stale += tuple(p.pid for p in current)
        current = []
    if current and not stale and spec.namespace in observed.namespaces:
        return None
    return StartMetadataProxy((spec.kind, spec.resource_id), spec, stale)


def _dhcp_action(spec: DhcpSpec, observed: Observed, deep: bool) -> Action | None:
    key = ("network", spec.network_id)
    processes = observed.dnsmasq.get(spec.network_id, ())
    current = [p for p in processes if p.argv == spec.argv]
    stale = tuple(p.pid for p in processes if p.argv != spec.argv)
    if len(current) > 1:  # two servers for one network: keep none, start one
        stale += tuple(p.pid for p in current)
        current = []
    leg = observed.links.get(spec.leg)
    in_line = (
        not stale
        and current
        and spec.namespace in observed.namespaces
        and leg is not None and leg.master == spec.bridge and leg.up
        and observed.dhcp_files.get(spec.network_id) == (spec.hosts_file, spec.opts_file)
        and (not deep or _dhcp_inside_in_line(spec, observed.inside.get(spec.namespace)))
    )
    return None if in_line else EnsureDhcp(key, spec, stale)


def _dhcp_inside_in_line(spec: DhcpSpec, inside: Inside | None) -> bool:
    if inside is None:
        return False
    link = inside.links.get(DHCP_IFNAME)
    want = {str(ipaddress.ip_interface(a)) for a in spec.addresses}
    return (link is not None and link.up and link.mtu == spec.mtu
            and inside.addresses.get(DHCP_IFNAME, frozenset()) == want)


def _router_in_line(router: RouterPlan, observed: Observed, deep: bool) -> bool:
    if router.namespace not in observed.namespaces:
        return False
    if observed.router_digests.get(router.spec.router_id) != router.digest:
        return False
    for device, bridge in router.legs:
        link = observed.links.get(device)
        if link is None or link.master != bridge or not link.up:
            return False
    return not deep or _router_inside_in_line(router, observed.inside.get(router.namespace))


def _router_inside_in_line(router: RouterPlan, inside: Inside | None) -> bool:
    """Legs, addresses, routes and NAT inside the namespace exactly as laid out."""
    if inside is None:
        return False
    layout = router.layout
    legs = {leg.inner: leg for leg in layout.legs}
    present = {n for n in inside.links if n.startswith((l3.INTERNAL_PREFIX, l3.EXTERNAL_PREFIX))}
    if present != set(legs):
        return False
    for name, leg in legs.items():
        link = inside.links[name]
        want = {str(ipaddress.ip_interface(a)) for a in leg.addresses}
        if (not link.up or link.mtu != leg.mtu or link.mac.lower() != leg.mac
                or inside.addresses.get(name, frozenset()) != want):
            return False
    external = next((leg.inner for leg in layout.legs if leg.external), None)
    routes = {(str(ipaddress.ip_network(d)), via) for d, via in layout.routes}
    if external is not None:
        routes |= {(f"{ipaddress.ip_address(a)}/32", f"dev:{external}") for a in layout.onlink}
    if set(inside.routes) != routes:
        return False
    return inside.nat == tuple(sorted(line for line in router.nat.splitlines()
                                      if line.startswith("-A ")))

