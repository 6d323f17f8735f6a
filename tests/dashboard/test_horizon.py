"""The article's dashboard half in the real Horizon over ``ostack api``: log in as admin,
see the servers ``ostack server list`` shows, launch an instance through the wizard
(image, flavor, network), associate a floating IP from the external network, add an ICMP
rule to the default group, delete the instance; then log in as demo, who sees only the demo
project. Every step's result is checked with ``ostack`` itself on the same store.

The guests run under libvirt's test driver, whose domains live in the API's process: an
``ostack`` process sees none (tests/api/test_walkthrough.py), so the instance's state is
read from the browser (Active) and ``ostack`` checks what the store records (the server, its
addresses, the floating IP, the rule). A real guest's flow is the vm tier's.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api.conftest import OSTACK, free_port
from tests.dashboard.conftest import Dashboard, dashboard_env
from tests.dashboard.horizon import Horizon, chromium

NAME = "web1"


def ostack_json(dashboard: Dashboard, *args: str) -> Any:
    done = dashboard.api.ostack(*args, "-f", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def browser(dashboard: Dashboard, tmp_path_factory: pytest.TempPathFactory) -> Any:
    shots = tmp_path_factory.mktemp("screenshots")
    with chromium() as driver:
        yield Horizon(driver, dashboard.base_url, shots)


def test_admin_sees_the_servers_ostack_lists(dashboard: Dashboard, browser: Horizon) -> None:
    made = dashboard.api.ostack("server", "create", "--flavor", "m1.tiny", "--image",
                                "cirros", "--network", "private", "from-cli")
    assert made.returncode == 0, made.stderr
    listed = sorted(s["Name"] for s in ostack_json(dashboard, "server", "list"))
    browser.login("admin", dashboard.api.passwords["admin"])
    assert browser.instance_names() == listed == ["from-cli"]


def test_launch_instance_through_the_wizard(dashboard: Dashboard, browser: Horizon) -> None:
    browser.launch_instance(NAME, image="cirros", flavor="m1.tiny", network="private")
    browser.wait_instance_active(NAME)
    server = ostack_json(dashboard, "server", "show", NAME)
    assert server["flavor"]["name"] == "m1.tiny"
    assert server["image"].startswith("cirros")
    assert list(server["addresses"]) == ["private"]
    assert sorted(s["Name"] for s in ostack_json(dashboard, "server", "list")) == [
        "from-cli", NAME]


def test_associate_a_floating_ip(dashboard: Dashboard, browser: Horizon) -> None:
    address = browser.allocate_and_associate_ip("External", NAME)
    fixed = ostack_json(dashboard, "server", "show", NAME)["addresses"]["private"][0]
    floating = {f["Floating IP Address"]: f for f in ostack_json(dashboard, "floating", "ip",
                                                                   "list")}
    assert floating[address]["Fixed IP Address"] == fixed
    assert address in ostack_json(dashboard, "server", "show", NAME)["addresses"]["private"]


def test_add_an_icmp_rule_to_the_default_group(dashboard: Dashboard,
                                               browser: Horizon) -> None:
    def icmp_rules() -> list[dict[str, Any]]:
        return [r for r in ostack_json(dashboard, "security", "group", "rule", "list",
                                       "default", "--long")
                if r["IP Protocol"] == "icmp"]

    assert icmp_rules() == []
    browser.add_icmp_rule("default")
    [rule] = icmp_rules()
    assert (rule["Direction"], rule["IP Range"], rule["Ethertype"]) == (
        "ingress", "0.0.0.0/0", "IPv4")


def test_delete_the_instance(dashboard: Dashboard, browser: Horizon) -> None:
    browser.delete_instance(NAME)
    assert [s["Name"] for s in ostack_json(dashboard, "server", "list")] == ["from-cli"]
    # The floating IP stays allocated, free again (as Nova's delete leaves it).
    assert [f["Fixed IP Address"] for f in ostack_json(dashboard, "floating", "ip",
                                                        "list")] == [None]


def test_volumes_pages(dashboard: Dashboard, browser: Horizon) -> None:
    """Project > Volumes > Volumes and Admin > Volumes render without an error: Horizon
    reads Cinder's volumes, transfers (one volume is awaiting one), snapshots and groups."""
    for name in ("data", "offered"):
        made = dashboard.api.ostack("volume", "create", "--size", "1", name)
        assert made.returncode == 0, made.stderr
    offered = dashboard.api.ostack("volume", "transfer", "request", "create", "offered")
    assert offered.returncode == 0, offered.stderr
    assert browser.volume_names() == ["data", "offered"]
    assert browser.volume_names("/admin/volumes/") == ["data", "offered"]
    statuses = {v["Name"]: v["Status"] for v in ostack_json(dashboard, "volume", "list")}
    assert statuses == {"data": "available", "offered": "awaiting-transfer"}


def _mb_float_format(mb: float) -> str:
    """Horizon's ``mb_float_format`` (horizon/templatetags/sizeformat.py), in English."""
    size, unit = mb * 1024 * 1024, "B"
    for name in ("KB", "MB", "GB", "TB"):
        if size < 1024:
            break
        size, unit = size / 1024, name
    rounded = round(size, 1)
    return f"{rounded:.0f}{unit}" if rounded.is_integer() else f"{rounded:.1f}{unit}"


