"""dnsmasq files and argv (golden), injection attempts, and a real dnsmasq in a namespace."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.backend.local.dnsmasq import (
    DhcpHost,
    DhcpSubnet,
    dnsmasq_argv,
    render_hosts_file,
    render_opts_file,
)
from tests.unit.local.golden_util import assert_golden

DNSMASQ = "/usr/sbin/dnsmasq"
RUN = "/run/ostack/dhcp/net1"

SUBNETS = (
    DhcpSubnet(
        cidr="10.0.0.0/24",
        tag="subnet-5d6e7f80",
        gateway="10.0.0.1",
        dns_nameservers=("192.0.2.53", "10.0.0.2"),
    ),
    # No gateway and no DNS: an empty router option, no DNS option.
    DhcpSubnet(cidr="192.168.50.0/26", tag="subnet-0a1b2c3d"),
)
HOSTS = (
    DhcpHost(mac="fa:16:3e:00:00:0a", ip="10.0.0.10", hostname="web-1"),
    DhcpHost(mac="FA:16:3E:00:00:05", ip="10.0.0.5"),
    DhcpHost(mac="fa:16:3e:00:00:01", ip="192.168.50.10", hostname="db"),
    DhcpHost(mac="fa:16:3e:00:00:02", ip="10.0.0.9", hostname="a1b2"),
)


def argv(**changes: Any) -> list[str]:
    values: dict[str, Any] = {
        "interface": "ostack-br1",
        "pid_file": f"{RUN}/pid",
        "hosts_file": f"{RUN}/host",
        "opts_file": f"{RUN}/opts",
        "lease_file": f"{RUN}/leases",
        "subnets": SUBNETS,
    }
    values.update(changes)
    return dnsmasq_argv(**values)


def test_golden_hosts_file() -> None:
    assert_golden("dnsmasq/hosts", render_hosts_file(HOSTS))


def test_golden_opts_file() -> None:
    assert_golden("dnsmasq/opts", render_opts_file(SUBNETS))


# One network, as Neutron allows it: s1's gateway lies outside s1, in its sibling s2; s1 has a
# host route, s2 no gateway but a default host route standing in for one.
ROUTED = (
    DhcpSubnet(cidr="10.0.0.0/24", tag="subnet-s1", gateway="10.0.1.1",
               host_routes=(("172.16.0.0/12", "10.0.0.254"),)),
    DhcpSubnet(cidr="10.0.1.0/28", tag="subnet-s2",
               host_routes=(("0.0.0.0/0", "10.0.1.1"), ("192.0.2.0/24", "10.0.1.9"))),
)


def test_golden_opts_file_with_routes() -> None:
    # Dnsmasq._generate_opts_per_subnet: the other subnets on-link first, the host routes,
    # then the default route, in option 121 and 249; option 3 as well.
    assert_golden("dnsmasq/opts_routes", render_opts_file(ROUTED))


# The metadata service (the agent with enable_isolated_metadata): s1 is isolated, served by
# the DHCP server at 10.0.0.2; a router holds s2's gateway; s3 is isolated and has no route
# of its own; s4 is isolated on a server that serves no metadata.
METADATA = (
    DhcpSubnet(cidr="10.0.0.0/24", tag="subnet-s1", gateway="10.0.0.1",
               host_routes=(("172.16.0.0/12", "10.0.0.254"),), metadata_server="10.0.0.2"),
    DhcpSubnet(cidr="10.0.1.0/24", tag="subnet-s2", gateway="10.0.1.1", isolated=False,
               metadata_server="10.0.1.2"),
    DhcpSubnet(cidr="10.0.2.0/24", tag="subnet-s3", metadata_server="10.0.2.2"),
    DhcpSubnet(cidr="10.0.3.0/24", tag="subnet-s4", gateway="10.0.3.1"),
)


def test_golden_opts_file_with_the_metadata_route() -> None:
    # Dnsmasq._generate_opts_per_subnet: 169.254.169.254/32 after the subnet's own routes,
    # through the DHCP server for an isolated subnet, through the gateway for a routed one.
    text = render_opts_file(METADATA)
    assert_golden("dnsmasq/opts_metadata", text)
    assert "tag:subnet-s3,option:classless-static-route,10.0.3.0/24,0.0.0.0,10.0.1.0/24," \
        "0.0.0.0,10.0.0.0/24,0.0.0.0,169.254.169.254/32,10.0.2.2\n" in text
    assert "169.254.169.254" not in "".join(line for line in text.splitlines(keepends=True)
                                            if line.startswith("tag:subnet-s4"))


def test_a_gateway_outside_its_lone_subnet_is_handed_out_as_it_is() -> None:
    # The agent sends such a gateway as option 3 alone: no route makes it on-link for the
    # guest (DeviceManager adds one in the DHCP namespace only).
    subnet = DhcpSubnet(cidr="10.0.0.0/24", tag="subnet-s1", gateway="192.168.77.1")
    assert render_opts_file([subnet]) == "tag:subnet-s1,option:router,192.168.77.1\n"


def test_golden_argv() -> None:
    assert_golden("dnsmasq/argv", "\n".join(argv()) + "\n")


def test_golden_argv_with_all_options() -> None:
    full = argv(
        mtu=1450,
        lease_seconds=600,
        domain=None,
        user="dnsmasq",
        log_file=f"{RUN}/dnsmasq.log",
        dnsmasq="/usr/local/sbin/dnsmasq",
    )
    assert_golden("dnsmasq/argv_all_options", "\n".join(full) + "\n")


def test_output_does_not_depend_on_input_order() -> None:
    assert render_hosts_file(HOSTS[::-1]) == render_hosts_file(HOSTS)
    assert render_opts_file(SUBNETS[::-1]) == render_opts_file(SUBNETS)
    assert argv(subnets=SUBNETS[::-1]) == argv()


def test_empty_inputs_give_empty_files() -> None:
    assert render_hosts_file(()) == ""
    assert render_opts_file(()) == ""


@pytest.mark.parametrize(
    "bad",
    [
        "10.0.0.5\n",
        "10.0.0.5,10.0.0.6",
        "10.0.0.5 ",
        "010.0.0.5",
        "10.0.0",
        "fe80::1",
        "--dhcp-script=/tmp/x",
    ],
)
def test_host_rejects_bad_ip(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid IPv4 address"):
        DhcpHost(mac="fa:16:3e:00:00:01", ip=bad)


@pytest.mark.parametrize(
    "bad",
    [
        "fa:16:3e:00:00:01\n",
        "fa:16:3e:00:00:01,set:x",
        "fa:16:3e:00:00",
        "*:*:*:*:*:*",
        "fa:16:3e:00:00:01 ",
        "01:00:5e:00:00:01",
    ],
)
def test_host_rejects_bad_mac(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid MAC address"):
        DhcpHost(mac=bad, ip="10.0.0.5")


@pytest.mark.parametrize(
    "bad",
    [
        "vm1\ndhcp-script=/tmp/x",
        "vm1,10.0.0.6",
        "vm 1",
        "--dhcp-script=/tmp/x",
        "set:foo",
        "vm1.example",
        "-vm",
        "vm_1",
        "",
        "a" * 64,
        "3600",
        "12h",
        "infinite",
        "ignore",
        "v\u00e9",
    ],
)
def test_host_rejects_bad_hostname(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid DHCP hostname"):
        DhcpHost(mac="fa:16:3e:00:00:01", ip="10.0.0.5", hostname=bad)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cidr": "10.0.0.1/24"}, "invalid IPv4 CIDR"),
        ({"cidr": "10.0.0.0/24\n"}, "invalid IPv4 CIDR"),
        ({"cidr": "fd00::/64"}, "invalid IPv4 CIDR"),
        ({"tag": "subnet 1"}, "invalid dnsmasq tag"),
        ({"tag": "tag:x,option:router"}, "invalid dnsmasq tag"),
        ({"tag": "x\nenable-tftp"}, "invalid dnsmasq tag"),
        ({"gateway": "10.0.0.1,10.0.0.2"}, "invalid gateway"),
        ({"gateway": "10.0.0.1\ndhcp-option=3"}, "invalid gateway"),
        ({"dns_nameservers": ("8.8.8.8,8.8.4.4",)}, "invalid DNS server"),
        ({"dns_nameservers": ("8.8.8.8\nconf-file=/x",)}, "invalid DNS server"),
        ({"dns_nameservers": "8.8.8.8"}, "must be a tuple"),
        ({"host_routes": (("10.1.0.1/16", "10.0.0.9"),)}, "invalid route destination"),
        ({"host_routes": (("10.1.0.0/016", "10.0.0.9"),)}, "invalid route destination"),
        ({"host_routes": (("10.1.0.0/16,0.0.0.0/0", "10.0.0.9"),)}, "invalid route destination"),
        ({"host_routes": (("10.1.0.0/16", "10.0.0.9,10.0.0.8"),)}, "invalid route next hop"),
        ({"host_routes": (("fd00::/64", "fd00::1"),)}, "invalid route destination"),
        ({"host_routes": "10.1.0.0/16"}, "must be a tuple"),
    ],
)
def test_subnet_rejects(fields: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {"cidr": "10.0.0.0/24", "tag": "subnet-1"}
    values.update(fields)
    with pytest.raises(ValueError, match=message):
        DhcpSubnet(**values)


def test_hosts_file_rejects_duplicates() -> None:
    with pytest.raises(
        ValueError,
        match=r"duplicate MAC and IP address in DHCP hosts: fa:16:3e:00:00:01 10\.0\.0\.5$",
    ):
        render_hosts_file(
            [
                DhcpHost(mac="fa:16:3e:00:00:01", ip="10.0.0.5"),
                DhcpHost(mac="FA:16:3E:00:00:01", ip="10.0.0.5"),
            ]
        )
    with pytest.raises(ValueError, match=r"duplicate IP address in DHCP hosts: 10\.0\.0\.5$"):
        render_hosts_file(
            [
                DhcpHost(mac="fa:16:3e:00:00:01", ip="10.0.0.5"),
                DhcpHost(mac="fa:16:3e:00:00:02", ip="10.0.0.5"),
            ]
        )


def test_a_port_on_two_dhcp_subnets_has_a_line_for_each_address() -> None:
    """As Neutron's agent writes them: one MAC on two subnets is two lines, and dnsmasq
    offers the address of the subnet the request comes from."""
    assert render_hosts_file([
        DhcpHost(mac="fa:16:3e:00:00:01", ip="10.1.0.5"),
        DhcpHost(mac="FA:16:3E:00:00:01", ip="10.0.0.5"),
    ]) == ("fa:16:3e:00:00:01,host-10-0-0-5,10.0.0.5\n"
           "fa:16:3e:00:00:01,host-10-1-0-5,10.1.0.5\n")


def test_opts_file_rejects_duplicate_tags() -> None:
    subnet = DhcpSubnet(cidr="10.0.0.0/24", tag="subnet-1")
    with pytest.raises(ValueError, match="duplicate subnet tags"):
        render_opts_file([subnet, subnet])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"interface": "br0 --dhcp-script=/x"}, "invalid interface name"),
        ({"interface": "-br0"}, "invalid interface name"),
        ({"pid_file": "run/pid"}, "invalid pid file"),
        ({"hosts_file": "/run/x\n--dhcp-script=/x"}, "invalid hosts file"),
        ({"opts_file": "/run/a,b"}, "invalid options file"),
        ({"lease_file": ""}, "invalid lease file"),
        ({"log_file": "/tmp/log\n"}, "invalid log file"),
        ({"subnets": ()}, "at least one"),
        ({"lease_seconds": 60}, "minimum of 120s"),
        ({"mtu": 10}, "invalid MTU"),
        ({"domain": "example..com"}, "invalid DNS domain"),
        ({"domain": "a.com\n--dhcp-script=/x"}, "invalid DNS domain"),
        ({"user": "root --dhcp-script=/x"}, "invalid user name"),
        ({"dnsmasq": "dnsmasq"}, "invalid dnsmasq path"),
    ],
)
def test_argv_rejects(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        argv(**changes)


# --------------------------------------------------------------------------- real dnsmasq


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _wait_for(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphaned daemon may wait for a reaper that never comes)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.fixture
def public_dir() -> Iterator[Path]:
    """dnsmasq reads its hosts and options files as "nobody", even at start-up, so every
    directory above them must be traversable by it (pytest's tmp_path is not)."""
    path = Path(tempfile.mkdtemp(prefix="ostack-test-dhcp-"))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def namespaces() -> Iterator[tuple[str, str]]:
    """A server namespace with a bridge at 10.0.0.1/24 and a client namespace on a veth.

    Everything lives inside the two namespaces this fixture creates; deleting them (always,
    after killing any process still inside) removes the bridge and veth with them.
    """
    server = f"ostack-test-{secrets.token_hex(4)}"
    client = f"{server}-c"
    created: list[str] = []
    try:
        for name in (server, client):
            _ip("netns", "add", name)
            created.append(name)
        _ip("-n", server, "link", "add", "br0", "type", "bridge")
        _ip("-n", server, "addr", "add", "10.0.0.1/24", "dev", "br0")
        _ip("-n", server, "link", "set", "br0", "up")
        _ip("-n", server, "link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b")
        _ip("-n", server, "link", "set", "veth-a", "master", "br0", "up")
        _ip("-n", server, "link", "set", "veth-b", "netns", client)
        _ip("-n", client, "link", "set", "veth-b", "address", "fa:16:3e:00:00:05", "up")
        yield server, client
    finally:
        for name in created:
            pids = subprocess.run(
                ["ip", "netns", "pids", name], capture_output=True, text=True, check=False
            ).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)


