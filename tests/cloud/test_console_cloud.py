"""``console url show`` with every console flag, ostack and the real client side by side.

realstack's Nova has no console proxies ([vnc], [spice] and [serial_console] disabled), so
the real client's answer there is each type's refusal (and the API's bare 400 for RDP);
ostack must print the same, as a member too, and for a server nobody has.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.cloud.conftest import SideBySide, assert_same, delete_servers, wait_for_server

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

FLAGS = ("", "--novnc", "--xvpvnc", "--spice", "--spice-direct", "--rdp", "--serial", "--mks")


@pytest.fixture(scope="module")
def server(clients: SideBySide) -> Iterator[str]:
    name = f"console-{uuid.uuid4().hex[:8]}"
    # The real client's --wait polls every 5 s: create, then poll (SERVER_POLL).
    created = clients.openstack("server", "create", "--image", "tiny", "--flavor",
                                "m1.tiny", "--nic", "net-id=private", name, "-f", "value",
                                "-c", "id")
    assert created.rc == 0, created.err
    assert wait_for_server(clients, created.out.strip(), ("ACTIVE", "ERROR")) == "ACTIVE"
    yield created.out.strip()
    delete_servers(clients, [(created.out.strip(), "")])


@pytest.mark.parametrize("flag", FLAGS)
def test_every_console_type(clients: SideBySide, server: str, flag: str) -> None:
    args = ("console", "url", "show", *((flag,) if flag else ()), server)
    real, mine = clients.both(*args)
    assert real.rc == 1, "realstack's Nova has a console proxy now: compare the URLs' form"
    assert_same(real, mine)
    real, mine = clients.both(*args, "-f", "json")
    assert_same(real, mine)


def test_by_name_and_a_server_that_does_not_exist(clients: SideBySide, server: str) -> None:
    name = clients.openstack("server", "show", server, "-f", "value", "-c", "name").out.strip()
    assert_same(*clients.both("console", "url", "show", "--serial", name))
    assert_same(*clients.both("console", "url", "show", "no-such-server"))


def test_a_member_meets_the_same_answers(clients: SideBySide) -> None:
    member = clients.member()
    name = f"console-member-{uuid.uuid4().hex[:8]}"
    created = clients.openstack("server", "create", "--image", "tiny", "--flavor",
                                "m1.tiny", "--nic", "none", name, "-f", "value", "-c", "id",
                                cloud=member)  # demo sees no private network
    assert created.rc == 0, created.err
    try:
        assert wait_for_server(clients, created.out.strip(), ("ACTIVE", "ERROR"),
                               member) == "ACTIVE"
        for flag in ("--novnc", "--serial", "--rdp"):
            assert_same(*clients.both("console", "url", "show", flag, name, cloud=member))
    finally:
        delete_servers(clients, [(created.out.strip(), member)])


def test_argument_errors(clients: SideBySide) -> None:
    real, mine = clients.both("console", "url", "show", "--novnc", "--serial", "x")
    assert (mine.rc, mine.out) == (real.rc, real.out) == (2, "")
    assert mine.err.splitlines()[-1] == real.err.splitlines()[-1].replace("openstack", "ostack")
