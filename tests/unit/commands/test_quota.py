from __future__ import annotations

from typing import Any

import pytest

from ostack_cli.commands.quota import quota_rows
from tests.conftest import Runner

# `openstack quota show -f json` (python-openstackclient 10.5, openstacksdk 4.22) on a Nova 34
# and Neutron 29 cloud without Cinder, every quota at its default: network rows keep
# openstacksdk's names, renamed compute rows go last, and the SDK's non-quotas show as null.
REAL_DEFAULTS: list[tuple[str, int | None]] = [
    ("cores", 20), ("instances", 10), ("ram", 51200), ("fixed_ips", None),
    ("floating_ips", 50), ("networks", 100), ("security_group_rules", 100),
    ("security_groups", 10), ("check_limit", None), ("health_monitors", None),
    ("listeners", None), ("load_balancers", None), ("l7_policies", None), ("pools", None),
    ("ports", 500), ("project_id", None), ("tenant_id", None), ("rbac_policies", 10),
    ("router_routes", 30), ("routers", 10), ("subnets", 100), ("subnet_pools", -1),
    ("injected-file-size", 10240), ("injected-path-size", 255), ("injected-files", 5),
    ("key-pairs", 100), ("properties", 128), ("server-group-members", 10),
    ("server-groups", 10),
]
# `openstack quota show -f json` on realstack (Nova 34, Neutron 29 and Cinder 29), every quota
# at its default: Cinder's rows after Nova's own, its per-type quotas under Cinder's names, its
# two renamed ones last. The local backend has Cinder's block storage: these rows.
VOLUME_ROWS: list[tuple[str, int | None]] = [
    ("volumes", 10), ("snapshots", 10), ("gigabytes", 1000), ("backups", 10),
    ("volumes___DEFAULT__", -1), ("gigabytes___DEFAULT__", -1), ("snapshots___DEFAULT__", -1),
    ("groups", 10),
]
VOLUME_RENAMED: list[tuple[str, int | None]] = [
    ("backup-gigabytes", 1000), ("per-volume-gigabytes", -1)]
REAL_DEFAULTS_WITH_CINDER = [*REAL_DEFAULTS[:8], *VOLUME_ROWS, *REAL_DEFAULTS[8:],
                             *VOLUME_RENAMED]
# ... --volume
REAL_VOLUME = [*VOLUME_ROWS, *VOLUME_RENAMED]
# ... --compute
REAL_COMPUTE: list[tuple[str, int | None]] = [
    ("cores", 20), ("instances", 10), ("ram", 51200), ("fixed_ips", None),
    ("floating_ips", None), ("networks", None), ("security_group_rules", None),
    ("security_groups", None), ("injected-file-size", 10240), ("injected-path-size", 255),
    ("injected-files", 5), ("key-pairs", 100), ("properties", 128),
    ("server-group-members", 10), ("server-groups", 10),
]
# ... --network
REAL_NETWORK: list[tuple[str, int | None]] = [
    ("check_limit", None), ("floating_ips", 50), ("health_monitors", None),
    ("listeners", None), ("load_balancers", None), ("l7_policies", None), ("networks", 100),
    ("pools", None), ("ports", 500), ("project_id", None), ("tenant_id", None),
    ("rbac_policies", 10), ("router_routes", 30), ("routers", 10), ("subnets", 100),
    ("subnet_pools", -1), ("security_group_rules", 100), ("security_groups", 10),
]
# ... --usage, in a project with nothing in it
REAL_USAGE: list[tuple[str, int | None, int | str, int]] = [
    ("cores", 20, 0, 0), ("instances", 10, 0, 0), ("ram", 51200, 0, 0),
    ("fixed_ips", 0, 0, 0), ("floating_ips", 50, 0, 0), ("networks", 100, 0, 0),
    ("security_group_rules", 100, 0, 0), ("security_groups", 10, 0, 0),
    *((name, limit, 0, 0) for name, limit in VOLUME_ROWS),
    ("ports", 500, 0, 0), ("rbac_policies", 10, 0, 0), ("router_routes", 30, 0, 0),
    ("routers", 10, 0, 0), ("subnets", 100, 0, 0), ("subnet_pools", -1, 0, 0),
    ("injected-file-size", 10240, 0, 0), ("injected-path-size", 255, 0, 0),
    ("injected-files", 5, 0, 0), ("key-pairs", 100, "N/A", 0), ("properties", 128, 0, 0),
    ("server-group-members", 10, 0, 0), ("server-groups", 10, 0, 0),
    ("backup-gigabytes", 1000, 0, 0), ("per-volume-gigabytes", -1, 0, 0),
]
# ... --usage --network
REAL_USAGE_NETWORK = [
    ("floating_ips", 50, 0, 0), ("networks", 100, 0, 0), ("ports", 500, 0, 0),
    ("rbac_policies", 10, 0, 0), ("router_routes", 30, 0, 0), ("routers", 10, 0, 0),
    ("subnets", 100, 0, 0), ("subnet_pools", -1, 0, 0), ("security_group_rules", 100, 0, 0),
    ("security_groups", 10, 0, 0),
]


