"""The auth cache against a real Keystone: one token request for many commands, and a
revoked token replaced transparently.

Token requests are counted by a small HTTP proxy in front of Keystone: the cloud used here is
the admin cloud with its ``auth_url`` pointing at the proxy, which passes the Host header on,
so Keystone's version document sends the token request back through the proxy too.
"""

from __future__ import annotations

import http.client
import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cloud.conftest import CloudTarget, SideBySide

HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer",
                        "upgrade", "proxy-authorization", "proxy-authenticate"})


class CountingProxy:
    """Forwards everything to ``upstream`` (host, port) and counts token requests."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.token_requests = 0
        self.lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CountingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def count(self) -> int:
        with self.lock:
            return self.token_requests

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                if self.command == "POST" and self.path.split("?")[0].rstrip("/").endswith(
                        "/auth/tokens"):
                    with proxy.lock:
                        proxy.token_requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP_BY_HOP}
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=120)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    reply = upstream.getresponse()
                    data = reply.read()
                    self.send_response(reply.status, reply.reason)
                    for name, value in reply.getheaders():
                        if name.lower() not in HOP_BY_HOP | {"content-length"}:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    upstream.close()

            do_GET = do_POST = do_DELETE = do_HEAD = do_PATCH = do_PUT = _forward

        return Handler


@pytest.fixture(scope="module")
def keystone(cloud_target: CloudTarget) -> tuple[dict[str, Any], urllib.parse.SplitResult]:
    """The admin cloud's clouds.yaml entry and its parsed auth URL."""
    if cloud_target.config_file is None:
        pytest.skip("the auth cache tests need the cloud's clouds.yaml (OS_CLIENT_CONFIG_FILE)")
    clouds = yaml.safe_load(cloud_target.config_file.read_text())["clouds"]
    entry = dict(clouds[cloud_target.admin])
    url = urllib.parse.urlsplit(entry["auth"]["auth_url"])
    if url.scheme != "http" or url.hostname is None:
        pytest.skip("the counting proxy speaks plain HTTP only")
    return entry, url


@pytest.fixture
def proxied(keystone: tuple[dict[str, Any], urllib.parse.SplitResult], tmp_path: Path
            ) -> Iterator[tuple[SideBySide, CountingProxy]]:
    """ostack with a fresh state directory, against the admin cloud through the proxy."""
    entry, url = keystone
    assert url.hostname is not None
    with CountingProxy((url.hostname, url.port or 80)) as proxy:
        auth = dict(entry["auth"])
        auth["auth_url"] = urllib.parse.urlunsplit(
            url._replace(netloc=f"127.0.0.1:{proxy.port}"))
        config = tmp_path / "clouds.yaml"
        config.write_text(yaml.safe_dump({"clouds": {"proxied": {**entry, "auth": auth}}}))
        config.chmod(0o600)
        target = CloudTarget(config, "proxied", None, None)
        yield SideBySide(target, None, tmp_path / "ostack-home"), proxy


def revoke(keystone_url: urllib.parse.SplitResult, token: str) -> None:
    """DELETE /v3/auth/tokens straight at Keystone (a token may revoke itself)."""
    assert keystone_url.hostname is not None
    conn = http.client.HTTPConnection(keystone_url.hostname, keystone_url.port or 80,
                                      timeout=60)
    try:
        path = keystone_url.path.rstrip("/") + "/auth/tokens"
        conn.request("DELETE", path, headers={"X-Auth-Token": token, "X-Subject-Token": token})
        assert conn.getresponse().status == 204
    finally:
        conn.close()


def ok(run: Any) -> str:
    assert run.rc == 0, run.err
    return str(run.out)


def test_a_second_command_reuses_the_token(proxied: tuple[SideBySide, CountingProxy]) -> None:
    ostack, proxy = proxied
    first = ok(ostack.ostack("token", "issue", "-f", "value", "-c", "id")).strip()
    assert proxy.count() == 1
    for command in (("flavor", "list"), ("network", "list"), ("server", "list"),
                    ("project", "list")):
        ok(ostack.ostack(*command, "-f", "json"))
    second = ok(ostack.ostack("token", "issue", "-f", "value", "-c", "id")).strip()
    assert (proxy.count(), second) == (1, first)
    auth_dir = Path(ostack.env["OSTACK_HOME"]) / "auth"
    files = list(auth_dir.glob("*.json"))
    assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"


def test_a_revoked_token_falls_back_to_a_new_one(
    proxied: tuple[SideBySide, CountingProxy],
    keystone: tuple[dict[str, Any], urllib.parse.SplitResult],
) -> None:
    ostack, proxy = proxied
    first = ok(ostack.ostack("token", "issue", "-f", "value", "-c", "id")).strip()
    revoke(keystone[1], first)
    # Neutron has never seen this token: it asks Keystone, which refuses it (401); ostack
    # authenticates once more and repeats the request.
    listed = ostack.ostack("network", "list", "-f", "json")
    ok(listed)
    assert first not in listed.out + listed.err
    assert proxy.count() == 2
    second = ok(ostack.ostack("token", "issue", "-f", "value", "-c", "id")).strip()
    assert second != first
    ok(ostack.ostack("project", "list", "-f", "json"))
    assert proxy.count() == 2


def test_the_cache_can_be_turned_off(proxied: tuple[SideBySide, CountingProxy]) -> None:
    ostack, proxy = proxied
    ok(ostack.ostack("--os-auth-cache", "off", "flavor", "list"))
    ok(ostack.ostack("--os-auth-cache", "off", "flavor", "list"))
    assert proxy.count() == 2
    assert not list((Path(ostack.env["OSTACK_HOME"]) / "auth").glob("*.json"))
    ostack.env["OSTACK_AUTH_CACHE"] = "0"
    try:
        ok(ostack.ostack("flavor", "list"))
    finally:
        del ostack.env["OSTACK_AUTH_CACHE"]
    assert proxy.count() == 3
