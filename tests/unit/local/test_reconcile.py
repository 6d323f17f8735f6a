"""The reconciler's pure parts: desired state from records, and the plan against an observed
host. Plans are golden files (``OSTACK_UPDATE_GOLDEN=1`` rewrites them); the vm and host
tiers prove that applying them does what they say."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ostack_cli.backend.local.l3 import PortForward
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.reconcile.desired import (
    DHCP_IFNAME,
    HostSettings,
    Records,
    RouterPlan,
    desired_host,
    dhcp_hostname,
)
from ostack_cli.backend.local.reconcile.observe import (
    DnsmasqProcess,
    Inside,
    Link,
    MetadataProcess,
    Observed,
)
from ostack_cli.backend.local.reconcile.plan import plan
from ostack_cli.backend.models.network import FloatingIP, Network, Port, Router, Subnet
from ostack_cli.backend.models.port_forwarding import PortForwarding
from ostack_cli.backend.models.security_group import SecurityGroupRule
from ostack_cli.backend.models.server import Server
from tests.unit.local.golden_util import assert_golden

NAMES = HostNames("a1b")
SETTINGS = HostSettings(names=NAMES, host_dir=Path("/var/lib/ostack-host"),
                        store_path=Path("/var/lib/ostack/state.db"), python="/usr/bin/python3")
PROJECT = "p" * 32

EXT, PRIV, ISOLATED = ("e0000000-0000-4000-8000-00000000000e",
                       "a0000000-0000-4000-8000-00000000000a",
                       "b0000000-0000-4000-8000-00000000000b")
EXT_SUB, PRIV_SUB, ISO_SUB = ("e5000000-0000-4000-8000-000000000000",
                              "a5000000-0000-4000-8000-000000000000",
                              "b5000000-0000-4000-8000-000000000000")
ROUTER = "c0000000-0000-4000-8000-00000000000c"
SERVER, SERVER2 = ("50000000-0000-4000-8000-000000000001",
                   "50000000-0000-4000-8000-000000000002")
GROUP = "60000000-0000-4000-8000-000000000000"
WEB_PORT, DHCP_PORT, RI_PORT, GW_PORT, ISO_PORT = (
    "d1000000-0000-4000-8000-000000000000", "d2000000-0000-4000-8000-000000000000",
    "d3000000-0000-4000-8000-000000000000", "d4000000-0000-4000-8000-000000000000",
    "d5000000-0000-4000-8000-000000000000")


def net(network_id: str, subnet_id: str, **changes: object) -> Network:
    return Network(id=network_id, name=network_id[:1], project_id=PROJECT,
                   subnet_ids=[subnet_id], **changes)  # type: ignore[arg-type]


def subnet(subnet_id: str, network_id: str, cidr: str, **changes: object) -> Subnet:
    gateway = cidr.rsplit(".", 1)[0] + ".1"
    return Subnet(id=subnet_id, project_id=PROJECT, network_id=network_id, cidr=cidr,
                  gateway_ip=gateway, **changes)  # type: ignore[arg-type]


def port(port_id: str, network_id: str, subnet_id: str, ip: str, owner: str, device: str,
         **changes: object) -> Port:
    return Port(id=port_id, project_id=PROJECT, network_id=network_id,
                mac_address=f"fa:16:3e:00:00:{port_id[1]}{port_id[0]}",
                fixed_ips=[{"subnet_id": subnet_id, "ip_address": ip}], device_id=device,
                device_owner=owner, **changes)  # type: ignore[arg-type]


def server(server_id: str, hostname: str = "web") -> Server:
    return Server(id=server_id, name=hostname, project_id=PROJECT, user_id="u",
                  flavor_id="1", image_id="70000000-0000-4000-8000-000000000000",
                  hostname=hostname)


def article() -> Records:
    """The article's topology: External, private, router1, one guest with a floating IP."""
    return Records(
        networks=(net(EXT, EXT_SUB, is_router_external=True), net(PRIV, PRIV_SUB)),
        subnets=(subnet(EXT_SUB, EXT, "192.168.61.0/24", is_dhcp_enabled=False),
                 subnet(PRIV_SUB, PRIV, "10.0.0.0/24")),
        ports=(
            port(WEB_PORT, PRIV, PRIV_SUB, "10.0.0.3", "compute:nova", SERVER,
                 security_group_ids=[GROUP]),
            port(DHCP_PORT, PRIV, PRIV_SUB, "10.0.0.2", "network:dhcp", f"dhcp-{PRIV}",
                 is_port_security_enabled=False),
            port(RI_PORT, PRIV, PRIV_SUB, "10.0.0.1", "network:router_interface", ROUTER),
            port(GW_PORT, EXT, EXT_SUB, "192.168.61.2", "network:router_gateway", ROUTER),
        ),
        routers=(Router(id=ROUTER, project_id=PROJECT,
                        external_gateway_info={"network_id": EXT, "enable_snat": True}),),
        floating_ips=(FloatingIP(id="f0000000-0000-4000-8000-000000000000", project_id=PROJECT,
                                 floating_network_id=EXT, floating_ip_address="192.168.61.5",
                                 floating_port_id="x", port_id=WEB_PORT,
                                 fixed_ip_address="10.0.0.3", router_id=ROUTER),),
        rules=(SecurityGroupRule(id="r1", security_group_id=GROUP, project_id=PROJECT,
                                 direction="ingress", protocol="icmp",
                                 remote_ip_prefix="0.0.0.0/0"),),
        servers=(server(SERVER),),
        image_ids=frozenset({"70000000-0000-4000-8000-000000000000"}),
    )


