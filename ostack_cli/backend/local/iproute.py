"""iproute2's ``ip`` as the host's netlink client: state read with ``ip -j`` (or sysfs, in
ostack's own namespace), changes made by one ``ip -batch -`` per namespace per step.

No step forks per object: a router with 20 legs is one batch that makes them in the host,
one that brings their host ends up and one that lays out its namespace, where pyroute2's
namespaced sockets forked a helper process per use. Kernel parameters of ostack's own
namespace are written to ``/proc/sys`` directly; another namespace's are set by one
``sysctl`` run there with all of them.

Batch text is data, not a shell, but ``ip`` splits its lines on blanks and reads quotes,
backslashes and ``#`` in them: every value is checked first with the renderers' strictness
(full-match patterns for interface and namespace names and MACs, ``ipaddress`` for
addresses), and every word of a line once more against a word pattern none of those
characters pass (``line``), so no value can become another word, or another command.

``Work`` is what one bridge, DHCP leg or router needs (rendered by pure functions next to
their appliers, golden-tested); ``carry_out`` makes it in the one order that keeps IPv6 off
every host-side device before it comes up.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ostack_cli.backend.local.runner import HostCommandError, run

NETNS_DIR = Path("/run/netns")
SYS_NET = Path("/sys/class/net")
PROC_SYS = Path("/proc/sys")
IFF_UP = 0x1

# Our devices' names (``ost<tag>...``, ``qr-``/``qg-``, ``ostdhcp``, ``lo``): no dot, so a
# name is one component of a sysctl key too.
_IFNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,14}")
# A file name in /run/netns (``ostack-<tag>-router-<id>``): never "." or "..", no "/".
_NAMESPACE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")
_MAC_RE = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")
_SYSCTL_KEY_RE = re.compile(r"[a-z0-9_]+(\.[A-Za-z0-9_-]+)+")
_SYSCTL_VALUE_RE = re.compile(r"[0-9]{1,10}")
# One word of a batch line: nothing ip's tokenizer splits on, unquotes, unescapes or takes
# for a comment.
_WORD_RE = re.compile(r"[A-Za-z0-9_.:/-]+")
_FAILED_RE = re.compile(r"Command failed -:(\d+)")

# `ip netns add` makes /run/netns a shared mount the first time; two at once could stack two
# mounts and hide one's namespace. Only taken while it is not one yet.
_NETNS_DIR_SETUP = threading.Lock()

T = TypeVar("T")


# -- values --------------------------------------------------------------------------------


def check_ifname(name: str) -> str:
    if not isinstance(name, str) or not _IFNAME_RE.fullmatch(name):
        raise ValueError(f"invalid interface name {name!r}")
    return name


def check_namespace(name: str) -> str:
    if not isinstance(name, str) or not _NAMESPACE_RE.fullmatch(name):
        raise ValueError(f"invalid namespace name {name!r}")
    return name


def check_mac(mac: str) -> str:
    """A MAC in the lowercase form ``ip`` prints (how observation compares them)."""
    if not isinstance(mac, str) or not _MAC_RE.fullmatch(mac.lower()):
        raise ValueError(f"invalid MAC address {mac!r}")
    return mac.lower()


def check_mtu(mtu: int) -> int:
    if isinstance(mtu, bool) or not isinstance(mtu, int) or not 68 <= mtu <= 65535:
        raise ValueError(f"invalid MTU {mtu!r}")
    return mtu


def interface(value: str) -> str:
    """An address with its prefix (``10.0.0.1/24``), in its canonical spelling."""
    if not isinstance(value, str):
        raise ValueError(f"invalid address {value!r}")
    return str(ipaddress.ip_interface(value))


def network(value: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"invalid network {value!r}")
    return str(ipaddress.ip_network(value, strict=False))


def address(value: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"invalid address {value!r}")
    return str(ipaddress.ip_address(value))


def prefix_order(cidr: str) -> tuple[int, int, int]:
    """Shorter prefixes first (a subnet's address before /32s in it), then by address."""
    iface = ipaddress.ip_interface(cidr)
    return iface.network.prefixlen, iface.version, int(iface.ip)


# -- batch lines ----------------------------------------------------------------------------


def line(*words: str | int) -> str:
    """One batch line; refuses any word ip would not take as one plain word."""
    text = [str(w) for w in words]
    for word in text:
        if not _WORD_RE.fullmatch(word):
            raise ValueError(f"refusing {word!r} in an ip batch line")
    return " ".join(text)


def add_netns(name: str) -> str:
    return line("netns", "add", check_namespace(name))


def add_bridge(name: str) -> str:
    return line("link", "add", "name", check_ifname(name), "type", "bridge")


def add_veth(name: str, peer: str, peer_namespace: str, mtu: int, *,
             peer_mac: str | None = None) -> str:
    """A veth pair, both ends down: ``name`` here, ``peer`` made in ``peer_namespace``."""
    words: list[str | int] = ["link", "add", "name", check_ifname(name), "mtu", check_mtu(mtu),
                              "type", "veth", "peer", "name", check_ifname(peer), "netns",
                              check_namespace(peer_namespace), "mtu", mtu]
    if peer_mac is not None:
        words += ["address", check_mac(peer_mac)]
    return line(*words)


def set_link(name: str, *, master: str | None = None, mtu: int | None = None,
             mac: str | None = None, up: bool = False) -> str:
    words: list[str | int] = ["link", "set", "dev", check_ifname(name)]
    if master is not None:
        words += ["master", check_ifname(master)]
    if mtu is not None:
        words += ["mtu", check_mtu(mtu)]
    if mac is not None:
        words += ["address", check_mac(mac)]
    if up:
        words.append("up")
    return line(*words)


def delete_link(name: str) -> str:
    return line("link", "del", "dev", check_ifname(name))


def add_address(cidr: str, device: str) -> str:
    return line("addr", "add", interface(cidr), "dev", check_ifname(device))


def delete_address(cidr: str, device: str) -> str:
    return line("addr", "del", interface(cidr), "dev", check_ifname(device))


def replace_route(destination: str, *, via: str | None = None,
                  device: str | None = None) -> str:
    """Ours carry ``proto static``, so convergence never touches the kernel's routes. With
    ``device`` and no ``via``: on-link (scope link)."""
    words = ["route", "replace", network(destination)]
    if via is not None:
        words += ["via", address(via)]
    if device is not None:
        words += ["dev", check_ifname(device)]
        if via is None:
            words += ["scope", "link"]
    return line(*words, "proto", "static")


def delete_route(destination: str, *, via: str | None = None) -> str:
    # No scope: ``ip route del`` matches any (pyroute2 matched the universe scope only, so
    # on-link routes needed theirs).
    words = ["route", "del", network(destination)]
    if via is not None:
        words += ["via", address(via)]
    return line(*words, "proto", "static", "table", "main")


# -- what a namespace holds -----------------------------------------------------------------


@dataclass(frozen=True)
class LinkState:
    name: str
    up: bool = False
    mtu: int = 1500
    mac: str = ""
    master: str | None = None
    # Every address but link-local ones (scope link), as observation counts them; empty
    # when read from sysfs, which does not show them.
    addresses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Route:
    """A ``proto static`` route of the main table."""

    destination: str  # a network, "0.0.0.0/0" or "::/0" for a default route
    via: str | None = None
    device: str | None = None


@dataclass(frozen=True)
class NamespaceState:
    links: dict[str, LinkState] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()


def namespace_exists(name: str) -> bool:
    return (NETNS_DIR / check_namespace(name)).exists()


def delete_namespace(name: str) -> None:
    """``ip netns del``; a namespace already gone is fine."""
    try:
        run(["ip", "netns", "del", check_namespace(name)])
    except HostCommandError:
        if namespace_exists(name):
            raise


def read_namespace(namespace: str | None, *, routes: bool = False) -> NamespaceState:
    """Every link of ``namespace`` (None: ostack's own) with its addresses, and with
    ``routes`` its ``proto static`` routes: one ``ip`` run."""
    commands = [line("addr", "show")]
    if routes:
        # "table all" is the one way to list both families in one command; -d names the
        # table of every route, so the main table's can be told apart.
        commands.append(line("route", "show", "table", "all", "proto", "static"))
    text = run([*_ip(namespace), "-j", "-d", "-batch", "-"],
               input=("\n".join(commands) + "\n").encode())
    outputs = _json_documents(text)
    if len(outputs) != len(commands):
        raise HostCommandError(f"ip printed {len(outputs)} answers to {len(commands)} "
                               "questions")
    links = {state.name: state for state in map(_link_state, outputs[0])}
    found: list[Route] = []
    if routes:
        found = [r for r in map(_route, outputs[1]) if r is not None]
    return NamespaceState(links=links, routes=tuple(found))


def read_link(name: str, *, namespace: str | None = None) -> LinkState | None:
    """One link with its addresses, or None if there is none of that name."""
    try:
        text = run([*_ip(namespace), "-j", "addr", "show", "dev", check_ifname(name)])
    except HostCommandError as exc:
        if "does not exist" in exc.stderr:
            return None
        raise
    found = [_link_state(e) for document in _json_documents(text) for e in document
             if e.get("ifname") == name]
    return found[0] if found else None


def sysfs_links(names: Iterable[str]) -> dict[str, LinkState]:
    """State of ``names`` in ostack's own namespace from sysfs, without a process (and
    without addresses, which sysfs does not show); absent ones are left out."""
    found = {}
    for name in names:
        base = SYS_NET / check_ifname(name)
        try:
            flags = int((base / "flags").read_text().strip(), 16)
            mtu = int((base / "mtu").read_text().strip())
            mac = (base / "address").read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            continue  # no such device, or it went while being read
        try:
            master: str | None = os.path.basename(os.readlink(base / "master"))
        except OSError:
            master = None
        found[name] = LinkState(name=name, up=bool(flags & IFF_UP), mtu=mtu, mac=mac,
                                master=master)
    return found


def host_links(names: Iterable[str], *, host_netns: str | None = None) -> dict[str, LinkState]:
    """``names``' state where the host's devices live (addresses only when ``host_netns``)."""
    wanted = list(names)
    if host_netns is None:
        return sysfs_links(wanted)
    links = read_namespace(host_netns).links
    return {n: links[n] for n in wanted if n in links}


def _link_state(entry: dict[str, Any]) -> LinkState:
    return LinkState(
        name=str(entry.get("ifname", "")),
        up="UP" in (entry.get("flags") or []),
        mtu=int(entry.get("mtu", 0)),
        mac=str(entry.get("address", "")).lower(),
        master=entry.get("master"),
        addresses=frozenset(
            f"{a['local']}/{a['prefixlen']}" for a in entry.get("addr_info") or []
            if a.get("scope") != "link" and a.get("family") in ("inet", "inet6")
        ),
    )


def _route(entry: dict[str, Any]) -> Route | None:
    if entry.get("table", "main") != "main":
        return None
    via = entry.get("gateway")
    destination = str(entry.get("dst", ""))
    # The kernel gives every IPv6 route a preference (RTA_PREF), never an IPv4 one: what
    # tells "default" of one family from the other's.
    v6 = "pref" in entry or ":" in destination or (isinstance(via, str) and ":" in via)
    if destination == "default":
        destination = "::/0" if v6 else "0.0.0.0/0"
    elif "/" not in destination:
        destination += "/128" if v6 else "/32"
    return Route(destination=network(destination),
                 via=address(via) if isinstance(via, str) else None,
                 device=entry.get("dev"))


def _json_documents(text: str) -> list[list[dict[str, Any]]]:
    """The JSON arrays ``ip -j -batch`` prints, one per command."""
    decoder = json.JSONDecoder()
    documents: list[list[dict[str, Any]]] = []
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return documents
        value, at = decoder.raw_decode(text, at)
        documents.append([e for e in value if isinstance(e, dict)]
                         if isinstance(value, list) else [])


# -- making it so ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """What one step changes, each part in one process, in this order (empty ones skipped):

    1. ``clear``, in ``namespace``: what must go before anything is made (half-made legs);
    2. ``namespace`` itself when ``new_namespace``, and ``make`` in the host: devices, down;
    3. ``sysctls`` in ``namespace``;
    4. IPv6 off on ``ipv6_off`` (host-side devices), before any of them comes up;
    5. ``host``: masters, MTUs, "up", addresses of the host's devices;
    6. ``inside``, in ``namespace``: its devices, addresses and routes.
    """

    namespace: str | None = None
    clear: tuple[str, ...] = ()
    new_namespace: bool = False
    make: tuple[str, ...] = ()
    sysctls: tuple[tuple[str, str], ...] = ()
    ipv6_off: tuple[str, ...] = ()
    host: tuple[str, ...] = ()
    inside: tuple[str, ...] = ()

    def text(self) -> str:
        """The whole of it, as golden files show it."""
        parts = [("clear, in the namespace", self.clear),
                 ("make, in the host", ((add_netns(self.namespace),) if self.new_namespace
                                        and self.namespace else ()) + self.make),
                 ("sysctl, in the namespace", tuple(f"{k}={v}" for k, v in self.sysctls)),
                 ("IPv6 off, in the host", self.ipv6_off),
                 ("in the host", self.host),
                 ("in the namespace", self.inside)]
        lines = [f"# namespace {self.namespace}"] if self.namespace else []
        for title, body in parts:
            if body:
                lines += [f"# {title}", *body]
        return "\n".join(lines) + "\n"


def carry_out(work: Work, *, host_netns: str | None = None) -> None:
    """Make ``work``: at most one ``ip`` (or ``sysctl``) process per part."""
    if work.clear:
        batch(work.clear, namespace=_own(work))
    if work.new_namespace:
        namespace = _own(work)
        if host_netns is None:
            # One process makes the namespace and the devices (``netns add`` returns to the
            # namespace it was run in before the next line).
            _making_namespace(lambda: batch((add_netns(namespace), *work.make)))
        else:
            # `ip -n` runs in a mount namespace of its own: a namespace it made would not
            # be seen outside it. Made from ours instead.
            _making_namespace(lambda: batch((add_netns(namespace),)))
            batch(work.make, namespace=host_netns)
    elif work.make:
        batch(work.make, namespace=host_netns)
    if work.sysctls:
        sysctl(work.sysctls, namespace=_own(work))
    ipv6_off(work.ipv6_off, namespace=host_netns)
    batch(work.host, namespace=host_netns)
    batch(work.inside, namespace=work.namespace)


def twice(attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (which reads what it needs, then changes it) once more if ``ip``
    failed: another process (or a half-done earlier attempt) changed what it read, e.g. a
    link or address it meant to make exists now (EEXIST). The second failure stands."""
    try:
        return attempt()
    except HostCommandError:
        return attempt()


def batch(lines: Sequence[str], *, namespace: str | None = None) -> None:
    """Run ``lines`` in one ``ip -batch -``; on failure, HostCommandError with ip's complaint
    and the line it was about."""
    if not lines:
        return
    try:
        run([*_ip(namespace), "-batch", "-"], input=("\n".join(lines) + "\n").encode())
    except HostCommandError as exc:
        raise _batch_error(exc, lines, namespace) from None


def sysctl(values: Iterable[tuple[str, str]], *, namespace: str | None = None) -> None:
    """Set kernel parameters: in ostack's own namespace by writing ``/proc/sys`` (no
    process), in ``namespace`` by one ``sysctl`` run there for them all."""
    pairs = [(_check_sysctl_key(k), _check_sysctl_value(v)) for k, v in values]
    if not pairs:
        return
    if namespace is not None:
        run(["ip", "netns", "exec", check_namespace(namespace), "sysctl", "-q", "-w",
             *(f"{k}={v}" for k, v in pairs)])
        return
    for key, value in pairs:
        try:
            PROC_SYS.joinpath(*key.split(".")).write_text(f"{value}\n")
        except OSError as exc:
            raise HostCommandError(f"cannot set {key}: {exc.strerror or exc}") from None


def ipv6_off(devices: Sequence[str], *, namespace: str | None = None) -> None:
    """No IPv6 at all on ``devices`` (OSSN-0069: guests never reach the host over
    link-local); nothing to do on a kernel without IPv6."""
    if devices and (namespace is not None or (PROC_SYS / "net" / "ipv6").is_dir()):
        sysctl([(f"net.ipv6.conf.{check_ifname(d)}.disable_ipv6", "1") for d in devices],
               namespace=namespace)


def _own(work: Work) -> str:
    if work.namespace is None:
        raise ValueError("this work names no namespace")
    return work.namespace


def _making_namespace(make: Callable[[], None]) -> None:
    if os.path.ismount(NETNS_DIR):
        make()
        return
    with _NETNS_DIR_SETUP:
        make()


def _ip(namespace: str | None) -> list[str]:
    return ["ip", "-n", check_namespace(namespace)] if namespace is not None else ["ip"]


def _batch_error(exc: HostCommandError, lines: Sequence[str],
                 namespace: str | None) -> HostCommandError:
    complaint, where = [], ""
    for text in exc.stderr.strip().splitlines():
        failed = _FAILED_RE.fullmatch(text.strip())
        if failed is None:
            complaint.append(text.strip())
        elif 0 < int(failed.group(1)) <= len(lines):
            where = f" (at `{lines[int(failed.group(1)) - 1]}`)"
    program = f"ip -n {namespace}" if namespace else "ip"
    error = HostCommandError(f"{program} failed: {'; '.join(complaint) or exc}{where}")
    error.returncode, error.stderr = exc.returncode, exc.stderr
    return error


def _check_sysctl_key(key: str) -> str:
    if not _SYSCTL_KEY_RE.fullmatch(key):
        raise ValueError(f"invalid sysctl key {key!r}")
    return key


def _check_sysctl_value(value: str) -> str:
    if not _SYSCTL_VALUE_RE.fullmatch(value):
        raise ValueError(f"invalid sysctl value {value!r}")
    return value
