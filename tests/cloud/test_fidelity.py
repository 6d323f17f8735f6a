"""Output the real client prints from values only a real cloud has (quotas, ports, servers
built without --wait), against ostack's, side by side."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.cloud.conftest import Run, SideBySide, assert_same, same_shape

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

QUOTA_VARIANTS = [
    (), ("demo",), ("--default",), ("--usage",), ("--compute",), ("--network",),
    ("--usage", "--compute"), ("--usage", "--network"), ("--default", "--network"),
    ("--volume",), ("--volume", "--usage"), ("--volume", "--default"), ("demo", "--volume"),
]
# Every volume quota option of `quota set`, with a value unlike Cinder's defaults.
VOLUME_QUOTA_OPTIONS = (
    "--backups", "7", "--backup-gigabytes", "900", "--gigabytes", "800", "--groups", "4",
    "--per-volume-gigabytes", "50", "--snapshots", "9", "--volumes", "11",
)


@pytest.mark.parametrize("who", ["admin", "member"])
@pytest.mark.parametrize("args", QUOTA_VARIANTS, ids=lambda a: " ".join(a) or "plain")
def test_quota_show(clients: SideBySide, who: str, args: tuple[str, ...]) -> None:
    cloud = clients.member() if who == "member" else clients.target.admin
    # JSON and the table: the same rows, names, order and values.
    assert_same(*clients.both("quota", "show", *args, "-f", "json", cloud=cloud))
    real, mine = clients.both("quota", "show", *args, cloud=cloud)
    assert (mine.rc, mine.out, mine.err) == (real.rc, real.out, real.err)


def test_quota_show_volume(clients: SideBySide) -> None:
    # Against a cloud without Cinder both fail alike ("Service 'block-storage' is disabled
    # ..."; tests/unit/cloud/test_volume_quota.py); realstack has Cinder: Cinder's rows.
    real, mine = clients.both("quota", "show", "--volume")
    assert (mine.rc, mine.out, mine.err) == (real.rc, real.out, real.err)
    assert real.rc == 0, real.err
    assert "| volumes___DEFAULT__ " in real.out
    real, mine = clients.both("quota", "show", "-f", "json")
    assert_same(real, mine)
    assert {"volumes", "backup-gigabytes"} <= {row["Resource"] for row in real.json()}


@pytest.fixture
def demo_volume_quotas(clients: SideBySide) -> Iterator[None]:
    """Back to Cinder's defaults for project demo afterwards (ostack has no `quota delete`)."""
    yield
    reverted = clients.openstack("quota", "delete", "--volume", "demo")
    assert reverted.rc == 0, reverted.err


def volume_limits(clients: SideBySide) -> dict[str, int]:
    shown = clients.openstack("quota", "show", "demo", "--volume", "-f", "json")
    assert shown.rc == 0, shown.err
    return {row["Resource"]: row["Limit"] for row in shown.json()}


@pytest.mark.usefixtures("demo_volume_quotas")
def test_quota_set_volume_options(clients: SideBySide) -> None:
    done = clients.ostack("quota", "set", *VOLUME_QUOTA_OPTIONS, "demo")
    assert (done.rc, done.out, done.err) == (0, "", "")
    limits = volume_limits(clients)
    assert (limits["backups"], limits["backup-gigabytes"], limits["gigabytes"],
            limits["groups"], limits["per-volume-gigabytes"], limits["snapshots"],
            limits["volumes"]) == (7, 900, 800, 4, 50, 9, 11)
    # --volume-type: gigabytes, snapshots and volumes of that type; backups as without it.
    done = clients.ostack("quota", "set", "--volume-type", "__DEFAULT__", "--volumes", "5",
                          "--gigabytes", "40", "--snapshots", "3", "--backups", "6", "demo")
    assert (done.rc, done.out, done.err) == (0, "", "")
    limits = volume_limits(clients)
    assert (limits["volumes___DEFAULT__"], limits["gigabytes___DEFAULT__"],
            limits["snapshots___DEFAULT__"], limits["backups"], limits["volumes"]) == \
        (5, 40, 3, 6, 11)


@pytest.mark.usefixtures("demo_volume_quotas")
@pytest.mark.parametrize("args", [
    ("--volumes", "3", "--volume-type", "nosuch", "demo"),
    ("--gigabytes", "-5", "demo"),
    ("--volumes", "3", "nosuch"),
], ids=["unknown-type", "below-minus-one", "no-project"])
def test_quota_set_volume_errors(clients: SideBySide, args: tuple[str, ...]) -> None:
    real, mine = clients.both("quota", "set", *args)
    assert real.rc == 1
    assert_same(real, mine)


def test_quota_set_volume_as_member(clients: SideBySide) -> None:
    real, mine = clients.both("quota", "set", "--volumes", "3", "demo", cloud=clients.member())
    assert real.rc == 1
    assert_same(real, mine)


def test_every_port_shows_the_same(clients: SideBySide) -> None:
    ports = clients.ostack("port", "list", "-f", "json")
    assert ports.rc == 0, ports.err
    assert ports.json(), "realstack's router has ports"
    for port in ports.json():
        assert_same(*clients.both("port", "show", port["ID"], "-f", "json"))


@pytest.fixture
def building(clients: SideBySide) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        clients.ostack("server", "delete", "--wait", name)


def test_server_create_without_wait(clients: SideBySide, building: list[str]) -> None:
    """A server still building: the real client prints Nova's create answer, refreshed with
    the non-empty values only."""
    made: list[Run] = []
    for run in (clients.openstack, clients.ostack):
        name = f"bld-{uuid.uuid4().hex[:8]}"
        building.append(name)
        made.append(run("server", "create", "--image", "tiny", "--flavor", "m1.tiny", "--nic",
                        "net-id=private", name, "-f", "json"))
    assert made[0].rc == made[1].rc == 0, (made[0].err, made[1].err)
    theirs, ours = made[0].json(), made[1].json()
    # The build goes on meanwhile: what a later moment may already show is compared by type.
    moving = {"OS-EXT-STS:task_state", "OS-EXT-STS:vm_state", "OS-EXT-STS:power_state",
              "status", "addresses", "OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname",
              "OS-EXT-SRV-ATTR:instance_name", "hostId", "host_status", "OS-SRV-USG:launched_at",
              "progress"}
    for key in moving & set(theirs) & set(ours):
        if None in (theirs[key], ours[key]):
            theirs.pop(key)
            ours.pop(key)
    same_shape(theirs, ours, frozenset({
        "id", "name", "created", "updated", "adminPass", "OS-EXT-SRV-ATTR:hostname",
        "OS-EXT-SRV-ATTR:reservation_id", *moving}))
