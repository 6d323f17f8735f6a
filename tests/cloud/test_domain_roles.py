"""Roles on a domain (``role add/remove --domain``, ``role assignment list --domain``):
ostack's cloud backend and the real client side by side against realstack's Keystone, the
effective listing in Keystone's order (what the local backend copies: the direct
assignments, then the implied ones, the last assignment's first)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.cloud.conftest import SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]


@pytest.fixture
def domain_users(clients: SideBySide) -> Iterator[dict[str, str]]:
    """A user for each client, with the member role on project demo; removed even on
    failure (their assignments go with them)."""
    names = {"theirs": f"osc-dom-{uuid.uuid4().hex[:8]}",
             "ours": f"ostack-dom-{uuid.uuid4().hex[:8]}"}
    try:
        for name in names.values():
            assert clients.ostack("user", "create", name).rc == 0
            assert clients.ostack("role", "add", "--user", name, "--project", "demo",
                                  "member").rc == 0
        yield names
    finally:
        clients.ostack("user", "delete", *names.values())


def test_domain_roles(clients: SideBySide, domain_users: dict[str, str]) -> None:
    theirs, ours = domain_users["theirs"], domain_users["ours"]
    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        done = run("role", "add", "--domain", "default", "--user", name, "member")
        assert (done.rc, done.out, done.err) == (0, "", "")
    for args in (("--names",), ("--names", "--effective"), ()):
        real = clients.openstack("role", "assignment", "list", "--user", theirs, *args,
                                 "-f", "json")
        mine = clients.ostack("role", "assignment", "list", "--user", ours, *args, "-f",
                              "json")
        assert_same(real, mine, volatile=("User",))
    effective = clients.ostack("role", "assignment", "list", "--user", ours, "--names",
                               "--effective", "-f", "json").json()
    assert [(r["Role"], r["Project"], r["Domain"]) for r in effective] == [
        ("member", "demo@Default", ""), ("member", "", "Default"), ("reader", "", "Default"),
        ("reader", "demo@Default", "")]
    real = clients.openstack("role", "assignment", "list", "--domain", "default", "--user",
                             theirs, "--names", "-f", "json")
    mine = clients.ostack("role", "assignment", "list", "--domain", "default", "--user", ours,
                          "--names", "-f", "json")
    assert_same(real, mine, volatile=("User",))
    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        done = run("role", "remove", "--domain", "default", "--user", name, "member")
        assert (done.rc, done.out, done.err) == (0, "", "")
    assert_same(*clients.both("role", "assignment", "list", "--domain", "default", "--user",
                              ours, "-f", "json"))
