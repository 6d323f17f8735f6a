"""The article end to end on this host, with real guests: floating IP, a ping that fails
until an ICMP rule exists, ssh once TCP 22 is allowed, teardown that leaves nothing, and a
host that lost its networking brought back by `ostack host sync`."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.vm.conftest import Host, host_leftovers
from tests.vm.test_server_vm import wait_console

pytestmark = [pytest.mark.slow, pytest.mark.vm]


class Outside(str):
    """The outside world's namespace name; ``replug()`` puts its leg back on the bridge."""

    replug: Callable[[], None]


@contextlib.contextmanager
def outside(host: Host) -> Iterator[Outside]:
    """A namespace on the External network playing the internet; its address is a port's."""
    name = f"ostack-t-out-{uuid.uuid4().hex[:6]}"
    leg = f"ostt{uuid.uuid4().hex[:8]}"
    port = json.loads(host.ok("port", "create", "--network", "External", "--no-security-group",
                              "outside-client", "-f", "json").out)
    address = port["fixed_ips"][0]["ip_address"]
    network_id = host.ok("network", "show", "External", "-f", "value", "-c", "id").out.strip()
    bridge = host.names.bridge(network_id)
    try:
        for argv in (["ip", "netns", "add", name],
                     ["ip", "link", "add", leg, "type", "veth", "peer", "name", "eth0", "netns",
                      name],
                     ["ip", "link", "set", leg, "master", bridge, "up"],
                     ["ip", "-n", name, "addr", "add", f"{address}/24", "dev", "eth0"],
                     ["ip", "-n", name, "link", "set", "eth0", "up"]):
            subprocess.run(argv, check=True)
        world = Outside(name)
        world.replug = lambda: subprocess.run(
            ["ip", "link", "set", leg, "master", bridge, "up"], check=True)
        yield world
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)
        subprocess.run(["ip", "link", "del", leg], capture_output=True, check=False)
        host("port", "delete", port["id"])


def pings(namespace: str, address: str) -> bool:
    return subprocess.run(["ip", "netns", "exec", namespace, "ping", "-c1", "-W1", address],
                          capture_output=True, check=False).returncode == 0


def pings_within(namespace: str, address: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pings(namespace, address):
            return True
    return False


def ssh(namespace: str, key: Path, address: str,
        command: str = "hostname") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", "netns", "exec", namespace, "ssh", "-i", str(key), "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "ConnectTimeout=5", f"cirros@{address}", command],
        capture_output=True, text=True, timeout=60, check=False)


@contextlib.contextmanager
def host_listener() -> Iterator[int]:
    """A TCP listener on every address of the host itself; yields its port."""
    server = socket.create_server(("0.0.0.0", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = server.accept()
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


def host_addresses(host: Host) -> list[str]:
    """The host's own IPv4 addresses: its external gateway, and one of its uplink's."""
    gateway = host.ok("subnet", "show", "External-subnet", "-f", "value", "-c",
                      "gateway_ip").out.strip()
    found = json.loads(subprocess.run(["ip", "-j", "-4", "addr", "show", "scope", "global"],
                                      capture_output=True, text=True, check=True).stdout)
    own = [a["local"] for link in found for a in link.get("addr_info", [])
           if not link["ifname"].startswith("ost")]
    return [gateway, *own[:1]]


def test_article_walkthrough(host: Host, tmp_path: Path) -> None:
    host.ok("bootstrap")
    key = tmp_path / "id_ed25519"
    host.ok("keypair", "create", "--private-key", str(key), "mykey")
    server = host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                     "net-id=private", "--key-name", "mykey", "Host2", "--wait",
                     "-f", "json").json()
    wait_console(host, "Host2", r"ping gateway 10\.0\.0\.1 ok")  # it reaches its router
    fip = host.ok("floating", "ip", "create", "External", "-f", "value", "-c",
                  "floating_ip_address").out.strip()
    host.ok("server", "add", "floating", "ip", "Host2", fip)
    assert fip in host.ok("server", "show", "Host2", "-f", "json").json()["addresses"][
        "private"]
    group = next(g["ID"] for g in host.ok("security", "group", "list", "-f", "json").json()
                 if g["Name"] == "default")
    with outside(host) as world:
        assert not pings(world, fip), "ping passed before any ICMP rule"
        rule = host.ok("security", "group", "rule", "create", "--src-ip", "0.0.0.0/0",
                       "--protocol", "ICMP", group, "-f", "value", "-c", "id").out.strip()
        assert pings_within(world, fip, 2), "ping did not pass within 2 s of the rule"
        host.ok("security", "group", "rule", "delete", rule)
        assert not pings_within(world, fip, 1.5), "ping still passes after the rule is gone"

        assert ssh(world, key, fip).returncode != 0
        host.ok("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port",
                "22", group)
        done = ssh(world, key, fip)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().startswith("host2")

        # Neither the guest (through its router's SNAT) nor the outside world opens a
        # connection to the host itself, whichever of its addresses it tries.
        with host_listener() as port:
            for address in host_addresses(host):
                probe = f"nc -w 2 {address} {port} </dev/null && echo OPEN || echo CLOSED"
                answer = ssh(world, key, fip, probe)
                assert answer.stdout.strip() == "CLOSED", (address, answer.stderr)
                from_outside = subprocess.run(
                    ["ip", "netns", "exec", world, "timeout", "3", "bash", "-c",
                     f"echo > /dev/tcp/{address}/{port}"], capture_output=True, check=False)
                assert from_outside.returncode != 0, address
                with socket.create_connection((address, port), timeout=2):
                    pass  # the host itself still reaches it: the listener is really there

        # The host loses its networking (as in a reboot): host sync brings it back.
        _break_host(host)
        assert not pings_within(world, fip, 1)
        host.ok("host", "sync")
        host.ok("host", "sync")  # twice changes nothing
        world.replug()  # the test's own "internet" lost its bridge too
        assert pings_within(world, fip, 5) is False  # ICMP is still not allowed...
        assert ssh(world, key, fip).returncode == 0  # ...but ssh through the NAT is back

    host.ok("server", "delete", "--wait", "Host2")
    host.ok("floating", "ip", "delete", fip)
    host.ok("router", "remove", "subnet", "router1", "private-subnet")
    network_ids, router_ids = host.ids("network"), host.ids("router")
    host.ok("router", "delete", "router1")
    host.ok("network", "delete", "private", "External")
    assert host_leftovers(host, [server["id"]], network_ids) == []
    assert not [r for r in router_ids if host.names.router_namespace(r) in _netns()]
    # Nothing of the store is left but the cached images, whose records remain.
    assert [line for line in host.inventory() if not line.startswith("file _base/")] == []


def _netns() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    return [line.split()[0] for line in out.stdout.splitlines() if line.strip()]


def _break_host(host: Host) -> None:
    names = host.names
    for router_id in host.ids("router"):
        subprocess.run(["ip", "netns", "del", names.router_namespace(router_id)], check=False)
    for network_id in host.ids("network"):
        subprocess.run(["ip", "link", "del", names.bridge(network_id)],
                       capture_output=True, check=False)
    subprocess.run(["iptables", "-F", names.chain("sg-chain")], check=False)
