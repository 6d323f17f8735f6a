"""Fault injection: ostack killed (SIGKILL) at each named step of server create and delete,
floating IP association, router and network delete; the next command (or ``host sync``)
must leave the host exactly as the store says.

"Exactly as the store says" is checked against the host itself: the store's objects on the
host (guests, devices, namespaces, dnsmasq, chains and files: ``Host.inventory``) must be
the same list as in the same state reached without a kill, and a converge must then find
nothing to do. Real guests, real bridges and iptables; root only.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.vm.conftest import Host

pytestmark = [pytest.mark.slow, pytest.mark.vm]

KILLED = -9
CREATE = ("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
          "net-id=private")
NOTHING_TO_DO = ""
NOTHING_AT_ALL = ""  # a store with nothing on the host: not even a firewall


def without_cache(inventory: list[str]) -> list[str]:
    """The inventory but the image cache (kept while the images exist, as Nova's)."""
    return [line for line in inventory if not line.startswith("file _base/")]


def settled(host: Host) -> str:
    """What a converge would still do (after a repair: nothing but the firewall check)."""
    done = host.reconcile("plan")
    assert done.returncode == 0, done.stderr
    return done.stdout


def killed(host: Host, point: str, *args: str) -> None:
    result = host(*args, kill_at=point)
    assert result.rc == KILLED, f"{point} was never reached: rc {result.rc} {result.err}"


@pytest.mark.parametrize("point", [
    "server-create:recorded", "server-create:files", "server-create:plugged",
    "server-create:started", "converge:apply the store's firewall", "converge:serve DHCP*",
])
def test_a_create_killed_at_any_step_is_settled_by_the_next_command(
    host: Host, point: str
) -> None:
    host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
            "net-id=private", "--wait", "witness")
    before = host.inventory()
    killed(host, point, *CREATE, "victim")
    servers = host.ok("server", "list", "-f", "json").json()  # the next command settles it
    victim = next(s for s in servers if s["Name"] == "victim")
    if point == "server-create:started":
        assert victim["Status"] == "ACTIVE", "its guest was running: the build completed"
    else:  # the converge points are those of the create's own, before its guest starts
        assert victim["Status"] == "ERROR", "the build was interrupted before its guest ran"
    assert settled(host) == NOTHING_TO_DO
    host.ok("server", "delete", "--wait", "victim")
    assert host.inventory() == before
    assert settled(host) == NOTHING_TO_DO


def test_a_guest_is_never_running_without_its_filter(host: Host) -> None:
    """Killed between its port's filter and its domain, and killed before its filter: no
    guest runs, so no tap exists that could carry traffic; both servers settle to ERROR."""
    killed(host, "server-create:plugged", *CREATE, "halfway")
    killed(host, "server-create:files", *CREATE, "early")
    domains = subprocess.run(["virsh", "-c", "qemu:///system", "list", "--name"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert not [d for d in domains if d.startswith(host.names.object_prefix)]
    assert not [line for line in host.inventory()
                if line.startswith(f"device {host.names.device_prefix}t")]
    statuses = host.ok("server", "list", "-f", "value", "-c", "Status").out.split()
    assert statuses == ["ERROR", "ERROR"]


@pytest.mark.parametrize("point", ["server-delete:claimed", "server-delete:undefined",
                                   "converge:*", "converge:stop dnsmasq*"])
def test_a_delete_killed_at_any_step_is_finished_by_the_next_command(
    host: Host, point: str
) -> None:
    before = host.inventory()
    host.ok(*CREATE, "--wait", "doomed")
    killed(host, point, "server", "delete", "doomed")
    # A delete killed in its own steps is finished by the next read (its record says
    # "deleting"); one killed in the converge after its commit, by the next converge.
    repair = ("server", "list") if point.startswith("server-") else ("host", "sync")
    host.ok(*repair)
    assert host.ok("server", "list", "-f", "value", "-c", "Name").out == ""
    assert settled(host) == NOTHING_AT_ALL
    assert without_cache(host.inventory()) == before


def test_a_floating_ip_killed_before_its_nat_gets_it_from_host_sync(host: Host) -> None:
    host.ok("bootstrap", "--private-network", "private", "--private-cidr", "10.0.0.0/24")
    host.ok(*CREATE, "--wait", "web")
    fip = host.ok("floating", "ip", "create", "External", "-f", "value", "-c",
                  "floating_ip_address").out.strip()
    router = host.ok("router", "show", "router1", "-f", "value", "-c", "id").out.strip()
    killed(host, "converge:lay out router namespace*", "server", "add", "floating", "ip",
           "web", fip)
    nat = ["ip", "netns", "exec", host.names.router_namespace(router), "iptables-save",
           "-t", "nat"]
    assert f"-d {fip}/32" not in subprocess.run(nat, capture_output=True, text=True).stdout
    assert settled(host) != NOTHING_TO_DO
    host.ok("host", "sync")
    assert f"-d {fip}/32 -j DNAT" in subprocess.run(nat, capture_output=True,
                                                     text=True).stdout
    assert settled(host) == NOTHING_TO_DO


def test_a_router_delete_killed_after_its_commit_leaves_nothing_after_host_sync(
    host: Host,
) -> None:
    before = host.inventory()
    host.ok("network", "create", "--external", "ext")
    host.ok("subnet", "create", "--network", "ext", "--subnet-range", "192.168.98.0/24",
            "--no-dhcp", "ext-subnet")
    host.ok("router", "create", "r")
    host.ok("router", "set", "--external-gateway", "ext", "r")
    host.ok("router", "add", "subnet", "r", "private-subnet")
    router = host.ok("router", "show", "r", "-f", "value", "-c", "id").out.strip()
    assert f"namespace {host.names.router_namespace(router)}" in host.inventory()
    host.ok("router", "remove", "subnet", "r", "private-subnet")
    killed(host, "converge:*", "router", "delete", "r")
    assert f"namespace {host.names.router_namespace(router)}" in host.inventory()
    host.ok("host", "sync")  # the store has no router: its namespace and legs go
    assert f"namespace {host.names.router_namespace(router)}" not in host.inventory()
    host.ok("network", "delete", "ext")
    assert host.inventory() == before
    assert settled(host) == NOTHING_AT_ALL


def test_a_network_whose_last_guest_went_in_a_killed_command_is_cleaned_by_its_delete(
    host: Host,
) -> None:
    before = host.inventory()
    host.ok("network", "create", "n2")
    host.ok("subnet", "create", "--network", "n2", "--subnet-range", "10.2.0.0/24", "s2")
    host.ok("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
            "net-id=n2", "--wait", "lonely")
    network = host.ok("network", "show", "n2", "-f", "value", "-c", "id").out.strip()
    killed(host, "converge:*", "server", "delete", "lonely")
    assert f"namespace {host.names.dhcp_namespace(network)}" in host.inventory()
    host.ok("network", "delete", "n2")  # its converge takes the bridge and DHCP server away
    assert without_cache(host.inventory()) == before
    assert settled(host) == NOTHING_AT_ALL
