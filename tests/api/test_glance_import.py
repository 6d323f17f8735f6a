"""Glance's interoperable import through ``ostack api serve``: ``GET /v2/info/import``,
``PUT /stage``, ``POST /import`` with Glance's body, answers and errors, and the real client's
``image stage``, ``image import`` (glance-direct, web-download) and ``image create --import``."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api.conftest import ApiServer, start_server, stop_server

IMAGES = "/image/v2/images"
OCTET = {"Content-Type": "application/octet-stream"}


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def web_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server the web-download imports fetch from."""
    root = tmp_path_factory.mktemp("www")

    def handler(*args: Any) -> _Files:
        return _Files(*args, directory=str(root))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory,
               web_root: tuple[str, Path]) -> Iterator[ApiServer]:
    # The server's Glance allows the web server's port (Glance's allowed_ports).
    port = web_root[0].rsplit(":", 1)[1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OSTACK_IMPORT_ALLOWED_PORTS", f"80,443,{port}")
        server = start_server(tmp_path_factory.mktemp("api") / "home")
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


def new_image(api_server: ApiServer, token: str, name: str) -> dict[str, Any]:
    made = api_server.request("POST", IMAGES, token=token, json_body={
        "name": name, "disk_format": "raw", "container_format": "bare"})
    assert made.status_code == 201, made.text
    assert made.headers["OpenStack-image-import-methods"] == "glance-direct,web-download"
    body: dict[str, Any] = made.json()
    return body


def shown(api_server: ApiServer, token: str, image_id: str) -> dict[str, Any]:
    body: dict[str, Any] = api_server.request("GET", f"{IMAGES}/{image_id}",
                                              token=token).json()
    return body


def do_import(api_server: ApiServer, token: str, image_id: str,
              body: Any) -> requests.Response:
    return api_server.request("POST", f"{IMAGES}/{image_id}/import", token=token,
                              json_body=body, headers={"Accept": "application/json"})


def test_import_info(api_server: ApiServer, admin: str) -> None:
    info = api_server.request("GET", "/image/v2/info/import", token=admin)
    assert info.status_code == 200
    assert info.json() == {"import-methods": {
        "description": "Import methods available.", "type": "array",
        "value": ["glance-direct", "web-download"]}}


def test_stage_and_glance_direct(api_server: ApiServer, admin: str) -> None:
    image = new_image(api_server, admin, "staged")
    early = do_import(api_server, admin, image["id"], {"method": {"name": "glance-direct"}})
    assert early.status_code == 409
    assert "Image needs to be staged before 'glance-direct' method can be used" in early.text
    data = b"\1" * 65536
    staged = api_server.request("PUT", f"{IMAGES}/{image['id']}/stage", token=admin,
                                data=data, headers=OCTET)
    assert (staged.status_code, staged.content) == (204, b"")
    body = shown(api_server, admin, image["id"])
    assert (body["status"], body["size"], body["checksum"]) == ("uploading", len(data), None)
    twice = api_server.request("PUT", f"{IMAGES}/{image['id']}/stage", token=admin,
                               data=data, headers={**OCTET, "Accept": "application/json"})
    assert twice.status_code == 409
    assert ("Image status transition from uploading to uploading is not allowed"
            in twice.json()["message"])
    done = do_import(api_server, admin, image["id"], {"method": {"name": "glance-direct"},
                                                     "all_stores_must_succeed": False,
                                                     "all_stores": False})
    assert (done.status_code, done.content) == (202, b"")
    body = shown(api_server, admin, image["id"])
    assert (body["status"], body["checksum"]) == ("active", hashlib.md5(data).hexdigest())
    assert (body["os_glance_importing_to_stores"], body["os_glance_failed_import"]) == ("", "")
    again = do_import(api_server, admin, image["id"], {"method": {"name": "glance-direct"}})
    assert again.status_code == 409
    assert "Image with status active cannot be target for import" in again.text


@pytest.mark.parametrize(("body", "status", "message"), [
    ({}, 400, "Import request requires a 'method' field."),
    ({"method": {}}, 400, "Import request requires a 'name' field."),
    ({"method": {"name": "copy-image"}}, 400, "Unknown import method name 'copy-image'."),
    ({"method": {"name": "web-download"}, "all_stores": "yes"}, 400,
     "'all_stores' must be boolean value only"),
    ({"method": {"name": "web-download", "uri": "file:///etc/passwd"}}, 400,
     "URI for web-download does not pass filtering: file:///etc/passwd"),
    ({"method": {"name": "web-download", "uri": "http://127.0.0.1:1/x"}}, 400,
     "URI for web-download does not pass filtering: http://127.0.0.1:1/x"),
])
def test_import_refusals_change_nothing(api_server: ApiServer, admin: str, body: Any,
                                        status: int, message: str) -> None:
    image = new_image(api_server, admin, "refused")
    before = api_server.records()
    answer = do_import(api_server, admin, image["id"], body)
    assert answer.status_code == status
    assert message in answer.json()["message"]
    assert api_server.records() == before


def test_stage_needs_octet_stream(api_server: ApiServer, admin: str) -> None:
    image = new_image(api_server, admin, "text")
    answer = api_server.request("PUT", f"{IMAGES}/{image['id']}/stage", token=admin,
                                data=b"x", headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415
    assert shown(api_server, admin, image["id"])["status"] == "queued"


def test_web_download(api_server: ApiServer, admin: str, web_root: tuple[str, Path]) -> None:
    base, root = web_root
    data = b"\2" * 65536
    (root / "web.raw").write_bytes(data)
    image = new_image(api_server, admin, "web")
    answer = do_import(api_server, admin, image["id"], {
        "method": {"name": "web-download", "uri": f"{base}/web.raw"}})
    assert answer.status_code == 202, answer.text
    body = shown(api_server, admin, image["id"])
    assert (body["status"], body["checksum"]) == ("active", hashlib.md5(data).hexdigest())


# -- the real client -------------------------------------------------------------------------


def real(api_server: ApiServer, binary: Path, *args: str, json_out: bool = True,
         stdin: int | None = subprocess.DEVNULL) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(api_server.clouds_yaml),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    argv = [str(binary), "--os-cloud", "ostack", *args, *(["-f", "json"] if json_out else [])]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120,
                          check=False, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if json_out else done.stdout


@pytest.mark.slow
def test_real_client_stage_import_and_create_import(
    api_server: ApiServer, admin: str, real_openstack: Path, tmp_path: Path,
    web_root: tuple[str, Path],
) -> None:
    data = b"\3" * 65536
    disk = tmp_path / "disk.raw"
    disk.write_bytes(data)
    checksum = hashlib.md5(data).hexdigest()
    assert real(api_server, real_openstack, "image", "import", "info") == {
        "import-methods": ["glance-direct", "web-download"]}

    image = new_image(api_server, admin, "osc-staged")
    staged = real(api_server, real_openstack, "image", "stage", "--file", str(disk),
                  image["id"], json_out=False)
    assert staged == ""
    assert shown(api_server, admin, image["id"])["status"] == "uploading"
    imported = real(api_server, real_openstack, "image", "import", image["id"])
    assert imported["status"] == "uploading"
    assert shown(api_server, admin, image["id"])["checksum"] == checksum

    base, root = web_root
    (root / "osc.raw").write_bytes(data)
    image = new_image(api_server, admin, "osc-web")
    real(api_server, real_openstack, "image", "import", image["id"], "--method",
         "web-download", "--uri", f"{base}/osc.raw")
    assert shown(api_server, admin, image["id"])["status"] == "active"

    created = real(api_server, real_openstack, "image", "create", "--import", "--file",
                   str(disk), "osc-created")
    assert (created["status"], created["checksum"]) == ("active", checksum)
