"""Extra routes one by one, router gateways, subnet pools, IP availability, port forwardings
and an admin acting on another project's resources: ostack's cloud backend and the real
client side by side on realstack.

realstack's Neutron loads the ``router`` service plugin only: no ``port_forwarding`` plugin
(so both clients get Neutron's 404 for every port forwarding call) and no
``external-gateway-multihoming`` (so ``router add|remove gateway`` stop in the client)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.cloud.conftest import Run, SideBySide, assert_same
from tests.cloud.test_resources import without_ids

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

MADE_FRESH = ("id", "name", "created_at", "updated_at")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(run: Run) -> Run:
    assert run.rc == 0, f"{run.args}: {run.err}"
    return run


@pytest.fixture
def routers(clients: SideBySide) -> Iterator[tuple[str, str]]:
    """Two routers, each with an interface on a subnet 10.9.0.0/24 of its own network."""
    made: list[tuple[str, str]] = []
    try:
        for _ in range(2):
            net = unique("rt-net")
            ok(clients.openstack("network", "create", net))
            ok(clients.openstack("subnet", "create", f"{net}-sub", "--network", net,
                                 "--subnet-range", "10.9.0.0/24"))
            router = ok(clients.openstack("router", "create", unique("rt"), "-f", "value",
                                          "-c", "id")).out.strip()
            made.append((net, router))
            ok(clients.openstack("router", "add", "subnet", router, f"{net}-sub"))
        yield made[0][1], made[1][1]
    finally:
        for net, router in made:
            # Routes through the subnet keep its interface (Neutron's rule): them first.
            clients.openstack("router", "set", "--no-route", router)
            clients.openstack("router", "remove", "subnet", router, f"{net}-sub")
            clients.openstack("router", "delete", router)
            clients.openstack("network", "delete", net)


def route(destination: str, gateway: str) -> tuple[str, str]:
    return "--route", f"destination={destination},gateway={gateway}"


def test_router_add_and_remove_route(clients: SideBySide, routers: tuple[str, str]) -> None:
    theirs, ours = routers
    volatile = (*MADE_FRESH, "external_gateway_info")
    for args in (
        (*route("10.50.0.0/24", "10.9.0.7"),),
        (*route("10.40.0.0/24", "10.9.0.8"), *route("10.50.0.0/24", "10.9.0.7")),
        (),
    ):
        real = clients.openstack("router", "add", "route", theirs, *args, "-f", "json")
        mine = clients.ostack("router", "add", "route", ours, *args, "-f", "json")
        assert_same(real, mine, volatile=volatile)
    assert mine.json()["routes"] == [{"destination": "10.40.0.0/24", "nexthop": "10.9.0.8"},
                                     {"destination": "10.50.0.0/24", "nexthop": "10.9.0.7"}]
    for args in ((*route("10.40.0.0/24", "10.9.0.8"), *route("10.99.0.0/24", "10.9.0.5")),):
        real = clients.openstack("router", "remove", "route", theirs, *args, "-f", "json")
        mine = clients.ostack("router", "remove", "route", ours, *args, "-f", "json")
        assert_same(real, mine, volatile=volatile)
    # The table form too (the routes column as the real client prints it).
    real = clients.openstack("router", "add", "route", theirs, "-c", "routes")
    mine = clients.ostack("router", "add", "route", ours, "-c", "routes")
    assert (mine.rc, mine.out) == (real.rc, real.out)
    # Refusals, on one router: the same request, the same answer.
    for args in (route("10.60.0.0/24", "10.8.0.9"), route("10.60.0.0/24", "10.9.0.1"),
                 route("foo", "10.9.0.5"), route("10.60.0.0/24", "bar")):
        real, mine = clients.both("router", "add", "route", theirs, *args)
        assert_same(real, mine)
        assert real.rc == 1
    assert_same(*clients.both("router", "add", "route", "no-such-router",
                              *route("10.60.0.0/24", "10.9.0.5")))


def test_router_gateways_need_multihoming(clients: SideBySide,
                                         routers: tuple[str, str]) -> None:
    for verb in ("add", "remove"):
        real, mine = clients.both("router", verb, "gateway", routers[0], "public")
        assert_same(real, mine)
        assert "external-gateway-multihoming extension is not enabled" in real.err


@pytest.fixture
def pool_names(clients: SideBySide) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        clients.openstack("subnet", "delete", f"{name}-sub")
        clients.openstack("network", "delete", f"{name}-net")
        clients.openstack("subnet", "pool", "delete", name)


def test_subnet_pools(clients: SideBySide, pool_names: list[str]) -> None:
    outputs: dict[str, Run] = {}
    for key, run in (("a", clients.openstack), ("b", clients.ostack)):
        name = unique(f"sp{key}")
        pool_names.append(name)
        outputs[f"create-{key}"] = run(
            "subnet", "pool", "create", name, "--pool-prefix", "10.180.0.0/16",
            "--pool-prefix", "10.181.0.0/16", "--default-prefix-length", "24",
            "--min-prefix-length", "20", "--max-prefix-length", "28", "--description", "d",
            "--default-quota", "1024", "--tag", "t1", "-f", "json")
        outputs[f"set-{key}"] = run("subnet", "pool", "set", name, "--pool-prefix",
                                    "10.182.0.0/16", "--name", name, "--default-quota", "2048")
        outputs[f"show-{key}"] = run("subnet", "pool", "show", name, "-f", "json")
        ok(run("network", "create", f"{name}-net"))
        outputs[f"subnet-{key}"] = run("subnet", "create", f"{name}-sub", "--network",
                                       f"{name}-net", "--subnet-pool", name, "--prefix-length",
                                       "26", "-f", "json")
        outputs[f"busy-{key}"] = run("subnet", "pool", "delete", name)
    volatile = (*MADE_FRESH, "network_id", "subnetpool_id", "tags", "revision_number")
    for step in ("create", "set", "show", "subnet"):
        assert_same(outputs[f"{step}-a"], outputs[f"{step}-b"], volatile=volatile)
    # The smallest free block first: the /16 before the /15.
    assert outputs["subnet-b"].json()["cidr"] == "10.182.0.0/26"
    theirs, ours = (outputs[f"busy-{k}"] for k in ("a", "b"))
    assert (ours.rc, without_ids(ours.err.replace(pool_names[1], "P"))) == (
        theirs.rc, without_ids(theirs.err.replace(pool_names[0], "P")))
    assert "Subnet pool has existing allocations." in ours.err
    # Reads and refusals on one pool: the same answers.
    name = pool_names[0]
    for args in (
        ("subnet", "pool", "list", "--name", name, "--long", "-f", "json"),
        ("subnet", "pool", "create", "bad", "--pool-prefix", "10.1.0.0/16", "--pool-prefix",
         "2001:db8::/48"),
        ("subnet", "pool", "create", "bad", "--pool-prefix", "10.1.0.0/16",
         "--min-prefix-length", "24", "--default-prefix-length", "20"),
        ("subnet", "pool", "create", "bad", "--pool-prefix", "10.1.0.0/33"),
        ("subnet", "pool", "set", name, "--max-prefix-length", "22"),
        ("subnet", "create", "bad", "--network", f"{name}-net", "--subnet-pool", name,
         "--prefix-length", "16"),
        ("subnet", "create", "bad", "--network", f"{name}-net", "--subnet-pool", name,
         "--subnet-range", "10.9.5.0/24"),
        ("subnet", "create", "bad", "--network", f"{name}-net", "--subnet-pool", name,
         "--allocation-pool", "start=10.180.9.5,end=10.180.9.9"),
        ("subnet", "create", "bad", "--network", f"{name}-net", "--use-default-subnet-pool",
         "--ip-version", "6"),
        ("subnet", "list", "--subnet-pool", name, "-f", "json"),
    ):
        assert_same(*clients.both(*args), volatile=MADE_FRESH)
    member = clients.member()
    for args in (("--share",), ("--default",)):
        assert_same(*clients.both("subnet", "pool", "create", "bad", "--pool-prefix",
                                  "10.1.0.0/16", *args, cloud=member))


def test_ip_availability(clients: SideBySide, routers: tuple[str, str]) -> None:
    net = ok(clients.openstack("router", "show", routers[0], "-f", "json")).json()[
        "interfaces_info"][0]["subnet_id"]
    network = ok(clients.openstack("subnet", "show", net, "-f", "value", "-c",
                                   "network_id")).out.strip()
    assert_same(*clients.both("ip", "availability", "show", network, "-f", "json"))
    real, mine = clients.both("ip", "availability", "show", network)
    assert (mine.rc, mine.out) == (real.rc, real.out)
    assert_same(*clients.both("ip", "availability", "list", "--ip-version", "6", "-f",
                              "json"))
    member = clients.member()
    assert_same(*clients.both("ip", "availability", "list", "-f", "json", cloud=member))
    assert_same(*clients.both("ip", "availability", "show", network, cloud=member))
    assert_same(*clients.both("ip", "availability", "show", "no-such-network"))


@pytest.fixture
def floating_ip(clients: SideBySide) -> Iterator[str]:
    address = ok(clients.openstack("floating", "ip", "create", "public", "-f", "value", "-c",
                                   "floating_ip_address")).out.strip()
    yield address
    clients.openstack("floating", "ip", "delete", address)


def test_port_forwarding_without_the_plugin(clients: SideBySide, floating_ip: str) -> None:
    """Without Neutron's port_forwarding plugin, both clients fail alike, word for word."""
    port = ok(clients.openstack("port", "list", "--device-owner", "network:router_interface",
                                "-f", "value", "-c", "ID")).out.split()[0]
    for args in (
        ("list", floating_ip),
        ("create", "--internal-ip-address", "10.0.0.5", "--port", port,
         "--internal-protocol-port", "22", "--external-protocol-port", "2222", "--protocol",
         "tcp", floating_ip),
        ("create", "--internal-ip-address", "10.0.0.5", "--port", port,
         "--internal-protocol-port", "22:30", "--external-protocol-port", "2222",
         "--protocol", "tcp", floating_ip),
        ("show", floating_ip, "abc"),
        ("set", floating_ip, "abc", "--description", "x"),
        ("delete", floating_ip, "abc"),
        ("list", "192.0.2.1"),
    ):
        real, mine = clients.both("floating", "ip", "port", "forwarding", *args)
        assert_same(real, mine)
        assert real.rc == 1, args


def test_an_admin_acts_on_another_projects_resources(clients: SideBySide) -> None:
    member = clients.member()
    net, router = unique("demo-net"), unique("demo-router")
    ok(clients.openstack("network", "create", net, cloud=member))
    ok(clients.openstack("router", "create", router, cloud=member))
    try:
        for args in (("network", "show", net), ("router", "show", router),
                     ("router", "list", "--project", "demo"),
                     ("router", "list", "--name", router, "--long"),
                     ("network", "list", "--project", "demo")):
            assert_same(*clients.both(*args, "-f", "json"))
        demo = ok(clients.openstack("project", "show", "demo", "-f", "value", "-c",
                                    "id")).out.strip()
        assert_same(*clients.both("router", "list", "--project", demo, "-f", "json"))
        # A member names a project it may not look up: taken as given, owning nothing.
        assert_same(*clients.both("router", "list", "--project", "admin", "-f", "json",
                                  cloud=member))
    finally:
        clients.openstack("router", "delete", router, cloud=member)
        clients.openstack("network", "delete", net, cloud=member)
