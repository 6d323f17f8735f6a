"""Volumes on this host: create (1 GiB) to available, live attach to a running guest and
detach, and boot from a volume to ACTIVE (real TCG guests).

Needs root, libvirtd and the test guest image (``make setup``); otherwise it says why not.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import AreaResult, Row, Settings, check, child_env, purge_store
from benchmarks.compute import _cell, _clean, _register_image, _unavailable

DESCRIPTION = "volume create (1 GiB), attach, detach, boot from volume (real TCG guests)"
RUNS, QUICK_RUNS = 5, 2
STATUS_TIMEOUT = 120.0


def run(settings: Settings) -> AreaResult:
    reason = _unavailable()
    if reason:
        return AreaResult(rows=[Row("volume create (1 GiB) -> available", reason)])
    base = Path(tempfile.mkdtemp(prefix="ostack-bench-"))
    base.chmod(0o755)  # QEMU must reach the host files
    home = base / "home"
    env = child_env(base / "user", settings, OSTACK_HOME=str(home))
    ostack = str(settings.ostack)
    try:
        _register_image(ostack, env)
        check([ostack, "network", "create", "private"], env)
        check([ostack, "subnet", "create", "--network", "private", "--subnet-range",
               "10.0.0.0/24", "private-subnet"], env)
        return _measure(settings, ostack, env)
    finally:
        _clean(ostack, env)
        # Boot-from-volume roots outlive their servers (no --delete-on-termination).
        listed = subprocess.run([ostack, "volume", "list", "-f", "value", "-c", "ID"], env=env,
                                capture_output=True, text=True, check=False).stdout.split()
        if listed:
            subprocess.run([ostack, "volume", "delete", *listed], env=env,
                           capture_output=True, check=False)
        left = purge_store(env, home)
        shutil.rmtree(base, ignore_errors=True)
        if left:
            print("bench: volume: left on the host after the purge: " + "; ".join(left),
                  file=sys.stderr)


def _measure(settings: Settings, ostack: str, env: dict[str, str]) -> AreaResult:
    runs = QUICK_RUNS if settings.quick else RUNS
    check([ostack, "server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
           "net-id=private", "--wait", "holder"], env)
    create, attach, detach, boot = [], [], [], []
    for i in range(runs):
        start = time.perf_counter()
        check([ostack, "volume", "create", "--size", "1", f"v{i}"], env)
        _wait_status(ostack, env, f"v{i}", "available")
        create.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        check([ostack, "server", "add", "volume", "holder", f"v{i}"], env)
        _wait_status(ostack, env, f"v{i}", "in-use")
        attach.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        check([ostack, "server", "remove", "volume", "holder", f"v{i}"], env)
        _wait_status(ostack, env, f"v{i}", "available")
        detach.append((time.perf_counter() - start) * 1000)
        check([ostack, "volume", "delete", f"v{i}"], env)
    for i in range(runs):
        start = time.perf_counter()
        check([ostack, "server", "create", "--image", "cirros", "--flavor", "m1.tiny",
               "--boot-from-volume", "1", "--nic", "net-id=private", "--wait", f"bfv{i}"], env)
        boot.append((time.perf_counter() - start) * 1000)
        check([ostack, "server", "delete", "--wait", f"bfv{i}"], env)
    no_rss = [0]
    rows = [
        Row("volume create (1 GiB) -> available", _cell("create", create, no_rss)),
        Row("server add volume -> in-use (live)", _cell("attach", attach, no_rss)),
        Row("server remove volume -> available (live)", _cell("detach", detach, no_rss)),
        Row("server create --boot-from-volume -> ACTIVE", _cell("boot", boot, no_rss)),
    ]
    return AreaResult(rows=rows)


def _wait_status(ostack: str, env: dict[str, str], volume: str, status: str) -> None:
    deadline = time.monotonic() + STATUS_TIMEOUT
    while time.monotonic() < deadline:
        shown = check([ostack, "volume", "show", volume, "-f", "value", "-c", "status"], env)
        if shown.stdout.strip() == status:
            return
        time.sleep(0.05)
    raise RuntimeError(f"volume {volume} never became {status}")
