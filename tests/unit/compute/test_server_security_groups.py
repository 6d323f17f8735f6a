"""server add/remove security group as the real client runs them: one error line per group
(Nova's words), the others done, then its summary."""

from __future__ import annotations

from tests.conftest import Runner
from tests.unit.compute.test_server import create


def test_add_and_remove_go_on_past_failures(compute: Runner) -> None:
    server = create(compute, "s1")
    project = compute("server", "show", "s1", "-f", "value", "-c", "project_id").out.strip()
    assert compute("security", "group", "create", "sg2").rc == 0
    added = compute("server", "add", "security", "group", "s1", "nope", "sg2")
    assert (added.rc, added.out) == (1, "")
    assert added.err.splitlines() == [
        f"Failed to add security group with name or ID 'nope' to server '{server['id']}': "
        f"Security group nope is not found for project {project}",
        "1 of 2 security groups were not added.",
    ]
    shown = compute("server", "show", "s1", "-f", "json").json()
    assert sorted(g["name"] for g in shown["security_groups"]) == ["default", "sg2"]
    removed = compute("server", "remove", "security", "group", "s1", "sg2", "nope")
    assert removed.err.splitlines() == [
        f"Failed to remove security group with name or ID 'nope' from server "
        f"'{server['id']}': Security group nope is not found for project {project}",
        "1 of 2 security groups were not removed.",
    ]
    shown = compute("server", "show", "s1", "-f", "json").json()
    assert [g["name"] for g in shown["security_groups"]] == ["default"]


def test_a_server_without_ports_takes_no_group(compute: Runner) -> None:
    server = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                     "none", "s1", "-f", "json").json()
    added = compute("server", "add", "security", "group", "s1", "default")
    assert (added.rc, added.out) == (1, "")
    assert added.err.splitlines() == [
        f"Failed to add security group with name or ID 'default' to server '{server['id']}': "
        f"instance_id {server['id']} could not be found as device id on any ports",
        "1 of 1 security groups were not added.",
    ]
