"""Nova's ``createBackup`` server action through ``ostack api serve`` (the audit of issue 10
found ``server backup create`` answered "There is no such action"): Nova's answers
(nova/api/openstack/compute/create_backup.py), the rotation the local backend applies, and
the real client's ``server backup create`` giving the image ``ostack`` shows."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

from tests.api.conftest import ApiServer
from tests.api.test_nova import boot, nova

BOOT_TIMEOUT = 60.0


def _active_server(api_server: ApiServer, token: str, name: str) -> str:
    image_id = api_server.image(token, name=f"{name}-image")
    networks = api_server.request("GET", "/network/v2.0/networks?name=private", token=token)
    server_id = boot(api_server, token, image_id, networks.json()["networks"][0]["id"], name)
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        status = nova(api_server, "GET", f"/servers/{server_id}", token).json()["server"]["status"]
        if status == "ACTIVE":
            return server_id
        assert status == "BUILD", status
        time.sleep(0.2)
    raise AssertionError(f"server {name} did not become ACTIVE")


def _backup(api_server: ApiServer, token: str, server_id: str, version: str,
            **entity: Any) -> requests.Response:
    return nova(api_server, "POST", f"/servers/{server_id}/action", token, version=version,
                body={"createBackup": entity})


def _image(api_server: ApiServer, token: str, image_id: str) -> requests.Response:
    return api_server.request("GET", f"/image/v2/images/{image_id}", token=token)


def test_create_backup_answers_and_rotation(api_server: ApiServer) -> None:
    token = api_server.token()
    server_id = _active_server(api_server, token, "backed-up")

    first = _backup(api_server, token, server_id, "2.100", name="nightly",
                    backup_type="daily", rotation=2)
    assert first.status_code == 202, first.text
    first_id = first.json()["image_id"]
    image = _image(api_server, token, first_id).json()
    assert (image["name"], image["image_type"], image["backup_type"],
            image["instance_uuid"]) == ("nightly", "backup", "daily", server_id)

    # Before 2.45: no body, the image in Location; rotation as digits, as Nova's schema allows.
    second = _backup(api_server, token, server_id, "2.1", name="nightly",
                     backup_type="daily", rotation="1")
    assert second.status_code == 202, second.text
    assert second.content == b""
    second_id = second.headers["Location"].rsplit("/", 1)[1]
    assert second.headers["Location"].startswith(api_server.url("/compute/"))
    assert second_id != first_id
    # A rotation of 1 keeps the newest backup of this server and type only.
    assert _image(api_server, token, first_id).status_code == 404
    assert _image(api_server, token, second_id).status_code == 200


def test_create_backup_refusals(api_server: ApiServer) -> None:
    token = api_server.token()
    server_id = _active_server(api_server, token, "refused-backup")
    before = api_server.records()

    missing = _backup(api_server, token, server_id, "2.100", name="b", backup_type="daily")
    assert missing.status_code == 400
    message = missing.json()["badRequest"]["message"]
    assert message.startswith("Invalid input for field/attribute createBackup.")
    assert message.endswith("'rotation' is a required property")

    negative = _backup(api_server, token, server_id, "2.100", name="b", backup_type="daily",
                       rotation=-1)
    assert negative.status_code == 400
    assert negative.json()["badRequest"]["message"] == (
        "Invalid input for field/attribute rotation. Value: -1. "
        "-1 is less than the minimum of 0")

    unknown = _backup(api_server, token, "8f0d7c1e-6b7b-4f0e-9a5e-0c1c0e0f57a1", "2.100",
                      name="b", backup_type="daily", rotation=1)
    assert unknown.status_code == 404
    assert api_server.records() == before


def test_real_client_server_backup_create(api_server: ApiServer, real_openstack: Path) -> None:
    token = api_server.token()
    _active_server(api_server, token, "real-backup")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(api_server.clouds_yaml),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    done = subprocess.run(
        [str(real_openstack), "--os-cloud", "ostack", "server", "backup", "create",
         "--name", "weekly-backup", "--type", "weekly", "--wait", "real-backup", "-f", "json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
        stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    shown = api_server.ostack("image", "show", made["id"], "-f", "json")
    assert shown.returncode == 0, shown.stderr
    on_the_store = json.loads(shown.stdout)
    assert (made["name"], made["status"]) == ("weekly-backup", "active")
    assert made["properties"]["backup_type"] == "weekly"
    assert made == on_the_store