def converged(records: Records) -> Observed:
    """What a host holds once ``records`` are applied (what a no-op converge sees)."""
    desired = desired_host(records, SETTINGS)
    links = {name: Link(name, "bridge", mtu=spec.mtu) for name, spec in desired.bridges.items()}
    addresses = {name: frozenset({spec.address} if spec.address else ())
                 for name, spec in desired.bridges.items()}
    for tap, (bridge, _) in desired.taps.items():
        links[tap] = Link(tap, "tun", master=bridge)
    for dhcp in desired.dhcp.values():
        links[dhcp.leg] = Link(dhcp.leg, "veth", master=dhcp.bridge)
    for router in desired.routers.values():
        for device, bridge in router.legs:
            links[device] = Link(device, "veth", master=bridge)
    return Observed(
        links=links,
        addresses=addresses,
        routes=tuple((spec.external_cidr, name) for name, spec in desired.bridges.items()
                     if spec.external_cidr),
        namespaces=frozenset({d.namespace for d in desired.dhcp.values()}
                             | {r.namespace for r in desired.routers.values()}),
        dnsmasq={n: (DnsmasqProcess(100 + i, n, d.argv),)
                 for i, (n, d) in enumerate(desired.dhcp.items())},
        metadata={n: (MetadataProcess(200 + i, n, m.argv, in_namespace=True),)
                  for i, (n, m) in enumerate(desired.metadata.items())},
        dhcp_files={n: (d.hosts_file, d.opts_file) for n, d in desired.dhcp.items()},
        router_digests={r: p.digest for r, p in desired.routers.items()},
        domains=frozenset(NAMES.domain(s) for s in desired.servers),
        instance_dirs=frozenset(desired.servers),
        base_files=desired.base_images,
        dhcp_dirs=frozenset(desired.dhcp),
        firewall=not desired.empty,
        firewall_rules=7,
        firewall_marker=(desired.firewall_digest, 7) if not desired.empty else None,
        inside={
            **{d.namespace: Inside(links={DHCP_IFNAME: Link(DHCP_IFNAME, "veth", mtu=d.mtu)},
                                   addresses={DHCP_IFNAME: frozenset(d.addresses)})
               for d in desired.dhcp.values()},
            **{r.namespace: router_inside(r) for r in desired.routers.values()},
        },
    )


