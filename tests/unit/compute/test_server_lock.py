"""server lock/unlock: Nova's lock fields, list filters and refusals (admins act on locked
servers, others get Nova's 409; an owner cannot undo an admin's lock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner
from tests.unit.compute.test_member_access import as_bob
from tests.unit.compute.test_server import create

Snapshot = Callable[[], list[tuple[Any, ...]]]


def test_lock_shows_locked_and_reason(compute: Runner) -> None:
    server = create(compute)
    shown = compute("server", "show", server["id"], "-f", "json").json()
    assert (shown["locked"], shown["locked_reason"]) == (False, None)
    done = compute("server", "lock", "--reason", "maintenance", "Host2")
    assert (done.rc, done.out, done.err) == (0, "", "")
    shown = compute("server", "show", server["id"], "-f", "json").json()
    assert (shown["locked"], shown["locked_reason"]) == (True, "maintenance")
    # Locking again without a reason keeps the reason (Nova changes nothing for the owner).
    assert compute("server", "lock", "Host2").rc == 0
    assert compute("server", "show", "Host2", "-f", "json").json()["locked_reason"] == \
        "maintenance"
    assert compute("server", "unlock", "Host2").rc == 0
    shown = compute("server", "show", "Host2", "-f", "json").json()
    assert (shown["locked"], shown["locked_reason"]) == (False, None)


def test_lock_and_unlock_take_several_servers(compute: Runner) -> None:
    create(compute, "a")
    create(compute, "b")
    assert compute("server", "lock", "a", "b").rc == 0
    locked = compute("server", "list", "--locked", "-f", "json").json()
    assert sorted(s["Name"] for s in locked) == ["a", "b"]
    assert compute("server", "unlock", "a", "b").rc == 0
    assert compute("server", "list", "--locked", "-f", "json").out.strip() == "[]"


def test_list_locked_and_unlocked(compute: Runner) -> None:
    create(compute, "a")
    create(compute, "b")
    assert compute("server", "lock", "a").rc == 0
    assert [s["Name"] for s in compute("server", "list", "--locked", "-f", "json").json()] == \
        ["a"]
    assert [s["Name"] for s in compute("server", "list", "--unlocked", "-f", "json").json()] \
        == ["b"]
    assert compute("server", "list", "--locked", "--unlocked").rc == 2


def test_an_admin_acts_on_a_locked_server(compute: Runner) -> None:
    create(compute)
    assert compute("server", "lock", "Host2").rc == 0
    assert compute("server", "stop", "Host2").rc == 0
    assert compute("server", "start", "Host2").rc == 0
    assert compute("server", "set", "--property", "a=b", "Host2").rc == 0


@pytest.fixture
def bobs_locked_server(compute: Runner) -> tuple[Runner, Runner, str]:
    """bob (a member of demo) has a server; the admin locked it."""
    admin = compute
    assert admin("user", "create", "--password", "pw", "bob").rc == 0
    assert admin("role", "add", "--user", "bob", "--project", "demo", "member").rc == 0
    assert admin("image", "set", "--public", "cirros").rc == 0
    bob = as_bob(compute)
    assert bob("network", "create", "bobnet").rc == 0
    assert bob("subnet", "create", "--network", "bobnet", "--subnet-range", "10.9.0.0/24",
               "bobsub").rc == 0
    made = bob("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
               "net-id=bobnet", "bobvm", "-f", "json")
    assert made.rc == 0, made.err
    server_id = made.json()["id"]
    assert admin("server", "lock", server_id).rc == 0
    return admin, bob, server_id


@pytest.mark.parametrize("action", [
    ("stop",), ("reboot",), ("pause",), ("suspend",), ("delete",),
    ("set", "--property", "k=v"), ("add", "network"), ("remove", "port"),
])
def test_a_member_is_refused_on_a_locked_server(
    bobs_locked_server: tuple[Runner, Runner, str], store_snapshot: Snapshot,
    action: tuple[str, ...],
) -> None:
    _, bob, server_id = bobs_locked_server
    args: tuple[str, ...] = ("server", *action, server_id)
    if action == ("add", "network"):
        args = ("server", "add", "network", server_id, "bobnet")
    elif action == ("remove", "port"):
        port = bob("port", "list", "--server", server_id, "-f", "value", "-c", "ID").out.strip()
        args = ("server", "remove", "port", server_id, port)
    before = store_snapshot()
    refused = bob(*args)
    assert refused.rc == 1
    assert f"Instance {server_id} is locked\n" in refused.err
    assert store_snapshot() == before


def test_a_member_may_rename_a_locked_server(
    bobs_locked_server: tuple[Runner, Runner, str],
) -> None:
    # Nova locks actions and metadata, not the name or description.
    _, bob, server_id = bobs_locked_server
    assert bob("server", "set", "--name", "renamed", server_id).rc == 0


def test_an_owner_cannot_unlock_an_admins_lock(
    bobs_locked_server: tuple[Runner, Runner, str], store_snapshot: Snapshot,
) -> None:
    admin, bob, server_id = bobs_locked_server
    before = store_snapshot()
    refused = bob("server", "unlock", server_id)
    assert (refused.rc, refused.err) == (
        1, "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be "
           "performed.\n")
    assert store_snapshot() == before
    assert admin("server", "unlock", server_id).rc == 0
    assert bob("server", "stop", server_id).rc == 0


def test_an_owner_unlocks_its_own_lock(compute: Runner) -> None:
    assert compute("user", "create", "--password", "pw", "bob").rc == 0
    assert compute("role", "add", "--user", "bob", "--project", "demo", "member").rc == 0
    assert compute("image", "set", "--public", "cirros").rc == 0
    bob = as_bob(compute)
    assert bob("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic", "none",
               "vm").rc == 0
    assert bob("server", "lock", "vm").rc == 0
    assert bob("server", "stop", "vm").err == \
        f"Instance {bob('server', 'show', 'vm', '-f', 'value', '-c', 'id').out.strip()} " \
        "is locked\n"
    assert bob("server", "unlock", "vm").rc == 0
    assert bob("server", "stop", "vm").rc == 0


def test_lock_of_a_missing_server(compute: Runner) -> None:
    result = compute("server", "lock", "nosuch")
    assert (result.rc, result.err) == (1, "No Server found for nosuch\n")
