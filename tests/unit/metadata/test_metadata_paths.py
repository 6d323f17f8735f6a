"""What the metadata service holds at each path, in both formats (Nova's base.py ``lookup``),
and that it is what the config drive holds."""

from __future__ import annotations

import json

import pytest

from ostack_cli.metadata import content, paths
from ostack_cli.metadata.content import InstanceMetadata, NetworkLinkSpec
from tests.unit.local.golden_util import assert_golden

SEED = bytes(range(256)) * 2
SPEC = InstanceMetadata(
    uuid="6b0c6c3c-2b0e-4f3e-9c55-1f0e9d7a4a11",
    name="alice",
    hostname="alice",
    project_id="0b8c6f5e4d3c4b2a9f8e7d6c5b4a3f2e",
    public_keys={"alice-key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOstackTestKeyA a@x"},
    key_name="alice-key",
    user_data=b"#!/bin/sh\necho hi\n",
    links=(NetworkLinkSpec(port_id="2f1d4c9e-7a1b-4c3d-8e9f-0a1b2c3d4e5f",
                           mac="fa:16:3e:11:22:33", network_id="5d6e7f80-91a2-4b3c-8d4e-5f60",
                           cidr="10.0.0.0/24", ip_address="10.0.0.5", gateway="10.0.0.1"),),
    meta={"role": "web"},
    image_id="70000000-0000-4000-8000-000000000000",
    kernel_id="71000000-0000-4000-8000-000000000000",
    reservation_id="r-0a1b2c3d",
    flavor_name="m1.tiny",
    security_groups=("default", "web"),
    floating_ips=("192.168.61.5",),
)
BARE = InstanceMetadata(uuid="7c1d7d4d-3c1f-4f4f-8d66-2f1f0e8b5b22", name="bob",
                        hostname="bob", project_id="p")


def get(path: str, spec: InstanceMetadata = SPEC, *, address: str | None = None,
        today: str = "2026-12-05") -> paths.Item:
    item = paths.lookup(spec, path, address=address, today=today, seed=lambda: SEED)
    assert isinstance(item, paths.Item)
    return item


def text(path: str, spec: InstanceMetadata = SPEC, *, address: str | None = None,
         today: str = "2026-12-05") -> str:
    return get(path, spec, address=address, today=today).body.decode()


def test_the_root_lists_the_ec2_versions() -> None:
    listing = "\n".join([*content.EC2_VERSIONS, "latest"])
    assert text("/") == text("") == text("/ec2") == text("/ec2/") == listing
    assert get("/").content_type == "text/plain"


def test_openstack_lists_its_versions_but_future_ones() -> None:
    assert text("/openstack").splitlines() == [*content.VERSIONS, "latest"]
    early = text("/openstack", today="2020-01-01").splitlines()
    assert early[-3:] == ["2017-02-22", "2018-08-27", "latest"]


def test_a_versions_files_follow_nova() -> None:
    assert text("/openstack/latest").splitlines() == [
        "meta_data.json", "user_data", "password", "vendor_data.json", "network_data.json",
        "vendor_data2.json"]
    assert text("/openstack/2012-08-10/").splitlines() == ["meta_data.json", "user_data"]
    assert text("/openstack/2013-04-04", BARE).splitlines() == ["meta_data.json", "password"]
    assert text("/openstack/latest/version") == text("/openstack/latest")


def test_meta_data_json_is_the_config_drives() -> None:
    item = get("/openstack/latest/meta_data.json")
    assert item.content_type == "application/json"
    drive = content.config_drive_files(SPEC, SEED)
    assert item.body == drive["openstack/latest/meta_data.json"]
    for version in content.VERSIONS:
        assert get(f"/openstack/{version}/meta_data.json").body == (
            drive[f"openstack/{version}/meta_data.json"])
    assert json.loads(item.body)["hostname"] == "alice.novalocal"


def test_network_user_and_vendor_data() -> None:
    drive = content.config_drive_files(SPEC, SEED)
    network = get("/openstack/latest/network_data.json")
    assert network == paths.Item(drive["openstack/latest/network_data.json"], "text/plain")
    # Nova serves network_data.json at every version (the drive only from 2015-10-15).
    assert get("/openstack/2012-08-10/network_data.json").body == network.body
    assert get("/openstack/latest/user_data") == paths.Item(SPEC.user_data or b"")
    assert get("/openstack/latest/vendor_data.json") == paths.Item(b"{}", "application/json")
    assert get("/openstack/latest/vendor_data2.json") == paths.Item(b'{"static": {}}',
                                                                    "application/json")
    assert paths.lookup(SPEC, "/openstack/latest/password") is paths.PASSWORD


