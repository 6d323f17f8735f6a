from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

RESOURCES = [
    ("Network", "External"), ("Subnet", "External-subnet"), ("Network", "private"),
    ("Subnet", "private-subnet"), ("Router", "router1"), ("Router gateway", "External"),
    ("Router interface", "private-subnet"),
]
# What `ostack api` needs: the users' passwords and the clouds.yaml entry.
API_ROWS = [("User", "admin"), ("User", "demo"), ("Cloud", "ostack")]


def test_first_run_creates_everything(cli: Runner) -> None:
    result = cli("bootstrap", "-f", "json")
    assert result.rc == 0, result.err
    rows = result.json()
    assert [(r["Resource"], r["Name"]) for r in rows] == RESOURCES + API_ROWS
    assert {r["Status"] for r in rows[:len(RESOURCES)]} == {"created"}
    # admin comes with the store; demo and the clouds.yaml entry are new.
    assert [r["Status"] for r in rows[len(RESOURCES):]] == ["exists", "created", "created"]
    assert list(rows[0]) == ["Resource", "Name", "ID", "Status"]

    ext = cli("network", "show", "External", "-f", "json").json()
    assert (ext["router:external"], ext["shared"], ext["provider:network_type"]) == (
        True, False, "flat")
    ext_sub = cli("subnet", "show", "External-subnet", "-f", "json").json()
    assert (ext_sub["cidr"], ext_sub["gateway_ip"], ext_sub["enable_dhcp"]) == (
        "192.168.61.0/24", "192.168.61.1", False)
    assert ext_sub["allocation_pools"] == [{"start": "192.168.61.2", "end": "192.168.61.254"}]
    private = cli("subnet", "show", "private-subnet", "-f", "json").json()
    assert (private["cidr"], private["gateway_ip"], private["dns_nameservers"],
            private["enable_dhcp"]) == ("10.0.0.0/24", "10.0.0.1", [], True)
    router = cli("router", "show", "router1", "-f", "json").json()
    assert router["external_gateway_info"]["network_id"] == ext["id"]
    assert router["external_gateway_info"]["external_fixed_ips"] == [
        {"subnet_id": ext_sub["id"], "ip_address": "192.168.61.2"}]
    assert [i["ip_address"] for i in router["interfaces_info"]] == ["10.0.0.1"]
    ids = {(r["Resource"], r["Name"]): r["ID"] for r in rows}
    assert ids[("Router", "router1")] == router["id"]
    assert ids[("Router interface", "private-subnet")] == router["interfaces_info"][0]["port_id"]
    # What bootstrap is for: a floating IP that can be associated right away.
    port = cli("port", "create", "vm", "--network", "private", "-f", "value", "-c", "id")
    fip = cli("floating", "ip", "create", "External", "--port", "vm", "-f", "json").json()
    assert (fip["floating_ip_address"], fip["port_id"], fip["status"]) == (
        "192.168.61.3", port.out.strip(), "ACTIVE")


def test_second_run_changes_nothing(cli: Runner, store_snapshot: Snapshot) -> None:
    first = cli("bootstrap", "-f", "json").json()
    before = store_snapshot()
    second = cli("bootstrap", "-f", "json")
    assert second.rc == 0, second.err
    assert [dict(r, Status="-") for r in second.json()] == [dict(r, Status="-") for r in first]
    assert {r["Status"] for r in second.json()} == {"exists"}
    assert store_snapshot() == before
    table = cli("bootstrap").out.splitlines()
    assert [c.strip() for c in table[1].split("|")[1:-1]] == ["Resource", "Name", "ID", "Status"]


def test_options(cli: Runner) -> None:
    result = cli("bootstrap", "--external-network", "public", "--external-cidr", "172.24.4.0/24",
                 "--external-pool-start", "172.24.4.100", "--external-pool-end", "172.24.4.200",
                 "--private-network", "lan", "--private-cidr", "10.10.0.0/24",
                 "--router", "gw", "-f", "value", "-c", "Name")
    assert result.out.split() == ["public", "public-subnet", "lan", "lan-subnet", "gw",
                                  "public", "lan-subnet", "admin", "demo", "ostack"]
    pools = cli("subnet", "show", "public-subnet", "-f", "json").json()["allocation_pools"]
    assert pools == [{"start": "172.24.4.100", "end": "172.24.4.200"}]
    # One bound alone: the other is the default pool's.
    cli("bootstrap", "--external-network", "e2", "--external-cidr", "192.168.61.0/24",
        "--external-pool-start", "192.168.61.131", "--private-network", "p2",
        "--private-cidr", "10.20.0.0/24", "--router", "r2")
    pools = cli("subnet", "show", "e2-subnet", "-f", "json").json()["allocation_pools"]
    assert pools == [{"start": "192.168.61.131", "end": "192.168.61.254"}]


def test_reuses_what_exists_and_adds_what_is_missing(cli: Runner) -> None:
    ext = cli("network", "create", "External", "--external", "-f", "value", "-c", "id").out.strip()
    cli("router", "create", "router1")
    rows = cli("bootstrap", "-f", "json").json()
    status = {(r["Resource"], r["Name"]): r["Status"] for r in rows}
    assert status[("Network", "External")] == "exists"
    assert status[("Router", "router1")] == "exists"
    assert status[("Router gateway", "External")] == "created"
    assert status[("Subnet", "External-subnet")] == "created"
    assert cli("router", "show", "router1", "-f", "json").json()["external_gateway_info"][
        "network_id"] == ext


