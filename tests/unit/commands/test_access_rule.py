"""``access rule list|show|delete`` on the local backend: the acting user's rules, made by
its application credentials (one per service, path and method, shared by the credentials
that ask for it), with the real client's columns and Keystone's refusals."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import Runner
from tests.unit.commands.test_identity import as_user, make_member

COLUMNS = ["ID", "Service", "Method", "Path"]
RULE = {"service": "compute", "method": "GET", "path": "/v2.1/servers"}
Snapshot = Callable[[], list[tuple[Any, ...]]]


def credential(cli: Runner, name: str, rules: list[dict[str, str]]) -> dict[str, Any]:
    done = cli("application", "credential", "create", name, "--access-rules",
               json.dumps(rules), "-f", "json")
    assert done.rc == 0, done.err
    return dict(done.json())


def test_rules_are_shared_listed_and_deleted_once_unused(cli: Runner,
                                                         store_snapshot: Snapshot) -> None:
    first = credential(cli, "one", [RULE])
    [made] = first["Access Rules"]
    assert {k: made[k] for k in RULE} == RULE
    # A second credential asking for the same rule shares it.
    second = credential(cli, "two", [RULE, {**RULE, "method": "POST"}])
    assert second["Access Rules"][0]["id"] == made["id"]
    listed = cli("access", "rule", "list", "-f", "json").json()
    assert [list(row) for row in listed] == [COLUMNS, COLUMNS]
    assert sorted(row["Method"] for row in listed) == ["GET", "POST"]
    shown = cli("access", "rule", "show", made["id"], "-f", "json").json()
    assert shown == {"ID": made["id"], "Method": "GET", "Path": "/v2.1/servers",
                     "Service": "compute"}

    before = store_snapshot()
    done = cli("access", "rule", "delete", made["id"])
    assert done.rc == 1
    assert done.err.splitlines() == [
        f"Failed to delete access rule with ID '{made['id']}': May not delete access rule "
        "in use", "1 of 1 access rules failed to delete."]
    done = cli("access", "rule", "show", "nosuch")
    assert (done.rc, done.err.strip()) == (1, "Could not find Access Rule: nosuch.")
    # The real client's --user never works (it calls a keystoneclient manager on the SDK).
    done = cli("access", "rule", "list", "--user", "admin")
    assert (done.rc, done.err.strip()) == (1, "'function' object has no attribute 'list'")
    assert store_snapshot() == before

    # Credentials gone, their rules stay until deleted.
    assert cli("application", "credential", "delete", "one", "two").rc == 0
    assert len(cli("access", "rule", "list", "-f", "json").json()) == 2
    ids = [row["ID"] for row in listed]
    assert cli("access", "rule", "delete", *ids).out == ""
    assert cli("access", "rule", "list", "-f", "json").json() == []


def test_rules_are_each_users_own(cli: Runner, ostack_home: Path) -> None:
    credential(cli, "admins", [RULE])
    make_member(cli)
    bob = as_user(cli, "bob", "pw")
    done = bob("application", "credential", "create", "bobs", "--access-rules",
               json.dumps([RULE]), "-f", "json")
    assert done.rc == 0, done.err
    [bobs] = done.json()["Access Rules"]
    [admins] = cli("access", "rule", "list", "-f", "json").json()
    assert bobs["id"] != admins["ID"]
    assert [r["ID"] for r in bob("access", "rule", "list", "-f", "json").json()] == [
        bobs["id"]]
    done = bob("access", "rule", "show", admins["ID"])
    assert (done.rc, done.err.strip()) == (1, f"Could not find Access Rule: {admins['ID']}.")
    # Another user's rule, named by ID in a credential: Keystone's 404.
    done = bob("application", "credential", "create", "stolen", "--access-rules",
               json.dumps([{**RULE, "id": admins["ID"]}]))
    assert (done.rc, done.err.strip()) == (1, f"Could not find Access Rule: {admins['ID']}.")
    # A deleted user's rules go with it.
    assert cli("user", "delete", "bob").rc == 0
    conn = sqlite3.connect(ostack_home / "state.db")
    try:
        stored = [row[0] for row in conn.execute(
            "SELECT id FROM resources WHERE kind = 'access_rule'")]
    finally:
        conn.close()
    assert stored == [admins["ID"]]
