"""l3.py: a router's namespace layout and its NAT table (golden files).

tests/host/test_router_host.py proves in the real kernel that this NAT really translates.
"""

from __future__ import annotations

import dataclasses

import pytest

from ostack_cli.backend.local import l3, names
from ostack_cli.backend.local.l3 import ExternalGateway, InternalLeg, PortForward, RouterSpec
from ostack_cli.backend.local.names import HostNames
from tests.unit.local.golden_util import assert_golden

HOST = HostNames("a1b")

ROUTER = "5b3f7e0e-1d8c-4c1e-9a53-6f0a9f1c2d3e"
NET1 = "11111111-aaaa-4bbb-8ccc-000000000001"
NET2 = "22222222-aaaa-4bbb-8ccc-000000000002"
EXT = "eeeeeeee-aaaa-4bbb-8ccc-00000000000e"

FULL = RouterSpec(
    router_id=ROUTER,
    internal=(
        InternalLeg(network_id=NET2, cidr="10.0.2.0/24", gateway_ip="10.0.2.1", mtu=1450),
        InternalLeg(network_id=NET1, cidr="10.0.1.0/24", gateway_ip="10.0.1.1",
                    mac="fa:16:3e:00:00:01"),
        InternalLeg(network_id=NET1, cidr="10.0.3.0/24", gateway_ip="10.0.3.254"),
        InternalLeg(network_id=NET1, cidr="2001:db8:1::/64", gateway_ip="2001:db8:1::1"),
    ),
    external=ExternalGateway(network_id=EXT, address="203.0.113.10/24",
                             gateway_ip="203.0.113.1", mac="FA:16:3E:00:00:EE"),
    routes=(("10.9.0.0/16", "10.0.2.50"), ("192.168.50.7/24", "10.0.1.60")),
    floating_ips=(("203.0.113.30", "10.0.2.5"), ("203.0.113.20", "10.0.1.5")),
)


# A floating IP that forwards ports (203.0.113.40: one port, an N:N range and a 1:N range).
FORWARDS = (
    PortForward(floating_ip="203.0.113.40", protocol="udp", external_ports=(9000, 9010),
                internal_ip="10.0.2.6", internal_ports=(8000, 8010)),
    PortForward(floating_ip="203.0.113.40", protocol="tcp", external_ports=(2222, 2222),
                internal_ip="10.0.1.5", internal_ports=(22, 22)),
    PortForward(floating_ip="203.0.113.40", protocol="tcp", external_ports=(8080, 8089),
                internal_ip="10.0.2.6", internal_ports=(80, 80)),
)


def test_router_with_gateway_snat_and_floating_ips() -> None:
    assert_golden("l3/router_full.rules", l3.render_nat_table(FULL))


def test_router_without_snat_keeps_floating_ips_one_to_one() -> None:
    assert_golden("l3/router_no_snat.rules",
                  l3.render_nat_table(dataclasses.replace(FULL, snat=False)))


def test_port_forwardings_are_dnat_by_port_in_prerouting() -> None:
    spec = dataclasses.replace(FULL, port_forwardings=FORWARDS)
    assert_golden("l3/router_port_forwarding.rules", l3.render_nat_table(spec))
    shuffled = dataclasses.replace(spec, port_forwardings=FORWARDS[::-1])
    assert l3.render_nat_table(shuffled) == l3.render_nat_table(spec)


def test_a_forwarding_floating_ip_is_held_by_the_external_leg() -> None:
    spec = dataclasses.replace(FULL, port_forwardings=FORWARDS)
    external = l3.router_layout(spec, HOST).legs[-1]
    assert external.addresses == ("203.0.113.10/24", "203.0.113.20/32", "203.0.113.30/32",
                                  "203.0.113.40/32")


def test_metadata_requests_are_redirected_to_the_routers_proxy() -> None:
    # The L3 agent's metadata_nat_rules, ahead of the floating IPs' DNAT.
    spec = dataclasses.replace(FULL, metadata_port=9697)
    text = l3.render_nat_table(spec)
    assert_golden("l3/router_metadata.rules", text)
    assert text.splitlines().index(
        "-A ostack-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 "
        "-j REDIRECT --to-ports 9697") < text.splitlines().index(
        "-A ostack-PREROUTING -d 203.0.113.20/32 -j DNAT --to-destination 10.0.1.5")
    # Without a gateway too (isolated from the outside, not from the metadata service).
    alone = dataclasses.replace(spec, external=None, floating_ips=())
    assert "REDIRECT --to-ports 9697" in l3.render_nat_table(alone)
    assert l3.digest(spec) != l3.digest(FULL)
    with pytest.raises(ValueError, match="bad metadata port"):
        l3.render_nat_table(dataclasses.replace(FULL, metadata_port=0))


def test_router_without_gateway_has_an_empty_nat_table() -> None:
    spec = dataclasses.replace(FULL, external=None, floating_ips=())
    assert_golden("l3/router_no_gateway.rules", l3.render_nat_table(spec))


def test_nat_order_does_not_depend_on_input_order() -> None:
    shuffled = dataclasses.replace(FULL, internal=FULL.internal[::-1],
                                   floating_ips=FULL.floating_ips[::-1])
    assert l3.render_nat_table(shuffled) == l3.render_nat_table(FULL)


