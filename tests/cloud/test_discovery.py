"""The discovery commands against a real cloud, side by side with the real client: versions,
extensions, limits, availability zones, quota list, module/command list and configuration."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cloud.conftest import Run, SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

# Keys of the real client's configuration that come from its own option parser and plugins
# (osc-lib's user agent, --timing, --os-beta-command, manilaclient's share API version),
# which ostack has not.
REAL_CLIENT_ONLY = frozenset({"additional_user_agent", "beta_command", "timing",
                              "share_api_version"})


def who(clients: SideBySide, role: str) -> str:
    return clients.member() if role == "member" else clients.target.admin


READS = [
    ("versions", "show"),
    ("versions", "show", "--all-interfaces"),
    ("versions", "show", "--service", "network"),
    ("versions", "show", "--service", "volume"),
    ("versions", "show", "--service", "nosuch"),
    ("versions", "show", "--status", "current"),
    ("versions", "show", "--interface", "internal", "--service", "compute"),
    ("versions", "show", "--region-name", "nosuch"),
    ("extension", "list"),
    ("extension", "list", "--long"),
    ("extension", "list", "--compute", "--long"),
    ("extension", "list", "--network"),
    ("extension", "list", "--volume", "--long"),
    ("extension", "list", "--identity"),
    ("extension", "show", "router"),
    ("extension", "show", "Neutron L3 Router"),
    ("extension", "show", "nosuch"),
    ("extension", "show", "OS-DCF"),
    ("limits", "show", "--absolute"),
    ("limits", "show", "--absolute", "--reserved"),
    ("limits", "show", "--rate"),
    ("limits", "show", "--absolute", "--project", "admin"),
    ("limits", "show", "--absolute", "--project", "demo", "--project-domain", "Default"),
    ("limits", "show", "--absolute", "--project", "nosuch"),
    ("availability", "zone", "list"),
    ("availability", "zone", "list", "--compute"),
    ("availability", "zone", "list", "--network"),
    ("availability", "zone", "list", "--volume", "--long"),
]
# What a member sees differently: policy refusals and fallbacks (the rest is the same for all).
MEMBER_READS = [
    ("versions", "show", "--service", "compute"),
    ("extension", "list", "--network", "--long"),
    ("extension", "show", "router"),
    ("limits", "show", "--absolute"),
    ("limits", "show", "--absolute", "--project", "admin"),
    ("limits", "show", "--absolute", "--project", "demo"),
    ("limits", "show", "--absolute", "--project", "nosuch", "--project-domain", "Default"),
    ("availability", "zone", "list"),
]


@pytest.mark.parametrize(("role", "args"), [
    *(("admin", args) for args in READS), *(("member", args) for args in MEMBER_READS),
])
def test_json(clients: SideBySide, role: str, args: tuple[str, ...]) -> None:
    real, mine = clients.both(*args, "-f", "json", cloud=who(clients, role))
    assert_same(real, mine)
    assert mine.err == real.err


@pytest.mark.parametrize("role", ["admin", "member"])
def test_zones_long(clients: SideBySide, role: str) -> None:
    # A service's status carries its last heartbeat, which may move between the two runs.
    real, mine = clients.both("availability", "zone", "list", "--long", "-f", "json",
                              cloud=who(clients, role))
    assert_same(real, mine, volatile=("Service Status",))
    for theirs, ours in zip(real.json(), mine.json(), strict=True):
        assert ours["Service Status"].split()[:2] == theirs["Service Status"].split()[:2]


@pytest.mark.parametrize("args", [
    ("versions", "show", "--service", "network", "-f", "value", "-c", "Version"),
    ("versions", "show", "--service", "compute", "-f", "csv"),
    ("versions", "show", "--service", "image", "--status", "CURRENT"),
    ("extension", "list", "--network", "--long", "-f", "value"),
    ("extension", "show", "router", "-f", "shell"),
    ("extension", "show", "router"),
    ("limits", "show", "--absolute"),
    ("limits", "show", "--rate", "--print-empty"),
    ("availability", "zone", "list", "--share"),
    ("availability", "zone", "list", "--network", "--long"),
])
def test_text(clients: SideBySide, args: tuple[str, ...]) -> None:
    real, mine = clients.both(*args)
    assert (mine.rc, mine.out, mine.err) == (real.rc, real.out, real.err)


@pytest.mark.parametrize("args", [
    ("limits", "show"),
    ("limits", "show", "--absolute", "--rate"),
    ("quota", "list"),
    ("quota", "list", "--compute", "--volume"),
    ("versions", "show", "--all-interfaces", "--interface", "internal"),
])
def test_usage_errors(clients: SideBySide, args: tuple[str, ...]) -> None:
    real, mine = clients.both(*args)
    assert (mine.rc, mine.out) == (real.rc, real.out) == (2, "")
    assert mine.err.splitlines()[-1].split(": ", 1)[1] == real.err.splitlines()[-1].split(
        ": ", 1)[1]


@pytest.fixture
def quota_project(clients: SideBySide) -> Iterator[str]:
    """A project of this test's own, with quotas other than the defaults in every service."""
    name = f"disc-{uuid.uuid4().hex[:8]}"
    created = clients.openstack("project", "create", name, "-f", "value", "-c", "id")
    assert created.rc == 0, created.err
    project_id = created.out.strip()
    try:
        done = clients.openstack("quota", "set", "--cores", "3", "--ram", "1024",
                                 "--volumes", "4", "--networks", "7", "--routers", "2",
                                 project_id)
        assert done.rc == 0, done.err
        yield project_id
    finally:
        clients.openstack("quota", "delete", project_id)
        clients.openstack("project", "delete", project_id)