def rows(result: Any) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in result.json()]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), REAL_DEFAULTS_WITH_CINDER),
        (("--default",), REAL_DEFAULTS_WITH_CINDER),
        (("--compute",), REAL_COMPUTE),
        (("--volume",), REAL_VOLUME),
        (("--volume", "--default"), REAL_VOLUME),
        (("--network",), REAL_NETWORK),
        (("--default", "--network"), REAL_NETWORK),
    ],
)
def test_show_prints_the_real_clients_rows(
    cli: Runner, options: tuple[str, ...], expected: list[tuple[Any, ...]]
) -> None:
    result = cli("quota", "show", *options, "-f", "json")
    assert result.rc == 0, result.err
    assert rows(result) == expected
    keys = {tuple(row) for row in result.json()}
    assert keys <= {("Resource", "Limit")}


def test_show_usage_columns(cli: Runner) -> None:
    result = cli("quota", "show", "demo", "--usage", "-f", "json")
    assert list(result.json()[0]) == ["Resource", "Limit", "In Use", "Reserved"]
    assert rows(result) == REAL_USAGE
    assert rows(cli("quota", "show", "demo", "--usage", "--network", "-f", "json")) == \
        REAL_USAGE_NETWORK
    compute = rows(cli("quota", "show", "demo", "--usage", "--compute", "-f", "json"))
    assert [r[0] for r in compute] == [r[0] for r in REAL_COMPUTE]
    assert compute[3] == ("fixed_ips", 0, 0, 0)


def test_show_usage_counts(cli: Runner) -> None:
    cli("network", "create", "n1")
    usage = {r[0]: r[1:] for r in rows(cli("quota", "show", "--usage", "-f", "json"))}
    assert usage["networks"][1] >= 1
    assert usage["key-pairs"] == (100, "N/A", 0)


def test_show_table_prints_none_for_the_sdks_non_quotas(cli: Runner) -> None:
    out = cli("quota", "show", "--network").out
    assert "| check_limit          | None  |" in out
    assert "| floating_ips         | 50    |" in out


def test_set_is_per_project_and_prints_nothing(cli: Runner) -> None:
    result = cli("quota", "set", "--instances", "3", "--floating-ips", "2", "demo")
    assert (result.rc, result.out, result.err) == (0, "", "")
    demo = dict(rows(cli("quota", "show", "demo", "-f", "json")))
    admin = dict(rows(cli("quota", "show", "-f", "json")))
    assert (demo["instances"], demo["floating_ips"]) == (3, 2)
    assert (admin["instances"], admin["floating_ips"]) == (10, 50)
    defaults = rows(cli("quota", "show", "demo", "--default", "-f", "json"))
    assert defaults == REAL_DEFAULTS_WITH_CINDER


def test_set_options_are_the_real_clients(cli: Runner) -> None:
    import re

    help_text = cli("quota", "set", "--help").out
    usage = help_text.split("\n\n")[0]
    assert re.findall(r"\[(--[a-z-]+) <", usage) == [
        "--cores", "--injected-file-size", "--injected-path-size", "--injected-files",
        "--instances", "--key-pairs", "--properties", "--ram", "--server-group-members",
        "--server-groups", "--backups", "--backup-gigabytes", "--gigabytes", "--groups",
        "--per-volume-gigabytes", "--snapshots", "--volumes", "--floating-ips",
        "--secgroup-rules", "--secgroups", "--networks", "--subnets", "--ports", "--routers",
        "--router-routes", "--rbac-policies", "--subnetpools", "--volume-type",
    ]