def test_layout() -> None:
    layout = l3.router_layout(FULL, HOST)
    assert layout == l3.RouterLayout(
        namespace=f"ostack-a1b-router-{ROUTER}",
        legs=(
            l3.Leg(inner="qr-11111111aaa", outer=HOST.router_leg(ROUTER, NET1, external=False),
                   bridge=HOST.bridge(NET1), network_id=NET1,
                   addresses=("10.0.1.1/24", "10.0.3.254/24", "2001:db8:1::1/64"), mtu=1500,
                   external=False, mac="fa:16:3e:00:00:01"),
            l3.Leg(inner="qr-22222222aaa", outer=HOST.router_leg(ROUTER, NET2, external=False),
                   bridge=HOST.bridge(NET2), network_id=NET2, addresses=("10.0.2.1/24",),
                   mtu=1450, external=False, mac=l3.leg_mac(ROUTER, NET2)),
            l3.Leg(inner="qg-eeeeeeeeaaa", outer=HOST.router_leg(ROUTER, EXT, external=True),
                   bridge=HOST.bridge(EXT), network_id=EXT,
                   addresses=("203.0.113.10/24", "203.0.113.20/32", "203.0.113.30/32"),
                   mtu=1500, external=True, mac="fa:16:3e:00:00:ee"),
        ),
        routes=(("0.0.0.0/0", "203.0.113.1"), ("10.9.0.0/16", "10.0.2.50"),
                ("192.168.50.0/24", "10.0.1.60")),
        ipv6=True,
    )


def test_device_names_fit_the_kernel_limit_and_are_stable() -> None:
    outer = HOST.router_leg(ROUTER, NET1, external=False)
    assert outer == "osta1br" + outer[7:] and len(outer) == names.IFNAMSIZ
    assert outer == HOST.router_leg(ROUTER, NET1, external=False)
    assert outer != HOST.router_leg("another-router", NET1, external=False)
    assert HOST.router_leg(ROUTER, EXT, external=True).startswith("osta1bg")
    for leg in l3.router_layout(FULL, HOST).legs:
        assert len(leg.inner) <= names.IFNAMSIZ and len(leg.outer) <= names.IFNAMSIZ
    mac = l3.leg_mac(ROUTER, NET2)
    assert mac.startswith("02:") and mac == l3.leg_mac(ROUTER, NET2)


def test_a_floating_ip_equal_to_the_routers_address_is_not_added_twice() -> None:
    spec = dataclasses.replace(FULL, floating_ips=(("203.0.113.10", "10.0.1.5"),))
    external = l3.router_layout(spec, HOST).legs[-1]
    assert external.addresses == ("203.0.113.10/24",)


def test_an_external_gateway_outside_the_subnet_is_reached_on_link() -> None:
    spec = dataclasses.replace(FULL, external=dataclasses.replace(
        FULL.external, gateway_ip="198.51.100.1"))  # type: ignore[type-var]
    layout = l3.router_layout(spec, HOST)
    assert layout.onlink == ("198.51.100.1",)
    assert ("0.0.0.0/0", "198.51.100.1") in layout.routes
    assert l3.router_layout(FULL, HOST).onlink == ()


def test_a_user_route_to_0_0_0_0_replaces_the_default() -> None:
    spec = dataclasses.replace(FULL, routes=(("0.0.0.0/0", "10.0.1.254"),))
    assert l3.router_layout(spec, HOST).routes == (("0.0.0.0/0", "10.0.1.254"),)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"router_id": "r 1"}, "bad router id"),
        ({"router_id": "../x"}, "bad router id"),
        ({"internal": (InternalLeg(network_id=NET1, cidr="10.0.1.0/24",
                                   gateway_ip="10.0.2.1"),)}, "is not in 10.0.1.0/24"),
        ({"internal": (InternalLeg(network_id="net 1", cidr="10.0.1.0/24",
                                   gateway_ip="10.0.1.1"),)}, "is not a UUID"),
        ({"internal": (InternalLeg(network_id=NET1, cidr="10.0.1.0/24", gateway_ip="10.0.1.1",
                                   mac="fa:16:3e:00:00"),)}, "bad MAC address"),
        ({"external": ExternalGateway(network_id=EXT, address="2001:db8::5/64")},
         "must be IPv4"),
        ({"external": None}, "floating IPs need an external gateway"),
        ({"floating_ips": (("203.0.113.20", "10.0.1.5 -j ACCEPT"),)}, "decimal digits"),
        ({"routes": (("10.9.0.0/16", "x"),)}, "does not appear to be an IPv4 or IPv6"),
        ({"external": None, "floating_ips": (), "port_forwardings": FORWARDS[:1]},
         "port forwardings need an external gateway"),
        ({"port_forwardings": (dataclasses.replace(FORWARDS[1], protocol="icmp"),)},
         "cannot forward ports of protocol 'icmp'"),
        ({"port_forwardings": (dataclasses.replace(FORWARDS[1], external_ports=(0, 22)),)},
         "bad port range 0:22"),
        ({"port_forwardings": (dataclasses.replace(FORWARDS[1], internal_ip="10.0.1.5; x"),)},
         "decimal digits"),
    ],
)
def test_malformed_specs_are_refused(changes: dict[str, object], message: str) -> None:
    spec = dataclasses.replace(FULL, **changes)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        l3.render_nat_table(spec)
    with pytest.raises(ValueError, match=message):
        l3.router_layout(spec, HOST)
