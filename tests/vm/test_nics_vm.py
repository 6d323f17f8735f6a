"""NICs plugged into a running guest and out of it, and a server group's scheduling, with real
guests: a port's filter exists before its NIC does, the guest gets the port's address over
DHCP through it, and once removed the NIC is gone from the guest and from its domain's
persistent definition; a second anti-affinity member fails and leaves nothing on the host."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ostack_cli.backend.local.firewall import StoreChains
from tests.vm.conftest import Host, host_leftovers
from tests.vm.test_article import outside

pytestmark = [pytest.mark.slow, pytest.mark.vm]

KILLED = -9
SSH_TIMEOUT = 150.0


@dataclass
class Guest:
    """Server ``vm`` reached as root through its floating IP from a namespace outside."""

    host: Host
    world: str
    key: Path
    fip: str
    server_id: str

    def ssh(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", self.world, "ssh", "-i", str(self.key), "-o",
             "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
             "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
             f"root@{self.fip}", command],
            capture_output=True, text=True, timeout=60, check=False)

    def reachable(self) -> None:
        deadline = time.monotonic() + SSH_TIMEOUT
        done = self.ssh("true")
        while done.returncode != 0 and time.monotonic() < deadline:
            time.sleep(2)
            done = self.ssh("true")
        assert done.returncode == 0, f"the guest is unreachable over ssh: {done.stderr}"

    def nic_with(self, mac: str, *, present: bool = True, timeout: float = 60) -> str | None:
        """The guest's interface with MAC ``mac`` once it appears (or None once it is gone,
        with ``present=False``)."""
        deadline = time.monotonic() + timeout
        while True:
            links = self.ssh("ip -o link").stdout
            found = next((m.group(1) for m in re.finditer(r"^\d+: (\w+)[@:].*link/ether (\S+)",
                                                           links, re.MULTILINE)
                          if m.group(2) == mac), None)
            if (found is not None) == present:
                return found
            assert time.monotonic() < deadline, (
                f"{mac} {'never appeared in' if present else 'never left'} the guest:\n{links}")
            time.sleep(1)


def domain_macs(host: Host, server_id: str, *, inactive: bool = False) -> list[str]:
    argv = ["virsh", "-c", "qemu:///system", "dumpxml", host.names.domain(server_id)]
    if inactive:
        argv.append("--inactive")
    xml = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return re.findall(r"<mac address='([0-9a-f:]+)'/>", xml)


def port_chains(host: Host, port_id: str) -> list[str]:
    chains = StoreChains(host.names)
    wanted = {chains.egress(port_id), chains.spoof(port_id)}
    return [line for line in host.inventory() if line.split()[-1] in wanted]


@pytest.fixture
def guest(host: Host, tmp_path: Path) -> Iterator[Guest]:
    host.ok("bootstrap")
    key = tmp_path / "id_ed25519"
    host.ok("keypair", "create", "--private-key", str(key), "mykey")
    group = next(g["ID"] for g in host.ok("security", "group", "list", "-f", "json").json()
                 if g["Name"] == "default")
    host.ok("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
            group)
    created = host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                      "net-id=private", "--key-name", "mykey", "vm", "--wait",
                      "-f", "json").json()
    fip = host.ok("floating", "ip", "create", "External", "-f", "value", "-c",
                  "floating_ip_address").out.strip()
    host.ok("server", "add", "floating", "ip", "vm", fip)
    host.ok("network", "create", "second")
    host.ok("subnet", "create", "--network", "second", "--subnet-range", "10.7.0.0/24",
            "second-subnet")
    with outside(host) as world:
        found = Guest(host, world, key, fip, created["id"])
        found.reachable()
        yield found
        host("server", "delete", "--wait", *host.ids("server"))
        host("floating", "ip", "delete", fip)


def test_a_port_is_filtered_before_it_is_plugged_served_and_unplugged(guest: Guest) -> None:
    host = guest.host
    port = host.ok("port", "create", "--network", "second", "p2", "-f", "json").json()
    mac, address = port["mac_address"], port["fixed_ips"][0]["ip_address"]

    # Killed between the host side and the plug: the filter is there, the NIC is not.
    result = host("server", "add", "port", "vm", "p2", kill_at="server-attach:filtered")
    assert result.rc == KILLED, f"never reached: {result.err}"
    assert port_chains(host, port["id"]), "no filter for the port before its NIC"
    assert mac not in domain_macs(host, guest.server_id)
    host.ok("server", "remove", "port", "vm", "p2")  # nothing plugged: only the records
    assert port_chains(host, port["id"]) == []

    host.ok("server", "add", "port", "vm", "p2")
    assert port_chains(host, port["id"])
    assert mac in domain_macs(host, guest.server_id)
    assert mac in domain_macs(host, guest.server_id, inactive=True)
    nic = guest.nic_with(mac)
    # The guest asks DHCP on the new NIC (at boot it does on every NIC it has): the answer
    # is the port's address, through the port's filter both ways.
    leased = guest.ssh(f"udhcpc -i {nic} -s /etc/udhcpc.script -n -q -t 10 -T 1 >/dev/null "
                       f"2>&1; ip -4 -o addr show dev {nic}")
    assert f"inet {address}/24" in leased.stdout, leased.stdout + leased.stderr
    shown = host.ok("server", "show", "vm", "-f", "json").json()
    assert address in shown["addresses"]["second"]

    host.ok("server", "remove", "port", "vm", "p2")
    assert guest.nic_with(mac, present=False) is None
    assert mac not in domain_macs(host, guest.server_id)
    assert mac not in domain_macs(host, guest.server_id, inactive=True)
    kept = host.ok("port", "show", "p2", "-f", "json").json()
    assert (kept["device_id"], kept["device_owner"]) == ("", "")
    assert port_chains(host, port["id"]) == []
    guest.reachable()  # its first NIC carried on


def test_a_network_plugged_and_unplugged_deletes_novas_port(guest: Guest) -> None:
    host = guest.host
    before = host.ok("port", "list", "--server", "vm", "-f", "value", "-c", "ID").out.split()
    host.ok("server", "add", "network", "vm", "second")
    after = host.ok("port", "list", "--server", "vm", "-f", "value", "-c", "ID").out.split()
    (made,) = set(after) - set(before)
    mac = host.ok("port", "show", made, "-f", "value", "-c", "mac_address").out.strip()
    guest.nic_with(mac)
    host.ok("server", "remove", "network", "vm", "second")
    assert guest.nic_with(mac, present=False) is None
    assert host("port", "show", made).rc == 1
    assert mac not in domain_macs(host, guest.server_id, inactive=True)


def test_a_second_anti_affinity_member_fails_and_leaves_nothing(host: Host) -> None:
    host.ok("server", "group", "create", "--policy", "anti-affinity", "aa")
    first = host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                    "net-id=private", "--server-group", "aa", "--wait", "m1", "-f",
                    "json").json()
    assert first["status"] == "ACTIVE"
    before = host.inventory()
    second = host("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                  "net-id=private", "--server-group", "aa", "--wait", "m2")
    assert (second.rc, second.err) == (1, "Error creating server: m2\n")
    shown = host.ok("server", "show", "m2", "-f", "json").json()
    assert shown["status"] == "ERROR"
    assert shown["fault"]["message"] == \
        "No valid host was found. There are not enough hosts available."
    assert host_leftovers(host, [shown["id"]], []) == []
    assert host.ok("port", "list", "--server", shown["id"], "-f", "value").out == ""
    assert host.inventory() == before
    host.ok("server", "delete", "--wait", "m2")
    host.ok("server", "delete", "--wait", "m1")
