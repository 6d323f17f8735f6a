"""Block storage side by side with the real client on realstack's Cinder (NFS driver, one
``__DEFAULT__`` type, no backups): volumes, snapshots, types, attachments through Nova's fake
driver (real in both APIs), boot from volume and ``image create --volume``.

What realstack cannot do is left out (see ../shared/realstack/README.md "Cinder details"):
extending an attached volume (its policy refuses it) and snapshots of attached volumes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.cloud.conftest import (
    SERVER_POLL,
    Run,
    SideBySide,
    assert_same,
    delete_servers,
    reads_only,
    run_both,
    same_shape,
    wait_for_server,
)

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

# What differs between two volumes made alike (or one volume shown twice, minutes apart).
VOLATILE = ("id", "name", "created_at", "updated_at", "volume_id", "snapshot_id",
            "source_volid", "image_id", "image_name", "attached_at", "attachment_id",
            "server_id", "Server ID", "Volume ID", "ID", "Attachment ID",
            "BlockDeviceMapping UUID", "Device", "device")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(run: Run) -> Run:
    assert run.rc == 0, f"{run.args}: {run.err}"
    return run


def wait_status(clients: SideBySide | Scoped, kind: tuple[str, ...], name: str,
                *statuses: str) -> str:
    # Asked with ostack (a third of the real client's start-up), every SERVER_POLL s.
    status = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = ok(clients.ostack(*kind, "show", name, "-f", "value", "-c",
                                   "status")).out.strip()
        if status in statuses:
            return status
        time.sleep(SERVER_POLL)
    raise AssertionError(f"{name} stayed {status}")


class Scoped:
    """Both clients as the admin in a project of this module's own (the admin project's
    volume quota is shared with every other test on realstack)."""

    def __init__(self, clients: SideBySide, project: str) -> None:
        self.clients = clients
        self.project = ("--os-project-name", project)

    def openstack(self, *args: str, cloud: str | None = "") -> Run:
        scope = self.project if cloud == "" else ()
        return self.clients.openstack(*scope, *args, cloud=cloud)

    def ostack(self, *args: str, cloud: str | None = "") -> Run:
        scope = self.project if cloud == "" else ()
        return self.clients.ostack(*scope, *args, cloud=cloud)

    def both(self, *args: str, cloud: str | None = "") -> tuple[Run, Run]:
        return run_both(lambda: self.openstack(*args, cloud=cloud),
                        lambda: self.ostack(*args, cloud=cloud), at_once=reads_only(args))

    def member(self) -> str:
        return self.clients.member()


@pytest.fixture(scope="module")
def scoped(clients: SideBySide) -> Iterator[Scoped]:
    project = unique("volumes")
    ok(clients.openstack("project", "create", project))
    try:
        ok(clients.openstack("role", "add", "--user", "admin", "--project", project, "admin"))
        ok(clients.openstack("quota", "set", "--volumes", "40", "--snapshots", "40",
                             "--gigabytes", "100", "--instances", "4", project))
        yield Scoped(clients, project)
    finally:
        clients.openstack("quota", "delete", project)
        clients.openstack("project", "delete", project)


@pytest.fixture
def undo(scoped: Scoped) -> Iterator[list[tuple[str, ...]]]:
    """Commands (the real client's, as admin) that remove what a test made, last first."""
    steps: list[tuple[str, ...]] = []
    yield steps
    for args in reversed(steps):
        # A volume Nova is still letting go of (its server just deleted) is retried.
        for _ in range(30):
            done = scoped.openstack(*args)
            if done.rc == 0 or "No " in done.err or "could not be found" in done.err:
                break
            time.sleep(1)


Make = Callable[..., dict[str, Any]]


@pytest.fixture
def volume(scoped: Scoped, undo: list[tuple[str, ...]]) -> Make:
    """A 1 GiB volume made by the real client (or ``by=clients.ostack``), once available."""

    def make(name: str, *extra: str, by: Callable[..., Run] | None = None) -> dict[str, Any]:
        created = ok((by or scoped.openstack)("volume", "create", "--size", "1", *extra,
                                              name, "-f", "json")).json()
        undo.append(("volume", "delete", "--purge", created["id"]))
        wait_status(scoped, ("volume",), created["id"], "available")
        return dict(created)

    return make


# -- reads and refusals -----------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("volume", "type", "list"),
    ("volume", "type", "list", "--long"),
    ("volume", "type", "list", "--default"),
    ("volume", "type", "list", "--private"),
    ("volume", "type", "list", "--encryption-type"),
    ("volume", "type", "show", "__DEFAULT__"),
    ("volume", "type", "show", "--encryption-type", "__DEFAULT__"),
    ("volume", "type", "show", "nosuch"),
    ("volume", "show", "nosuch"),
    ("volume", "snapshot", "show", "nosuch"),
    ("volume", "list", "--marker", "nosuch"),
    ("volume", "snapshot", "list", "--marker", "nosuch"),
    ("volume", "snapshot", "list", "--volume", "nosuch"),
    ("server", "volume", "list", "nosuch"),
])
def test_reads(clients: SideBySide, args: tuple[str, ...]) -> None:
    real, mine = clients.both(*args, "-f", "json")
    assert_same(real, mine)


