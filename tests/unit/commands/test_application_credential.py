"""``application credential create|list|show|delete`` on the local backend: the real client's
columns (in its order), JSON types and messages, Keystone's rules (generated secret shown
once and stored hashed, roles within the creator's, unique names per user, expiry) and the
credentials going with their user."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import Runner
from tests.unit.commands.test_identity import as_user, make_member

COLUMNS = ["ID", "Name", "Description", "Project ID", "Roles", "Unrestricted",
           "Access Rules", "Expires At"]
Snapshot = Callable[[], list[tuple[Any, ...]]]


def create(cli: Runner, *args: str) -> dict[str, Any]:
    done = cli("application", "credential", "create", *args, "-f", "json")
    assert done.rc == 0, done.err
    return dict(done.json())


def stored_bodies(home: Path, kind: str) -> list[str]:
    conn = sqlite3.connect(home / "state.db")
    try:
        return [row[0] for row in conn.execute("SELECT body FROM resources WHERE kind = ?",
                                               (kind,))]
    finally:
        conn.close()


def test_create_shows_the_generated_secret_once(cli: Runner, ostack_home: Path) -> None:
    made = create(cli, "ci", "--description", "for CI")
    assert list(made) == [*COLUMNS, "Secret"]
    assert made["Name"] == "ci" and made["Description"] == "for CI"
    assert made["Project ID"] == cli("project", "show", "admin", "-f", "value",
                                     "-c", "id").out.strip()
    # The creator's roles on the project, implied ones included.
    assert sorted(r["name"] for r in made["Roles"]) == ["admin", "manager", "member",
                                                         "reader"]
    assert set(made["Roles"][0]) == {"id", "name", "domain_id", "description", "options"}
    assert (made["Unrestricted"], made["Access Rules"], made["Expires At"]) == (False, [],
                                                                               None)
    # Keystone's secret: 64 random bytes, URL-safe base64 without padding.
    assert len(made["Secret"]) == 86 and "=" not in made["Secret"]
    # Stored hashed only.
    bodies = "".join(stored_bodies(ostack_home, "application_credential")
                     + stored_bodies(ostack_home, "application_credential_secret"))
    assert made["Secret"] not in bodies
    assert "scrypt$" in bodies

    shown = cli("application", "credential", "show", "ci", "-f", "json").json()
    assert list(shown) == COLUMNS
    assert shown["ID"] == made["ID"]
    # Read back, Keystone has no access rules to show and lists roles by ID.
    assert shown["Access Rules"] is None
    assert [r["id"] for r in shown["Roles"]] == sorted(r["id"] for r in made["Roles"])


def test_show_table_and_list(cli: Runner) -> None:
    create(cli, "one", "--secret", "s3cret", "--role", "member")
    create(cli, "two", "--unrestricted", "--expiration", "2099-01-01T00:00:00",
           "--access-rules", '[{"method": "GET", "path": "/v2.1/servers", '
           '"service": "compute"}]')
    table = cli("application", "credential", "show", "one").out
    assert "| Roles        | member, reader" in table
    assert "| Unrestricted | False" in table
    assert "| Access Rules | None" in table
    rows = cli("application", "credential", "list", "-f", "json").json()
    assert [r["Name"] for r in rows] == ["one", "two"]
    assert list(rows[0]) == COLUMNS
    two = rows[1]
    assert two["Unrestricted"] is True
    assert two["Expires At"] == "2099-01-01T00:00:00.000000"
    assert [{k: v for k, v in rule.items() if k != "id"} for rule in two["Access Rules"]] == [
        {"service": "compute", "path": "/v2.1/servers", "method": "GET"}]
    assert len(two["Access Rules"][0]["id"]) == 32
    value = cli("application", "credential", "list", "-f", "value", "-c", "Name").out
    assert value.split() == ["one", "two"]


def test_secret_given_and_restricted_wins(cli: Runner) -> None:
    made = create(cli, "given", "--secret", "my-secret", "--unrestricted", "--restricted")
    assert made["Secret"] == "my-secret"
    assert made["Unrestricted"] is False


def test_refusals_change_nothing(cli: Runner, store_snapshot: Snapshot) -> None:
    create(cli, "dup")
    before = store_snapshot()
    duplicate = cli("application", "credential", "create", "dup")
    assert duplicate.rc == 1
    assert duplicate.err.strip() == ("Conflict occurred attempting to store "
                                     "application_credential - Duplicate entry found with "
                                     "name dup.")
    unknown_role = cli("application", "credential", "create", "x", "--role", "nope")
    assert (unknown_role.rc, unknown_role.err.strip()) == (1, "Role nope is not defined")
    past = cli("application", "credential", "create", "x", "--expiration",
               "2020-01-01T00:00:00")
    assert past.rc == 1
    assert past.err.strip().startswith("The 'expires_at' must not be before now. ")
    bad_format = cli("application", "credential", "create", "x", "--expiration", "2020-01-01")
    assert (bad_format.rc, bad_format.err.strip()) == (
        1, "time data '2020-01-01' does not match format '%Y-%m-%dT%H:%M:%S'")
    bad_rules = cli("application", "credential", "create", "x", "--access-rules", "{bad")
    assert (bad_rules.rc, bad_rules.err.strip()) == (
        1, "Access rules is not valid JSON string or file does not exist.")
    empty = cli("application", "credential", "create", "")
    assert (empty.rc, empty.err.strip()) == (
        1, "Invalid input for field/attribute name. Value: . '' should be non-empty")
    assert store_snapshot() == before


def test_roles_stay_within_the_creators(cli: Runner) -> None:
    make_member(cli, "bob", "pw")
    bob = as_user(cli, "bob", "pw")
    refused = bob("application", "credential", "create", "escalate", "--role", "admin")
    assert refused.rc == 1
    assert refused.err.strip() == ("Invalid application credential: Cannot create an "
                                   "application credential with unassigned role")
    made = bob("application", "credential", "create", "mine", "--role", "reader", "-f", "json")
    assert made.rc == 0, made.err
    assert [r["name"] for r in made.json()["Roles"]] == ["reader"]
    # Another user's credentials: an admin may list them, a member may not.
    listed = cli("application", "credential", "list", "--user", "bob", "-f", "value",
                 "-c", "Name")
    assert listed.out.split() == ["mine"]
    foreign = bob("application", "credential", "list", "--user", "admin")
    assert foreign.rc == 1
    assert foreign.err.strip() == ("You are not authorized to perform the requested action: "
                                   "identity:list_application_credentials.")
    # Each user sees and finds only its own.
    assert cli("application", "credential", "list", "-f", "value").out == ""
    assert cli("application", "credential", "show", "mine").rc == 1


def test_delete_and_messages(cli: Runner) -> None:
    create(cli, "gone")
    done = cli("application", "credential", "delete", "nope", "gone")
    assert done.rc == 1
    assert done.err.splitlines() == [
        "Failed to delete application credential with name or ID 'nope': No "
        "ApplicationCredential found for nope",
        "1 of 2 application credentials failed to delete."]
    assert done.out == ""
    missing = cli("application", "credential", "show", "gone")
    assert (missing.rc, missing.err.strip()) == (1, "No ApplicationCredential found for gone")


def test_credentials_go_with_their_user(cli: Runner, ostack_home: Path) -> None:
    make_member(cli, "carol", "pw")
    carol = as_user(cli, "carol", "pw")
    assert carol("application", "credential", "create", "c1").rc == 0
    assert len(stored_bodies(ostack_home, "application_credential")) == 1
    assert cli("user", "delete", "carol").rc == 0
    assert stored_bodies(ostack_home, "application_credential") == []
    assert stored_bodies(ostack_home, "application_credential_secret") == []
