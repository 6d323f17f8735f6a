"""What the host holds of one store now: read from the kernel, /proc, libvirt and the host
directory, never from memory of what was done before.

Only the store's own objects are read (its names' prefixes, its host directory), except the
host's IPv4 routes, which show whether an external range would clash with another network.
Reading is cheap on purpose (a few ``ip -j`` calls, sysfs and /proc): every command that
changes something converges, and a no-op converge must cost little.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ostack_cli.backend.local import volume_files as volume_names
from ostack_cli.backend.local.console_proxy_host import ProxyProcess, find_proxies
from ostack_cli.backend.local.firewall_state import chain_rules, read_marker
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.runner import run

APPLIED_SUFFIX = ".applied"
METADATA_MODULE = b"ostack_cli.metadata.proxy"  # what a metadata proxy runs (python -m)
FORWARDING_FILE = "uplink-forwarding"  # the host's ip_forward before the uplink opt-in


@dataclass(frozen=True)
class Link:
    name: str
    kind: str  # "bridge", "veth", "tun", ... ("" when the kernel does not say)
    master: str | None = None
    up: bool = True
    mtu: int = 1500
    mac: str = ""


@dataclass(frozen=True)
class Inside:
    """What one of the store's namespaces holds (deep observation only)."""

    links: dict[str, Link] = field(default_factory=dict)
    addresses: dict[str, frozenset[str]] = field(default_factory=dict)  # but link-local
    routes: frozenset[tuple[str, str]] = frozenset()  # ours: (destination, via or dev:IF)
    nat: tuple[str, ...] = ()  # the nat table's rules, as iptables-save prints them


@dataclass(frozen=True)
class DnsmasqProcess:
    pid: int
    network_id: str
    argv: tuple[str, ...]


@dataclass(frozen=True)
class MetadataProcess:
    """A metadata proxy of the store's; ``in_namespace``: it runs in the namespace its
    command line names (not in one deleted and made again since)."""

    pid: int
    namespace: str
    argv: tuple[str, ...]
    in_namespace: bool


@dataclass(frozen=True)
class Observed:
    links: dict[str, Link] = field(default_factory=dict)  # the store's devices
    addresses: dict[str, frozenset[str]] = field(default_factory=dict)  # IPv4 CIDRs by device
    routes: tuple[tuple[str, str], ...] = ()  # the host's IPv4 routes: (destination, device)
    namespaces: frozenset[str] = frozenset()  # the store's
    dnsmasq: dict[str, tuple[DnsmasqProcess, ...]] = field(default_factory=dict)  # by network
    metadata: dict[str, tuple[MetadataProcess, ...]] = field(default_factory=dict)  # by ns
    dhcp_files: dict[str, tuple[str, str]] = field(default_factory=dict)  # (hosts, opts)
    router_digests: dict[str, str] = field(default_factory=dict)
    domains: frozenset[str] = frozenset()  # the store's guests, defined or running
    instance_dirs: frozenset[str] = frozenset()
    base_files: frozenset[str] = frozenset()
    volume_files: frozenset[str] = frozenset()  # names in volumes/ ostack makes
    dhcp_dirs: frozenset[str] = frozenset()
    firewall: bool = False  # whether the store's FORWARD chain exists (IPv4)
    firewall_rules: int = 0  # how many rules it holds
    firewall_marker: tuple[str, int] | None = None  # (digest, rules) of the last apply
    forwarding: str = "0"  # the host's net.ipv4.ip_forward
    saved_forwarding: str | None = None  # its value before the uplink opt-in, if opted in
    console_proxies: tuple[ProxyProcess, ...] = ()  # the store's (one, normally)
    inside: dict[str, Inside] = field(default_factory=dict)  # by namespace, when deep