def rows_of(run: Run, project_id: str) -> list[dict[str, Any]]:
    assert run.rc == 0, run.err
    return [row for row in run.json() if row["Project ID"] == project_id]


@pytest.mark.parametrize("service", ["compute", "network", "volume"])
def test_quota_list(clients: SideBySide, quota_project: str, service: str) -> None:
    # Only this test's project is compared: others may change the other projects meanwhile.
    real, mine = clients.both("quota", "list", f"--{service}", "-f", "json")
    assert rows_of(mine, quota_project) == rows_of(real, quota_project) != []


def test_quota_list_as_member(clients: SideBySide) -> None:
    # Listing every project is for admins: Keystone's 403, both sides.
    real, mine = clients.both("quota", "list", "--network", cloud=clients.member())
    assert_same(real, mine)
    assert mine.rc == 1


@pytest.mark.parametrize("role", ["admin", "member"])
def test_configuration(clients: SideBySide, role: str) -> None:
    cloud = who(clients, role)
    real, mine = clients.both("configuration", "show", "-f", "json", cloud=cloud)
    assert (mine.rc, real.rc) == (0, 0), mine.err
    theirs = {k: v for k, v in real.json().items() if k not in REAL_CLIENT_ONLY}
    assert mine.json() == theirs
    assert mine.json()["auth.password"] == "<redacted>"
    real, mine = clients.both("configuration", "show", "--unmask", "-f", "json", cloud=cloud)
    assert mine.json()["auth.password"] == real.json()["auth.password"] != "<redacted>"
    if role == "admin" and clients.target.password:
        assert mine.json()["auth.password"] == clients.target.password


def test_module_list(clients: SideBySide) -> None:
    real, mine = clients.both("module", "list", "-f", "json")
    ours = mine.json()
    # The same SDK; the client itself is ostack.
    assert ours["openstack"] == real.json()["openstack"]
    assert "ostack_cli" in ours


def test_command_groups_are_the_real_clients(clients: SideBySide) -> None:
    real, mine = clients.both("command", "list", "-f", "json")
    theirs = {command: row["Command Group"] for row in real.json()
              for command in row["Commands"]}
    ours = {command: row["Command Group"] for row in mine.json() for command in row["Commands"]}
    shared = set(ours) & set(theirs)
    assert {c: ours[c] for c in shared} == {c: theirs[c] for c in shared}
    # ostack's own commands only are outside the real client's groups.
    assert set(ours) - set(theirs) == {c for c, g in ours.items() if g == "ostack.cli"}
