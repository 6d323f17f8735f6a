"""The article's dashboard half with a real guest: the real Horizon over ``ostack api``
launches an instance from the wizard, the guest boots and reaches its router (its Log tab
shows it, its Console tab connects noVNC to it), a floating IP is associated, a ping from
an outside namespace fails until the ICMP rule is added in Horizon and passes after, and
deleting the instance leaves nothing of it on the host."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.api.conftest import OSTACK, ApiServer, free_port
from tests.dashboard.conftest import _skip_reason, start_dashboard, stop_dashboard
from tests.dashboard.horizon import Horizon, chromium
from tests.vm.conftest import Host, host_leftovers
from tests.vm.test_article import outside, pings, pings_within
from tests.vm.test_server_vm import wait_console

pytestmark = [pytest.mark.slow, pytest.mark.vm, pytest.mark.dashboard]


@contextlib.contextmanager
def api_for(host: Host, tmp_path: Path) -> Iterator[ApiServer]:
    """``ostack api serve`` on the host's store (one libvirt for the API and the CLI)."""
    port = free_port()
    log_file = tmp_path / "api.log"
    process = subprocess.Popen([str(OSTACK), "api", "serve", "--bind", f"127.0.0.1:{port}",
                                "--log-file", str(log_file)], env=host.env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    passwords = json.loads((host.home / "api-credentials.json").read_text())
    api = ApiServer(f"http://127.0.0.1:{port}", host.home, dict(host.env), log_file,
                    Path(host.env["OSTACK_CLOUDS_YAML"]), passwords, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(api.url("/"), timeout=2).status_code == 300:
                    break
            assert process.poll() is None, "ostack api serve exited"
            assert time.monotonic() < deadline, "ostack api serve did not answer"
            time.sleep(0.2)
        yield api
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_the_dashboard_walkthrough_with_a_real_guest(host: Host, tmp_path: Path) -> None:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    # bootstrap writes the API's clouds.yaml entries: into the test's, never the user's.
    host.env["OSTACK_CLOUDS_YAML"] = str(tmp_path / "clouds.yaml")
    host.ok("bootstrap")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with api_for(host, tmp_path) as api:
        dashboard = start_dashboard(api, tmp_path / "dashboard.log")
        try:
            with chromium() as driver:
                horizon = Horizon(driver, dashboard.base_url, shots)
                horizon.login("admin", api.passwords["admin"])
                horizon.launch_instance("Host2", image="cirros", flavor="m1.tiny",
                                        network="private")
                horizon.wait_instance_active("Host2")
                server_id = host.ok("server", "show", "Host2", "-f", "value", "-c",
                                    "id").out.strip()
                assert host.ok("server", "show", "Host2", "-f", "value", "-c",
                               "status").out.strip() == "ACTIVE"
                wait_console(host, "Host2", r"ping gateway 10\.0\.0\.1 ok", timeout=300)
                # The instance's Log and Console tabs: its console log, and noVNC connected
                # to the guest through ostack's console proxy (tests/vm/test_console_vm.py).
                assert horizon.instance_id("Host2") == server_id
                assert "ping gateway 10.0.0.1 ok" in horizon.console_log(server_id)
                assert horizon.console_status(server_id).startswith("Connected to QEMU")
                fip = horizon.allocate_and_associate_ip("External", "Host2")
                assert fip in host.ok("server", "show", "Host2", "-f", "json").json()[
                    "addresses"]["private"]
                with outside(host) as world:
                    assert not pings(world, fip), "ping passed before any ICMP rule"
                    horizon.add_icmp_rule("default")
                    assert pings_within(world, fip, 10), "ping did not pass after the rule"
                horizon.delete_instance("Host2")
        finally:
            stop_dashboard(dashboard)
    assert host.ok("server", "list", "-f", "value").out == ""
    # The networks and the router stay: only the guest must be gone.
    assert host_leftovers(host, [server_id], []) == []
