"""Cinder's quotas in ``quota show`` and ``quota set`` on the cloud backend, without a cloud.

The bodies are Cinder 29's answers recorded on realstack, and the expected rows what
python-openstackclient 10.5 (openstacksdk 4.22) printed for the same bodies there."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from keystoneauth1 import access
from openstack import exceptions as sdk
from openstack.block_storage.v3.quota_set import QuotaSet as SdkCinderQuotaSet
from openstack.identity.v3.project import Project as SdkProject

from ostack_cli.backend.cloud import CloudBackend
from ostack_cli.commands.quota import quota_rows
from tests.conftest import Runner
from tests.unit.cloud.test_backend import Recorder
from tests.unit.cloud.test_mapping import KEYSTONE_PROJECT, KEYSTONE_TOKEN
from tests.unit.cloud.test_show_fields import quota_cloud
from tests.unit.commands.test_quota import REAL_DEFAULTS

pytestmark = pytest.mark.filterwarnings("ignore:The _compute_attributes method")

PROJECT = "527e5034b52b47569e20ce2f4d9ab7fd"
# GET /v3/os-quota-sets/{id} (and .../{id}/defaults: the same body), every quota at its default.
CINDER_QUOTA_SET: dict[str, Any] = {"quota_set": {
    "volumes": 10, "per_volume_gigabytes": -1, "snapshots": 10, "gigabytes": 1000,
    "backups": 10, "backup_gigabytes": 1000, "volumes___DEFAULT__": -1,
    "gigabytes___DEFAULT__": -1, "snapshots___DEFAULT__": -1, "groups": 10, "id": PROJECT,
}}
# GET /v3/os-quota-sets/{id}?usage=True: one 1 GB volume, backup-gigabytes 900 and
# per-volume-gigabytes 50 set.
CINDER_QUOTA_USAGE: dict[str, Any] = {"quota_set": {
    "volumes": {"limit": 10, "in_use": 1, "reserved": 0},
    "per_volume_gigabytes": {"limit": 50, "in_use": 0, "reserved": 0},
    "snapshots": {"limit": 10, "in_use": 0, "reserved": 0},
    "gigabytes": {"limit": 1000, "in_use": 1, "reserved": 0},
    "backups": {"limit": 10, "in_use": 0, "reserved": 0},
    "backup_gigabytes": {"limit": 900, "in_use": 0, "reserved": 0},
    "volumes___DEFAULT__": {"limit": -1, "in_use": 1, "reserved": 0},
    "gigabytes___DEFAULT__": {"limit": -1, "in_use": 1, "reserved": 0},
    "snapshots___DEFAULT__": {"limit": -1, "in_use": 0, "reserved": 0},
    "groups": {"limit": 10, "in_use": 0, "reserved": 0},
    "id": PROJECT,
}}

# `openstack quota show --volume` (and `--volume --default`) for CINDER_QUOTA_SET: Cinder's
# order, per-type quotas under Cinder's names, the two renamed quotas last.
REAL_VOLUME_TABLE = """\
+-----------------------+-------+
| Resource              | Limit |
+-----------------------+-------+
| volumes               |    10 |
| snapshots             |    10 |
| gigabytes             |  1000 |
| backups               |    10 |
| volumes___DEFAULT__   |    -1 |
| gigabytes___DEFAULT__ |    -1 |
| snapshots___DEFAULT__ |    -1 |
| groups                |    10 |
| backup-gigabytes      |  1000 |
| per-volume-gigabytes  |    -1 |
+-----------------------+-------+
"""
REAL_VOLUME: list[tuple[str, int]] = [
    ("volumes", 10), ("snapshots", 10), ("gigabytes", 1000), ("backups", 10),
    ("volumes___DEFAULT__", -1), ("gigabytes___DEFAULT__", -1), ("snapshots___DEFAULT__", -1),
    ("groups", 10), ("backup-gigabytes", 1000), ("per-volume-gigabytes", -1),
]
# `openstack quota show --volume --usage -f json` for CINDER_QUOTA_USAGE
REAL_VOLUME_USAGE: list[tuple[str, int, int, int]] = [
    ("volumes", 10, 1, 0), ("snapshots", 10, 0, 0), ("gigabytes", 1000, 1, 0),
    ("backups", 10, 0, 0), ("volumes___DEFAULT__", -1, 1, 0),
    ("gigabytes___DEFAULT__", -1, 1, 0), ("snapshots___DEFAULT__", -1, 0, 0),
    ("groups", 10, 0, 0), ("backup-gigabytes", 900, 0, 0), ("per-volume-gigabytes", 50, 0, 0),
]
# `openstack quota show -f json` with Cinder: its rows after compute's, before network's; its
# renamed quotas after compute's renamed ones.
REAL_ALL: list[tuple[str, int | None]] = [
    ("cores", 20), ("instances", 10), ("ram", 51200), ("fixed_ips", None),
    ("floating_ips", 50), ("networks", 100), ("security_group_rules", 100),
    ("security_groups", 10), ("volumes", 10), ("snapshots", 10), ("gigabytes", 1000),
    ("backups", 10), ("volumes___DEFAULT__", -1), ("gigabytes___DEFAULT__", -1),
    ("snapshots___DEFAULT__", -1), ("groups", 10), ("check_limit", None),
    ("health_monitors", None), ("listeners", None), ("load_balancers", None),
    ("l7_policies", None), ("pools", None), ("ports", 500), ("project_id", None),
    ("tenant_id", None), ("rbac_policies", 10), ("router_routes", 30), ("routers", 10),
    ("subnets", 100), ("subnet_pools", -1), ("injected-file-size", 10240),
    ("injected-path-size", 255), ("injected-files", 5), ("key-pairs", 100),
    ("properties", 128), ("server-group-members", 10), ("server-groups", 10),
    ("backup-gigabytes", 1000), ("per-volume-gigabytes", -1),
]
# `openstack quota show --usage -f json` (nothing else in the project)
REAL_ALL_USAGE: list[tuple[str, int, int | str, int]] = [
    ("cores", 20, 0, 0), ("instances", 10, 0, 0), ("ram", 51200, 0, 0),
    ("fixed_ips", 0, 0, 0), ("floating_ips", 50, 0, 0), ("networks", 100, 0, 0),
    ("security_group_rules", 100, 0, 0), ("security_groups", 10, 0, 0),
    ("volumes", 10, 1, 0), ("snapshots", 10, 0, 0), ("gigabytes", 1000, 1, 0),
    ("backups", 10, 0, 0), ("volumes___DEFAULT__", -1, 1, 0),
    ("gigabytes___DEFAULT__", -1, 1, 0), ("snapshots___DEFAULT__", -1, 0, 0),
    ("groups", 10, 0, 0), ("ports", 500, 0, 0), ("rbac_policies", 10, 0, 0),
    ("router_routes", 30, 0, 0), ("routers", 10, 0, 0), ("subnets", 100, 0, 0),
    ("subnet_pools", -1, 0, 0), ("injected-file-size", 10240, 0, 0),
    ("injected-path-size", 255, 0, 0), ("injected-files", 5, 0, 0),
    ("key-pairs", 100, "N/A", 0), ("properties", 128, 0, 0),
    ("server-group-members", 10, 0, 0), ("server-groups", 10, 0, 0),
    ("backup-gigabytes", 900, 0, 0), ("per-volume-gigabytes", 50, 0, 0),
]
# The real client against realstack with the block-storage entries taken out of its catalog.
NO_CINDER = (
    "Service 'block-storage' is disabled because its configuration could not be loaded. The "
    "service is not present in the service catalog: public endpoint for block-storage service "
    "in RegionOne region not found"
)


def _endpoints(port: int, path: str) -> list[dict[str, str]]:
    return [{"id": f"{interface}-{port}", "interface": interface, "region": "RegionOne",
             "region_id": "RegionOne", "url": f"http://127.0.0.1:{port}{path}"}
            for interface in ("internal", "public", "admin")]


# realstack's catalog (token body), in part.
CATALOG: list[dict[str, Any]] = [
    {"id": "c", "type": "compute", "name": "nova", "endpoints": _endpoints(8774, "/v2.1")},
    {"id": "n", "type": "network", "name": "neutron", "endpoints": _endpoints(9696, "")},
    {"id": "v3", "type": "volumev3", "name": "cinderv3", "endpoints": _endpoints(8776, "/v3")},
    {"id": "bs", "type": "block-storage", "name": "cinder",
     "endpoints": _endpoints(8776, "/v3")},
]
VOLUME_TYPES = ("block-storage", "volumev3")


def cinder_quota_set(body: dict[str, Any]) -> SdkCinderQuotaSet:
    """What openstacksdk's block_storage proxy makes of Cinder's answer (``fetch``: its own
    response handling, which keeps Cinder's key order)."""
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(body).encode()
    quota = SdkCinderQuotaSet.new(project_id=PROJECT)
    quota._translate_response(response)
    return quota


class Auth:
    """keystoneauth's plugin, authenticated: a token whose catalog is ``catalog``."""

    def __init__(self, catalog: list[dict[str, Any]]) -> None:
        body: dict[str, object] = {"token": {**KEYSTONE_TOKEN["token"], "catalog": catalog}}
        self.access = access.create(body=body, auth_token="gAAAAABtoken")

    def get_access(self, session: Any) -> access.AccessInfo:
        return self.access


class Session:
    def __init__(self, catalog: list[dict[str, Any]]) -> None:
        self.auth = Auth(catalog)


class Config:
    def get_region_name(self) -> str:
        return "RegionOne"

    def get_interface(self) -> str:
        return "public"


def cinder_recorder() -> Recorder:
    return Recorder(
        get_quota_set=lambda project, usage=False: cinder_quota_set(
            CINDER_QUOTA_USAGE if usage else CINDER_QUOTA_SET),
        get_quota_set_defaults=lambda project: cinder_quota_set(CINDER_QUOTA_SET),
        update_quota_set=None,
    )


def no_cinder_recorder() -> Recorder:
    """openstacksdk's stand-in for a service the catalog lacks: any use raises."""
    disabled = sdk.ServiceDisabledException(NO_CINDER)
    return Recorder(get_quota_set=disabled, get_quota_set_defaults=disabled,
                    update_quota_set=disabled)


def cloud(*, cinder: bool = True) -> CloudBackend:
    """quota_cloud()'s Nova and Neutron (recorded on realstack), with or without Cinder."""
    backend = quota_cloud()
    conn: Any = backend.conn
    catalog = [s for s in CATALOG if cinder or s["type"] not in VOLUME_TYPES]
    conn.block_storage = cinder_recorder() if cinder else no_cinder_recorder()
    conn.session = Session(catalog)
    conn.config = Config()
    conn.identity = Recorder(find_project=SdkProject.existing(**KEYSTONE_PROJECT))
    return backend


@pytest.mark.parametrize(("defaults", "usage", "expected"), [
    (False, False, REAL_VOLUME),
    (True, False, REAL_VOLUME),
    (False, True, REAL_VOLUME_USAGE),
])
def test_volume_rows_are_the_real_clients(defaults: bool, usage: bool,
                                          expected: list[tuple[Any, ...]]) -> None:
    volume = cloud().volume_quotas(PROJECT, defaults=defaults, usage=usage)
    assert quota_rows({}, {} if usage else None, "volume", volume) == expected


def test_volume_quotas_keep_cinders_order_and_names() -> None:
    volume = cloud().volume_quotas(PROJECT, usage=True)
    assert list(volume.limits) == [k for k in CINDER_QUOTA_USAGE["quota_set"] if k != "id"]
    assert (volume.limits["backup_gigabytes"], volume.usage["volumes___DEFAULT__"],
            volume.reserved["groups"]) == (900, 1, 0)


def test_all_rows_put_cinders_between_computes_and_neutrons() -> None:
    backend = cloud()
    volume = backend.volume_quotas(PROJECT)
    assert quota_rows(backend.quota_limits(PROJECT), None, "all", volume) == REAL_ALL
    volume = backend.volume_quotas(PROJECT, usage=True)
    rows = quota_rows(backend.quota_limits(PROJECT), backend.quota_usage(PROJECT), "all", volume)
    assert rows == REAL_ALL_USAGE


@pytest.mark.parametrize("cinder", [True, False])
def test_has_block_storage_reads_the_catalog(cinder: bool) -> None:
    assert cloud(cinder=cinder).has_block_storage() is cinder
    # Any of the real client's aliases will do (an older cloud lists only "volumev2").
    v2 = [{**CATALOG[2], "type": "volumev2"}]
    backend = cloud(cinder=False)
    conn: Any = backend.conn
    conn.session = Session(v2)
    assert backend.has_block_storage() is True


def test_set_sends_volume_quotas_between_compute_and_network() -> None:
    backend = cloud()
    backend.set_quotas(PROJECT, {"instances": 3, "backups": 6, "backup-gigabytes": 900,
                                 "per-volume-gigabytes": 50, "volumes": 11, "networks": 4})
    conn: Any = backend.conn
    assert conn.block_storage.calls == [("update_quota_set", (PROJECT,), {
        "backups": 6, "backup_gigabytes": 900, "per_volume_gigabytes": 50, "volumes": 11})]
    assert [n for n in conn.compute.names() + conn.network.names() if "update" in n] == [
        "update_quota_set", "update_quota"]


@pytest.mark.parametrize(("force", "compute", "network"), [
    # python-openstackclient 10.5's quota set: Nova's force only with --force; Neutron's force
    # with it, check_limit otherwise.
    (None, {"instances": 3}, {"networks": 4, "check_limit": True}),
    (False, {"instances": 3}, {"networks": 4, "check_limit": True}),
    (True, {"instances": 3, "force": True}, {"networks": 4, "force": True}),
])
def test_set_sends_force_as_the_real_client(
    force: bool | None, compute: dict[str, Any], network: dict[str, Any]
) -> None:
    backend = cloud()
    backend.set_quotas(PROJECT, {"instances": 3, "networks": 4}, force=force)
    conn: Any = backend.conn
    assert [c for c in conn.compute.calls if c[0] == "update_quota_set"] == [
        ("update_quota_set", (PROJECT,), compute)]
    assert [c for c in conn.network.calls if c[0] == "update_quota"] == [
        ("update_quota", (PROJECT,), network)]



@pytest.fixture
def on_cloud(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Run ostack in-process against ``cloud(cinder=...)``; returns (result, backend)."""

    def run(*args: str, cinder: bool = True) -> tuple[Any, CloudBackend]:
        backend = cloud(cinder=cinder)
        monkeypatch.setattr("ostack_cli.backend.factory.make_backend", lambda options: backend)
        return cli(*args), backend

    return run


def rows(result: Any) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in result.json()]


def test_show_volume_prints_the_real_clients_table(on_cloud: Callable[..., Any]) -> None:
    for options in ((), ("--default",)):
        result, _ = on_cloud("quota", "show", "--volume", *options)
        assert (result.rc, result.out, result.err) == (0, REAL_VOLUME_TABLE, "")
    result, _ = on_cloud("quota", "show", "--volume", "--usage", "-f", "json")
    assert rows(result) == REAL_VOLUME_USAGE
    result, _ = on_cloud("quota", "show", "-f", "json")
    assert rows(result) == REAL_ALL


def test_without_cinder_as_the_real_client(on_cloud: Callable[..., Any]) -> None:
    # No volume rows, and Cinder never asked...
    result, backend = on_cloud("quota", "show", "-f", "json", cinder=False)
    assert rows(result) == REAL_DEFAULTS
    conn: Any = backend.conn
    assert conn.block_storage.calls == []
    # ... unless --volume asks for them: openstacksdk's error.
    result, _ = on_cloud("quota", "show", "--volume", cinder=False)
    assert (result.rc, result.out, result.err) == (1, "", NO_CINDER + "\n")
    # quota set drops the volume options silently (and still sets the others).
    result, backend = on_cloud("quota", "set", "--volumes", "3", "--instances", "4", "demo",
                               cinder=False)
    assert (result.rc, result.out, result.err) == (0, "", "")
    conn = backend.conn
    assert conn.block_storage.calls == []
    assert ("update_quota_set", (KEYSTONE_PROJECT["id"],), {"instances": 4}) in \
        conn.compute.calls


def test_set_volume_type_names_cinders_per_type_quotas(on_cloud: Callable[..., Any]) -> None:
    result, backend = on_cloud("quota", "set", "--volume-type", "__DEFAULT__", "--volumes", "5",
                               "--gigabytes", "40", "--snapshots", "3", "--backups", "6", "demo")
    assert (result.rc, result.out, result.err) == (0, "", "")
    conn: Any = backend.conn
    assert conn.block_storage.calls == [("update_quota_set", (KEYSTONE_PROJECT["id"],), {
        "backups": 6, "gigabytes___DEFAULT__": 40, "snapshots___DEFAULT__": 3,
        "volumes___DEFAULT__": 5})]
    assert conn.compute.calls == conn.network.calls == []
