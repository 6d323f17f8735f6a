"""The metadata service with real guests (issue 11): a guest booted without a config drive
reads its own metadata at 169.254.169.254, through its router's proxy or, on a network
without a router, its DHCP server's; it never reads another guest's, whatever headers or
source address it sends; and the proxies are host objects the reconciler starts, restarts
after a kill and removes with their router or network.

What the guests see they print on their consoles: the test image's init reports the
instance ID it fetched, and a guest's user data script probes the service.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.metadata.content import ec2_id
from tests.vm.conftest import Host
from tests.vm.test_server_vm import wait_console

pytestmark = [pytest.mark.slow, pytest.mark.vm]

PROXY_MODULE = b"ostack_cli.metadata.proxy"
BOOT_TIMEOUT = 180.0  # to the metadata fetched, under TCG on a busy 2-core host
GATEWAY = "10.0.0.1"
SPOOFED_HEADERS = ("X-Forwarded-For", "X-Instance-ID", "X-Tenant-ID", "X-Instance-ID-Signature",
                   "X-Neutron-Network-ID", "X-Neutron-Router-ID")


def boot(host: Host, name: str, *extra: str) -> dict[str, Any]:
    created: dict[str, Any] = host.ok(
        "server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
        "net-id=private", *extra, name, "-f", "json").json()
    return created


def fetched_own_metadata(host: Host, name: str, server_id: str) -> str:
    """The guest's console once its init has fetched its metadata from the service."""
    console = wait_console(host, name, rf"ostack-guest: instance-id {server_id}",
                           timeout=BOOT_TIMEOUT)
    assert f"ostack-guest: ec2 instance-id {ec2_id(server_id, 'i')}" in console
    assert "ostack-guest: metadata from http://169.254.169.254 after" in console
    assert "no config drive found" in console
    return console


def proxies(host: Host) -> list[str]:
    """The namespaces with a metadata proxy of the store's, as the reconciler sees them."""
    return [line.removeprefix("metadata-proxy ") for line in host.inventory()
            if line.startswith("metadata-proxy ")]


