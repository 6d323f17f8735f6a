"""``server migration list`` on ostack's cloud backend and the real client side by side against
realstack: the same records and columns (2.80), and the same refusal for a member."""

from __future__ import annotations

import pytest

from tests.cloud.conftest import SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]


def test_server_migration_list(clients: SideBySide) -> None:
    real, mine = clients.both("server", "migration", "list", "--limit", "5", "-f", "json")
    assert real.rc == 0, real.err
    assert_same(real, mine)
    real, mine = clients.both("server", "migration", "list", cloud=clients.member())
    assert real.rc == 1
    assert_same(real, mine)
