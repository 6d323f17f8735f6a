"""A network's DHCP server (``host_network.ensure_dhcp``) and bridges
(``router_host.ensure_bridge``) in the real kernel, inside the sandbox: what they make, that a
second run changes nothing, that what a crash or a hand left half-made is made whole, and that
a guest on the bridge gets its lease."""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostack_cli.backend.local import dnsmasq, host_network, iproute, router_host
from ostack_cli.backend.local.reconcile.desired import DhcpSpec
from ostack_cli.backend.local.runner import HostCommandError
from tests.host.conftest import RUN, TEST_PREFIX, Sandbox, in_ns, sh

SUBNET = "10.0.1.0/24"
SERVER_IP = "10.0.1.2"
GUEST_IP, GUEST_MAC = "10.0.1.11", "fa:16:3e:00:01:11"


@dataclasses.dataclass
class Dhcp:
    box: Sandbox
    spec: DhcpSpec
    files: Path

    def ensure(self, **changes: object) -> None:
        self.spec = dataclasses.replace(self.spec, **changes)  # type: ignore[arg-type]
        host_network.ensure_dhcp(self.spec, self.files, host_netns=self.box.hv)

    def state(self) -> list[str]:
        """Everything ensure_dhcp makes, as ``ip`` shows it (no counters, no timers)."""
        hv, ns = self.box.hv, self.spec.namespace
        return [
            sh("ip", "-n", hv, "-br", "link", "show", "dev", self.spec.leg).stdout,
            sh("ip", "-n", hv, "-o", "link", "show", "dev", self.spec.leg).stdout.split(
                "qlen")[0],
            sh("ip", "-n", ns, "-br", "addr").stdout,
            sh("ip", "-n", ns, "-br", "link").stdout,
            in_ns(hv, "cat", f"/proc/sys/net/ipv6/conf/{self.spec.leg}/disable_ipv6").stdout,
        ]


@pytest.fixture
def dhcp(sandbox: Sandbox) -> Iterator[Dhcp]:
    network = str(uuid.uuid4())
    bridge = sandbox.bridge(network)
    # dnsmasq reads its files as nobody: a directory of its own that nobody may enter.
    files = Path(tempfile.mkdtemp(prefix="ostack-host-test-"))
    files.chmod(0o755)
    namespace = f"{TEST_PREFIX}dhcp-{RUN}-{sandbox.tag}"
    subnets = (dnsmasq.DhcpSubnet(cidr=SUBNET, tag=f"subnet-{network}", gateway="10.0.1.1"),)
    spec = DhcpSpec(
        network_id=network, namespace=namespace, bridge=bridge,
        leg=sandbox.names.dhcp_leg(network), mtu=1450, addresses=(f"{SERVER_IP}/24",),
        hosts_file=dnsmasq.render_hosts_file([dnsmasq.DhcpHost(mac=GUEST_MAC, ip=GUEST_IP)]),
        opts_file=dnsmasq.render_opts_file(subnets),
        argv=tuple(dnsmasq.dnsmasq_argv(
            interface=host_network.DHCP_IFNAME, pid_file=str(files / "pid"),
            hosts_file=str(files / "hosts"), opts_file=str(files / "opts"),
            lease_file=str(files / "leases"), subnets=subnets, mtu=1450)),
    )
    try:
        yield Dhcp(sandbox, spec, files)
    finally:
        host_network.remove_namespace(namespace)  # stops dnsmasq first
        shutil.rmtree(files, ignore_errors=True)


def test_a_dhcp_server_is_made_once_and_serves_its_guests(dhcp: Dhcp) -> None:
    box, spec = dhcp.box, dhcp.spec
    dhcp.ensure()
    pid = host_network.running_pid(spec)
    assert pid is not None
    leg = sh("ip", "-n", box.hv, "-o", "link", "show", "dev", spec.leg).stdout
    assert f"master {spec.bridge}" in leg and "mtu 1450" in leg and ",UP" in leg
    assert sh("ip", "-n", box.hv, "-6", "addr", "show", "dev", spec.leg).stdout == ""
    inside = sh("ip", "-n", spec.namespace, "-o", "addr", "show", "dev", "ostdhcp").stdout
    assert f"inet {SERVER_IP}/24" in inside
    assert "LOOPBACK,UP" in sh("ip", "-n", spec.namespace, "link", "show", "lo").stdout
    before = dhcp.state()
    dhcp.ensure()
    assert dhcp.state() == before, "a second run changes nothing"
    assert host_network.running_pid(spec) == pid
    # A guest on the bridge gets its fixed address from it.
    guest = box.guest(spec.bridge, "192.0.2.99/32", mac=GUEST_MAC, port=False)
    guest.run("ip", "addr", "flush", "dev", "eth0")
    lease = guest.run("busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-T",
                      "1", "-s", "/bin/true", check=False, timeout=20)
    assert f"lease of {GUEST_IP} obtained" in lease.stdout + lease.stderr, lease


