"""``router add|remove route`` (Neutron's extraroute-atomic) and ``router add|remove
gateway`` (which needs external-gateway-multihoming, an extension the local backend, like
Neutron's own L3 plugin, has not)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

# What the action answers: the router's fields without interfaces_info, with the L3 plugin's
# database fields the API otherwise leaves out.
ACTION_FIELDS = [
    "admin_state_up", "availability_zone_hints", "availability_zones", "created_at",
    "description", "distributed", "enable_default_route_bfd", "enable_default_route_ecmp",
    "enable_ndp_proxy", "enable_snat", "external_gateway_info", "flavor_id", "gw_port_id", "ha",
    "ha_vr_id", "id", "name", "project_id", "revision_number", "routes", "status", "tags",
    "updated_at",
]


def value(cli: Runner, *args: str) -> str:
    result = cli(*args, "-f", "value", "-c", "id")
    assert result.rc == 0, result.err
    return result.out.strip()


@pytest.fixture
def router(cli: Runner) -> str:
    assert cli("network", "create", "net1").rc == 0
    assert cli("subnet", "create", "s1", "--network", "net1", "--subnet-range",
               "10.9.0.0/24").rc == 0
    router_id = value(cli, "router", "create", "r1")
    assert cli("router", "add", "subnet", "r1", "s1").rc == 0
    return router_id


def route(destination: str, gateway: str) -> tuple[str, str]:
    return "--route", f"destination={destination},gateway={gateway}"


def test_add_route_answers_with_the_router(cli: Runner, router: str) -> None:
    result = cli("router", "add", "route", "r1", *route("10.50.0.0/24", "10.9.0.7"), "-f",
                 "json")
    assert result.rc == 0, result.err
    data = result.json()
    assert list(data) == ACTION_FIELDS
    assert (data["routes"], data["revision_number"], data["enable_snat"], data["gw_port_id"],
            data["ha_vr_id"], data["enable_default_route_bfd"]) == (
        [{"destination": "10.50.0.0/24", "nexthop": "10.9.0.7"}], 3, True, None, 0, False)
    # Merged with what is there (exact duplicates once), in Neutron's row order.
    data = cli("router", "add", "route", "r1", *route("10.40.0.0/24", "10.9.0.9"),
               *route("10.40.0.0/24", "10.9.0.8"), *route("10.50.0.0/24", "10.9.0.7"),
               "-f", "json").json()
    assert data["routes"] == [
        {"destination": "10.40.0.0/24", "nexthop": "10.9.0.8"},
        {"destination": "10.40.0.0/24", "nexthop": "10.9.0.9"},
        {"destination": "10.50.0.0/24", "nexthop": "10.9.0.7"},
    ]
    assert data["revision_number"] == 4
    table = cli("router", "add", "route", "r1").out
    assert "| routes                    | destination='10.40.0.0/24', gateway='10.9.0.8' |" \
        in table
    # Nothing changed: no new revision.
    assert cli("router", "show", "r1", "-f", "value", "-c", "revision_number").out == "4\n"


def test_remove_route(cli: Runner, router: str) -> None:
    assert cli("router", "add", "route", "r1", *route("10.40.0.0/24", "10.9.0.9"),
               *route("10.50.0.0/24", "10.9.0.7")).rc == 0
    # A route already missing is no error.
    result = cli("router", "remove", "route", "r1", *route("10.40.0.0/24", "10.9.0.9"),
                 *route("10.99.0.0/24", "10.9.0.5"), "-f", "json")
    assert result.rc == 0, result.err
    assert result.json()["routes"] == [{"destination": "10.50.0.0/24", "nexthop": "10.9.0.7"}]
    assert cli("router", "show", "r1", "-f", "json").json()["routes"] == [
        {"destination": "10.50.0.0/24", "nexthop": "10.9.0.7"}]


def test_neutron_checks_the_whole_set(
    cli: Runner, router: str, store_snapshot: Snapshot
) -> None:
    assert cli("router", "add", "route", "r1", *route("10.50.0.0/24", "10.9.0.7")).rc == 0
    before = store_snapshot()
    old = "{'destination': '10.50.0.0/24', 'nexthop': '10.9.0.7'}"
    for routes, message in [
        (route("10.60.0.0/24", "10.8.0.9"),
         f"Invalid format for routes: [{old}, {{'destination': '10.60.0.0/24', 'nexthop': "
         "'10.8.0.9'}], the nexthop is not connected with router"),
        (route("10.60.0.0/24", "10.9.0.1"),
         f"Invalid format for routes: [{old}, {{'destination': '10.60.0.0/24', 'nexthop': "
         "'10.9.0.1'}], the nexthop is used by router"),
        (route("foo", "10.9.0.5"), "invalid IPNetwork foo"),
        (route("10.60.0.0/24", "bar"), "failed to detect a valid IP address from 'bar'"),
    ]:
        result = cli("router", "add", "route", "r1", *routes)
        assert (result.rc, result.err.strip()) == (1, message), routes
    assert store_snapshot() == before
    # No validator runs on an action's body: host bits are kept, as Neutron keeps them.
    data = cli("router", "add", "route", "r1", *route("10.60.0.1/24", "10.9.0.5"), "-f",
               "json").json()
    assert {"destination": "10.60.0.1/24", "nexthop": "10.9.0.5"} in data["routes"]
    # ... which `router set --route` (it sends every route) then refuses, as Neutron does.
    result = cli("router", "set", "r1", *route("10.70.0.0/24", "10.9.0.5"))
    assert result.err.strip() == (
        "Invalid input for routes. Reason: '10.60.0.1/24' is not a valid CIDR.")


def test_routes_count_against_the_router_route_quota(cli: Runner, router: str) -> None:
    project = cli("project", "show", "admin", "-f", "value", "-c", "id").out.strip()
    assert cli("quota", "set", "--router-routes", "1", project).rc == 0
    assert cli("router", "add", "route", "r1", *route("10.50.0.0/24", "10.9.0.7")).rc == 0
    result = cli("router", "add", "route", "r1", *route("10.51.0.0/24", "10.9.0.7"))
    assert result.err.strip() == "Quota exceeded for resources: ['router_route']."


def test_missing_gateway_key_is_a_usage_error(
    cli: Runner, router: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli("router", "add", "route", "r1", "--route", "destination=10.60.0.0/24")
    assert result.rc == 2
    assert "argument --route: Missing required keys gateway." in capsys.readouterr().err


def test_router_gateways_need_multihoming(cli: Runner, router: str) -> None:
    # Asked before anything is looked up, as the real client does.
    for verb in ("add", "remove"):
        result = cli("router", verb, "gateway", "nope", "nonet")
        assert (result.rc, result.err.strip()) == (
            1, "The external-gateway-multihoming extension is not enabled at the Neutron "
            "side.")
