"""``usage list`` and ``usage show`` on the local store, as the real client prints Nova's
simple tenant usage (openstackclient/compute/v2/usage.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Runner

COLUMNS = ["Project", "Servers", "RAM MB-Hours", "CPU Hours", "Disk GB-Hours"]


@pytest.fixture
def one_server(compute: Runner) -> Runner:
    created = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                      "--nic", "net-id=private", "u1")
    assert created.rc == 0, created.err
    return compute


def admin_project(cli: Runner) -> str:
    shown = cli("project", "show", "admin", "-f", "value", "-c", "id")
    assert shown.rc == 0, shown.err
    return shown.out.strip()


def test_usage_list_shows_a_row_per_project(one_server: Runner) -> None:
    listed = one_server("usage", "list", "-f", "json")
    assert listed.rc == 0, listed.err
    [row] = listed.json()
    assert list(row) == COLUMNS
    # Nova is asked with detailed=True, which it does not take for 1: no servers listed.
    assert row["Project"] == admin_project(one_server) and row["Servers"] is None
    assert row["RAM MB-Hours"] == pytest.approx(512 * row["CPU Hours"])
    assert row["Disk GB-Hours"] == pytest.approx(row["CPU Hours"])


def test_usage_list_table_has_the_period_line_and_project_names(one_server: Runner) -> None:
    listed = one_server("usage", "list", "--start", "2020-01-01", "--end", "2099-01-01")
    assert listed.rc == 0, listed.err
    first, *table = listed.out.splitlines()
    assert first == "Usage from 2020-01-01 to 2099-01-01: "
    [row] = [line for line in table if "admin" in line]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[0] == "admin" and cells[1] == ""
    assert all(len(cell.split(".")[1]) == 2 for cell in cells[2:])  # two decimals


def test_usage_list_of_an_empty_period_prints_no_line(one_server: Runner) -> None:
    listed = one_server("usage", "list", "--start", "2020-01-01", "--end", "2020-01-02")
    assert (listed.rc, listed.out) == (0, "\n")  # cliff's empty table, as the real client


def test_usage_show_details_the_projects_servers(one_server: Runner) -> None:
    shown = one_server("usage", "show", "-f", "json")
    assert shown.rc == 0, shown.err
    body = shown.json()
    assert list(body) == COLUMNS
    assert body["Project"] == admin_project(one_server)
    [server] = body["Servers"]
    assert list(server) == ["hours", "flavor", "instance_id", "name", "project_id",
                            "memory_mb", "local_gb", "vcpus", "started_at", "ended_at",
                            "state", "uptime", "id", "location"]
    assert (server["name"], server["flavor"], server["memory_mb"], server["state"]) == (
        "u1", "m1.tiny", 512, "active")
    assert body["CPU Hours"] == pytest.approx(server["hours"])


def test_usage_show_table_counts_servers(one_server: Runner) -> None:
    project = admin_project(one_server)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    shown = one_server("usage", "show", "--project", "admin", "--start", "2020-01-01")
    assert shown.rc == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0] == f"Usage from 2020-01-01 to {tomorrow} on project {project}: "
    assert any(line.startswith("| Servers ") and "| 1 " in line for line in lines)


def test_usage_show_of_an_empty_period(one_server: Runner) -> None:
    args = ("usage", "show", "--start", "2020-01-01", "--end", "2020-01-02")
    shown = one_server(*args, "-f", "json")
    assert shown.rc == 0, shown.err
    assert shown.json() == dict.fromkeys(COLUMNS)
    # The real client formats the missing totals with ".2f" in a table, and fails.
    table = one_server(*args)
    assert table.rc == 1
    assert table.err.strip().endswith(
        "unsupported format string passed to NoneType.__format__")


@pytest.mark.parametrize(("args", "message"), [
    (("--start", "bad"), "time data 'bad' does not match format '%Y-%m-%d'"),
    (("--end", "2020-01-01T00"), "unconverted data remains: T00"),
    (("--start", "2021-01-01", "--end", "2020-01-01"),
     "Invalid start time. The start time cannot occur after the end time."),
])
def test_usage_list_refuses_a_bad_period(compute: Runner, args: tuple[str, ...],
                                         message: str) -> None:
    refused = compute("usage", "list", *args)
    assert (refused.rc, refused.out) == (1, "")
    assert refused.err.strip() == message