@pytest.mark.parametrize("args", [
    ("volume", "delete", "nosuch"),
    ("volume", "snapshot", "delete", "nosuch"),
    ("volume", "create", "x"),
    ("volume", "create", "--size", "0", "x"),
    ("volume", "create", "--size", "1", "--type", "nosuch", "x"),
    ("volume", "create", "--size", "1", "--availability-zone", "nosuch", "x"),
    ("volume", "create", "--snapshot", "nosuch", "x"),
    ("volume", "create", "--source", "nosuch", "x"),
    ("volume", "create", "--size", "1", "--image", "nosuch", "x"),
    ("volume", "create", "--backup", "nosuch", "x"),
    ("volume", "create", "--size", "1", "--host", "h", "x"),
    ("volume", "create", "--remote-source", "a=b", "x"),
    ("volume", "snapshot", "create", "nosuch"),
    ("server", "create", "--flavor", "m1.tiny", "--nic", "none", "x"),
    ("server", "create", "--flavor", "m1.tiny", "--image", "tiny", "--delete-on-termination",
     "--nic", "none", "x"),
    ("server", "create", "--flavor", "m1.tiny", "--image", "tiny", "--swap", "512",
     "--nic", "none", "x"),
])
def test_refusals(clients: SideBySide, args: tuple[str, ...]) -> None:
    real, mine = clients.both(*args)
    assert_same(real, mine)


@pytest.mark.parametrize("args", [
    ("volume", "type", "list", "--encryption-type"),
    ("volume", "type", "show", "--encryption-type", "__DEFAULT__"),
])
def test_member_reads(clients: SideBySide, args: tuple[str, ...]) -> None:
    real, mine = clients.both(*args, "-f", "json", cloud=clients.member())
    assert (mine.rc, mine.out) == (real.rc, real.out)
    assert mine.err == real.err


# -- volumes ----------------------------------------------------------------------------


def test_create_show_list(scoped: Scoped, volume: Make) -> None:
    args = ("--property", "a=b", "--description", "d")
    theirs = volume(unique("vc-real"), *args)
    ours = volume(unique("vc-mine"), *args, by=scoped.ostack)
    # The answers to the create (Cinder's, before the scheduler placed the volume).
    same_shape(theirs, ours, frozenset(VOLATILE))
    for name in (theirs["name"], ours["name"]):
        real, mine = scoped.both("volume", "show", name, "-f", "json")
        assert_same(real, mine)
        real, mine = scoped.both("volume", "show", name)
        assert mine.out == real.out
        for extra in ((), ("--long",), ("--long", "--all-projects")):
            real, mine = scoped.both("volume", "list", "--name", name, *extra, "-f", "json")
            assert_same(real, mine)
        real, mine = scoped.both("volume", "list", "--name", name, "--long")
        assert mine.out == real.out