def test_set_subnetpools_and_router_routes(cli: Runner) -> None:
    assert cli("quota", "set", "--subnetpools", "3", "--router-routes", "7", "demo").rc == 0
    rows = {r["Resource"]: r["Limit"] for r in cli("quota", "show", "demo", "-f", "json").json()}
    assert (rows["subnet_pools"], rows["router_routes"]) == (3, 7)


def test_show_volume_usage_counts_volumes_snapshots_and_their_gigabytes(cli: Runner) -> None:
    assert cli("volume", "create", "--size", "2", "v1").rc == 0
    assert cli("volume", "snapshot", "create", "--volume", "v1", "s1").rc == 0
    usage = {r[0]: r[1:] for r in rows(cli("quota", "show", "--volume", "--usage",
                                           "-f", "json"))}
    # Cinder counts a snapshot's gigabytes too, and every volume is of the one type.
    assert (usage["volumes"], usage["snapshots"], usage["gigabytes"]) == (
        (10, 1, 0), (10, 1, 0), (1000, 4, 0))
    assert (usage["volumes___DEFAULT__"], usage["gigabytes___DEFAULT__"]) == (
        (-1, 1, 0), (-1, 4, 0))
    assert list(usage)[-2:] == ["backup-gigabytes", "per-volume-gigabytes"]


def test_set_volume_quotas(cli: Runner) -> None:
    result = cli("quota", "set", "--volumes", "3", "--gigabytes", "40", "--snapshots", "2",
                 "--per-volume-gigabytes", "5", "--backups", "1", "demo")
    assert (result.rc, result.out, result.err) == (0, "", "")
    demo = dict(rows(cli("quota", "show", "demo", "--volume", "-f", "json")))
    assert (demo["volumes"], demo["gigabytes"], demo["snapshots"],
            demo["per-volume-gigabytes"], demo["backups"]) == (3, 40, 2, 5, 1)
    # --volume-type: Cinder's quotas of that type instead (the real client names them).
    assert cli("quota", "set", "--volume-type", "__DEFAULT__", "--volumes", "2", "demo").rc == 0
    demo = dict(rows(cli("quota", "show", "demo", "--volume", "-f", "json")))
    assert (demo["volumes"], demo["volumes___DEFAULT__"]) == (3, 2)
    # The acting project keeps Cinder's defaults.
    assert rows(cli("quota", "show", "--volume", "-f", "json")) == REAL_VOLUME


def test_set_volume_quota_below_usage_is_cinders_400(  # type: ignore[no-untyped-def]
    cli: Runner, store_snapshot
) -> None:
    assert cli("volume", "create", "--size", "1", "v1").rc == 0
    before = store_snapshot()
    result = cli("quota", "set", "--volumes", "0", "admin")
    assert (result.rc, result.err) == (1, (
        "Quota volumes limit must be equal or greater than existing resources. Current usage "
        "is 1 and the requested limit is 0.\n"))
    assert store_snapshot() == before


def test_set_volume_quotas_is_for_admins(cli: Runner) -> None:
    # A member's own project by ID (by name Keystone refuses the look-up first): Cinder's
    # 403, as realstack's member gets it.
    demo = cli("project", "show", "demo", "-f", "value", "-c", "id").out.strip()
    result = cli("--os-project-name", "demo", "quota", "set", "--volumes", "3", demo)
    assert (result.rc, result.err) == (
        1, "Policy doesn't allow volume_extension:quotas:update to be performed.\n")


def test_bad_values(cli: Runner, store_snapshot) -> None:  # type: ignore[no-untyped-def]
    cli("flavor", "list")
    before = store_snapshot()
    bad = cli("quota", "set", "--instances", "-5", "demo")
    assert bad.rc == 1
    assert "less than the minimum of -1" in bad.err
    assert cli("quota", "set", "--instances", "x", "demo").rc == 2
    assert cli("quota", "set", "--instances", "1", "nosuch").err.strip() == (
        "No Project found for nosuch")
    assert store_snapshot() == before


