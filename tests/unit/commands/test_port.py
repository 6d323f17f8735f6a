from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

SHOW_FIELDS = [
    "admin_state_up", "allowed_address_pairs", "binding_host_id", "binding_profile",
    "binding_vif_details", "binding_vif_type", "binding_vnic_type", "created_at",
    "data_plane_status", "description", "device_id", "device_owner", "device_profile",
    "dns_assignment", "dns_domain", "dns_name", "extra_dhcp_opts", "fixed_ips",
    "hardware_offload_type", "hints", "id", "ip_allocation", "mac_address", "name",
    "network_id", "numa_affinity_policy", "port_security_enabled", "project_id",
    "propagate_uplink_status", "pvlan_type", "pvlan_community", "resource_request",
    "revision_number", "qos_network_policy_id", "qos_policy_id", "security_group_ids", "status",
    "tags", "trunk_details", "trusted", "updated_at",
]


@pytest.fixture
def ids(cli: Runner) -> dict[str, str]:
    net = cli("network", "create", "net1", "-f", "value", "-c", "id").out.strip()
    sub = cli("subnet", "create", "s1", "--network", "net1", "--subnet-range", "10.0.0.0/24",
              "-f", "value", "-c", "id").out.strip()
    return {"net": net, "sub": sub}


def port(cli: Runner, name: str, *args: str) -> dict[str, Any]:
    result = cli("port", "create", name, "--network", "net1", *args, "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def default_group(cli: Runner) -> str:
    groups = cli("security", "group", "list", "-f", "json").json()
    return str(next(g["ID"] for g in groups if g["Name"] == "default"))


def test_create_shows_an_unbound_neutron_port(cli: Runner, ids: dict[str, str]) -> None:
    data = port(cli, "p1")
    assert list(data) == SHOW_FIELDS  # the real client's order, not alphabetical
    assert re.fullmatch(r"fa:16:3e(:[0-9a-f]{2}){3}", data.pop("mac_address"))
    for key in ("id", "created_at", "updated_at", "project_id"):
        data.pop(key)
    assert data.pop("security_group_ids") == [default_group(cli)]
    assert data == {
        "admin_state_up": True, "allowed_address_pairs": [], "binding_host_id": "",
        "binding_profile": {}, "binding_vif_details": {}, "binding_vif_type": "unbound",
        "binding_vnic_type": "normal", "data_plane_status": None, "description": "",
        "device_id": "", "device_owner": "", "device_profile": None, "dns_assignment": [],
        "dns_domain": None, "dns_name": None, "extra_dhcp_opts": [],
        "fixed_ips": [{"subnet_id": ids["sub"], "ip_address": "10.0.0.2"}],
        "hardware_offload_type": None, "hints": "", "ip_allocation": "immediate",
        "name": "p1", "network_id": ids["net"], "numa_affinity_policy": None,
        "port_security_enabled": True, "propagate_uplink_status": None, "pvlan_type": None,
        "pvlan_community": None, "resource_request": None, "revision_number": 1,
        "qos_network_policy_id": None, "qos_policy_id": None, "status": "DOWN", "tags": [],
        "trunk_details": None, "trusted": None,
    }


def test_table_form(cli: Runner, ids: dict[str, str]) -> None:
    port(cli, "p1")
    lines = cli("port", "show", "p1").out.splitlines()
    fields = [line.split("|")[1].strip() for line in lines[3:-1]]
    assert fields == SHOW_FIELDS
    assert f"ip_address='10.0.0.2', subnet_id='{ids['sub']}'" in lines[3 + 17]
    assert "| admin_state_up          | UP " in lines[3]


def test_addresses_come_lowest_first_and_are_released_on_delete(
    cli: Runner, ids: dict[str, str]
) -> None:
    assert port(cli, "a")["fixed_ips"][0]["ip_address"] == "10.0.0.2"
    assert port(cli, "b")["fixed_ips"][0]["ip_address"] == "10.0.0.3"
    assert cli("port", "delete", "a").out == ""
    assert port(cli, "c")["fixed_ips"][0]["ip_address"] == "10.0.0.2"


def test_fixed_ip_options(cli: Runner, ids: dict[str, str], store_snapshot: Snapshot) -> None:
    data = port(cli, "p", "--fixed-ip", "subnet=s1,ip-address=10.0.0.50")
    assert data["fixed_ips"] == [{"subnet_id": ids["sub"], "ip_address": "10.0.0.50"}]
    assert port(cli, "q", "--fixed-ip", "ip-address=10.0.0.51")["fixed_ips"][0]["subnet_id"] == \
        ids["sub"]
    assert port(cli, "r", "--no-fixed-ip")["fixed_ips"] == []
    before = store_snapshot()
    for args, message in (
        (("--fixed-ip", "ip-address=10.0.0.50"),
         f"IP address 10.0.0.50 already allocated in subnet {ids['sub']}"),
        (("--fixed-ip", "subnet=s1,ip-address=10.9.0.5"),
         "IP address 10.9.0.5 is not a valid IP for the specified subnet."),
        (("--fixed-ip", "ip-address=10.9.0.5"),
         "IP address 10.9.0.5 is not a valid IP for any of the subnets on the specified "
         "network."),
        (("--fixed-ip", "ip-address=10.0.0.255"),
         "IP address 10.0.0.255 is not a valid IP for any of the subnets on the specified "
         "network."),
        (("--fixed-ip", "ip-address=bogus"),
         "Invalid input for fixed_ips. Reason: 'bogus' is not a valid IP address."),
        (("--fixed-ip", "ip-address=10.0.0.60", "--fixed-ip", "ip-address=10.0.0.60"),
         "Invalid input for fixed_ips. Reason: Duplicate IP address '10.0.0.60'."),
        (("--fixed-ip", "subnet=nosuch"), "No Subnet found for nosuch"),
        (("--mac-address", "nope"),
         "Invalid input for mac_address. Reason: 'nope' is not a valid MAC address."),
        (("--security-group", "nosuch"), "No SecurityGroup found for nosuch"),
        (("--qos-policy", "q"), "No QoSPolicy found for q"),
        (("--disable-port-security", "--security-group", "default"),
         "Port security must be enabled and port must have an IP address in order to use "
         "security groups."),
    ):
        result = cli("port", "create", "bad", "--network", "net1", *args)
        assert (result.rc, result.out, result.err.strip()) == (1, "", message), args
    assert store_snapshot() == before


def test_other_subnets_network_is_refused(cli: Runner, ids: dict[str, str]) -> None:
    cli("network", "create", "net2")
    other = cli("subnet", "create", "s2", "--network", "net2", "--subnet-range", "10.1.0.0/24",
                "-f", "value", "-c", "id").out.strip()
    result = cli("port", "create", "p", "--network", "net1", "--fixed-ip", "subnet=s2")
    assert result.err.strip() == (
        f"Invalid input for operation: Failed to create port on network {ids['net']}, because "
        f"fixed_ips included invalid subnet {other}.")


def test_mac_address_is_unique_per_network(cli: Runner, ids: dict[str, str]) -> None:
    assert port(cli, "a", "--mac-address", "FA:16:3E:00:00:01")["mac_address"] == \
        "fa:16:3e:00:00:01"
    result = cli("port", "create", "b", "--network", "net1", "--mac-address", "fa:16:3e:00:00:01")
    assert result.err.strip() == (
        f"Unable to complete operation for network {ids['net']}. The mac address "
        "fa:16:3e:00:00:01 is in use.")
    cli("network", "create", "net2")
    other = cli("port", "create", "b", "--network", "net2", "--mac-address", "fa:16:3e:00:00:01")
    assert other.rc == 0, other.err


def test_exhausted_subnet(cli: Runner, store_snapshot: Snapshot) -> None:
    net = cli("network", "create", "tiny", "-f", "value", "-c", "id").out.strip()
    cli("subnet", "create", "t", "--network", "tiny", "--subnet-range", "10.0.0.0/30")
    assert cli("port", "create", "a", "--network", "tiny").rc == 0
    before = store_snapshot()
    result = cli("port", "create", "b", "--network", "tiny")
    assert result.err.strip() == f"No more IP addresses available on network {net}."
    assert store_snapshot() == before


def test_security_group_options(cli: Runner, ids: dict[str, str]) -> None:
    web = cli("security", "group", "create", "web", "-f", "value", "-c", "id").out.strip()
    assert port(cli, "a", "--security-group", "web")["security_group_ids"] == [web]
    assert port(cli, "b", "--no-security-group")["security_group_ids"] == []
    data = port(cli, "c", "--disable-port-security")
    assert (data["port_security_enabled"], data["security_group_ids"]) == (False, [])
    cli("network", "create", "open", "--disable-port-security")
    result = cli("port", "create", "d", "--network", "open", "-f", "json")
    assert (result.json()["port_security_enabled"], result.json()["security_group_ids"]) == (
        False, [])
    assert cli("port", "set", "a", "--security-group", "default").rc == 0
    assert cli("port", "show", "a", "-f", "json").json()["security_group_ids"] == [
        web, default_group(cli)]
    assert cli("port", "unset", "a", "--security-group", "web").rc == 0
    assert cli("port", "show", "a", "-f", "json").json()["security_group_ids"] == [
        default_group(cli)]
    result = cli("port", "unset", "a", "--security-group", "web")
    assert result.err.strip() == "Port does not contain security group web"
    result = cli("port", "set", "a", "--disable-port-security")
    assert result.err.strip() == (
        "Port has security group associated. Cannot disable port security or IP address until "
        "security group is removed.")
    assert cli("port", "set", "a", "--disable-port-security", "--no-security-group").rc == 0


def test_disabling_port_security_checks_address_pairs_before_groups(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    """ml2's ``_portsec_ext_port_update_processing``: the pairs' refusal comes first."""
    port(cli, "a", "--allowed-address", "ip-address=10.0.0.201")
    before = store_snapshot()
    pairs = "Port Security must be enabled in order to have allowed address pairs on a port."
    groups = ("Port has security group associated. Cannot disable port security or IP "
              "address until security group is removed.")
    for args, message in (
        (("--disable-port-security",), pairs),
        (("--disable-port-security", "--no-security-group"), pairs),
        (("--disable-port-security", "--no-allowed-address"), groups),
    ):
        result = cli("port", "set", "a", *args)
        assert (result.rc, result.err.strip()) == (1, message)
    assert store_snapshot() == before
    assert cli("port", "set", "a", "--disable-port-security", "--no-allowed-address",
               "--no-security-group").rc == 0


def test_no_address_of_a_slaac_subnet_may_be_asked_for(
    cli: Runner, ids: dict[str, str], store_snapshot: Snapshot
) -> None:
    """ipam_backend_mixin ``_test_fixed_ips_for_port``: EUI-64 addresses are not the
    user's to pick (router interfaces excepted)."""
    six = cli("subnet", "create", "s6", "--network", "net1", "--ip-version", "6",
              "--subnet-range", "fd00:9::/64", "--ipv6-address-mode", "slaac",
              "-f", "value", "-c", "id").out.strip()
    before = store_snapshot()
    message = (f"IPv6 address fd00:9::55 cannot be directly assigned to a port on subnet {six} "
               "as the subnet is configured for automatic addresses")
    for fixed in ("subnet=s6,ip-address=fd00:9::55", "ip-address=fd00:9::55"):
        result = cli("port", "create", "p", "--network", "net1", "--fixed-ip", fixed)
        assert (result.rc, result.out, result.err.strip()) == (1, "", message)
    assert store_snapshot() == before
    port(cli, "a", "--fixed-ip", "subnet=s1")
    result = cli("port", "set", "a", "--fixed-ip", "ip-address=fd00:9::55")
    assert (result.rc, result.err.strip()) == (1, message)
    data = port(cli, "r", "--device-owner", "network:router_interface",
                "--fixed-ip", "ip-address=fd00:9::55")
    assert data["fixed_ips"] == [{"subnet_id": six, "ip_address": "fd00:9::55"}]


def test_list_columns_filters_and_long(cli: Runner, ids: dict[str, str]) -> None:
    a = port(cli, "a", "--device-owner", "compute:nova", "--device", "vm1", "--tag", "t")
    b = port(cli, "b", "--mac-address", "fa:16:3e:aa:bb:cc")
    assert cli("port", "list", "-f", "json").json() == [
        {"ID": p["id"], "Name": p["name"], "MAC Address": p["mac_address"],
         "Fixed IP Addresses": p["fixed_ips"], "Status": "DOWN"} for p in (a, b)
    ]
    long = cli("port", "list", "--long", "-f", "json").json()[0]
    assert list(long)[5:] == ["Security Groups", "Device Owner", "Tags", "Trunk subports"]
    assert (long["Device Owner"], long["Tags"], long["Trunk subports"]) == (
        "compute:nova", ["t"], [])

    def names(*args: str) -> list[str]:
        return cli("port", "list", *args, "-f", "value", "-c", "Name").out.split()

    assert names("--device-owner", "compute:nova") == ["a"]
    assert names("--device-id", "vm1") == ["a"]
    assert names("--mac-address", "fa:16:3e:aa:bb:cc") == ["b"]
    assert names("--fixed-ip", "ip-address=10.0.0.3") == ["b"]
    assert names("--fixed-ip", "subnet=s1") == ["a", "b"]
    assert names("--fixed-ip", "ip-substring=0.0.2") == ["a"]
    assert names("--network", "net1", "--tags", "t") == ["a"]
    assert names("--status", "ACTIVE") == []
    assert names("--name", "b") == ["b"]
    table = cli("port", "list").out.splitlines()
    assert [c.strip() for c in table[1].split("|")[1:-1]] == [
        "ID", "Name", "MAC Address", "Fixed IP Addresses", "Status"]


def test_set_and_unset(cli: Runner, ids: dict[str, str]) -> None:
    port(cli, "p", "--binding-profile", "a=1", "--binding-profile", '{"b": 2}')
    assert cli("port", "show", "p", "-f", "json").json()["binding_profile"] == {"a": "1", "b": 2}
    assert cli("port", "set", "p", "--name", "q", "--description", "d", "--disable",
               "--device", "dev", "--device-owner", "compute:nova", "--tag", "x",
               "--fixed-ip", "ip-address=10.0.0.9").out == ""
    data = cli("port", "show", "q", "-f", "json").json()
    assert (data["name"], data["description"], data["admin_state_up"], data["device_id"],
            data["device_owner"], data["tags"], data["revision_number"]) == (
        "q", "d", False, "dev", "compute:nova", ["x"], 2)
    assert [ip["ip_address"] for ip in data["fixed_ips"]] == ["10.0.0.2", "10.0.0.9"]
    assert cli("port", "set", "q", "--no-fixed-ip", "--fixed-ip", "ip-address=10.0.0.20").rc == 0
    assert [ip["ip_address"] for ip in cli("port", "show", "q", "-f", "json").json()[
        "fixed_ips"]] == ["10.0.0.20"]
    # The released addresses are free again.
    assert port(cli, "r")["fixed_ips"][0]["ip_address"] == "10.0.0.2"
    assert cli("port", "unset", "q", "--fixed-ip", "subnet=s1,ip-address=10.0.0.20",
               "--device", "--device-owner", "--tag", "x", "--binding-profile", "a").rc == 0
    data = cli("port", "show", "q", "-f", "json").json()
    assert (data["fixed_ips"], data["device_id"], data["device_owner"], data["tags"],
            data["binding_profile"]) == ([], "", "", [], {"b": 2})
    result = cli("port", "unset", "q", "--fixed-ip", "ip-address=10.0.0.20")
    assert result.err.strip() == "Port does not contain fixed-ip {'ip_address': '10.0.0.20'}"


def test_delete_many(cli: Runner, ids: dict[str, str]) -> None:
    port(cli, "a")
    result = cli("port", "delete", "a", "zz")
    assert result.err.splitlines() == [
        "Failed to delete port with name or ID 'zz': No Port found for zz",
        "1 of 2 ports failed to delete.",
    ]
    assert cli("port", "list", "-f", "value").out == ""


def test_long_and_odd_names(cli: Runner, ids: dict[str, str], store_snapshot: Snapshot) -> None:
    assert port(cli, "$(touch /tmp/x); 'q' \"d\"")["name"] == "$(touch /tmp/x); 'q' \"d\""
    before = store_snapshot()
    result = cli("port", "create", "p" * 10_000, "--network", "net1")
    assert result.err.strip() == (
        f"Invalid input for name. Reason: '{'p' * 10_000}' exceeds maximum length of 255.")
    assert store_snapshot() == before


def test_parser(cli: Runner, ids: dict[str, str]) -> None:
    assert cli("port", "create", "p").rc == 2  # --network is required
    for args in (
        ("--fixed-ip", "subnet=s1", "--no-fixed-ip"),
        ("--security-group", "default", "--no-security-group"),
        ("--enable", "--disable"),
        ("--enable-port-security", "--disable-port-security"),
        ("--fixed-ip", "gateway=10.0.0.1"),
        ("--vnic-type", "weird"),
        ("--binding-profile", "not-json-nor-pair"),
    ):
        assert cli("port", "create", "p", "--network", "net1", *args).rc == 2, args
    assert cli("port", "list", "--router", "r", "--device-id", "d").rc == 2
    assert cli("port", "list", "--status", "UP").rc == 2
    assert cli("port", "unset", "--tag", "a", "--all-tag", "p").rc == 2
    assert cli("port", "list", "-f", "value").out == ""