def observe(
    names: HostNames, host_dir: Path, domains: Iterable[str], *, deep: bool = False
) -> Observed:
    """The store's objects on this host. ``domains``: the names of every libvirt guest.
    ``deep``: also what each of the store's namespaces holds (a few calls per namespace)."""
    links, addresses = _links(names)
    namespaces = frozenset(
        n for n in _listdir(Path("/run/netns")) if n.startswith(names.object_prefix))
    dnsmasq, metadata = _processes(host_dir, names)
    forward = chain_rules(names.chain("FORWARD"))
    inside: dict[str, Inside] = {}
    if deep and namespaces:
        # Each look is a few short programs: look into the namespaces side by side.
        with ThreadPoolExecutor(max_workers=min(8, len(namespaces))) as pool:
            looks = {n: pool.submit(_inside, n, router=n.startswith(
                names.router_namespace_prefix)) for n in namespaces}
            inside = {n: look.result() for n, look in looks.items()}
    return Observed(
        links=links,
        addresses=addresses,
        routes=host_routes(),
        namespaces=namespaces,
        dnsmasq=dnsmasq,
        metadata=metadata,
        dhcp_files=_dhcp_files(host_dir),
        router_digests={
            name.removesuffix(APPLIED_SUFFIX): _read(host_dir / "routers" / name)
            for name in _listdir(host_dir / "routers") if name.endswith(APPLIED_SUFFIX)
        },
        domains=frozenset(d for d in domains if d.startswith(names.object_prefix)),
        instance_dirs=frozenset(_listdir(host_dir / "instances")),
        base_files=frozenset(n for n in _listdir(host_dir / "_base") if not n.startswith(".")),
        dhcp_dirs=frozenset(_listdir(host_dir / "dhcp")),
        volume_files=frozenset(n for n in _listdir(host_dir / volume_names.DIRECTORY)
                               if volume_names.ours(n)),
        firewall=forward is not None,
        firewall_rules=forward or 0,
        firewall_marker=read_marker(names.tag),
        forwarding=_read(Path("/proc/sys/net/ipv4/ip_forward")).strip(),
        saved_forwarding=_read(host_dir / FORWARDING_FILE).strip() or None,
        console_proxies=find_proxies(host_dir),
        inside=inside,
    )


def _inside(namespace: str, *, router: bool) -> Inside:
    links: dict[str, Link] = {}
    addresses: dict[str, frozenset[str]] = {}
    for entry in _ip_json(["ip", "-n", namespace, "-j", "addr", "show"]):
        name = str(entry.get("ifname", ""))
        links[name] = Link(name=name, kind="", up="UP" in (entry.get("flags") or []),
                           mtu=int(entry.get("mtu", 0)), mac=str(entry.get("address", "")))
        addresses[name] = frozenset(
            f"{a['local']}/{a['prefixlen']}" for a in entry.get("addr_info") or []
            if a.get("scope") != "link" and a.get("family") in ("inet", "inet6")
        )
    if not router:
        return Inside(links=links, addresses=addresses)
    routes = set()
    for family in ("-4", "-6"):
        for entry in _ip_json(["ip", "-n", namespace, "-j", family, "route", "show", "table",
                               "main", "proto", "static"]):
            destination = str(entry.get("dst", ""))
            if destination == "default":
                destination = "0.0.0.0/0" if family == "-4" else "::/0"
            elif "/" not in destination:
                destination += "/32" if family == "-4" else "/128"
            via = entry.get("gateway")
            routes.add((destination, str(via) if via else f"dev:{entry.get('dev')}"))
    saved = run(["ip", "netns", "exec", namespace, "iptables-save", "-t", "nat"])
    nat = tuple(sorted(line for line in saved.splitlines() if line.startswith("-A ")))
    return Inside(links=links, addresses=addresses, routes=frozenset(routes), nat=nat)


