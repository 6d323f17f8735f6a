"""Keystone groups on the local backend: ``group *``, ``user list --group``, a group's role
assignments and what they give its members (tokens, policy), with the real client's
columns, messages and exit statuses (checked against realstack's Keystone)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Runner
from tests.unit.commands.test_identity import as_user

Snapshot = Callable[[], list[tuple[Any, ...]]]
GROUP_FIELDS = ["description", "domain_id", "id", "name"]


def make_group(cli: Runner, name: str = "devs", *args: str) -> str:
    created = cli("group", "create", name, *args, "-f", "value", "-c", "id")
    assert created.rc == 0, created.err
    return created.out.strip()


def make_user(cli: Runner, name: str, password: str = "pw") -> str:
    created = cli("user", "create", "--password", password, name, "-f", "value", "-c", "id")
    assert created.rc == 0, created.err
    return created.out.strip()


def test_create_show_list_set_delete(cli: Runner) -> None:
    created = cli("group", "create", "devs", "--description", "the devs", "-f", "json")
    assert created.rc == 0, created.err
    assert list(created.json()) == GROUP_FIELDS
    group = created.json()
    assert group["domain_id"] == "default" and group["description"] == "the devs"
    assert cli("group", "show", "devs", "-f", "json").json() == group
    assert cli("group", "show", group["id"], "--domain", "Default", "-f", "json").json() == group
    assert cli("group", "list", "-f", "json").json() == [{"ID": group["id"], "Name": "devs"}]
    assert cli("group", "list", "--long", "-f", "json").json() == [
        {"ID": group["id"], "Name": "devs", "Domain ID": "default",
         "Description": "the devs"}]
    result = cli("group", "set", "devs", "--name", "ops", "--description", "d2")
    assert (result.rc, result.out) == (0, "")
    assert cli("group", "show", "ops", "-f", "json").json()["description"] == "d2"
    result = cli("group", "delete", "ops")
    assert (result.rc, result.out) == (0, "")
    assert cli("group", "list", "-f", "json").json() == []


def test_create_without_description_shows_it_empty(cli: Runner) -> None:
    shown = cli("group", "create", "devs", "-f", "json").json()
    assert shown["description"] == ""


def test_duplicate_name_is_keystones_409_and_or_show_returns_it(
    cli: Runner, store_snapshot: Snapshot
) -> None:
    group_id = make_group(cli)
    before = store_snapshot()
    result = cli("group", "create", "devs")
    assert result.rc == 1
    assert result.err == ("Conflict occurred attempting to store group - Duplicate entry "
                          "found with name devs at domain ID default.\n")
    assert store_snapshot() == before
    shown = cli("group", "create", "devs", "--or-show", "-f", "json")
    assert shown.rc == 0 and shown.json()["id"] == group_id


def test_rename_onto_another_name_conflicts_without_the_domain(
    cli: Runner, store_snapshot: Snapshot
) -> None:
    make_group(cli, "devs")
    make_group(cli, "ops")
    before = store_snapshot()
    result = cli("group", "set", "devs", "--name", "ops")
    assert result.rc == 1
    assert result.err == ("Conflict occurred attempting to store group - Duplicate entry "
                          "found with name ops.\n")
    assert store_snapshot() == before


def test_unknown_group(cli: Runner) -> None:
    result = cli("group", "show", "nosuch")
    assert (result.rc, result.err) == (1, "No Group found for nosuch\n")
    result = cli("group", "delete", "nosuch")
    assert result.rc == 1
    assert result.err == ("Failed to delete group with name or ID 'nosuch': \n"
                          "1 of 1 groups failed to delete.\n")


def test_membership(cli: Runner, store_snapshot: Snapshot) -> None:
    group_id = make_group(cli)
    alice = make_user(cli, "alice")
    result = cli("group", "add", "user", "devs", "alice")
    assert (result.rc, result.out, result.err) == (0, "", "")
    # Adding twice changes nothing.
    assert cli("group", "add", "user", "devs", "alice").rc == 0
    assert cli("user", "list", "--group", "devs", "-f", "json").json() == [
        {"ID": alice, "Name": "alice"}]
    assert cli("group", "list", "--user", "alice", "-f", "json").json() == [
        {"ID": group_id, "Name": "devs"}]
    result = cli("group", "contains", "user", "devs", "alice")
    assert (result.rc, result.out, result.err) == (0, "alice in group devs\n", "")
    result = cli("group", "contains", "user", "devs", "admin")
    assert (result.rc, result.out, result.err) == (0, "", "admin not in group devs\n")
    # Neither looked up strictly: unknown ones are "not in".
    result = cli("group", "contains", "user", "nosuch", "alice")
    assert (result.rc, result.out, result.err) == (0, "", "alice not in group nosuch\n")

    before = store_snapshot()
    result = cli("group", "remove", "user", "devs", "admin")
    assert result.rc == 1
    admin = cli("user", "show", "admin", "-f", "value", "-c", "id").out.strip()
    assert result.err == (
        f"admin not removed from group devs: User '{admin}' not found in group "
        f"'{group_id}'\n1 of 1 users not removed from group devs.\n")
    assert store_snapshot() == before
    result = cli("group", "remove", "user", "devs", "alice")
    assert (result.rc, result.out) == (0, "")
    assert cli("user", "list", "--group", "devs", "-f", "json").json() == []


def test_adding_an_unknown_user_adds_the_others_and_fails(cli: Runner) -> None:
    make_group(cli)
    make_user(cli, "alice")
    result = cli("group", "add", "user", "devs", "alice", "nosuch")
    assert result.rc == 1
    assert result.err == ("nosuch not added to group devs: \n"
                          "1 of 2 users not added to group devs.\n")
    assert [u["Name"] for u in cli("user", "list", "--group", "devs", "-f", "json").json()] \
        == ["alice"]


def test_deleting_a_user_or_group_drops_memberships_and_grants(cli: Runner) -> None:
    make_group(cli)
    make_user(cli, "alice")
    assert cli("group", "add", "user", "devs", "alice").rc == 0
    assert cli("role", "add", "--group", "devs", "--project", "demo", "member").rc == 0
    assert cli("user", "delete", "alice").rc == 0
    assert cli("user", "list", "--group", "devs", "-f", "json").json() == []
    make_user(cli, "bob")
    assert cli("group", "add", "user", "devs", "bob").rc == 0
    assert cli("group", "delete", "devs").rc == 0
    assert cli("group", "list", "--user", "bob", "-f", "json").json() == []
    assert cli("role", "assignment", "list", "--project", "demo", "-f", "json").json() == []


def test_group_role_assignments_and_effective_expansion(cli: Runner) -> None:
    make_group(cli)
    make_user(cli, "bob")
    assert cli("role", "add", "--user", "bob", "--project", "demo", "member").rc == 0
    make_user(cli, "alice")
    assert cli("group", "add", "user", "devs", "alice").rc == 0
    result = cli("role", "add", "--group", "devs", "--project", "demo", "member")
    assert (result.rc, result.out) == (0, "")
    assert cli("role", "assignment", "list", "--group", "devs", "--names", "-f",
               "json").json() == [
        {"Role": "member", "User": "", "Group": "devs@Default", "Project": "demo@Default",
         "Domain": "", "System": "", "Inherited": False}]
    # Keystone's order (realstack): the direct assignments as stored, a group's expanded
    # into its members in place, then the implied roles, the last assignment's first.
    rows = cli("role", "assignment", "list", "--effective", "--project", "demo", "--names",
               "-f", "value").out.splitlines()
    assert rows == [
        "member bob@Default  demo@Default   False",
        "member alice@Default  demo@Default   False",
        "reader alice@Default  demo@Default   False",
        "reader bob@Default  demo@Default   False",
    ]
    rows = cli("role", "assignment", "list", "--effective", "--user", "alice", "--names",
               "-f", "value").out.splitlines()
    assert rows == ["member alice@Default  demo@Default   False",
                    "reader alice@Default  demo@Default   False"]
    result = cli("role", "assignment", "list", "--effective", "--group", "devs")
    assert result.rc == 1
    assert result.err == ("Combining effective and group filter will always result in an "
                          "empty list.\n")
    result = cli("role", "remove", "--group", "devs", "--project", "demo", "member")
    assert (result.rc, result.out) == (0, "")
    assert cli("role", "assignment", "list", "--group", "devs", "-f", "json").json() == []


def test_a_groups_role_gives_its_members_that_role(cli: Runner) -> None:
    make_group(cli)
    make_user(cli, "alice")
    alice = as_user(cli, "alice", "pw")
    # No role on demo: no token for it.
    assert alice("token", "issue").rc == 1
    assert cli("group", "add", "user", "devs", "alice").rc == 0
    assert cli("role", "add", "--group", "devs", "--project", "demo", "member").rc == 0
    assert alice("token", "issue", "-f", "json").rc == 0
    # Not an admin: Keystone's policy refuses the group list.
    result = alice("group", "list")
    assert result.rc == 1
    assert result.err == ("You are not authorized to perform the requested action: "
                          "identity:list_groups.\n")
    # The admin role through a group makes the member an admin on that project.
    assert cli("role", "add", "--group", "devs", "--project", "demo", "admin").rc == 0
    assert alice("group", "list", "-f", "json").json()[0]["Name"] == "devs"


def test_members_may_not_change_groups(cli: Runner, store_snapshot: Snapshot) -> None:
    make_group(cli)
    make_user(cli, "alice")
    assert cli("role", "add", "--user", "alice", "--project", "demo", "member").rc == 0
    alice = as_user(cli, "alice", "pw")
    before = store_snapshot()
    result = alice("group", "create", "mine")
    assert result.rc == 1
    assert result.err == ("You are not authorized to perform the requested action: "
                          "identity:create_group.\n")
    # The lookup is refused, so the name goes on as given; Keystone then refuses the add.
    result = alice("group", "add", "user", "devs", "alice")
    assert result.rc == 1
    assert store_snapshot() == before


def test_members_come_in_id_order_as_keystone_lists_them(cli: Runner) -> None:
    make_group(cli)
    ids = [make_user(cli, name) for name in ("u1", "u2", "u3")]
    assert cli("group", "add", "user", "devs", "u3", "u1", "u2").rc == 0
    assert [u["ID"] for u in cli("user", "list", "--group", "devs", "-f", "json").json()] \
        == sorted(ids)
    assert cli("role", "add", "--group", "devs", "--domain", "default", "--inherited",
               "reader").rc == 0
    rows = cli("role", "assignment", "list", "--effective", "--role", "reader", "-f",
               "json").json()
    mine = [(r["User"], r["Project"], r["Inherited"]) for r in rows if r["User"] in ids]
    projects = [project for user, project, _ in mine if user == mine[0][0]]
    assert sorted(projects) == sorted(p["ID"] for p in cli("project", "list", "-f",
                                                           "json").json())
    # Keystone (realstack): each member in ID order, over the domain's projects; still
    # marked inherited.
    assert mine == [(user, project, True) for user in sorted(ids) for project in projects]
