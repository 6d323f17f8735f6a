"""``limits show --absolute`` counts what the project's servers use, as Nova's used limits."""

from __future__ import annotations

from tests.conftest import Runner


def used(cli: Runner, *args: str) -> dict[str, int]:
    result = cli("limits", "show", "--absolute", *args, "-f", "json")
    assert result.rc == 0, result.err
    names = ("instances_used", "total_instances_used", "total_cores_used", "total_ram_used")
    return {row["Name"]: row["Value"] for row in result.json() if row["Name"] in names}


def test_limits_count_the_projects_servers(compute: Runner) -> None:
    for name, flavor in (("s1", "m1.tiny"), ("s2", "m1.small")):
        created = compute("server", "create", "--image", "cirros", "--flavor", flavor,
                          "--nic", "net-id=private", name)
        assert created.rc == 0, created.err
    # m1.tiny (1 vCPU, 512 MB) and m1.small (1 vCPU, 2048 MB).
    assert used(compute) == {"instances_used": 2, "total_instances_used": 2,
                             "total_cores_used": 2, "total_ram_used": 2560}
    # Another project's limits count that project's servers: none.
    assert used(compute, "--project", "demo") == dict.fromkeys(
        ("instances_used", "total_instances_used", "total_cores_used", "total_ram_used"), 0)
    assert compute("server", "delete", "s1").rc == 0
    assert used(compute)["total_ram_used"] == 2048


def test_server_groups_count_in_limits_and_quota_usage(cli: Runner) -> None:
    # realstack with one server group: limits show server_groups_used 1, quota show --usage
    # "server-groups 10 1 0", and Nova refuses a limit below it unless forced.
    assert cli("server", "group", "create", "--policy", "affinity", "g1").rc == 0
    shown = {row["Name"]: row["Value"] for row in cli(
        "limits", "show", "--absolute", "-f", "json").json()}
    assert (shown["server_groups_used"], shown["total_server_groups_used"]) == (1, 1)
    usage = {row["Resource"]: row["In Use"] for row in cli(
        "quota", "show", "--usage", "--compute", "-f", "json").json()}
    assert usage["server-groups"] == 1
    refused = cli("quota", "set", "--server-groups", "0", "admin")
    assert (refused.rc, refused.err) == (1, "Quota limit 0 for server_groups must be greater "
                                            "than or equal to already used and reserved 1.\n")
    assert cli("quota", "set", "--force", "--server-groups", "0", "admin").rc == 0
