"""A network's DHCP server on the host: dnsmasq in a namespace of its own.

As Neutron's DHCP agent does, dnsmasq answers from a DHCP port (an address of the subnet) in
a namespace joined to the network's bridge by a veth pair, so the host itself holds no
address on a tenant network and guests cannot reach it. The bridge carries no IPv6 either
(OSSN-0069). Everything here is idempotent and takes what to build as a ``DhcpSpec``
(``reconcile.desired``); what to remove is found by observation (``reconcile.observe``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.local.runner import HostCommandError, run

if TYPE_CHECKING:
    from ostack_cli.backend.local.reconcile.desired import DhcpSpec

DHCP_IFNAME = "ostdhcp"  # inside the DHCP namespace
START_TIMEOUT = 5.0


def _pyroute2() -> Any:
    import pyroute2  # slow to import (~0.15 s): only commands that change the host pay it

    return pyroute2


def ensure_dhcp(spec: DhcpSpec, files: Path, *, stale: tuple[int, ...] = ()) -> None:
    """Bring the network's DHCP server to ``spec``: namespace, leg, files, then dnsmasq
    (started, or told to re-read its files). ``stale``: dnsmasq processes to stop first."""
    for pid in stale:
        stop(pid)
    _ensure_namespace_leg(spec)
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
    run(["ip", "netns", "exec", spec.namespace, *spec.argv])
    deadline = time.monotonic() + START_TIMEOUT
    while running_pid(spec) is None:
        if time.monotonic() > deadline:
            raise HostCommandError(f"dnsmasq for network {spec.network_id} did not start.")
        time.sleep(0.02)


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
    pyroute2 = _pyroute2()
    if namespace not in pyroute2.netns.listnetns():
        return
    for stray in _namespace_pids(namespace):
        stop(stray)
    pyroute2.netns.remove(namespace)


def _ensure_namespace_leg(spec: DhcpSpec) -> None:
    pyroute2 = _pyroute2()
    if spec.namespace not in pyroute2.netns.listnetns():
        with contextlib.suppress(FileExistsError):
            pyroute2.netns.create(spec.namespace)
    with pyroute2.IPRoute() as ipr:
        bridge = ipr.link_lookup(ifname=spec.bridge)
        if not bridge:
            raise HostCommandError(f"Bridge {spec.bridge} of network {spec.network_id} is "
                                   "missing on the host.")
        if not ipr.link_lookup(ifname=spec.leg):
            with pyroute2.NetNS(spec.namespace) as ns:
                for index in ns.link_lookup(ifname=DHCP_IFNAME):  # a half-made leg
                    ns.link("del", index=index)
            ipr.link("add", ifname=spec.leg, kind="veth",
                     peer={"ifname": DHCP_IFNAME, "net_ns_fd": spec.namespace})
        index = ipr.link_lookup(ifname=spec.leg)[0]
        ipr.link("set", index=index, master=bridge[0], mtu=spec.mtu, state="up")
    _disable_ipv6(spec.leg)
    with pyroute2.NetNS(spec.namespace) as ns:
        inner = ns.link_lookup(ifname=DHCP_IFNAME)[0]
        ns.link("set", index=inner, mtu=spec.mtu, state="up")
        ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
        have = {
            f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}"
            for a in ns.get_addr(index=inner, family=2)
        }
        want = {str(ipaddress.ip_interface(a)) for a in spec.addresses}
        for cidr in sorted(have - want):
            iface = ipaddress.ip_interface(cidr)
            ns.addr("del", index=inner, address=str(iface.ip),
                    prefixlen=iface.network.prefixlen)
        for cidr in sorted(want - have):
            iface = ipaddress.ip_interface(cidr)
            ns.addr("add", index=inner, address=str(iface.ip),
                    prefixlen=iface.network.prefixlen)


def _dhcp_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o755)  # dnsmasq drops to user nobody and re-reads these on SIGHUP


def _disable_ipv6(ifname: str) -> None:
    with contextlib.suppress(OSError):
        Path(f"/proc/sys/net/ipv6/conf/{ifname}/disable_ipv6").write_text("1\n")


def _namespace_pids(namespace: str) -> list[int]:
    try:
        listed = run(["ip", "netns", "pids", namespace])
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
