"""Listing at scale on the local backend: ``server list`` over 1,000 server records and
``port list`` over 5,000 ports (records only, in a store under libvirt's test driver, so
nothing touches the host), as a table and as ``-f value``.

The records are copies of one server made by the CLI (``benchmarks/scale_seed.py``): the same
shapes the store holds for real guests. Their guests do not exist in the test driver, so they
list as SHUTOFF, which costs the same to show as ACTIVE.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from benchmarks.common import (
    REPO,
    AreaResult,
    Measurement,
    Row,
    Settings,
    Target,
    check,
    child_env,
    measure,
    purge_store,
    venv_python,
)

DESCRIPTION = "server list (1,000 servers) and port list (5,000 ports), records only"
SERVERS, PORTS = 1000, 5000
RUNS, QUICK_RUNS = 7, 3
TARGETS_MS = {"server list": 300.0, "port list": 400.0}


def run(settings: Settings) -> AreaResult:
    base = Path(tempfile.mkdtemp(prefix="ostack-bench-scale-"))
    home = base / "home"
    env = child_env(base / "user", settings, OSTACK_HOME=str(home),
                    OSTACK_LIBVIRT_URI="test:///default", OSTACK_VIRT_TYPE="qemu",
                    OSTACK_IMAGE_DIR=str(base / "no-images"),
                    OSTACK_CLOUDS_YAML=str(base / "clouds.yaml"))
    try:
        return _measure(settings, base, env)
    finally:
        purge_store(env, home)  # its tag, before its directory goes
        shutil.rmtree(base, ignore_errors=True)


def _measure(settings: Settings, base: Path, env: dict[str, str]) -> AreaResult:
    ostack = str(settings.ostack)
    image = base / "disk.raw"
    image.write_bytes(b"\0" * 1024 * 1024)
    check([ostack, "network", "create", "private"], env)
    check([ostack, "subnet", "create", "--network", "private", "--subnet-range", "10.0.0.0/8",
           "private-subnet"], env)
    check([ostack, "image", "create", "--file", str(image), "--disk-format", "raw", "disk"], env)
    check([ostack, "server", "create", "--image", "disk", "--flavor", "m1.tiny", "--network",
           "private", "server-0"], env)
    check([venv_python(settings.ostack), "-m", "benchmarks.scale_seed", str(SERVERS), str(PORTS)],
          {**env, "PYTHONPATH": str(REPO)})
    runs = QUICK_RUNS if settings.quick else RUNS
    programs = {
        "server list": ([ostack, "server", "list"], env),
        "server list -f value": ([ostack, "server", "list", "-f", "value"], env),
        "port list": ([ostack, "port", "list"], env),
        "port list -f value": ([ostack, "port", "list", "-f", "value"], env),
    }
    cells = measure(programs, runs=runs, warmups=settings.warmups)
    result = AreaResult()
    for label, cell in cells.items():
        count = SERVERS if label.startswith("server") else PORTS
        result.rows.append(Row(f"{label} ({count:,} records)", cell))
    for label, limit in TARGETS_MS.items():
        count = SERVERS if label.startswith("server") else PORTS
        cell = cells[label]
        description = f"{label} with {count:,} records under {limit:.0f} ms"
        if isinstance(cell, Measurement):
            result.targets.append(Target(description, cell.median_ms < limit,
                                         f"median {cell.median_ms:.0f} ms"))
        else:
            result.targets.append(Target(description, None, cell))
    return result
