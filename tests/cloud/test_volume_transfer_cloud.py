"""Volume transfers and Cinder's services side by side with the real client on realstack:
a member offers its volumes, the admin takes them (``volume transfer request create|list|
accept``), and ``volume service list``."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.cloud.conftest import Run, SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

VOLATILE = ("auth_key", "created_at", "id", "volume_id")


def ok(run: Run) -> Run:
    assert run.rc == 0, f"{run.args}: {run.err}"
    return run


def available_volume(clients: SideBySide, member: str, name: str) -> str:
    volume_id = ok(clients.openstack("volume", "create", "--size", "1", name, "-f", "value",
                                     "-c", "id", cloud=member)).out.strip()
    for _ in range(60):
        status = ok(clients.openstack("volume", "show", volume_id, "-f", "value", "-c",
                                      "status", cloud=member)).out.strip()
        if status == "available":
            return volume_id
        time.sleep(1)
    raise AssertionError(f"{name} stayed {status}")


def test_transfer_request_create_list_accept(clients: SideBySide) -> None:
    member = clients.member()
    suffix = uuid.uuid4().hex[:8]
    volumes = [available_volume(clients, member, f"offered-{n}-{suffix}") for n in (1, 2)]
    offered: list[dict[str, str]] = []
    try:
        real = ok(clients.openstack("volume", "transfer", "request", "create", "--name",
                                    f"t1-{suffix}", volumes[0], "-f", "json", cloud=member))
        mine = ok(clients.ostack("volume", "transfer", "request", "create", "--name",
                                 f"t2-{suffix}", volumes[1], "-f", "json", cloud=member))
        offered += [real.json(), mine.json()]
        assert_same(real, mine, volatile=(*VOLATILE, "name"))
        assert_same(*clients.both("volume", "transfer", "request", "list", "-f", "json",
                                  cloud=member))
        assert_same(*clients.both("volume", "transfer", "request", "show", f"t1-{suffix}",
                                  "-f", "json", cloud=member))
        # A wrong key, then the right one: the admin takes both volumes.
        assert_same(*clients.both("volume", "transfer", "request", "accept", "--auth-key",
                                  "0", offered[0]["id"], "-f", "json"))
        real = clients.openstack("volume", "transfer", "request", "accept", "--auth-key",
                                 offered[0]["auth_key"], offered[0]["id"], "-f", "json")
        mine = clients.ostack("volume", "transfer", "request", "accept", "--auth-key",
                              offered[1]["auth_key"], offered[1]["id"], "-f", "json")
        assert_same(real, mine, volatile=("id", "name", "volume_id"))
        assert_same(*clients.both("volume", "transfer", "request", "list", "-f", "json",
                                  cloud=member))
    finally:
        for transfer in offered:  # what a failure left offered
            clients.openstack("volume", "transfer", "request", "delete", transfer["id"],
                              cloud=member)
        for volume_id in volumes:
            for cloud in ("", member):
                if clients.openstack("volume", "delete", volume_id, cloud=cloud).rc == 0:
                    break


def test_volume_service_list(clients: SideBySide) -> None:
    assert_same(*clients.both("volume", "service", "list", "--long", "-f", "json"),
                volatile=("Updated At",))
    assert_same(*clients.both("volume", "service", "list", "--service", "cinder-volume",
                              "-f", "json"), volatile=("Updated At",))
