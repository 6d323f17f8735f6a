"""``ip availability list|show``: Neutron's counts per network and subnet (an admin's view;
the details columns from network-ip-availability-details)."""

from __future__ import annotations

from tests.conftest import Runner

HEADERS = ["Network ID", "Network Name", "Total IPs", "Used IPs", "Total IPs in Subnet",
           "Total IPs in Allocation Pool", "Used IPs in Subnet", "Used IPs in Allocation Pool"]


def value(cli: Runner, *args: str) -> str:
    result = cli(*args, "-f", "value", "-c", "id")
    assert result.rc == 0, result.err
    return result.out.strip()


def test_counts_as_neutron_counts(cli: Runner) -> None:
    net = value(cli, "network", "create", "n1")
    sub = value(cli, "subnet", "create", "s1", "--network", "n1", "--subnet-range",
                "10.0.0.0/24", "--no-dhcp")
    v6 = value(cli, "subnet", "create", "s6", "--network", "n1", "--ip-version", "6",
               "--subnet-range", "2001:db8::/64", "--no-dhcp")
    empty = value(cli, "network", "create", "empty")
    # Two ports in the pool (10.0.0.2, 10.0.0.3), a router interface on the gateway outside it.
    for name in ("p1", "p2"):
        assert cli("port", "create", name, "--network", "n1", "--fixed-ip",
                   f"subnet={sub}").rc == 0
    assert cli("router", "create", "r1").rc == 0
    assert cli("router", "add", "subnet", "r1", "s1").rc == 0
    rows = cli("ip", "availability", "list", "-f", "json").json()
    # IPv4 by default: only networks with an IPv4 subnet, counted over those subnets.
    assert rows == [{
        "Network ID": net, "Network Name": "n1", "Total IPs": 253, "Used IPs": 3,
        "Total IPs in Subnet": 254, "Total IPs in Allocation Pool": 253,
        "Used IPs in Subnet": 3, "Used IPs in Allocation Pool": 2,
    }]
    v6_rows = cli("ip", "availability", "list", "--ip-version", "6", "-f", "json").json()
    assert [(r["Network Name"], r["Total IPs"], r["Used IPs"]) for r in v6_rows] == [
        ("n1", 2 ** 64 - 1, 0)]
    shown = cli("ip", "availability", "show", "n1", "-f", "json").json()
    assert list(shown) == ["ip_availability_details", "network_id", "network_name",
                           "project_id", "subnet_ip_availability", "total_ips", "used_ips"]
    assert (shown["total_ips"], shown["used_ips"]) == (253 + 2 ** 64 - 1, 3)
    by_subnet = {s["subnet_id"]: s for s in shown["subnet_ip_availability"]}
    assert by_subnet[sub] == {
        "subnet_id": sub, "ip_version": 4, "cidr": "10.0.0.0/24", "subnet_name": "s1",
        "used_ips": 3, "total_ips": 253, "ip_availability_details": {
            "total_ips_in_subnet": 254, "total_ips_in_allocation_pool": 253,
            "used_ips_in_subnet": 3, "used_ips_in_allocation_pool": 2}}
    assert by_subnet[v6]["ip_availability_details"]["total_ips_in_subnet"] == 2 ** 64
    # Subnets in ID order, as Neutron's grouped query returns them.
    assert [s["subnet_id"] for s in shown["subnet_ip_availability"]] == sorted([sub, v6])
    table = cli("ip", "availability", "show", "n1").out
    assert "| subnet_ip_availability  | cidr='" in table
    none = cli("ip", "availability", "show", "empty", "-f", "json").json()
    assert (none["network_id"], none["total_ips"], none["subnet_ip_availability"],
            none["ip_availability_details"]) == (empty, 0, [], {
                "total_ips_in_subnet": 0, "total_ips_in_allocation_pool": 0,
                "used_ips_in_subnet": 0, "used_ips_in_allocation_pool": 0})
    assert cli("ip", "availability", "list", "--project", "demo", "-f", "value").out == ""


def test_a_member_sees_none(cli: Runner) -> None:
    demo = ("--os-project-name", "demo")
    net = value(cli, *demo, "network", "create", "mine")
    assert cli(*demo, "subnet", "create", "s", "--network", "mine", "--subnet-range",
               "10.1.0.0/24").rc == 0
    # Neutron's policy is admin only: an empty list (cliff's empty table), and no
    # availability to show.
    assert cli(*demo, "ip", "availability", "list").out == "\n"
    result = cli(*demo, "ip", "availability", "show", "mine")
    assert (result.rc, result.err.strip()) == (1, f"No NetworkIPAvailability found for {net}")
    assert cli("ip", "availability", "show", net, "-f", "value", "-c", "total_ips").out == (
        "253\n")
    assert cli("ip", "availability", "show", "nope").err.strip() == "No Network found for nope"
