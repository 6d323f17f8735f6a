"""The metadata service in the real kernel, inside the sandbox: a proxy in a router's
namespace behind its NAT redirect (the L3 agent's way) and one in a DHCP namespace on
169.254.169.254 itself (the DHCP agent's isolated metadata, the route handed out by DHCP).

Namespaces stand in for guests; the store is written record by record
(``tests/metadata_store.py``): ``alice`` (.5) and ``bob`` (.6) on 10.0.0.0/24. What a guest
asks, it asks with curl from its own namespace, headers and all.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ostack_cli.backend.local import dnsmasq, host_network, l3, metadata_host, router_host
from ostack_cli.backend.local.firewall import PortFilter, RuleSpec
from ostack_cli.backend.local.reconcile.desired import DhcpSpec, MetadataProxySpec
from ostack_cli.backend.local.reconcile.observe import observe
from ostack_cli.metadata import proxy
from tests import metadata_store as md
from tests.host.conftest import RUN, TEST_PREFIX, Guest, Sandbox, in_ns, sh, wait_until

CIDR, GATEWAY, DHCP_IP = "10.0.0.0/24", "10.0.0.1", "10.0.0.2"
URL = "http://169.254.169.254"
SPOOF = ("-H", "X-Forwarded-For: {bob}", "-H", f"X-Instance-ID: {md.BOB}",
         "-H", f"X-Tenant-ID: {md.PROJECT}", "-H", "X-Instance-ID-Signature: " + "0" * 64)


@dataclass
class Site:
    box: Sandbox
    store: md.Topology
    bridge: str
    alice: Guest
    bob: Guest
    stranger: Guest
    proxies: list[str]

    def start(self, namespace: str, kind: str, resource_id: str, *listen: str) -> None:
        spec = MetadataProxySpec(namespace=namespace, kind=kind, resource_id=resource_id,
                                 argv=(sys.executable, "-I", "-m", proxy.MODULE,
                                       f"--store={self.store.path}", f"--{kind}={resource_id}",
                                       f"--namespace={namespace}", *listen))
        self.proxies.append(namespace)
        metadata_host.start(spec)


def curl(guest: Guest, path: str, *args: str) -> tuple[int, str]:
    """(HTTP status, body) of ``path`` asked from the guest (status 0: no answer)."""
    done = guest.run("curl", "-s", "-m", "5", "-o", "-", "-w", "\n%{http_code}", *args,
                     f"{URL}{path}", check=False, timeout=15)
    body, _, status = done.stdout.rpartition("\n")
    return int(status or 0), body


@pytest.fixture
def site(sandbox: Sandbox) -> Iterator[Site]:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    directory = Path(tempfile.mkdtemp(prefix="ostack-md-test-"))
    bridge = sandbox.bridge(md.NETWORK)
    alice = sandbox.guest(bridge, "10.0.0.5/24", gateway=GATEWAY)
    bob = sandbox.guest(bridge, "10.0.0.6/24", gateway=GATEWAY)
    stranger = sandbox.guest(bridge, "10.0.0.9/24", gateway=GATEWAY, port=False)
    site = Site(sandbox, md.write_store(directory / "state.db", CIDR), bridge, alice, bob,
                stranger, [])
    try:
        yield site
    finally:
        for namespace in site.proxies:  # before the sandbox removes their namespaces
            with contextlib.suppress(Exception):
                pids = sh("ip", "netns", "pids", namespace, check=False).stdout.split()
                metadata_host.stop(tuple(int(p) for p in pids))
        shutil.rmtree(directory, ignore_errors=True)


def _router(site: Site) -> l3.RouterSpec:
    spec = l3.RouterSpec(
        router_id=site.box.router_id(),
        internal=(l3.InternalLeg(network_id=md.NETWORK, cidr=CIDR, gateway_ip=GATEWAY),),
        metadata_port=proxy.ROUTER_PORT)
    router_host.ensure_router(spec, site.box.names, host_netns=site.box.hv)
    return spec


def test_a_guest_behind_a_router_reads_its_own_metadata_and_nothing_else(site: Site) -> None:
    box = site.box
    # The store's filters on the guests' ports: anti-spoofing is what makes an address a
    # guest's own (bob's port may send as bob only).
    ports = [PortFilter(port_id=g.port_id, tap=g.tap, mac=g.mac, fixed_ips=(g.ip,),
                        rules=(RuleSpec(direction="egress"),)) for g in (site.alice, site.bob)]
    box.sync(ports)
    spec = _router(site)
    namespace = box.names.router_namespace(spec.router_id)
    # The proxy answers for the router md.ROUTER of the store (the sandbox's router id is a
    # test name): the networks it has interfaces on.
    site.start(namespace, "router", md.ROUTER, f"--listen=0.0.0.0:{proxy.ROUTER_PORT}",
               "--redirected-from=169.254.169.254:80")
    assert wait_until(lambda: curl(site.alice, "/")[0] == 200, timeout=5)
    status, body = curl(site.alice, "/openstack/latest/meta_data.json")
    assert status == 200 and json.loads(body)["uuid"] == md.ALICE
    assert curl(site.bob, "/latest/meta-data/instance-id") == (200, "i-7c1d7d4d")
    assert curl(site.alice, "/openstack/latest/user_data") == (200, md.USER_DATA.decode())
    # Spoofed headers change nothing: bob gets bob's, and no user data (he has none).
    spoof = tuple(a.format(bob=site.alice.ip) for a in SPOOF)
    assert curl(site.bob, "/latest/meta-data/instance-id", *spoof) == (200, "i-7c1d7d4d")
    status, body = curl(site.bob, "/openstack/latest/user_data", *spoof)
    assert status == 404 and "secret" not in body
    # Bob sending as alice is dropped on his port: no answer at all.
    site.bob.run("ip", "addr", "add", "10.0.0.5/32", "dev", "eth0")
    assert curl(site.bob, "/openstack/latest/user_data", "--interface", "10.0.0.5") == (0, "")
    # An address that is no port's: Neutron's 404.
    status, body = curl(site.stranger, "/latest/meta-data/instance-id")
    assert status == 404 and f"Instance was not found on router {md.ROUTER}." in body
    # The proxy's port itself serves nothing: only what the NAT redirected.
    direct = site.alice.run("curl", "-s", "-m", "3", "-o", "/dev/null", "-w", "%{http_code}",
                            f"http://{GATEWAY}:{proxy.ROUTER_PORT}/", check=False)
    assert direct.stdout in ("000", "")
    # The redirect as iptables-save prints it is the rendered line (what a deep sync compares).
    saved = in_ns(namespace, "iptables-save", "-t", "nat").stdout.splitlines()
    assert [line for line in saved if "REDIRECT" in line] == [
        line for line in l3.render_nat_table(spec).splitlines() if "REDIRECT" in line]


def test_an_isolated_network_gets_metadata_from_its_dhcp_server(site: Site) -> None:
    box = site.box
    files = Path(tempfile.mkdtemp(prefix="ostack-md-dhcp-"))
    files.chmod(0o755)
    namespace = f"{TEST_PREFIX}dhcp-{RUN}-{box.tag}"
    subnets = (dnsmasq.DhcpSubnet(cidr=CIDR, tag=f"subnet-{md.SUBNET}", gateway=GATEWAY,
                                  metadata_server=DHCP_IP),)
    hosts = [dnsmasq.DhcpHost(mac=g.mac, ip=g.ip) for g in (site.alice, site.bob)]
    spec = DhcpSpec(
        network_id=md.NETWORK, namespace=namespace, bridge=site.bridge,
        leg=box.names.dhcp_leg(md.NETWORK), mtu=1500,
        addresses=(f"{DHCP_IP}/24", "169.254.169.254/32"),
        hosts_file=dnsmasq.render_hosts_file(hosts), opts_file=dnsmasq.render_opts_file(subnets),
        argv=tuple(dnsmasq.dnsmasq_argv(
            interface=host_network.DHCP_IFNAME, pid_file=str(files / "pid"),
            hosts_file=str(files / "hosts"), opts_file=str(files / "opts"),
            lease_file=str(files / "leases"), subnets=subnets)),
        subnets=subnets)
    try:
        host_network.ensure_dhcp(spec, files, host_netns=box.hv)
        site.start(namespace, "network", md.NETWORK, "--listen=169.254.169.254:80")
        # The lease carries the route to the metadata service through the DHCP server.
        script = files / "lease.sh"
        script.write_text('#!/bin/sh\n[ "$1" = bound ] && echo "routes=$staticroutes"\n')
        script.chmod(0o755)
        site.alice.run("ip", "addr", "flush", "dev", "eth0")
        lease = site.alice.run("busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5",
                               "-T", "1", "-O", "staticroutes", "-s", str(script),
                               check=False, timeout=20)
        assert "routes=169.254.169.254/32 10.0.0.2 0.0.0.0/0 10.0.0.1" in lease.stdout, lease
        site.alice.run("ip", "addr", "add", "10.0.0.5/24", "dev", "eth0")
        site.alice.run("ip", "route", "replace", "169.254.169.254/32", "via", DHCP_IP)
        site.bob.run("ip", "route", "replace", "169.254.169.254/32", "via", DHCP_IP)
        assert wait_until(lambda: curl(site.alice, "/latest/meta-data/instance-id") == (
            200, "i-6b0c6c3c"), timeout=5)
        status, body = curl(site.bob, "/openstack/latest/meta_data.json",
                            *(a.format(bob=site.alice.ip) for a in SPOOF))
        assert status == 200 and json.loads(body)["uuid"] == md.BOB
        site.stranger.run("ip", "route", "replace", "169.254.169.254/32", "via", DHCP_IP)
        status, body = curl(site.stranger, "/")
        assert status == 404 and f"Instance was not found on network {md.NETWORK}." in body
    finally:
        host_network.remove_namespace(namespace)  # stops dnsmasq and the proxy first
        shutil.rmtree(files, ignore_errors=True)


def test_the_reconciler_finds_its_proxies_by_what_they_run(site: Site) -> None:
    box = site.box
    spec = _router(site)
    namespace = box.names.router_namespace(spec.router_id)
    site.start(namespace, "router", md.ROUTER, f"--listen=0.0.0.0:{proxy.ROUTER_PORT}",
               "--redirected-from=169.254.169.254:80")
    seen = observe(box.names, Path(tempfile.gettempdir()) / f"none-{uuid.uuid4()}", ())
    (running,) = seen.metadata[namespace]
    assert running.in_namespace and running.argv[-2] == f"--listen=0.0.0.0:{proxy.ROUTER_PORT}"
    # A second start while one listens fails at once and says why (the reconciler never
    # starts one beside a running one: it stops the stale one first).
    with pytest.raises(Exception, match="Address already in use"):
        site.start(namespace, "router", md.ROUTER, f"--listen=0.0.0.0:{proxy.ROUTER_PORT}")
    metadata_host.stop((running.pid,))
    after = observe(box.names, Path(tempfile.gettempdir()) / f"none-{uuid.uuid4()}", ())
    assert namespace not in after.metadata