def test_set_and_unset(scoped: Scoped, volume: Make) -> None:
    names = (unique("vs-real"), unique("vs-mine"))
    for name in names:
        volume(name, "--property", "a=1")
    for name, run in zip(names, (scoped.openstack, scoped.ostack), strict=True):
        # Cinder extends in the background: the other changes once it is done.
        done = run("volume", "set", "--size", "2", name)
        assert (done.rc, done.out, done.err) == (0, "", ""), done.err
        wait_status(scoped, ("volume",), name, "available")
        done = run("volume", "set", "--property", "b=2", "--description", "new",
                   "--image-property", "os_distro=x", "--bootable", "--read-only", name)
        assert (done.rc, done.out, done.err) == (0, "", ""), done.err
        done = run("volume", "unset", "--property", "a", name)
        assert (done.rc, done.out, done.err) == (0, "", "")
    real, mine = (ok(scoped.openstack("volume", "show", name, "-f", "json")) for name in names)
    same_shape(real.json(), mine.json(), frozenset(VOLATILE))
    for args in (("--size", "1"), ("--type", "__DEFAULT__"), ("--type", "nosuch"),
                 ("--migration-policy", "never"), ("--state", "available", "--detached")):
        real, mine = scoped.both("volume", "set", *args, names[1])
        assert_same(real, mine)
        assert mine.err == real.err
    real, mine = scoped.both("volume", "unset", "--property", "nokey", "--image-property",
                              "nokey", names[1])
    assert (mine.rc, mine.err) == (real.rc, real.err)
    # As a member: Cinder's policy on an admin's action, on the member's own volume.
    member = scoped.member()
    own = unique("vs-member")
    made = ok(scoped.openstack("volume", "create", "--size", "1", own, "-f", "json",
                                cloud=member)).json()
    try:
        wait_status(scoped, ("volume",), made["id"], "available")
        real, mine = scoped.both("volume", "set", "--state", "error", own, cloud=member)
        assert (mine.rc, mine.err) == (real.rc, real.err)
    finally:
        scoped.openstack("volume", "delete", own, cloud=member)


def test_snapshots_and_volumes_from_them(scoped: Scoped, volume: Make,
                                         undo: list[tuple[str, ...]]) -> None:
    source = volume(unique("vsn-src"))
    snaps = (unique("sn-real"), unique("sn-mine"))
    answers = []
    for name, run in zip(snaps, (scoped.openstack, scoped.ostack), strict=True):
        answers.append(ok(run("volume", "snapshot", "create", "--volume", source["id"],
                              "--description", "d", "--property", "k=v", name,
                              "-f", "json")).json())
        undo.append(("volume", "snapshot", "delete", name))
        wait_status(scoped, ("volume", "snapshot"), name, "available")
    same_shape(answers[0], answers[1], frozenset(VOLATILE))
    for name in snaps:
        real, mine = scoped.both("volume", "snapshot", "show", name, "-f", "json")
        assert_same(real, mine)
        real, mine = scoped.both("volume", "snapshot", "show", name)
        assert mine.out == real.out
    for extra in ((), ("--long",)):
        real, mine = scoped.both("volume", "snapshot", "list", "--volume", source["id"],
                                  *extra, "-f", "json")
        assert_same(real, mine, unordered=True)
    real, mine = scoped.both("volume", "snapshot", "list", "--volume", source["id"], "--long",
                              "-c", "Name", "-c", "Volume", "--sort-column", "Name")
    assert mine.out == real.out
    # Snapshots keep their volume: both refused alike (with and without --force).
    for extra in ((), ("--force",)):
        real, mine = scoped.both("volume", "delete", *extra, source["id"])
        assert_same(real, mine)
    # set/unset on each client's own snapshot, then compared.
    for name, run in zip(snaps, (scoped.openstack, scoped.ostack), strict=True):
        ok(run("volume", "snapshot", "set", "--name", name + "x", "--property", "n=1",
               "--no-property", name))
        ok(run("volume", "snapshot", "unset", "--property", "n", name + "x"))
        undo.append(("volume", "snapshot", "delete", name + "x"))
    real, mine = (ok(scoped.openstack("volume", "snapshot", "show", n + "x", "-f", "json"))
                  for n in snaps)
    same_shape(real.json(), mine.json(), frozenset(VOLATILE))
    # A volume from each client's snapshot.
    made = (unique("vfs-real"), unique("vfs-mine"))
    for name, snap, run in zip(made, snaps, (scoped.openstack, scoped.ostack), strict=True):
        created = ok(run("volume", "create", "--snapshot", snap + "x", name, "-f", "json"))
        undo.append(("volume", "delete", name))
        answers.append(created.json())
        wait_status(scoped, ("volume",), name, "available")
    same_shape(answers[2], answers[3], frozenset(VOLATILE))


