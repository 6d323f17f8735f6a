"""Real-kernel tests of firewall, router and NAT primitives, inside throwaway namespaces.

Root only. Each test gets a sandbox: a namespace ``ostt-hv-*`` that plays the host (its own
bridges, iptables, ebtables and br_netfilter switches), "guests" as namespaces ``ostt-g*``
joined to those bridges by veths whose bridge-side ends carry the port's tap name, and router
namespaces ``ostack-router-ostt-*``. Everything is removed after the test, even on failure,
and leftovers of a crashed run are removed before the first test. Traffic never leaves the
namespaces a test made: the host's own tables and devices are not touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.backend.local import iptables, names, router_host

TEST_PREFIX = "ostt-"
ROUTER_PREFIX = names.router_namespace(TEST_PREFIX)
HELPERS = str(Path(__file__).with_name("traffic.py"))


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
    return namespace.startswith((TEST_PREFIX, ROUTER_PREFIX))


@pytest.fixture(scope="session", autouse=True)
def _no_leftovers() -> Iterator[None]:
    """Remove what a crashed earlier run left behind, and check nothing is left at the end."""
    if _skip_reason() is None:
        for namespace in _pyroute2().netns.listnetns():
            if _ours(namespace):
                _remove_namespace(namespace)
    yield


def _remove_namespace(namespace: str) -> None:
    pyroute2 = _pyroute2()
    if namespace.startswith(ROUTER_PREFIX):
        router_host.remove_router(namespace.removeprefix(names.router_namespace("")))
    elif namespace in pyroute2.netns.listnetns():
        pyroute2.netns.remove(namespace)


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


@dataclass
class Sandbox:
    """A namespace playing the host, and everything a test hangs off it."""

    tag: str
    hv: str
    namespaces: list[str] = field(default_factory=list)
    routers: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    _macs: int = 0

    def bridge(self, network_id: str | None = None, *, address: str | None = None) -> str:
        """A bridge named as ostack names a network's; ``address`` on its host side."""
        network_id = network_id or str(uuid.uuid4())
        bridge = names.bridge_name(network_id)
        with _pyroute2().IPRoute(netns=self.hv) as ipr:
            ipr.link("add", ifname=bridge, kind="bridge")
            index = ipr.link_lookup(ifname=bridge)[0]
            ipr.link("set", index=index, state="up")
            if address:
                ip, prefixlen = address.split("/")
                ipr.addr("add", index=index, address=ip, prefixlen=int(prefixlen))
        return bridge

    def guest(self, bridge: str, ip_cidr: str, *, gateway: str | None = None,
              ip6_cidr: str | None = None, mac: str | None = None) -> Guest:
        """A namespace whose ``eth0`` is on ``bridge`` (by a veth named as the port's tap)."""
        pyroute2 = _pyroute2()
        self._macs += 1
        port_id = str(uuid.uuid4())
        mac = mac or f"fa:16:3e:{int(self.tag[:2], 16):02x}:{self._macs // 256:02x}:" \
                     f"{self._macs % 256:02x}"
        namespace = f"{TEST_PREFIX}g{self._macs}-{self.tag}"
        pyroute2.netns.create(namespace)
        self.namespaces.append(namespace)
        # No DAD: addresses must be usable at once, and a late DAD failure would be a flake.
        in_ns(namespace, "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0",
              "net.ipv6.conf.default.accept_dad=0")
        tap = names.tap_name(port_id)
        with pyroute2.IPRoute(netns=self.hv) as ipr:
            ipr.link("add", ifname=tap, kind="veth",
                     peer={"ifname": "eth0", "net_ns_fd": namespace, "address": mac})
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

    def router_id(self) -> str:
        router_id = f"{TEST_PREFIX}{self.tag}-{len(self.routers)}"
        self.routers.append(router_id)
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

    def client(self, namespace: str, *args: str) -> str | None:
        """Run ``traffic.py ARGS`` in ``namespace`` once: its output, or None if it failed."""
        done = in_ns(namespace, sys.executable, HELPERS, *args, check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    def connect(self, namespace: str, host: str, port: str, *, expect: str,
                timeout: float = 3.0) -> str | None:
        """``tcp-connect`` until it answers ``expect`` or ``timeout`` passes; the last answer."""
        answers: list[str | None] = []
        wait_until(lambda: answers.append(self.client(namespace, "tcp-connect", host, port))
                   or answers[-1] == expect, timeout=timeout, interval=0)
        return answers[-1]

    def sync(self, ports: list[Any]) -> None:
        iptables.sync_port_filters(ports, namespace=self.hv)

    def close(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=5)
        for router_id in self.routers:
            with contextlib.suppress(Exception):
                router_host.remove_router(router_id)
        pyroute2 = _pyroute2()
        for namespace in [*self.namespaces, self.hv]:
            if namespace in pyroute2.netns.listnetns():
                pyroute2.netns.remove(namespace)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    tag = uuid.uuid4().hex[:6]
    hv = f"{TEST_PREFIX}hv-{tag}"
    pyroute2 = _pyroute2()
    pyroute2.netns.create(hv)
    box = Sandbox(tag=tag, hv=hv)
    try:
        with pyroute2.IPRoute(netns=hv) as ipr:
            ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")
        yield box
    finally:
        box.close()
        left = [n for n in pyroute2.netns.listnetns() if tag in n]
        assert not left, f"namespaces left behind: {left}"


def wait_until(predicate: Any, timeout: float = 3.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