def router_inside(router: RouterPlan) -> Inside:
    """What a router's namespace holds once laid out (what ``ip -j`` and iptables-save
    print of it)."""
    legs = router.layout.legs
    routes = {(d, via) for d, via in router.layout.routes}
    external = next(leg.inner for leg in legs if leg.external)
    routes |= {(f"{a}/32", f"dev:{external}") for a in router.layout.onlink}
    return Inside(
        links={leg.inner: Link(leg.inner, "veth", mtu=leg.mtu, mac=leg.mac) for leg in legs},
        addresses={leg.inner: frozenset(leg.addresses) for leg in legs},
        routes=frozenset(routes),
        nat=tuple(sorted(line for line in router.nat.splitlines() if line.startswith("-A "))),
    )


def golden_plan(name: str, records: Records, observed: Observed, *, deep: bool = False) -> str:
    text = plan(desired_host(records, SETTINGS), observed, deep=deep).describe()
    assert_golden(f"reconcile/{name}.plan", text)
    return text


def test_a_fresh_host_gets_everything_firewall_first() -> None:
    text = golden_plan("fresh", article(), Observed())
    lines = text.splitlines()
    assert lines[0] == "apply the store's firewall"
    assert not any(line.startswith(("remove", "stop", "destroy")) for line in lines)


def test_a_converged_host_needs_nothing() -> None:
    assert golden_plan("noop", article(), converged(article())) == ""


def test_the_firewall_is_applied_again_when_its_inputs_or_its_rules_changed() -> None:
    host = converged(article())
    changed = dataclasses.replace(article(), rules=())
    assert plan(desired_host(changed, SETTINGS), host).describe() == (
        "apply the store's firewall\n")
    flushed = dataclasses.replace(host, firewall_rules=0)
    assert plan(desired_host(article(), SETTINGS), flushed).describe() == (
        "apply the store's firewall\n")
    gone = dataclasses.replace(host, firewall=False, firewall_rules=0)
    assert plan(desired_host(article(), SETTINGS), gone).describe() == (
        "apply the store's firewall\n")


def test_deep_checks_the_firewall_and_finds_nothing_else_to_do_on_a_converged_host() -> None:
    assert plan(desired_host(article(), SETTINGS), converged(article()), deep=True
                ).describe() == "apply the store's firewall\n"


def test_deep_re_lays_what_was_changed_inside_a_namespace() -> None:
    host = converged(article())
    router_ns = NAMES.router_namespace(ROUTER)
    dhcp_ns = NAMES.dhcp_namespace(PRIV)
    tampered = dataclasses.replace(host, inside={
        **host.inside,
        router_ns: dataclasses.replace(host.inside[router_ns],
                                       nat=host.inside[router_ns].nat[1:]),
        dhcp_ns: dataclasses.replace(host.inside[dhcp_ns], addresses={}),
    })
    text = golden_plan("deep", article(), tampered, deep=True)
    assert "lay out router namespace" in text and "serve DHCP" in text
    shallow = plan(desired_host(article(), SETTINGS), tampered).describe()
    assert shallow == "", "only a deep look sees inside"


def test_debris_of_a_crash_is_found_by_observation() -> None:
    host = converged(article())
    stale_net, stale_router, stale_server = ("9" * 8 + "-0000-4000-8000-000000000000",
                                             "8" * 8 + "-0000-4000-8000-000000000000",
                                             "7" * 8 + "-0000-4000-8000-000000000000")
    debris = dataclasses.replace(
        host,
        links={**host.links,
               NAMES.bridge(stale_net): Link(NAMES.bridge(stale_net), "bridge"),
               NAMES.dhcp_leg(stale_net): Link(NAMES.dhcp_leg(stale_net), "veth"),
               NAMES.tap(stale_net): Link(NAMES.tap(stale_net), "tun")},
        namespaces=host.namespaces | {NAMES.dhcp_namespace(stale_net),
                                      NAMES.router_namespace(stale_router)},
        dnsmasq={**host.dnsmasq, stale_net: (DnsmasqProcess(999, stale_net, ("dnsmasq",)),)},
        domains=host.domains | {NAMES.domain(stale_server)},
        instance_dirs=host.instance_dirs | {stale_server},
        dhcp_dirs=host.dhcp_dirs | {stale_net},
        router_digests={**host.router_digests, stale_router: "x"},
        base_files=host.base_files | {"gone-image"},
    )
    text = golden_plan("debris", article(), debris)
    assert text.splitlines()[0] == f"destroy and undefine orphan guest {NAMES.domain(stale_server)}"
    assert NAMES.tap(stale_net) not in text, "a tap goes with its guest, never before"


