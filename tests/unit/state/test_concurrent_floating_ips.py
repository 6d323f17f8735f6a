"""Floating IPs claimed by many ``ostack`` processes at once: no address twice, none lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

OSTACK = Path(sys.executable).with_name("ostack")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OSTACK_HOME"] = str(home)
    env["CLIFF_MAX_TERM_WIDTH"] = "0"
    return env


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(OSTACK), *args], env=_env(home), capture_output=True, text=True,
                          timeout=120, check=False)


def _together(home: Path, argv: list[str], count: int) -> list[subprocess.CompletedProcess[str]]:
    """Start ``count`` processes before waiting for any of them."""
    procs = [
        subprocess.Popen([str(OSTACK), *argv], env=_env(home), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


@pytest.fixture
def home(tmp_path: Path) -> Path:
    if not OSTACK.exists():
        pytest.skip(f"{OSTACK} is not installed")
    home = tmp_path / "ostack-home"
    result = _run(home, "bootstrap")
    assert result.returncode == 0, result.stderr
    return home


@pytest.mark.slow
def test_twenty_processes_get_twenty_distinct_addresses(home: Path) -> None:
    results = _together(
        home, ["floating", "ip", "create", "External", "-f", "value", "-c", "floating_ip_address"],
        20,
    )
    assert [r.returncode for r in results] == [0] * 20, [r.stderr for r in results]
    addresses = [r.stdout.strip() for r in results]
    assert len(set(addresses)) == 20
    # The router's gateway port holds .2; the floating IPs are the next twenty.
    assert sorted(addresses, key=lambda a: int(a.rsplit(".", 1)[1])) == [
        f"192.168.61.{n}" for n in range(3, 23)]
    listed = json.loads(_run(home, "floating", "ip", "list", "-f", "json").stdout)
    assert sorted(row["Floating IP Address"] for row in listed) == sorted(addresses)


@pytest.mark.slow
def test_ten_processes_asking_for_one_address_one_wins(home: Path) -> None:
    results = _together(
        home, ["floating", "ip", "create", "External", "--floating-ip-address", "192.168.61.131",
               "-f", "value", "-c", "id"],
        10,
    )
    winners = [r for r in results if r.returncode == 0]
    losers = [r for r in results if r.returncode != 0]
    assert len(winners) == 1
    subnet = _run(home, "subnet", "show", "External-subnet", "-f", "value", "-c", "id")
    message = f"IP address 192.168.61.131 already allocated in subnet {subnet.stdout.strip()}\n"
    assert [(r.returncode, r.stderr) for r in losers] == [(1, message)] * 9
    listed = json.loads(_run(home, "floating", "ip", "list", "-f", "json").stdout)
    assert [(row["ID"], row["Floating IP Address"]) for row in listed] == [
        (winners[0].stdout.strip(), "192.168.61.131")]