def test_what_a_crash_or_a_hand_left_is_made_whole(dhcp: Dhcp) -> None:
    box, spec = dhcp.box, dhcp.spec
    dhcp.ensure()
    before = dhcp.state()
    # The leg's host end gone from the host (moved away), its namespace end left behind.
    elsewhere = box.namespace("away")
    sh("ip", "-n", box.hv, "link", "set", "dev", spec.leg, "netns", elsewhere)
    dhcp.ensure()
    assert _no_mac(dhcp.state()) == _no_mac(before)
    assert sh("ip", "-n", elsewhere, "-br", "link").stdout.split()[0] == "lo"
    # Off its bridge, down, another MTU, a stranger's address, IPv6 back on.
    sh("ip", "-n", box.hv, "link", "set", "dev", spec.leg, "nomaster", "mtu", "1400")
    sh("ip", "-n", spec.namespace, "addr", "add", "10.0.1.99/24", "dev", "ostdhcp")
    sh("ip", "-n", spec.namespace, "link", "set", "dev", "ostdhcp", "down")
    in_ns(box.hv, "sysctl", "-q", "-w", f"net.ipv6.conf.{spec.leg}.disable_ipv6=0")
    dhcp.ensure()
    assert _no_mac(dhcp.state()) == _no_mac(before)
    # A new address for the server.
    dhcp.ensure(addresses=("10.0.1.3/24",))
    inside = sh("ip", "-n", spec.namespace, "-br", "addr", "show", "dev", "ostdhcp").stdout
    assert "10.0.1.3/24" in inside and SERVER_IP not in inside


def test_a_missing_bridge_is_reported_and_nothing_is_made(dhcp: Dhcp) -> None:
    sh("ip", "-n", dhcp.box.hv, "link", "del", "dev", dhcp.spec.bridge)
    with pytest.raises(HostCommandError, match=re.escape(
            f"Bridge {dhcp.spec.bridge} of network {dhcp.spec.network_id} is missing")):
        dhcp.ensure()
    assert not iproute.namespace_exists(dhcp.spec.namespace)


def test_removing_the_namespace_stops_dnsmasq_and_takes_the_leg(dhcp: Dhcp) -> None:
    dhcp.ensure()
    pid = host_network.running_pid(dhcp.spec)
    assert pid is not None
    host_network.remove_namespace(dhcp.spec.namespace)
    assert host_network.running_pid(dhcp.spec) is None
    assert not iproute.namespace_exists(dhcp.spec.namespace)
    host_network.remove_namespace(dhcp.spec.namespace)  # absent is fine


def _no_mac(state: list[str]) -> list[str]:
    """A leg made again has new MACs (the DHCP leg's are the kernel's, and its link-local
    address is made of one) and indexes."""
    return [re.sub(r"([0-9a-f]{2}:){5}[0-9a-f]{2}|(?m:^\d+:)|@if\d+|fe80::\S+", "#", s)
            for s in state]


# -- bridges --------------------------------------------------------------------------------


def _bridge_state(box: Sandbox, bridge: str) -> tuple[str, str, str]:
    return (sh("ip", "-n", box.hv, "-o", "link", "show", "dev", bridge).stdout,
            sh("ip", "-n", box.hv, "-o", "addr", "show", "dev", bridge).stdout,
            in_ns(box.hv, "cat", f"/proc/sys/net/ipv6/conf/{bridge}/disable_ipv6").stdout)


def test_a_bridge_is_made_once_and_repaired(sandbox: Sandbox) -> None:
    bridge = sandbox.names.bridge(str(uuid.uuid4()))
    router_host.ensure_bridge(bridge, 1450, "203.0.113.1/24", host_netns=sandbox.hv)
    link, addresses, ipv6 = before = _bridge_state(sandbox, bridge)
    assert "mtu 1450" in link and ",UP" in link and ipv6.strip() == "1"
    assert "inet 203.0.113.1/24" in addresses and "inet6" not in addresses
    router_host.ensure_bridge(bridge, 1450, "203.0.113.1/24", host_netns=sandbox.hv)
    assert _bridge_state(sandbox, bridge) == before, "a second run changes nothing"
    sh("ip", "-n", sandbox.hv, "addr", "add", "198.51.100.1/24", "dev", bridge)
    sh("ip", "-n", sandbox.hv, "link", "set", "dev", bridge, "down", "mtu", "1500")
    in_ns(sandbox.hv, "sysctl", "-q", "-w", f"net.ipv6.conf.{bridge}.disable_ipv6=0")
    router_host.ensure_bridge(bridge, 1450, "203.0.113.1/24", host_netns=sandbox.hv)
    assert _bridge_state(sandbox, bridge) == before
    router_host.ensure_bridge(bridge, 1450, host_netns=sandbox.hv)
    assert " inet " not in _bridge_state(sandbox, bridge)[1]
    router_host.remove_link(bridge, host_netns=sandbox.hv)
    assert bridge not in sh("ip", "-n", sandbox.hv, "-br", "link").stdout
    router_host.remove_link(bridge, host_netns=sandbox.hv)  # absent is fine


def test_a_failed_batch_says_what_ip_said(sandbox: Sandbox) -> None:
    with pytest.raises(HostCommandError) as raised:
        iproute.batch(["link set dev lo up", "link set dev ostnothere up"],
                      namespace=sandbox.hv)
    assert str(raised.value) == (f'ip -n {sandbox.hv} failed: Cannot find device '
                                 f'"ostnothere" (at `link set dev ostnothere up`)')