def test_everything_gone_from_the_store_takes_everything_off_the_host() -> None:
    text = golden_plan("teardown", Records(), converged(article()))
    assert "remove the store's firewall chains and hooks" in text


def test_a_store_with_nothing_on_the_host_has_nothing_to_do() -> None:
    assert plan(desired_host(Records(), SETTINGS), Observed()).describe() == ""
    deep = plan(desired_host(Records(), SETTINGS), Observed(), deep=True).describe()
    assert deep == "remove the store's firewall chains and hooks\n"


def test_a_network_without_dhcp_gets_a_bridge_and_no_dhcp_server() -> None:
    records = article()
    no_dhcp = dataclasses.replace(records, subnets=(
        records.subnets[0], dataclasses.replace(records.subnets[1], is_dhcp_enabled=False)))
    desired = desired_host(no_dhcp, SETTINGS)
    assert not desired.dhcp and not desired.faults
    assert NAMES.bridge(PRIV) in desired.bridges and desired.ports


def test_a_guest_on_two_dhcp_subnets_of_its_network_gets_both_served() -> None:
    records = article()
    second = "a6000000-0000-4000-8000-000000000000"
    network = dataclasses.replace(records.networks[1], subnet_ids=[PRIV_SUB, second])
    web, dhcp_port, *rest = records.ports
    two = {"subnet_id": second, "ip_address": "10.0.1.3"}
    records = dataclasses.replace(
        records, networks=(records.networks[0], network),
        subnets=(*records.subnets, subnet(second, PRIV, "10.0.1.0/24")),
        ports=(dataclasses.replace(web, fixed_ips=[*web.fixed_ips, two]),
               dataclasses.replace(dhcp_port, fixed_ips=[
                   *dhcp_port.fixed_ips, {"subnet_id": second, "ip_address": "10.0.1.2"}]),
               *rest))
    desired = desired_host(records, SETTINGS)
    assert not desired.faults
    assert desired.dhcp[PRIV].hosts_file == (
        f"{web.mac_address},web,10.0.0.3\n{web.mac_address},web,10.0.1.3\n")


def test_an_admin_down_router_has_no_namespace() -> None:
    """Neutron's L3 agent is sent admin-up routers only and removes any other's namespace;
    the guest keeps its bridge, DHCP and filter."""
    records = article()
    down = dataclasses.replace(records, routers=(
        dataclasses.replace(records.routers[0], is_admin_state_up=False),))
    desired = desired_host(down, SETTINGS)
    assert not desired.routers and not desired.faults
    assert NAMES.bridge(EXT) not in desired.bridges
    assert NAMES.bridge(PRIV) in desired.bridges and PRIV in desired.dhcp and desired.ports
    text = plan(desired, converged(records)).describe()
    assert f"remove router namespace {NAMES.router_namespace(ROUTER)}\n" in text


def test_an_admin_down_network_gets_no_dhcp_server() -> None:
    """The DHCP agent is sent admin-up networks only."""
    records = article()
    down = dataclasses.replace(records, networks=(
        records.networks[0], dataclasses.replace(records.networks[1], is_admin_state_up=False)))
    desired = desired_host(down, SETTINGS)
    assert not desired.dhcp and not desired.faults
    assert NAMES.bridge(PRIV) in desired.bridges and desired.routers and desired.ports


