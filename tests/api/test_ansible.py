"""The issue's Ansible check without a guest: the openstack.cloud collection creates a
network, a subnet, a security group with an ICMP rule and a keypair through ``ostack api
serve``; a second run changes nothing; the CLI on the same store sees what Ansible made."""

from __future__ import annotations

import importlib.util

import pytest

from tests.api.ansible_run import PLAYBOOK_BIN, public_key, run_playbook
from tests.api.conftest import ApiServer

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ansible_collections.openstack.cloud") is None
    or not PLAYBOOK_BIN.exists(), reason="ansible not installed (make setup)")


def test_playbook_converges_and_second_run_changes_nothing(api_server: ApiServer) -> None:
    extra = {"public_key": public_key(), "prefix": "ans"}
    first = run_playbook(api_server.clouds_yaml, api_server.home.parent, extra)
    # network, subnet, security group, rule, keypair; the server tasks are skipped
    assert (first.changed, first.skipped) == (5, 3), first.output
    second = run_playbook(api_server.clouds_yaml, api_server.home.parent, extra)
    assert (second.changed, second.skipped) == (0, 3), second.output

    subnet = api_server.ostack("subnet", "show", "ans-subnet", "-f", "json")
    assert subnet.returncode == 0, subnet.stderr
    assert '"cidr": "192.168.77.0/24"' in subnet.stdout
    rules = api_server.ostack("security", "group", "rule", "list", "ans-sg", "-f", "json",
                              "--protocol", "icmp")
    assert rules.returncode == 0, rules.stderr
    assert '"IP Range": "0.0.0.0/0"' in rules.stdout
    key = api_server.ostack("keypair", "show", "ans-key", "--public-key")
    assert key.stdout.strip() == extra["public_key"]