def test_failures_leave_nothing(cli: Runner, store_snapshot: Snapshot) -> None:
    cli("network", "list")
    before = store_snapshot()
    for args, message in (
        (("--external-cidr", "192.168.61.0/33"),
         "Invalid input for cidr. Reason: '192.168.61.0/33' is not a valid IP subnet."),
        (("--private-cidr", "10.0.0.0/31"),
         "Invalid input for operation: Subnet has a prefix length that is incompatible with "
         "DHCP service enabled."),
        (("--external-pool-start", "10.1.1.1"),
         "The allocation pool 10.1.1.1-192.168.61.254 spans beyond the subnet cidr "
         "192.168.61.0/24."),
    ):
        result = cli("bootstrap", *args)
        assert (result.rc, result.out, result.err.strip()) == (1, "", message), args
    assert store_snapshot() == before
    cli("network", "create", "private", "--external")
    result = cli("bootstrap")
    assert result.err.strip() == (
        "Network 'private' exists but is an external network. Delete it or pick other names "
        "with the bootstrap options.")


def test_parser(cli: Runner, store_snapshot: Snapshot) -> None:
    assert cli("bootstrap", "--external-cidr").rc == 2
    assert cli("bootstrap", "--nosuch").rc == 2
    assert store_snapshot() == []


def test_bootstrap_registers_the_built_test_image_as_cirros(
    cli: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    images = tmp_path / "images"
    images.mkdir()
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2",
                    str(images / "ostack-test.qcow2"), "16M"], check=True)
    (images / "ostack-test.vmlinux").write_bytes(b"\x7fELF kernel")
    (images / "ostack-test.initrd").write_bytes(b"initrd")
    monkeypatch.setenv("OSTACK_IMAGE_DIR", str(images))
    rows = cli("bootstrap", "-f", "json").json()
    made = {r["Name"]: r for r in rows if r["Resource"] == "Image"}
    assert sorted(made) == ["cirros", "cirros-kernel", "cirros-ramdisk"]
    shown = cli("image", "show", "cirros", "-f", "json").json()
    assert shown["disk_format"] == "qcow2"
    assert shown["properties"]["kernel_id"] == made["cirros-kernel"]["ID"]
    assert shown["properties"]["ramdisk_id"] == made["cirros-ramdisk"]["ID"]
    again = cli("bootstrap", "-f", "json").json()
    assert [r["Status"] for r in again if r["Resource"] == "Image"] == ["exists"]


def test_passwords_and_clouds_yaml(cli: Runner, ostack_home: Path) -> None:
    """The users get passwords shown once on stderr (stdout stays valid JSON), kept 0600 in
    the state directory; clouds.yaml gets `ostack` and `ostack-demo`, merged, 0600."""
    import json
    import os

    import yaml

    clouds = Path(os.environ["OSTACK_CLOUDS_YAML"])
    clouds.write_text(yaml.safe_dump({"clouds": {"mine": {"auth": {"auth_url": "x"}}},
                                      "other": 1}))
    first = cli("bootstrap", "-f", "json")
    assert first.rc == 0, first.err
    first.json()  # valid JSON
    lines = [line for line in first.err.splitlines() if "for 'ostack api'" in line]
    shown = {line.split()[3]: line.rsplit(": ", 1)[1] for line in lines}
    assert set(shown) == {"admin", "demo"}
    kept = ostack_home / "api-credentials.json"
    assert json.loads(kept.read_text()) == shown
    assert kept.stat().st_mode & 0o777 == 0o600
    data = yaml.safe_load(clouds.read_text())
    assert clouds.stat().st_mode & 0o777 == 0o600
    assert data["other"] == 1 and data["clouds"]["mine"] == {"auth": {"auth_url": "x"}}
    admin = data["clouds"]["ostack"]["auth"]
    assert (admin["auth_url"], admin["username"], admin["password"], admin["project_name"]) == (
        "http://127.0.0.1:5000/v3", "admin", shown["admin"], "admin")
    assert data["clouds"]["ostack-demo"]["auth"]["password"] == shown["demo"]
    # Shown once: a second run neither changes nor prints them.
    second = cli("bootstrap", "-f", "json")
    assert "for 'ostack api'" not in second.err
    assert second.json()[-1]["Status"] == "exists"
    # demo is a member of demo, and its password works for the CLI too.
    rows = cli("role", "assignment", "list", "--user", "demo", "--names", "-f", "json").json()
    assert [(r["Role"], r["Project"]) for r in rows] == [("member", "demo@Default")]
    listed = cli("--os-username", "demo", "--os-password", shown["demo"], "--os-project-name",
                 "demo", "project", "list", "-f", "value", "-c", "Name")
    assert listed.out.split() == ["demo"], listed.err


def test_admin_gets_its_role_on_the_default_domain(cli: Runner) -> None:
    """devstack's ``get_or_add_user_domain_role admin admin default`` (so that Horizon's
    domain-scoped token is issued to admin), also on a store seeded before the seed gave
    it."""
    def domain_roles() -> list[tuple[str, str]]:
        rows = cli("role", "assignment", "list", "--domain", "default", "--names", "-f",
                   "json").json()
        return [(r["Role"], r["User"]) for r in rows]

    assert domain_roles() == [("admin", "admin@Default")]
    done = cli("role", "remove", "--domain", "default", "--user", "admin", "admin")
    assert done.rc == 0, done.err
    assert domain_roles() == []
    assert cli("bootstrap", "-f", "json").rc == 0
    assert domain_roles() == [("admin", "admin@Default")]
