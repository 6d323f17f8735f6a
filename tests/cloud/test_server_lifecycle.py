"""Shelve/unshelve, rescue/unrescue, rebuild, resize, image create and backup create:
ostack's cloud backend and the real client side by side against realstack's Nova (fake
driver: the guest is imaginary, the API, states and messages are Nova's own)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.cloud.conftest import (
    SERVER_POLL,
    Run,
    SideBySide,
    assert_same,
    delete_servers,
    same_shape,
    wait_for_server,
)
from tests.cloud.test_resources import ok, unique

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

# What differs between two servers made the same way (and their snapshots).
SERVER_VOLATILE = frozenset({
    "id", "name", "created", "updated", "OS-EXT-SRV-ATTR:hostname",
    "OS-EXT-SRV-ATTR:instance_name", "OS-EXT-SRV-ATTR:reservation_id",
    "OS-SRV-USG:launched_at", "addresses", "hostId", "adminPass", "fault",
})
# What a read-back snapshot of a rebuild shows while it runs and after it finished.
REBUILD_TASK_STATES = (None, "rebuilding", "rebuild_block_device_mapping", "rebuild_spawning")
REBUILD_IN_FLIGHT = frozenset({"status", "OS-EXT-STS:task_state", "OS-EXT-STS:power_state"})
IMAGE_VOLATILE = frozenset({"id", "name", "created_at", "updated_at", "file",
                            "instance_uuid"})
TIMEOUT = 120


@pytest.fixture(scope="module")
def pair(clients: SideBySide) -> Iterator[tuple[str, str]]:
    """One server for each client (the real client's first), both ACTIVE."""
    names = (unique("lca"), unique("lcb"))
    made: list[tuple[str, str | None]] = []
    try:
        # Both boot at once; the real client's --wait would poll every 5 s.
        for name in names:
            made.append((ok(clients.openstack(
                "server", "create", "--image", "tiny", "--flavor", "m1.tiny", "--nic",
                "net-id=private", name, "-f", "value", "-c", "id")).out.strip(), ""))
        for server, _ in made:
            assert wait_for_server(clients, server, ("ACTIVE", "ERROR")) == "ACTIVE"
        yield names
    finally:
        delete_servers(clients, made)


def runs(clients: SideBySide) -> tuple[Callable[..., Run], Callable[..., Run]]:
    return clients.openstack, clients.ostack


def wait_status(clients: SideBySide, name: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT
    while True:
        shown: dict[str, Any] = ok(clients.ostack("server", "show", name, "-f", "json")).json()
        if shown["status"] == status or time.monotonic() > deadline:
            assert shown["status"] == status, shown
            return shown
        time.sleep(SERVER_POLL)


def shows(clients: SideBySide, names: tuple[str, str]) -> list[dict[str, Any]]:
    return [ok(run("server", "show", name, "-f", "json")).json()
            for name, run in zip(names, runs(clients), strict=True)]


def quiet(run: Run) -> None:
    assert (run.rc, run.out) == (0, ""), run.err


def test_shelve_and_unshelve(clients: SideBySide, pair: tuple[str, str]) -> None:
    for name, run in zip(pair, runs(clients), strict=True):
        quiet(run("server", "shelve", name, "--wait"))
    shelved = shows(clients, pair)
    assert shelved[0]["status"] == "SHELVED_OFFLOADED"
    same_shape(shelved[0], shelved[1], SERVER_VOLATILE)
    snapshots = [ok(run("image", "show", f"{name}-shelved", "-f", "json")).json()
                 for name, run in zip(pair, runs(clients), strict=True)]
    same_shape(snapshots[0], snapshots[1], IMAGE_VOLATILE)
    # A shelved server is skipped; refusals on one server, by both clients.
    for name, run in zip(pair, runs(clients), strict=True):
        quiet(run("server", "shelve", name))
    for args in (("server", "unshelve", "--availability-zone", "elsewhere", pair[0]),
                 ("server", "unshelve", "--host", "nosuch", pair[0]),
                 ("server", "rescue", pair[0]),
                 ("server", "image", "create", pair[0]),
                 ("server", "resize", "--flavor", "m1.small", pair[0]),
                 ("server", "rebuild", pair[0])):
        real, mine = clients.both(*args)
        assert real.rc == 1, args
        assert_same(real, mine)
    for name, run in zip(pair, runs(clients), strict=True):
        quiet(run("server", "unshelve", name, "--wait"))
    back = shows(clients, pair)
    assert back[0]["status"] == "ACTIVE"
    same_shape(back[0], back[1], SERVER_VOLATILE)
    for name, run in zip(pair, runs(clients), strict=True):
        quiet(run("server", "unshelve", name))  # not shelved: nothing to do
        assert run("image", "show", f"{name}-shelved").rc == 1  # Nova deleted it


def test_rescue_and_unrescue(clients: SideBySide, pair: tuple[str, str]) -> None:
    for name, run in zip(pair, runs(clients), strict=True):
        quiet(run("server", "rescue", name))
        wait_status(clients, name, "RESCUE")
    same_shape(*shows(clients, pair), SERVER_VOLATILE)
    assert_same(*clients.both("server", "rescue", pair[0]))
    assert_same(*clients.both("server", "rescue", "--image", "nosuch", pair[0]))
    for name, run in zip(pair, runs(clients), strict=True):
        quiet(run("server", "unrescue", name))
        wait_status(clients, name, "ACTIVE")
    same_shape(*shows(clients, pair), SERVER_VOLATILE)
    real, mine = clients.both("server", "unrescue", pair[0])
    assert real.rc == 1
    assert_same(real, mine)


def test_rebuild(clients: SideBySide, pair: tuple[str, str]) -> None:
    answers = []
    for name, run in zip(pair, runs(clients), strict=True):
        done = ok(run("server", "rebuild", name, "--name", name, "--property", "k=v",
                      "--description", "rebuilt", "--wait", "-f", "json"))
        head, body = done.out.split("\n", 1)
        assert head == "Complete"
        answers.append(json.loads(body))
    # Nova reads the server back after casting the rebuild, so a fast compute driver
    # (realstack's fake one) may already have finished it, for one client and not the
    # other: both answers are Nova's, each a snapshot of the rebuild in flight or done.
    for answer in answers:
        assert answer["status"] in ("REBUILD", "ACTIVE")
        assert answer["OS-EXT-STS:task_state"] in REBUILD_TASK_STATES
        assert isinstance(answer["OS-EXT-STS:power_state"], int)
    # The keys that tell two snapshots apart may differ even in type (a task or None).
    settled = [{key: value for key, value in answer.items() if key not in REBUILD_IN_FLIGHT}
               for answer in answers]
    same_shape(settled[0], settled[1], SERVER_VOLATILE)
    same_shape(*shows(clients, pair), SERVER_VOLATILE)
    for args in (("server", "rebuild", "--key-name", "nosuch", pair[0]),
                 ("server", "rebuild", "--name", " lead", pair[0]),
                 ("server", "rebuild", "--property", "a/b=1", pair[0]),
                 ("server", "rebuild", "--image", "nosuch", pair[0])):
        real, mine = clients.both(*args)
        assert real.rc == 1, args
        assert_same(real, mine)
    # Taken by the API, refused by the compute driver: the server in ERROR.
    for name, run in zip(pair, runs(clients), strict=True):
        ok(run("server", "rebuild", "--preserve-ephemeral", name, "-f", "json"))
        failed = wait_status(clients, name, "ERROR")
        assert failed["fault"]["message"] == (
            "The current driver does not support preserving ephemeral partitions.")
    same_shape(*shows(clients, pair), SERVER_VOLATILE)
    for name, run in zip(pair, runs(clients), strict=True):
        ok(run("server", "rebuild", name, "--wait"))
    assert [s["status"] for s in shows(clients, pair)] == ["ACTIVE", "ACTIVE"]


def test_resize(clients: SideBySide, pair: tuple[str, str]) -> None:
    for args in (("server", "resize", "--flavor", "m1.tiny", pair[0]),
                 ("server", "resize", "--flavor", "nosuch", pair[0]),
                 ("server", "resize", "confirm", pair[0]),
                 ("server", "resize", "revert", pair[0])):
        real, mine = clients.both(*args)
        assert real.rc == 1, args
        assert_same(real, mine)
    # No phase given: the same usage error (but for the program's name).
    real, mine = clients.both("server", "resize", pair[0])
    assert (real.rc, mine.rc) == (2, 2)
    assert mine.err.splitlines()[-1] == real.err.splitlines()[-1].replace("openstack", "ostack")
    for name, run in zip(pair, runs(clients), strict=True):
        done = ok(run("server", "resize", "--flavor", "m1.small", "--wait", name))
        assert done.out == "Complete\n"
    resized = shows(clients, pair)
    same_shape(resized[0], resized[1], SERVER_VOLATILE)
    if resized[0]["status"] == "VERIFY_RESIZE":
        # A cloud that allows a resize to the same host: confirm it.
        for name, run in zip(pair, runs(clients), strict=True):
            quiet(run("server", "resize", "confirm", name))
            wait_status(clients, name, "ACTIVE")
        same_shape(*shows(clients, pair), SERVER_VOLATILE)


def test_image_create_and_backup(clients: SideBySide, pair: tuple[str, str]) -> None:
    made: list[str] = []
    try:
        snaps = []
        for name, run in zip(pair, runs(clients), strict=True):
            snap = ok(run("server", "image", "create", name, "--name", f"{name}-img",
                          "--property", "purpose=test", "-f", "json")).json()
            made.append(snap["id"])
            snaps.append(snap)
        same_shape(snaps[0], snaps[1], IMAGE_VOLATILE)
        assert snaps[0]["properties"]["image_type"] == "snapshot"
        backups = []
        for name, run in zip(pair, runs(clients), strict=True):
            backup = ok(run("server", "backup", "create", name, "--name", f"{name}-bk",
                            "--type", "daily", "-f", "json")).json()
            made.append(backup["id"])
            backups.append(backup)
        same_shape(backups[0], backups[1], IMAGE_VOLATILE)
        assert backups[0]["properties"]["backup_type"] == "daily"
        for args in (("server", "backup", "create", "--rotate", "-1", pair[0]),
                     ("server", "image", "create", "--property", "a/b=1", pair[0]),
                     ("server", "image", "create", "--name", "x ", pair[0])):
            real, mine = clients.both(*args)
            assert real.rc == 1, args
            assert_same(real, mine)
    finally:
        for image_id in made:
            clients.ostack("image", "delete", image_id)
