"""A tiny stand-in cloud on loopback: Keystone v3 (password auth) and Nova's flavor list.

Just enough of both APIs for keystoneauth and openstacksdk to authenticate, discover and list
flavors, with every request recorded, so that tests can count token requests and discovery
round trips and revoke tokens.
"""

from __future__ import annotations

import dataclasses
import datetime
import http.server
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PASSWORD = "s3cret-fake"
FLAVOR = {
    "id": "1", "name": "m1.tiny", "ram": 512, "disk": 1, "vcpus": 1, "swap": 0,
    "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False,
    "os-flavor-access:is_public": True, "rxtx_factor": 1.0, "description": None,
    "extra_specs": {}, "links": [],
}


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str | None


@dataclasses.dataclass
class FakeCloud:
    base: str = ""
    token_lifetime: datetime.timedelta = datetime.timedelta(hours=1)
    requests: list[Request] = dataclasses.field(default_factory=list)
    revoked: set[str] = dataclasses.field(default_factory=set)
    issued: list[str] = dataclasses.field(default_factory=list)
    _serial: Iterator[int] = dataclasses.field(default_factory=lambda: itertools.count(1))

    @property
    def auth_url(self) -> str:
        return f"{self.base}/identity/v3"

    def token_requests(self) -> int:
        return sum(1 for r in self.requests
                   if r.method == "POST" and r.path == "/identity/v3/auth/tokens")

    def discovery_requests(self) -> int:
        return sum(1 for r in self.requests
                   if r.method == "GET" and r.path in ("/identity/v3", "/compute/v2.1"))

    def cloud_entry(self, **extra: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "auth": {"auth_url": self.auth_url, "username": "admin", "password": PASSWORD,
                     "project_name": "admin", "user_domain_name": "Default",
                     "project_domain_name": "Default"},
            "region_name": "RegionOne", "identity_api_version": 3,
        }
        entry.update(extra)
        return entry

    def new_token(self) -> tuple[str, dict[str, Any]]:
        token = f"fake-token-{next(self._serial)}-do-not-log"
        self.issued.append(token)
        now = datetime.datetime.now(datetime.UTC)

        def stamp(when: datetime.datetime) -> str:
            return when.strftime("%Y-%m-%dT%H:%M:%S.000000Z")

        def endpoint(url: str) -> dict[str, str]:
            return {"id": url, "interface": "public", "region": "RegionOne",
                    "region_id": "RegionOne", "url": url}

        body = {"token": {
            "methods": ["password"], "issued_at": stamp(now),
            "expires_at": stamp(now + self.token_lifetime),
            "user": {"id": "u1", "name": "admin", "domain": {"id": "default", "name": "Default"},
                     "password_expires_at": None},
            "project": {"id": "p1", "name": "admin",
                        "domain": {"id": "default", "name": "Default"}},
            "roles": [{"id": "r1", "name": "admin"}],
            "catalog": [
                {"type": "identity", "name": "keystone", "id": "s1",
                 "endpoints": [endpoint(self.auth_url)]},
                {"type": "compute", "name": "nova", "id": "s2",
                 "endpoints": [endpoint(f"{self.base}/compute/v2.1")]},
            ],
        }}
        return token, body


def _handler(cloud: FakeCloud) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> str:
            path = self.path.split("?")[0].rstrip("/")
            cloud.requests.append(Request(self.command, path, self.headers.get("X-Auth-Token")))
            return path

        def _authorized(self) -> bool:
            token = self.headers.get("X-Auth-Token")
            if token in cloud.issued and token not in cloud.revoked:
                return True
            self._reply(401, {"error": {"code": 401, "title": "Unauthorized",
                                        "message": "The request you have made requires "
                                                   "authentication."}})
            return False

        def do_GET(self) -> None:
            path = self._record()
            if path == "/identity/v3":
                self._reply(200, {"version": {
                    "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                    "links": [{"rel": "self", "href": f"{cloud.auth_url}/"}],
                    "media-types": [{"base": "application/json",
                                     "type": "application/vnd.openstack.identity-v3+json"}],
                }})
            elif path == "/compute/v2.1":
                self._reply(200, {"version": {
                    "id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1",
                    "updated": "2013-07-23T11:33:21Z",
                    "links": [{"rel": "self", "href": f"{cloud.base}/compute/v2.1/"}],
                    "media-types": [{"base": "application/json",
                                     "type": "application/vnd.openstack.compute+json;version=2.1"}],
                }})
            elif path == "/compute/v2.1/flavors/detail":
                if self._authorized():
                    self._reply(200, {"flavors": [FLAVOR]})
            else:
                self._reply(404, {"itemNotFound": {"code": 404, "message": "Not found"}})

        def do_POST(self) -> None:
            path = self._record()
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            if path != "/identity/v3/auth/tokens":
                self._reply(404, {"error": {"code": 404}})
                return
            password = request["auth"]["identity"]["password"]["user"]["password"]
            if password != PASSWORD:
                self._reply(401, {"error": {"code": 401, "title": "Unauthorized",
                                            "message": "The request you have made requires "
                                                       "authentication."}})
                return
            token, body = cloud.new_token()
            self._reply(201, body, {"X-Subject-Token": token})

    return Handler


@contextmanager
def running(cloud: FakeCloud | None = None) -> Iterator[FakeCloud]:
    cloud = cloud or FakeCloud()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(cloud))
    cloud.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield cloud
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
