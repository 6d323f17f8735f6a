"""Many ``ostack`` processes racing for the last unit of a Neutron quota: the check and the
insert share one IMMEDIATE transaction, so exactly one of them gets it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

OSTACK = Path(sys.executable).with_name("ostack")
RACERS = 6


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OSTACK_HOME"] = str(home)
    env["OSTACK_LIBVIRT_URI"] = "test:///default"
    env["OSTACK_IMAGE_DIR"] = str(home / "no-guest-image")
    return env


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(OSTACK), *args], env=_env(home), capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result


def _together(home: Path, commands: list[tuple[str, ...]]) -> list[tuple[int, str]]:
    """Start every command before waiting for any: (status, stderr) each."""
    procs = [subprocess.Popen([str(OSTACK), *cmd], env=_env(home), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for cmd in commands]
    return [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]


def _in_use(home: Path, row: str) -> int:
    rows = json.loads(_run(home, "quota", "show", "--usage", "--network", "-f", "json").stdout)
    return int(next(r["In Use"] for r in rows if r["Resource"] == row))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    if not OSTACK.exists():
        pytest.skip(f"{OSTACK} is not installed")
    home = tmp_path / "ostack-home"
    _run(home, "bootstrap")
    return home


COMMANDS: dict[str, Callable[[int], tuple[str, ...]]] = {
    "networks": lambda i: ("network", "create", f"n{i}"),
    "subnets": lambda i: ("subnet", "create", f"s{i}", "--network", "private",
                          "--subnet-range", f"10.9.{i}.0/24"),
    "ports": lambda i: ("port", "create", f"p{i}", "--network", "private"),
    "routers": lambda i: ("router", "create", f"r{i}"),
    "floating_ips": lambda i: ("floating", "ip", "create", "External"),
}


@pytest.mark.parametrize(("row", "option", "resource"), [
    ("networks", "--networks", "network"),
    ("subnets", "--subnets", "subnet"),
    ("ports", "--ports", "port"),
    ("routers", "--routers", "router"),
    ("floating_ips", "--floating-ips", "floatingip"),
])
def test_processes_racing_for_the_last_unit_get_exactly_one(
    home: Path, row: str, option: str, resource: str
) -> None:
    used = _in_use(home, row)
    _run(home, "quota", "set", option, str(used + 1), "admin")
    results = _together(home, [COMMANDS[row](i) for i in range(RACERS)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [0] + [1] * (RACERS - 1), [err for _, err in results]
    losers = {err for status, err in results if status}
    assert losers == {f"Quota exceeded for resources: ['{resource}'].\n"}
    assert _in_use(home, row) == used + 1
