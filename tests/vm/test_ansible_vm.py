"""The issue's Ansible check with a real guest: tests/api/ansible/site.yml with
``with_server=true`` creates a network, a subnet, a security group with an ICMP rule, a
keypair, a router to the external network, a server booted on the network and a floating
IP on it, all through ``ostack api serve``; the guest runs; a second run changes nothing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.api.ansible_run import PLAYBOOK_BIN, public_key, run_playbook
from tests.vm.conftest import Host
from tests.vm.test_api_vm import Api, api, real_openstack  # noqa: F401  (the fixtures)
from tests.vm.test_server_vm import wait_console

pytestmark = [
    pytest.mark.slow, pytest.mark.vm,
    pytest.mark.skipif(importlib.util.find_spec("ansible_collections.openstack.cloud") is None
                       or not PLAYBOOK_BIN.exists(), reason="ansible not installed (make setup)"),
]


@pytest.fixture
def bootstrapped(host: Host) -> Host:
    """The store with the external network (``External``) a floating IP comes from."""
    host.ok("bootstrap")
    return host


def test_playbook_boots_a_server_with_a_floating_ip(
    bootstrapped: Host, api: Api, real_openstack: Path, tmp_path: Path  # noqa: F811
) -> None:
    host = bootstrapped
    extra = {"public_key": public_key(), "prefix": "ans", "with_server": True,
             "external_network": "External"}
    first = run_playbook(api.clouds, tmp_path, extra, timeout=900)
    # network, subnet, security group, rule, keypair, router, server, floating IP
    assert (first.changed, first.skipped) == (8, 0), first.output
    wait_console(host, "ans-server", r"ostack-guest: eth0 192[.]168[.]77[.]\d+/24")

    second = run_playbook(api.clouds, tmp_path, extra, timeout=900)
    assert (second.changed, second.skipped) == (0, 0), second.output

    shown = host.ok("server", "show", "ans-server", "-f", "json").json()
    assert shown["status"] == "ACTIVE"
    assert shown["key_name"] == "ans-key"
    addresses = shown["addresses"]["ans-net"]
    assert len(addresses) == 2, addresses  # the fixed address and the floating one
    fips = host.ok("floating", "ip", "list", "--port",
                   host.ok("port", "list", "--server", "ans-server", "-f", "value", "-c",
                           "ID").out.strip(), "-f", "json").json()
    assert len(fips) == 1 and fips[0]["Floating IP Address"] in addresses

    # Its consoles through the API are the CLI's (the token in the URL aside).
    for flag in ("--novnc", "--serial"):
        through_api = api.real(real_openstack, "console", "url", "show", flag, "ans-server")
        local = host.ok("console", "url", "show", flag, "ans-server", "-f", "json").json()
        assert through_api["url"].split("token")[0] == local["url"].split("token")[0]
        assert {k: v for k, v in through_api.items() if k != "url"} == {
            k: v for k, v in local.items() if k != "url"}
