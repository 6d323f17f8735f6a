"""Security group rules created by many ``ostack`` processes at once.

Every process is the real command line, started together on one shared state directory: the
store's write lock and unique index, not luck, must keep the rules right.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# Dozens of processes: seconds, more on a loaded machine.
pytestmark = pytest.mark.slow

OSTACK = str(Path(sys.executable).with_name("ostack"))
CLEARED = ("OS_CLOUD", "OS_AUTH_URL", "OS_PROJECT_NAME", "OS_PROJECT_ID", "OS_USERNAME",
           "OS_PASSWORD", "OS_CLIENT_CONFIG_FILE")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env["OSTACK_HOME"] = str(home)
    return env


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OSTACK, *args], env=_env(home), capture_output=True, text=True,
                          timeout=120, check=False)


def _run_together(home: Path, commands: list[list[str]]) -> list[tuple[int, str, str]]:
    """Start every command before waiting for any; (status, stdout, stderr) each."""
    procs = [
        subprocess.Popen([OSTACK, *cmd], env=_env(home), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for cmd in commands
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out, err))
    return results


def _rules(home: Path, group: str) -> list[dict[str, Any]]:
    result = _run(home, "security", "group", "rule", "list", group, "-f", "json")
    assert result.returncode == 0, result.stderr
    rules: list[dict[str, Any]] = json.loads(result.stdout)
    return rules


def test_twenty_processes_add_twenty_rules(tmp_path: Path) -> None:
    home = tmp_path / "home"
    made = _run(home, "security", "group", "create", "web", "-f", "value", "-c", "id")
    assert made.returncode == 0, made.stderr
    group = made.stdout.strip()
    assert len(_rules(home, group)) == 2  # the group's own egress rules

    results = _run_together(home, [
        ["security", "group", "rule", "create", "--protocol", "tcp",
         "--dst-port", str(8000 + i), group, "-f", "value", "-c", "id"]
        for i in range(20)
    ])

    for status, _, err in results:
        assert "database is locked" not in err
        assert (status, err) == (0, "")
    ids = {out.strip() for _, out, _ in results}
    assert len(ids) == 20
    rules = _rules(home, group)
    assert len(rules) == 22
    assert sorted(r["Port Range"] for r in rules if r["IP Protocol"] == "tcp") == sorted(
        f"{8000 + i}:{8000 + i}" for i in range(20))
    assert ids <= {r["ID"] for r in rules}
    # Every rule was a revision of the group, none lost to a race.
    shown = _run(home, "security", "group", "show", group, "-f", "value", "-c",
                 "revision_number")
    assert shown.stdout.strip() == "21"


def test_ten_processes_racing_for_one_rule_make_one(tmp_path: Path) -> None:
    home = tmp_path / "home"
    made = _run(home, "security", "group", "create", "web", "-f", "value", "-c", "id")
    assert made.returncode == 0, made.stderr
    group = made.stdout.strip()

    results = _run_together(home, [
        ["security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
         "--remote-ip", "10.0.0.0/8", group, "-f", "value", "-c", "id"]
        for _ in range(10)
    ])

    winners = [out.strip() for status, out, _ in results if status == 0]
    losers = [err.strip() for status, _, err in results if status != 0]
    assert len(winners) == 1 and len(losers) == 9
    assert {status for status, _, _ in results} == {0, 1}
    assert set(losers) == {f"Security group rule already exists. Rule id is {winners[0]}."}
    tcp = [r for r in _rules(home, group) if r["IP Protocol"] == "tcp"]
    assert [r["ID"] for r in tcp] == winners


def test_first_commands_in_a_fresh_store_make_one_default_group(tmp_path: Path) -> None:
    home = tmp_path / "home"
    results = _run_together(home, [["security", "group", "list", "-f", "json"]] * 8)
    for status, _, err in results:
        assert (status, err) == (0, "")
    listed = {json.loads(out)[0]["ID"] for _, out, _ in results}
    assert len(listed) == 1
    rows = json.loads(_run(home, "security", "group", "list", "-f", "json").stdout)
    assert [(r["ID"], r["Name"]) for r in rows] == [(listed.pop(), "default")]
    assert len(_rules(home, "default")) == 4
