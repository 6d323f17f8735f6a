"""Cinder's attachments API (3.27+) over the attachments Nova's path makes and those made
through Cinder alone (records no guest sees), the volume actions ``os-force_delete``,
``os-begin_detaching``/``os-roll_detaching``, ``os-reserve``/``os-unreserve``,
``os-attach``/``os-detach`` and ``os-initialize_connection``/``os-terminate_connection``, and
the real client's ``volume attachment`` commands through ``ostack api serve``
(cinder/api/v3/attachments.py, cinder/volume/api.py, contrib/volume_actions.py,
contrib/admin_actions.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import ApiServer
from tests.api.test_cinder import cinder, create
from tests.api.test_clients import local, real
from tests.api.test_walkthrough import quiet, same

NOVA = {"OpenStack-API-Version": "compute 2.100"}
BEFORE_ATTACH = {"OpenStack-API-Version": "volume 3.26"}
DETAIL = ["id", "status", "instance", "volume_id", "attached_at", "detached_at",
          "attach_mode", "connection_info"]


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


@pytest.fixture(scope="module")
def member(api_server: ApiServer) -> str:
    return api_server.token("demo", "demo")


def test_attachments_of_a_served_guest(api_server: ApiServer, admin: str) -> None:
    image_id = api_server.image(admin, name="attachments-image")
    networks = api_server.request("GET", "/network/v2.0/networks?name=private", token=admin)
    network_id = networks.json()["networks"][0]["id"]
    made = api_server.request("POST", "/compute/v2.1/servers", token=admin, json_body={
        "server": {"name": "holder", "imageRef": image_id, "flavorRef": "1",
                   "networks": [{"uuid": network_id}]}}, headers=NOVA)
    assert made.status_code == 202, made.text
    server_id = made.json()["server"]["id"]
    volume_id = create(api_server, admin, name="held", size=1)["id"]
    path = f"/compute/v2.1/servers/{server_id}/os-volume_attachments"
    try:
        attached = api_server.request("POST", path, token=admin, headers=NOVA,
                                      json_body={"volumeAttachment": {"volumeId": volume_id}})
        assert attached.status_code == 200, attached.text
        nova_side = api_server.request("GET", path, token=admin, headers=NOVA).json()
        attachment_id = nova_side["volumeAttachments"][0]["attachment_id"]
        listed = cinder(api_server, "GET", "/attachments", admin).json()
        assert listed == {"attachments": [{"id": attachment_id, "status": "attached",
                                           "instance": server_id, "volume_id": volume_id}]}
        detail = cinder(api_server, "GET", "/attachments/detail", admin).json()["attachments"]
        assert [list(a) for a in detail] == [DETAIL]
        assert (detail[0]["attach_mode"], detail[0]["detached_at"]) == ("rw", "")
        shown = cinder(api_server, "GET", f"/attachments/{attachment_id}", admin).json()
        assert shown == {"attachment": detail[0]}
        by_volume = cinder(api_server, "GET", f"/attachments?volume_id={volume_id}", admin)
        assert [a["id"] for a in by_volume.json()["attachments"]] == [attachment_id]
        assert cinder(api_server, "GET", "/attachments", admin,
                      version=BEFORE_ATTACH).status_code == 404
        missing = cinder(api_server, "GET", f"/attachments/{volume_id}", admin)
        assert (missing.status_code, missing.json()) == (404, {"itemNotFound": {
            "code": 404, "message": "Volume attachment could not be found with filter: "
            f"attachment_id = {volume_id}."}})
        completed = cinder(api_server, "POST", f"/attachments/{attachment_id}/action", admin,
                           body={"os-complete": None})
        assert completed.status_code == 204
        # Nova's attachment is Nova's to remove (attachment_deletion_allowed).
        refused = cinder(api_server, "DELETE", f"/attachments/{attachment_id}", admin)
        assert (refused.status_code, refused.json()) == (409, {"conflictingRequest": {
            "code": 409, "message": f"Detach volume from instance {server_id} using the "
                                    "Compute API"}})

        # os-begin_detaching and os-roll_detaching move the status as Cinder does.
        action = f"/volumes/{volume_id}/action"
        assert cinder(api_server, "POST", action, admin,
                      body={"os-begin_detaching": {}}).status_code == 202
        assert cinder(api_server, "GET", f"/volumes/{volume_id}", admin).json()[
            "volume"]["status"] == "detaching"
        assert cinder(api_server, "POST", action, admin,
                      body={"os-roll_detaching": {}}).status_code == 202
        assert cinder(api_server, "GET", f"/volumes/{volume_id}", admin).json()[
            "volume"]["status"] == "in-use"
        detached = api_server.request("DELETE", f"{path}/{volume_id}", token=admin)
        assert detached.status_code == 202
        assert cinder(api_server, "GET", "/attachments", admin).json() == {"attachments": []}
    finally:
        api_server.request("DELETE", f"/compute/v2.1/servers/{server_id}", token=admin)
        cinder(api_server, "DELETE", f"/volumes/{volume_id}", admin)


def test_volume_actions_refused_and_forced(api_server: ApiServer, admin: str,
                                          member: str) -> None:
    volume_id = create(api_server, member, name="acted", size=1)["id"]
    action = f"/volumes/{volume_id}/action"
    begin = cinder(api_server, "POST", action, member, body={"os-begin_detaching": {}})
    assert (begin.status_code, begin.json()) == (400, {"badRequest": {
        "code": 400, "message": "Invalid volume: Unable to detach volume. Volume status must "
        "be 'in-use' and attach_status must be 'attached' to detach."}})
    assert cinder(api_server, "POST", action, member,
                  body={"os-roll_detaching": {}}).status_code == 202
    nowhere = cinder(api_server, "POST", action, member,
                     body={"os-attach": {"mountpoint": "/dev/vdb"}})
    assert (nowhere.status_code, nowhere.json()["badRequest"]["message"]) == (
        400, "Invalid input for field/attribute os-attach. Value: {'mountpoint': '/dev/vdb'}. "
             "{'mountpoint': '/dev/vdb'} is not valid under any of the given schemas")
    made = cinder(api_server, "POST", "/attachments", member,
                  body={"attachment": {"volume_id": volume_id}})
    assert made.status_code == 400
    forced = cinder(api_server, "POST", action, member, body={"os-force_delete": {}})
    assert (forced.status_code, forced.json()) == (403, {"forbidden": {
        "code": 403, "message": "Policy doesn't allow "
        "volume_extension:volume_admin_actions:force_delete to be performed."}})
    assert cinder(api_server, "POST", action, admin,
                  body={"os-force_delete": {}}).status_code == 202
    assert cinder(api_server, "GET", f"/volumes/{volume_id}", member).status_code == 404


def _guest(api_server: ApiServer, admin: str, name: str) -> str:
    """A served guest (Nova's API), its ID."""
    image_id = api_server.image(admin, name=f"{name}-image")
    networks = api_server.request("GET", "/network/v2.0/networks?name=private", token=admin)
    made = api_server.request("POST", "/compute/v2.1/servers", token=admin, json_body={
        "server": {"name": name, "imageRef": image_id, "flavorRef": "1",
                   "networks": [{"uuid": networks.json()["networks"][0]["id"]}]}},
        headers=NOVA)
    assert made.status_code == 202, made.text
    return str(made.json()["server"]["id"])


def _status(api_server: ApiServer, token: str, volume_id: str) -> str:
    return str(cinder(api_server, "GET", f"/volumes/{volume_id}", token).json()[
        "volume"]["status"])


def test_attachments_made_through_cinder(api_server: ApiServer, member: str) -> None:
    # Cinder checks no instance: any UUID names one (cinder/volume/api.py attachment_create).
    instance = "11111111-2222-3333-4444-555555555555"
    volume_id = create(api_server, member, name="recorded", size=1)["id"]
    made = cinder(api_server, "POST", "/attachments", member, body={
        "attachment": {"volume_uuid": volume_id, "instance_uuid": instance}})
    assert made.status_code == 200, made.text
    attachment = made.json()["attachment"]
    attachment_id = attachment["id"]
    assert attachment == {"id": attachment_id, "status": "reserved", "instance": instance,
                          "volume_id": volume_id, "attached_at": "", "detached_at": "",
                          "attach_mode": "null", "connection_info": {}}
    assert _status(api_server, member, volume_id) == "reserved"
    other = cinder(api_server, "POST", "/attachments", member, body={
        "attachment": {"volume_uuid": volume_id}})
    assert (other.status_code, other.json()["badRequest"]["message"]) == (
        400, f"Invalid volume: Volume {volume_id} status must be available or downloading "
             "to reserve, but the current status is reserved.")
    empty = cinder(api_server, "PUT", f"/attachments/{attachment_id}", member,
                   body={"attachment": {"connector": {}}})
    assert (empty.status_code, empty.json()["badRequest"]["message"]) == (
        400, "Invalid input for field/attribute connector. Value: {}. {} should be non-empty")

    # The answer is the attachment as Cinder read it, with the connection made.
    updated = cinder(api_server, "PUT", f"/attachments/{attachment_id}", member, body={
        "attachment": {"connector": {"host": "h1", "mountpoint": "/dev/vdb"}}})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["attachment"]["status"],
            updated.json()["attachment"]["connection_info"]["access_mode"]) == (
        "reserved", "rw")
    assert _status(api_server, member, volume_id) == "attaching"
    shown = cinder(api_server, "GET", f"/attachments/{attachment_id}", member).json()
    assert (shown["attachment"]["status"], shown["attachment"]["attach_mode"]) == (
        "attaching", "rw")
    assert cinder(api_server, "POST", f"/attachments/{attachment_id}/action", member,
                  body={"os-complete": None}).status_code == 204
    volume = cinder(api_server, "GET", f"/volumes/{volume_id}", member).json()["volume"]
    assert volume["status"] == "in-use"
    assert [(a["attachment_id"], a["server_id"], a["host_name"], a["device"])
            for a in volume["attachments"]] == [(attachment_id, instance, "h1", "/dev/vdb")]

    deleted = cinder(api_server, "DELETE", f"/attachments/{attachment_id}", member)
    assert (deleted.status_code, deleted.json()) == (200, {"attachments": []})
    assert _status(api_server, member, volume_id) == "available"
    again = cinder(api_server, "DELETE", f"/attachments/{attachment_id}", member)
    assert (again.status_code, again.json()["itemNotFound"]["message"]) == (
        404, "Volume attachment could not be found with filter: attachment_id = "
             f"{attachment_id}.")
    assert cinder(api_server, "DELETE", f"/volumes/{volume_id}", member).status_code == 202


