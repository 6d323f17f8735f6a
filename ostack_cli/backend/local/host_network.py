"""A network's DHCP server on the host: dnsmasq in a namespace of its own.

As Neutron's DHCP agent does, dnsmasq answers from a DHCP port (an address of the subnet) in
a namespace joined to the network's bridge by a veth pair, so the host itself holds no
address on a tenant network and guests cannot reach it. Neither the bridge nor the leg's host
end carries IPv6 (OSSN-0069). Everything here is idempotent and takes what to build as a
``DhcpSpec`` (``reconcile.desired``); what to remove is found by observation
(``reconcile.observe``).

The namespace and its leg are read (sysfs, ``ip -j``), what to change is rendered as ``ip
-batch`` text (``dhcp_work``: pure, golden-tested) and made by a few ``ip`` processes
(``iproute.carry_out``): a new network's takes three, then one more starts dnsmasq.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ostack_cli.backend.local import iproute
from ostack_cli.backend.local.iproute import LinkState, NamespaceState, Work
from ostack_cli.backend.local.runner import HostCommandError, run

if TYPE_CHECKING:
    from ostack_cli.backend.local.reconcile.desired import DhcpSpec

DHCP_IFNAME = "ostdhcp"  # inside the DHCP namespace
START_TIMEOUT = 5.0


def ensure_dhcp(
    spec: DhcpSpec, files: Path, *, stale: tuple[int, ...] = (), host_netns: str | None = None
) -> None:
    """Bring the network's DHCP server to ``spec``: namespace, leg, files, then dnsmasq
    (started, or told to re-read its files). ``stale``: dnsmasq processes to stop first.
    ``host_netns``: the namespace that plays the host, where the bridge is (tests)."""
    for pid in stale:
        stop(pid)
    iproute.twice(lambda: _ensure_namespace_leg(spec, host_netns))
    _dhcp_dir(files)
    changed = _write_public(files / "hosts", spec.hosts_file)
    changed |= _write_public(files / "opts", spec.opts_file)
    running = running_pid(spec)
    if running is not None:
        if changed:
            os.kill(running, signal.SIGHUP)  # dnsmasq re-reads its hosts and options files
        return
    lease = files / "leases"
    lease.touch()
    run(["ip", "netns", "exec", iproute.check_namespace(spec.namespace), *spec.argv])
    deadline = time.monotonic() + START_TIMEOUT
    while running_pid(spec) is None:
        if time.monotonic() > deadline:
            raise HostCommandError(f"dnsmasq for network {spec.network_id} did not start.")
        time.sleep(0.02)


def dhcp_work(
    spec: DhcpSpec, host: Mapping[str, LinkState], inside: NamespaceState | None
) -> Work:
    """What joins ``spec``'s namespace to its bridge, given the host's bridge and leg
    (``host``) and what the namespace holds (None: no namespace yet)."""
    namespace = iproute.check_namespace(spec.namespace)
    for ifname in (spec.bridge, spec.leg):
        iproute.check_ifname(ifname)
    iproute.check_mtu(spec.mtu)
    links = inside.links if inside is not None else {}
    leg, inner = host.get(spec.leg), links.get(DHCP_IFNAME)
    clear: list[str] = []
    make: list[str] = []
    if leg is None or inner is None:  # a half-made leg (a crash), or none yet
        if inner is not None:
            clear.append(iproute.delete_link(DHCP_IFNAME))
        if leg is not None:
            make.append(iproute.delete_link(spec.leg))
        make.append(iproute.add_veth(spec.leg, DHCP_IFNAME, namespace, spec.mtu))
        leg = inner = None
    host_lines = []
    if leg is None or leg.master != spec.bridge or leg.mtu != spec.mtu or not leg.up:
        host_lines.append(iproute.set_link(spec.leg, master=spec.bridge, mtu=spec.mtu,
                                           up=True))
    inside_lines = []
    lo = links.get("lo")
    if lo is None or not lo.up:
        inside_lines.append(iproute.set_link("lo", up=True))
    if inner is None or inner.mtu != spec.mtu or not inner.up:
        inside_lines.append(iproute.set_link(DHCP_IFNAME, mtu=spec.mtu, up=True))
    have = inner.addresses if inner is not None else frozenset()
    want = {iproute.interface(a) for a in spec.addresses}
    inside_lines += [iproute.delete_address(c, DHCP_IFNAME) for c in sorted(have - want)]
    inside_lines += [iproute.add_address(c, DHCP_IFNAME)
                     for c in sorted(want - have, key=iproute.prefix_order)]
    return Work(namespace=namespace, clear=tuple(clear), new_namespace=inside is None,
                make=tuple(make), ipv6_off=(spec.leg,), host=tuple(host_lines),
                inside=tuple(inside_lines))


def running_pid(spec: DhcpSpec) -> int | None:
    """The dnsmasq serving ``spec``, found by its pid file and checked by what it runs."""
    pid_arg = next(a for a in spec.argv if a.startswith("--pid-file="))
    try:
        pid = int(Path(pid_arg.split("=", 1)[1]).read_text().strip())
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    if tuple(a.decode(errors="replace") for a in argv if a) != spec.argv or not _alive(pid):
        return None
    return pid


def stop(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    _wait_gone(pid)


def remove_namespace(namespace: str) -> None:
    """Stop whatever still runs in the namespace (it would keep it alive after its name is
    gone), then remove it; its end of the veth goes with it, and takes the host's end."""
    if not iproute.namespace_exists(namespace):
        return
    for stray in _namespace_pids(namespace):
        stop(stray)
    iproute.delete_namespace(namespace)


def _ensure_namespace_leg(spec: DhcpSpec, host_netns: str | None) -> None:
    host = iproute.host_links([spec.bridge, spec.leg], host_netns=host_netns)
    if spec.bridge not in host:
        raise HostCommandError(f"Bridge {spec.bridge} of network {spec.network_id} is "
                               "missing on the host.")
    inside = (iproute.read_namespace(spec.namespace)
              if iproute.namespace_exists(spec.namespace) else None)
    iproute.carry_out(dhcp_work(spec, host, inside), host_netns=host_netns)


def _dhcp_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o755)  # dnsmasq drops to user nobody and re-reads these on SIGHUP


def _namespace_pids(namespace: str) -> list[int]:
    try:
        listed = run(["ip", "netns", "pids", iproute.check_namespace(namespace)])
    except HostCommandError:
        return []
    return [int(p) for p in listed.split() if p.isdigit()]


def _alive(pid: int) -> bool:
    """Running, that is: a zombie (exited, not yet reaped by an init that never reaps) is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def _write_public(path: Path, text: str) -> bool:
    """Replace ``path`` with ``text`` (readable by dnsmasq's user); False if it held it."""
    try:
        if path.read_text() == text:
            return False
    except OSError:
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    try:
        os.fchmod(fd, 0o644)
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    tmp.replace(path)
    return True


def _wait_gone(pid: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
