from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

SHOW_FIELDS = [
    "admin_state_up", "availability_zone_hints", "availability_zones", "created_at",
    "description", "dns_domain", "id", "ipv4_address_scope", "ipv6_address_scope", "is_default",
    "is_vlan_qinq", "is_vlan_transparent", "mtu", "name", "port_security_enabled", "project_id",
    "provider:network_type", "provider:physical_network", "provider:segmentation_id", "pvlan",
    "qos_policy_id", "revision_number", "router:external", "segments", "shared", "status",
    "subnets", "tags", "updated_at",
]


def project_id(cli: Runner, name: str = "admin") -> str:
    return cli("project", "show", name, "-f", "value", "-c", "id").out.strip()


def create(cli: Runner, *args: str) -> dict[str, Any]:
    result = cli("network", "create", *args, "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def test_create_shows_neutrons_fields_and_defaults(cli: Runner) -> None:
    data = create(cli, "net1")
    assert list(data) == SHOW_FIELDS
    stamps = {k: data.pop(k) for k in ("id", "created_at", "updated_at")}
    assert stamps["created_at"] == stamps["updated_at"]
    assert len(stamps["created_at"]) == 20 and stamps["created_at"].endswith("Z")
    assert data == {
        "admin_state_up": True, "availability_zone_hints": [], "availability_zones": [],
        "description": "", "dns_domain": None, "ipv4_address_scope": None,
        "ipv6_address_scope": None, "is_default": None, "is_vlan_qinq": None,
        "is_vlan_transparent": None, "mtu": 1500, "name": "net1", "port_security_enabled": True,
        "project_id": project_id(cli), "provider:network_type": "local",
        "provider:physical_network": None, "provider:segmentation_id": None, "pvlan": None,
        "qos_policy_id": None, "revision_number": 1, "router:external": False,
        "segments": None, "shared": False, "status": "ACTIVE", "subnets": [], "tags": [],
    }


def test_external_network_is_flat_on_the_external_physnet(cli: Runner) -> None:
    data = create(cli, "ext", "--external", "--share", "--disable", "--mtu", "9000",
                  "--disable-port-security", "--description", "uplink", "--tag", "b",
                  "--tag", "a")
    assert (data["provider:network_type"], data["provider:physical_network"]) == (
        "flat", "external")
    assert (data["router:external"], data["is_default"], data["shared"]) == (True, False, True)
    assert (data["admin_state_up"], data["mtu"], data["port_security_enabled"]) == (
        False, 9000, False)
    assert (data["description"], data["tags"]) == ("uplink", ["a", "b"])


def test_table_uses_the_real_clients_formatters(cli: Runner) -> None:
    create(cli, "ext", "--external", "--tag", "x", "--tag", "y")
    lines = cli("network", "show", "ext").out.splitlines()
    assert lines[1].split() == ["|", "Field", "|", "Value", "|"]
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in lines[3:-1]}
    assert rows["admin_state_up"] == "UP"
    assert rows["router:external"] == "External"
    assert rows["tags"] == "x, y"
    assert rows["availability_zones"] == ""
    assert rows["is_default"] == "False"


def test_list_columns_and_long(cli: Runner) -> None:
    net = create(cli, "net1")
    sub = cli("subnet", "create", "s1", "--network", "net1", "--subnet-range", "10.0.0.0/24",
              "-f", "value", "-c", "id").out.strip()
    assert cli("network", "list", "-f", "json").json() == [
        {"ID": net["id"], "Name": "net1", "Subnets": [sub]}]
    table = cli("network", "list").out.splitlines()
    assert table[1].split("|")[1:4] == [" ID                                   ", " Name ",
                                        " Subnets                              "]
    long = cli("network", "list", "--long", "-f", "json").json()
    assert long == [{
        "ID": net["id"], "Name": "net1", "Status": "ACTIVE", "Project": project_id(cli),
        "State": True, "Shared": False, "Subnets": [sub], "Network Type": "local",
        "Router Type": False, "Availability Zones": [], "Tags": [],
    }]
    row = cli("network", "list", "--long").out.splitlines()[3]
    assert [cell.strip() for cell in row.split("|")[3:]] == [
        "ACTIVE", project_id(cli), "UP", "False", sub, "local", "Internal", "", "", ""]


