"""Cinder v3 through ``ostack api serve``: versions and microversions, volumes, snapshots,
types, limits, quota sets, zones and metadata, and Nova's os-volume_attachments, with the
bodies, statuses, headers and error bodies realstack's Cinder gives (recorded with the real
client's ``--debug`` and curl)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.api.conftest import ApiServer

V3 = "/volume/v3"
LATEST = {"OpenStack-API-Version": "volume 3.71"}
# realstack's Cinder (3.71): the keys of a volume as an admin and as its owner (a member)
# see it, and of a create's answer.
ADMIN_DETAIL = {
    "id", "status", "size", "availability_zone", "created_at", "updated_at", "name",
    "description", "volume_type", "snapshot_id", "source_volid", "metadata", "links",
    "user_id", "bootable", "encrypted", "replication_status", "consistencygroup_id",
    "multiattach", "attachments", "migration_status", "group_id", "provider_id",
    "shared_targets", "service_uuid", "cluster_name", "volume_type_id", "consumes_quota",
    "os-vol-tenant-attr:tenant_id", "os-vol-mig-status-attr:migstat",
    "os-vol-mig-status-attr:name_id", "os-vol-host-attr:host"}
MEMBER_DETAIL = ADMIN_DETAIL - {
    "migration_status", "provider_id", "cluster_name", "os-vol-mig-status-attr:migstat",
    "os-vol-mig-status-attr:name_id", "os-vol-host-attr:host"}
ADMIN_CREATED = ADMIN_DETAIL - {
    "os-vol-tenant-attr:tenant_id", "os-vol-mig-status-attr:migstat",
    "os-vol-mig-status-attr:name_id", "os-vol-host-attr:host"}
SNAPSHOT_SUMMARY = {"id", "created_at", "updated_at", "name", "description", "volume_id",
                    "status", "size", "metadata"}
SNAPSHOT_CREATED = SNAPSHOT_SUMMARY | {"group_snapshot_id", "user_id", "consumes_quota"}
SNAPSHOT_DETAIL = SNAPSHOT_CREATED | {"os-extended-snapshot-attributes:project_id",
                                      "os-extended-snapshot-attributes:progress"}
QUOTAS = ["volumes", "per_volume_gigabytes", "snapshots", "gigabytes", "backups",
          "backup_gigabytes", "volumes___DEFAULT__", "gigabytes___DEFAULT__",
          "snapshots___DEFAULT__", "groups"]


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


@pytest.fixture(scope="module")
def member(api_server: ApiServer) -> str:
    return api_server.token("demo", "demo")


def cinder(api_server: ApiServer, method: str, path: str, token: str, *,
           body: Any = None, version: dict[str, str] | None = LATEST) -> requests.Response:
    return api_server.request(method, V3 + path, token=token, json_body=body,
                              headers=version)


def project_of(api_server: ApiServer, token: str) -> str:
    answer = api_server.request("GET", "/v3/auth/tokens", token=token,
                                headers={"X-Subject-Token": token})
    return str(answer.json()["token"]["project"]["id"])


def create(api_server: ApiServer, token: str, **volume: Any) -> dict[str, Any]:
    made = cinder(api_server, "POST", "/volumes", token, body={"volume": volume})
    assert made.status_code == 202, made.text
    body: dict[str, Any] = made.json()["volume"]
    return body


def test_versions_and_microversions(api_server: ApiServer, admin: str) -> None:
    root = api_server.request("GET", "/volume")
    assert root.status_code == 300
    version = root.json()["versions"][0]
    assert (version["id"], version["status"], version["version"], version["min_version"]) \
        == ("v3.0", "CURRENT", "3.71", "3.0")
    assert {"rel": "self", "href": api_server.url("/volume/v3/")} in version["links"]
    assert root.headers["OpenStack-API-Version"] == "volume 3.0"
    assert root.headers["Vary"] == "OpenStack-API-Version"
    # /v3/ is behind the token check, as on Cinder.
    assert api_server.request("GET", V3).status_code == 401
    assert cinder(api_server, "GET", "", admin).json()["versions"][0]["version"] == "3.71"

    plain = cinder(api_server, "GET", "/volumes", admin, version=None)
    assert plain.headers["OpenStack-API-Version"] == "volume 3.0"
    assert plain.headers["x-compute-request-id"] == plain.headers["x-openstack-request-id"]
    latest = cinder(api_server, "GET", "/volumes", admin,
                    version={"OpenStack-API-Version": "volume latest"})
    assert latest.headers["OpenStack-API-Version"] == "volume 3.71"
    too_new = cinder(api_server, "GET", "/volumes", admin,
                     version={"OpenStack-API-Version": "volume 3.99"})
    assert too_new.status_code == 406
    assert too_new.json() == {"computeFault": {"code": 406, "message": (
        "Version 3.99 is not supported by the API. Minimum is 3.0 and maximum is 3.71.")}}
    assert too_new.headers["OpenStack-API-Version"] == "volume 3.99"
    malformed = cinder(api_server, "GET", "/volumes", admin,
                       version={"OpenStack-API-Version": "volume 3.x"})
    assert malformed.status_code == 400
    assert malformed.json()["badRequest"]["message"] == (
        "API Version String 3.x is of invalid format. Must be of format MajorNum.MinorNum.")
    assert "OpenStack-API-Version" not in malformed.headers
    unknown = cinder(api_server, "GET", "/nosuch", admin)
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"] == "text/html; charset=UTF-8"


def test_catalog_lists_block_storage(api_server: ApiServer, admin: str) -> None:
    catalog = api_server.request("GET", "/v3/auth/catalog", token=admin).json()["catalog"]
    by_type = {service["type"]: service for service in catalog}
    for service_type, name in (("block-storage", "cinder"), ("volumev3", "cinderv3")):
        assert by_type[service_type]["name"] == name
        assert {e["url"] for e in by_type[service_type]["endpoints"]} == {
            api_server.url("/volume/v3")}


def test_volume_lifecycle(api_server: ApiServer, admin: str) -> None:
    made = cinder(api_server, "POST", "/volumes", admin, body={"volume": {
        "name": "data", "size": 1, "metadata": {"a": "b"}, "backup_id": None,
        "volume_type": None, "source_volid": None, "description": None,
        "consistencygroup_id": None, "snapshot_id": None, "imageRef": None,
        "availability_zone": None}})
    assert made.status_code == 202, made.text
    assert made.headers["Content-Type"] == "application/json"
    answer = made.json()["volume"]
    assert set(answer) == ADMIN_CREATED
    assert (answer["status"], answer["bootable"], answer["shared_targets"],
            answer["updated_at"], answer["service_uuid"]) == (
        "creating", "false", True, None, None)
    volume_id = answer["id"]
    assert answer["links"] == [
        {"rel": "self", "href": api_server.url(f"{V3}/volumes/{volume_id}")},
        {"rel": "bookmark", "href": api_server.url(f"/volume/volumes/{volume_id}")}]

    shown = cinder(api_server, "GET", f"/volumes/{volume_id}", admin).json()["volume"]
    assert set(shown) == ADMIN_DETAIL
    assert (shown["status"], shown["metadata"], shown["volume_type"]) == (
        "available", {"a": "b"}, "__DEFAULT__")
    # The older layout, with the project in the path: links keep it.
    project = project_of(api_server, admin)
    with_project = cinder(api_server, "GET", f"/{project}/volumes/{volume_id}", admin)
    assert with_project.json()["volume"]["links"][0]["href"] == api_server.url(
        f"{V3}/{project}/volumes/{volume_id}")
    # At 3.0: none of the 3.x keys.
    old = cinder(api_server, "GET", f"/volumes/{volume_id}", admin, version=None)
    assert "volume_type_id" not in old.json()["volume"]
    assert "group_id" not in old.json()["volume"]

    updated = cinder(api_server, "PUT", f"/volumes/{volume_id}", admin, body={"volume": {
        "name": "data-2", "description": "d"}})
    assert updated.status_code == 200
    assert set(updated.json()["volume"]) == ADMIN_CREATED
    assert updated.json()["volume"]["name"] == "data-2"

    metadata = cinder(api_server, "POST", f"/volumes/{volume_id}/metadata", admin,
                      body={"metadata": {"c": "d"}})
    assert metadata.json() == {"metadata": {"a": "b", "c": "d"}}
    assert cinder(api_server, "GET", f"/volumes/{volume_id}/metadata/a", admin).json() == {
        "meta": {"a": "b"}}
    assert cinder(api_server, "DELETE", f"/volumes/{volume_id}/metadata/a",
                  admin).status_code == 200
    missing = cinder(api_server, "GET", f"/volumes/{volume_id}/metadata/a", admin)
    assert missing.status_code == 404
    assert cinder(api_server, "GET", f"/volumes/{volume_id}/metadata",
                  admin).json() == {"metadata": {"c": "d"}}
    assert cinder(api_server, "PUT", f"/volumes/{volume_id}/metadata/c", admin,
                  body={"meta": {"c": "e"}}).json() == {"meta": {"c": "e"}}
    for body, message in (({"meta": {"x": "1"}}, "Request body and URI mismatch"),
                          ({"meta": {"c": "1", "x": "2"}},
                           "Request body contains too many items")):
        for path in (f"/volumes/{volume_id}/metadata/c", "/snapshots/nope/metadata/c"):
            refused = cinder(api_server, "PUT", path, admin, body=body)
            assert refused.json() == {"badRequest": {"code": 400, "message": message}}, path
    assert cinder(api_server, "GET", f"/volumes/{volume_id}/metadata",
                  admin).json() == {"metadata": {"c": "e"}}

    extended = cinder(api_server, "POST", f"/volumes/{volume_id}/action", admin,
                      body={"os-extend": {"new_size": 2}})
    assert extended.status_code == 202
    bootable = cinder(api_server, "POST", f"/volumes/{volume_id}/action", admin,
                      body={"os-set_bootable": {"bootable": True}})
    assert bootable.status_code == 200
    shown = cinder(api_server, "GET", f"/volumes/{volume_id}", admin).json()["volume"]
    assert (shown["size"], shown["bootable"]) == (2, "true")
    same = cinder(api_server, "POST", f"/volumes/{volume_id}/action", admin,
                  body={"os-extend": {"new_size": 2}})
    assert same.json() == {"badRequest": {"code": 400, "message": (
        "Invalid input received: New size for extend must be greater than current size. "
        "(current: 2, extended: 2).")}}
    unknown = cinder(api_server, "POST", f"/volumes/{volume_id}/action", admin,
                     body={"os-bogus": {}})
    assert unknown.json()["badRequest"]["message"] == (
        "There is no such action: os-bogus. Verify the request body and Content-Type header "
        "and try again.")

    deleted = cinder(api_server, "DELETE", f"/volumes/{volume_id}", admin)
    assert deleted.status_code == 202
    gone = cinder(api_server, "GET", f"/volumes/{volume_id}", admin)
    assert gone.status_code == 404
    assert gone.json() == {"itemNotFound": {"code": 404, "message": (
        f"Volume {volume_id} could not be found.")}}


def test_list_filters_and_paging(api_server: ApiServer, admin: str, member: str) -> None:
    ids = [create(api_server, admin, name=f"page-{n}", size=1, metadata={"n": str(n)})["id"]
           for n in range(3)]
    mine = create(api_server, member, name="members", size=1)["id"]
    try:
        listed = cinder(api_server, "GET", "/volumes?name=page-1", admin).json()["volumes"]
        assert [v["id"] for v in listed] == [ids[1]]
        assert set(listed[0]) == {"id", "name", "links"}
        by_metadata = cinder(api_server, "GET", "/volumes/detail?metadata={'n': '2'}",
                             admin).json()["volumes"]
        assert [v["id"] for v in by_metadata] == [ids[2]]
        # Newest first by default (ties within a second by ID); paging follows any order.
        default = cinder(api_server, "GET", "/volumes", admin).json()["volumes"]
        assert sorted(v["id"] for v in default) == sorted(ids)
        order = "sort=name:asc"
        first = cinder(api_server, "GET", f"/volumes/detail?{order}&limit=2", admin).json()
        assert [v["id"] for v in first["volumes"]] == [ids[0], ids[1]]
        project = project_of(api_server, admin)
        assert first["volumes_links"] == [{"rel": "next", "href": api_server.url(
            f"{V3}/{project}/volumes/detail?sort=name%3Aasc&limit=2&marker={ids[1]}")}]
        rest = cinder(api_server, "GET", f"/volumes/detail?{order}&limit=2&marker={ids[1]}",
                      admin).json()
        assert [v["id"] for v in rest["volumes"]] == [ids[2]]
        assert "volumes_links" not in rest
        descending = cinder(api_server, "GET", "/volumes?sort=name:desc",
                            admin).json()["volumes"]
        assert [v["id"] for v in descending] == ids[::-1]
        by_name = cinder(api_server, "GET", "/volumes?sort_key=name&sort_dir=asc",
                         admin).json()["volumes"]
        assert [v["name"] for v in by_name] == ["page-0", "page-1", "page-2"]

        # An admin sees every project's with all_tenants; a member only its own.
        every = cinder(api_server, "GET", "/volumes?all_tenants=1", admin).json()["volumes"]
        assert mine in [v["id"] for v in every]
        assert mine not in [v["id"] for v in cinder(api_server, "GET", "/volumes",
                                                    admin).json()["volumes"]]
        theirs = cinder(api_server, "GET", "/volumes/detail?all_tenants=1",
                        member).json()["volumes"]
        assert [v["id"] for v in theirs] == [mine]
        assert set(theirs[0]) == MEMBER_DETAIL
        hidden = cinder(api_server, "GET", f"/volumes/{ids[0]}", member)
        assert hidden.status_code == 404
    finally:
        for volume_id in ids:
            cinder(api_server, "DELETE", f"/volumes/{volume_id}", admin)
        cinder(api_server, "DELETE", f"/volumes/{mine}", member)


def test_refusals_change_nothing(api_server: ApiServer, admin: str, member: str) -> None:
    mine = create(api_server, member, name="keep", size=1)["id"]
    try:
        before = api_server.records()
        refused = cinder(api_server, "POST", f"/volumes/{mine}/action", member,
                         body={"os-reset_status": {"status": "error"}})
        assert refused.status_code == 403
        assert refused.json() == {"forbidden": {"code": 403, "message": (
            "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be "
            "performed.")}}
        cases: list[tuple[Any, int, str]] = [
            ({"volume": {"size": 0}}, 400,
             "Invalid input for field/attribute size. Value: 0. 0 is less than the minimum "
             "of 1"),
            ({"volume": {"size": "abc"}}, 400,
             "Invalid input for field/attribute size. Value: abc. 'abc' does not match "
             "'^[0-9]+$'"),
            ({"volume": {"size": 1.5}}, 400,
             "Invalid input for field/attribute size. Value: 1.5. 1.5 is not of type "
             "'integer', 'string', 'null'"),
            ({"volume": {"size": 1, "bogus": 1}}, 400,
             "Invalid input for field/attribute volume. Value: {'size': 1, 'bogus': 1}. "
             "Additional properties are not allowed ('bogus' was unexpected)"),
            ({"volume": {}}, 400,
             "The server could not comply with the request since it is either malformed or "
             "otherwise incorrect."),
            ({"volume": {"name": "x"}}, 400,
             "The server could not comply with the request since it is either malformed or "
             "otherwise incorrect."),
            ({"vol": {"size": 1}}, 400, "'volume' is a required property"),
            ({"volume": {"size": 1, "snapshot_id": "bad"}}, 400,
             "Invalid input for field/attribute snapshot_id. Value: bad. 'bad' is not valid "
             "under any of the given schemas"),
            ({"volume": {"size": 1, "volume_type": "nope"}}, 404,
             "Volume type with name nope could not be found."),
            ({"volume": {"size": 1, "imageRef": "nope"}}, 400,
             "Invalid image identifier or unable to access requested image."),
            ({"volume": {"size": 1, "availability_zone": "zz"}}, 400,
             "Availability zone 'zz' is invalid."),
            ({"volume": {"size": 1, "source_volid": "8f0d7c1e-6b7b-4f0e-9a5e-0c1c0e0f57a1"}},
             404, "Volume 8f0d7c1e-6b7b-4f0e-9a5e-0c1c0e0f57a1 could not be found."),
            ({"volume": {"size": 1, "backup_id": "8f0d7c1e-6b7b-4f0e-9a5e-0c1c0e0f57a1"}},
             404, "Backup 8f0d7c1e-6b7b-4f0e-9a5e-0c1c0e0f57a1 could not be found."),
            ({"volume": {"size": 1, "consistencygroup_id":
                         "8f0d7c1e-6b7b-4f0e-9a5e-0c1c0e0f57a1"}},
             404, "Group 8f0d7c1e-6b7b-4f0e-9a5e-0c1c0e0f57a1 could not be found."),
            ({"volume": {"size": 1, "multiattach": True}}, 400,
             "multiattach parameter has been removed. The default behavior is to use "
             "multiattach enabled volume types. Contact your administrator to create a "
             "multiattach enabled volume type and use it to create multiattach volumes."),
        ]
        for body, status, message in cases:
            answer = cinder(api_server, "POST", "/volumes", admin, body=body)
            assert answer.status_code == status, body
            key = "badRequest" if status == 400 else "itemNotFound"
            assert answer.json() == {key: {"code": status, "message": message}}, body
        malformed = api_server.request("POST", f"{V3}/volumes", token=admin, data=b"nope",
                                       headers={**LATEST, "Content-Type": "application/json"})
        assert malformed.json() == {"badRequest": {"code": 400,
                                                   "message": "Malformed request body"}}
        foreign = cinder(api_server, "GET", f"/os-quota-sets/{project_of(api_server, admin)}",
                         member)
        assert foreign.json() == {"forbidden": {"code": 403, "message": (
            "Policy doesn't allow volume_extension:quotas:show to be performed.")}}
        update = cinder(api_server, "PUT", f"/os-quota-sets/{project_of(api_server, member)}",
                        member, body={"quota_set": {"volumes": 1}})
        assert update.status_code == 403
        bad_key = cinder(api_server, "PUT", f"/os-quota-sets/{project_of(api_server, member)}",
                         admin, body={"quota_set": {"cores": 1}})
        assert bad_key.json() == {"badRequest": {"code": 400, "message":
                                                 "Bad key(s) in quota set: cores"}}
        for query, message in (
                ("limit=abc", "limit param must be an integer"),
                ("limit=-1", "limit param must be positive"),
                ("sort=bogus:asc", "Invalid input received: Invalid sort key"),
                ("sort=name:up", "Invalid input received: Unknown sort direction, must be "
                                 "'desc' or 'asc'."),
                ("sort_key=name&sort_dir=up", "Invalid input received: Unknown sort "
                                              "direction, must be 'desc' or 'asc'.")):
            listed = cinder(api_server, "GET", f"/volumes?{query}", admin)
            assert listed.json() == {"badRequest": {"code": 400, "message": message}}, query
        # Filters Cinder does not know are left out, not refused.
        assert cinder(api_server, "GET", "/volumes?bogus=1", admin).status_code == 200
        assert cinder(api_server, "GET", "/volumes?marker=nope", admin).json() == {
            "itemNotFound": {"code": 404, "message": "Volume nope could not be found."}}
        assert api_server.records() == before
    finally:
        cinder(api_server, "DELETE", f"/volumes/{mine}", member)


def test_over_quota(api_server: ApiServer, admin: str, member: str) -> None:
    project = project_of(api_server, member)
    set_to = cinder(api_server, "PUT", f"/os-quota-sets/{project}", admin,
                    body={"quota_set": {"volumes": 0}})
    assert set_to.status_code == 200
    assert set_to.json()["quota_set"]["volumes"] == 0
    assert "id" not in set_to.json()["quota_set"]
    try:
        refused = cinder(api_server, "POST", "/volumes", member, body={"volume": {"size": 1}})
        assert refused.status_code == 413
        assert refused.json() == {"overLimit": {"code": 413, "message": (
            "VolumeLimitExceeded: Maximum number of volumes allowed (0) exceeded for quota "
            "'volumes'."), "retryAfter": "0"}}
        assert refused.headers["Retry-After"] == "0"
    finally:
        cinder(api_server, "PUT", f"/os-quota-sets/{project}", admin,
               body={"quota_set": {"volumes": 10}})


def test_snapshots(api_server: ApiServer, admin: str) -> None:
    volume_id = create(api_server, admin, name="origin", size=1)["id"]
    made = cinder(api_server, "POST", "/snapshots", admin, body={"snapshot": {
        "volume_id": volume_id, "name": "snap", "description": None, "metadata": None}})
    assert made.status_code == 202, made.text
    snapshot = made.json()["snapshot"]
    assert set(snapshot) == SNAPSHOT_CREATED
    assert snapshot["status"] == "creating"
    snapshot_id = snapshot["id"]
    summary = cinder(api_server, "GET", "/snapshots", admin).json()["snapshots"]
    assert [set(s) for s in summary] == [SNAPSHOT_SUMMARY]
    shown = cinder(api_server, "GET", f"/snapshots/{snapshot_id}", admin).json()["snapshot"]
    assert set(shown) == SNAPSHOT_DETAIL
    assert (shown["status"], shown["os-extended-snapshot-attributes:progress"]) == (
        "available", "100%")
    renamed = cinder(api_server, "PUT", f"/snapshots/{snapshot_id}", admin,
                     body={"snapshot": {"name": "snap-2"}})
    assert set(renamed.json()["snapshot"]) == SNAPSHOT_CREATED
    assert renamed.json()["snapshot"]["name"] == "snap-2"
    assert cinder(api_server, "POST", f"/snapshots/{snapshot_id}/metadata", admin,
                  body={"metadata": {"k": "v"}}).json() == {"metadata": {"k": "v"}}
    refused = cinder(api_server, "DELETE", f"/volumes/{volume_id}", admin)
    assert refused.status_code == 400
    assert refused.json()["badRequest"]["message"].startswith(
        "Invalid volume: Volume status must be available or error")
    missing = cinder(api_server, "GET", "/snapshots/nope", admin)
    assert missing.json() == {"itemNotFound": {"code": 404, "message":
                                               "Snapshot nope could not be found."}}
    # A cascading delete takes the snapshot along.
    assert cinder(api_server, "DELETE", f"/volumes/{volume_id}?cascade=True",
                  admin).status_code == 202
    assert cinder(api_server, "GET", f"/snapshots/{snapshot_id}", admin).status_code == 404


def test_types_limits_quotas_zones(api_server: ApiServer, admin: str, member: str) -> None:
    types = cinder(api_server, "GET", "/types?is_public=none", admin).json()["volume_types"]
    assert [t["name"] for t in types] == ["__DEFAULT__"]
    assert set(types[0]) == {"id", "name", "is_public", "description", "extra_specs",
                             "qos_specs_id", "os-volume-type-access:is_public"}
    member_types = cinder(api_server, "GET", "/types", member).json()["volume_types"]
    assert "qos_specs_id" not in member_types[0]
    default = cinder(api_server, "GET", "/types/default", admin).json()["volume_type"]
    assert default["id"] == types[0]["id"]
    assert "os-volume-type-access:is_public" not in default
    missing = cinder(api_server, "GET", "/types/nope", admin)
    assert missing.json() == {"itemNotFound": {"code": 404, "message":
                                               "Volume type nope could not be found."}}

    volume_id = create(api_server, member, size=2)["id"]
    try:
        absolute = cinder(api_server, "GET", "/limits", member).json()["limits"]["absolute"]
        assert absolute == {
            "maxTotalVolumes": 10, "maxTotalSnapshots": 10, "maxTotalVolumeGigabytes": 1000,
            "maxTotalBackups": 10, "maxTotalBackupGigabytes": 1000, "totalVolumesUsed": 1,
            "totalGigabytesUsed": 2, "totalSnapshotsUsed": 0, "totalBackupsUsed": 0,
            "totalBackupGigabytesUsed": 0}
        project = project_of(api_server, member)
        quotas = cinder(api_server, "GET", f"/os-quota-sets/{project}?usage=False",
                        member).json()["quota_set"]
        assert list(quotas) == [*QUOTAS, "id"]
        assert (quotas["volumes"], quotas["gigabytes"], quotas["id"]) == (10, 1000, project)
        usage = cinder(api_server, "GET", f"/os-quota-sets/{project}?usage=True",
                       member).json()["quota_set"]
        assert usage["gigabytes"] == {"limit": 1000, "in_use": 2, "reserved": 0}
        defaults = cinder(api_server, "GET", f"/os-quota-sets/{project}/defaults",
                          member).json()["quota_set"]
        assert defaults["volumes"] == 10
    finally:
        cinder(api_server, "DELETE", f"/volumes/{volume_id}", member)
    zones = cinder(api_server, "GET", "/os-availability-zone", member).json()
    assert zones == {"availabilityZoneInfo": [{"zoneName": "nova",
                                               "zoneState": {"available": True}}]}


def test_volume_attachments(api_server: ApiServer, admin: str) -> None:
    image_id = api_server.image(admin, name="attach-image")
    networks = api_server.request("GET", "/network/v2.0/networks?name=private", token=admin)
    network_id = networks.json()["networks"][0]["id"]
    nova_latest = {"OpenStack-API-Version": "compute 2.100"}
    made = api_server.request("POST", "/compute/v2.1/servers", token=admin, json_body={
        "server": {"name": "with-volume", "imageRef": image_id, "flavorRef": "1",
                   "networks": [{"uuid": network_id}]}}, headers=nova_latest)
    assert made.status_code == 202, made.text
    server_id = made.json()["server"]["id"]
    volume_id = create(api_server, admin, name="attached", size=1)["id"]
    path = f"/compute/v2.1/servers/{server_id}/os-volume_attachments"
    try:
        attached = api_server.request("POST", path, token=admin, headers=nova_latest,
                                      json_body={"volumeAttachment": {"volumeId": volume_id}})
        assert attached.status_code == 200, attached.text
        assert attached.json() == {"volumeAttachment": {
            "id": volume_id, "serverId": server_id, "volumeId": volume_id,
            "device": "/dev/vdb", "tag": None, "delete_on_termination": False}}
        listed = api_server.request("GET", path, token=admin, headers=nova_latest).json()
        attachment = listed["volumeAttachments"][0]
        assert sorted(attachment) == ["attachment_id", "bdm_uuid", "delete_on_termination",
                                      "device", "serverId", "tag", "volumeId"]
        old = api_server.request("GET", f"{path}/{volume_id}", token=admin).json()
        assert old == {"volumeAttachment": {"id": volume_id, "volumeId": volume_id,
                                            "serverId": server_id, "device": "/dev/vdb"}}
        volume = cinder(api_server, "GET", f"/volumes/{volume_id}", admin).json()["volume"]
        assert volume["status"] == "in-use"
        assert volume["attachments"][0]["server_id"] == server_id
        detached = api_server.request("DELETE", f"{path}/{volume_id}", token=admin)
        assert detached.status_code == 202
        not_attached = api_server.request("GET", f"{path}/{volume_id}", token=admin)
        assert not_attached.json() == {"itemNotFound": {"code": 404, "message": (
            f"Instance {server_id} is not attached to volume {volume_id}")}}
    finally:
        api_server.request("DELETE", f"/compute/v2.1/servers/{server_id}", token=admin)
        cinder(api_server, "DELETE", f"/volumes/{volume_id}", admin)
