"""The dashboard tier: the real Horizon (``ostack dashboard serve``) over ``ostack api
serve``, driven in headless Chromium (Debian's ``chromium`` and ``chromium-driver``).

The ``dashboard`` fixture (one per module) starts the API as the api tier does (a private
store under libvirt's test driver, tests/api/conftest.py), uploads an image through Glance,
then starts the dashboard on a free loopback port and waits until its login page answers.
Both processes are stopped at the end (SIGTERM, then killed), even when a test failed; the
browser is quit by its context manager (``horizon.chromium``).

Horizon's venv is shared between runs (``$OSTACK_DASHBOARD_VENV``, by default
``/var/tmp/ostack-dashboard-venv``): the first run builds it (about a minute), later ones
reuse it while ``horizon-constraints.txt`` is unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.api.conftest import OSTACK, ApiServer, free_port, start_server, stop_server
from tests.dashboard.horizon import CHROMEDRIVER, CHROMIUM

HERE = Path(__file__).parent
DEFAULT_VENV = "/var/tmp/ostack-dashboard-venv"
# The first start builds Horizon's venv and its static files.
START_TIMEOUT = 900.0


def _skip_reason() -> str | None:
    import importlib.util

    missing = [name for name in ("falcon", "uvicorn", "selenium")
               if importlib.util.find_spec(name) is None]
    if missing:
        return f"dashboard tier skipped: {', '.join(missing)} not installed (make setup)"
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return "dashboard tier skipped: no chromium and chromium-driver (make setup)"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.dashboard)
            item.add_marker(pytest.mark.slow)
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))


def dashboard_env(api: ApiServer) -> dict[str, str]:
    env = dict(api.env)
    env["OSTACK_DASHBOARD_VENV"] = os.environ.get("OSTACK_DASHBOARD_VENV", DEFAULT_VENV)
    return env


@dataclasses.dataclass
class Dashboard:
    base_url: str
    api: ApiServer
    env: dict[str, str]
    log_file: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


def start_dashboard(api: ApiServer, log_file: Path) -> Dashboard:
    port = free_port()
    env = dashboard_env(api)
    with open(log_file, "ab") as log:
        process = subprocess.Popen(
            [str(OSTACK), "dashboard", "serve", "--bind", f"127.0.0.1:{port}", "--api",
             api.base_url.removeprefix("http://")],
            # Its own process group: gunicorn and its worker can be killed together.
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    dashboard = Dashboard(f"http://127.0.0.1:{port}", api, env, log_file, process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"ostack dashboard serve exited: {dashboard.log()[-2000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(dashboard.base_url + "/auth/login/", timeout=30).status_code == 200:
                return dashboard
        time.sleep(0.5)
    stop_dashboard(dashboard)
    raise AssertionError(f"ostack dashboard serve did not answer: {dashboard.log()[-2000:]}")


def stop_dashboard(dashboard: Dashboard) -> None:
    """gunicorn (the process ``ostack dashboard serve`` became) stops gracefully on SIGTERM;
    its worker follows it."""
    if dashboard.process.poll() is None:
        dashboard.process.send_signal(signal.SIGTERM)
        try:
            dashboard.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(dashboard.process.pid, signal.SIGKILL)
            dashboard.process.wait(timeout=10)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    root = tmp_path_factory.mktemp("dashboard")
    api = start_server(root / "home")
    try:
        api.image(api.token(), name="cirros", visibility="public")
        served = start_dashboard(api, root / "dashboard.log")
        try:
            yield served
        finally:
            stop_dashboard(served)
    finally:
        stop_server(api)
