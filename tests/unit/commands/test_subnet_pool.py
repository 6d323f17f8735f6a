"""``subnet pool create|delete|list|set|show|unset`` and subnets taking their CIDR from a
pool (``subnet create --subnet-pool|--use-default-subnet-pool --prefix-length``), with
Neutron's rules and messages (checked against Neutron 29 in tests/cloud)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

SHOW_FIELDS = ["address_scope_id", "created_at", "default_prefixlen", "default_quota",
               "description", "id", "ip_version", "is_default", "max_prefixlen",
               "min_prefixlen", "name", "prefixes", "project_id", "revision_number", "shared",
               "tags", "updated_at"]
DEMO = ("--os-project-name", "demo")


def pool(cli: Runner, name: str, *args: str) -> dict[str, Any]:
    result = cli("subnet", "pool", "create", name, *args, "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def subnet(cli: Runner, name: str, *args: str) -> Any:
    return cli("subnet", "create", name, "--network", "net1", *args, "-f", "json")


@pytest.fixture
def net(cli: Runner) -> None:
    assert cli("network", "create", "net1").rc == 0


def test_create_compacts_prefixes_and_takes_neutrons_defaults(cli: Runner) -> None:
    data = pool(cli, "sp1", "--pool-prefix", "10.100.0.0/16", "--pool-prefix",
                "10.101.0.0/16")
    assert list(data) == SHOW_FIELDS
    for key in ("id", "created_at", "updated_at", "project_id"):
        data.pop(key)
    assert data == {
        "address_scope_id": None, "default_prefixlen": 8, "default_quota": None,
        "description": "", "ip_version": 4, "is_default": False, "max_prefixlen": 32,
        "min_prefixlen": 8, "name": "sp1", "prefixes": ["10.100.0.0/15"],
        "revision_number": 0, "shared": False, "tags": [],
    }
    v6 = pool(cli, "sp6", "--pool-prefix", "2001:db8::/48")
    assert (v6["ip_version"], v6["default_prefixlen"], v6["min_prefixlen"],
            v6["max_prefixlen"]) == (6, 64, 64, 128)
    full = pool(cli, "spd", "--pool-prefix", "10.200.0.0/16", "--default-prefix-length", "24",
                "--min-prefix-length", "20", "--max-prefix-length", "28", "--default",
                "--share", "--description", "d", "--default-quota", "1024", "--tag", "t1")
    assert (full["default_prefixlen"], full["min_prefixlen"], full["max_prefixlen"],
            full["is_default"], full["shared"], full["default_quota"], full["tags"]) == (
        24, 20, 28, True, True, 1024, ["t1"])
    # Names are not unique.
    pool(cli, "sp1", "--pool-prefix", "10.102.0.0/16")
    assert cli("subnet", "pool", "show", "sp1").err.strip() == (
        "More than one SubnetPool exists with the name 'sp1'.")


@pytest.mark.parametrize(("args", "message"), [
    (("--pool-prefix", "10.201.0.0/16", "--pool-prefix", "2001:db9::/48"),
     "Cannot mix IPv4 and IPv6 prefixes in a subnet pool."),
    (("--pool-prefix", "10.203.0.0/16", "--min-prefix-length", "24",
      "--default-prefix-length", "20"),
     "Illegal prefix bounds: default_prefixlen=20, min_prefixlen=24."),
    (("--pool-prefix", "10.203.0.0/16", "--max-prefix-length", "33"),
     "Illegal prefix bounds: max_prefixlen=33, ip_version_max=32."),
    (("--pool-prefix", "10.203.0.0/16", "--min-prefix-length", "30", "--max-prefix-length",
      "24"), "Illegal prefix bounds: min_prefixlen=30, max_prefixlen=24."),
    (("--pool-prefix", "10.203.0.0/33",),
     "Invalid input for prefixes. Reason: '10.203.0.0/33' is not a valid IP subnet."),
    (("--pool-prefix", "foo"), "Invalid input for prefixes. Reason: 'foo' is not a valid IP "
     "subnet."),
    (("--pool-prefix", "10.1.0.0/16", "--pool-prefix", "10.1.0.0/16"),
     "Invalid input for prefixes. Reason: Duplicate items in the list: '10.1.0.0/16'."),
    (("--pool-prefix", "10.1.0.0/16", "--default-quota", "-5"),
     "Invalid input for default_quota. Reason: '-5' should be non-negative."),
    (("--pool-prefix", "10.1.0.0/16", "--address-scope", "nope"),
     "No AddressScope found for nope"),
])
def test_create_refusals(cli: Runner, store_snapshot: Snapshot, args: tuple[str, ...],
                         message: str) -> None:
    assert cli("subnet", "pool", "list").rc == 0  # a seeded store
    before = store_snapshot()
    result = cli("subnet", "pool", "create", "bad", *args)
    assert (result.rc, result.err.strip()) == (1, message)
    assert store_snapshot() == before


def test_one_default_per_ip_version_and_only_an_admin_sets_it(cli: Runner) -> None:
    pool(cli, "d4", "--pool-prefix", "10.200.0.0/16", "--default")
    result = cli("subnet", "pool", "create", "d4b", "--pool-prefix", "10.201.0.0/16",
                 "--default")
    assert result.err.strip() == (
        "Invalid input for operation: A default subnetpool for this IP family has already "
        "been set. Only one default may exist per IP family.")
    pool(cli, "d6", "--pool-prefix", "2001:db8::/48", "--default")
    for args, message in [
        (("--share",), "(rule:create_subnetpool and rule:create_subnetpool:shared) is "
         "disallowed by policy"),
        (("--default",), "(rule:create_subnetpool and rule:create_subnetpool:is_default) is "
         "disallowed by policy"),
    ]:
        result = cli(*DEMO, "subnet", "pool", "create", "dsp", "--pool-prefix",
                     "10.210.0.0/16", *args)
        assert (result.rc, result.err.strip()) == (1, message)
    # --no-share and --no-default are the defaults: a member may say so.
    assert cli(*DEMO, "subnet", "pool", "create", "dsp", "--pool-prefix", "10.210.0.0/16",
               "--no-share", "--no-default").rc == 0
    result = cli(*DEMO, "subnet", "pool", "set", "dsp", "--default")
    assert result.err.strip() == (
        "(rule:update_subnetpool and rule:update_subnetpool:is_default) is disallowed by "
        "policy")


def test_list_and_visibility(cli: Runner) -> None:
    pool(cli, "mine", "--pool-prefix", "10.1.0.0/16", "--tag", "a")
    pool(cli, "shared", "--pool-prefix", "10.2.0.0/16", "--share", "--default")
    assert cli(*DEMO, "subnet", "pool", "create", "theirs", "--pool-prefix",
               "10.3.0.0/16").rc == 0

    def names(*args: str, demo: bool = False) -> list[str]:
        who = DEMO if demo else ()
        return cli(*who, "subnet", "pool", "list", *args, "-f", "value", "-c", "Name").out \
            .split()

    # An admin sees every project's pools; a member its own and the shared ones.
    assert names() == ["mine", "shared", "theirs"]
    assert names(demo=True) == ["shared", "theirs"]
    assert names("--share") == ["shared"]
    assert names("--no-share") == ["mine", "theirs"]
    assert names("--default") == ["shared"]
    assert names("--no-default") == ["mine", "theirs"]
    assert names("--project", "demo") == ["theirs"]
    assert names("--name", "mine") == ["mine"]
    assert names("--tags", "a") == ["mine"]
    rows = cli("subnet", "pool", "list", "--long", "-f", "json").json()
    assert list(rows[0]) == ["ID", "Name", "Prefixes", "Default Prefix Length",
                             "Address Scope", "Default Subnet Pool", "Shared", "Tags"]
    assert (rows[1]["Prefixes"], rows[1]["Default Prefix Length"],
            rows[1]["Default Subnet Pool"], rows[1]["Shared"], rows[0]["Tags"]) == (
        ["10.2.0.0/16"], 8, True, True, ["a"])


def test_set_and_unset(cli: Runner) -> None:
    pool(cli, "sp6", "--pool-prefix", "2001:db8::/48")
    assert cli("subnet", "pool", "set", "sp6", "--pool-prefix", "2001:db8:1::/48", "--name",
               "sp6b", "--description", "x", "--default-quota", "5", "--min-prefix-length",
               "56").out == ""
    shown = cli("subnet", "pool", "show", "sp6b", "-f", "json").json()
    assert (shown["prefixes"], shown["description"], shown["default_quota"],
            shown["min_prefixlen"], shown["default_prefixlen"], shown["revision_number"]) == (
        ["2001:db8::/47"], "x", 5, 56, 64, 1)
    for args, message in [
        (("--pool-prefix", "10.0.0.0/8"), "Cannot mix IPv4 and IPv6 prefixes in a subnet pool."),
        (("--pool-prefix", "2001:db8::/47"), "Invalid input for prefixes. Reason: Duplicate "
         "items in the list: '2001:db8::/47'."),
        (("--default-prefix-length", "48"),
         "Illegal prefix bounds: default_prefixlen=48, min_prefixlen=56."),
        (("--max-prefix-length", "60"),
         "Illegal prefix bounds: default_prefixlen=64, max_prefixlen=60."),
    ]:
        result = cli("subnet", "pool", "set", "sp6b", *args)
        assert (result.rc, result.err.strip()) == (1, message), args
    assert cli("subnet", "pool", "set", "sp6b", "--tag", "b", "--tag", "a").rc == 0
    assert cli("subnet", "pool", "show", "sp6b", "-f", "json").json()["tags"] == ["a", "b"]
    assert cli("subnet", "pool", "unset", "sp6b", "--tag", "a", "--tag", "nope").rc == 0
    assert cli("subnet", "pool", "show", "sp6b", "-f", "json").json()["tags"] == ["b"]


def test_subnets_from_a_pool(cli: Runner, net: None, store_snapshot: Snapshot) -> None:
    spd = pool(cli, "spd", "--pool-prefix", "10.200.0.0/16", "--default-prefix-length", "24",
               "--min-prefix-length", "20", "--max-prefix-length", "28", "--default",
               "--default-quota", "1024")
    first = subnet(cli, "s-a", "--subnet-pool", "spd").json()
    assert (first["cidr"], first["gateway_ip"], first["allocation_pools"],
            first["subnetpool_id"]) == (
        "10.200.0.0/24", "10.200.0.1", [{"start": "10.200.0.2", "end": "10.200.0.254"}],
        spd["id"])
    # The smallest free block that fits comes first.
    assert subnet(cli, "s-b", "--subnet-pool", "spd", "--prefix-length", "26").json()[
        "cidr"] == "10.200.1.0/26"
    assert subnet(cli, "s-d", "--subnet-pool", "spd", "--subnet-range",
                  "10.200.5.0/24").json()["cidr"] == "10.200.5.0/24"
    before = store_snapshot()
    for args, message in [
        (("--subnet-pool", "spd", "--prefix-length", "16"),
         "Unable to allocate subnet with prefix length 16, minimum allowed prefix is 20."),
        (("--subnet-pool", "spd", "--prefix-length", "29"),
         "Unable to allocate subnet with prefix length 29, maximum allowed prefix is 28."),
        (("--subnet-pool", "spd", "--subnet-range", "10.200.5.0/24"),
         "Failed to allocate subnet: Cannot allocate requested subnet from the available set "
         "of prefixes."),
        (("--subnet-pool", "spd", "--subnet-range", "10.9.5.0/24"),
         "Failed to allocate subnet: Cannot allocate requested subnet from the available set "
         "of prefixes."),
        (("--subnet-pool", "spd", "--subnet-range", "10.200.6.0/24", "--prefix-length", "24"),
         "Bad subnets request: cidr and prefixlen must not be supplied together."),
        (("--subnet-pool", "spd", "--allocation-pool", "start=10.200.9.5,end=10.200.9.9"),
         "Bad subnets request: allocation_pools allowed only for specific subnet requests.."),
        (("--subnet-range", "10.201.0.0/24",),
         "Subnets hosted on the same network must be allocated from the same subnet pool."),
        (("--use-default-subnet-pool", "--ip-version", "6"),
         "Bad subnets request: No default subnetpool found for IPv6."),
        (("--subnet-pool", "nope",), "No SubnetPool found for nope"),
    ]:
        result = subnet(cli, "bad", *args)
        assert (result.rc, result.err.strip()) == (1, message), args
    assert store_snapshot() == before
    assert subnet(cli, "s-f", "--use-default-subnet-pool").json()["cidr"] == "10.200.4.0/24"
    # 832 of the pool's 1024 addresses are its project's: a /24 more is too many, which
    # Neutron says before it looks for room.
    for args in (("--subnet-pool", "spd"), ("--subnet-pool", "spd", "--subnet-range",
                                             "10.200.5.0/24")):
        result = subnet(cli, "bad", *args)
        assert result.err.strip() == "Per-project subnet pool prefix quota exceeded."
    listed = cli("subnet", "list", "--subnet-pool", "spd", "-f", "value", "-c", "Subnet").out
    assert sorted(listed.split()) == ["10.200.0.0/24", "10.200.1.0/26", "10.200.4.0/24",
                                      "10.200.5.0/24"]
    result = cli("subnet", "pool", "delete", "spd")
    assert result.err.splitlines() == [
        "Failed to delete subnet pool with name or ID 'spd': Unable to delete subnet pool: "
        "Subnet pool has existing allocations.",
        "1 of 1 subnet pools failed to delete.",
    ]


def test_ipv6_subnets_from_a_pool_and_the_version_check(cli: Runner, net: None) -> None:
    pool(cli, "sp6", "--pool-prefix", "2001:db8::/48")
    result = subnet(cli, "s6", "--subnet-pool", "sp6")
    assert result.err.strip() == (
        "Bad subnets request: Cannot allocate IPv4 subnet from IPv6 subnet pool.")
    data = subnet(cli, "s6", "--subnet-pool", "sp6", "--ip-version", "6").json()
    assert (data["cidr"], data["gateway_ip"], data["allocation_pools"]) == (
        "2001:db8::/64", "2001:db8::1",
        [{"start": "2001:db8::2", "end": "2001:db8::ffff:ffff:ffff:ffff"}])


def test_delete_and_the_subnet_pools_quota(cli: Runner) -> None:
    project = cli("project", "show", "admin", "-f", "value", "-c", "id").out.strip()
    assert cli("quota", "set", "--subnetpools", "1", project).rc == 0
    pool(cli, "one", "--pool-prefix", "10.1.0.0/16")
    result = cli("subnet", "pool", "create", "two", "--pool-prefix", "10.2.0.0/16")
    assert result.err.strip() == "Quota exceeded for resources: ['subnetpool']."
    assert cli("quota", "show", "-f", "json", "--network").rc == 0
    assert cli("subnet", "pool", "delete", "one").out == ""
    assert cli("subnet", "pool", "list", "-f", "value").out == ""
