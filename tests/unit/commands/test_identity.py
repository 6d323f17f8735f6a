"""Users, roles, role assignments, domains, project properties and tokens on the local
backend: the real client's columns, field order, JSON types, messages and exit statuses."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Runner

UNAUTHORIZED = re.compile(
    r"The request you have made requires authentication\. \(HTTP 401\) "
    r"\(Request-ID: req-[0-9a-f-]{36}\)\n"
)
USER_FIELDS = ["default_project_id", "domain_id", "email", "enabled", "id", "name",
               "description", "password_expires_at", "options"]
ASSIGNMENT_COLUMNS = ["Role", "User", "Group", "Project", "Domain", "System", "Inherited"]
Snapshot = Callable[[], list[tuple[Any, ...]]]


def as_user(cli: Runner, user: str, password: str, project: str = "demo") -> Runner:
    def run(*args: str, stdin: str | None = None) -> Any:
        return cli("--os-username", user, "--os-password", password,
                   "--os-project-name", project, *args, stdin=stdin)

    return run


def make_member(cli: Runner, name: str = "bob", password: str = "pw") -> str:
    created = cli("user", "create", "--password", password, name, "-f", "value", "-c", "id")
    assert created.rc == 0, created.err
    assert cli("role", "add", "--user", name, "--project", "demo", "member").rc == 0
    return created.out.strip()


# -- what a fresh store holds: Keystone's bootstrap ----------------------------------------


def test_a_fresh_store_is_keystone_bootstrapped(cli: Runner) -> None:
    users = cli("user", "list", "-f", "json").json()
    assert [u["Name"] for u in users] == ["admin"]
    roles = cli("role", "list", "-f", "json").json()
    assert sorted(r["Name"] for r in roles) == ["admin", "manager", "member", "reader",
                                                 "service"]
    assert [r["ID"] for r in roles] == sorted(r["ID"] for r in roles)
    rows = cli("role", "assignment", "list", "--names", "-f", "json").json()
    assert rows == [
        {"Role": "admin", "User": "admin@Default", "Group": "", "Project": "admin@Default",
         "Domain": "", "System": "", "Inherited": False},
        # devstack's addition to keystone-manage bootstrap (lib/keystone).
        {"Role": "admin", "User": "admin@Default", "Group": "", "Project": "",
         "Domain": "Default", "System": "", "Inherited": False},
        {"Role": "admin", "User": "admin@Default", "Group": "", "Project": "", "Domain": "",
         "System": "all", "Inherited": False},
    ]
    # admin -> manager -> member -> reader, as keystone-manage bootstrap implies them, in
    # Keystone's order (realstack): the direct assignments, then the implied ones of the
    # last first; the system assignment is not an effective one.
    effective = cli("role", "assignment", "list", "--names", "--effective", "-f",
                    "value").out.splitlines()
    assert [line.split()[0] for line in effective] == [
        "admin", "admin", "manager", "member", "reader", "manager", "member", "reader"]
    assert [line.split()[2] for line in effective] == [
        "admin@Default", "Default", "Default", "Default", "Default", "admin@Default",
        "admin@Default", "admin@Default"]


def test_domains_are_keystones_default(cli: Runner) -> None:
    assert cli("domain", "list", "-f", "json").json() == [
        {"ID": "default", "Name": "Default", "Enabled": True,
         "Description": "The default domain"}]
    shown = cli("domain", "show", "Default", "-f", "json")
    assert list(shown.json()) == ["id", "name", "enabled", "description", "options"]
    assert shown.json() == {"id": "default", "name": "Default", "enabled": True,
                            "description": "The default domain", "options": {}}
    assert cli("domain", "list", "--name", "other", "-f", "json").json() == []
    assert (cli("domain", "show", "nosuch").err) == "No Domain found for nosuch\n"


# -- users --------------------------------------------------------------------------------


def test_user_create_show_set_list_delete(cli: Runner, ostack_home: Path) -> None:
    demo = cli("project", "show", "demo", "-f", "value", "-c", "id").out.strip()
    made = cli("user", "create", "--password", "s3cret-pw", "--email", "a@b.c",
               "--description", "hello", "--project", "demo", "alice", "-f", "json")
    assert made.rc == 0, made.err
    assert made.err == ""
    user = made.json()
    assert list(user) == USER_FIELDS  # the real client's order, not sorted
    assert {k: v for k, v in user.items() if k != "id"} == {
        "default_project_id": demo, "domain_id": "default", "email": "a@b.c",
        "enabled": True, "name": "alice", "description": "hello",
        "password_expires_at": None, "options": {}}
    assert re.fullmatch(r"[0-9a-f]{32}", user["id"])
    table = cli("user", "show", "alice").out
    assert table.index("| name ") < table.index("| description ")

    done = cli("user", "set", "--name", "alice2", "--email", "x@y", "--disable", "alice")
    assert (done.rc, done.out, done.err) == (0, "", "")
    shown = cli("user", "show", user["id"], "-f", "json").json()
    assert (shown["name"], shown["email"], shown["enabled"]) == ("alice2", "x@y", False)

    listed = cli("user", "list", "--long", "-f", "json").json()
    assert [u["Name"] for u in listed] == sorted(
        ["admin", "alice2"], key=lambda n: next(x["ID"] for x in listed if x["Name"] == n))
    row = next(u for u in listed if u["Name"] == "alice2")
    assert row == {"ID": user["id"], "Name": "alice2", "Project": demo, "Domain": "default",
                   "Description": "hello", "Email": "x@y", "Enabled": False}
    assert [u["Name"] for u in cli("user", "list", "--disabled", "-f", "json").json()] == [
        "alice2"]

    done = cli("user", "delete", "alice2")
    assert (done.rc, done.out, done.err) == (0, "", "")
    gone = cli("user", "delete", "alice2", "nosuch")
    assert gone.rc == 1
    assert gone.err == (
        "Failed to delete user with name or ID 'alice2': No User found for alice2\n"
        "Failed to delete user with name or ID 'nosuch': No User found for nosuch\n"
        "2 of 2 users failed to delete.\n")


def test_user_create_messages(cli: Runner, store_snapshot: Snapshot) -> None:
    assert cli("user", "create", "--password", "p", "carol").rc == 0
    before = store_snapshot()
    duplicate = cli("user", "create", "--password", "p", "carol")
    assert (duplicate.rc, duplicate.err) == (1, (
        "Conflict occurred attempting to store user - Duplicate entry found with name carol "
        "at domain ID default.\n"))
    long_name = "x" * 256
    assert cli("user", "create", long_name).err.endswith(
        f"Invalid input for field/attribute name. Value: {long_name}. '{long_name}' is too "
        "long\n")
    assert cli("user", "create", " ").err.endswith(
        "Invalid input for field/attribute name. Value:  . ' ' does not match '[\\\\S]+'\n")
    assert cli("user", "create", "--project", "nosuch", "x").err == \
        "No Project found for nosuch\n"
    assert cli("user", "create", "--domain", "nosuch", "x").err == \
        "No Domain found for nosuch\n"
    assert cli("user", "create", "--password-prompt", "x").err == \
        "No terminal detected attempting to read password\n"
    assert store_snapshot() == before
    # --or-show returns the existing user; without a password the real client warns.
    shown = cli("user", "create", "--or-show", "carol", "-f", "value", "-c", "name")
    assert (shown.rc, shown.out) == (0, "carol\n")
    assert shown.err == ("No password was supplied, authentication will fail when a user "
                         "does not have a password.\n")
    assert cli("user", "set", "--name", "admin", "carol").err == (
        "Conflict occurred attempting to store user - Duplicate entry found with name "
        "admin.\n")


def test_passwords_are_hashed_never_kept_or_printed(cli: Runner, ostack_home: Path) -> None:
    password = "correct-horse-battery-staple"
    made = cli("user", "create", "--password", password, "dave", "-f", "json")
    assert password not in made.out + made.err
    assert cli("role", "add", "--user", "dave", "--project", "demo", "member").rc == 0
    conn = sqlite3.connect(ostack_home / "state.db")
    try:
        bodies = [row[0] for row in conn.execute("SELECT body FROM resources")]
    finally:
        conn.close()
    assert not any(password in body for body in bodies)
    assert any('"hash": "scrypt$' in body for body in bodies)
    dave = as_user(cli, "dave", password)
    assert dave("token", "issue", "-f", "value", "-c", "user_id").out.strip() == \
        made.json()["id"]
    # A new password replaces the old one.
    assert cli("user", "set", "--password", "new-one", "dave").rc == 0
    assert UNAUTHORIZED.fullmatch(dave("token", "issue").err)
    assert as_user(cli, "dave", "new-one")("token", "issue").rc == 0


def test_user_list_by_project_and_domain(cli: Runner) -> None:
    bob = make_member(cli)
    assert cli("user", "list", "--project", "demo", "-f", "json").json() == [
        {"ID": bob, "Name": "bob"}]
    assert [u["Name"] for u in cli("user", "list", "--project", "admin", "-f",
                                   "json").json()] == ["admin"]
    assert len(cli("user", "list", "--domain", "default", "-f", "json").json()) == 2
    assert cli("user", "list", "--domain", "nosuch").err == "No Domain found for nosuch\n"
    assert cli("user", "list", "--project", "demo", "--limit", "1").err == (
        "--limit and --marker are not supported with --project\n")
    assert cli("user", "list", "--group", "nosuch").err == "No Group found for nosuch\n"


# -- roles and assignments ----------------------------------------------------------------


def test_role_add_remove_and_assignment_list(cli: Runner) -> None:
    bob = make_member(cli)
    demo = cli("project", "show", "demo", "-f", "value", "-c", "id").out.strip()
    member = cli("role", "show", "member", "-f", "json").json()
    assert list(member) == ["id", "name", "domain_id", "description"]
    assert (member["domain_id"], member["description"]) == (None, None)
    rows = cli("role", "assignment", "list", "--user", "bob", "-f", "json").json()
    assert rows == [{"Role": member["id"], "User": bob, "Group": "", "Project": demo,
                     "Domain": "", "System": "", "Inherited": False}]
    effective = cli("role", "assignment", "list", "--user", "bob", "--effective", "--names",
                    "-f", "json").json()
    assert [r["Role"] for r in effective] == ["member", "reader"]
    assert cli("role", "assignment", "list", "--role", "reader", "-f", "json").json() == []
    readers = cli("role", "assignment", "list", "--role", "reader", "--effective", "--names",
                  "-f", "json").json()
    assert {(r["User"], r["Project"], r["Domain"]) for r in readers} == {
        ("admin@Default", "admin@Default", ""), ("admin@Default", "", "Default"),
        ("bob@Default", "demo@Default", "")}
    by_project = cli("role", "assignment", "list", "--project", "demo", "--names", "-f",
                     "json").json()
    assert [(r["Role"], r["User"]) for r in by_project] == [("member", "bob@Default")]
    assert cli("project", "list", "--user", "bob", "-f", "value", "-c", "Name").out == \
        "demo\n"
    # Adding twice changes nothing; removing what is not there is no error either.
    assert cli("role", "add", "--user", "bob", "--project", "demo", "member").rc == 0
    assert len(cli("role", "assignment", "list", "--user", "bob", "-f", "json").json()) == 1
    for _ in range(2):
        done = cli("role", "remove", "--user", "bob", "--project", "demo", "member")
        assert (done.rc, done.out, done.err) == (0, "", "")
    assert cli("role", "assignment", "list", "--user", "bob", "-f", "json").json() == []
    # A user deleted takes its assignments along.
    assert cli("role", "add", "--user", "bob", "--system", "all", "reader").rc == 0
    assert cli("user", "delete", "bob").rc == 0
    assert len(cli("role", "assignment", "list", "-f", "json").json()) == 3  # admin's


def test_role_add_refusals(cli: Runner, store_snapshot: Snapshot) -> None:
    make_member(cli)
    before = store_snapshot()
    # A name that finds nothing: the real client's empty CommandError.
    for args in (["--user", "nosuch", "--project", "demo", "member"],
                 ["--user", "bob", "--project", "nosuch", "member"],
                 ["--user", "bob", "--project", "demo", "nosuch"]):
        assert (cli("role", "add", *args).rc, cli("role", "add", *args).err) == (1, "\n")
    not_added = ("Role not added, incorrect set of arguments provided. See openstack --help "
                 "for more details\n")
    assert cli("role", "add", "member").err == not_added
    assert cli("role", "add", "--user", "bob", "member").err == not_added
    assert cli("role", "remove", "member").err == (
        "Incorrect set of arguments provided. See openstack --help for more details\n")
    assert cli("role", "assignment", "list", "--user", "nosuch").err == "\n"
    assert store_snapshot() == before


def test_role_create_show_delete(cli: Runner) -> None:
    made = cli("role", "create", "--description", "ops", "operator", "-f", "json")
    assert made.rc == 0, made.err
    assert list(made.json()) == ["id", "name", "domain_id", "description"]
    assert made.json()["description"] == "ops"
    assert cli("role", "create", "operator").err == (
        "Conflict occurred attempting to store role - Duplicate entry found with name "
        "operator.\n")
    again = cli("role", "create", "--or-show", "operator", "-f", "value", "-c", "id")
    assert again.out.strip() == made.json()["id"]
    assert cli("role", "create", "").err == (
        "Invalid input for field/attribute role. Value: {}. 'name' is a required property\n")
    assert cli("role", "show", "nosuch").err == "No Role found for nosuch\n"
    admin_id = cli("role", "show", "admin", "-f", "value", "-c", "id").out.strip()
    refused = cli("role", "delete", "admin", "operator")
    assert refused.rc == 1
    assert refused.err == (
        f"Failed to delete role with name or ID 'admin': Unable to delete immutable role "
        f"resource: `{admin_id}. Set resource option \"immutable\" to false first.\n"
        "1 of 2 roles failed to delete.\n")
    assert cli("role", "show", "operator").err == "No Role found for operator\n"
    assert cli("role", "list", "--domain", "default", "-f", "json").json() == []


# -- projects -----------------------------------------------------------------------------


def test_project_properties(cli: Runner) -> None:
    made = cli("project", "create", "--property", "foo=bar", "--property", "enabled=no",
               "props", "-f", "json")
    assert made.rc == 0, made.err
    assert made.json()["foo"] == "bar"
    assert made.json()["enabled"] is False
    assert list(made.json()) == sorted(made.json())
    assert cli("project", "set", "--property", "color=red", "--property", "foo=baz",
               "props").rc == 0
    shown = cli("project", "show", "props", "-f", "json").json()
    assert (shown["color"], shown["foo"]) == ("red", "baz")
    # Keystone's schema for its own attributes.
    assert cli("project", "create", "--property", "tags=x", "p2").err == (
        "Invalid input for field/attribute tags. Value: x. 'x' is not of type 'array'\n")
    assert cli("project", "create", "--property", "domain_id=nosuch", "p2").err == (
        "Could not find domain: nosuch.\n")
    assert cli("project", "create", "--domain", "nosuch", "p2").err == "\n"
    assert cli("project", "create", "").err == (
        "Invalid input for field/attribute project. Value: {'enabled': True}. 'name' is a "
        "required property\n")
    assert cli("project", "set", "nosuch", "--description", "x").err == (
        "Could not find project: nosuch.\n")
    assert cli("project", "delete", "nosuch").err == (
        "Failed to delete project with name or ID 'nosuch': \n"
        "1 of 1 projects failed to delete.\n")


def test_project_list_filters(cli: Runner) -> None:
    make_member(cli)
    everything = cli("project", "list", "-f", "value", "-c", "Name").out.split()
    assert sorted(everything) == ["admin", "demo"]
    assert cli("project", "list", "--my-projects", "-f", "value", "-c", "Name").out == \
        "admin\n"
    assert cli("project", "list", "--user", "bob", "-f", "value", "-c", "Name").out == \
        "demo\n"
    assert sorted(cli("project", "list", "--domain", "default", "-f", "value", "-c",
                      "Name").out.split()) == ["admin", "demo"]
    assert cli("project", "list", "--domain", "nosuch").err == "\n"
    assert cli("project", "list", "--user", "nosuch").err == "\n"
    bob = as_user(cli, "bob", "pw")
    assert bob("project", "list", "-f", "value", "-c", "Name").out == "demo\n"
    assert bob("project", "list", "--domain", "default").err == (
        "You are not authorized to perform the requested action: identity:list_projects.\n")


def test_deleting_a_project_drops_its_assignments(cli: Runner) -> None:
    assert cli("project", "create", "tmp").rc == 0
    make_member(cli)
    assert cli("role", "add", "--user", "bob", "--project", "tmp", "reader").rc == 0
    assert cli("project", "delete", "tmp").rc == 0
    rows = cli("role", "assignment", "list", "--user", "bob", "--names", "-f", "json").json()
    assert [r["Project"] for r in rows] == ["demo@Default"]


# -- tokens -------------------------------------------------------------------------------


def test_token_revoke(cli: Runner) -> None:
    token = cli("token", "issue", "-f", "value", "-c", "id").out.strip()
    done = cli("token", "revoke", token)
    assert (done.rc, done.out, done.err) == (0, "", "")
    again = cli("token", "revoke", token)
    assert again.rc == 1
    assert re.fullmatch(r"Failed to validate token \(HTTP 404\) \(Request-ID: req-[0-9a-f-]+\)\n",
                        again.err)
    assert re.fullmatch(
        r"Could not recognize Fernet token \(HTTP 404\) \(Request-ID: req-[0-9a-f-]+\)\n",
        cli("token", "revoke", "garbage").err)
    make_member(cli)
    admins = cli("token", "issue", "-f", "value", "-c", "id").out.strip()
    refused = as_user(cli, "bob", "pw")("token", "revoke", admins)
    assert re.fullmatch(
        r"You are not authorized to perform the requested action: identity:revoke_token\. "
        r"\(HTTP 403\) \(Request-ID: req-[0-9a-f-]+\)\n", refused.err)
    own = as_user(cli, "bob", "pw")("token", "issue", "-f", "value", "-c", "id").out.strip()
    assert as_user(cli, "bob", "pw")("token", "revoke", own).rc == 0


# -- who acts -----------------------------------------------------------------------------


def test_acting_user_authentication(cli: Runner, store_snapshot: Snapshot) -> None:
    bob = make_member(cli)
    ok = as_user(cli, "bob", "pw")("token", "issue", "-f", "json")
    assert ok.rc == 0, ok.err
    demo = cli("project", "show", "demo", "-f", "value", "-c", "id").out.strip()
    assert (ok.json()["user_id"], ok.json()["project_id"]) == (bob, demo)
    before = store_snapshot()
    for user, password, project in (("bob", "wrong", "demo"), ("nosuch", "pw", "demo"),
                                    ("bob", "pw", "admin"), ("bob", "pw", "nosuch")):
        refused = as_user(cli, user, password, project)("flavor", "list")
        assert refused.rc == 1
        assert UNAUTHORIZED.fullmatch(refused.err), refused.err
    missing = cli("--os-username", "bob", "flavor", "list")
    assert (missing.rc, missing.err) == (
        1, "No password entered, or found via --os-password or OS_PASSWORD\n")
    # A user without a password (the bootstrap admin, until given one) cannot log in, nor
    # a disabled one.
    assert UNAUTHORIZED.fullmatch(as_user(cli, "admin", "any", "admin")("flavor", "list").err)
    assert store_snapshot() == before
    assert cli("user", "set", "--disable", "bob").rc == 0
    assert UNAUTHORIZED.fullmatch(as_user(cli, "bob", "pw")("flavor", "list").err)


def test_acting_user_from_the_environment_and_clouds_yaml(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bob = make_member(cli)
    assert cli("user", "set", "--project", "demo", "bob").rc == 0
    monkeypatch.setenv("OS_USERNAME", "bob")
    monkeypatch.setenv("OS_PASSWORD", "pw")
    # No project named: the user's default project, as Keystone scopes such a request.
    assert cli("token", "issue", "-f", "value", "-c", "user_id").out.strip() == bob
    monkeypatch.delenv("OS_USERNAME")
    monkeypatch.delenv("OS_PASSWORD")
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text("clouds:\n  mine:\n    ostack_backend: local\n"
                      "    auth: {username: bob, password: pw, project_name: demo}\n")
    clouds.chmod(0o600)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    token = cli("--os-cloud", "mine", "token", "issue", "-f", "json")
    assert token.rc == 0, token.err
    assert token.json()["user_id"] == bob
    # The command line wins over the entry.
    wrong = cli("--os-cloud", "mine", "--os-password", "wrong", "token", "issue")
    assert UNAUTHORIZED.fullmatch(wrong.err)


def test_without_credentials_the_local_admin_acts(cli: Runner) -> None:
    admin = cli("user", "show", "admin", "-f", "value", "-c", "id").out.strip()
    assert cli("token", "issue", "-f", "value", "-c", "user_id").out.strip() == admin
    # ... and may still act in any project, as before users existed (a member there).
    demo = cli("--os-project-name", "demo", "token", "issue", "-f", "json")
    assert demo.rc == 0 and demo.json()["user_id"] == admin
    assert cli("user", "set", "--password", "adminpw", "admin").rc == 0
    assert as_user(cli, "admin", "adminpw", "admin")("user", "list").rc == 0


def test_domain_roles_in_keystones_order(cli: Runner) -> None:
    """``role add --domain``: listed by domain, and effective in the order realstack's
    Keystone lists them (tests/cloud/test_domain_roles.py): the direct assignments, then
    the implied ones, the last assignment's first."""
    make_member(cli)
    done = cli("role", "add", "--domain", "default", "--user", "bob", "member")
    assert (done.rc, done.out, done.err) == (0, "", "")
    listed = cli("role", "assignment", "list", "--domain", "default", "--user", "bob",
                 "--names", "-f", "json").json()
    assert [(r["Role"], r["Domain"]) for r in listed] == [("member", "Default")]
    effective = cli("role", "assignment", "list", "--user", "bob", "--names", "--effective",
                    "-f", "json").json()
    assert [(r["Role"], r["Project"], r["Domain"]) for r in effective] == [
        ("member", "demo@Default", ""), ("member", "", "Default"), ("reader", "", "Default"),
        ("reader", "demo@Default", "")]
    done = cli("role", "remove", "--domain", "default", "--user", "bob", "member")
    assert (done.rc, done.out, done.err) == (0, "", "")
    assert cli("role", "assignment", "list", "--domain", "default", "--user", "bob", "-f",
               "json").json() == []
