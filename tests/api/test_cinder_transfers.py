"""Cinder's volume transfers and os-services through ``ostack api serve``: the bodies,
statuses and errors realstack's Cinder gives (recorded with openstacksdk's raw requests at
3.0 and 3.71), and the real client's ``volume transfer request`` and ``volume service list``
and openstacksdk's transfer calls, each the same as ``ostack`` on the local backend."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ApiServer
from tests.api.test_cinder import V3, cinder, create, project_of
from tests.api.test_cinder_clients import failing
from tests.api.test_clients import real
from tests.api.test_walkthrough import quiet, same

OLDEST = {"OpenStack-API-Version": "volume 3.0"}
SUMMARY = ["id", "volume_id", "name", "links"]
DETAIL = ["id", "created_at", "name", "volume_id", "links", "no_snapshots",
          "destination_project_id", "source_project_id", "accepted"]


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


@pytest.fixture(scope="module")
def member(api_server: ApiServer) -> str:
    return api_server.token("demo", "demo")


def available(api_server: ApiServer, token: str, name: str) -> dict[str, Any]:
    volume = create(api_server, token, size=1, name=name)
    shown = cinder(api_server, "GET", f"/volumes/{volume['id']}", token).json()["volume"]
    assert shown["status"] == "available"
    return shown


def test_transfer_bodies_and_errors(api_server: ApiServer, admin: str, member: str) -> None:
    volume = available(api_server, member, "given")
    made = cinder(api_server, "POST", "/os-volume-transfer", member, version=OLDEST,
                  body={"transfer": {"volume_id": volume["id"], "name": "a"}})
    assert made.status_code == 202, made.text
    transfer = made.json()["transfer"]
    assert list(transfer) == ["id", "created_at", "name", "volume_id", "auth_key", "links"]
    tid = transfer["id"]
    assert transfer["links"] == [
        {"rel": "self", "href": api_server.url(f"{V3}/os-volume-transfer/{tid}")},
        {"rel": "bookmark", "href": api_server.url(f"/volume/os-volume-transfer/{tid}")}]
    listed = cinder(api_server, "GET", "/os-volume-transfer", member, version=OLDEST).json()
    assert [list(t) for t in listed["transfers"]] == [SUMMARY]
    detail = cinder(api_server, "GET", "/volume-transfers/detail", member).json()
    assert [list(t) for t in detail["transfers"]] == [DETAIL]
    shown = cinder(api_server, "GET", f"/volume-transfers/{tid}", member).json()["transfer"]
    assert shown == detail["transfers"][0]
    assert (shown["no_snapshots"], shown["accepted"], shown["destination_project_id"],
            shown["source_project_id"]) == (False, False, None, project_of(api_server, member))
    assert shown["created_at"].endswith(".000000")
    # Another project's transfer: not found, even to list; an admin sees it by ID, and in
    # the list with all_tenants.
    assert cinder(api_server, "GET", "/volume-transfers/detail", admin).json() == {
        "transfers": []}
    everyone = cinder(api_server, "GET", "/volume-transfers?all_tenants=1", admin).json()
    assert [t["id"] for t in everyone["transfers"]] == [tid]
    assert cinder(api_server, "GET", f"/volume-transfers/{tid}", admin).status_code == 200

    again = cinder(api_server, "POST", "/volume-transfers", member,
                   body={"transfer": {"volume_id": volume["id"]}})
    assert (again.status_code, again.json()) == (400, {"badRequest": {
        "code": 400, "message": "Invalid volume: status must be available"}})
    old = cinder(api_server, "POST", "/volume-transfers", member, version=OLDEST,
                 body={"transfer": {"volume_id": volume["id"], "no_snapshots": True}})
    assert old.status_code == 400
    assert old.json()["badRequest"]["message"] == (
        "Invalid input for field/attribute transfer. Value: {'volume_id': "
        f"'{volume['id']}', 'no_snapshots': True}}. Additional properties are not allowed "
        "('no_snapshots' was unexpected)")
    empty = cinder(api_server, "POST", f"/volume-transfers/{tid}/accept", admin,
                   body={"accept": {}})
    assert (empty.status_code, empty.json()["badRequest"]["message"]) == (
        400, "Invalid input for field/attribute accept. Value: {}. 'auth_key' is a required "
             "property")
    wrong = cinder(api_server, "POST", f"/volume-transfers/{tid}/accept", admin,
                   body={"accept": {"auth_key": "0"}})
    assert (wrong.status_code, wrong.json()["badRequest"]["message"]) == (
        400, f"Invalid auth key: Attempt to transfer {tid} with invalid auth key.")

    gone = cinder(api_server, "DELETE", f"/os-volume-transfer/{tid}", member, version=OLDEST)
    assert (gone.status_code, gone.text, gone.headers["Content-Type"]) == (
        202, "", "text/html; charset=UTF-8")
    missing = cinder(api_server, "DELETE", f"/os-volume-transfer/{tid}", member)
    assert (missing.status_code, missing.json()) == (404, {"itemNotFound": {
        "code": 404, "message": f"Transfer {tid} could not be found."}})
    assert cinder(api_server, "GET", f"/volumes/{volume['id']}", member).json()[
        "volume"]["status"] == "available"

    made = cinder(api_server, "POST", "/volume-transfers", member, body={"transfer": {
        "volume_id": volume["id"], "no_snapshots": "yes", "name": "b"}}).json()["transfer"]
    assert list(made) == ["id", "created_at", "name", "volume_id", "auth_key", "links",
                          "no_snapshots", "destination_project_id", "source_project_id",
                          "accepted"]
    assert made["no_snapshots"] is True
    accepted = cinder(api_server, "POST", f"/volume-transfers/{made['id']}/accept", admin,
                      body={"accept": {"auth_key": made["auth_key"]}})
    assert accepted.status_code == 202, accepted.text
    assert list(accepted.json()["transfer"]) == SUMMARY
    moved = cinder(api_server, "GET", f"/volumes/{volume['id']}", admin).json()["volume"]
    assert moved["os-vol-tenant-attr:tenant_id"] == project_of(api_server, admin)
    assert cinder(api_server, "DELETE", f"/volumes/{volume['id']}", admin).status_code == 202


def test_os_services(api_server: ApiServer, admin: str, member: str) -> None:
    latest = cinder(api_server, "GET", "/os-services", admin).json()["services"]
    assert [list(s) for s in latest] == [
        ["binary", "host", "zone", "status", "state", "updated_at", "cluster",
         "disabled_reason"],
        ["binary", "host", "zone", "status", "state", "updated_at", "backend_state",
         "cluster", "disabled_reason", "replication_status", "active_backend_id", "frozen"]]
    assert [(s["binary"], s["host"], s["zone"], s["status"], s["state"]) for s in latest] == [
        ("cinder-scheduler", "localhost", "nova", "enabled", "up"),
        ("cinder-volume", "localhost@local", "nova", "enabled", "up")]
    assert (latest[1]["backend_state"], latest[1]["replication_status"],
            latest[1]["frozen"]) == ("up", "disabled", False)
    oldest = cinder(api_server, "GET", "/os-services", admin, version=OLDEST).json()
    assert "cluster" not in oldest["services"][0]
    assert "backend_state" not in oldest["services"][1]
    only = cinder(api_server, "GET", "/os-services?binary=cinder-volume", admin).json()
    assert [s["binary"] for s in only["services"]] == ["cinder-volume"]
    refused = cinder(api_server, "GET", "/os-services", member)
    assert (refused.status_code, refused.json()) == (403, {"forbidden": {
        "code": 403,
        "message": "Policy doesn't allow volume_extension:services:index to be performed."}})


@pytest.mark.slow
def test_real_client_transfers(api_server: ApiServer, real_openstack: Path) -> None:
    osc = real_openstack
    real(api_server, osc, "volume", "create", "--size", "1", "offered", cloud="ostack-demo")
    created = real(api_server, osc, "volume", "transfer", "request", "create", "--name", "t",
                   "offered", cloud="ostack-demo")
    assert sorted(created) == ["auth_key", "created_at", "id", "name", "volume_id"]
    listed = real(api_server, osc, "volume", "transfer", "request", "list",
                  cloud="ostack-demo")
    assert listed == [{"ID": created["id"], "Name": "t", "Volume": created["volume_id"]}]
    shown = real(api_server, osc, "volume", "transfer", "request", "show", "t",
                 cloud="ostack-demo")
    assert shown == {"created_at": None, "id": created["id"], "name": "t",
                     "volume_id": created["volume_id"]}
    refused = failing(api_server, osc, "volume", "transfer", "request", "accept",
                      "--auth-key", "0", created["id"])
    assert f"Invalid auth key: Attempt to transfer {created['id']} with invalid auth " \
        "key." in refused.stderr
    accepted = real(api_server, osc, "volume", "transfer", "request", "accept", "--auth-key",
                    created["auth_key"], created["id"])
    assert accepted == {"id": created["id"], "name": "t", "volume_id": created["volume_id"]}
    assert same(api_server, osc, "volume", "transfer", "request", "list") == []
    assert same(api_server, osc, "volume", "show", "offered",
                without=("updated_at",))["status"] == "available"
    services = same(api_server, osc, "volume", "service", "list", "--long",
                    without=("Updated At",))
    assert [s["Binary"] for s in services] == ["cinder-scheduler", "cinder-volume"]
    quiet(api_server, osc, "volume", "delete", "offered")


@pytest.mark.slow
def test_openstacksdk_transfers(api_server: ApiServer) -> None:
    import openstack

    os.environ["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    try:
        demo = openstack.connect(cloud="ostack-demo")
        admin = openstack.connect(cloud="ostack")
        volume = demo.block_storage.create_volume(size=1, name="sdk-given")
        demo.block_storage.wait_for_status(volume, "available", wait=60)
        transfer = demo.block_storage.create_transfer(volume_id=volume.id, name="sdk",
                                                      no_snapshots=True)
        assert transfer.auth_key and transfer.no_snapshots is True
        assert [t.name for t in demo.block_storage.transfers()] == ["sdk"]
        assert demo.block_storage.get_transfer(transfer.id).volume_id == volume.id
        on_the_store = api_server.ostack("--os-project-name", "demo", "volume", "transfer",
                                         "request", "list", "-f", "value", "-c", "ID")
        assert on_the_store.stdout.strip() == transfer.id
        accepted = admin.block_storage.accept_transfer(transfer.id, transfer.auth_key)
        assert (accepted.id, accepted.volume_id) == (transfer.id, volume.id)
        assert admin.block_storage.get_volume(volume.id).project_id == \
            admin.current_project_id
        assert [s.binary for s in admin.block_storage.services()] == [
            "cinder-scheduler", "cinder-volume"]
        admin.block_storage.delete_volume(volume.id)
        demo.close()
        admin.close()
    finally:
        os.environ.pop("OS_CLIENT_CONFIG_FILE", None)