def _dhcp(client: str, script: Path) -> str:
    """One DHCP exchange with busybox udhcpc; its script prints what the server sent."""
    result = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            client,
            "busybox",
            "udhcpc",
            "-i",
            "veth-b",
            "-n",
            "-q",
            "-f",
            "-t",
            "3",
            "-T",
            "1",
            "-s",
            str(script),
            "-O",
            "mtu",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.stdout


@pytest.mark.host
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
@pytest.mark.skipif(not Path(DNSMASQ).exists(), reason=f"needs {DNSMASQ}")
def test_real_dnsmasq_leases_stops_and_rereads(
    namespaces: tuple[str, str], public_dir: Path
) -> None:
    server, client = namespaces
    run_dir = public_dir
    subnets = (
        DhcpSubnet(
            cidr="10.0.0.0/24", tag="subnet-1", gateway="10.0.0.1", dns_nameservers=("192.0.2.53",)
        ),
    )
    hosts = [DhcpHost(mac="fa:16:3e:00:00:05", ip="10.0.0.5", hostname="vm1")]
    (run_dir / "host").write_text(render_hosts_file(hosts))
    (run_dir / "opts").write_text(render_opts_file(subnets))
    pid_file = run_dir / "pid"
    command = dnsmasq_argv(
        interface="br0",
        pid_file=str(pid_file),
        hosts_file=str(run_dir / "host"),
        opts_file=str(run_dir / "opts"),
        lease_file=str(run_dir / "leases"),
        subnets=subnets,
        mtu=1450,
        log_file=str(run_dir / "log"),
    )
    started = subprocess.run(
        ["ip", "netns", "exec", server, *command],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    assert _wait_for(lambda: pid_file.exists() and pid_file.read_text().strip().isdigit())
    pid = int(pid_file.read_text())
    assert Path(f"/proc/{pid}/comm").read_text().strip() == "dnsmasq"
    assert os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(f"/run/netns/{server}").st_ino

    if Path("/usr/bin/busybox").exists() or Path("/bin/busybox").exists():
        script = run_dir / "udhcpc.sh"
        script.write_text(
            '#!/bin/sh\n[ "$1" = bound ] && echo "ip=$ip mask=$subnet '
            'router=$router dns=$dns hostname=$hostname domain=$domain mtu=$mtu"\n'
            "exit 0\n"
        )
        script.chmod(0o755)
        assert _dhcp(client, script).strip().splitlines()[-1:] == [
            "ip=10.0.0.5 mask=255.255.255.0 router=10.0.0.1 dns=192.0.2.53 hostname=vm1 "
            "domain=openstacklocal mtu=1450"
        ]
        # An unknown MAC gets nothing (static range) ...
        _ip("-n", client, "link", "set", "veth-b", "address", "fa:16:3e:00:00:06")
        assert "ip=" not in _dhcp(client, script)
        # ... until the hosts file lists it and dnsmasq is told to re-read it.
        hosts.append(DhcpHost(mac="fa:16:3e:00:00:06", ip="10.0.0.6"))
        (run_dir / "host").write_text(render_hosts_file(hosts))
        log = run_dir / "log"
        reads = log.read_text().count(f"read {run_dir / 'host'}")
        os.kill(pid, signal.SIGHUP)
        assert _wait_for(lambda: log.read_text().count(f"read {run_dir / 'host'}") > reads)
        lease = _dhcp(client, script)
        assert "ip=10.0.0.6 " in lease and "hostname=host-10-0-0-6 " in lease

    os.kill(pid, signal.SIGTERM)
    assert _wait_for(lambda: not _running(pid)), "dnsmasq ignored SIGTERM"