def test_volume_attach_actions(api_server: ApiServer, member: str) -> None:
    volume_id = create(api_server, member, name="legacy", size=1)["id"]
    action = f"/volumes/{volume_id}/action"

    def act(body: dict[str, object]) -> int:
        return cinder(api_server, "POST", action, member, body=body).status_code

    assert act({"os-reserve": None}) == 202
    assert _status(api_server, member, volume_id) == "attaching"
    twice = cinder(api_server, "POST", action, member, body={"os-reserve": None})
    assert (twice.status_code, twice.json()["badRequest"]["message"]) == (
        400, "Invalid volume: Volume status must be available to reserve, but the status "
             "is attaching.")
    assert act({"os-unreserve": None}) == 202
    assert _status(api_server, member, volume_id) == "available"
    connection = cinder(api_server, "POST", action, member, body={
        "os-initialize_connection": {"connector": {"host": "h1"}}})
    assert connection.status_code == 200
    assert connection.json()["connection_info"]["driver_volume_type"] == "local"
    assert connection.json()["connection_info"]["enforce_multipath"] is False
    assert act({"os-terminate_connection": {"connector": {"host": "h1"}}}) == 202

    instance = "11111111-2222-3333-4444-555555555556"
    assert act({"os-attach": {"instance_uuid": instance, "mountpoint": "/dev/vdc"}}) == 202
    volume = cinder(api_server, "GET", f"/volumes/{volume_id}", member).json()["volume"]
    assert volume["status"] == "in-use"
    [attached] = volume["attachments"]
    assert (attached["server_id"], attached["device"]) == (instance, "/dev/vdc")
    refused = cinder(api_server, "POST", action, member, body={"os-attach": {
        "instance_uuid": "11111111-2222-3333-4444-555555555557", "mountpoint": "/dev/vdc"}})
    assert (refused.status_code, refused.json()["badRequest"]["message"]) == (
        400, "Error attaching volume - InvalidVolume: Invalid volume: volume is already "
             "attached and multiple attachments are not enabled")
    assert act({"os-detach": {"attachment_id": attached["attachment_id"]}}) == 202
    assert _status(api_server, member, volume_id) == "available"
    assert cinder(api_server, "DELETE", f"/volumes/{volume_id}", member).status_code == 202