def test_delete_cascades_with_purge(scoped: Scoped, volume: Make) -> None:
    names = (unique("vp-real"), unique("vp-mine"))
    for name in names:
        volume(name)
        ok(scoped.openstack("volume", "snapshot", "create", "--volume", name, name + "-s"))
        wait_status(scoped, ("volume", "snapshot"), name + "-s", "available")
    real = scoped.openstack("volume", "delete", "--purge", names[0])
    mine = scoped.ostack("volume", "delete", "--purge", names[1])
    assert (mine.rc, mine.out, mine.err) == (real.rc, real.out, real.err) == (0, "", "")


def test_quota_refusals(clients: SideBySide) -> None:
    # In a project of the test's own: its quotas may be anything.
    project = unique("vq")
    ok(clients.openstack("project", "create", project))
    ok(clients.openstack("role", "add", "--user", "admin", "--project", project, "admin"))
    scoped = ("--os-project-name", project)
    try:
        ok(clients.openstack("quota", "set", "--volumes", "1", "--gigabytes", "3",
                             "--per-volume-gigabytes", "2", project))
        for args in (("--size", "3", "big"),):
            real, mine = clients.both(*scoped, "volume", "create", *args)
            assert (mine.rc, mine.err) == (real.rc, real.err) == (1, mine.err)
        made = ok(clients.openstack(*scoped, "volume", "create", "--size", "1", "first",
                                    "-f", "json")).json()
        wait_status(clients, ("volume",), made["id"], "available")
        real, mine = clients.both(*scoped, "volume", "create", "--size", "1", "second")
        assert (mine.rc, mine.err) == (real.rc, real.err)
        assert "VolumeLimitExceeded" in mine.err
        real, mine = clients.both("quota", "set", "--volumes", "0", project)
        assert (mine.rc, mine.err) == (real.rc, real.err)
        clients.openstack(*scoped, "volume", "delete", made["id"])
        for _ in range(30):
            if clients.openstack(*scoped, "volume", "show", made["id"]).rc:
                break
            time.sleep(1)
    finally:
        clients.openstack("quota", "delete", project)
        clients.openstack("project", "delete", project)


# -- servers ----------------------------------------------------------------------------


@pytest.fixture
def server(scoped: Scoped) -> Iterator[Callable[..., str]]:
    made: list[str] = []

    def boot(name: str, *args: str, by: Callable[..., Run] | None = None) -> str:
        # The real client's --wait polls every 5 s: it creates, and the test polls every
        # 0.5 s; ostack's own --wait is part of what is checked.
        real = by is None or by == scoped.openstack
        created = ok((by or scoped.openstack)(
            "server", "create", "--flavor", "m1.tiny", "--nic", "none",
            *(() if real else ("--wait",)), *args, name, "-f", "json")).json()
        made.append(created["id"])
        if real:
            assert wait_for_server(scoped.clients, created["id"],
                                   ("ACTIVE", "ERROR")) == "ACTIVE"
        return str(created["id"])

    yield boot
    delete_servers(scoped.clients, [(server_id, "") for server_id in made])