def _links(names: HostNames) -> tuple[dict[str, Link], dict[str, frozenset[str]]]:
    links: dict[str, Link] = {}
    for entry in _ip_json(["ip", "-j", "-d", "link", "show"]):
        name = str(entry.get("ifname", ""))
        if not name.startswith(names.device_prefix):
            continue
        info = entry.get("linkinfo") or {}
        links[name] = Link(
            name=name,
            kind=str(info.get("info_kind", "")),
            master=entry.get("master"),
            up="UP" in (entry.get("flags") or []),
            mtu=int(entry.get("mtu", 0)),
            mac=str(entry.get("address", "")),
        )
    addresses: dict[str, frozenset[str]] = {}
    for entry in _ip_json(["ip", "-j", "-4", "addr", "show"]):
        name = str(entry.get("ifname", ""))
        if name in links:
            addresses[name] = frozenset(
                f"{a['local']}/{a['prefixlen']}" for a in entry.get("addr_info") or []
                if a.get("family") == "inet"
            )
    return links, addresses


def host_routes() -> tuple[tuple[str, str], ...]:
    """The host's IPv4 routes (main table) but the default: (destination, device)."""
    routes = []
    for entry in _ip_json(["ip", "-j", "-4", "route", "show", "table", "main"]):
        destination, device = entry.get("dst"), entry.get("dev")
        if destination and device and destination != "default":
            if "/" not in destination:
                destination += "/32"
            routes.append((str(destination), str(device)))
    return tuple(sorted(routes))


def _processes(
    host_dir: Path, names: HostNames
) -> tuple[dict[str, tuple[DnsmasqProcess, ...]], dict[str, tuple[MetadataProcess, ...]]]:
    """The store's dnsmasq processes (by network) and metadata proxies (by namespace), found
    by what they run, so a reused PID can never pass for one: a dnsmasq whose pid file is in
    a network's directory of the store's, a proxy whose ``--namespace`` is the store's."""
    pid_prefix = f"--pid-file={host_dir / 'dhcp'}/"
    namespace_prefix = f"--namespace={names.object_prefix}"
    dnsmasq: dict[str, list[DnsmasqProcess]] = {}
    metadata: dict[str, list[MetadataProcess]] = {}
    for pid, argv in process_argvs():
        entry = str(pid)
        if argv and argv[0].endswith(b"dnsmasq"):
            args = tuple(a.decode(errors="replace") for a in argv if a)
            pid_arg = next((a for a in args if a.startswith(pid_prefix)), None)
            if pid_arg is None or _zombie(int(entry)):
                continue
            network_id = pid_arg.removeprefix(pid_prefix).split("/")[0]
            dnsmasq.setdefault(network_id, []).append(
                DnsmasqProcess(int(entry), network_id, args))
        elif METADATA_MODULE in argv:
            args = tuple(a.decode(errors="replace") for a in argv if a)
            ns_arg = next((a for a in args if a.startswith(namespace_prefix)), None)
            if ns_arg is None or _zombie(int(entry)):
                continue
            namespace = ns_arg.removeprefix("--namespace=")
            metadata.setdefault(namespace, []).append(MetadataProcess(
                int(entry), namespace, args, _in_namespace(int(entry), namespace)))
    return ({k: tuple(v) for k, v in dnsmasq.items()},
            {k: tuple(v) for k, v in metadata.items()})


def process_argvs() -> Iterator[tuple[int, list[bytes]]]:
    """Each running process's PID and command line (its ``/proc/<pid>/cmdline`` split at
    NULs); processes that end while being read are left out."""
    for entry in _listdir(Path("/proc")):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        yield int(entry), argv


def _in_namespace(pid: int, namespace: str) -> bool:
    try:
        return (os.stat(f"/proc/{pid}/ns/net").st_ino
                == os.stat(Path("/run/netns") / namespace).st_ino)
    except OSError:
        return False


def _dhcp_files(host_dir: Path) -> dict[str, tuple[str, str]]:
    files = {}
    for network_id in _listdir(host_dir / "dhcp"):
        directory = host_dir / "dhcp" / network_id
        files[network_id] = (_read(directory / "hosts"), _read(directory / "opts"))
    return files


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X")


def _ip_json(argv: list[str]) -> list[dict[str, Any]]:
    text = run(argv)
    parsed = json.loads(text) if text.strip() else []
    return [e for e in parsed if isinstance(e, dict)]


def _listdir(path: Path) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except (FileNotFoundError, NotADirectoryError):
        return []


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
