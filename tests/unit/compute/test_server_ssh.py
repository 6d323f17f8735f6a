"""server ssh: the address and ssh arguments the real client picks (as one argument list,
never a shell line), its deprecation warning and errors, and its exit status."""

from __future__ import annotations

import pytest

from ostack_cli.commands import server_ssh
from tests.conftest import Runner
from tests.unit.compute.test_server import create


@pytest.fixture
def ssh_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake(argv: list[str]) -> int:
        calls.append(argv)
        return 255  # whatever ssh answers, the command succeeds (as the real client's)

    monkeypatch.setattr(server_ssh, "run_ssh", fake)
    return calls


@pytest.fixture
def floating(compute: Runner) -> str:
    """Host2 on private, with a floating IP from an external network behind a router."""
    create(compute)
    assert compute("network", "create", "--external", "ext").rc == 0
    assert compute("subnet", "create", "--network", "ext", "--subnet-range", "172.24.4.0/24",
                   "ext-subnet").rc == 0
    assert compute("router", "create", "--external-gateway", "ext", "r").rc == 0
    assert compute("router", "add", "subnet", "r", "private-subnet").rc == 0
    made = compute("floating", "ip", "create", "ext", "-f", "value", "-c",
                   "floating_ip_address")
    address = made.out.strip()
    assert compute("server", "add", "floating", "ip", "Host2", address).rc == 0
    return address


def test_public_address_and_the_users_login(floating: str, compute: Runner,
                                            ssh_calls: list[list[str]]) -> None:
    done = compute("server", "ssh", "Host2")
    assert (done.rc, done.out, done.err) == (0, "", "")
    assert ssh_calls == [["ssh", floating, "-l", "admin"]]


def test_private_address_and_trailing_arguments(compute: Runner,
                                                ssh_calls: list[list[str]]) -> None:
    create(compute)
    done = compute("server", "ssh", "--private", "Host2", "--", "-o", "A B", "-l", "cirros",
                   "uptime")
    assert done.rc == 0, done.err
    # "A B" stays one argument: nothing goes through a shell.
    assert ssh_calls == [["ssh", "10.0.0.2", "-o", "A B", "-l", "cirros", "uptime"]]


def test_deprecated_options_warn_and_still_work(compute: Runner,
                                                ssh_calls: list[list[str]]) -> None:
    create(compute)
    done = compute("server", "ssh", "--address-type", "fixed", "-l", "cirros", "-p", "2222",
                   "-i", "key", "-o", "X=1", "-4", "Host2")
    assert done.rc == 0
    assert done.err == ('The ssh options have been deprecated. The ssh equivalent options can '
                        'be used instead as arguments after "--" on the command line.\n')
    assert ssh_calls == [["ssh", "10.0.0.2", "-p", "2222", "-i", "key", "-o", "X=1", "-l",
                          "cirros"]]


def test_no_address_of_the_kind(compute: Runner, ssh_calls: list[list[str]]) -> None:
    create(compute)
    public = compute("server", "ssh", "Host2")
    assert (public.rc, public.err) == (1, "ERROR: No public IP version [4, 6] address found\n")
    six = compute("server", "ssh", "--private", "-6", "Host2")
    assert (six.rc, six.err) == (1, "ERROR: No private IP version [6] address found\n")
    assert ssh_calls == []
    assert compute("server", "ssh", "-4", "-6", "Host2").rc == 2
    assert compute("server", "ssh", "--public", "--private", "Host2").rc == 2


def test_pick_address_by_network_name_first() -> None:
    addresses = {
        "public": [{"version": 4, "addr": "203.0.113.5", "OS-EXT-IPS:type": "fixed"}],
        "private": [{"version": 4, "addr": "10.0.0.5", "OS-EXT-IPS:type": "fixed"},
                    {"version": 4, "addr": "172.24.4.9", "OS-EXT-IPS:type": "floating"}],
    }
    assert server_ssh.pick_address(addresses, "public", [4, 6]) == "203.0.113.5"
    assert server_ssh.pick_address({"n": addresses["private"]}, "public", [4]) == "172.24.4.9"
    assert server_ssh.pick_address({"n": ["10.1.1.1", "10.1.1.2"]}, "private", [4]) == \
        "10.1.1.1"
