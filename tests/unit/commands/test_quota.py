from __future__ import annotations

from tests.conftest import Runner


def test_show_defaults_in_the_real_clients_order(cli: Runner) -> None:
    rows = cli("quota", "show", "-f", "json").json()
    assert rows[:5] == [
        {"Resource": "cores", "Limit": 20},
        {"Resource": "injected-file-size", "Limit": 10240},
        {"Resource": "injected-path-size", "Limit": 255},
        {"Resource": "injected-files", "Limit": 5},
        {"Resource": "instances", "Limit": 10},
    ]
    assert {"Resource": "floating-ips", "Limit": 50} in rows


def test_set_is_per_project_and_prints_nothing(cli: Runner) -> None:
    result = cli("quota", "set", "--instances", "3", "--floating-ips", "2", "demo")
    assert (result.rc, result.out, result.err) == (0, "", "")
    demo = {r["Resource"]: r["Limit"] for r in cli("quota", "show", "demo", "-f", "json").json()}
    admin = {r["Resource"]: r["Limit"] for r in cli("quota", "show", "-f", "json").json()}
    assert (demo["instances"], demo["floating-ips"]) == (3, 2)
    assert (admin["instances"], admin["floating-ips"]) == (10, 50)
    defaults = cli("quota", "show", "demo", "--default", "-f", "json").json()
    assert {"Resource": "instances", "Limit": 10} in defaults


def test_usage_columns(cli: Runner) -> None:
    result = cli("quota", "show", "--usage", "--compute", "-f", "json").json()
    assert result[4] == {"Resource": "instances", "Limit": 10, "In Use": 0, "Reserved": 0}
    assert {"Resource": "key-pairs", "Limit": 100, "In Use": "N/A", "Reserved": 0} in result


def test_bad_values(cli: Runner, store_snapshot) -> None:  # type: ignore[no-untyped-def]
    cli("flavor", "list")
    before = store_snapshot()
    bad = cli("quota", "set", "--instances", "-5", "demo")
    assert bad.rc == 1
    assert "less than the minimum of -1" in bad.err
    assert cli("quota", "set", "--instances", "x", "demo").rc == 2
    assert cli("quota", "set", "--instances", "1", "nosuch").err.strip() == (
        "No Project found for nosuch")
    assert store_snapshot() == before
