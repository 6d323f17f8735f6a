"""Nova's remote consoles through ``ostack api serve``: ``POST /servers/{id}/remote-consoles``
from 2.6 on, the older ``os-getVNCConsole``/``os-getSerialConsole`` actions up to 2.5, and the
real client's ``console url show`` giving what ``ostack`` gives on the local backend
(nova/api/openstack/compute/remote_consoles.py and its schemas)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.api.conftest import ApiServer
from tests.api.test_nova import admin, boot, image_id, network_id, nova  # noqa: F401

NOVNC = re.compile(r"http://127\.0\.0\.1:6080/vnc_lite\.html\?path=%3Ftoken%3D[0-9a-f-]{36}")
SERIAL = re.compile(r"ws://127\.0\.0\.1:6080/\?token=[0-9a-f-]{36}")


@pytest.fixture(scope="module")
def server_id(api_server: ApiServer, admin: str, image_id: str,  # noqa: F811
              network_id: str) -> str:  # noqa: F811
    return boot(api_server, admin, image_id, network_id, "console-vm")


def test_remote_consoles(api_server: ApiServer, admin: str, server_id: str) -> None:  # noqa: F811
    path = f"/servers/{server_id}/remote-consoles"
    made = nova(api_server, "POST", path, admin,
                body={"remote_console": {"protocol": "vnc", "type": "novnc"}})
    assert made.status_code == 200, made.text
    console = made.json()["remote_console"]
    assert (console["protocol"], console["type"]) == ("vnc", "novnc")
    assert NOVNC.fullmatch(console["url"]), console["url"]
    serial = nova(api_server, "POST", path, admin,
                  body={"remote_console": {"protocol": "serial", "type": "serial"}})
    assert serial.status_code == 200, serial.text
    assert SERIAL.fullmatch(serial.json()["remote_console"]["url"]), serial.text

    # Before 2.6 the resource does not exist.
    old = nova(api_server, "POST", path, admin, version="2.5",
               body={"remote_console": {"protocol": "vnc", "type": "novnc"}})
    assert old.status_code == 404, old.text
    # Nova's schema and the handler of the protocol asked for.
    for body, message in [
        ({"remote_console": {"protocol": "vnc"}}, "'type' is a required property"),
        ({"remote_console": {"protocol": "telnet", "type": "novnc"}},
         "'telnet' is not one of"),
        ({"remote_console": {"protocol": "vnc", "type": "serial"}},
         "Unavailable console type serial."),
    ]:
        refused = nova(api_server, "POST", path, admin, body=body)
        assert refused.status_code == 400, refused.text
        assert message in refused.json()["badRequest"]["message"]
    missing = nova(api_server, "POST", "/servers/00000000-0000-4000-8000-000000000000/"
                   "remote-consoles", admin,
                   body={"remote_console": {"protocol": "vnc", "type": "novnc"}})
    assert missing.status_code == 404, missing.text


def test_legacy_console_actions(api_server: ApiServer, admin: str,  # noqa: F811
                                server_id: str) -> None:
    path = f"/servers/{server_id}/action"
    vnc = nova(api_server, "POST", path, admin, version="2.1",
               body={"os-getVNCConsole": {"type": "novnc"}})
    assert vnc.status_code == 200, vnc.text
    assert list(vnc.json()["console"]) == ["type", "url"]
    assert NOVNC.fullmatch(vnc.json()["console"]["url"])
    serial = nova(api_server, "POST", path, admin, version="2.5",
                  body={"os-getSerialConsole": {"type": "serial"}})
    assert serial.status_code == 200, serial.text
    assert SERIAL.fullmatch(serial.json()["console"]["url"])
    gone = nova(api_server, "POST", path, admin, version="2.6",
                body={"os-getVNCConsole": {"type": "novnc"}})
    assert gone.status_code == 404, gone.text
    wrong = nova(api_server, "POST", path, admin, version="2.1",
                 body={"os-getVNCConsole": {"type": "serial"}})
    assert wrong.status_code == 400, wrong.text


def test_real_client_console_url(api_server: ApiServer, real_openstack: Path,
                                 server_id: str) -> None:
    """The real client's ``console url show`` through the API prints the columns ``ostack``
    prints on the local backend (tests/unit/compute/test_console_url.py). The CLI itself
    cannot be asked here: under libvirt's test driver each process has its own guests, so
    the two are compared on one real guest in tests/vm/test_ansible_vm.py."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(api_server.clouds_yaml),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    for flag, kind, pattern in (("--novnc", ("vnc", "novnc"), NOVNC),
                                ("--serial", ("serial", "serial"), SERIAL)):
        done = subprocess.run([str(real_openstack), "--os-cloud", "ostack", "console", "url",
                               "show", flag, "console-vm", "-f", "json"],
                              capture_output=True, text=True, env=env, timeout=120,
                              check=False)
        assert done.returncode == 0, done.stderr
        through_api = json.loads(done.stdout)
        assert list(through_api) == ["protocol", "type", "url"]
        assert (through_api["protocol"], through_api["type"]) == kind
        assert pattern.fullmatch(through_api["url"]), through_api["url"]
