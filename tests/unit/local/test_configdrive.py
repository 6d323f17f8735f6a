"""Config drive contents (golden, in Nova's shape) and the config-2 ISO read back."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pycdlib
import pytest

from ostack_cli.backend.local.configdrive import (
    LATEST,
    VERSIONS,
    ConfigDriveSpec,
    NetworkLinkSpec,
    build_config_drive,
    check_hostname,
    network_metadata,
    sanitize_hostname,
    write_iso,
)
from tests.unit.local.golden_util import GOLDEN_DIR, assert_golden

SERVER_ID = "6b0c6c3c-2b0e-4f3e-9c55-1f0e9d7a4a11"
PROJECT_ID = "0b8c6f5e4d3c4b2a9f8e7d6c5b4a3f2e"
SEED = bytes(range(256)) * 2
KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOstackTestKeyA alice@example"
KEY_B = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCostackTestKeyB bob@example"

DHCP_LINK = NetworkLinkSpec(
    port_id="2f1d4c9e-7a1b-4c3d-8e9f-0a1b2c3d4e5f",
    mac="FA:16:3E:11:22:33",
    network_id="5d6e7f80-91a2-4b3c-8d4e-5f6071829304",
    mtu=1450,
    cidr="10.0.0.0/24",
    ip_address="10.0.0.5",
    gateway="10.0.0.1",
    dns_nameservers=("10.0.0.2", "192.0.2.53"),
)
STATIC_LINK = NetworkLinkSpec(
    port_id="9e8d7c6b-5a49-4838-a726-150f0e0d0c0b",
    mac="fa:16:3e:44:55:66",
    network_id="a1b2c3d4-e5f6-4789-8abc-def012345678",
    mtu=1500,
    cidr="192.168.50.0/26",
    ip_address="192.168.50.10",
    gateway="192.168.50.1",
    dns_nameservers=("192.0.2.53",),
    host_routes=(("172.16.0.0/12", "192.168.50.254"),),
    dhcp=False,
)
NO_IP_LINK = NetworkLinkSpec(
    port_id="00000000-0000-4000-8000-000000000000",
    mac="fa:16:3e:77:88:99",
    network_id="b0b0b0b0-0000-4000-8000-000000000000",
)

CASES: dict[str, ConfigDriveSpec] = {
    "full": ConfigDriveSpec(
        uuid=SERVER_ID,
        name="Web server \u00e9 #1",
        hostname="web-server-e-1",
        project_id=PROJECT_ID,
        public_keys={"zeta": KEY_B, "alpha": KEY_A},
        user_data=b"#cloud-config\nruncmd:\n - echo hi\n",
        links=(DHCP_LINK, NO_IP_LINK, STATIC_LINK),
        meta={"role": "web", "tier": "front"},
    ),
    "minimal": ConfigDriveSpec(
        uuid=SERVER_ID, name="vm1", hostname="vm1", project_id=PROJECT_ID, dhcp_domain=None
    ),
}


def pretty(raw: bytes) -> str:
    # Readable golden text in the same key order; Nova's exact byte form is asserted apart.
    return json.dumps(json.loads(raw), indent=2) + "\n"


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("name", ["meta_data.json", "network_data.json"])
def test_golden_latest(case: str, name: str) -> None:
    files = build_config_drive(CASES[case], random_seed=SEED)
    raw = files[f"openstack/latest/{name}"]
    # oslo jsonutils.dump_as_bytes: json.dumps defaults, ASCII only, no key sorting.
    assert raw == json.dumps(json.loads(raw)).encode("ascii")
    assert_golden(f"configdrive/{case}/{name}", pretty(raw))


def test_golden_files_are_all_used() -> None:
    root = GOLDEN_DIR / "configdrive"
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*.json")}
    assert on_disk == {f"{c}/{n}" for c in CASES for n in ("meta_data.json", "network_data.json")}


def test_paths_per_version_follow_nova() -> None:
    files = build_config_drive(CASES["full"], random_seed=SEED)
    by_version: dict[str, list[str]] = {}
    for path in files:
        tree, version, name = path.split("/")
        if tree == "openstack":
            by_version.setdefault(version, []).append(name)
    assert sorted(by_version) == sorted([*VERSIONS, LATEST])
    assert by_version["2012-08-10"] == ["meta_data.json", "user_data"]
    assert by_version["2013-04-04"] == ["meta_data.json", "user_data"]
    assert by_version["2013-10-17"] == ["meta_data.json", "user_data", "vendor_data.json"]
    assert by_version["2015-10-15"] == [
        "meta_data.json",
        "network_data.json",
        "user_data",
        "vendor_data.json",
    ]
    newest = [
        "meta_data.json",
        "network_data.json",
        "user_data",
        "vendor_data.json",
        "vendor_data2.json",
    ]
    assert by_version["2016-10-06"] == newest
    assert by_version["latest"] == newest
    assert list(files) == sorted(files)


def test_meta_data_keys_per_version() -> None:
    files = build_config_drive(CASES["full"], random_seed=SEED)

    def keys(version: str) -> list[str]:
        return list(json.loads(files[f"openstack/{version}/meta_data.json"]))

    base = [
        "uuid",
        "meta",
        "public_keys",
        "keys",
        "hostname",
        "name",
        "launch_index",
        "availability_zone",
    ]
    assert keys("2012-08-10") == base
    assert keys("2013-04-04") == [*base, "random_seed"]
    assert keys("2015-10-15") == [*base, "random_seed", "project_id"]
    assert keys("2016-06-30") == [*base, "random_seed", "project_id", "devices"]
    assert keys("2020-10-14") == [*base, "random_seed", "project_id", "devices", "dedicated_cpus"]
    assert keys("latest") == keys("2025-04-04") == keys("2020-10-14")


def test_minimal_drive_has_no_optional_keys_or_user_data() -> None:
    files = build_config_drive(CASES["minimal"], random_seed=SEED)
    meta = json.loads(files["openstack/latest/meta_data.json"])
    assert "meta" not in meta and "public_keys" not in meta and "keys" not in meta
    assert meta["hostname"] == "vm1"
    assert not any(path.endswith("user_data") for path in files)
    assert json.loads(files["openstack/latest/network_data.json"]) == {
        "links": [],
        "networks": [],
        "services": [],
    }


def test_user_data_is_passed_through_byte_for_byte() -> None:
    data = bytes(range(256))
    spec = ConfigDriveSpec(
        uuid=SERVER_ID, name="x", hostname="x", project_id=PROJECT_ID, user_data=data
    )
    files = build_config_drive(spec, random_seed=SEED)
    assert files["openstack/latest/user_data"] == data
    assert files["openstack/2012-08-10/user_data"] == data


def test_vendor_data_is_nova_default_providers() -> None:
    # [api] vendordata_providers = StaticJSON, without a file: {} and {"static": {}}.
    files = build_config_drive(CASES["full"], random_seed=SEED)
    assert files["openstack/latest/vendor_data.json"] == b"{}"
    assert files["openstack/latest/vendor_data2.json"] == b'{"static": {}}'


def test_the_ec2_tree_holds_the_versions_nova_keeps() -> None:
    # [api] config_drive_skip_versions leaves 2009-04-04 and latest; _name is dropped.
    files = build_config_drive(CASES["full"], random_seed=SEED)
    ec2 = sorted(p for p in files if p.startswith("ec2/"))
    assert ec2 == ["ec2/2009-04-04/meta-data.json", "ec2/2009-04-04/user-data",
                   "ec2/latest/meta-data.json", "ec2/latest/user-data"]
    meta = json.loads(files["ec2/latest/meta-data.json"])
    assert meta["instance-id"] == "i-6b0c6c3c"
    assert meta["hostname"] == "web-server-e-1.novalocal"
    assert meta["local-ipv4"] == "10.0.0.5"
    assert files["ec2/latest/user-data"] == CASES["full"].user_data


def test_random_seed_is_512_random_bytes_by_default() -> None:
    one = build_config_drive(CASES["minimal"])["openstack/latest/meta_data.json"]
    two = build_config_drive(CASES["minimal"])["openstack/latest/meta_data.json"]
    seed = base64.b64decode(json.loads(one)["random_seed"])
    assert len(seed) == 512
    assert json.loads(one)["random_seed"] != json.loads(two)["random_seed"]


def test_dhcp_and_static_networks() -> None:
    data = network_metadata((DHCP_LINK, STATIC_LINK))
    assert [link["id"] for link in data["links"]] == ["tap2f1d4c9e-7a", "tap9e8d7c6b-5a"]
    assert data["networks"][0] == {
        "id": "network0",
        "type": "ipv4_dhcp",
        "link": "tap2f1d4c9e-7a",
        "network_id": DHCP_LINK.network_id,
    }
    static = data["networks"][1]
    assert static["type"] == "ipv4"
    assert static["netmask"] == "255.255.255.192"
    assert static["routes"] == [
        {"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "192.168.50.1"},
        {"network": "172.16.0.0", "netmask": "255.240.0.0", "gateway": "192.168.50.254"},
    ]
    # Shared DNS servers are listed once at the top level.
    assert data["services"] == [
        {"type": "dns", "address": "10.0.0.2"},
        {"type": "dns", "address": "192.0.2.53"},
    ]


def test_static_network_without_gateway_has_no_default_route() -> None:
    link = NetworkLinkSpec(
        port_id=STATIC_LINK.port_id,
        mac=STATIC_LINK.mac,
        network_id=STATIC_LINK.network_id,
        cidr="192.168.50.0/26",
        ip_address="192.168.50.10",
        dhcp=False,
    )
    assert network_metadata((link,))["networks"][0]["routes"] == []


def test_a_gateway_outside_the_subnet_is_the_default_route_as_nova_writes_it() -> None:
    # nova/virt/netutils.py _get_default_route: the subnet's gateway, wherever it lies; the
    # guest's network configuration decides how to reach it.
    link = dataclasses.replace(STATIC_LINK, gateway="192.168.77.1", host_routes=())
    network = network_metadata((link,))["networks"][0]
    assert (network["netmask"], network["routes"]) == (
        "255.255.255.192", [{"network": "0.0.0.0", "netmask": "0.0.0.0",
                             "gateway": "192.168.77.1"}])
    # With DHCP, the guest asks dnsmasq, and network_data.json says only that.
    dhcp = dataclasses.replace(DHCP_LINK, gateway="192.168.77.1")
    assert network_metadata((dhcp,))["networks"][0]["type"] == "ipv4_dhcp"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("My Server", "my-server"),
        ("web_01.example", "web-01-example"),
        ("  padded  ", "padded"),
        ('it\'s "quoted"', "its-quoted"),
        ("x; rm -rf /", "x-rm--rf"),
        ("$(reboot)`id`", "rebootid"),
        ("a\nb\tc", "abc"),
        ("caf\u00e9 \u00dcber", "cafe-uber"),
        ("\u4e2d\u6587\U0001f600", ""),
        ("..--..", ""),
        ("a" * 62 + "-b", "a" * 62),
        ("B" * 80, "b" * 63),
    ],
)
def test_sanitize_hostname(name: str, expected: str) -> None:
    assert sanitize_hostname(name) == expected
    if expected:
        check_hostname(expected)


def test_sanitize_hostname_default_when_nothing_is_left() -> None:
    assert sanitize_hostname("\u4e2d\u6587", f"Server-{SERVER_ID}") == f"Server-{SERVER_ID}"
    assert sanitize_hostname("ok", "Server-x") == "ok"


def _nova_sanitize(hostname: str) -> str:
    # nova.utils.sanitize_hostname without the Latin-1 and default handling.
    hostname = hostname[:63]
    hostname = re.sub(r"[ _\.]", "-", hostname)
    hostname = re.sub(r"[^\w.-]+", "", hostname)
    return hostname.lower().strip(".-")


@pytest.mark.parametrize("name", ["My Server", "a.b_c d", "x; rm -rf /", "-lead-", "Q" * 63])
def test_sanitize_hostname_matches_nova_for_ascii(name: str) -> None:
    assert sanitize_hostname(name) == _nova_sanitize(name)


@pytest.mark.parametrize(
    "hostname", ["", "-x", "x-", "a..b", "has space", "semi;colon", "a" * 64, "caf\u00e9", "a\nb"]
)
def test_spec_rejects_invalid_hostname(hostname: str) -> None:
    with pytest.raises(ValueError, match="invalid hostname"):
        ConfigDriveSpec(uuid=SERVER_ID, name="x", hostname=hostname, project_id=PROJECT_ID)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mac": "fa:16:3e:11:22"}, "invalid MAC"),
        ({"port_id": "bad port"}, "invalid link id"),
        ({"cidr": None}, "or neither"),
        ({"ip_address": None}, "or neither"),
        ({"ip_address": "10.0.1.5"}, "not in 10.0.0.0/24"),
        ({"ip_address": "10.0.0.05"}, "invalid IPv4 address"),
        ({"cidr": "10.0.0.1/24"}, "invalid IPv4 CIDR"),
        ({"gateway": "10.0.0.1\n"}, "invalid IPv4 address"),
        ({"dns_nameservers": ("8.8.8.8,1.1.1.1",)}, "invalid IPv4 address"),
        ({"host_routes": (("0.0.0.0/0", "gw"),)}, "invalid route next hop"),
    ],
)
def test_link_rejects(fields: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {
        "port_id": DHCP_LINK.port_id,
        "mac": DHCP_LINK.mac,
        "network_id": DHCP_LINK.network_id,
        "cidr": "10.0.0.0/24",
        "ip_address": "10.0.0.5",
    }
    values.update(fields)
    with pytest.raises(ValueError, match=message):
        NetworkLinkSpec(**values)


def _read_iso(path: Path) -> tuple[pycdlib.PyCdlib, dict[str, bytes], dict[str, bytes]]:
    iso = pycdlib.PyCdlib()
    iso.open(str(path))
    by_rr: dict[str, bytes] = {}
    by_joliet: dict[str, bytes] = {}
    for facade_name, out in (("rr_path", by_rr), ("joliet_path", by_joliet)):
        for dirpath, _dirs, names in iso.walk(**{facade_name: "/"}):
            for name in names:
                full = f"{dirpath.rstrip('/')}/{name}"
                buf = io.BytesIO()
                iso.get_file_from_iso_fp(buf, **{facade_name: full})
                out[full.lstrip("/")] = buf.getvalue()
    return iso, by_rr, by_joliet


def test_write_iso_round_trips_names_and_contents(tmp_path: Path) -> None:
    files = build_config_drive(CASES["full"], random_seed=SEED)
    target = tmp_path / "disk.config"
    write_iso(files, target)
    iso, by_rr, by_joliet = _read_iso(target)
    try:
        assert iso.pvd.volume_identifier.decode().rstrip() == "config-2"
    finally:
        iso.close()
    assert by_rr == files
    assert by_joliet == files
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["disk.config"]  # no temp file left


def test_write_iso_replaces_an_existing_image(tmp_path: Path) -> None:
    target = tmp_path / "disk.config"
    write_iso({"openstack/latest/meta_data.json": b"{}"}, target)
    write_iso({"openstack/latest/user_data": b"two"}, target)
    iso, by_rr, _ = _read_iso(target)
    iso.close()
    assert by_rr == {"openstack/latest/user_data": b"two"}


def test_write_iso_failure_leaves_no_temp_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid config drive path"):
        write_iso({"openstack/../etc/passwd": b"x"}, tmp_path / "disk.config")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("blkid") is None, reason="needs blkid (util-linux)")
def test_blkid_sees_the_label_cloud_init_looks_for(tmp_path: Path) -> None:
    # cloud-init finds the drive with blkid by filesystem type and label.
    target = tmp_path / "disk.config"
    write_iso(build_config_drive(CASES["minimal"], random_seed=SEED), target)
    out = subprocess.run(
        ["blkid", "-p", "-o", "export", str(target)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "TYPE=iso9660" in out.splitlines()
    assert "LABEL=config-2" in out.splitlines()


@pytest.mark.skipif(shutil.which("isoinfo") is None, reason="needs isoinfo (genisoimage)")
def test_isoinfo_lists_rock_ridge_names(tmp_path: Path) -> None:
    target = tmp_path / "disk.config"
    write_iso(build_config_drive(CASES["full"], random_seed=SEED), target)
    out = subprocess.run(
        ["isoinfo", "-R", "-f", "-i", str(target)], capture_output=True, text=True, check=True
    ).stdout
    assert "/openstack/latest/vendor_data2.json" in out.splitlines()
