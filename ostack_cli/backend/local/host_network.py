"""The host side of a network: its bridge, and a DHCP server in a namespace of its own.

As Neutron's DHCP agent does, dnsmasq answers from a DHCP port (an address of the subnet) in
a namespace joined to the bridge by a veth pair, so the host itself holds no address on a
tenant network and guests cannot reach it. The bridge carries no IPv6 either (OSSN-0069).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ostack_cli.backend.local import dnsmasq, names
from ostack_cli.backend.local.runner import HostCommandError, run
from ostack_cli.state.paths import write_private_file

DHCP_IFNAME = "ostdhcp"  # inside the DHCP namespace


@dataclass(frozen=True)
class DhcpPortAddress:
    ip_address: str
    prefixlen: int


@dataclass(frozen=True)
class NetworkHostSpec:
    """What the host side of one network must look like."""

    network_id: str
    mtu: int
    dhcp_addresses: tuple[DhcpPortAddress, ...]
    dhcp_subnets: tuple[dnsmasq.DhcpSubnet, ...]
    dhcp_hosts: tuple[dnsmasq.DhcpHost, ...]


def _pyroute2() -> Any:
    import pyroute2  # slow to import (~0.3 s): only commands that touch the host pay it

    return pyroute2


class HostNetwork:
    """Creates, updates and removes networks' bridges and DHCP servers, idempotently."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    # -- bridges ----------------------------------------------------------------------

    def ensure_bridge(self, network_id: str, mtu: int) -> str:
        bridge = names.bridge_name(network_id)
        pyroute2 = _pyroute2()
        with pyroute2.IPRoute() as ipr:
            found = ipr.link_lookup(ifname=bridge)
            if not found:
                with contextlib.suppress(pyroute2.NetlinkError):  # a racing process made it
                    ipr.link("add", ifname=bridge, kind="bridge")
                found = ipr.link_lookup(ifname=bridge)
            _disable_ipv6(bridge)
            ipr.link("set", index=found[0], mtu=mtu, state="up")
        return bridge

    def plug(self, network_id: str, device: str) -> None:
        """Put an existing device (a guest's tap) back on its network's bridge.

        A bridge re-created after it was lost (a reboot, a hand) starts empty; QEMU's taps
        survive but hang loose until something enslaves them again.
        """
        if not Path(f"/sys/class/net/{device}").exists():
            return  # the guest is not running: libvirt plugs the tap when it starts
        bridge = names.bridge_name(network_id)
        if Path(f"/sys/class/net/{device}/master").resolve().name == bridge:
            return
        with _pyroute2().IPRoute() as ipr:
            ipr.link("set", index=ipr.link_lookup(ifname=device)[0],
                     master=ipr.link_lookup(ifname=bridge)[0], state="up")

    # -- DHCP -------------------------------------------------------------------------

    def ensure_dhcp(self, spec: NetworkHostSpec) -> None:
        """Bring the DHCP server of a network to ``spec``: start it, or reload its hosts."""
        bridge = self.ensure_bridge(spec.network_id, spec.mtu)
        namespace = names.dhcp_name(spec.network_id)
        self._ensure_namespace_leg(namespace, bridge, spec)
        files = self._dhcp_dir(spec.network_id)
        hosts, opts = files / "hosts", files / "opts"
        _write_public(hosts, dnsmasq.render_hosts_file(list(spec.dhcp_hosts)))
        _write_public(opts, dnsmasq.render_opts_file(list(spec.dhcp_subnets)))
        pid = self._dnsmasq_pid(spec.network_id)
        if pid is not None:
            os.kill(pid, signal.SIGHUP)  # dnsmasq re-reads its hosts and options files
            return
        lease = files / "leases"
        lease.touch()
        argv = dnsmasq.dnsmasq_argv(
            interface=DHCP_IFNAME,
            pid_file=str(files / "pid"),
            hosts_file=str(hosts),
            opts_file=str(opts),
            lease_file=str(lease),
            subnets=list(spec.dhcp_subnets),
        )
        run(["ip", "netns", "exec", namespace, *argv])
        self._wait_for_pid(spec.network_id)

    def remove(self, network_id: str) -> None:
        """Stop the DHCP server and remove the namespace and bridge; absent parts are fine."""
        pid = self._dnsmasq_pid(network_id)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            _wait_gone(pid)
        pyroute2 = _pyroute2()
        namespace = names.dhcp_name(network_id)
        if namespace in pyroute2.netns.listnetns():
            # Whatever still runs in it (a dnsmasq whose pid file was lost) would keep the
            # namespace alive after its name is gone.
            for stray in _namespace_pids(namespace):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(stray, signal.SIGTERM)
                _wait_gone(stray)
            pyroute2.netns.remove(namespace)
        with pyroute2.IPRoute() as ipr:
            for ifname in (names.bridge_name(network_id), _veth_name(network_id)):
                for index in ipr.link_lookup(ifname=ifname):
                    with contextlib.suppress(pyroute2.NetlinkError):
                        ipr.link("del", index=index)
        files = self.run_dir / "dhcp" / network_id
        for path in sorted(files.glob("*")) if files.exists() else []:
            path.unlink()
        with contextlib.suppress(OSError):
            files.rmdir()

    def is_dhcp_running(self, network_id: str) -> bool:
        return self._dnsmasq_pid(network_id) is not None

    # -- internals --------------------------------------------------------------------

    def _ensure_namespace_leg(self, namespace: str, bridge: str, spec: NetworkHostSpec) -> None:
        pyroute2 = _pyroute2()
        if namespace not in pyroute2.netns.listnetns():
            with contextlib.suppress(FileExistsError):
                pyroute2.netns.create(namespace)
        outer = _veth_name(spec.network_id)
        with pyroute2.IPRoute() as ipr:
            if not ipr.link_lookup(ifname=outer):
                ipr.link("add", ifname=outer, kind="veth",
                         peer={"ifname": DHCP_IFNAME, "net_ns_fd": namespace})
            index = ipr.link_lookup(ifname=outer)[0]
            master = ipr.link_lookup(ifname=bridge)[0]
            ipr.link("set", index=index, master=master, mtu=spec.mtu, state="up")
        _disable_ipv6(outer)
        with pyroute2.NetNS(namespace) as ns:
            inner = ns.link_lookup(ifname=DHCP_IFNAME)[0]
            ns.link("set", index=inner, mtu=spec.mtu, state="up")
            ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
            have = {
                (a.get_attr("IFA_ADDRESS"), a["prefixlen"])
                for a in ns.get_addr(index=inner, family=2)
            }
            want = {(a.ip_address, a.prefixlen) for a in spec.dhcp_addresses}
            for address, prefixlen in sorted(have - want):
                ns.addr("del", index=inner, address=address, prefixlen=prefixlen)
            for address, prefixlen in sorted(want - have):
                ns.addr("add", index=inner, address=address, prefixlen=prefixlen)

    def _dhcp_dir(self, network_id: str) -> Path:
        path = self.run_dir / "dhcp" / network_id
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o755)  # dnsmasq drops to user nobody and re-reads these on SIGHUP
        return path

    def _dnsmasq_pid(self, network_id: str) -> int | None:
        pid_file = self.run_dir / "dhcp" / network_id / "pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            return None
        return pid if comm == "dnsmasq" and _alive(pid) else None

    def _wait_for_pid(self, network_id: str) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self._dnsmasq_pid(network_id) is not None:
                return
            time.sleep(0.02)
        raise HostCommandError(f"dnsmasq for network {network_id} did not start.")


def _veth_name(network_id: str) -> str:
    return f"{names.DEVICE_PREFIX}dh{network_id.replace('-', '')[:10]}"


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
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _write_public(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    write_private_file(tmp, text.encode())
    tmp.chmod(0o644)
    tmp.replace(path)


def _wait_gone(pid: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
