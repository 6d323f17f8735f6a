"""Port forwarding and extra routes with a real guest: a floating IP's external ports reach
the guest's sshd and a busybox ``nc`` listener from an outside namespace, and an extra route
of the guest's router reaches a subnet behind a second router."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.vm.conftest import REPO, Host
from tests.vm.test_article import outside
from tests.vm.test_server_vm import wait_console

pytestmark = [pytest.mark.slow, pytest.mark.vm]

TRAFFIC = str(REPO / "tests" / "host" / "traffic.py")


def ssh_argv(namespace: str, key: Path, address: str, port: int, command: str) -> list[str]:
    return ["ip", "netns", "exec", namespace, "ssh", "-p", str(port), "-i", str(key),
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5",
            f"cirros@{address}", command]


def ssh(namespace: str, key: Path, address: str, port: int,
        command: str = "hostname") -> subprocess.CompletedProcess[str]:
    return subprocess.run(ssh_argv(namespace, key, address, port, command),
                          capture_output=True, text=True, timeout=60, check=False)


def read_line(namespace: str, address: str, port: int) -> str:
    """The first line a TCP server at ``address:port`` sends ("" if none answers)."""
    done = subprocess.run(
        ["ip", "netns", "exec", namespace, "timeout", "5", "bash", "-c",
         f"exec 3<>/dev/tcp/{address}/{port}; head -1 <&3"],
        capture_output=True, text=True, check=False)
    return done.stdout.strip()


def eventually(probe: Callable[[], str], expected: str, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    answer = ""
    while time.monotonic() < deadline:
        answer = probe()
        if answer == expected:
            break
        time.sleep(0.5)
    return answer


@contextlib.contextmanager
def listener_behind(host: Host, network: str, port: int) -> Iterator[str]:
    """A namespace on ``network`` at one of its ports' addresses (gateway: the subnet's),
    serving TCP ``port`` (each connection gets the client's address); yields the address."""
    name = f"ostack-t-far-{uuid.uuid4().hex[:6]}"
    leg = f"ostt{uuid.uuid4().hex[:8]}"
    made = json.loads(host.ok("port", "create", "--network", network, "--no-security-group",
                              "far-listener", "-f", "json").out)
    address = made["fixed_ips"][0]["ip_address"]
    subnet = host.ok("subnet", "show", made["fixed_ips"][0]["subnet_id"], "-f", "json").json()
    network_id = host.ok("network", "show", network, "-f", "value", "-c", "id").out.strip()
    server = None
    try:
        for argv in (["ip", "netns", "add", name],
                     ["ip", "link", "add", leg, "type", "veth", "peer", "name", "eth0", "netns",
                      name],
                     ["ip", "link", "set", leg, "master", host.names.bridge(network_id), "up"],
                     ["ip", "-n", name, "addr", "add", f"{address}/24", "dev", "eth0"],
                     ["ip", "-n", name, "link", "set", "eth0", "up"],
                     ["ip", "-n", name, "route", "add", "default", "via",
                      subnet["gateway_ip"]]):
            subprocess.run(argv, check=True)
        server = subprocess.Popen(["ip", "netns", "exec", name, sys.executable, TRAFFIC,
                                   "tcp-serve", str(port)], stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        yield address
    finally:
        if server is not None:
            server.kill()
            server.wait()
        subprocess.run(["ip", "netns", "del", name], check=False)
        subprocess.run(["ip", "link", "del", leg], capture_output=True, check=False)
        host("port", "delete", made["id"])


def router_routes(host: Host, router: str) -> str:
    router_id = host.ok("router", "show", router, "-f", "value", "-c", "id").out.strip()
    namespace = host.names.router_namespace(router_id)
    return subprocess.run(["ip", "-n", namespace, "route"], capture_output=True, text=True,
                          check=True).stdout


def test_port_forwarding_and_an_extra_route_with_a_real_guest(
    host: Host, tmp_path: Path
) -> None:
    host.ok("bootstrap")
    key = tmp_path / "id_ed25519"
    host.ok("keypair", "create", "--private-key", str(key), "mykey")
    host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
            "net-id=private", "--key-name", "mykey", "Host2", "--wait")
    wait_console(host, "Host2", r"ping gateway 10\.0\.0\.1 ok")
    port = host.ok("port", "list", "--server", "Host2", "-f", "json").json()[0]
    guest_ip = port["Fixed IP Addresses"][0]["ip_address"]
    group = next(g["ID"] for g in host.ok("security", "group", "list", "-f", "json").json()
                 if g["Name"] == "default")
    for dst in ("22", "8080"):
        host.ok("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", dst,
                group)
    fip = host.ok("floating", "ip", "create", "External", "-f", "value", "-c",
                  "floating_ip_address").out.strip()
    for inside, outside_port in (("22", "2222"), ("8080", "18080")):
        host.ok("floating", "ip", "port", "forwarding", "create", "--internal-ip-address",
                guest_ip, "--port", port["ID"], "--internal-protocol-port", inside,
                "--external-protocol-port", outside_port, "--protocol", "tcp", fip)
    with outside(host) as world:
        # sshd through the forwarded port, and only there: no 1:1 NAT of the floating IP.
        done = ssh(world, key, fip, 2222)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().startswith("host2")
        assert ssh(world, key, fip, 22).returncode != 0
        # A busybox nc listener in the guest (for as long as its ssh session lasts) answers
        # on the external port.
        listener = subprocess.Popen(
            ssh_argv(world, key, fip, 2222, "echo pong | nc -l -p 8080"),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            assert eventually(lambda: read_line(world, fip, 18080), "pong") == "pong"
            listener.wait(timeout=30)  # nc answers once, then the session ends
        finally:
            if listener.poll() is None:
                listener.kill()
                listener.wait()

        # An extra route: router1 sends 10.20.0.0/24 to a second router on private.
        host.ok("network", "create", "far")
        host.ok("subnet", "create", "--network", "far", "--subnet-range", "10.20.0.0/24",
                "--no-dhcp", "far-subnet")
        host.ok("router", "create", "r2")
        host.ok("router", "add", "subnet", "r2", "far-subnet")
        host.ok("port", "create", "--network", "private", "--fixed-ip",
                "ip-address=10.0.0.200", "r2-private")
        host.ok("router", "add", "port", "r2", "r2-private")
        route = ("--route", "destination=10.20.0.0/24,gateway=10.0.0.200")
        with listener_behind(host, "far", 7000) as far:
            probe = f"nc -w 3 {far} 7000 </dev/null"
            assert ssh(world, key, fip, 2222, probe).stdout.strip() == ""
            host.ok("router", "add", "route", "router1", *route)
            assert "10.20.0.0/24 via 10.0.0.200" in router_routes(host, "router1")
            # Between internal subnets there is no NAT: the far side sees the guest itself.
            answer = eventually(lambda: ssh(world, key, fip, 2222, probe).stdout.strip(),
                                guest_ip)
            assert answer == guest_ip
            # Removed, the route leaves the router's namespace. (The guest itself may still
            # reach the far side for a while: router1, as a Neutron legacy router, sent it an
            # ICMP redirect to r2, which its kernel caches.)
            host.ok("router", "remove", "route", "router1", *route)
            assert "10.20.0.0/24" not in router_routes(host, "router1")

        # The forwarding gone, the external port reaches nothing.
        forwards = host.ok("floating", "ip", "port", "forwarding", "list", fip, "-f", "value",
                           "-c", "ID").out.split()
        host.ok("floating", "ip", "port", "forwarding", "delete", fip, *forwards)
        assert ssh(world, key, fip, 2222).returncode != 0
    host.ok("server", "delete", "--wait", "Host2")