def test_list_filters(cli: Runner) -> None:
    create(cli, "a", "--external")
    create(cli, "b", "--disable", "--share", "--tag", "red")
    create(cli, "c", "--tag", "red", "--tag", "blue")

    def names(*args: str) -> list[str]:
        return cli("network", "list", *args, "-f", "value", "-c", "Name").out.split()

    assert names() == ["a", "b", "c"]
    assert names("--external") == ["a"]
    assert names("--internal") == ["b", "c"]
    assert names("--disable") == ["b"]
    assert names("--enable") == ["a", "c"]
    assert names("--share") == ["b"]
    assert names("--no-share") == ["a", "c"]
    assert names("--name", "c") == ["c"]
    assert names("--tags", "red,blue") == ["c"]
    assert names("--any-tags", "blue,red") == ["b", "c"]
    assert names("--not-tags", "red") == ["a"]
    assert names("--not-any-tags", "blue") == ["a", "b"]
    assert names("--provider-network-type", "flat") == ["a"]
    assert names("--status", "ACTIVE") == ["a", "b", "c"]
    assert names("--project", "admin") == ["a", "b", "c"]
    assert names("--project", "demo") == []
    assert cli("network", "list", "--status", "WRONG").rc == 2


def test_a_project_sees_its_own_shared_and_external_networks(cli: Runner) -> None:
    create(cli, "mine")
    create(cli, "shared", "--share")
    create(cli, "ext", "--external")
    as_demo = ("--os-project-name", "demo")
    listed = cli(*as_demo, "network", "list", "-f", "value", "-c", "Name").out.split()
    assert listed == ["shared", "ext"]
    assert cli(*as_demo, "network", "show", "mine").err.strip() == "No Network found for mine"
    create(cli, "theirs", "--project", "demo")
    assert cli(*as_demo, "network", "show", "theirs", "-f", "value", "-c", "project_id").out \
        .strip() == project_id(cli, "demo")


def test_names_need_not_be_unique_but_lookups_must(cli: Runner) -> None:
    first = create(cli, "dup")
    create(cli, "dup")
    result = cli("network", "show", "dup")
    assert (result.rc, result.err.strip()) == (
        1, "More than one Network exists with the name 'dup'.")
    assert cli("network", "show", first["id"], "-f", "value", "-c", "id").out.strip() == \
        first["id"]


@pytest.mark.parametrize("name", ["it's", 'say "hi"', "a b", "x;rm -rf /", "$(reboot)", "`id`",
                                  "ünï"])
def test_odd_names_come_back_verbatim(cli: Runner, name: str) -> None:
    assert create(cli, name)["name"] == name
    assert cli("network", "show", name, "-f", "value", "-c", "name").out == name + "\n"


@pytest.mark.parametrize(("args", "message"), [
    (("x" * 10_000,), f"Invalid input for name. Reason: '{'x' * 10_000}' exceeds maximum "
                      "length of 255."),
    (("n", "--description", "d" * 256),
     f"Invalid input for description. Reason: '{'d' * 256}' exceeds maximum length of 255."),
    (("n", "--mtu", "abc"), "Invalid input for mtu. Reason: 'abc' is not an integer."),
    (("n", "--mtu", "-5"), "Invalid input for mtu. Reason: '-5' should be non-negative."),
    (("n", "--mtu", "9001"),
     "Invalid input for operation: Requested MTU is too big, maximum is 9000."),
    (("n", "--provider-network-type", "vlan"),
     "Invalid input for operation: network_type value 'vlan' not supported."),
    (("n", "--provider-network-type", "flat"),
     "Invalid input for operation: physical_network required for flat provider network."),
    (("n", "--provider-segment", "5"),
     "--provider-segment requires --provider-network-type to be specified."),
    (("n", "--qos-policy", "gold"), "No QoSPolicy found for gold"),
    (("n", "--transparent-vlan"), "Unrecognized attribute(s) 'vlan_transparent'"),
    # find_project_id_sdk raises an empty CommandError for a project Keystone has not.
    (("n", "--project", "nosuch"), ""),
])
def test_bad_creates_change_nothing(
    cli: Runner, store_snapshot: Snapshot, args: tuple[str, ...], message: str
) -> None:
    cli("network", "list")
    before = store_snapshot()
    result = cli("network", "create", *args)
    assert (result.rc, result.out, result.err.strip()) == (1, "", message)
    assert store_snapshot() == before


def test_parser_errors_exit_2(cli: Runner) -> None:
    assert cli("network", "create").rc == 2
    assert cli("network", "create", "n", "--external", "--internal").rc == 2
    assert cli("network", "create", "n", "--share", "--no-share").rc == 2
    assert cli("network", "create", "n", "--tag", "a", "--no-tag").rc == 2


