"""The cloud backend's block storage without a cloud: Cinder 29's bodies recorded on realstack
through openstacksdk's resources, printed as python-openstackclient 10.5 printed them there;
and a cloud without block storage, where the real client prints openstacksdk's error."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from openstack.block_storage.v3.snapshot import Snapshot as SdkSnapshot
from openstack.block_storage.v3.volume import Volume as SdkVolume
from openstack.service_description import _ServiceDisabledProxyShim

from ostack_cli.backend.cloud import CloudBackend
from tests.conftest import Runner
from tests.unit.cloud.test_backend import Recorder, backend

pytestmark = pytest.mark.filterwarnings("ignore:The _compute_attributes method")

# GET /v3/volumes/detail?name=vimg (a volume made from the image "tiny"), at 3.71.
CINDER_VOLUME: dict[str, Any] = {
    "id": "250a214b-e708-434e-bb6f-4724215c6b94", "status": "available", "size": 1,
    "availability_zone": "nova", "created_at": "2026-12-05T01:58:38.000000",
    "updated_at": "2026-12-05T01:59:47.000000", "name": "vimg", "description": None,
    "volume_type": "__DEFAULT__", "snapshot_id": None, "source_volid": None, "metadata": {},
    "links": [{"rel": "self", "href": "http://127.0.0.1:8776/v3/volumes/250a214b-e708-434e-"
                                      "bb6f-4724215c6b94"}],
    "user_id": "ff51fefc8c624106baa1f951bee0f4d9", "bootable": "true", "encrypted": False,
    "replication_status": None, "consistencygroup_id": None, "multiattach": False,
    "attachments": [], "migration_status": None, "group_id": None, "provider_id": None,
    "shared_targets": False, "service_uuid": "f2981de1-b4d3-4cd4-b6cd-9ce8c556a705",
    "cluster_name": None, "volume_type_id": "0d7ed140-295c-4894-b08f-ca9eabf7dec5",
    "consumes_quota": True, "os-vol-tenant-attr:tenant_id": "3359fa89ab8d441395620364ed08c47d",
    "os-vol-mig-status-attr:migstat": None, "os-vol-mig-status-attr:name_id": None,
    "os-vol-host-attr:host": "realstack-volume@localfs#localfs",
    "volume_image_metadata": {
        "signature_verified": "False", "owner_specified.openstack.md5": "",
        "owner_specified.openstack.sha256": "",
        "owner_specified.openstack.object": "images/tiny",
        "image_id": "5bd44131-01cf-4896-9746-61f15ab547de", "image_name": "tiny",
        "checksum": "b6d81b360a5672d80c27430f39153e2c", "container_format": "bare",
        "disk_format": "raw", "min_disk": "0", "min_ram": "0", "size": "1048576"},
}
# `openstack volume show vimg -f json` for it.
REAL_VOLUME_SHOW: dict[str, Any] = {
    "attachments": [], "availability_zone": "nova", "backup_id": None, "bootable": True,
    "cluster_name": None, "consumes_quota": True, "created_at": "2026-12-05T01:58:38.000000",
    "description": None, "encrypted": False, "group_id": None,
    "id": "250a214b-e708-434e-bb6f-4724215c6b94", "multiattach": False, "name": "vimg",
    "os-vol-host-attr:host": "realstack-volume@localfs#localfs",
    "os-vol-mig-status-attr:migstat": None, "os-vol-mig-status-attr:name_id": None,
    "os-vol-tenant-attr:tenant_id": "3359fa89ab8d441395620364ed08c47d", "properties": {},
    "provider_id": None, "replication_status": None,
    "service_uuid": "f2981de1-b4d3-4cd4-b6cd-9ce8c556a705", "shared_targets": False,
    "size": 1, "snapshot_id": None, "source_volid": None, "status": "available",
    "type": "__DEFAULT__", "updated_at": "2026-12-05T01:59:47.000000",
    "user_id": "ff51fefc8c624106baa1f951bee0f4d9",
    "volume_image_metadata": CINDER_VOLUME["volume_image_metadata"],
    "volume_type_id": "0d7ed140-295c-4894-b08f-ca9eabf7dec5",
}
# GET /v3/snapshots/detail?name=snap2
CINDER_SNAPSHOT: dict[str, Any] = {
    "id": "fa45b133-86a1-45c9-b324-7c4e853e86b8", "created_at": "2026-12-05T01:58:10.000000",
    "updated_at": "2026-12-05T01:58:10.000000", "name": "snap2", "description": "hello",
    "volume_id": "6830a099-2d89-447b-950b-6470262b3ea6", "status": "available", "size": 1,
    "metadata": {"a": "b"}, "group_snapshot_id": None,
    "user_id": "ff51fefc8c624106baa1f951bee0f4d9", "consumes_quota": True,
    "os-extended-snapshot-attributes:project_id": "3359fa89ab8d441395620364ed08c47d",
    "os-extended-snapshot-attributes:progress": "100%",
}
REAL_SNAPSHOT_SHOW = {
    "created_at": "2026-12-05T01:58:10.000000", "description": "hello",
    "id": "fa45b133-86a1-45c9-b324-7c4e853e86b8", "name": "snap2", "properties": {"a": "b"},
    "size": 1, "status": "available", "volume_id": "6830a099-2d89-447b-950b-6470262b3ea6",
}
# What openstacksdk raises on first use of block storage when the catalog has none.
NO_CINDER = (
    "Service 'block-storage' is disabled because its configuration could not be loaded. The "
    "service is not present in the service catalog: public endpoint for block-storage service "
    "not found"
)


def cinder(**replies: Any) -> CloudBackend:
    made = backend()
    conn: Any = made.conn
    conn.block_storage = Recorder(**replies)
    return made


@pytest.fixture
def on_cloud(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    def run(made: CloudBackend, *args: str) -> Any:
        monkeypatch.setattr("ostack_cli.backend.factory.make_backend", lambda options: made)
        return cli(*args)

    return run


def test_volume_show_is_the_real_clients(on_cloud: Callable[..., Any]) -> None:
    made = cinder(find_volume=SdkVolume.existing(**CINDER_VOLUME))
    result = on_cloud(made, "volume", "show", "vimg", "-f", "json")
    assert (result.rc, result.err) == (0, "")
    assert result.json() == REAL_VOLUME_SHOW
    assert list(result.json()) == sorted(REAL_VOLUME_SHOW)


def test_snapshot_show_is_the_real_clients(on_cloud: Callable[..., Any]) -> None:
    made = cinder(find_snapshot=SdkSnapshot.existing(**CINDER_SNAPSHOT))
    result = on_cloud(made, "volume", "snapshot", "show", "snap2", "-f", "json")
    assert result.json() == REAL_SNAPSHOT_SHOW


def test_volume_list_asks_cinder_as_the_real_client(on_cloud: Callable[..., Any]) -> None:
    made = cinder(volumes=[SdkVolume.existing(**CINDER_VOLUME)])
    result = on_cloud(made, "volume", "list", "--long", "--name", "vimg", "--property", "a=b",
                      "--limit", "5", "-f", "json")
    assert result.json() == [{"ID": CINDER_VOLUME["id"], "Name": "vimg",
                              "Status": "available", "Size": 1, "Type": "__DEFAULT__",
                              "Bootable": True, "Attached to": [], "Properties": {}}]
    conn: Any = made.conn
    # Cinder reads the property filter as a stringified dict (the real client's note).
    assert conn.block_storage.calls == [("volumes", (), {
        "all_projects": False, "name": "vimg", "limit": 5, "properties": "{'a': 'b'}"})]


@pytest.mark.parametrize("args", [
    ("volume", "list"),
    ("volume", "create", "--size", "1", "v"),
    ("volume", "show", "v"),
    ("volume", "snapshot", "list"),
    ("volume", "type", "list"),
])
def test_without_block_storage_openstacksdks_error(on_cloud: Callable[..., Any],
                                                   args: tuple[str, ...]) -> None:
    made = backend()
    conn: Any = made.conn
    conn.block_storage = _ServiceDisabledProxyShim(
        "block-storage", "The service is not present in the service catalog: public endpoint "
                         "for block-storage service not found")
    result = on_cloud(made, *args)
    assert (result.rc, result.out, result.err) == (1, "", NO_CINDER + "\n")


def test_server_create_from_a_volume_needs_block_storage(on_cloud: Callable[..., Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    made = backend()
    # On the instance: the class gains the part that has it only once it is used.
    monkeypatch.setattr(made, "has_block_storage", lambda: False)
    result = on_cloud(made, "server", "create", "--flavor", "m1.tiny", "--volume", "v", "s")
    assert (result.rc, result.out, result.err) == (
        1, "", "Volume service is not available in the current cloud\n")


def test_boot_from_volume_sends_the_real_clients_mappings(on_cloud: Callable[..., Any]) -> None:
    from openstack.compute.v2.flavor import Flavor as SdkFlavor
    from openstack.image.v2.image import Image as SdkImage

    image = SdkImage.existing(id="5bd44131-01cf-4896-9746-61f15ab547de", name="tiny")
    glance = Recorder(find_image=image)
    glance.api_version = "2"
    made = backend(
        compute=Recorder(find_flavor=SdkFlavor.existing(id="1", name="m1.tiny"),
                         create_server=RuntimeError("stop here")),
        image=glance)
    result = on_cloud(made, "server", "create", "--flavor", "m1.tiny", "--image", "tiny",
                      "--boot-from-volume", "2", "--nic", "none", "s")
    assert result.rc == 1
    conn: Any = made.conn
    [(_, _, kwargs)] = [c for c in conn.compute.calls if c[0] == "create_server"]
    assert "image_id" not in kwargs
    assert kwargs["block_device_mapping"] == [{
        "uuid": image.id, "boot_index": 0, "source_type": "image",
        "destination_type": "volume", "volume_size": 2, "delete_on_termination": False}]
    assert json.dumps(kwargs["block_device_mapping"])  # plain JSON, as Nova takes it
