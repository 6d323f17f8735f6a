"""``network agent list|show`` through ostack's cloud backend and the real client side by
side on realstack, whose Neutron runs no agent (its ML2 driver needs none): empty lists, the
404 of an agent that is not there, and a member's view."""

from __future__ import annotations

import pytest

from tests.cloud.conftest import SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]


def test_network_agents(clients: SideBySide) -> None:
    for args in (("list",), ("list", "--agent-type", "dhcp"), ("list", "--host", "nowhere"),
                 ("list", "--network", "public"), ("list", "--network", "no-such-network"),
                 ("list", "--router", "no-such-router"), ("show", "no-such-agent")):
        assert_same(*clients.both("network", "agent", *args, "-f", "json"))
    member = clients.member()
    assert_same(*clients.both("network", "agent", "list", "-f", "json", cloud=member))
    assert_same(*clients.both("network", "agent", "show", "no-such-agent", cloud=member))
