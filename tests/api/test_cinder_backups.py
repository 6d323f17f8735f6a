"""Cinder's volume backups through ``ostack api serve``: the bodies, statuses and errors of
Cinder's backup API (cinder/api/contrib/backups.py, v3/backups.py, views/backups.py; rules
from cinder/backup/api.py), and the real client's ``volume backup`` commands and
openstacksdk's backup calls, each the same as ``ostack`` on the local backend."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.api.conftest import ApiServer
from tests.api.test_cinder import V3, cinder, create, project_of
from tests.api.test_cinder_clients import failing
from tests.api.test_clients import real
from tests.api.test_walkthrough import quiet, same

OLDEST = {"OpenStack-API-Version": "volume 3.0"}
SUMMARY = ["id", "name", "links"]
DETAIL = ["id", "status", "size", "object_count", "availability_zone", "container",
          "created_at", "updated_at", "name", "description", "fail_reason", "volume_id",
          "links", "is_incremental", "has_dependent_backups", "snapshot_id", "data_timestamp"]
LATEST_MEMBER = [*DETAIL, "metadata", "encryption_key_id"]
LATEST_ADMIN = [*DETAIL, "os-backup-project-attr:project_id", "metadata", "user_id",
                "encryption_key_id"]


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


@pytest.fixture(scope="module")
def member(api_server: ApiServer) -> str:
    return api_server.token("demo", "demo")


def test_backup_bodies_and_errors(api_server: ApiServer, admin: str, member: str) -> None:
    volume = create(api_server, member, size=1, name="backed")
    made = cinder(api_server, "POST", "/backups", member, body={"backup": {
        "volume_id": volume["id"], "name": "b1", "metadata": {"k": "v"}}})
    assert made.status_code == 202, made.text
    backup = made.json()["backup"]
    assert list(backup) == SUMMARY
    bid = backup["id"]
    assert backup["links"] == [
        {"rel": "self", "href": api_server.url(f"{V3}/backups/{bid}")},
        {"rel": "bookmark", "href": api_server.url(f"/volume/backups/{bid}")}]
    shown = cinder(api_server, "GET", f"/backups/{bid}", member).json()["backup"]
    assert list(shown) == LATEST_MEMBER
    assert (shown["status"], shown["size"], shown["metadata"], shown["volume_id"]) == (
        "available", 1, {"k": "v"}, volume["id"])
    as_admin = cinder(api_server, "GET", f"/backups/{bid}", admin).json()["backup"]
    assert list(as_admin) == LATEST_ADMIN
    assert as_admin["os-backup-project-attr:project_id"] == project_of(api_server, member)
    oldest = cinder(api_server, "GET", "/backups/detail", member, version=OLDEST).json()
    assert [list(b) for b in oldest["backups"]] == [DETAIL]
    listed = cinder(api_server, "GET", "/backups", member).json()
    assert listed == {"backups": [backup]}
    assert cinder(api_server, "GET", "/backups/detail", admin).json() == {"backups": []}
    everyone = cinder(api_server, "GET", "/backups/detail?all_tenants=1", admin).json()
    assert [b["id"] for b in everyone["backups"]] == [bid]
    assert cinder(api_server, "GET", f"/backups?volume_id={volume['id']}&status=error",
                  member).json() == {"backups": []}

    incremental = cinder(api_server, "POST", "/backups", member, body={"backup": {
        "volume_id": volume["id"], "incremental": True}})
    assert incremental.status_code == 202, incremental.text
    iid = incremental.json()["backup"]["id"]
    # Newest first (created_at, then ID, as Cinder sorts); a page's link goes on after it.
    paged = cinder(api_server, "GET", "/backups?limit=1", member).json()
    first = paged["backups"][0]["id"]
    assert paged["backups_links"][0]["rel"] == "next"
    rest = cinder(api_server, "GET", f"/backups?marker={first}", member).json()["backups"]
    assert {first, *(b["id"] for b in rest)} == {bid, iid} and len(rest) == 1
    dependent = cinder(api_server, "DELETE", f"/backups/{bid}", member)
    assert (dependent.status_code, dependent.json()) == (400, {"badRequest": {
        "code": 400, "message": "Invalid backup: Incremental backups exist for this backup."}})

    updated = cinder(api_server, "PUT", f"/backups/{bid}", member,
                     body={"backup": {"name": "renamed", "metadata": {}}})
    assert (updated.status_code, list(updated.json()["backup"])) == (200, SUMMARY)
    assert updated.json()["backup"]["name"] == "renamed"
    too_old = cinder(api_server, "PUT", f"/backups/{bid}", member, version=OLDEST,
                     body={"backup": {"name": "x"}})
    assert too_old.status_code == 404

    small = create(api_server, member, size=1, name="target")
    restored = cinder(api_server, "POST", f"/backups/{bid}/restore", member,
                      body={"restore": {"volume_id": small["id"]}})
    assert (restored.status_code, restored.json()) == (202, {"restore": {
        "backup_id": bid, "volume_id": small["id"], "volume_name": "target"}})
    fresh = cinder(api_server, "POST", f"/backups/{bid}/restore", member,
                   body={"restore": {}}).json()["restore"]
    assert fresh["volume_name"] == f"restore_backup_{bid}"

    refused = cinder(api_server, "POST", f"/backups/{bid}/action", member,
                     body={"os-reset_status": {"status": "error"}})
    assert (refused.status_code, refused.json()) == (403, {"forbidden": {
        "code": 403, "message": "Policy doesn't allow "
        "volume_extension:backup_admin_actions:reset_status to be performed."}})
    reset = cinder(api_server, "POST", f"/backups/{iid}/action", admin,
                   body={"os-reset_status": {"status": "error"}})
    assert reset.status_code == 202, reset.text
    busy = cinder(api_server, "POST", f"/backups/{iid}/restore", member,
                  body={"restore": {"name": "x"}})
    assert (busy.status_code, busy.json()["badRequest"]["message"]) == (
        400, "Invalid backup: Backup status must be available")
    forced = cinder(api_server, "POST", f"/backups/{iid}/action", admin,
                    body={"os-force_delete": {}})
    assert forced.status_code == 202, forced.text
    gone = cinder(api_server, "DELETE", f"/backups/{bid}", member)
    assert (gone.status_code, gone.text) == (202, "")
    missing = cinder(api_server, "GET", f"/backups/{bid}", member)
    assert (missing.status_code, missing.json()) == (404, {"itemNotFound": {
        "code": 404, "message": f"Backup {bid} could not be found."}})
    for volume_id in (volume["id"], small["id"], fresh["volume_id"]):
        assert cinder(api_server, "DELETE", f"/volumes/{volume_id}", member
                      ).status_code == 202


@pytest.mark.slow
def test_real_client_backups(api_server: ApiServer, real_openstack: Path) -> None:
    osc = real_openstack
    real(api_server, osc, "volume", "create", "--size", "1", "saved")
    created = real(api_server, osc, "volume", "backup", "create", "--name", "nightly",
                   "--property", "a=b", "saved")
    assert sorted(created) == ["id", "name", "volume_id"]
    shown = same(api_server, osc, "volume", "backup", "show", "nightly")
    assert (shown["status"], shown["metadata"]) == ("available", {"a": "b"})
    same(api_server, osc, "volume", "backup", "list")
    same(api_server, osc, "volume", "backup", "list", "--long")
    quiet(api_server, osc, "volume", "backup", "set", "--description", "kept", "nightly")
    refused = failing(api_server, osc, "volume", "backup", "restore", "nightly", "saved")
    assert "Volume 'saved' already exists; if you want to restore the backup to it you " \
        "need to specify the '--force' option" in refused.stderr
    restored = real(api_server, osc, "volume", "backup", "restore", "--force", "nightly",
                    "saved")
    assert restored["id"] == created["id"] and restored["volume_name"] == "saved"
    assert same(api_server, osc, "volume", "show", "saved",
                without=("updated_at",))["status"] == "available"
    quiet(api_server, osc, "volume", "backup", "delete", "nightly")
    assert same(api_server, osc, "volume", "backup", "list") == []
    quiet(api_server, osc, "volume", "delete", "--force", "saved")


@pytest.mark.slow
def test_openstacksdk_backups(api_server: ApiServer) -> None:
    import openstack

    os.environ["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    try:
        demo = openstack.connect(cloud="ostack-demo")
        volume = demo.block_storage.create_volume(size=1, name="sdk-saved")
        demo.block_storage.wait_for_status(volume, "available", wait=60)
        backup = demo.block_storage.create_backup(volume_id=volume.id, name="sdk")
        demo.block_storage.wait_for_status(backup, "available", wait=60)
        assert [b.name for b in demo.block_storage.backups()] == ["sdk"]
        on_the_store = api_server.ostack("--os-project-name", "demo", "volume", "backup",
                                         "list", "-f", "value", "-c", "ID")
        assert on_the_store.stdout.strip() == backup.id
        restored = demo.block_storage.restore_backup(backup, name="sdk-restored")
        assert restored.volume_name == "sdk-restored"
        demo.block_storage.delete_backup(backup, ignore_missing=False)
        demo.block_storage.delete_volume(volume.id)
        demo.block_storage.delete_volume(restored.volume_id)
        demo.close()
    finally:
        os.environ.pop("OS_CLIENT_CONFIG_FILE", None)
