"""``trust create|list|show|delete`` on the local backend: the real client's fields and
columns (in its order), JSON types and messages, and Keystone's rules (the trustor is the
acting user, its roles on the project, admins list every trust, the trustor or the trustee
sees one, the trustor deletes it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Runner
from tests.unit.commands.test_identity import as_user, make_member

FIELDS = ["expires_at", "id", "is_impersonation", "project_id", "redelegated_trust_id",
          "redelegation_count", "remaining_uses", "roles", "trustee_user_id",
          "trustor_user_id"]
COLUMNS = ["ID", "Expires At", "Impersonation", "Project ID", "Trustee User ID",
           "Trustor User ID"]
Snapshot = Callable[[], list[tuple[Any, ...]]]


def ids(cli: Runner, kind: str, name: str) -> str:
    return str(cli(kind, "show", name, "-f", "value", "-c", "id").out.strip())


def create(cli: Runner, *args: str) -> dict[str, Any]:
    done = cli("trust", "create", *args, "-f", "json")
    assert done.rc == 0, done.err
    return dict(done.json())


def test_create_show_list_delete(cli: Runner) -> None:
    bob = make_member(cli)
    admin, project = ids(cli, "user", "admin"), ids(cli, "project", "admin")
    made = create(cli, "--project", "admin", "--role", "member", "admin", "bob")
    assert list(made) == FIELDS
    assert (made["trustor_user_id"], made["trustee_user_id"], made["project_id"]) == (
        admin, bob, project)
    assert (made["expires_at"], made["is_impersonation"], made["redelegated_trust_id"],
            made["redelegation_count"], made["remaining_uses"]) == (None, False, None, 0, None)
    assert [r["name"] for r in made["roles"]] == ["member"]
    assert set(made["roles"][0]) == {"id", "name", "domain_id", "description", "options"}
    # The table prints the roles as the SDK's list.
    table = cli("trust", "show", made["id"]).out
    assert "[{'id': '" in table
    assert cli("trust", "show", made["id"], "-f", "json").json() == made

    timed = create(cli, "--project", "admin", "--role", "reader", "--impersonate",
                   "--expiration", "2030-01-01T00:00:00", "admin", "bob")
    assert (timed["expires_at"], timed["is_impersonation"]) == (
        "2030-01-01T00:00:00.000000Z", True)
    listed = cli("trust", "list", "-f", "json").json()
    assert [list(row) for row in listed] == [COLUMNS, COLUMNS]
    # In ID order, as Keystone's table is scanned.
    assert [row["ID"] for row in listed] == sorted([made["id"], timed["id"]])
    assert cli("trust", "list", "--trustee", "bob", "-f", "value", "-c", "ID").out.split() == (
        sorted([made["id"], timed["id"]]))
    assert cli("trust", "list", "--trustor", "bob", "-f", "json").json() == []
    assert len(cli("trust", "list", "--auth-user", "-f", "json").json()) == 2

    assert cli("trust", "delete", made["id"], timed["id"]).out == ""
    assert cli("trust", "list", "-f", "json").json() == []
    # Keystone's unique constraint (trustor, trustee, project, impersonation, expiry) holds
    # deleted trusts too; null expiries may repeat.
    again = cli("trust", "create", "--project", "admin", "--role", "reader", "--impersonate",
                "--expiration", "2030-01-01T00:00:00", "admin", "bob")
    assert again.rc == 1
    assert again.err.startswith("Conflict occurred attempting to store trust - Duplicate "
                                "entry found with ID ")
    create(cli, "--project", "admin", "--role", "member", "admin", "bob")


def test_refusals_change_nothing(cli: Runner, store_snapshot: Snapshot) -> None:
    make_member(cli)
    before = store_snapshot()
    done = cli("trust", "create", "--project", "admin", "--role", "member", "bob", "admin")
    assert (done.rc, done.err.strip()) == (
        1, "You are not authorized to perform the requested action: identity:create_trust.")
    done = cli("trust", "create", "--project", "admin", "--role", "nosuch", "admin", "bob")
    assert (done.rc, done.err.strip()) == (1, "No Role found for nosuch")
    done = cli("trust", "create", "--project", "admin", "--role", "member", "admin", "nobody")
    assert (done.rc, done.err.strip()) == (1, "No User found for nobody")
    done = cli("trust", "create", "--project", "admin", "--role", "member",
               "--expiration", "2030-01-01", "admin", "bob")
    assert done.rc == 1
    assert done.err.strip() == ("time data '2030-01-01' does not match format "
                                "'%Y-%m-%dT%H:%M:%S'")
    done = cli("trust", "create", "--project", "admin", "--role", "member",
               "--expiration", "2001-01-01T00:00:00", "admin", "bob")
    assert done.rc == 1
    assert done.err.startswith("The 'expires_at' must not be before now.")
    assert cli("trust", "create", "admin", "bob").rc == 2
    done = cli("trust", "list", "--auth-user", "--trustor", "admin")
    assert (done.rc, done.err.strip()) == (
        1, "--authuser cannot be used with --trustee or --trustor")
    done = cli("trust", "list", "--trustee-domain", "default")
    assert (done.rc, done.err.strip()) == (
        1, "Using --trustee-domain mandates the use of --trustee")
    done = cli("trust", "show", "nosuch")
    assert (done.rc, done.err.strip()) == (1, "No Trust found for nosuch")
    done = cli("trust", "delete", "nosuch", "other")
    assert done.rc == 1
    assert done.err.splitlines() == [
        "Failed to delete trust with name or ID 'nosuch': No Trust found for nosuch",
        "Failed to delete trust with name or ID 'other': No Trust found for other",
        "2 of 2 trusts failed to delete."]
    assert store_snapshot() == before


def test_member_policy(cli: Runner) -> None:
    """A member makes trusts as trustor on its own project; it sees its own, as trustor or
    trustee, but lists all of them only as an admin; only the trustor deletes one."""
    bob_id = make_member(cli)
    carol_id = make_member(cli, "carol")
    bob = as_user(cli, "bob", "pw")
    carol = as_user(cli, "carol", "pw")
    # A member may not look users up by name: the names go on as given, and Keystone then
    # finds no such trustor (as with the real client).
    done = bob("trust", "create", "--project", "demo", "--role", "member", "bob", "carol")
    assert (done.rc, done.err.strip()) == (
        1, "You are not authorized to perform the requested action: identity:create_trust.")
    demo, member = ids(cli, "project", "demo"), ids(cli, "role", "member")
    done = bob("trust", "create", "--project", demo, "--role", member, bob_id, carol_id,
               "-f", "json")
    assert done.rc == 0, done.err
    made = done.json()
    done = bob("trust", "list")
    assert (done.rc, done.err.strip()) == (
        1, "You are not authorized to perform the requested action: identity:list_trusts.")
    assert [t["ID"] for t in bob("trust", "list", "--auth-user", "-f", "json").json()] == [
        made["id"]]
    assert carol("trust", "show", made["id"], "-f", "json").json()["id"] == made["id"]
    done = carol("trust", "list", "--trustor", bob_id)
    assert (done.rc, done.err.strip()) == (
        1, "You are not authorized to perform the requested action: "
           "identity:list_trusts_for_trustor.")
    done = carol("trust", "delete", made["id"])
    assert done.rc == 1
    assert "identity:delete_trust." in done.err
    # A role the trustor does not hold there.
    admin_role = ids(cli, "role", "admin")
    done = bob("trust", "create", "--project", demo, "--role", admin_role, bob_id, carol_id)
    assert (done.rc, done.err.strip()) == (1, f"Could not find role: {admin_role}.")
    # The SDK's find falls back on the list, which only an admin may read.
    done = bob("trust", "show", "nosuch")
    assert (done.rc, done.err.strip()) == (
        1, "You are not authorized to perform the requested action: identity:list_trusts.")
    # The admin sees every trust, and may delete any.
    assert [t["ID"] for t in cli("trust", "list", "-f", "json").json()] == [made["id"]]
    assert cli("trust", "delete", made["id"]).rc == 0