def test_attach_list_detach(scoped: Scoped, volume: Make,
                            server: Callable[..., str]) -> None:
    host = unique("va-srv")
    server(host, "--image", "tiny")
    theirs, ours = volume(unique("va-real")), volume(unique("va-mine"))
    real = ok(scoped.openstack("server", "add", "volume", host, theirs["id"], "-f", "json"))
    mine = ok(scoped.ostack("server", "add", "volume", host, ours["id"], "-f", "json"))
    assert list(mine.json()) == list(real.json())  # Nova's answer, in the client's order
    same_shape(real.json(), mine.json(), frozenset(VOLATILE))
    wait_status(scoped, ("volume",), ours["id"], "in-use")
    real, mine = scoped.both("server", "volume", "list", host, "-f", "json")
    assert_same(real, mine, unordered=True)
    for name in (theirs["id"], ours["id"]):
        real, mine = scoped.both("volume", "show", name, "-f", "json")
        assert_same(real, mine)
    real, mine = scoped.both("volume", "list", "--name", ours["name"])
    assert mine.out == real.out  # "Attached to <server name> on <device> "
    real, mine = scoped.both("server", "show", host, "-f", "json", "-c", "volumes_attached")
    assert_same(real, mine, unordered=True)
    # What Nova and Cinder refuse, alike.
    for args in (("server", "add", "volume", host, ours["id"]),
                 ("volume", "delete", ours["id"]),
                 ("volume", "delete", "--force", ours["id"]),
                 ("volume", "snapshot", "create", "--volume", ours["id"], "x")):
        real, mine = scoped.both(*args)
        assert_same(real, mine)
    done = scoped.ostack("server", "remove", "volume", host, ours["id"])
    assert (done.rc, done.out, done.err) == (0, "", "")
    ok(scoped.openstack("server", "remove", "volume", host, theirs["id"]))
    wait_status(scoped, ("volume",), ours["id"], "available")
    wait_status(scoped, ("volume",), theirs["id"], "available")
    real, mine = scoped.both("server", "remove", "volume", host, ours["id"])
    assert_same(real, mine)
    real, mine = scoped.both("server", "volume", "list", host, "-f", "json")
    assert_same(real, mine)


def test_boot_from_volume(scoped: Scoped, undo: list[tuple[str, ...]],
                          server: Callable[..., str]) -> None:
    # ``undo`` before ``server``: the root volumes go once their servers are gone.
    names = (unique("bfv-real"), unique("bfv-mine"))
    ids = [server(name, "--image", "tiny", "--boot-from-volume", "1", by=run)
           for name, run in zip(names, (scoped.openstack, scoped.ostack), strict=True)]
    shows = [ok(scoped.openstack("server", "show", i, "-f", "json")).json() for i in ids]
    assert [s["image"] for s in shows] == ["N/A (booted from volume)"] * 2
    for shown in shows:
        [root] = shown["volumes_attached"]
        undo.append(("volume", "delete", root["id"]))
        assert root["delete_on_termination"] is False
    real, mine = (ok(scoped.ostack("server", "volume", "list", i, "-f", "json")) for i in ids)
    same_shape(real.json(), mine.json(), frozenset(VOLATILE))
    real, mine = (ok(scoped.openstack("volume", "show", s["volumes_attached"][0]["id"],
                                       "-f", "json")) for s in shows)
    same_shape(real.json(), mine.json(), frozenset(VOLATILE))


def test_image_create_from_a_volume(scoped: Scoped, volume: Make,
                                    undo: list[tuple[str, ...]]) -> None:
    theirs, ours = volume(unique("vi-real")), volume(unique("vi-mine"))
    answers = []
    for made, run in ((theirs, scoped.openstack), (ours, scoped.ostack)):
        image = unique("vi-image")
        answer = ok(run("image", "create", "--volume", made["id"], "--disk-format", "qcow2",
                        image, "-f", "json"))
        answers.append(answer.json())
        undo.append(("image", "delete", answer.json()["image_id"]))
        # realstack's Glance fails the upload (see its README); the volume comes back.
        wait_status(scoped, ("volume",), made["id"], "available")
    same_shape(answers[0], answers[1], frozenset({*VOLATILE, "image_name"}))
