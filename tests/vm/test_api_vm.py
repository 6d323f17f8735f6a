"""A real guest booted through ``ostack api serve`` by the real python-openstackclient:
the guest runs, the CLI on the same store sees exactly what the API shows (one libvirt for
both: the state fields the api tier cannot compare are compared here), power actions
through the API converge the host as the CLI's do, and a delete through the API leaves
nothing on the host."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.vm.conftest import OSTACK, Host, host_leftovers
from tests.vm.test_server_vm import wait_console

pytestmark = [pytest.mark.slow, pytest.mark.vm]

PASSWORD = "api-vm-secret"
# Only the console may differ between two reads of one guest.
LIVE_FIELDS = ("updated",)


class Api:
    def __init__(self, host: Host, base_url: str, clouds: Path,
                 process: subprocess.Popen[bytes]) -> None:
        self.host = host
        self.base_url = base_url
        self.clouds = clouds
        self.process = process

    def real(self, binary: Path, *args: str, output: bool = True) -> Any:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update({"OS_CLIENT_CONFIG_FILE": str(self.clouds), "CLIFF_MAX_TERM_WIDTH": "0"})
        done = subprocess.run([str(binary), "--os-cloud", "ostack", *args,
                               *(("-f", "json") if output else ())],
                              capture_output=True, text=True, env=env, timeout=400,
                              check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if output else done.stdout


@pytest.fixture
def api(host: Host, tmp_path: Path) -> Iterator[Api]:
    from tests.api.conftest import free_port

    host.ok("user", "set", "--password", PASSWORD, "admin")
    port = free_port()
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(yaml.safe_dump({"clouds": {"ostack": {
        "auth": {"auth_url": f"http://127.0.0.1:{port}/v3", "username": "admin",
                 "password": PASSWORD, "project_name": "admin",
                 "user_domain_name": "Default", "project_domain_name": "Default"},
        "region_name": "RegionOne", "identity_api_version": 3}}}))
    process = subprocess.Popen(
        [OSTACK, "api", "serve", "--bind", f"127.0.0.1:{port}", "--log-file",
         str(tmp_path / "api.log")], env=host.env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 300:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, "ostack api serve exited"
            assert time.monotonic() < deadline, "ostack api serve did not answer"
            time.sleep(0.2)
        yield Api(host, f"http://127.0.0.1:{port}", clouds, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def real_openstack() -> Path:
    from tests.api.conftest import _osc_binary

    binary = _osc_binary()
    if binary is None:
        pytest.skip("python-openstackclient is not available")
    return binary


def test_guest_booted_through_the_api(host: Host, api: Api, real_openstack: Path) -> None:
    created = api.real(real_openstack, "server", "create", "--image", "cirros", "--flavor",
                       "m1.tiny", "--network", "private", "--wait", "Host2")
    assert created["status"] == "ACTIVE"
    server_id = created["id"]
    address = created["addresses"]["private"][0]
    wait_console(host, "Host2", rf"ostack-guest: eth0 {address.replace('.', '[.]')}/24")

    def compare() -> dict[str, Any]:
        through_api = api.real(real_openstack, "server", "show", "Host2")
        on_the_store = host.ok("server", "show", "Host2", "-f", "json").json()
        for key in LIVE_FIELDS:
            through_api.pop(key), on_the_store.pop(key)
        assert through_api == on_the_store
        return through_api

    shown = compare()
    assert (shown["status"], shown["OS-EXT-STS:power_state"]) == ("ACTIVE", 1)
    console = api.real(real_openstack, "console", "log", "show", "Host2", output=False)
    assert f"ostack-guest: eth0 {address}/24" in console

    assert api.real(real_openstack, "server", "stop", "Host2", output=False) == ""
    assert host.ok("server", "show", "Host2", "-f", "json").json()[
        "OS-EXT-STS:power_state"] == 4
    assert compare()["status"] == "SHUTOFF"
    api.real(real_openstack, "server", "start", "Host2", output=False)
    assert compare()["status"] == "ACTIVE"

    networks = host.ids("network")
    api.real(real_openstack, "server", "delete", "--wait", "Host2", output=False)
    assert host.ok("server", "list", "-f", "value").out == ""
    assert host_leftovers(host, [server_id], networks) == []
