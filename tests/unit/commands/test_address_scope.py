"""``address scope create|delete|list|set|show`` and subnet pools in a scope
(``subnet pool create|set --address-scope``, ``--no-address-scope``), with Neutron's rules
and messages (address_scope_db, db_base_plugin_v2 ``_validate_address_scope_id``; checked
against Neutron in tests/cloud)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]
DEMO = ("--os-project-name", "demo")


def scope(cli: Runner, name: str, *args: str) -> dict[str, Any]:
    result = cli("address", "scope", "create", name, *args, "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def test_create_show_list_set_delete(cli: Runner) -> None:
    created = scope(cli, "as4")
    assert sorted(created) == ["id", "ip_version", "name", "project_id", "shared"]
    assert (created["ip_version"], created["shared"]) == (4, False)
    v6 = scope(cli, "as6", "--ip-version", "6", "--share")
    assert (v6["ip_version"], v6["shared"]) == (6, True)
    assert cli("address", "scope", "show", "as4", "-f", "json").json() == created
    listed = cli("address", "scope", "list", "-f", "json").json()
    assert sorted(listed, key=lambda row: row["Name"]) == [
        {"ID": created["id"], "Name": "as4", "IP Version": 4, "Shared": False,
         "Project": created["project_id"]},
        {"ID": v6["id"], "Name": "as6", "IP Version": 6, "Shared": True,
         "Project": v6["project_id"]},
    ]
    for args, names in ((("--ip-version", "6"), "as6\n"), (("--no-share",), "as4\n"),
                        (("--share",), "as6\n"), (("--name", "as4"), "as4\n")):
        assert cli("address", "scope", "list", *args, "-f", "value", "-c", "Name").out == names
    result = cli("address", "scope", "set", "as4", "--name", "renamed", "--share")
    assert (result.rc, result.out) == (0, "")
    assert cli("address", "scope", "show", "renamed", "-f", "value", "-c", "shared").out == (
        "True\n")
    # The share is the '*' policy Neutron keeps for it.
    policies = cli("network", "rbac", "list", "--type", "address_scope", "--long",
                   "-f", "json").json()
    assert {p["Object ID"] for p in policies} == {created["id"], v6["id"]}
    result = cli("address", "scope", "delete", "renamed", "as6")
    assert (result.rc, result.out) == (0, "")
    assert cli("address", "scope", "list", "-f", "value").out == ""
    assert cli("network", "rbac", "list", "-f", "value").out == ""


def test_refusals(cli: Runner, store_snapshot: Snapshot) -> None:
    shared = scope(cli, "shared", "--share")
    assert cli(*DEMO, "address", "scope", "list").rc == 0
    before = store_snapshot()
    result = cli("address", "scope", "set", "shared", "--no-share")
    assert (result.rc, result.err.strip()) == (1, (
        f"Unable to update address scope {shared['id']} : Shared address scope can't be "
        "unshared."))
    result = cli(*DEMO, "address", "scope", "create", "mine", "--share")
    assert (result.rc, result.err.strip()) == (1, (
        "(rule:create_address_scope and rule:create_address_scope:shared) is disallowed by "
        "policy"))
    result = cli("address", "scope", "create", "v5", "--ip-version", "5")
    assert result.rc == 2
    result = cli("address", "scope", "delete", "nope")
    assert (result.rc, result.err.splitlines()) == (1, [
        "Failed to delete address scope with name or ID 'nope': No AddressScope found for "
        "nope",
        "1 of 1 address scopes failed to delete."])
    assert store_snapshot() == before


def test_a_member_sees_its_own_and_shared_scopes(cli: Runner) -> None:
    scope(cli, "private")
    scope(cli, "public", "--share")
    assert cli(*DEMO, "address", "scope", "list", "-f", "value", "-c", "Name").out == (
        "public\n")
    assert cli(*DEMO, "address", "scope", "show", "private").err.strip() == (
        "No AddressScope found for private")


def test_subnet_pools_join_a_scope_of_their_ip_version(cli: Runner,
                                                       store_snapshot: Snapshot) -> None:
    v4 = scope(cli, "as4")
    v6 = scope(cli, "as6", "--ip-version", "6")
    assert cli("subnet", "pool", "create", "other", "--pool-prefix", "10.60.0.0/16").rc == 0
    before = store_snapshot()
    result = cli("subnet", "pool", "create", "sp", "--pool-prefix", "10.50.0.0/16",
                 "--address-scope", "as6")
    assert result.rc == 1
    pool_id = result.err.split()[4]
    assert result.err.strip() == (
        f"Illegal subnetpool association: subnetpool {pool_id} cannot associate with address "
        f"scope {v6['id']} because subnetpool ip_version is not 6.")
    assert store_snapshot() == before
    created = cli("subnet", "pool", "create", "sp", "--pool-prefix", "10.50.0.0/16",
                  "--address-scope", "as4", "-f", "json").json()
    assert created["address_scope_id"] == v4["id"]
    # Pools of one scope may not overlap.
    assert cli("subnet", "pool", "create", "sp2", "--pool-prefix", "10.50.8.0/24").rc == 0
    result = cli("subnet", "pool", "set", "sp2", "--address-scope", "as4")
    assert (result.rc, result.err.strip()) == (1, (
        "Failed to associate address scope: subnetpools within an address scope must have "
        "unique prefixes."))
    assert cli("subnet", "pool", "set", "other", "--address-scope", "as4").rc == 0
    listed = cli("subnet", "pool", "list", "--address-scope", "as4", "-f", "value", "-c",
                 "Name").out.split()
    assert sorted(listed) == ["other", "sp"]
    # A scope in use stays.
    result = cli("address", "scope", "delete", "as4")
    assert result.err.splitlines()[0] == (
        f"Failed to delete address scope with name or ID 'as4': Unable to complete operation "
        f"on address scope {v4['id']}. There are one or more subnet pools in use on the "
        "address scope.")
    assert cli("subnet", "pool", "set", "other", "--no-address-scope").rc == 0
    assert cli("subnet", "pool", "show", "other", "-f", "value", "-c",
               "address_scope_id").out == "None\n"


def test_a_network_shows_the_scopes_of_its_subnets_pools(cli: Runner) -> None:
    v4 = scope(cli, "as4")
    assert cli("subnet", "pool", "create", "sp", "--pool-prefix", "10.50.0.0/16",
               "--address-scope", "as4").rc == 0
    assert cli("network", "create", "net1").rc == 0
    shown = cli("network", "show", "net1", "-f", "json").json()
    assert (shown["ipv4_address_scope"], shown["ipv6_address_scope"]) == (None, None)
    assert cli("subnet", "create", "s1", "--network", "net1", "--subnet-pool", "sp",
               "--prefix-length", "24").rc == 0
    shown = cli("network", "show", "net1", "-f", "json").json()
    assert (shown["ipv4_address_scope"], shown["ipv6_address_scope"]) == (v4["id"], None)
