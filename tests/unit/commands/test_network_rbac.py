"""``network rbac create|delete|list|set|show``, and what the policies do in the local model
as in Neutron: a network shared with a project is that project's to see and build on, its
``shared`` flag is the '*' policy, access_as_external makes it external, and a policy a
project still uses cannot be taken away (rbac_db_mixin, external_net_db, objects/rbac_db;
checked against Neutron in tests/cloud)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]
DEMO = ("--os-project-name", "demo")
SHOW_FIELDS = ["action", "id", "object_id", "object_type", "project_id", "target_project_id"]


def project(cli: Runner, name: str) -> str:
    return cli("project", "show", name, "-f", "value", "-c", "id").out.strip()


def network(cli: Runner, name: str, *args: str) -> str:
    result = cli("network", "create", name, *args, "-f", "value", "-c", "id")
    assert result.rc == 0, result.err
    return result.out.strip()


def share(cli: Runner, obj: str, *args: str, kind: str = "network",
          action: str = "access_as_shared") -> dict[str, Any]:
    result = cli("network", "rbac", "create", "--type", kind, "--action", action, *args, obj,
                 "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def test_create_show_list_set_delete(cli: Runner) -> None:
    net = network(cli, "net1")
    demo, admin = project(cli, "demo"), project(cli, "admin")
    policy = share(cli, "net1", "--target-project", "demo")
    assert sorted(policy) == SHOW_FIELDS
    assert policy == {"action": "access_as_shared", "id": policy["id"], "object_id": net,
                      "object_type": "network", "project_id": admin,
                      "target_project_id": demo}
    assert cli("network", "rbac", "show", policy["id"], "-f", "json").json() == policy
    assert cli("network", "rbac", "list", "-f", "json").json() == [
        {"ID": policy["id"], "Object Type": "network", "Object ID": net}]
    assert cli("network", "rbac", "list", "--long", "-f", "json").json() == [
        {"ID": policy["id"], "Object Type": "network", "Object ID": net,
         "Action": "access_as_shared"}]
    for args, count in ((("--type", "network"), 1), (("--type", "subnetpool"), 0),
                        (("--action", "access_as_external"), 0),
                        (("--target-project", "demo"), 1), (("--target-project", "*"), 0)):
        listed = cli("network", "rbac", "list", *args, "-f", "value").out.splitlines()
        assert len(listed) == count, args
    result = cli("network", "rbac", "set", policy["id"], "--target-project", "admin")
    assert (result.rc, result.out) == (0, "")
    assert cli("network", "rbac", "show", policy["id"], "-f", "value", "-c",
               "target_project_id").out == f"{admin}\n"
    result = cli("network", "rbac", "delete", policy["id"])
    assert (result.rc, result.out) == (0, "")
    assert cli("network", "rbac", "list", "-f", "value").out == ""


def test_refusals_change_nothing(cli: Runner, store_snapshot: Snapshot) -> None:
    network(cli, "net1")
    share(cli, "net1", "--target-project", "demo")
    before = store_snapshot()
    result = cli("network", "rbac", "create", "--type", "network", "--action",
                 "access_as_shared", "--target-project", "demo", "net1")
    assert (result.rc, result.err.strip()) == (
        1, "An RBAC policy already exists with those values.")
    result = cli(*DEMO, "network", "rbac", "create", "--type", "network", "--action",
                 "access_as_shared", "--target-all-projects", "net1")
    assert (result.rc, result.err.strip()) == (1, (
        "((((rule:create_rbac_policy and rule:create_rbac_policy:object_type) and "
        "rule:create_rbac_policy:object_id) and rule:create_rbac_policy:target_tenant) and "
        "rule:create_rbac_policy:action) is disallowed by policy"))
    result = cli(*DEMO, "network", "rbac", "create", "--type", "network", "--action",
                 "access_as_shared", "--target-project", project(cli, "admin"), "net1")
    assert (result.rc, result.err.strip()) == (1, (
        "Invalid input for operation: Only admins can manipulate policies on networks they "
        "do not own."))
    # A member may not look projects up: the name goes as given, and is no project ID.
    result = cli(*DEMO, "network", "rbac", "create", "--type", "network", "--action",
                 "access_as_shared", "--target-project", "admin", "net1")
    assert (result.rc, result.err.strip()) == (1, (
        "Invalid input for operation: 'admin' is not a valid target project ID; expected a "
        "UUID or '*'."))
    result = cli("network", "rbac", "create", "--type", "qos_policy", "--action",
                 "access_as_shared", "--target-all-projects", "q")
    assert (result.rc, result.err.strip()) == (1, "No QoSPolicy found for q")
    result = cli("network", "rbac", "create", "--type", "network", "--action",
                 "access_as_shared", "net1")
    assert result.rc == 2
    result = cli("network", "rbac", "delete", "nope")
    assert (result.rc, result.err.splitlines()) == (1, [
        "Failed to delete RBAC policy with ID 'nope': No RBACPolicy found for nope",
        "1 of 1 RBAC policies failed to delete."])
    assert store_snapshot() == before


def test_a_network_shared_with_a_project_is_its_to_see_and_use(
    cli: Runner, store_snapshot: Snapshot
) -> None:
    net = network(cli, "net1")
    assert cli("subnet", "create", "s1", "--network", "net1", "--subnet-range",
               "10.8.0.0/24").rc == 0
    assert cli(*DEMO, "network", "show", "net1").err.strip() == "No Network found for net1"
    policy = share(cli, "net1", "--target-project", "demo")
    shown = cli(*DEMO, "network", "show", "net1", "-f", "json").json()
    assert (shown["id"], shown["shared"]) == (net, True)
    # The owner sees it unshared: nothing shares it with the owner's project.
    assert cli("network", "show", "net1", "-f", "value", "-c", "shared").out == "False\n"
    assert cli(*DEMO, "network", "list", "-f", "value", "-c", "Name").out == "net1\n"
    assert cli(*DEMO, "network", "list", "--share", "-f", "value", "-c", "Name").out == (
        "net1\n")
    assert cli(*DEMO, "subnet", "show", "s1", "-f", "value", "-c", "cidr").out == (
        "10.8.0.0/24\n")
    made = cli(*DEMO, "port", "create", "p1", "--network", "net1")
    assert made.rc == 0, made.err
    # The project's port rests on the policy: it stays.
    before = store_snapshot()
    for args in (("delete", policy["id"]), ("set", policy["id"], "--target-project", "admin")):
        result = cli("network", "rbac", *args)
        assert result.rc == 1
        message = result.err.splitlines()
        if args[0] == "delete":
            assert message[-1] == "1 of 1 RBAC policies failed to delete."
            message = message[:-1]
            message[0] = message[0].removeprefix(
                f"Failed to delete RBAC policy with ID '{policy['id']}': ")
        assert message[0] == (f"RBAC policy on object {net} cannot be removed because other "
                              "objects depend on it.")
        assert re.fullmatch(
            r'Details: Callback neutron\.plugins\.ml2\.plugin\.NeutronDbPluginV2\.'
            r'validate_network_rbac_policy_change-\d+ failed with "Unable to reconfigure '
            f'sharing settings for network {net}. Multiple projects are using it."',
            message[1]), message[1]
    assert store_snapshot() == before
    assert cli(*DEMO, "port", "delete", "p1").rc == 0
    assert cli("network", "rbac", "delete", policy["id"]).rc == 0
    assert cli(*DEMO, "network", "list", "-f", "value").out == ""


def test_shared_is_the_wildcard_policy(cli: Runner) -> None:
    net = network(cli, "net1", "--share")
    policies = cli("network", "rbac", "list", "--long", "-f", "json").json()
    assert [(p["Object ID"], p["Action"]) for p in policies] == [(net, "access_as_shared")]
    wildcard = policies[0]["ID"]
    assert cli("network", "rbac", "show", wildcard, "-f", "value", "-c",
               "target_project_id").out == "*\n"
    assert cli(*DEMO, "port", "create", "p1", "--network", "net1").rc == 0
    # Unsharing is refused while another project has a port, by the flag or the policy.
    assert cli("network", "set", "net1", "--no-share").err.strip() == (
        f"Unable to reconfigure sharing settings for network {net}. Multiple projects are "
        "using it.")
    assert cli("network", "rbac", "delete", wildcard).rc == 1
    # A policy of the project's own keeps its port covered.
    share(cli, "net1", "--target-project", "demo")
    assert cli("network", "rbac", "delete", wildcard).rc == 0
    assert cli("network", "show", "net1", "-f", "value", "-c", "shared").out == "False\n"
    assert cli(*DEMO, "network", "show", "net1", "-f", "value", "-c", "shared").out == "True\n"
    assert cli("network", "set", "net1", "--share").rc == 0
    assert cli("network", "rbac", "list", "--target-project", "*", "-f", "value",
               "-c", "Object ID").out == f"{net}\n"
    assert cli(*DEMO, "port", "delete", "p1").rc == 0
    assert cli("network", "delete", "net1").rc == 0
    assert cli("network", "rbac", "list", "-f", "value").out == ""


def test_access_as_external_makes_the_network_external_for_the_project(cli: Runner) -> None:
    network(cli, "ext1")
    policy = share(cli, "ext1", "--target-project", "demo", action="access_as_external")
    shown = cli("network", "show", "ext1", "-f", "json").json()
    assert (shown["router:external"], shown["is_default"]) == (True, False)
    demo_view = cli(*DEMO, "network", "show", "ext1", "-f", "json").json()
    assert (demo_view["router:external"], demo_view["shared"]) == (True, False)
    assert cli(*DEMO, "network", "list", "--external", "-f", "value", "-c",
               "Name").out == "ext1\n"
    assert cli("network", "rbac", "delete", policy["id"]).rc == 0
    assert cli("network", "show", "ext1", "-f", "value", "-c",
               "router:external").out == "False\n"
    assert cli(*DEMO, "network", "show", "ext1").rc == 1
    # An external network made so by its flag carries the '*' policy, and loses it with it.
    assert cli("network", "set", "ext1", "--external").rc == 0
    listed = cli("network", "rbac", "list", "--action", "access_as_external", "-f", "value",
                 "-c", "Object Type").out
    assert listed == "network\n"
    assert cli(*DEMO, "network", "show", "ext1").rc == 0
    assert cli("network", "set", "ext1", "--internal").rc == 0
    assert cli("network", "rbac", "list", "-f", "value").out == ""


def test_subnet_pools_and_scopes_shared_with_a_project(cli: Runner) -> None:
    assert cli("address", "scope", "create", "as4").rc == 0
    assert cli("subnet", "pool", "create", "sp", "--pool-prefix", "10.50.0.0/16").rc == 0
    assert cli(*DEMO, "subnet", "pool", "show", "sp").rc == 1
    share(cli, "sp", "--target-project", "demo", kind="subnetpool")
    scope_policy = share(cli, "as4", "--target-project", "demo", kind="address_scope")
    assert cli(*DEMO, "subnet", "pool", "show", "sp", "-f", "value", "-c", "name").out == (
        "sp\n")
    assert cli(*DEMO, "address", "scope", "show", "as4", "-f", "value", "-c",
               "shared").out == "True\n"
    # The project's pool in the scope rests on the policy.
    assert cli(*DEMO, "subnet", "pool", "create", "mine", "--pool-prefix", "10.60.0.0/16",
               "--address-scope", "as4").rc == 0
    result = cli("network", "rbac", "delete", scope_policy["id"])
    assert result.rc == 1
    assert "Details: Callback neutron.objects.address_scope.AddressScope." in result.err
    assert cli(*DEMO, "subnet", "pool", "delete", "mine").rc == 0
    assert cli("network", "rbac", "delete", scope_policy["id"]).rc == 0


def test_a_store_from_before_rbac_gets_the_policies_its_flags_stand_for(
    cli: Runner, ostack_home: Path
) -> None:
    shared = network(cli, "old-shared", "--share")
    external = network(cli, "old-external", "--external")
    # As an older ostack left its store: the flags, no policy records, no upgrade mark.
    conn = sqlite3.connect(ostack_home / "state.db")
    with conn:
        conn.execute("DELETE FROM resources WHERE kind = 'rbac_policy'")
        conn.execute("DELETE FROM settings WHERE key = 'rbac_seeded'")
    conn.close()
    rows = cli("network", "rbac", "list", "--long", "-f", "json").json()
    found = sorted((r["Object ID"], r["Action"]) for r in rows)
    assert found == sorted([(shared, "access_as_shared"), (external, "access_as_external")])
    # And the shared one is unshared by deleting its '*' policy, as on a new store.
    policy = next(r["ID"] for r in rows if r["Object ID"] == shared)
    assert cli("network", "rbac", "delete", policy).rc == 0
    assert cli("network", "show", "old-shared", "-f", "value", "-c", "shared").out == "False\n"


def test_provider_attributes_are_an_admins_to_see(cli: Runner) -> None:
    # Neutron's policy (get_network:provider:*): a member sees them as null, as realstack.
    network(cli, "pub", "--external", "--provider-network-type", "flat",
            "--provider-physical-network", "public")
    assert cli("role", "add", "--user", "admin", "--project", "demo", "member").rc == 0
    fields = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")
    as_admin = cli("network", "show", "pub", "-f", "json").json()
    assert [as_admin[f] for f in fields] == ["flat", "public", None]
    as_member = cli(*DEMO, "network", "show", "pub", "-f", "json").json()
    assert [as_member[f] for f in fields] == [None, None, None]
    listed = cli(*DEMO, "network", "list", "--long", "-f", "json").json()
    assert [row["Network Type"] for row in listed if row["Name"] == "pub"] == [None]
    made = cli(*DEMO, "network", "create", "mine", "-f", "json").json()
    assert made["provider:network_type"] is None
