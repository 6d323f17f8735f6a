"""The console proxy in the reconciler: one per store while it has servers, none after; a
stale or second one is stopped. Plans are golden files (``OSTACK_UPDATE_GOLDEN=1`` rewrites
them); tests/vm/test_console_vm.py proves that applying them does what they say."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ostack_cli.backend.local.console_proxy_host import (
    ConsoleProxySpec,
    ProxyProcess,
    proxy_spec,
)
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.reconcile.desired import HostSettings, Records, desired_host
from ostack_cli.backend.local.reconcile.observe import Observed
from ostack_cli.backend.local.reconcile.plan import plan
from ostack_cli.backend.models.server import Server
from tests.unit.local.golden_util import assert_golden

NAMES = HostNames("a1b")
PROXY = proxy_spec(python="/opt/ostack/.venv/bin/python", state_dir=Path("/var/lib/ostack"),
                   host_dir=Path("/var/lib/ostack-host"), address="127.0.0.1", port=None,
                   default_ports=range(6080, 6100), libvirt_uri="qemu:///system")
SETTINGS = HostSettings(names=NAMES, host_dir=Path("/var/lib/ostack-host"),
                        console_proxy=PROXY)
IMAGE = "70000000-0000-4000-8000-000000000000"
SERVER = "50000000-0000-4000-8000-000000000001"


def guest_only() -> Records:
    """A store with one server and nothing else the host must hold for it (no ports): what
    the console proxy follows, apart from networking."""
    return Records(servers=(Server(id=SERVER, name="vm", project_id="p", user_id="u",
                                   flavor_id="1", image_id=IMAGE),),
                   image_ids=frozenset({IMAGE}))


def converged(records: Records, *proxies: ProxyProcess) -> Observed:
    desired = desired_host(records, SETTINGS)
    return Observed(
        domains=frozenset(NAMES.domain(s) for s in desired.servers),
        instance_dirs=frozenset(desired.servers),
        base_files=desired.base_images,
        firewall=True, firewall_rules=7, firewall_marker=(desired.firewall_digest, 7),
        console_proxies=proxies,
    )


def plan_text(records: Records, observed: Observed, settings: HostSettings = SETTINGS) -> str:
    return plan(desired_host(records, settings), observed).describe()


def test_a_store_with_servers_gets_its_console_proxy() -> None:
    text = plan_text(guest_only(), converged(guest_only()))
    assert_golden("reconcile/console_start.plan", text)
    assert text == "start the console proxy on 127.0.0.1:6080-6099\n"


def test_a_running_proxy_is_left_alone() -> None:
    running = ProxyProcess(4242, PROXY.argv)
    assert plan_text(guest_only(), converged(guest_only(), running)) == ""


def test_a_proxy_started_with_other_settings_is_replaced() -> None:
    moved = dataclasses.replace(PROXY, address="192.0.2.10", ports=(6090, 6090))
    text = plan_text(guest_only(), converged(guest_only(), ProxyProcess(4242, moved.argv)))
    assert_golden("reconcile/console_restart.plan", text)
    assert text.splitlines()[0] == "stop console proxy 4242"


def test_a_second_proxy_is_stopped() -> None:
    observed = converged(guest_only(), ProxyProcess(4242, PROXY.argv),
                         ProxyProcess(4343, PROXY.argv))
    assert plan_text(guest_only(), observed) == "stop console proxy 4343\n"


def test_the_last_server_gone_stops_it() -> None:
    observed = converged(guest_only(), ProxyProcess(4242, PROXY.argv))
    text = plan_text(Records(), observed)
    assert_golden("reconcile/console_teardown.plan", text)
    assert "stop console proxy 4242\n" in text
    assert "start the console proxy" not in text


def test_without_a_console_proxy_in_the_settings_there_is_none() -> None:
    bare = dataclasses.replace(SETTINGS, console_proxy=None)
    assert desired_host(guest_only(), bare).console_proxy is None
    assert "console" not in plan_text(guest_only(), converged(guest_only()), bare)


def test_the_spec_names_its_store_and_a_set_port_is_the_only_one_tried() -> None:
    assert PROXY.argv == (
        "/opt/ostack/.venv/bin/python", "-I", "-m", "ostack_cli.backend.local.console_proxy",
        "--state-dir=/var/lib/ostack", "--host-dir=/var/lib/ostack-host",
        "--address=127.0.0.1", "--ports=6080-6099", "--libvirt-uri=qemu:///system")
    assert PROXY.pid_file == Path("/var/lib/ostack/console-proxy.pid")
    assert PROXY.log_file == Path("/var/lib/ostack-host/console-proxy.log")
    pinned: ConsoleProxySpec = proxy_spec(
        python="p", state_dir=Path("/s"), host_dir=Path("/h"), address="127.0.0.1", port=6080,
        default_ports=range(6080, 6100), libvirt_uri="qemu:///system")
    assert (pinned.ports, pinned.listen) == ((6080, 6080), "127.0.0.1:6080")
