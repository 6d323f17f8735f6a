"""Volume backups side by side with the real client on realstack, which runs no
cinder-backup service: only what its Cinder answers without one (an empty list, a backup it
cannot find). Making a backup there would leave one in ``error`` that nothing can delete."""

from __future__ import annotations

import pytest

from tests.cloud.conftest import SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]


def test_volume_backup_list_long(clients: SideBySide) -> None:
    member = clients.member()
    real, mine = clients.both("volume", "backup", "list", "--long", "-f", "json", cloud=member)
    assert real.rc == 0 and real.json() == []
    assert_same(real, mine)


def test_volume_backup_show_missing(clients: SideBySide) -> None:
    real, mine = clients.both("volume", "backup", "show", "no-such-backup")
    assert real.rc == 1
    assert_same(real, mine)
