"""The api tier: ``ostack api serve`` on a free loopback port, with a private store, driven
over HTTP, by the real python-openstackclient and by openstacksdk.

The ``api_server`` fixture (one per module) bootstraps a store under libvirt's test driver
(no host changes), starts the server as its own process, waits until it answers, and stops
it with SIGTERM at the end (killed if it does not stop), even when a test failed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

OSTACK = Path(sys.executable).with_name("ostack")
START_TIMEOUT = 30.0
HERE = Path(__file__).parent
# The latest microversion the local Nova serves (what openstacksdk negotiates).
NOVA_LATEST = {"OpenStack-API-Version": "compute 2.100"}


def _skip_reason() -> str | None:
    import importlib.util

    missing = [name for name in ("falcon", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        return f"api tier skipped: {', '.join(missing)} not installed (make setup)"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.api)
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class ApiServer:
    base_url: str
    home: Path
    env: dict[str, str]
    log_file: Path
    clouds_yaml: Path
    passwords: dict[str, str]
    process: subprocess.Popen[bytes]

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(self, method: str, path: str, *, token: str | None = None,
                json_body: Any = None, data: bytes | None = None,
                headers: dict[str, str] | None = None) -> requests.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["X-Auth-Token"] = token
        return requests.request(method, self.url(path), json=json_body, data=data,
                                headers=sent, timeout=30)

    def token(self, user: str = "admin", project: str | None = "admin",
              password: str | None = None) -> str:
        auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": "Default"},
            "password": password if password is not None else self.passwords[user]}}}}
        if project is not None:
            auth["scope"] = {"project": {"name": project, "domain": {"name": "Default"}}}
        answer = self.request("POST", "/v3/auth/tokens", json_body={"auth": auth})
        assert answer.status_code == 201, answer.text
        return answer.headers["X-Subject-Token"]

    def image(self, token: str, name: str = "cirros", data: bytes = b"\0" * 65536,
              **attrs: Any) -> str:
        """A raw image made and uploaded through Glance's API; its ID."""
        made = self.request("POST", "/image/v2/images", token=token, json_body={
            "name": name, "disk_format": "raw", "container_format": "bare", **attrs})
        assert made.status_code == 201, made.text
        image_id = str(made.json()["id"])
        uploaded = self.request("PUT", f"/image/v2/images/{image_id}/file", token=token,
                                data=data,
                                headers={"Content-Type": "application/octet-stream"})
        assert uploaded.status_code == 204, uploaded.text
        return image_id

    def ostack(self, *args: str) -> subprocess.CompletedProcess[str]:
        """ostack on the local backend, on the server's store."""
        env = {k: v for k, v in self.env.items() if not k.startswith("OS_")}
        return subprocess.run([str(OSTACK), *args], capture_output=True, text=True, env=env,
                              timeout=120, check=False)

    def records(self) -> list[tuple[Any, ...]]:
        """Every record in the store (a refused request must change none)."""
        conn = sqlite3.connect(self.home / "state.db")
        try:
            return sorted(conn.execute("SELECT kind, id, body FROM resources").fetchall())
        finally:
            conn.close()

    def log(self) -> str:
        return self.log_file.read_text()


def start_server(home: Path, *, extra_args: tuple[str, ...] = ()) -> ApiServer:
    port = free_port()
    clouds = home.parent / "clouds.yaml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OSTACK_HOME": str(home), "OSTACK_LIBVIRT_URI": "test:///default",
                "OSTACK_VIRT_TYPE": "qemu", "OSTACK_CLOUDS_YAML": str(clouds),
                "OSTACK_IMAGE_DIR": str(home.parent / "no-guest-image"),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    done = subprocess.run([str(OSTACK), "bootstrap", "-f", "json"], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    passwords = json.loads((home / "api-credentials.json").read_text())
    data = yaml.safe_load(clouds.read_text())
    for entry in data["clouds"].values():
        entry["auth"]["auth_url"] = f"http://127.0.0.1:{port}/v3"
    clouds.write_text(yaml.safe_dump(data))
    clouds.chmod(0o600)
    log_file = home.parent / "api.log"
    # The server also logs each request on stderr: to a file, as a pipe nobody reads fills
    # up (64 KiB) after a few hundred requests and then blocks the server.
    stderr_file = home.parent / "api.stderr"
    with stderr_file.open("wb") as stderr:
        process = subprocess.Popen(
            [str(OSTACK), "api", "serve", "--bind", f"127.0.0.1:{port}", "--log-file",
             str(log_file), *extra_args],
            env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    server = ApiServer(f"http://127.0.0.1:{port}", home, env, log_file, clouds, passwords,
                       process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"ostack api serve exited: {stderr_file.read_bytes()!r}")
        # The socket listens before the server has started: a first answer may take a while.
        with contextlib.suppress(requests.ConnectionError, requests.ReadTimeout):
            if requests.get(server.url("/"), timeout=2).status_code == 300:
                return server
        time.sleep(0.1)
    stop_server(server)
    raise AssertionError("ostack api serve did not answer in time")


def stop_server(server: ApiServer) -> int | None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)
    if server.process.stderr is not None:
        server.process.stderr.close()
    return server.process.returncode


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    home = tmp_path_factory.mktemp("api") / "home"
    server = start_server(home)
    try:
        yield server
    finally:
        stop_server(server)


def _osc_binary() -> Path | None:
    from tests.cloud.conftest import find_real_client

    binary, _ = find_real_client()
    return binary


@pytest.fixture(scope="session")
def real_openstack() -> Path:
    binary = _osc_binary()
    if binary is None:
        pytest.skip("python-openstackclient is not available")
    return binary