def test_an_isolated_ipv6_only_network_serves_its_guest_without_dhcp() -> None:
    records = Records(
        networks=(net(ISOLATED, ISO_SUB),),
        subnets=(Subnet(id=ISO_SUB, project_id=PROJECT, network_id=ISOLATED,
                        cidr="2001:db8::/64", ip_version=6, gateway_ip="2001:db8::1"),),
        ports=(port(ISO_PORT, ISOLATED, ISO_SUB, "2001:db8::5", "compute:nova", SERVER),),
        servers=(server(SERVER),),
    )
    desired = desired_host(records, SETTINGS)
    assert not desired.faults and not desired.dhcp and [p.port_id for p in desired.ports] == [
        ISO_PORT]


@pytest.mark.parametrize(("hostname", "given"), [
    ("web", "web"), ("web.example.com", "web"), ("2024", None), ("a" * 63, "a" * 63),
    (None, None), ("infinite", None),
])
def test_dhcp_hostnames_nova_accepts_never_break_dnsmasq(hostname: str | None,
                                                         given: str | None) -> None:
    assert dhcp_hostname(hostname) == given


def test_a_dotted_and_a_numeric_hostname_converge() -> None:
    records = article()
    records = dataclasses.replace(records, servers=(server(SERVER, "2024"),))
    desired = desired_host(records, SETTINGS)
    assert not desired.faults and desired.dhcp[PRIV].hosts_file == (
        "fa:16:3e:00:00:1d,host-10-0-0-3,10.0.0.3\n")
    dotted = desired_host(dataclasses.replace(records, servers=(server(SERVER, "web.x.org"),)),
                          SETTINGS)
    assert dotted.dhcp[PRIV].hosts_file == "fa:16:3e:00:00:1d,web,10.0.0.3\n"


def test_one_bad_port_is_a_fault_of_its_own_and_the_rest_converges() -> None:
    records = article()
    bad = dataclasses.replace(records.ports[0], id="d9000000-0000-4000-8000-000000000000",
                              device_id=SERVER2, allowed_address_pairs=[{"ip_address": "x"}],
                              fixed_ips=[{"subnet_id": PRIV_SUB, "ip_address": "10.0.0.4"}],
                              mac_address="fa:16:3e:00:00:9d")
    records = dataclasses.replace(records, ports=(*records.ports, bad),
                                  servers=(*records.servers, server(SERVER2)))
    desired = desired_host(records, SETTINGS)
    assert list(desired.faults) == [("port", bad.id)]
    assert [p.port_id for p in desired.ports] == [WEB_PORT]
    assert PRIV in desired.dhcp and ROUTER in desired.routers


def test_an_external_range_another_interface_routes_gets_no_host_address() -> None:
    host = dataclasses.replace(converged(article()), routes=(("192.168.61.0/24", "ostfffb1"),))
    steps = plan(desired_host(article(), SETTINGS), host)
    assert "overlaps 192.168.61.0/24 on ostfffb1" in steps.faults[("network", EXT)]
    assert f"bring bridge {NAMES.bridge(EXT)} up (mtu 1500)\n" in steps.describe()


def test_the_host_leaves_an_external_gateway_a_router_interface_holds() -> None:
    """``router add subnet`` of an external subnet gives the router its gateway address:
    the host's bridge then holds none, or two would answer for it on the segment."""
    records = article()
    leg = port("d6000000-0000-4000-8000-000000000000", EXT, EXT_SUB, "192.168.61.1",
               "network:router_interface", ROUTER)
    taken = dataclasses.replace(records, ports=(*records.ports, leg))
    desired = desired_host(taken, SETTINGS)
    assert desired.bridges[NAMES.bridge(EXT)].address is None and not desired.faults
    assert desired_host(records, SETTINGS).bridges[NAMES.bridge(EXT)].address == \
        "192.168.61.1/24"
    # The bridge is brought to holding nothing (ensure_bridge drops what it holds beyond).
    text = plan(desired, converged(records)).describe()
    assert f"bring bridge {NAMES.bridge(EXT)} up (mtu 1500)\n" in text


def test_a_gateway_outside_its_subnet_is_held_as_a_host_route() -> None:
    records = article()
    outside = dataclasses.replace(records.subnets[0], gateway_ip="192.168.99.1")
    desired = desired_host(dataclasses.replace(records, subnets=(outside, records.subnets[1])),
                           SETTINGS)
    assert desired.bridges[NAMES.bridge(EXT)].address == "192.168.99.1/32"
    assert not desired.faults


