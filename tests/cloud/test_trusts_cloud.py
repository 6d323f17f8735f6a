"""``trust create|delete`` and ``access rule show``: ostack's cloud backend and the real
client side by side against realstack's Keystone (each makes its own trust; everything but
the ID is compared)."""

from __future__ import annotations

import pytest

from tests.cloud.conftest import SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]


def test_trust_create_and_delete(clients: SideBySide) -> None:
    # No expiry: Keystone refuses a second trust with the same trustor, trustee, project,
    # impersonation and expiry (deleted ones included), unless the expiry is null.
    args = ("trust", "create", "--project", "admin", "--role", "member", "--impersonate",
            "admin", "demo", "-f", "json")
    real = clients.openstack(*args)
    mine = clients.ostack(*args)
    try:
        assert_same(real, mine, volatile=("id",))
    finally:
        made = [run.json()["id"] for run in (real, mine) if run.rc == 0]
        if made:
            done = clients.ostack("trust", "delete", *made)
            assert done.rc == 0 and done.out == "", done.err


def test_access_rule_show_missing(clients: SideBySide) -> None:
    assert_same(*clients.both("access", "rule", "show", "missing-access-rule"))
