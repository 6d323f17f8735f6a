"""Real-kernel tests of firewall, router and NAT primitives, inside throwaway namespaces.

Root only. Each test gets a sandbox: a namespace ``ostt-hv-*`` that plays the host (its own
bridges, iptables, ebtables, conntrack and br_netfilter switches) for a store with a random
tag of its own (``Sandbox.names``); "guests" are namespaces ``ostt-g*`` joined to the
sandbox's bridges by veths whose bridge-side ends carry the names the store gives its ports'
taps, and router namespaces are ``ostack-<tag>-router-ostt-*``. Everything is removed after
the test, even on failure. Every name carries the pid of the pytest run that made it, so
leftovers of a crashed run are removed before the first test while a run going on at the
same time (another engineer's) keeps its own. Traffic never leaves the namespaces a test
made: the host's own tables and devices are not touched (the sandbox fixture checks that no
device of a sandbox's stores shows up there).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.backend.local import firewall, iptables, names, router_host
from ostack_cli.backend.local.names import HostNames

TEST_PREFIX = "ostt-"
# Router ids of the tests start with TEST_PREFIX, so their namespaces are told apart from a
# real store's by name alone (the tag-less form is what runs before store tags left behind).
ROUTER_NAMESPACE_RE = re.compile(
    rf"^{names.PREFIX}-(?:[0-9a-f]{{{names.TAG_LENGTH}}}-)?router-{TEST_PREFIX}")
HELPERS = str(Path(__file__).with_name("traffic.py"))
RUN = str(os.getpid())
# ostt-<role>-<pid>-<sandbox> (namespaces), ...router-ostt-<pid>-<sandbox>-<n> (routers)
_OWNER_RE = re.compile(rf"{TEST_PREFIX}(?:[a-z]+\d*-)?(\d+)-[0-9a-f]{{6}}")


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("ip", "iptables-restore", "ip6tables-restore", "ebtables-restore", "sysctl",
                 "ping"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (make setup)"
    if not Path("/proc/sys/net/bridge/bridge-nf-call-iptables").exists():
        return "br_netfilter is not available"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    reason = _skip_reason()
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.host)
            item.add_marker(pytest.mark.slow)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def _pyroute2() -> Any:
    import pyroute2

    return pyroute2


def _ours(namespace: str) -> bool:
    return namespace.startswith(TEST_PREFIX) or bool(ROUTER_NAMESPACE_RE.match(namespace))


def _running(pid: str) -> bool:
    """Whether a pytest run with this pid still goes on (its namespaces are in use)."""
    try:
        return b"pytest" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _stale(namespace: str) -> bool:
    found = _OWNER_RE.search(namespace)
    return found is None or not _running(found.group(1))


def _our_namespaces() -> list[str]:
    return [n for n in _pyroute2().netns.listnetns() if _ours(n)]


@pytest.fixture(scope="session", autouse=True)
def _no_leftovers() -> Iterator[None]:
    """Remove what a crashed earlier run left behind, and check nothing is left at the end."""
    if _skip_reason() is not None:
        yield
        return
    for namespace in _our_namespaces():
        if _stale(namespace):
            _remove_namespace(namespace)
    yield
    left = [n for n in _our_namespaces() if f"-{RUN}-" in n]
    for namespace in left:
        _remove_namespace(namespace)
    assert not left, f"namespaces left behind by the host tests: {left}"


def _remove_namespace(namespace: str) -> None:
    if ROUTER_NAMESPACE_RE.match(namespace):
        router_host.remove_router(namespace)
    elif namespace in _pyroute2().netns.listnetns():
        _pyroute2().netns.remove(namespace)


def sh(*argv: str, check: bool = True, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                          check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr}")
    return done


def in_ns(namespace: str, *argv: str, check: bool = True,
          timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return sh("ip", "netns", "exec", namespace, *argv, check=check, timeout=timeout)


@dataclass
class Guest:
    """A namespace standing in for a VM: ``eth0`` in it, ``tap`` on a bridge of the sandbox."""

    namespace: str
    port_id: str
    tap: str
    mac: str
    ip: str
    ip6: str | None = None

    def ping(self, address: str, *, source: str | None = None) -> bool:
        """One echo request, one second to answer (as tempest's ``ping -c1 -w1``)."""
        argv = ["ping", "-n", "-q", "-c", "1", "-W", "1"]
        if ":" in address:
            argv.append("-6")
        if source:
            argv += ["-I", source]
        return in_ns(self.namespace, *argv, address, check=False).returncode == 0

    def reaches(self, address: str, *, source: str | None = None,
                timeout: float = 3.0) -> bool:
        """Answered within ``timeout``: a busy host may lose the first ping to ARP."""
        return wait_until(lambda: self.ping(address, source=source), timeout=timeout,
                          interval=0)

    def cannot_reach(self, address: str, *, source: str | None = None) -> bool:
        return not self.ping(address, source=source)

    def run(self, *argv: str, check: bool = True,
            timeout: float = 10) -> subprocess.CompletedProcess[str]:
        return in_ns(self.namespace, *argv, check=check, timeout=timeout)


class Watch:
    """A long-running process whose output lines are recorded with the time they came."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def times(self, pattern: str) -> list[float]:
        """When the lines matching ``pattern`` (a regular expression) came."""
        return [at for at, line in list(self.lines) if re.search(pattern, line)]

    def last(self, pattern: str) -> float | None:
        found = self.times(pattern)
        return found[-1] if found else None

    def seen_since(self, pattern: str, since: float) -> int:
        return sum(1 for at in self.times(pattern) if at >= since)

    def stop(self) -> list[str]:
        """End the process; every line it printed."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=5)
        self._reader.join(timeout=5)
        return [line for _, line in self.lines]


@dataclass
class Sandbox:
    """A namespace playing the host of a store (``names``), and everything a test hangs off it.

    ``tag`` (6 hex digits) tells this sandbox's namespaces and devices apart (with ``RUN``,
    the pid of the pytest run, in namespace names); ``names`` is the store's,
    with a random 3-hex tag as every store has. ``store()`` adds another store on the same
    "host" (its own tag), as two ``OSTACK_HOME``s on one machine.
    """

    tag: str
    hv: str
    names: HostNames
    stores: list[HostNames] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    routers: list[str] = field(default_factory=list)  # router namespaces
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    _macs: int = 0

    @property
    def guard(self) -> firewall.HostGuard:
        return firewall.HostGuard(names=self.names)

    def store(self) -> HostNames:
        """Another store on this sandbox's host, with a tag no other store here has."""
        self.stores.append(_new_store({self.names.tag, *(s.tag for s in self.stores)}))
        return self.stores[-1]

    def bridge(self, network_id: str | None = None, *, address: str | None = None,
               store: HostNames | None = None) -> str:
        """A bridge named as the store names a network's; ``address`` on its host side."""
        bridge = (store or self.names).bridge(network_id or str(uuid.uuid4()))
        with _pyroute2().IPRoute(netns=self.hv) as ipr:
            ipr.link("add", ifname=bridge, kind="bridge")
            index = ipr.link_lookup(ifname=bridge)[0]
            ipr.link("set", index=index, state="up")
            if address:
                ip, prefixlen = address.split("/")
                ipr.addr("add", index=index, address=ip, prefixlen=int(prefixlen))
        return bridge

    def guest(self, bridge: str, ip_cidr: str, *, gateway: str | None = None,
              ip6_cidr: str | None = None, mac: str | None = None,
              store: HostNames | None = None, device: str | None = None,
              port: bool = True) -> Guest:
        """A namespace whose ``eth0`` is on ``bridge`` by a veth named as the store names the
        port's tap; with ``port=False`` (the outside world, an upstream router) or ``device``
        (a DHCP leg) by one no filter knows."""
        pyroute2 = _pyroute2()
        self._macs += 1
        port_id = str(uuid.uuid4())
        if not port:  # "ostt" never matches a store's tap pattern: a tag is hex
            device = device or f"ostt{self._macs}p{self.tag}"
        mac = mac or f"fa:16:3e:{int(self.tag[:2], 16):02x}:{self._macs // 256:02x}:" \
                     f"{self._macs % 256:02x}"
        namespace = self.namespace(f"g{self._macs}")
        # No DAD: addresses must be usable at once, and a late DAD failure would be a flake.
        in_ns(namespace, "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0",
              "net.ipv6.conf.default.accept_dad=0")
        tap = device or (store or self.names).tap(port_id)
        with pyroute2.IPRoute(netns=self.hv) as ipr:
            ipr.link("add", ifname=tap, kind="veth",
                     peer={"ifname": "eth0", "net_ns_fd": namespace, "address": mac})
            # The host side speaks no IPv6 of its own on a bridge port (as ostack's legs):
            # what a guest receives is then only what crossed the bridge.
            in_ns(self.hv, "sysctl", "-q", "-w", f"net.ipv6.conf.{tap}.disable_ipv6=1")
            ipr.link("set", index=ipr.link_lookup(ifname=tap)[0],
                     master=ipr.link_lookup(ifname=bridge)[0], state="up")
        with pyroute2.IPRoute(netns=namespace) as ns:
            eth0 = ns.link_lookup(ifname="eth0")[0]
            ns.link("set", index=eth0, state="up")
            ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
            ip, prefixlen = ip_cidr.split("/")
            ns.addr("add", index=eth0, address=ip, prefixlen=int(prefixlen))
            ip6 = None
            if ip6_cidr:
                ip6, prefixlen6 = ip6_cidr.split("/")
                ns.addr("add", index=eth0, address=ip6, prefixlen=int(prefixlen6))
            if gateway:
                ns.route("add", dst="0.0.0.0/0", gateway=gateway)
        return Guest(namespace, port_id, tap, mac, ip, ip6)

    @property
    def host(self) -> Guest:
        """The namespace playing the host, to ping from as a guest would."""
        return Guest(self.hv, "", "", "", "")

    def namespace(self, role: str) -> str:
        """An empty namespace (lo up) removed with the sandbox."""
        namespace = f"{TEST_PREFIX}{role}-{RUN}-{self.tag}"
        _pyroute2().netns.create(namespace)
        self.namespaces.append(namespace)
        in_ns(namespace, "ip", "link", "set", "lo", "up")
        return namespace

    def link(self, role: str, host_cidr: str, peer_cidr: str) -> tuple[str, str]:
        """A namespace beyond the sandbox's host, joined to it by a routed veth (an uplink,
        another network): returns the namespace and the veth's name on the host side."""
        namespace = self.namespace(role)
        ifname = f"ostt{role[:4]}{self.tag[:6]}"[:15]
        sh("ip", "-n", self.hv, "link", "add", ifname, "type", "veth", "peer", "name", "eth0",
           "netns", namespace)
        sh("ip", "-n", self.hv, "addr", "add", host_cidr, "dev", ifname)
        sh("ip", "-n", self.hv, "link", "set", ifname, "up")
        in_ns(namespace, "ip", "addr", "add", peer_cidr, "dev", "eth0")
        in_ns(namespace, "ip", "link", "set", "eth0", "up")
        return namespace, ifname

    def router_id(self, store: HostNames | None = None) -> str:
        router_id = f"{TEST_PREFIX}{RUN}-{self.tag}-{len(self.routers)}"
        self.routers.append((store or self.names).router_namespace(router_id))
        return router_id

    def spawn(self, namespace: str, *args: str) -> subprocess.Popen[str]:
        """Run ``traffic.py ARGS`` in ``namespace``; returns once it printed "ready"."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", namespace, sys.executable, HELPERS, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.processes.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", f"helper did not start: {line!r} {proc.stderr}"
        return proc

    def watch(self, namespace: str, *argv: str) -> Watch:
        """Run ``argv`` in ``namespace`` in the background, recording its output lines."""
        proc = subprocess.Popen(["ip", "netns", "exec", namespace, *argv],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.processes.append(proc)
        return Watch(proc)

    def client(self, namespace: str, *args: str) -> str | None:
        """Run ``traffic.py ARGS`` in ``namespace`` once: its output, or None if it failed."""
        done = in_ns(namespace, sys.executable, HELPERS, *args, check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    def connect(self, namespace: str, host: str, port: str, *, expect: str,
                timeout: float = 3.0) -> str | None:
        """``tcp-connect`` until it answers ``expect`` or ``timeout`` passes; the last answer."""
        answers: list[str | None] = []

        def answered() -> bool:
            answers.append(self.client(namespace, "tcp-connect", host, port))
            return answers[-1] == expect

        wait_until(answered, timeout=timeout, interval=0)
        return answers[-1]

    def sync(self, ports: Sequence[firewall.PortFilter],
             guard: firewall.HostGuard | None = None) -> iptables.FirewallApplied:
        """Apply the store's firewall for ``ports`` (all of which must render) in the host."""
        guard = guard or self.guard
        good, failed = firewall.check_ports(ports, guard)
        assert not failed, failed
        return iptables.apply_firewall(good, guard, namespace=self.hv)

    def close(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.communicate(timeout=5)
        for namespace in self.routers:
            with contextlib.suppress(Exception):
                router_host.remove_router(namespace)
        pyroute2 = _pyroute2()
        for namespace in [*self.namespaces, self.hv]:
            if namespace in pyroute2.netns.listnetns():
                pyroute2.netns.remove(namespace)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    tag = uuid.uuid4().hex[:6]
    hv = f"{TEST_PREFIX}hv-{RUN}-{tag}"
    pyroute2 = _pyroute2()
    before = _host_links()
    pyroute2.netns.create(hv)
    box = Sandbox(tag=tag, hv=hv, names=_new_store(set()))
    try:
        in_ns(hv, "ip", "link", "set", "lo", "up")
        yield box
    finally:
        box.close()
        left = [n for n in pyroute2.netns.listnetns() if tag in n]
        prefixes = tuple(s.device_prefix for s in (box.names, *box.stores))
        leaked = [n for n in _host_links() - before if tag in n or n.startswith(prefixes)]
        assert not left, f"namespaces left behind: {left}"
        assert not leaked, f"devices made in the real host: {leaked}"


def _new_store(taken: set[str]) -> HostNames:
    """Names for a store of the sandbox, with a tag no real store on this machine has now
    (a real one's devices are then never taken for the sandbox's)."""
    in_use = {n[len(names.DEVICE_PREFIX):][:names.TAG_LENGTH] for n in _host_links()}
    in_use |= {n.split("-")[1] for n in _pyroute2().netns.listnetns()
               if n.startswith(f"{names.PREFIX}-") and "-" in n[len(names.PREFIX) + 1:]}
    return HostNames(next(t for t in iter(names.new_tag, None) if t not in taken | in_use))


def _host_links() -> set[str]:
    with _pyroute2().IPRoute() as host:
        return {link.get_attr("IFLA_IFNAME") for link in host.get_links()}


def wait_until(predicate: Any, timeout: float = 3.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