def test_the_uplink_opt_in_turns_forwarding_on_and_opting_out_restores_it() -> None:
    opted = dataclasses.replace(SETTINGS, uplink="eth0")
    steps = plan(desired_host(article(), opted), converged(article()))
    assert "turn host IPv4 forwarding on" in steps.describe()
    back = plan(desired_host(article(), SETTINGS),
                dataclasses.replace(converged(article()), forwarding="1", saved_forwarding="0"))
    assert "restore host IPv4 forwarding" in back.describe()


def test_a_subnets_host_routes_reach_its_guests_by_dhcp() -> None:
    records = article()
    routed = dataclasses.replace(records.subnets[1], host_routes=[
        {"destination": "172.16.0.0/16", "nexthop": "10.0.0.254"}])
    desired = desired_host(dataclasses.replace(records, subnets=(records.subnets[0], routed)),
                           SETTINGS)
    # The router holds the gateway: the metadata route goes through it, after the subnet's.
    assert ("option:classless-static-route,172.16.0.0/16,10.0.0.254,169.254.169.254/32,"
            "10.0.0.1,0.0.0.0/0,10.0.0.1") in desired.dhcp[PRIV].opts_file


def test_port_forwardings_reach_their_router_and_a_converged_one_is_left_alone() -> None:
    """A floating IP that forwards ports (router_id set, no port) gets its DNAT rules in the
    router's NAT table and its address on the external leg; the deep comparison then finds
    the namespace as rendered."""
    records = article()
    free = FloatingIP(id="f1000000-0000-4000-8000-000000000000", project_id=PROJECT,
                      floating_network_id=EXT, floating_ip_address="192.168.61.6",
                      floating_port_id="y", router_id=ROUTER)
    forwarding = PortForwarding(
        id="f2000000-0000-4000-8000-000000000000", floatingip_id=free.id, project_id=PROJECT,
        internal_port_id=WEB_PORT, internal_ip_address="10.0.0.3", internal_port_start=22,
        internal_port_end=22, external_port_start=2222, external_port_end=2222,
        protocol="tcp")
    records = dataclasses.replace(records, floating_ips=(*records.floating_ips, free),
                                  port_forwardings=(forwarding,))
    router = desired_host(records, SETTINGS).routers[ROUTER]
    assert router.spec.port_forwardings == (PortForward(
        floating_ip="192.168.61.6", protocol="tcp", external_ports=(2222, 2222),
        internal_ip="10.0.0.3", internal_ports=(22, 22)),)
    assert ("-A ostack-PREROUTING -d 192.168.61.6/32 -p tcp -m tcp --dport 2222 -j DNAT "
            "--to-destination 10.0.0.3:22") in router.nat.splitlines()
    assert "192.168.61.6/32" in router.layout.legs[-1].addresses
    # Without it, the router is a different one: its layout is applied again.
    before = desired_host(article(), SETTINGS).routers[ROUTER]
    assert before.digest != router.digest
    host = converged(records)
    assert plan(desired_host(records, SETTINGS), host, deep=True).describe() == \
        plan(desired_host(article(), SETTINGS), converged(article()), deep=True).describe()


# -- the metadata service -----------------------------------------------------------------


def isolated() -> Records:
    """The article's private network without its router: an isolated subnet."""
    records = article()
    return dataclasses.replace(
        records, routers=(), floating_ips=(),
        networks=records.networks[1:], subnets=records.subnets[1:],
        ports=tuple(p for p in records.ports if p.id in (WEB_PORT, DHCP_PORT)))