def test_admin_hypervisors_page(dashboard: Dashboard, browser: Horizon) -> None:
    """Admin > Compute > Hypervisors: the host as Placement's resource provider, with the
    vCPU and RAM figures Nova counts (used, and total times the allocation ratio); and
    admin's login asked Keystone for nothing it refused (its domain-scoped token
    included)."""
    host = ostack_json(dashboard, "hypervisor", "list")[0]["Hypervisor Hostname"]
    stats = ostack_json(dashboard, "hypervisor", "stats", "show")
    summary = browser.provider_summary()
    assert host in summary.splitlines()
    capacity = int(4.0 * stats["vcpus"])
    assert f"vCPU Usage\nUsed {stats['vcpus_used']} of {capacity:,}" in summary, summary
    # Placement's usage leaves out what nova.conf reserves for the host.
    used = stats["memory_mb_used"] - 512
    assert (f"Memory Usage\nUsed {_mb_float_format(used)} of "
            f"{_mb_float_format(1.5 * stats['memory_mb'])}") in summary, summary
    refused = [line for line in dashboard.api.log().splitlines() if " 401 " in line]
    assert refused == []


def test_demo_sees_only_the_demo_project(dashboard: Dashboard, browser: Horizon) -> None:
    token = dashboard.api.token("demo", "demo")
    # The bootstrap's networks are the admin project's: demo makes its own.
    net = dashboard.api.request("POST", "/network/v2.0/networks", token=token,
                                json_body={"network": {"name": "demo-net"}})
    assert net.status_code == 201, net.text
    network = net.json()["network"]["id"]
    subnet = dashboard.api.request("POST", "/network/v2.0/subnets", token=token, json_body={
        "subnet": {"network_id": network, "ip_version": 4, "cidr": "10.1.0.0/24"}})
    assert subnet.status_code == 201, subnet.text
    made = dashboard.api.request("POST", "/compute/v2.1/servers", token=token, json_body={
        "server": {"name": "demo-vm", "flavorRef": "1",
                   "imageRef": _image_id(dashboard, token),
                   "networks": [{"uuid": network}]}})
    assert made.status_code == 202, made.text
    browser.logout()
    browser.login("demo", dashboard.api.passwords["demo"])
    assert browser.instance_names() == ["demo-vm"]
    projects = browser.driver.find_element("css selector", ".context-project").text
    assert projects.strip() == "demo"
    # The admin dashboards are not offered to a member.
    assert not browser.visible("a[href='/admin/']")
    everything = sorted(s["Name"] for s in ostack_json(dashboard, "server", "list",
                                                       "--all-projects"))
    assert everything == ["demo-vm", "from-cli"]


def _image_id(dashboard: Dashboard, token: str) -> str:
    images = dashboard.api.request("GET", "/image/v2/images?name=cirros", token=token).json()
    return str(images["images"][0]["id"])


# Horizon 27 asks for each metadata definition namespace in parallel with as many threads
# as there are namespaces, which futurist refuses for none: against any Glance whose
# definitions were never loaded (realstack's too), the wizard's metadata lists fail so.
EMPTY_METADEFS = "ValueError: max_workers must be greater than zero"


def test_pages_asked_nothing_the_api_does_not_answer(dashboard: Dashboard) -> None:
    """No request of the flow was refused by a missing route (404 on a path the real
    services serve, Cinder's included), and Horizon logged no traceback but the one of an
    empty metadefs catalog."""
    missing = [line for line in dashboard.api.log().splitlines() if " 404 " in line]
    assert missing == []
    log = dashboard.log()
    assert log.count("Traceback") == log.count(EMPTY_METADEFS), log


def test_serve_detached_and_stop(dashboard: Dashboard, tmp_path: Path) -> None:
    port = free_port()
    env = dashboard_env(dashboard.api)
    api = dashboard.api.base_url.removeprefix("http://")
    started = subprocess.run([str(OSTACK), "dashboard", "serve", "--detach", "--bind",
                              f"127.0.0.1:{port}", "--api", api], env=env, capture_output=True,
                             text=True, timeout=600, check=False)
    pid_file = dashboard.api.home / "dashboard.pid"
    try:
        assert started.returncode == 0, started.stderr
        assert pid_file.exists()
        answer = requests.get(f"http://127.0.0.1:{port}/auth/login/", timeout=120)
        assert answer.status_code == 200
        again = subprocess.run([str(OSTACK), "dashboard", "serve", "--detach", "--bind",
                                f"127.0.0.1:{free_port()}", "--api", api], env=env,
                               capture_output=True, text=True, timeout=120, check=False)
        assert again.returncode == 1
        assert "ostack dashboard is already running" in again.stderr
    finally:
        stopped = subprocess.run([str(OSTACK), "dashboard", "stop"], env=env,
                                 capture_output=True, text=True, timeout=120, check=False)
    assert stopped.returncode == 0, stopped.stderr
    assert not pid_file.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/auth/login/", timeout=10)