def test_set_and_unset_bump_the_revision(cli: Runner) -> None:
    net = create(cli, "net1", "--tag", "a")
    assert cli("network", "set", "net1", "--name", "net2", "--description", "d", "--disable",
               "--share", "--mtu", "1400", "--tag", "b").out == ""
    data = cli("network", "show", net["id"], "-f", "json").json()
    assert (data["name"], data["description"], data["admin_state_up"], data["shared"],
            data["mtu"], data["tags"], data["revision_number"]) == (
        "net2", "d", False, True, 1400, ["a", "b"], 2)
    assert cli("network", "set", "net2", "--no-tag", "--tag", "c", "--external").rc == 0
    data = cli("network", "show", "net2", "-f", "json").json()
    assert (data["tags"], data["router:external"], data["is_default"]) == (["c"], True, False)
    assert cli("network", "unset", "net2", "--tag", "c").rc == 0
    assert cli("network", "show", "net2", "-f", "json").json()["tags"] == []
    assert cli("network", "set", "net2", "--internal").rc == 0
    assert cli("network", "show", "net2", "-f", "json").json()["is_default"] is None
    # Nothing to change: no update, no new revision.
    revision = cli("network", "show", "net2", "-f", "json").json()["revision_number"]
    assert cli("network", "set", "net2").rc == 0
    assert cli("network", "show", "net2", "-f", "json").json()["revision_number"] == revision


def test_set_refuses_provider_changes(cli: Runner, store_snapshot: Snapshot) -> None:
    create(cli, "n")
    before = store_snapshot()
    result = cli("network", "set", "n", "--provider-network-type", "flat",
                 "--provider-physical-network", "p")
    assert result.err.strip() == (
        "Invalid input for operation: Plugin does not support updating provider attributes.")
    assert store_snapshot() == before


def test_delete_many_goes_on_past_failure(cli: Runner) -> None:
    create(cli, "a")
    create(cli, "b")
    result = cli("network", "delete", "a", "nosuch", "b")
    assert (result.rc, result.out) == (1, "")
    assert result.err.splitlines() == [
        "Failed to delete network with name or ID 'nosuch': No Network found for nosuch",
        "1 of 3 networks failed to delete.",
    ]
    assert cli("network", "list", "-f", "value").out == ""


def test_delete_takes_its_subnets_but_not_ports_in_use(
    cli: Runner, store_snapshot: Snapshot
) -> None:
    create(cli, "n")
    cli("subnet", "create", "s", "--network", "n", "--subnet-range", "10.0.0.0/24")
    port = cli("port", "create", "p", "--network", "n", "-f", "value", "-c", "id").out.strip()
    before = store_snapshot()
    net_id = cli("network", "show", "n", "-f", "value", "-c", "id").out.strip()
    result = cli("network", "delete", "n")
    assert result.err.splitlines() == [
        f"Failed to delete network with name or ID 'n': Unable to complete operation on "
        f"network {net_id}. There are one or more ports still in use on the network, id for "
        f"these ports is: {port}.",
        "1 of 1 networks failed to delete.",
    ]
    assert store_snapshot() == before
    assert cli("port", "delete", "p").rc == 0
    assert cli("network", "delete", "n").rc == 0
    assert cli("subnet", "list", "-f", "value").out == ""


def test_delete_takes_dhcp_ports_along(cli: Runner) -> None:
    create(cli, "n")
    cli("subnet", "create", "s", "--network", "n", "--subnet-range", "10.0.0.0/24")
    assert cli("port", "create", "dhcp", "--network", "n", "--device-owner",
               "network:dhcp").rc == 0
    assert cli("network", "delete", "n").out == ""
    assert cli("port", "list", "-f", "value").out == ""
    # Its address went with it: a new network may reuse everything.
    create(cli, "n2")
    cli("subnet", "create", "s", "--network", "n2", "--subnet-range", "10.0.0.0/24")
    assert cli("port", "create", "p", "--network", "n2", "-f", "json").json()["fixed_ips"][0][
        "ip_address"] == "10.0.0.2"


def test_external_network_with_gateway_ports_stays_external(
    cli: Runner, store_snapshot: Snapshot
) -> None:
    ext = create(cli, "ext", "--external")["id"]
    cli("subnet", "create", "s", "--network", "ext", "--subnet-range", "192.168.61.0/24")
    cli("router", "create", "r", "--external-gateway", "ext")
    before = store_snapshot()
    result = cli("network", "set", "ext", "--internal")
    assert result.err.strip() == (
        f"External network {ext} cannot be updated to be made non-external, since it has "
        "existing gateway ports.")
    assert store_snapshot() == before