def test_a_routed_network_gets_metadata_from_its_router() -> None:
    desired = desired_host(article(), SETTINGS)
    proxy = desired.metadata[NAMES.router_namespace(ROUTER)]
    assert list(desired.metadata) == [NAMES.router_namespace(ROUTER)]
    assert proxy.argv == (
        "/usr/bin/python3", "-I", "-m", "ostack_cli.metadata.proxy",
        "--store=/var/lib/ostack/state.db", f"--router={ROUTER}",
        f"--namespace={NAMES.router_namespace(ROUTER)}", "--listen=0.0.0.0:9697",
        "--redirected-from=169.254.169.254:80")
    assert ("-A ostack-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 "
            "-j REDIRECT --to-ports 9697") in desired.routers[ROUTER].nat.splitlines()
    # The DHCP leg holds the address (enable_isolated_metadata), its guests go by the router.
    assert desired.dhcp[PRIV].addresses == ("10.0.0.2/24", "169.254.169.254/32")
    assert "169.254.169.254/32,10.0.0.1," in desired.dhcp[PRIV].opts_file


def test_an_isolated_network_gets_metadata_from_its_dhcp_namespace() -> None:
    desired = desired_host(isolated(), SETTINGS)
    namespace = NAMES.dhcp_namespace(PRIV)
    assert list(desired.metadata) == [namespace]
    assert desired.metadata[namespace].argv[-3:] == (
        f"--network={PRIV}", f"--namespace={namespace}", "--listen=169.254.169.254:80")
    assert desired.dhcp[PRIV].opts_file.splitlines()[0] == (
        f"tag:subnet-{PRIV_SUB},option:classless-static-route,169.254.169.254/32,10.0.0.2,"
        "0.0.0.0/0,10.0.0.1")
    text = golden_plan("metadata_isolated", isolated(), Observed())
    assert text.splitlines()[-1].startswith(f"serve metadata for network {PRIV} in {namespace}")


def test_a_router_port_that_does_not_hold_the_gateway_leaves_the_subnet_isolated() -> None:
    records = article()
    elsewhere = dataclasses.replace(
        records.ports[2], fixed_ips=[{"subnet_id": PRIV_SUB, "ip_address": "10.0.0.254"}])
    desired = desired_host(dataclasses.replace(
        records, ports=(*records.ports[:2], elsewhere, records.ports[3])), SETTINGS)
    assert set(desired.metadata) == {NAMES.router_namespace(ROUTER),
                                     NAMES.dhcp_namespace(PRIV)}
    assert "169.254.169.254/32,10.0.0.2," in desired.dhcp[PRIV].opts_file


def test_without_a_store_there_is_no_metadata_service() -> None:
    desired = desired_host(article(), dataclasses.replace(SETTINGS, store_path=None))
    assert not desired.metadata
    assert "REDIRECT" not in desired.routers[ROUTER].nat
    assert desired.dhcp[PRIV].addresses == ("10.0.0.2/24",)


def test_a_proxy_that_runs_as_it_should_is_left_alone_and_any_other_is_restarted() -> None:
    host = converged(article())
    namespace = NAMES.router_namespace(ROUTER)
    (running,) = host.metadata[namespace]
    stale = dataclasses.replace(running, argv=(*running.argv[:-1], "--listen=0.0.0.0:1"))
    orphaned = dataclasses.replace(running, in_namespace=False)  # its namespace made again
    for proxies in ((stale,), (orphaned,), (running, dataclasses.replace(running, pid=201))):
        text = plan(desired_host(article(), SETTINGS),
                    dataclasses.replace(host, metadata={namespace: proxies})).describe()
        assert text == (f"serve metadata for router {ROUTER} in {namespace} "
                        f"(restarting {', '.join(str(p.pid) for p in proxies)})\n")
    missing = plan(desired_host(article(), SETTINGS),
                   dataclasses.replace(host, metadata={})).describe()
    assert missing == f"serve metadata for router {ROUTER} in {namespace}\n"


def test_a_proxy_no_record_wants_is_stopped_before_its_namespace_goes() -> None:
    lines = golden_plan("teardown", Records(), converged(article())).splitlines()
    namespace = NAMES.router_namespace(ROUTER)
    stop = lines.index(f"stop metadata proxy 200 in {namespace}")
    assert stop < lines.index(f"remove router namespace {namespace}")
