"""Networks, security groups, keypairs, images and servers against the real client."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.cloud.conftest import Run, SideBySide, assert_same, same_shape

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Fields that differ between two resources made the same way.
MADE_FRESH = ("id", "name", "created_at", "updated_at", "revision_number")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ok(run: Run) -> Run:
    assert run.rc == 0, f"{run.args}: {run.err}"
    return run


def without_ids(text: str) -> str:
    return UUID.sub("<uuid>", text)


@pytest.mark.parametrize(
    "args",
    [
        ("network", "list"),
        ("network", "list", "--long"),
        ("network", "list", "--external"),
        ("network", "show", "public"),
        ("network", "show", "private"),
        ("subnet", "list"),
        ("subnet", "list", "--long"),
        ("subnet", "show", "public-subnet"),
        ("subnet", "show", "private-subnet"),
        ("router", "list"),
        ("router", "show", "router1"),
        ("port", "list"),
        ("floating", "ip", "list"),
        ("image", "list"),
        ("image", "list", "--long"),
        ("image", "show", "tiny"),
        ("keypair", "list"),
        ("hypervisor", "list"),
        ("server", "list"),
    ],
)
def test_admin_reads(clients: SideBySide, args: tuple[str, ...]) -> None:
    assert_same(*clients.both(*args, "-f", "json"))


@pytest.mark.parametrize(
    "args",
    [
        ("network", "list"),
        ("security", "group", "list"),
        ("security", "group", "show", "default"),
        ("security", "group", "rule", "list", "default"),
        ("image", "show", "tiny"),
        ("network", "show", "private"),  # another project's: not found, both sides
        ("server", "show", "no-such-server"),
    ],
)
def test_member_reads(clients: SideBySide, args: tuple[str, ...]) -> None:
    # Neutron does not promise an order for a group's rules.
    assert_same(*clients.both(*args, "-f", "json", cloud=clients.member()), unordered=True)


def test_deleting_a_missing_image(clients: SideBySide) -> None:
    # osc's image delete takes any 404 for a missing store: "Multi Backend support not enabled."
    assert_same(*clients.both("image", "delete", "no-such-image", cloud=clients.member()))


@pytest.fixture
def member_network(clients: SideBySide) -> Iterator[dict[str, str]]:
    """The same network, subnet, port, router and floating IP, made by each client."""
    member = clients.member()
    made: dict[str, str] = {}
    yield made
    for suffix in ("a", "b"):
        net, router = made.get(f"net-{suffix}"), made.get(f"router-{suffix}")
        if made.get(f"fip-{suffix}"):
            clients.ostack("floating", "ip", "delete", made[f"fip-{suffix}"], cloud=member)
        if router:
            clients.ostack("router", "remove", "subnet", router, f"{net}-sub", cloud=member)
            clients.ostack("router", "delete", router, cloud=member)
        if net:
            clients.ostack("port", "delete", f"{net}-port", cloud=member)
            clients.ostack("network", "delete", net, cloud=member)


def test_network_walkthrough(clients: SideBySide, member_network: dict[str, str]) -> None:
    member = clients.member()
    outputs: dict[str, dict[str, Any]] = {}
    for suffix, run in (("a", clients.openstack), ("b", clients.ostack)):
        net = unique(f"net{suffix}")
        member_network[f"net-{suffix}"] = net
        outputs[f"net-{suffix}"] = ok(run("network", "create", net, "-f", "json",
                                          cloud=member)).json()
        outputs[f"sub-{suffix}"] = ok(run(
            "subnet", "create", f"{net}-sub", "--network", net, "--subnet-range",
            "10.77.0.0/24", "-f", "json", cloud=member)).json()
        outputs[f"port-{suffix}"] = ok(run("port", "create", f"{net}-port", "--network", net,
                                           "-f", "json", cloud=member)).json()
        router = f"{net}-router"
        member_network[f"router-{suffix}"] = router
        outputs[f"router-{suffix}"] = ok(run("router", "create", router, "-f", "json",
                                             cloud=member)).json()
        ok(run("router", "set", router, "--external-gateway", "public", cloud=member))
        ok(run("router", "add", "subnet", router, f"{net}-sub", cloud=member))
        fip = ok(run("floating", "ip", "create", "public", "-f", "json", cloud=member)).json()
        member_network[f"fip-{suffix}"] = fip["id"]
        outputs[f"fip-{suffix}"] = fip
        ok(run("floating", "ip", "set", "--port", f"{net}-port", fip["floating_ip_address"],
               cloud=member))
        outputs[f"fip2-{suffix}"] = ok(run("floating", "ip", "show", fip["id"], "-f", "json",
                                           cloud=member)).json()
        outputs[f"router2-{suffix}"] = ok(run("router", "show", router, "-f", "json",
                                              cloud=member)).json()
        # Neutron refuses to delete a network with ports: the same message from both.
        busy = run("network", "delete", net, cloud=member)
        outputs[f"busy-{suffix}"] = {"rc": busy.rc, "err": without_ids(busy.err)}

    volatile = frozenset({*MADE_FRESH, "network_id", "subnets", "cidr", "mac_address",
                          "fixed_ips", "floating_ip_address", "port_id", "fixed_ip_address",
                          "router_id", "external_gateway_info", "port_details", "subnet_id",
                          "gateway_ip", "allocation_pools", "device_id", "status"})
    for kind in ("net", "sub", "port", "router", "fip", "fip2", "router2"):
        same_shape(outputs[f"{kind}-a"], outputs[f"{kind}-b"], volatile, kind)
    assert outputs["busy-a"]["rc"] == outputs["busy-b"]["rc"] == 1
    assert outputs["busy-b"]["err"].replace(member_network["net-b"], "NET") == \
        outputs["busy-a"]["err"].replace(member_network["net-a"], "NET")
    assert "There are one or more ports still in use on the network" in outputs["busy-b"]["err"]


@pytest.fixture
def group_names(clients: SideBySide) -> Iterator[tuple[str, str]]:
    names = (unique("sga"), unique("sgb"))
    yield names
    for name in names:
        clients.ostack("security", "group", "delete", name, cloud=clients.member())


def test_security_group_and_icmp_rule(clients: SideBySide,
                                      group_names: tuple[str, str]) -> None:
    member = clients.member()
    outputs: dict[str, Any] = {}
    for name, run in zip(group_names, (clients.openstack, clients.ostack), strict=True):
        outputs[f"group-{name}"] = ok(run("security", "group", "create", name,
                                          "--description", "walkthrough", "-f", "json",
                                          cloud=member)).json()
        outputs[f"rule-{name}"] = ok(run("security", "group", "rule", "create",
                                         "--remote-ip", "0.0.0.0/0", "--protocol", "icmp",
                                         name, "-f", "json", cloud=member)).json()
        again = run("security", "group", "rule", "create", "--remote-ip", "0.0.0.0/0",
                    "--protocol", "icmp", name, cloud=member)
        outputs[f"again-{name}"] = (again.rc, without_ids(again.err))
        outputs[f"show-{name}"] = ok(run("security", "group", "show", name, "-f", "json",
                                         cloud=member)).json()
    theirs, ours = group_names
    volatile = frozenset({*MADE_FRESH, "security_group_id", "remote_group_id",
                          "standard_attr_id", "rules"})
    for kind in ("group", "rule", "show"):
        same_shape(outputs[f"{kind}-{theirs}"], outputs[f"{kind}-{ours}"], volatile, kind)
    assert outputs[f"again-{ours}"] == outputs[f"again-{theirs}"]
    assert outputs[f"again-{ours}"][0] == 1
    assert "Security group rule already exists." in outputs[f"again-{ours}"][1]
    # The rules nested in the group: the same rules, in the same shape.
    def in_order(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(rules, key=lambda r: (r["ethertype"], r["direction"],
                                            str(r["protocol"])))

    for a, b in zip(in_order(outputs[f"show-{theirs}"]["rules"]),
                    in_order(outputs[f"show-{ours}"]["rules"]), strict=True):
        same_shape(a, b, volatile | {"project_id", "tenant_id"}, "rules")


def test_keypair_lifecycle(clients: SideBySide, tmp_path: Path) -> None:
    member = clients.member()
    key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    public = tmp_path / "key.pub"
    public.write_text(key + "\n")
    names = (unique("kpa"), unique("kpb"))
    try:
        made = [ok(run("keypair", "create", "--public-key", str(public), name, "-f", "json",
                       cloud=member)).json()
                for name, run in zip(names, (clients.openstack, clients.ostack), strict=True)]
        same_shape(made[0], made[1], frozenset({"id", "name"}))
        shown = [ok(run("keypair", "show", name, "-f", "json", cloud=member)).json()
                 for name, run in zip(names, (clients.openstack, clients.ostack), strict=True)]
        same_shape(shown[0], shown[1], frozenset({"id", "name", "created_at"}))
        public_keys = [ok(run("keypair", "show", "--public-key", name, cloud=member)).out
                       for name, run in zip(names, (clients.openstack, clients.ostack),
                                            strict=True)]
        assert public_keys[0] == public_keys[1]
        assert_same(*clients.both("keypair", "create", "--public-key", str(public), names[0],
                                  cloud=member))
    finally:
        for name in names:
            clients.ostack("keypair", "delete", name, cloud=member)
    assert_same(*clients.both("keypair", "show", names[0], cloud=member))
    assert_same(*clients.both("keypair", "delete", names[1], cloud=member))


def test_image_lifecycle(clients: SideBySide, tmp_path: Path) -> None:
    member = clients.member()
    data = tmp_path / "disk.raw"
    data.write_bytes(bytes(range(256)) * 400)
    names = (unique("imga"), unique("imgb"))
    runs = (clients.openstack, clients.ostack)
    volatile = frozenset({"id", "name", "created_at", "updated_at", "file",
                          "owner_specified.openstack.object"})
    try:
        made = [ok(run("image", "create", name, "--file", str(data), "--property", "a=b",
                       "--tag", "t1", "-f", "json", cloud=member)).json()
                for name, run in zip(names, runs, strict=True)]
        same_shape(made[0], made[1], volatile)
        for name, run in zip(names, runs, strict=True):
            ok(run("image", "set", name, "--property", "hw_disk_bus=virtio", "--tag", "t2",
                   "--min-ram", "64", cloud=member))
            ok(run("image", "unset", name, "--property", "a", "--tag", "t1", cloud=member))
        shown = [ok(run("image", "show", name, "-f", "json", cloud=member)).json()
                 for name, run in zip(names, runs, strict=True)]
        same_shape(shown[0], shown[1], volatile)
        for name, run in zip(names, runs, strict=True):
            target = tmp_path / f"{name}.out"
            ok(run("image", "save", name, "--file", str(target), cloud=member))
            assert target.read_bytes() == data.read_bytes()
    finally:
        for name in names:
            clients.ostack("image", "delete", name, cloud=member)
    assert_same(*clients.both("image", "show", names[0], cloud=member))


@pytest.fixture
def server_names(clients: SideBySide) -> Iterator[tuple[str, str]]:
    names = (unique("srva"), unique("srvb"))
    yield names
    for name in names:
        clients.ostack("server", "delete", "--wait", name)


def test_server_walkthrough(clients: SideBySide, server_names: tuple[str, str]) -> None:
    """The article's boot as admin: create --wait, show, list, stop, delete --wait."""
    runs = (clients.openstack, clients.ostack)
    made = [ok(run("server", "create", "--image", "tiny", "--flavor", "m1.tiny", "--nic",
                   "net-id=private", name, "--wait", "-f", "json")).json()
            for name, run in zip(server_names, runs, strict=True)]
    for created in made:
        assert created["status"] == "ACTIVE"
        assert created["image"].startswith("tiny (")
    volatile = frozenset({
        "id", "name", "created", "updated", "OS-EXT-SRV-ATTR:hostname",
        "OS-EXT-SRV-ATTR:instance_name", "OS-EXT-SRV-ATTR:reservation_id",
        "OS-SRV-USG:launched_at", "addresses", "hostId",
    })
    same_shape(made[0], made[1], volatile | {"adminPass"})
    # By name (Nova's list view: no server_groups) and by ID (its show view).
    for key in ("name", "id"):
        shown = [ok(run("server", "show", made[i][key], "-f", "json")).json()
                 for i, run in enumerate(runs)]
        same_shape(shown[0], shown[1], volatile)
    # Each client's server, shown by both: the same record, the same output.
    for name in server_names:
        assert_same(*clients.both("server", "show", name, "-f", "json"))
    real, mine = clients.both("server", "list", "-f", "json")
    assert_same(real, mine)
    assert {s["Name"] for s in mine.json()} >= set(server_names)
    # Printed as openstacksdk reads the pages (value, csv): the real client's lines.
    for form in ("value", "csv"):
        assert_same(*clients.both("server", "list", "-f", form))
    # That complete list fed TAB completion: the servers' names, without a login.
    complete = clients.ostack("__complete", "--", "ostack", "--os-cloud", clients.target.admin,
                              "server", "show", "", cloud=None)
    assert complete.rc == 0
    assert complete.out.splitlines()[0] == "words"
    assert set(server_names) <= set(complete.out.splitlines()[1:])
    real, mine = clients.both("server", "list", "--long", "-f", "json")
    assert_same(real, mine)
    for name, run in zip(server_names, runs, strict=True):
        done = run("server", "stop", name)
        assert (done.rc, done.out, done.err) == (0, "", "")
    for name, run in zip(server_names, runs, strict=True):
        done = run("server", "delete", "--wait", name)
        assert (done.rc, done.out, done.err) == (0, "", "")
    assert_same(*clients.both("server", "show", server_names[1]))


def test_quota_exceeded(clients: SideBySide) -> None:
    member = clients.member()
    before = ok(clients.ostack("quota", "show", "demo", "--network", "-f", "json")).json()
    limit = {row["Resource"]: row["Limit"] for row in before}["networks"]
    used = len(ok(clients.ostack("network", "list", "--project", "demo", "-f", "json")).json())
    ok(clients.ostack("quota", "set", "demo", "--networks", str(used)))
    try:
        real, mine = clients.both("network", "create", unique("overquota"), cloud=member)
        assert_same(real, mine)
        assert mine.err.startswith("ConflictException: 409: Client Error for url: ")
        assert "Quota exceeded for resources: ['network']" in mine.err
    finally:
        ok(clients.ostack("quota", "set", "demo", "--networks", str(limit)))
    after = json.loads(ok(clients.ostack("quota", "show", "demo", "--network", "-f",
                                         "json")).out)
    assert after == before