def test_real_client_attachments(api_server: ApiServer, real_openstack: Path,
                                 admin: str) -> None:
    server_id = _guest(api_server, admin, "attached-by-cinder")
    osc = real_openstack
    try:
        volume_id = real(api_server, osc, "volume", "create", "--size", "1", "cinder-only")["id"]
        made = real(api_server, osc, "volume", "attachment", "create", "cinder-only",
                    "--server", server_id)
        assert (made["Status"], made["Instance ID"], made["Volume ID"]) == (
            "reserved", server_id, volume_id)
        updated = real(api_server, osc, "volume", "attachment", "set", made["ID"],
                       "--host", "h1", "--mountpoint", "/dev/vdb")
        assert updated["Status"] == "reserved"
        quiet(api_server, osc, "volume", "attachment", "complete", made["ID"])
        assert same(api_server, osc, "volume", "attachment", "show", made["ID"])[
            "Status"] == "attached"
        assert same(api_server, osc, "volume", "attachment", "list") == [
            {"ID": made["ID"], "Volume ID": volume_id, "Server ID": server_id,
             "Status": "attached"}]
        quiet(api_server, osc, "volume", "attachment", "delete", made["ID"])
        assert local(api_server, "volume", "show", "cinder-only")["status"] == "available"
        quiet(api_server, osc, "volume", "delete", "cinder-only")
    finally:
        api_server.request("DELETE", f"/compute/v2.1/servers/{server_id}", token=admin)
