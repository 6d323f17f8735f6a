"""Server actions and queries that do not touch a disk, ostack and the real client side by
side: locks, instance actions (server event), server groups and a group's scheduling failure,
NICs (add/remove port, network, fixed ip), tags, and server list's filters."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.cloud.conftest import (
    Run,
    SideBySide,
    assert_same,
    delete_servers,
    same_shape,
    wait_for_server,
)

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

BOOT = ("--image", "tiny", "--flavor", "m1.tiny")
EPOCH = "2000-01-01T00:00:00Z"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(run: Run) -> Run:
    assert run.rc == 0, f"{run.args}: {run.err}"
    return run


class Boot:
    """Boots a server (on private unless told, waiting for it) with the real client, or with
    ostack (``by=clients.ostack``, with its --wait); returns how it shows. Each is unlocked
    (by the admin) and deleted at the end."""

    def __init__(self, clients: SideBySide) -> None:
        self.clients = clients
        self.made: list[tuple[str, str | None]] = []

    def __call__(self, name: str, *extra: str, cloud: str | None = "",
                 by: Callable[..., Run] | None = None) -> dict[str, Any]:
        clients = self.clients
        nic = () if "--nic" in extra else ("--nic", "net-id=private")
        if by is None or by == clients.openstack:
            # The real client's --wait polls every 5 s: create, then poll (SERVER_POLL).
            created = ok(clients.openstack("server", "create", *BOOT, *nic, *extra, name,
                                           "-f", "json", cloud=cloud)).json()
            self.made.append((created["id"], cloud))
            wait_for_server(clients, created["id"], ("ACTIVE", "ERROR"), cloud)
        else:
            done = by("server", "create", "--wait", *BOOT, *nic, *extra, name, "-f", "json",
                      cloud=cloud)
            # 1: the server is in ERROR (Error creating server: <name>)
            assert done.rc == 0 or done.err.endswith(f"Error creating server: {name}\n"), \
                done.err
        shown = ok(clients.openstack("server", "show", name, "-f", "json", cloud=cloud)).json()
        if (shown["id"], cloud) not in self.made:
            self.made.append((shown["id"], cloud))
        return shown

    def each(self, names: Sequence[str]) -> list[dict[str, Any]]:
        """Servers that do not depend on one another (the real client's, on private), booted
        at the same time; how each shows, in order."""
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            return list(pool.map(self, names))

    def remove_all(self) -> None:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda made: self.clients.ostack("server", "unlock", made[0]),
                          self.made))
        delete_servers(self.clients, self.made)


@pytest.fixture
def boot(clients: SideBySide) -> Iterator[Boot]:
    booter = Boot(clients)
    yield booter
    booter.remove_all()


@pytest.fixture
def cleanup(clients: SideBySide) -> Iterator[list[tuple[str, ...]]]:
    """Commands (run by ostack as admin) that remove what a test made."""
    undo: list[tuple[str, ...]] = []
    yield undo
    for args in reversed(undo):
        clients.ostack(*args)


# -- locks ------------------------------------------------------------------------------


def test_lock_and_unlock(clients: SideBySide, boot: Boot) -> None:
    names = (unique("lk-real"), unique("lk-mine"))
    boot.each(names)
    for name, run in zip(names, (clients.openstack, clients.ostack), strict=True):
        done = run("server", "lock", "--reason", "maintenance", name)
        assert (done.rc, done.out, done.err) == (0, "", "")
    for name in names:
        real, mine = clients.both("server", "show", name, "-f", "json", "-c", "locked", "-c",
                                  "locked_reason")
        assert_same(real, mine)
        assert mine.json() == {"locked": True, "locked_reason": "maintenance"}
    for flag in ("--locked", "--unlocked"):
        assert_same(*clients.both("server", "list", flag, "--name", "^lk-", "-f", "json"),
                    unordered=True)
    for name, run in zip(names, (clients.openstack, clients.ostack), strict=True):
        done = run("server", "unlock", name)
        assert (done.rc, done.out, done.err) == (0, "", "")
    assert_same(*clients.both("server", "show", names[1], "-f", "json", "-c", "locked"))
    assert_same(*clients.both("server", "lock", "nosuch"))


def test_a_member_is_refused_on_an_admins_lock(clients: SideBySide, boot: Boot) -> None:
    member = clients.member()
    name = unique("lk-demo")
    server = boot(name, "--nic", "none", cloud=member)  # demo sees no private network
    ok(clients.openstack("server", "lock", server["id"]))
    for args in (("server", "stop", name), ("server", "pause", name),
                 ("server", "set", "--property", "k=v", name),
                 ("server", "unlock", name)):
        real, mine = clients.both(*args, cloud=member)
        assert real.rc == 1, real.err
        assert_same(real, mine)


# -- instance actions -----------------------------------------------------------------


def test_event_list_and_show(clients: SideBySide, boot: Boot) -> None:
    names = (unique("ev-real"), unique("ev-mine"))
    boot.each(names)
    for name, run in zip(names, (clients.openstack, clients.ostack), strict=True):
        for verb in ("stop", "start", "lock", "unlock"):
            ok(run("server", verb, name))
    listed = []
    for name in names:
        for extra in ((), ("--long",), ("--limit", "2"), ("--changes-since", EPOCH),
                      ("--changes-before", EPOCH)):
            real, mine = clients.both("server", "event", "list", name, *extra, "-f", "json")
            assert_same(real, mine)
        listed.append(ok(clients.ostack("server", "event", "list", name, "-f", "json")).json())
        for action in listed[-1]:
            assert_same(*clients.both("server", "event", "show", name, action["Request ID"],
                                      "-f", "json"))
        assert_same(*clients.both("server", "event", "list", name, "--marker",
                                  listed[-1][0]["Request ID"], "-f", "json"))
    # The same actions, whichever client asked.
    assert [a["Action"] for a in listed[0]] == [a["Action"] for a in listed[1]] == [
        "unlock", "lock", "start", "stop", "create"]
    for args in (("server", "event", "list", names[0], "--marker", "req-nosuch"),
                 ("server", "event", "show", names[0], "req-nosuch"),
                 ("server", "event", "list", names[0], "--changes-since", "yesterday"),
                 ("server", "event", "list", "nosuch")):
        assert_same(*clients.both(*args))


def test_events_of_a_deleted_server(clients: SideBySide, boot: Boot) -> None:
    server = boot(unique("ev-gone"))
    _delete(clients, server["id"])
    real, mine = clients.both("server", "event", "list", server["id"], "-f", "json")
    assert_same(real, mine)
    assert [a["Action"] for a in mine.json()] == ["delete", "create"]


# -- server groups ----------------------------------------------------------------------


def test_server_group_lifecycle(clients: SideBySide, cleanup: list[tuple[str, ...]]) -> None:
    made = []
    for run in (clients.openstack, clients.ostack):
        name = unique("sg")
        cleanup.append(("server", "group", "delete", name))
        made.append(ok(run("server", "group", "create", "--policy", "anti-affinity", "--rule",
                           "max_server_per_host=2", name, "-f", "json")).json())
    same_shape(made[0], made[1], frozenset({"id", "name"}))
    assert made[1]["rules"] == {"max_server_per_host": 2}
    for group in made:
        assert_same(*clients.both("server", "group", "show", group["id"], "-f", "json"))
        assert_same(*clients.both("server", "group", "show", group["id"]))
    for extra in ((), ("--long",)):
        assert_same(*clients.both("server", "group", "list", *extra, "-f", "json"),
                    unordered=True)
    for args in (
        ("server", "group", "create", "--policy", "affinity", "--rule",
         "max_server_per_host=2", "x"),
        ("server", "group", "create", "--policy", "anti-affinity", "--rule", "foo=1", "x"),
        ("server", "group", "create", "--policy", "anti-affinity", "--rule",
         "max_server_per_host=0", "x"),
        ("server", "group", "create", " lead"),
        ("server", "group", "show", "nosuch"),
        ("server", "group", "delete", "nosuch", made[0]["name"] + "-nosuch"),
    ):
        assert_same(*clients.both(*args))
    for group, run in zip(made, (clients.openstack, clients.ostack), strict=True):
        done = run("server", "group", "delete", group["id"])
        assert (done.rc, done.out, done.err) == (0, "", "")


def test_a_groups_members_and_their_scheduling(clients: SideBySide, boot: Boot,
                                               cleanup: list[tuple[str, ...]]) -> None:
    """Each client boots two members of an anti-affinity group. On this cloud's one compute
    host the second cannot fit (or, where the scheduler lacks the group filter, neither is
    scheduled): both clients see the same servers, faults and events either way."""
    groups = []
    for run in (clients.openstack, clients.ostack):
        name = unique("aa")
        cleanup.append(("server", "group", "delete", name))
        groups.append(ok(run("server", "group", "create", "--policy", "anti-affinity", name,
                             "-f", "json")).json())
    shown = []
    for group, how in zip(groups, ("--hint", "--server-group"), strict=True):
        value = f"group={group['id']}" if how == "--hint" else group["name"]
        by = clients.openstack if how == "--hint" else clients.ostack
        first = boot(unique("aa-m1"), how, value, by=by)
        second = boot(unique("aa-m2"), how, value, by=by)
        shown.append((first, second))
        assert second["status"] == "ERROR"
        assert second["scheduler_hints"] == {"group": [group["id"]]}
    volatile = frozenset({"id", "name", "created", "updated", "OS-EXT-SRV-ATTR:hostname",
                          "OS-EXT-SRV-ATTR:instance_name", "OS-EXT-SRV-ATTR:reservation_id",
                          "OS-SRV-USG:launched_at", "addresses", "hostId", "scheduler_hints",
                          "fault"})
    same_shape(shown[0][1], shown[1][1], volatile)
    assert shown[0][1]["fault"]["message"] == shown[1][1]["fault"]["message"]
    for group in groups:
        real, mine = clients.both("server", "group", "show", group["id"], "-f", "json")
        assert_same(real, mine)
        assert len(mine.json()["members"]) == 2
    for first, second in shown:
        for server in (first, second):
            assert_same(*clients.both("server", "show", server["id"], "-f", "json"))
            assert_same(*clients.both("server", "event", "list", server["id"], "-f", "json"))


def test_hint_refusals(clients: SideBySide) -> None:
    for args in (("--hint", "group=abc"),
                 ("--hint", "group=11111111-2222-3333-4444-555555555555"),
                 ("--server-group", "nosuch")):
        assert_same(*clients.both("server", "create", *BOOT, "--nic", "none", *args,
                                  unique("never")))


# -- NICs ------------------------------------------------------------------------------


def test_add_and_remove_port_and_network(clients: SideBySide, boot: Boot,
                                         cleanup: list[tuple[str, ...]]) -> None:
    names = (unique("nic-real"), unique("nic-mine"))
    boot.each(names)
    ports = []
    for name, run in zip(names, (clients.openstack, clients.ostack), strict=True):
        port = unique("nic-port")
        cleanup.append(("port", "delete", port))
        ok(clients.openstack("port", "create", "--network", "private", port))
        ports.append(port)
        for args in (("server", "add", "port", name, port),
                     ("server", "add", "network", name, "private")):
            done = run(*args)
            assert (done.rc, done.out, done.err) == (0, "", "")
    volatile = frozenset({"id", "name", "mac_address", "fixed_ips", "device_id",
                          "created_at", "updated_at", "revision_number", "status",
                          "binding_vif_details", "dns_assignment"})
    shown = [ok(clients.ostack("port", "show", p, "-f", "json")).json() for p in ports]
    same_shape(shown[0], shown[1], volatile)
    assert shown[1]["device_owner"] == "compute:nova"
    for name in names:
        real, mine = clients.both("server", "show", name, "-f", "json", "-c", "addresses",
                                  "-c", "security_groups")
        assert_same(real, mine)
        assert len(mine.json()["addresses"]["private"]) == 3
    for name, port, run in zip(names, ports, (clients.openstack, clients.ostack), strict=True):
        for args in (("server", "remove", "port", name, port),
                     ("server", "remove", "network", name, "private")):
            done = run(*args)
            assert (done.rc, done.out, done.err) == (0, "", "")
    kept = [ok(clients.ostack("port", "show", p, "-f", "json")).json() for p in ports]
    same_shape(kept[0], kept[1], volatile)
    assert (kept[1]["device_id"], kept[1]["device_owner"]) == ("", "")
    for name in names:
        assert_same(*clients.both("server", "show", name, "-f", "json", "-c", "addresses"))
        assert_same(*clients.both("server", "event", "list", name, "-f", "json", "-c",
                                  "Action"))


def test_add_fixed_ip_and_refusals(clients: SideBySide, boot: Boot) -> None:
    names = (unique("fip-real"), unique("fip-mine"))
    made = boot.each(names)
    answers = [ok(run("server", "add", "fixed", "ip", name, "private", "-f", "json")).json()
               for name, run in zip(names, (clients.openstack, clients.ostack), strict=True)]
    same_shape(answers[0], answers[1],
               frozenset({"Port ID", "Server ID", "MAC Address", "Fixed IPs"}))
    assert answers[1]["Server ID"] == made[1]["id"]
    taken = made[0]["addresses"]["private"][0]
    for args in (
        ("server", "add", "fixed", "ip", "--fixed-ip-address", taken, names[0], "private"),
        ("server", "add", "fixed", "ip", "--fixed-ip-address", "10.9.9.9", names[0],
         "private"),
        ("server", "add", "network", names[0], "nosuch"),
        ("server", "add", "port", names[0], "nosuch"),
        ("server", "remove", "fixed", "ip", names[0], taken),
    ):
        assert_same(*clients.both(*args))


def test_a_port_in_use_and_a_suspended_server(clients: SideBySide, boot: Boot) -> None:
    first, second = boot.each((unique("use-a"), unique("use-b")))
    port = ok(clients.ostack("port", "list", "--server", first["id"], "-f", "value", "-c",
                             "ID")).out.split()[0]
    assert_same(*clients.both("server", "add", "port", second["id"], port))
    ok(clients.openstack("server", "suspend", second["id"]))
    for args in (("server", "add", "network", second["id"], "private"),
                 ("server", "remove", "port", second["id"], port)):
        _wait_status(clients, second["id"], "SUSPENDED")
        assert_same(*clients.both(*args))


def _wait_status(clients: SideBySide, server_id: str, status: str) -> None:
    wait_for_server(clients, server_id, (status,))


def _delete(clients: SideBySide, server_id: str) -> None:
    """The real client deletes; then wait (its own --wait polls every 5 s) until it is gone."""
    done = clients.openstack("server", "delete", server_id)
    assert (done.rc, done.out, done.err) == (0, "", ""), done.err
    wait_for_server(clients, server_id, (None,))


# -- tags and server list ---------------------------------------------------------------


def test_tags(clients: SideBySide, boot: Boot) -> None:
    names = (unique("tg-real"), unique("tg-mine"))
    boot.each(names)
    for name, run in zip(names, (clients.openstack, clients.ostack), strict=True):
        for args in (("set", "--tag", "t1", "--tag", "t2"), ("unset", "--tag", "t2"),
                     ("set", "--tag", "t3"), ("unset", "--all-tags"), ("set", "--tag", "t4")):
            done = run("server", *args, name)
            assert (done.rc, done.out, done.err) == (0, "", "")
        assert_same(*clients.both("server", "show", name, "-f", "json", "-c", "tags"))
    for filters in (("--tags", "t4"), ("--not-tags", "t4"), ("--tags", "t4", "--tags", "t1")):
        assert_same(*clients.both("server", "list", "--name", "^tg-", *filters, "-f", "json"),
                    unordered=True)
    for refused in (("set", "--tag", "x" * 61), ("set", "--tag", "a,b"),
                    ("unset", "--tag", "nosuch")):
        assert_same(*clients.both("server", *refused, names[0]))


def test_list_filters(clients: SideBySide, boot: Boot) -> None:
    prefix = unique("lf")
    names = [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    made = boot.each(names)
    ok(clients.openstack("server", "stop", names[1]))
    _wait_status(clients, made[1]["id"], "SHUTOFF")
    _delete(clients, made[2]["id"])
    listing = ("server", "list", "--name", f"^{prefix}-")
    for extra in (
        ("--vm-state", "stopped"), ("--power-state", "running"), ("--status", "SHUTOFF"),
        ("--task-state", "spawning"), ("--key-name", "nosuch"), ("--config-drive",),
        ("--no-config-drive",), ("--progress", "100"), ("--availability-zone", "nova"),
        ("--changes-since", EPOCH), ("--changes-before", EPOCH),
        ("--changes-since", "2999-01-01"), ("--deleted",), ("--deleted", "--changes-since",
                                                          EPOCH),
        ("--limit", "1"), ("--max-items", "1"), ("--marker", names[1]),
        ("-c", "ID", "-c", "Created At", "-c", "Security Groups", "-c", "Power State"),
        ("--long",),
    ):
        assert_same(*clients.both(*listing, *extra, "-f", "json"), unordered=True)
    gone = ok(clients.ostack(*listing, "--deleted", "-f", "json")).json()
    assert [s["Name"] for s in gone] == [names[2]]
    assert_same(*clients.both(*listing, "--deleted", "--marker", gone[0]["ID"], "-f", "json"))
    refusals: tuple[tuple[str, ...], ...] = (
        ("--marker", "nosuch"), ("--changes-since", "bogus"), ("--progress", "0"),
        ("--locked", "--unlocked"))
    for refused in refusals:
        real, mine = clients.both(*listing, *refused)
        assert mine.rc == real.rc != 0
        if real.rc == 1:
            assert_same(real, mine)


# -- config drive -----------------------------------------------------------------------


def test_a_config_drive_only_when_asked_for(clients: SideBySide, boot: Boot) -> None:
    # The real client passes true/1 as True and drops false/0/none; Nova's schema judges any
    # other value (its own boolean spellings, or a 400 for a volume's name).
    for value in ("yes", "none"):
        real, mine = unique("cd-real"), unique("cd-mine")
        shown = boot(real, "--config-drive", value)["config_drive"]
        assert shown == ("True" if value == "yes" else "")
        assert boot(mine, "--config-drive", value, by=clients.ostack)["config_drive"] == shown
    name = unique("cd-bad")
    assert_same(*clients.both("server", "create", *BOOT, "--nic", "net-id=private",
                              "--config-drive", "myvol", name))
