"""``application credential create|list|show|delete``: ostack's cloud backend and the real
client side by side against realstack's Keystone (each makes its own credential, so IDs,
names and secrets differ; everything else is compared)."""

from __future__ import annotations

import uuid

import pytest

from tests.cloud.conftest import SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

VOLATILE = ("ID", "Name", "Secret", "id")
RULES = '[{"method": "GET", "path": "/v2.1/servers", "service": "compute"}]'


def test_create_show_list_delete(clients: SideBySide) -> None:
    base = f"appcred-{uuid.uuid4().hex[:8]}"
    names = {"real": f"{base}-real", "mine": f"{base}-mine"}
    options = ("--role", "member", "--description", "side by side", "--unrestricted",
               "--expiration", "2099-01-01T00:00:00", "--access-rules", RULES, "-f", "json")
    try:
        real = clients.openstack("application", "credential", "create", names["real"],
                                 *options)
        mine = clients.ostack("application", "credential", "create", names["mine"], *options)
        assert_same(real, mine, volatile=VOLATILE)
        for fmt in (("-f", "json"), ("-f", "value", "-c", "Roles", "-c", "Unrestricted",
                                     "-c", "Expires At", "-c", "Description")):
            real = clients.openstack("application", "credential", "show", names["real"],
                                     *fmt)
            mine = clients.ostack("application", "credential", "show", names["mine"], *fmt)
            assert_same(real, mine, volatile=VOLATILE)
        listed = clients.both("application", "credential", "list", "-f", "json")
        assert_same(*listed, unordered=True)
        assert {names["real"], names["mine"]} <= {c["Name"] for c in listed[1].json()}
    finally:
        real = clients.openstack("application", "credential", "delete", names["real"],
                                 "missing-" + base)
        mine = clients.ostack("application", "credential", "delete", names["mine"],
                              "missing-" + base)
    assert_same(real, mine)
    assert mine.rc == 1 and mine.out == ""


def test_refusals(clients: SideBySide) -> None:
    for args in (("application", "credential", "show", "missing-appcred"),
                 ("application", "credential", "create", "x", "--role", "no-such-role"),
                 ("application", "credential", "create", "x", "--expiration", "2020-01-01"),
                 ("application", "credential", "create", "x", "--expiration",
                  "2020-01-01T00:00:00"),
                 ("application", "credential", "list", "--user", "admin")):
        cloud = clients.member() if args[-1] == "admin" else ""
        assert_same(*clients.both(*args, cloud=cloud))
