"""``ostack api serve`` (issue 10): requests per second, the real client through it, and the
API process's memory.

The server runs on a private store under libvirt's test driver (no host changes) on a free
loopback port, with ``SERVER_COUNT`` server records booted through Nova's API in one request
(``min_count``, ``networks: none``). Measured:

- ``GET /v2.1/servers/detail`` (all of them) and token issue (``POST /v3/auth/tokens``, a
  password scoped to a project), each as batches of sequential requests on one keep-alive
  connection: the row is milliseconds per request, the note requests per second;
- the real client's ``server list`` through the API beside its own ``--version`` (target:
  the API adds under 20%);
- the API process's resident memory after the load (target: under 80 MB), also in the
  ostack RSS column of the two request rows.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import realclient
from benchmarks.common import (
    AreaResult,
    Cell,
    Measurement,
    Row,
    Settings,
    Target,
    check,
    child_env,
    measure,
)

DESCRIPTION = "ostack api serve: servers/detail and token issue per second, the real " \
              "client's server list through it, the API process's RSS"

SERVER_COUNT = 100
NOVA_MAX_LIMIT = 1000  # Nova's osapi_max_limit: no page holds more
BATCH = 50  # requests per timed batch (one run)
QUICK_BATCH = 20
API_OVERHEAD_TARGET = 1.20  # real client's server list through the API / its --version
# The API's own time (its request log's durations) over the real client's wall time for one
# server list: what "the API adds" measures without the client's own work.
API_SHARE_TARGET = 0.20
SHARE_RUNS = 3
_LOGGED_DURATION = re.compile(r" (\d+(?:\.\d+)?)ms user=")
RSS_TARGET_MB = 80.0
START_TIMEOUT = 30.0
NOT_MEASURED = "n/a (real client only)"


def run(settings: Settings) -> AreaResult:
    try:
        import requests  # noqa: F401  (the client this area drives the API with)
    except ImportError:
        return _skipped("requests is not installed")
    import importlib.util

    if importlib.util.find_spec("falcon") is None or importlib.util.find_spec("uvicorn") is None:
        return _skipped("the api extra is not installed (make setup)")
    base = settings.area_dir("api")
    with _api_server(settings, base) as api:
        return _measure(settings, api)


def _skipped(reason: str) -> AreaResult:
    result = AreaResult()
    result.notes.append(f"api: skipped: {reason}")
    return result


class _Api:
    def __init__(self, url: str, process: subprocess.Popen[bytes], passwords: dict[str, str],
                 clouds: Path, env: dict[str, str], log: Path) -> None:
        import requests

        self.log = log
        self.url = url
        self.process = process
        self.passwords = passwords
        self.clouds = clouds
        self.env = env
        self.session = requests.Session()

    def auth_body(self) -> dict[str, Any]:
        return {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"name": "Default"},
                "password": self.passwords["admin"]}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}

    def token(self) -> tuple[str, str]:
        """A token and its project's ID."""
        answer = self.session.post(self.url + "/v3/auth/tokens", json=self.auth_body(),
                                   timeout=30)
        answer.raise_for_status()
        return answer.headers["X-Subject-Token"], answer.json()["token"]["project"]["id"]

    def rss_mb(self) -> tuple[float, float]:
        """The API process's resident memory now and at its peak (VmRSS, VmHWM)."""
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
        return fields["VmRSS"], fields["VmHWM"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _api_server(settings: Settings, base: Path) -> Iterator[_Api]:
    import requests
    import yaml

    home = base / "home"
    clouds = base / "clouds.yaml"
    port = _free_port()
    env = child_env(base / "user", settings, OSTACK_HOME=str(home),
                    OSTACK_LIBVIRT_URI="test:///default", OSTACK_VIRT_TYPE="qemu",
                    OSTACK_CLOUDS_YAML=str(clouds),
                    OSTACK_IMAGE_DIR=str(base / "no-guest-image"))
    ostack = str(settings.ostack)
    check([ostack, "bootstrap"], env)
    passwords = json.loads((home / "api-credentials.json").read_text())
    data = yaml.safe_load(clouds.read_text())
    for entry in data["clouds"].values():
        entry["auth"]["auth_url"] = f"http://127.0.0.1:{port}/v3"
    clouds.write_text(yaml.safe_dump(data))
    clouds.chmod(0o600)
    process = subprocess.Popen(
        [ostack, "api", "serve", "--bind", f"127.0.0.1:{port}", "--log-file",
         str(base / "api.log")], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"ostack api serve exited {process.returncode}")
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                if requests.get(url + "/", timeout=2).status_code == 300:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("ostack api serve did not answer in time")
            time.sleep(0.1)
        yield _Api(url, process, passwords, clouds, env, base / "api.log")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _boot_servers(api: _Api, token: str, project_id: str, count: int = SERVER_COUNT) -> None:
    """``count`` servers in one request, after lifting the project's Nova quota."""
    headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.100"}
    lifted = api.session.put(
        f"{api.url}/compute/v2.1/os-quota-sets/{project_id}", headers=headers, timeout=60,
        json={"quota_set": {"instances": -1, "cores": -1, "ram": -1}})
    lifted.raise_for_status()
    made = api.session.post(f"{api.url}/image/v2/images", headers=headers, timeout=60, json={
        "name": "bench", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})
    made.raise_for_status()
    image_id = made.json()["id"]
    api.session.put(f"{api.url}/image/v2/images/{image_id}/file", data=b"\0" * 65536,
                    headers={**headers, "Content-Type": "application/octet-stream"},
                    timeout=60).raise_for_status()
    booted = api.session.post(f"{api.url}/compute/v2.1/servers", headers=headers, timeout=600,
                              json={"server": {"name": "bench", "imageRef": image_id,
                                               "flavorRef": "1", "networks": "none",
                                               "min_count": count,
                                               "max_count": count}})
    booted.raise_for_status()
    listed = api.session.get(f"{api.url}/compute/v2.1/servers?limit={count + 1}",
                             headers=headers, timeout=60)
    booted_count = len(listed.json()["servers"])
    if booted_count != min(count, NOVA_MAX_LIMIT):
        raise RuntimeError(f"{booted_count} servers listed, not {count}")


def _batches(api: _Api, name: str, send: Any, runs: int, batch: int) -> Measurement:
    """``runs`` batches of ``batch`` sequential requests: milliseconds per request; the RSS
    column is the API process's peak after them (the client's is not what is measured)."""
    send()  # warm-up: connection, caches
    per_request: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(batch):
            send()
        per_request.append((time.perf_counter() - start) * 1000 / batch)
    _, peak_mb = api.rss_mb()
    return Measurement(argv=(name,), wall_ms=tuple(per_request),
                       cpu_ms=tuple(0.0 for _ in per_request),
                       max_rss_kb=(int(peak_mb * 1024),))


def _measure(settings: Settings, api: _Api) -> AreaResult:
    result = AreaResult()
    token, project_id = api.token()
    _boot_servers(api, token, project_id)
    batch = QUICK_BATCH if settings.quick else BATCH
    detail_url = f"{api.url}/compute/v2.1/servers/detail"
    headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.100"}

    def detail() -> None:
        answer = api.session.get(detail_url, headers=headers, timeout=60)
        answer.raise_for_status()

    body = api.auth_body()

    def issue() -> None:
        answer = api.session.post(api.url + "/v3/auth/tokens", json=body, timeout=60)
        answer.raise_for_status()

    servers = _batches(api, f"GET /v2.1/servers/detail ({SERVER_COUNT} servers)", detail,
                       settings.runs, batch)
    tokens = _batches(api, "POST /v3/auth/tokens", issue, settings.runs, batch)
    result.rows += [Row(f"GET /v2.1/servers/detail, {SERVER_COUNT} servers (ms per request)",
                        servers, "n/a"),
                    Row("POST /v3/auth/tokens (ms per request)", tokens, "n/a")]
    result.notes += [f"api: servers/detail: {1000 / servers.median_ms:.0f} requests/s",
                     f"api: token issue: {1000 / tokens.median_ms:.0f} requests/s"]

    real = _real_client(settings)
    if real.program is None:
        result.rows.append(Row("real client: server list through the API", NOT_MEASURED,
                               f"n/a ({real.reason})"))
    else:
        env = {**child_env(settings.area_dir("api") / "real-user", settings),
               "OS_CLIENT_CONFIG_FILE": str(api.clouds), "OS_CLOUD": "ostack"}
        cells = measure({"version": ([str(real.program), "--version"], env),
                         "server list": ([str(real.program), "server", "list"], env)},
                        runs=settings.runs, warmups=settings.warmups)
        result.rows += [Row("real client: --version", NOT_MEASURED, cells["version"]),
                        Row(f"real client: server list through the API ({SERVER_COUNT})",
                            NOT_MEASURED, cells["server list"])]
        result.targets.append(_overhead_target(cells["server list"], cells["version"]))
        result.targets.append(_share_target(api, [str(real.program), "server", "list"], env))

    rss, peak = api.rss_mb()
    result.notes.append(f"api: API process RSS {rss:.1f} MB (peak {peak:.1f} MB)")
    result.targets.append(Target(f"API process peak RSS under {RSS_TARGET_MB:.0f} MB",
                                 peak < RSS_TARGET_MB, f"{peak:.1f} MB"))
    return result


def _overhead_target(server_list: Cell, version: Cell) -> Target:
    description = (f"the real client's server list through the API within "
                   f"{API_OVERHEAD_TARGET:.0%} of its --version")
    if not isinstance(server_list, Measurement) or not isinstance(version, Measurement):
        return Target(description, None, "not both measured")
    share = server_list.median_ms / version.median_ms
    return Target(description, share <= API_OVERHEAD_TARGET,
                  f"{server_list.median_ms:.0f} ms vs {version.median_ms:.0f} ms "
                  f"({share:.2f}x)")


def _share_target(api: _Api, argv: list[str], env: dict[str, str]) -> Target:
    """The API's share of one command's wall time: the durations its request log gives for
    the requests that command made (median of SHARE_RUNS runs)."""
    shares, details = [], []
    for _ in range(SHARE_RUNS):
        before = api.log.stat().st_size
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True, timeout=120)
        wall_ms = (time.perf_counter() - start) * 1000
        logged = api.log.read_bytes()[before:].decode(errors="replace")
        served = [float(ms) for ms in _LOGGED_DURATION.findall(logged)]
        shares.append(sum(served) / wall_ms)
        details.append(f"{sum(served):.0f} ms in {len(served)} requests of {wall_ms:.0f} ms")
    share = sorted(shares)[len(shares) // 2]
    return Target(f"the API's own time under {API_SHARE_TARGET:.0%} of the real client's "
                  "server list through it (the request log's durations)",
                  share < API_SHARE_TARGET,
                  f"{share:.0%} (median of {SHARE_RUNS}: {'; '.join(details)})")


def _real_client(settings: Settings) -> realclient.RealClient:
    if not settings.real_client:
        return realclient.RealClient(None, "skipped with --no-real-client")
    return realclient.ensure(lambda message: print(f"bench: {message}", file=sys.stderr))
