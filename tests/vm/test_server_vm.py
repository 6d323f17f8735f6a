"""A real guest from the test image: boot, DHCP, power actions, delete leaving nothing."""

from __future__ import annotations

import re
import time

import pytest

from tests.vm.conftest import Host, host_leftovers

pytestmark = [pytest.mark.slow, pytest.mark.vm]


def wait_console(host: Host, server: str, pattern: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = host.ok("console", "log", "show", server).out
        if re.search(pattern, text):
            return text
        time.sleep(0.5)
    raise AssertionError(f"{pattern!r} never appeared on the console of {server}:\n{text}")


def status(host: Host, server: str) -> str:
    return host.ok("server", "show", server, "-f", "value", "-c", "status").out.strip()


def test_guest_boots_gets_its_address_and_goes_through_every_power_state(host: Host) -> None:
    created = host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                      "net-id=private", "Host2", "--wait", "-f", "json").json()
    assert created["status"] == "ACTIVE"
    address = created["addresses"]["private"][0]
    # Without a config drive the banner follows the metadata fetch, which follows DHCP.
    console = wait_console(host, "Host2", "login as 'cirros' user")
    assert f"ostack-guest: eth0 {address}/24" in console
    assert "ostack-guest: hostname host2" in console

    host.ok("server", "stop", "Host2")
    assert status(host, "Host2") == "SHUTOFF"
    assert host.ok("server", "show", "Host2", "-f", "json").json()[
        "OS-EXT-STS:power_state"] == 4
    host.ok("server", "start", "Host2")
    assert status(host, "Host2") == "ACTIVE"
    wait_console(host, "Host2", "ostack-guest: ready")
    host.ok("server", "reboot", "--hard", "--wait", "Host2")
    assert status(host, "Host2") == "ACTIVE"
    host.ok("server", "reboot", "--wait", "Host2")
    assert status(host, "Host2") == "ACTIVE"
    host.ok("server", "pause", "Host2")
    assert status(host, "Host2") == "PAUSED"
    host.ok("server", "unpause", "Host2")
    host.ok("server", "suspend", "Host2")
    assert status(host, "Host2") == "SUSPENDED"
    host.ok("server", "resume", "Host2")
    assert status(host, "Host2") == "ACTIVE"

    server_id, networks = created["id"], host.ids("network")
    instance_dir = host.home.with_name("home-host") / "instances" / server_id
    assert instance_dir.exists()
    host.ok("server", "delete", "--wait", "Host2")
    assert host_leftovers(host, [server_id], networks) == []
    assert not instance_dir.exists()
    assert host.ok("port", "list", "-f", "value").out == ""


def test_concurrent_creates_get_distinct_macs_ips_and_names(host: Host) -> None:
    procs = [host.popen("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                        "--nic", "net-id=private", f"c{i}", "-f", "json") for i in range(3)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in results]
    servers = host.ok("server", "list", "--long", "-f", "json").json()
    assert sorted(s["Name"] for s in servers) == ["c0", "c1", "c2"]
    assert {s["Status"] for s in servers} == {"ACTIVE"}
    ips = [s["Networks"]["private"][0] for s in servers]
    assert len(set(ips)) == 3
    ports = host.ok("port", "list", "--long", "-f", "json").json()
    macs = [p["MAC Address"] for p in ports]
    assert len(set(macs)) == len(macs)
    for name in ("c0", "c1", "c2"):
        ip = host.ok("server", "show", name, "-f", "json").json()["addresses"]["private"][0]
        wait_console(host, name, rf"eth0 {re.escape(ip)}/24")


def test_quota_exceeded_fails_cleanly(host: Host) -> None:
    host.ok("quota", "set", "--instances", "1", "admin")
    host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "one")
    result = host("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "two")
    assert result.rc == 1
    assert result.err.strip() == (
        "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances")
    assert host.ok("server", "list", "-f", "value", "-c", "Name").out == "one\n"


def test_qemu_refusal_leaves_an_error_server_and_nothing_on_the_host(host: Host) -> None:
    host.ok("quota", "set", "--cores", "-1", "admin")
    host.ok("flavor", "create", "--vcpus", "4096", "--ram", "64", "--disk", "1", "huge")
    result = host("server", "create", "--image", "cirros", "--flavor", "huge", "--nic",
                  "net-id=private", "bad", "--wait")
    assert result.rc == 1
    assert result.err.strip() == "Error creating server: bad"
    shown = host.ok("server", "show", "bad", "-f", "json").json()
    assert shown["status"] == "ERROR"
    assert shown["fault"]["code"] == 500
    assert shown["fault"]["message"]
    assert shown["addresses"] == {}
    assert host_leftovers(host, [shown["id"]], host.ids("network")) == []
    assert not (host.home.with_name("home-host") / "instances" / shown["id"]).exists()
    host.ok("server", "delete", "bad")


def test_not_enough_host_memory_is_a_scheduling_fault(host: Host) -> None:
    host.ok("quota", "set", "--ram", "-1", "--cores", "-1", "admin")
    host.ok("flavor", "create", "--ram", str(64 * 1024 * 1024), "--disk", "1", "vast")
    result = host("server", "create", "--image", "cirros", "--flavor", "vast", "big")
    assert result.rc == 0, result.err
    shown = host.ok("server", "show", "big", "-f", "json").json()
    assert shown["status"] == "ERROR"
    assert shown["fault"]["message"] == (
        "No valid host was found. There are not enough hosts available.")


def test_guests_nova_accepts_boot_and_never_jam_the_host(host: Host) -> None:
    """A network without DHCP, a dotted name and a name of digits: each boots, and every
    later command still converges (none of them leaves a fault behind)."""
    host.ok("network", "create", "nodhcp")
    host.ok("subnet", "create", "--network", "nodhcp", "--subnet-range", "10.3.0.0/24",
            "--no-dhcp", "nodhcp-subnet")
    network = host.ok("network", "show", "nodhcp", "-f", "value", "-c", "id").out.strip()
    host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
            "net-id=nodhcp", "--wait", "static")
    assert status(host, "static") == "ACTIVE"
    inventory = host.inventory()
    assert f"device {host.names.bridge(network)}" in inventory
    assert f"dnsmasq {network}" not in inventory, "no DHCP server without a DHCP subnet"
    for name in ("web.example.com", "2024"):
        host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                "net-id=private", "--wait", name)
        ip = host.ok("server", "show", name, "-f", "json").json()["addresses"]["private"][0]
        wait_console(host, name, rf"eth0 {re.escape(ip)}/24")  # DHCP answered it
    assert host.reconcile("plan").stdout == ""
    host.ok("network", "show", "nodhcp")
    assert host.ok("network", "show", "nodhcp", "-f", "value", "-c", "status").out == (
        "ACTIVE\n")
