"""``usage list`` and ``usage show`` against realstack, ostack's cloud backend beside the real
client. Other tests boot and delete servers meanwhile and the hours grow between the two runs:
what the real client saw first ostack must see too, with the same fields."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cloud.conftest import SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

COLUMNS = ["Project", "Servers", "RAM MB-Hours", "CPU Hours", "Disk GB-Hours"]
# What a server's usage keeps once it was seen (hours, uptime, state and end move on).
SERVER_FIXED = ("flavor", "instance_id", "name", "project_id", "memory_mb", "local_gb",
                "vcpus", "started_at")


def _by_project(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["Project"]: row for row in rows}


def test_usage_list_and_show_match_the_real_client(clients: SideBySide) -> None:
    real, mine = clients.both("usage", "list", "-f", "json")
    assert (real.rc, mine.rc) == (0, 0), mine.err
    theirs, ours = _by_project(real.json()), _by_project(mine.json())
    assert set(theirs) <= set(ours)  # a project seen first is still in the period
    for project, row in theirs.items():
        assert list(ours[project]) == list(row) == COLUMNS
        assert ours[project]["Servers"] is row["Servers"] is None  # detailed=True is not 1
        assert all(type(ours[project][c]) is type(row[c]) for c in COLUMNS[2:])

    real, mine = clients.both("usage", "show", "-f", "json")
    assert (real.rc, mine.rc) == (0, 0), mine.err
    theirs_shown, ours_shown = real.json(), mine.json()
    assert list(ours_shown) == list(theirs_shown) == COLUMNS
    assert ours_shown["Project"] == theirs_shown["Project"]
    our_servers = {s["instance_id"]: s for s in ours_shown["Servers"] or []}
    for server in theirs_shown["Servers"] or []:
        ours_server = our_servers[server["instance_id"]]
        assert sorted(ours_server) == sorted(server)
        assert {k: ours_server[k] for k in SERVER_FIXED} == {k: server[k] for k in SERVER_FIXED}


def test_usage_of_a_backwards_period_is_novas_error(clients: SideBySide) -> None:
    real, mine = clients.both("usage", "list", "--start", "2021-01-01", "--end", "2020-01-01")
    assert real.rc == 1
    assert_same(real, mine)
