"""``server list`` on a cloud with 2,000 servers (issue 13): ostack's cloud backend beside the
real client, both against the same OpenStack API.

The cloud is ``ostack api serve`` on a private store under libvirt's test driver (records
only, nothing on the host), holding ``SERVER_COUNT`` servers booted through Nova's API in
one request. Its Nova pages as Nova does (``osapi_max_limit`` 1,000), so a listing takes
several requests, which both clients follow. Measured, in turns, with ``-f value``:

- wall time and peak resident memory of each client's ``server list`` (target: ostack under
  twice the real client's memory);
- the time to the first row printed: ostack prints each page's rows before it asks for the
  next page, the real client reads every page first.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from benchmarks import api as api_area
from benchmarks import realclient
from benchmarks.common import (
    AreaResult,
    Measurement,
    Row,
    Settings,
    Target,
    child_env,
    measure,
    purge_store,
)

DESCRIPTION = "server list on a cloud of 2,000 servers (ostack api): memory and first row, " \
              "ostack's cloud backend beside the real client"

SERVER_COUNT = 2000
QUICK_SERVER_COUNT = 1200  # still more than one of Nova's pages
MEMORY_TARGET = 2.0  # ostack's peak RSS / the real client's
MAX_RUNS = 3


def run(settings: Settings) -> AreaResult:
    import importlib.util

    if importlib.util.find_spec("falcon") is None or importlib.util.find_spec("uvicorn") is None:
        return _note("skipped: the api extra is not installed (make setup)")
    real = (realclient.ensure(lambda message: print(f"bench: {message}"))
            if settings.real_client else realclient.RealClient(None, "--no-real-client"))
    if real.program is None:
        return _note(f"skipped: no real client ({real.reason})")
    base = settings.area_dir("cloudscale")
    count = QUICK_SERVER_COUNT if settings.quick else SERVER_COUNT
    api_env: dict[str, str] | None = None
    try:
        with api_area._api_server(settings, base) as api:
            api_env = api.env
            token, project_id = api.token()
            api_area._boot_servers(api, token, project_id, count)
            return _measure(settings, api, real.program, base, count)
    finally:
        if api_env is not None:
            purge_store(api_env, base / "home")


def _note(text: str) -> AreaResult:
    result = AreaResult()
    result.notes.append(f"cloudscale: {text}")
    return result


def _measure(settings: Settings, api: api_area._Api, real: Path, base: Path,
             count: int) -> AreaResult:
    result = AreaResult()
    clients = {
        "ostack": [str(settings.ostack), "server", "list", "-f", "value", "-c", "ID"],
        "real": [str(real), "server", "list", "-f", "value", "-c", "ID"],
    }
    envs = {name: {**child_env(base / f"{name}-user", settings),
                   "OS_CLIENT_CONFIG_FILE": str(api.clouds), "OS_CLOUD": "ostack",
                   "OSTACK_HOME": str(base / f"{name}-state")}
            for name in clients}
    # Each run lists thousands of servers for tens of seconds: a few runs show the memory.
    runs = min(settings.runs, MAX_RUNS)
    cells = measure({name: (argv, envs[name]) for name, argv in clients.items()},
                    runs=runs, warmups=1)
    result.rows.append(Row(f"server list -f value, {count} servers through ostack api",
                           cells["ostack"], cells["real"]))
    for name, argv in clients.items():
        result.notes.append(f"cloudscale: {name}: {_served(api, argv, envs[name])}")
    first = _first_rows(clients, envs, runs)
    result.rows.append(Row(f"server list -f value, {count} servers: time to the first row",
                           first["ostack"], first["real"]))
    description = (f"ostack's peak memory for server list of {count} servers under "
                   f"{MEMORY_TARGET:.0f}x the real client's")
    ours, theirs = cells["ostack"], cells["real"]
    if isinstance(ours, Measurement) and isinstance(theirs, Measurement):
        share = ours.peak_rss_mb / theirs.peak_rss_mb
        result.targets.append(Target(description, share < MEMORY_TARGET,
                                     f"{ours.peak_rss_mb:.1f} MB vs {theirs.peak_rss_mb:.1f} "
                                     f"MB ({share:.2f}x)"))
    else:
        result.targets.append(Target(description, None, "not both measured"))
    return result


def _served(api: api_area._Api, argv: list[str], env: dict[str, str]) -> str:
    """What the API's request log says one run asked of it."""
    before = api.log.stat().st_size
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, timeout=600)
    wall_ms = (time.perf_counter() - start) * 1000
    logged = api.log.read_bytes()[before:].decode(errors="replace")
    served = [float(ms) for ms in api_area._LOGGED_DURATION.findall(logged)]
    return (f"one run {wall_ms:.0f} ms, of which the API served {len(served)} requests in "
            f"{sum(served):.0f} ms (longest {max(served, default=0):.0f} ms)")


def _first_rows(clients: dict[str, list[str]], envs: dict[str, dict[str, str]],
                runs: int) -> dict[str, Measurement]:
    """Milliseconds from start to the first line on stdout, the clients in turns."""
    times: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(runs):
        for name, argv in clients.items():
            start = time.perf_counter()
            with subprocess.Popen(argv, env=envs[name], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL) as process:
                assert process.stdout is not None
                if not process.stdout.readline():
                    raise RuntimeError(f"{name}: server list printed nothing")
                times[name].append((time.perf_counter() - start) * 1000)
                process.stdout.read()
            if process.returncode != 0:
                raise RuntimeError(f"{name}: server list exited {process.returncode}")
    return {name: Measurement(argv=(*clients[name], "(first row)"), wall_ms=tuple(values),
                              cpu_ms=tuple(0.0 for _ in values), max_rss_kb=(0,))
            for name, values in times.items()}
