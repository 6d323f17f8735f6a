"""``security group create|delete|list|set|show|unset`` against the local store.

Expected values come from python-openstackclient 10.5 / openstacksdk 4.22 run against Neutron
29 (field names, null/empty values, revision numbers, messages).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
NESTED_KEYS = [
    "id", "project_id", "security_group_id", "ethertype", "direction", "protocol",
    "port_range_min", "port_range_max", "remote_ip_prefix", "remote_address_group_id",
    "normalized_cidr", "remote_group_id", "standard_attr_id", "belongs_to_default_sg",
    "description", "tags", "created_at", "updated_at", "revision_number", "tenant_id",
]


def project_id(cli: Runner, name: str = "admin") -> str:
    return str(cli("project", "show", name, "-f", "value", "-c", "id").out.strip())


def group_id(cli: Runner, name: str) -> str:
    return str(cli("security", "group", "show", name, "-f", "value", "-c", "id").out.strip())


def add_port(home: Path, port_id: str, groups: list[str]) -> None:
    """A port record as the port engineer stores it: only kind and group list matter here."""
    conn = sqlite3.connect(home / "state.db")
    with conn:
        conn.execute(
            "INSERT INTO resources (kind, id, project_id, name, unique_key, created_at, body)"
            " VALUES ('port', ?, NULL, '', NULL, '2026-01-01T00:00:00Z', ?)",
            (port_id, json.dumps({"id": port_id, "security_group_ids": groups})),
        )
    conn.close()


# -- list and the lazily made default group --------------------------------------------------


def test_first_list_makes_the_projects_default_group(cli: Runner) -> None:
    result = cli("security", "group", "list", "-f", "json")
    assert result.rc == 0, result.err
    rows = result.json()
    assert len(rows) == 1
    assert UUID.match(rows[0].pop("ID"))
    assert rows[0] == {
        "Name": "default",
        "Description": "Default security group",
        "Project": project_id(cli),
        "Tags": [],
        "Shared": False,
    }
    # Made once: a second list shows the same group.
    assert len(cli("security", "group", "list", "-f", "json").json()) == 1


def test_list_table_matches_the_real_client(cli: Runner) -> None:
    lines = cli("security", "group", "list").out.splitlines()
    assert re.fullmatch(
        r"\| ID +\| Name +\| Description +\| Project +\| Tags \| Shared \|", lines[1])
    assert re.fullmatch(
        r"\| [0-9a-f-]{36} \| default \| Default security group \| [0-9a-f]{32} \| \[\]   "
        r"\| False  \|", lines[3])


def test_show_default_group_golden(cli: Runner) -> None:
    data = cli("security", "group", "show", "default", "-f", "json").json()
    gid, pid = data["id"], project_id(cli)
    assert STAMP.match(data.pop("created_at")) and STAMP.match(data.pop("updated_at"))
    rules = data.pop("rules")
    assert data == {
        "description": "Default security group",
        "id": gid,
        "is_shared": False,
        "name": "default",
        "project_id": pid,
        "revision_number": 1,
        "stateful": True,
        "tags": [],
    }
    assert [list(r) for r in rules] == [NESTED_KEYS] * 4
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    assert sorted(r["standard_attr_id"] for r in rules) == [2, 3, 4, 5]
    shapes = sorted((r["direction"], r["ethertype"], r["remote_group_id"]) for r in rules)
    assert shapes == [("egress", "IPv4", None), ("egress", "IPv6", None),
                      ("ingress", "IPv4", gid), ("ingress", "IPv6", gid)]
    for rule in rules:
        assert {k: rule[k] for k in ("project_id", "security_group_id", "protocol",
                                     "port_range_min", "port_range_max", "remote_ip_prefix",
                                     "remote_address_group_id", "normalized_cidr",
                                     "belongs_to_default_sg", "description", "tags",
                                     "revision_number", "tenant_id")} == {
            "project_id": pid, "security_group_id": gid, "protocol": None,
            "port_range_min": None, "port_range_max": None, "remote_ip_prefix": None,
            "remote_address_group_id": None, "normalized_cidr": None,
            "belongs_to_default_sg": None, "description": None, "tags": [],
            "revision_number": 0, "tenant_id": pid,
        }


def test_show_table_prints_rules_without_empty_values(cli: Runner) -> None:
    out = cli("security", "group", "show", "default").out
    gid = group_id(cli, "default")
    rule_lines = [line for line in out.splitlines() if "direction=" in line]
    assert len(rule_lines) == 4
    pattern = (r"created_at='[^']+', direction='(egress|ingress)', ethertype='IPv[46]', "
               r"id='[0-9a-f-]{36}', (remote_group_id='" + gid + r"', )?"
               r"standard_attr_id='\d', updated_at='[^']+'")
    for line in rule_lines:
        text = line.split("|")[2].strip()
        assert re.fullmatch(pattern, text), text
    assert "| tags            | []" in out
    assert "| is_shared       | False" in out


def test_show_unknown_group(cli: Runner) -> None:
    result = cli("security", "group", "show", "nope")
    assert (result.rc, result.out, result.err.strip()) == (1, "", "No SecurityGroup found for nope")


# -- create ------------------------------------------------------------------------------------


def test_create_defaults_and_output(cli: Runner) -> None:
    result = cli("security", "group", "create", "web", "-f", "json")
    assert result.rc == 0, result.err
    data = result.json()
    assert sorted(data) == ["created_at", "description", "id", "is_shared", "name",
                            "project_id", "revision_number", "rules", "stateful", "tags",
                            "updated_at"]
    # The real client sends the name as the description when none is given.
    assert (data["name"], data["description"], data["stateful"], data["revision_number"],
            data["tags"], data["is_shared"]) == ("web", "web", True, 1, [], False)
    assert sorted((r["direction"], r["ethertype"]) for r in data["rules"]) == [
        ("egress", "IPv4"), ("egress", "IPv6")]
    # A group just made reports belongs_to_default_sg; a group read back has null there.
    assert {r["belongs_to_default_sg"] for r in data["rules"]} == {False}
    shown = cli("security", "group", "show", "web", "-f", "json").json()
    assert {r["belongs_to_default_sg"] for r in shown["rules"]} == {None}
    # The default group came first, as Neutron makes it before the project's first group.
    names = cli("security", "group", "list", "-f", "value", "-c", "Name").out.split()
    assert sorted(names) == ["default", "web"]


def test_create_options(cli: Runner) -> None:
    result = cli("security", "group", "create", "db", "--description", "Databases",
                 "--stateless", "--tag", "b", "--tag", "a", "-f", "json")
    data = result.json()
    assert (data["description"], data["stateful"], data["tags"]) == ("Databases", False,
                                                                      ["a", "b"])
    # Tags go on in a second request: the printed group is revision 1, the stored one 2.
    assert data["revision_number"] == 1
    shown = cli("security", "group", "show", "db", "-f", "json").json()
    assert (shown["revision_number"], shown["tags"]) == (2, ["a", "b"])
    table = cli("security", "group", "show", "db", "-c", "tags").out
    assert "| tags  | ['a', 'b'] |" in table


def test_create_in_another_project_makes_its_default_group(cli: Runner) -> None:
    demo = project_id(cli, "demo")
    data = cli("security", "group", "create", "demo-web", "--project", "demo",
               "-f", "json").json()
    assert data["project_id"] == demo
    assert {r["project_id"] for r in data["rules"]} == {demo}
    rows = cli("--os-project-name", "demo", "security", "group", "list", "-f", "json").json()
    assert sorted((r["Name"], r["Project"]) for r in rows) == [
        ("default", demo), ("demo-web", demo)]
    # Seen from the admin project, as by a project member, only its own groups show.
    admin_rows = cli("security", "group", "list", "-f", "json").json()
    assert [r["Name"] for r in admin_rows] == ["default"]
    assert cli("security", "group", "list", "--project", "demo", "-f", "value").out == ""
    assert cli("security", "group", "show", "demo-web").err.strip() == (
        "No SecurityGroup found for demo-web")
    # Each project's default group is plainly "default" to it.
    assert cli("--os-project-name", "demo", "security", "group", "show", "default", "-f",
               "value", "-c", "project_id").out.strip() == demo


@pytest.mark.parametrize("name", [
    'it\'s "quoted"', "two words", "a;b", "$(touch /tmp/pwned)", "", "x" * 255, "défaut ☃",
])
def test_names_are_taken_verbatim(cli: Runner, name: str) -> None:
    result = cli("security", "group", "create", name, "-f", "json")
    assert result.rc == 0, result.err
    data = result.json()
    assert (data["name"], data["description"]) == (name, name)
    listed = cli("security", "group", "list", "-f", "json").json()
    assert name in [r["Name"] for r in listed]
    if name:
        assert cli("security", "group", "show", name, "-f", "value", "-c", "id").out.strip() \
            == data["id"]


@pytest.mark.parametrize(("args", "message"), [
    (["x" * 10_000], "Invalid input for name. Reason: '" + "x" * 10_000
     + "' exceeds maximum length of 255."),
    (["default"], "Default security group already exists."),
    (["Default"], "Default security group already exists."),
    (["d", "--description", "d" * 256], "Invalid input for description. Reason: '"
     + "d" * 256 + "' exceeds maximum length of 255."),
    (["t", "--tag", "t" * 256], "Invalid input for operation: '" + "t" * 256
     + "' exceeds maximum length of 255."),
    (["p", "--project", "nosuch"], "No Project found for nosuch"),
])
def test_bad_create_changes_nothing(
    cli: Runner, store_snapshot: Snapshot, args: list[str], message: str
) -> None:
    cli("security", "group", "list")
    before = store_snapshot()
    result = cli("security", "group", "create", *args)
    assert (result.rc, result.out, result.err.strip()) == (1, "", message)
    assert store_snapshot() == before


@pytest.mark.parametrize("args", [
    ["g", "--stateful", "--stateless"],
    ["g", "--tag", "a", "--no-tag"],
    [],
])
def test_create_parser_errors_exit_2(cli: Runner, store_snapshot: Snapshot,
                                     capsys: pytest.CaptureFixture[str],
                                     args: list[str]) -> None:
    cli("security", "group", "list")
    before = store_snapshot()
    capsys.readouterr()
    result = cli("security", "group", "create", *args)
    assert result.rc == 2
    # argparse writes its own stderr.
    assert "security group create: error: " in capsys.readouterr().err
    assert store_snapshot() == before


# -- set and unset -----------------------------------------------------------------------------


def test_set_changes_fields_and_revision(cli: Runner) -> None:
    cli("security", "group", "create", "web")
    result = cli("security", "group", "set", "web", "--name", "www", "--description", "Web",
                 "--stateless")
    assert (result.rc, result.out, result.err) == (0, "", "")
    data = cli("security", "group", "show", "www", "-f", "json").json()
    assert (data["name"], data["description"], data["stateful"], data["revision_number"]) == (
        "www", "Web", False, 2)
    # The same values again change nothing, as the SDK sends no unchanged values.
    assert cli("security", "group", "set", "www", "--name", "www").rc == 0
    assert cli("security", "group", "set", "www").rc == 0
    assert cli("security", "group", "show", "www", "-f", "json").json()["revision_number"] == 2


def test_set_and_unset_tags(cli: Runner) -> None:
    cli("security", "group", "create", "web")

    def tags() -> Any:
        data = cli("security", "group", "show", "web", "-f", "json").json()
        return data["tags"], data["revision_number"]

    assert cli("security", "group", "set", "web", "--tag", "b", "--tag", "a").out == ""
    assert tags() == (["a", "b"], 2)
    assert cli("security", "group", "set", "web", "--no-tag", "--tag", "c").rc == 0
    assert tags() == (["c"], 3)
    # A name change and a tag change are two requests, two revisions.
    assert cli("security", "group", "set", "web", "--name", "web", "--tag", "d",
               "--description", "x").rc == 0
    assert tags() == (["c", "d"], 5)
    assert cli("security", "group", "unset", "web", "--tag", "c", "--tag", "nothere").out == ""
    assert tags() == (["d"], 6)
    assert cli("security", "group", "unset", "web", "--tag", "nothere").rc == 0
    assert tags() == (["d"], 6)
    assert cli("security", "group", "unset", "web", "--all-tag").rc == 0
    assert tags() == ([], 7)
    assert cli("security", "group", "unset", "web", "--tag", "a", "--all-tag").rc == 2
    assert cli("security", "group", "list", "--tags", "a", "-f", "value").out == ""


def test_default_group_cannot_be_renamed(cli: Runner, store_snapshot: Snapshot) -> None:
    cli("security", "group", "create", "web")
    before = store_snapshot()
    for args, message in (
        (["default", "--name", "other"], "Updating default security group not allowed."),
        (["web", "--name", "DEFAULT"], "Default security group already exists."),
        (["web", "--name", "n" * 256], "Invalid input for name. Reason: '" + "n" * 256
         + "' exceeds maximum length of 255."),
        (["nope", "--name", "x"], "No SecurityGroup found for nope"),
    ):
        result = cli("security", "group", "set", *args)
        assert (result.rc, result.err.strip()) == (1, message)
    # Its own name again is no rename (nothing is sent).
    assert cli("security", "group", "set", "default", "--name", "default").rc == 0
    assert store_snapshot() == before
    # Its description may change.
    assert cli("security", "group", "set", "default", "--description", "Mine").rc == 0
    assert cli("security", "group", "show", "default", "-f", "value",
               "-c", "description").out == "Mine\n"


def test_stateful_change_of_a_group_in_use_is_refused(
    cli: Runner, ostack_home: Path, store_snapshot: Snapshot
) -> None:
    cli("security", "group", "create", "web")
    gid = group_id(cli, "web")
    add_port(ostack_home, "port-1", [gid])
    before = store_snapshot()
    result = cli("security", "group", "set", "web", "--stateless")
    assert (result.rc, result.err.strip()) == (1, f"Security Group {gid} in use.")
    assert store_snapshot() == before
    assert cli("security", "group", "set", "web", "--description", "ok").rc == 0


# -- delete ------------------------------------------------------------------------------------


def test_delete_takes_rules_and_remote_rules_with_it(cli: Runner) -> None:
    cli("security", "group", "create", "web")
    cli("security", "group", "create", "db")
    cli("security", "group", "rule", "create", "--remote-group", "web", "--protocol", "tcp",
        "--dst-port", "5432", "db")
    db_before = cli("security", "group", "show", "db", "-f", "json").json()
    assert len(db_before["rules"]) == 3 and db_before["revision_number"] == 2
    web = group_id(cli, "web")
    result = cli("security", "group", "delete", "web")
    assert (result.rc, result.out, result.err) == (0, "", "")
    remaining = cli("security", "group", "rule", "list", "-f", "json").json()
    assert web not in {r["Security Group"] for r in remaining}
    assert web not in {r["Remote Security Group"] for r in remaining}
    db_after = cli("security", "group", "show", "db", "-f", "json").json()
    assert len(db_after["rules"]) == 2 and db_after["revision_number"] == 3


def test_delete_many_goes_on_past_failure(cli: Runner) -> None:
    cli("security", "group", "create", "a")
    result = cli("security", "group", "delete", "nosuch", "a")
    assert result.rc == 1
    assert result.err.splitlines() == [
        "Failed to delete security group with name or ID 'nosuch': "
        "No SecurityGroup found for nosuch",
        "1 of 2 groups failed to delete.",
    ]
    assert cli("security", "group", "show", "a").err.strip() == "No SecurityGroup found for a"


def test_group_in_use_by_a_port_is_kept(
    cli: Runner, ostack_home: Path, store_snapshot: Snapshot
) -> None:
    cli("security", "group", "create", "web")
    gid = group_id(cli, "web")
    add_port(ostack_home, "port-1", ["other", gid])
    before = store_snapshot()
    result = cli("security", "group", "delete", "web")
    assert result.err.splitlines() == [
        f"Failed to delete security group with name or ID 'web': Security Group {gid} in use.",
        "1 of 1 groups failed to delete.",
    ]
    assert store_snapshot() == before


def test_admin_may_delete_default_and_it_comes_back(cli: Runner) -> None:
    first = group_id(cli, "default")
    assert cli("security", "group", "delete", "default").rc == 0
    rows = cli("security", "group", "list", "-f", "json").json()
    assert [r["Name"] for r in rows] == ["default"]
    assert rows[0]["ID"] != first
    assert cli("security", "group", "rule", "list", "default", "-f", "value").out.count(
        "\n") == 4


# -- list filters ------------------------------------------------------------------------------


def test_list_filters(cli: Runner) -> None:
    cli("security", "group", "create", "a", "--tag", "red", "--tag", "blue")
    cli("security", "group", "create", "b", "--tag", "red")
    cli("security", "group", "create", "c")

    def names(*args: str) -> list[str]:
        out = cli("security", "group", "list", *args, "-f", "value", "-c", "Name").out
        return sorted(out.split())

    assert names("--tags", "red,blue") == ["a"]
    assert names("--any-tags", "blue,red") == ["a", "b"]
    assert names("--not-tags", "red,blue") == ["b", "c", "default"]
    assert names("--not-any-tags", "red") == ["c", "default"]
    assert names("--share") == []
    assert names("--no-share") == ["a", "b", "c", "default"]
    assert names("--project", "admin") == ["a", "b", "c", "default"]
    assert names("--project", "demo") == []
    assert len(names("--limit", "2")) == 2
    assert cli("security", "group", "list", "--share", "--no-share").rc == 2


def test_group_quota(cli: Runner, store_snapshot: Snapshot) -> None:
    # Neutron's default: 10 groups a project, its default group included.
    for i in range(9):
        assert cli("security", "group", "create", f"g{i}").rc == 0
    before = store_snapshot()
    result = cli("security", "group", "create", "one-too-many")
    assert (result.rc, result.err.strip()) == (
        1, "Quota exceeded for resources: ['security_group'].")
    assert store_snapshot() == before


def test_duplicate_names_are_allowed_and_ambiguous(cli: Runner) -> None:
    first = cli("security", "group", "create", "dup", "-f", "value", "-c", "id").out.strip()
    assert cli("security", "group", "create", "dup").rc == 0
    result = cli("security", "group", "show", "dup")
    assert result.err.strip() == "More than one SecurityGroup exists with the name 'dup'."
    assert cli("security", "group", "show", first, "-f", "value", "-c", "id").out.strip() == first