def test_rows_follow_the_order_nova_sent() -> None:
    # A Nova that sends its quotas in another order: the real client keeps that order.
    limits = {"ram": 1, "cores": 2, "instances": 3, "networks": 4}
    assert quota_rows(limits, None, "compute")[:4] == [
        ("ram", 1), ("cores", 2), ("instances", 3), ("fixed_ips", None)]


def test_rows_without_a_service() -> None:
    # No network endpoint: no network rows; none for compute either.
    assert [r[0] for r in quota_rows({"cores": 1}, None, "all")][:2] == ["cores", "fixed_ips"]
    assert quota_rows({"cores": 1}, None, "network") == []
    assert quota_rows({"networks": 1}, None, "compute") == []


def test_rows_keep_the_quotas_the_client_has_no_name_for() -> None:
    # A Neutron with load-balancer quotas: shown under openstacksdk's names.
    shown = dict(quota_rows({"networks": 1, "load_balancers": 5}, None, "network"))
    assert (shown["load_balancers"], shown["networks"], shown["pools"]) == (5, 1, None)


@pytest.mark.parametrize(("option", "value", "message"), [
    # realstack's answers (Nova 34, Cinder 29, Neutron 29), without the client's URL prefix.
    ("--key-pairs", "-2", "Invalid input for field/attribute key_pairs. Value: -2. -2 is less "
                          "than the minimum of -1"),
    ("--cores", "99999999999", "Invalid input for field/attribute cores. Value: 99999999999. "
                               "99999999999 is greater than the maximum of 2147483647"),
    ("--ram", "2147483648", "Invalid input for field/attribute ram. Value: 2147483648. "
                            "2147483648 is greater than the maximum of 2147483647"),
    ("--volumes", "-2", "volumes must be >= -1"),
    ("--per-volume-gigabytes", "-2", "per_volume_gigabytes must be >= -1"),
    ("--volumes", "99999999999", "volumes must be <= 2147483647"),
    ("--ports", "-2", "Invalid input for port. Reason: '-2' is too small - must be at least "
                      "'-1'."),
    ("--ports", "99999999999", "Invalid input for port. Reason: '99999999999' is too large - "
                               "must be no larger than '2147483647'."),
])
def test_out_of_range_values_are_each_services_400(  # type: ignore[no-untyped-def]
    cli: Runner, store_snapshot, option: str, value: str, message: str
) -> None:
    cli("flavor", "list")
    before = store_snapshot()
    result = cli("quota", "set", option, value, "admin")
    assert (result.rc, result.out, result.err) == (1, "", message + "\n")
    assert store_snapshot() == before


def test_unknown_volume_type_is_cinders_bad_key(  # type: ignore[no-untyped-def]
    cli: Runner, store_snapshot
) -> None:
    cli("flavor", "list")
    before = store_snapshot()
    result = cli("quota", "set", "--volume-type", "nope", "--volumes", "3", "admin")
    assert (result.rc, result.err) == (
        1, "Invalid input received: Bad key(s) in quota set: volumes_nope\n")
    assert store_snapshot() == before


def test_set_below_usage_refused_unless_forced(  # type: ignore[no-untyped-def]
    cli: Runner, store_snapshot
) -> None:
    assert cli("network", "create", "n1").rc == 0
    before = store_snapshot()
    # Neutron (check_limit, as the real client sends it without --force): realstack's text.
    refused = cli("quota", "set", "--networks", "0", "admin")
    assert (refused.rc, refused.err) == (
        1, "Quota limit 0 for network must be greater than or equal to already used 1\n")
    assert store_snapshot() == before
    # --force: Neutron takes it, as realstack does.
    assert cli("quota", "set", "--force", "--networks", "0", "admin").rc == 0
    assert dict(rows(cli("quota", "show", "--network", "-f", "json")))["networks"] == 0


def test_key_pairs_limit_may_go_below_the_users_key_pairs(cli: Runner) -> None:
    # Nova counts no project usage of key pairs: realstack takes --key-pairs 0 from a user
    # who has one.
    assert cli("keypair", "create", "k1").rc == 0
    result = cli("quota", "set", "--key-pairs", "0", "admin")
    assert (result.rc, result.err) == (0, "")
    assert dict(rows(cli("quota", "show", "--compute", "-f", "json")))["key-pairs"] == 0