def proxy_pids(namespace: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if PROXY_MODULE in argv and f"--namespace={namespace}".encode() in argv \
                and state != "Z":
            found.append(int(entry))
    return found


def kill_proxy(namespace: str) -> int:
    (pid,) = proxy_pids(namespace)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pid in proxy_pids(namespace) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proxy_pids(namespace) == []
    return pid


def prober(victim_id: str, victim_ip: str) -> bytes:
    """A user data script for a guest that tries every trick to read the victim's metadata,
    printing what it got (the service's answer to its own address is its own)."""
    headers = " ".join(
        f'--header "{h}: {victim_ip if h == "X-Forwarded-For" else victim_id}"'
        for h in SPOOFED_HEADERS)
    return f"""#!/bin/sh
MD=http://169.254.169.254
get() {{ timeout 8 wget -q -O - "$@" 2>/dev/null; }}
echo "probe headers uuid $(get {headers} $MD/openstack/latest/meta_data.json \\
    | sed -n 's/.*"uuid": "\\([^"]*\\)".*/\\1/p')"
echo "probe headers user-data $(get {headers} $MD/openstack/latest/user_data | md5sum \\
    | cut -c1-32)"
echo "probe headers ec2 $(get {headers} $MD/latest/meta-data/instance-id)"
echo "probe headers ec2 user-data $(get {headers} $MD/latest/user-data | md5sum | cut -c1-32)"
# The victim's address as the source: the port's anti-spoofing drops it.
ip addr add {victim_ip}/32 dev eth0
ip route replace 169.254.169.254/32 via {GATEWAY} dev eth0 src {victim_ip}
out="$(get $MD/openstack/latest/user_data)"
echo "probe source rc=$? bytes=${{#out}}"
ip route replace 169.254.169.254/32 via {GATEWAY} dev eth0
ip addr del {victim_ip}/32 dev eth0
# The router's proxy port itself: it serves only what the NAT redirected.
out="$(get http://{GATEWAY}:9697/openstack/latest/user_data)"
echo "probe direct rc=$? bytes=${{#out}}"
echo "probe done"
""".encode()


def test_a_guest_behind_a_router_reads_its_own_metadata_and_never_anothers(
    host: Host, tmp_path: Path
) -> None:
    host.ok("router", "create", "r1")
    host.ok("router", "add", "subnet", "r1", "private-subnet")
    router = host.ok("router", "show", "r1", "-f", "value", "-c", "id").out.strip()
    network = host.ok("network", "show", "private", "-f", "value", "-c", "id").out.strip()
    router_ns = host.names.router_namespace(router)
    # The router's legs serve the metadata; the network's DHCP server holds none of it.
    key = tmp_path / "id_ed25519"
    host.ok("keypair", "create", "--private-key", str(key), "mykey")
    secret = f"alice-secret-{secrets.token_hex(8)}"
    alice_data = tmp_path / "alice.sh"
    alice_data.write_text(f"#!/bin/sh\n# {secret}\necho alice-user-data-ran\n")
    alice = boot(host, "alice", "--key-name", "mykey", "--user-data", str(alice_data), "--wait")
    alice_id, alice_ip = alice["id"], alice["addresses"]["private"][0]
    assert proxies(host) == [router_ns]
    bob_data = tmp_path / "bob.sh"
    bob_data.write_bytes(prober(alice_id, alice_ip))
    bob = boot(host, "bob", "--user-data", str(bob_data), "--wait")
    bob_id = bob["id"]

    console = fetched_own_metadata(host, "alice", alice_id)
    assert "ostack-guest: public keys: 1" in console  # its keypair, from the service
    wait_console(host, "alice", "alice-user-data-ran", timeout=BOOT_TIMEOUT)
    shown = host.ok("server", "show", "alice", "-f", "json").json()
    assert shown["config_drive"] == ""
    instance = host.home.with_name("home-host") / "instances" / alice_id
    assert not (instance / "disk.config").exists()

    fetched_own_metadata(host, "bob", bob_id)
    console = wait_console(host, "bob", "probe done", timeout=BOOT_TIMEOUT)
    own = hashlib.md5(bob_data.read_bytes()).hexdigest()  # what md5sum prints
    lines = re.findall(r"^probe (.*?)\r?$", console, re.MULTILINE)
    assert lines == [
        f"headers uuid {bob_id}", f"headers user-data {own}",
        f"headers ec2 {ec2_id(bob_id, 'i')}", f"headers ec2 user-data {own}",
        *lines[4:6], "done"], console
    assert re.fullmatch(r"source rc=[1-9]\d* bytes=0", lines[4]), lines[4]
    assert re.fullmatch(r"direct rc=[1-9]\d* bytes=0", lines[5]), lines[5]
    assert secret not in console

    # A killed proxy is started again by the next converge (host sync here).
    killed = kill_proxy(router_ns)
    host.ok("host", "sync")
    assert [p for p in proxy_pids(router_ns) if p != killed]
    assert proxies(host) == [router_ns]
    # Without the router the network is isolated: its DHCP namespace serves the metadata.
    host.ok("router", "remove", "subnet", "r1", "private-subnet")
    assert proxies(host) == [host.names.dhcp_namespace(network)]
    host.ok("router", "delete", "r1")
    assert router_ns not in " ".join(host.inventory())
    host.ok("server", "delete", "--wait", "alice", "bob")
    assert proxies(host) == []  # the network's last guest took its DHCP server and proxy


def test_networks_without_a_router_or_without_dhcp(host: Host) -> None:
    network = host.ok("network", "show", "private", "-f", "value", "-c", "id").out.strip()
    dhcp_ns = host.names.dhcp_namespace(network)
    solo = boot(host, "solo", "--wait")
    assert proxies(host) == [dhcp_ns]
    # A network without DHCP: no server hands the guest an address or a route, so it asks no
    # metadata service, and boots all the same; nothing is wanted for it on the host.
    host.ok("network", "create", "nodhcp")
    host.ok("subnet", "create", "--network", "nodhcp", "--subnet-range", "10.3.0.0/24",
            "--no-dhcp", "nodhcp-subnet")
    host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
            "net-id=nodhcp", "--wait", "static")
    fetched_own_metadata(host, "solo", solo["id"])
    console = wait_console(host, "static", "ostack-guest: ready", timeout=BOOT_TIMEOUT)
    assert "ostack-guest: no route to the metadata service" in console
    assert proxies(host) == [dhcp_ns]
    assert host.reconcile("plan").stdout == ""

    # A killed proxy is started again by the next command that converges.
    killed = kill_proxy(dhcp_ns)
    host.ok("server", "set", "--property", "k=v", "solo")
    assert [p for p in proxy_pids(dhcp_ns) if p != killed]
    assert host.reconcile("plan").stdout == ""
    host.ok("server", "delete", "--wait", "solo", "static")
    assert proxies(host) == []
