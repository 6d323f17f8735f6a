"""server add/remove port, network and fixed ip: the ports as Nova and Neutron leave them,
the real client's output and Nova's refusals (the guest side is tests/vm/test_nics_vm.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner
from tests.unit.compute.test_server import create

Snapshot = Callable[[], list[tuple[Any, ...]]]


def port_of(cli: Runner, name_or_id: str) -> dict[str, Any]:
    shown = cli("port", "show", name_or_id, "-f", "json")
    assert shown.rc == 0, shown.err
    return shown.json()  # type: ignore[no-any-return]


def server_ports(cli: Runner, server_id: str) -> list[str]:
    listed = cli("port", "list", "--server", server_id, "-f", "value", "-c", "ID")
    return sorted(listed.out.split())


def test_add_and_remove_a_users_port_keeps_it(compute: Runner) -> None:
    server = create(compute)
    assert compute("port", "create", "--network", "private", "mine").rc == 0
    done = compute("server", "add", "port", "Host2", "mine")
    assert (done.rc, done.out, done.err) == (0, "", "")
    port = port_of(compute, "mine")
    assert (port["device_id"], port["device_owner"], port["binding_host_id"]) == (
        server["id"], "compute:nova", "localhost")
    shown = compute("server", "show", server["id"], "-f", "json").json()
    assert shown["addresses"] == {"private": ["10.0.0.2", port["fixed_ips"][0]["ip_address"]]}
    # Nova shows each port's groups: the default group twice.
    assert shown["security_groups"] == [{"name": "default"}, {"name": "default"}]
    done = compute("server", "remove", "port", "Host2", "mine")
    assert (done.rc, done.out, done.err) == (0, "", "")
    port = port_of(compute, "mine")  # the user's port stays, unbound
    assert (port["device_id"], port["device_owner"], port["binding_host_id"],
            port["binding_vif_type"]) == ("", "", "", "unbound")
    assert compute("server", "show", server["id"], "-f", "json").json()["addresses"] == {
        "private": ["10.0.0.2"]}


def test_add_and_remove_a_network_makes_and_deletes_novas_port(compute: Runner) -> None:
    server = create(compute)
    assert compute("network", "create", "second").rc == 0
    assert compute("subnet", "create", "--network", "second", "--subnet-range", "10.5.0.0/24",
                   "second-subnet").rc == 0
    before = server_ports(compute, server["id"])
    done = compute("server", "add", "network", "Host2", "second")
    assert (done.rc, done.out, done.err) == (0, "", "")
    after = server_ports(compute, server["id"])
    (made,) = set(after) - set(before)
    port = port_of(compute, made)
    assert port["device_owner"] == "compute:nova"
    assert port["fixed_ips"][0]["ip_address"].startswith("10.5.0.")
    # The new port takes the server's groups, as its other port has them.
    assert port["security_group_ids"] == port_of(compute, before[0])["security_group_ids"]
    done = compute("server", "remove", "network", "Host2", "second")
    assert (done.rc, done.out, done.err) == (0, "", "")
    assert server_ports(compute, server["id"]) == before
    gone = compute("port", "show", made)
    assert (gone.rc, gone.err) == (1, f"No Port found for {made}\n")
    events = compute("server", "event", "list", "Host2", "-f", "value", "-c", "Action").out
    assert events.split()[:2] == ["detach_interface", "attach_interface"]


def test_add_fixed_ip_prints_the_interface(compute: Runner) -> None:
    server = create(compute)
    added = compute("server", "add", "fixed", "ip", "--fixed-ip-address", "10.0.0.50", "Host2",
                    "private", "-f", "json")
    assert added.rc == 0, added.err
    interface = added.json()
    assert list(interface) == ["Port ID", "Server ID", "Network ID", "MAC Address",
                               "Port State", "Fixed IPs"]
    subnet = compute("subnet", "show", "private-subnet", "-f", "value", "-c", "id").out.strip()
    network = compute("network", "show", "private", "-f", "value", "-c", "id").out.strip()
    assert (interface["Server ID"], interface["Network ID"]) == (server["id"], network)
    assert interface["Fixed IPs"] == [{"subnet_id": subnet, "ip_address": "10.0.0.50"}]
    assert interface["MAC Address"].startswith("fa:16:3e:")
    table = compute("server", "add", "fixed", "ip", "--tag", "t", "Host2", "private").out
    assert "| Fixed IPs   | ip_address='10.0.0.3', subnet_id=" in table
    assert "| Tag         | t " in table


@pytest.mark.parametrize(("address", "message"), [
    ("10.0.0.2", "Fixed IP 10.0.0.2 is already in use."),
    # nova-compute fails with InvalidInput, which Nova's API does not map: its 500.
    ("10.9.9.9", "Unexpected API Error. Please contact the administrator\n"
                 "<class 'nova.exception_Remote.InvalidInput_Remote'>"),
])
def test_add_fixed_ip_refusals(compute: Runner, address: str, message: str) -> None:
    create(compute)
    ports = compute("port", "list", "-f", "value", "-c", "ID").out
    refused = compute("server", "add", "fixed", "ip", "--fixed-ip-address", address, "Host2",
                      "private")
    assert (refused.rc, refused.err) == (1, message + "\n")
    assert compute("port", "list", "-f", "value", "-c", "ID").out == ports
    latest = compute("server", "event", "list", "Host2", "--long", "-f", "json").json()[0]
    assert (latest["Action"], latest["Message"]) == ("attach_interface", "Error")


def test_a_port_in_use_is_refused(compute: Runner) -> None:
    first = create(compute, "a")
    create(compute, "b")
    (port,) = server_ports(compute, first["id"])
    refused = compute("server", "add", "port", "b", port)
    assert (refused.rc, refused.err) == (1, f"Port {port} is still in use.\n")
    assert port_of(compute, port)["device_id"] == first["id"]


def test_missing_port_or_network_are_the_clients_errors(compute: Runner) -> None:
    create(compute)
    assert compute("server", "add", "port", "Host2", "nosuch").err == \
        "No Port found for nosuch\n"
    assert compute("server", "add", "network", "Host2", "nosuch").err == \
        "No Network found for nosuch\n"
    assert compute("server", "remove", "network", "Host2", "nosuch").err == \
        "No Network found for nosuch\n"


def test_a_suspended_server_takes_no_nic(compute: Runner, store_snapshot: Snapshot) -> None:
    server = create(compute)
    assert compute("port", "create", "--network", "private", "mine").rc == 0
    assert compute("server", "suspend", "Host2").rc == 0
    before = store_snapshot()
    refused = compute("server", "add", "port", "Host2", "mine")
    assert (refused.rc, refused.err) == (
        1, f"Cannot 'attach_interface' instance {server['id']} while it is in vm_state "
           "suspended\n")
    (port,) = server_ports(compute, server["id"])
    refused = compute("server", "remove", "port", "Host2", port)
    assert (refused.rc, refused.err) == (
        1, f"Cannot 'detach_interface' instance {server['id']} while it is in vm_state "
           "suspended\n")
    assert store_snapshot() == before


def test_a_stopped_server_takes_a_nic_for_its_next_boot(compute: Runner) -> None:
    server = create(compute)
    assert compute("server", "stop", "Host2").rc == 0
    assert compute("port", "create", "--network", "private", "mine").rc == 0
    assert compute("server", "add", "port", "Host2", "mine").rc == 0
    assert port_of(compute, "mine")["device_id"] == server["id"]


def test_remove_fixed_ip_is_gone_at_the_clients_microversion(compute: Runner) -> None:
    create(compute)
    refused = compute("server", "remove", "fixed", "ip", "Host2", "10.0.0.2")
    assert (refused.rc, refused.err) == (1, "The resource could not be found.\n")


def test_deleting_the_server_deletes_novas_ports_and_frees_the_users(compute: Runner) -> None:
    create(compute)
    assert compute("port", "create", "--network", "private", "mine").rc == 0
    assert compute("server", "add", "port", "Host2", "mine").rc == 0
    assert compute("server", "add", "network", "Host2", "private").rc == 0
    assert compute("server", "delete", "Host2").rc == 0
    listed = compute("port", "list", "-f", "json").json()
    assert [p["Name"] for p in listed] == ["mine"]
    assert port_of(compute, "mine")["device_id"] == ""