@pytest.mark.parametrize("path", [
    "/openstack/latest/user_data:bare", "/openstack/2012-08-10/vendor_data.json",
    "/openstack/2013-10-17/vendor_data2.json", "/openstack/2012-08-10/password",
    "/openstack/2011-01-01/meta_data.json", "/openstack/latest/nothing",
    "/openstack/latest/meta_data.json/uuid", "/openstack/content", "/openstack/content/0000",
    "/2006-01-01/meta-data", "/latest/meta-data/nothing", "/latest/meta-data/kernel-id:bare",
    "/latest/user-data:bare", "/1.0/meta-data/local-hostname",
])
def test_what_is_not_there_is_not_found(path: str) -> None:
    spec = BARE if path.endswith(":bare") else SPEC
    with pytest.raises(paths.PathNotFound):
        paths.lookup(spec, path.removesuffix(":bare"))


@pytest.mark.parametrize("path", ["/latest/meta-data/hostname/x",
                                  "/latest/meta-data/security-groups/default",
                                  "/openstack/latest/content"])
def test_paths_that_break_novas_lookup_are_server_errors(path: str) -> None:
    with pytest.raises(paths.PathBroken):
        paths.lookup(SPEC, path)


def test_the_ec2_tree() -> None:
    assert text("/latest") == "meta-data/\nuser-data"
    assert_golden("metadata/ec2_latest_meta_data.txt", text("/latest/meta-data/") + "\n")
    answers = {name: text(f"/latest/meta-data/{name}") for name in (
        "instance-id", "hostname", "local-hostname", "local-ipv4", "public-ipv4", "ami-id",
        "kernel-id", "reservation-id", "instance-type", "security-groups", "placement",
        "placement/availability-zone", "block-device-mapping", "block-device-mapping/root",
        "public-keys", "public-keys/0", "public-keys/0/openssh-key", "ami-launch-index",
        "instance-action")}
    assert answers == {
        "instance-id": "i-6b0c6c3c", "hostname": "alice.novalocal",
        "local-hostname": "alice.novalocal", "local-ipv4": "10.0.0.5",
        "public-ipv4": "192.168.61.5", "ami-id": "ami-70000000", "kernel-id": "aki-71000000",
        "reservation-id": "r-0a1b2c3d", "instance-type": "m1.tiny",
        "security-groups": "default\nweb", "placement": "availability-zone",
        "placement/availability-zone": "nova", "block-device-mapping": "ami\nroot",
        "block-device-mapping/root": "/dev/vda", "public-keys": "0=alice-key",
        "public-keys/0": "openssh-key", "public-keys/0/openssh-key": SPEC.public_keys[
            "alice-key"], "ami-launch-index": "0", "instance-action": "none"}
    assert get("/latest/user-data").body == SPEC.user_data
    assert text("/ec2/latest/meta-data/instance-id") == "i-6b0c6c3c"


def test_older_ec2_versions_have_less() -> None:
    assert text("/1.0/meta-data/").splitlines() == [
        "ami-id", "ami-launch-index", "ami-manifest-path", "hostname", "instance-id",
        "local-ipv4", "public-keys/", "reservation-id", "security-groups"]
    assert "instance-type" in text("/2007-08-29/meta-data/").splitlines()
    assert "placement/" not in text("/2007-12-15/meta-data/").splitlines()


def test_an_instance_without_address_keys_or_user_data() -> None:
    assert text("/latest", BARE) == "meta-data/"
    listing = text("/latest/meta-data/", BARE).splitlines()
    assert "public-keys/" not in listing and "0=alice-key" not in listing
    assert "kernel-id" not in listing
    # No port address: local-ipv4 is the requester's, public-ipv4 empty.
    assert text("/latest/meta-data/local-ipv4", BARE, address="10.9.9.9") == "10.9.9.9"
    assert text("/latest/meta-data/public-ipv4", BARE) == ""


def test_the_config_drives_ec2_tree_is_the_services() -> None:
    drive = content.config_drive_files(SPEC, SEED)
    meta = json.loads(drive["ec2/latest/meta-data.json"])
    assert meta["public-keys"] == {"0": {"openssh-key": SPEC.public_keys["alice-key"]}}
    for key, value in meta.items():
        if isinstance(value, str):
            assert text(f"/latest/meta-data/{key}") == value
    assert drive["ec2/2009-04-04/user-data"] == get("/2009-04-04/user-data").body
