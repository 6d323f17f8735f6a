"""Address scopes and network RBAC policies: ostack's cloud backend and the real client side
by side on realstack (one call pair each, and its clean-up)."""

from __future__ import annotations

import uuid

import pytest

from tests.cloud.conftest import Run, SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(run: Run) -> Run:
    assert run.rc == 0, f"{run.args}: {run.err}"
    return run


def test_address_scope_create(clients: SideBySide) -> None:
    names = [unique("as-a"), unique("as-b")]
    try:
        theirs = clients.openstack("address", "scope", "create", "--ip-version", "6",
                                   "--share", names[0], "-f", "json")
        ours = clients.ostack("address", "scope", "create", "--ip-version", "6", "--share",
                              names[1], "-f", "json")
        assert_same(theirs, ours, volatile=("id", "name"))
        assert ours.json()["name"] == names[1]
    finally:
        for name in names:
            clients.ostack("address", "scope", "delete", name)


def test_network_rbac_create(clients: SideBySide) -> None:
    nets = [unique("rbac-a"), unique("rbac-b")]
    try:
        for net in nets:
            ok(clients.ostack("network", "create", net))
        theirs = clients.openstack("network", "rbac", "create", "--type", "network",
                                   "--action", "access_as_shared", "--target-project", "demo",
                                   nets[0], "-f", "json")
        ours = clients.ostack("network", "rbac", "create", "--type", "network", "--action",
                              "access_as_shared", "--target-project", "demo", nets[1],
                              "-f", "json")
        assert_same(theirs, ours, volatile=("id", "object_id"))
        mine = ours.json()["id"]
        listed = ok(clients.ostack("network", "rbac", "list", "--long", "-f", "json")).json()
        assert {"ID": mine, "Object Type": "network", "Object ID": ours.json()["object_id"],
                "Action": "access_as_shared"} in listed
    finally:
        for net in nets:
            clients.ostack("network", "delete", net)
