"""Attachments made through Cinder alone (``volume attachment create|set|complete|delete``,
python-openstackclient 10.5's volume/v3/volume_attachment.py; cinder/volume/api.py
attachment_*): records with Cinder's statuses and checks that no guest sees, kept apart from
the attachments Nova's ``server add volume`` makes (libvirt's test driver: the records are
the guest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Runner
from tests.unit.compute.test_server_lifecycle import domain_xml
from tests.unit.compute.test_server_volumes import server, shown, volume

HEADERS = ["ID", "Volume ID", "Instance ID", "Status", "Attach Mode", "Attached At",
           "Detached At", "Properties"]


def attach(compute: Runner, *args: str) -> dict[str, Any]:
    result = compute("volume", "attachment", "create", *args, "-f", "json")
    assert result.rc == 0, result.err
    made: dict[str, Any] = result.json()
    return made


def test_reserve_connect_complete_delete_as_cinder(compute: Runner) -> None:
    srv = server(compute, "web", "--image", "cirros")
    vol = volume(compute, "data")
    made = attach(compute, "data", "--server", "web")
    assert list(made) == HEADERS
    assert {k: made[k] for k in HEADERS if k != "ID"} == {
        "Volume ID": vol["id"], "Instance ID": srv["id"], "Status": "reserved",
        "Attach Mode": "null", "Attached At": "", "Detached At": "", "Properties": {}}
    assert shown(compute, "data")["status"] == "reserved"
    assert shown(compute, "data")["attachments"] == []

    # Cinder answers the update with the attachment as it read it, the connection made.
    updated = compute("volume", "attachment", "set", made["ID"], "--host", "h1",
                      "--mountpoint", "/dev/vdb", "-f", "json").json()
    assert (updated["Status"], updated["Attach Mode"]) == ("reserved", "null")
    assert updated["Properties"] == {"driver_volume_type": "local",
                                     "attachment_id": made["ID"], "access_mode": "rw"}
    assert shown(compute, "data")["status"] == "attaching"
    now = compute("volume", "attachment", "show", made["ID"], "-f", "json").json()
    assert (now["Status"], now["Attach Mode"]) == ("attaching", "rw")
    assert now["Attached At"].endswith(".000000")

    done = compute("volume", "attachment", "complete", made["ID"])
    assert (done.rc, done.out) == (0, "")
    data = shown(compute, "data")
    assert data["status"] == "in-use"
    assert [(a["attachment_id"], a["server_id"], a["host_name"], a["device"])
            for a in data["attachments"]] == [(made["ID"], srv["id"], "h1", "/dev/vdb")]
    assert compute("volume", "attachment", "list", "-f", "json").json() == [
        {"ID": made["ID"], "Volume ID": vol["id"], "Server ID": srv["id"],
         "Status": "attached"}]
    # Nova knows nothing of it.
    assert compute("server", "show", "web", "-f", "json").json()["volumes_attached"] == []
    assert compute("server", "volume", "list", "web", "-f", "json").json() == []

    gone = compute("volume", "attachment", "delete", made["ID"])
    assert (gone.rc, gone.out) == (0, "")
    assert shown(compute, "data")["status"] == "available"
    # The real client deletes with openstacksdk's ignore_missing.
    assert compute("volume", "attachment", "delete", made["ID"]).rc == 0


def test_cinder_only_attachment_leaves_the_guest_without_the_disk(compute: Runner) -> None:
    srv = server(compute, "web", "--image", "cirros")
    by_nova, by_cinder = volume(compute, "by-nova"), volume(compute, "by-cinder")
    assert compute("server", "add", "volume", "web", "by-nova").rc == 0
    made = attach(compute, "by-cinder", "--server", "web", "--connect", "--host", "h1")
    assert compute("volume", "attachment", "complete", made["ID"]).rc == 0
    assert shown(compute, "by-cinder")["status"] == "in-use"
    # A rebuild defines the guest again from the records.
    rebuilt = compute("server", "rebuild", "--image", "cirros", "--wait", "web")
    assert rebuilt.rc == 0, rebuilt.err
    xml = domain_xml(compute("server", "show", "web", "-f", "json").json())
    assert by_nova["id"] in xml
    assert by_cinder["id"] not in xml
    # Nova's detach and delete leave Cinder's record alone.
    assert compute("server", "remove", "volume", "web", "by-nova").rc == 0
    assert shown(compute, "by-cinder")["status"] == "in-use"
    assert compute("server", "delete", "--wait", "web").rc == 0
    assert [a["attachment_id"] for a in shown(compute, "by-cinder")["attachments"]] == [
        made["ID"]]
    assert srv["id"]


def test_cinder_checks_and_messages(compute: Runner,
                                    store_snapshot: Callable[[], Any]) -> None:
    server(compute, "web", "--image", "cirros")
    server(compute, "db", "--image", "cirros")
    volume(compute, "data")
    made = attach(compute, "data", "--server", "web")
    before = store_snapshot()
    # The same instance again is Cinder's move or retype: allowed; another is not.
    again = compute("volume", "attachment", "create", "data", "--server", "db")
    vol_id = shown(compute, "data")["id"]
    assert (again.rc, again.err.strip()) == (1, (
        f"Invalid volume: Volume {vol_id} status must be available or downloading to "
        "reserve, but the current status is reserved."))
    nowhere = compute("volume", "attachment", "create", "data")
    assert (nowhere.rc, nowhere.err.strip()) == (1, "Request requires an ID but none was found")
    loose = compute("volume", "attachment", "create", "data", "--server", "web", "--ip",
                    "1.2.3.4")
    assert (loose.rc, loose.err.strip()) == (1, (
        "You must specify the --connect option for any of the connection-specific options "
        "such as --initiator to be valid"))
    missing = compute("volume", "attachment", "show", vol_id)
    assert (missing.rc, missing.err.strip()) == (1, f"No Attachment found for {vol_id}")
    assert store_snapshot() == before
    assert compute("volume", "attachment", "delete", made["ID"]).rc == 0


def test_nova_attachment_is_novas_to_remove(compute: Runner) -> None:
    srv = server(compute, "web", "--image", "cirros")
    volume(compute, "data")
    assert compute("server", "add", "volume", "web", "data").rc == 0
    [row] = compute("volume", "attachment", "list", "-f", "json").json()
    assert (row["Server ID"], row["Status"]) == (srv["id"], "attached")
    refused = compute("volume", "attachment", "delete", row["ID"])
    assert (refused.rc, refused.err.strip()) == (
        1, f"Detach volume from instance {srv['id']} using the Compute API")
    assert shown(compute, "data")["status"] == "in-use"


def test_nova_cannot_attach_a_volume_cinder_reserved(compute: Runner) -> None:
    server(compute, "web", "--image", "cirros")
    server(compute, "db", "--image", "cirros")
    vol = volume(compute, "data")
    attach(compute, "data", "--server", "db")
    refused = compute("server", "add", "volume", "web", "data")
    assert (refused.rc, refused.err.strip()) == (1, (
        f"Invalid volume: Volume {vol['id']} status must be available or downloading to "
        "reserve, but the current status is reserved."))
