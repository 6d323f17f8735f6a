"""Glance v2 through ``ostack api serve``: create, upload with ``PUT /file``, download,
JSON-patch updates, tags, (de)activation, members and paging, with Glance's statuses, its
HTML or JSON errors and its relative links."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests

from tests.api.conftest import ApiServer

IMAGES = "/image/v2/images"
PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


@pytest.fixture(scope="module")
def member(api_server: ApiServer) -> str:
    return api_server.token("demo", "demo")


def patch(api_server: ApiServer, image_id: str, token: str,
          operations: list[dict[str, Any]]) -> requests.Response:
    return api_server.request("PATCH", f"{IMAGES}/{image_id}", token=token,
                              json_body=operations, headers=PATCH)


def test_create_upload_download(api_server: ApiServer, admin: str) -> None:
    made = api_server.request("POST", IMAGES, token=admin, json_body={
        "name": "disk", "disk_format": "raw", "container_format": "bare", "os_distro": "x"})
    assert made.status_code == 201, made.text
    image = made.json()
    base = api_server.base_url
    assert made.headers["Location"] == f"{base}/image/v2/images/{image['id']}"
    assert (image["status"], image["size"], image["checksum"]) == ("queued", None, None)
    assert (image["self"], image["file"], image["schema"]) == (
        f"/v2/images/{image['id']}", f"/v2/images/{image['id']}/file", "/v2/schemas/image")
    assert image["os_distro"] == "x"
    nothing = api_server.request("GET", f"{IMAGES}/{image['id']}/file", token=admin)
    assert nothing.status_code == 204
    data = bytes(range(256)) * 1024
    uploaded = api_server.request("PUT", f"{IMAGES}/{image['id']}/file", token=admin,
                                  data=data,
                                  headers={"Content-Type": "application/octet-stream"})
    assert uploaded.status_code == 204, uploaded.text
    shown = api_server.request("GET", f"{IMAGES}/{image['id']}", token=admin).json()
    assert (shown["status"], shown["size"], shown["checksum"]) == (
        "active", len(data), hashlib.md5(data).hexdigest())
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    again = api_server.request("PUT", f"{IMAGES}/{image['id']}/file", token=admin,
                               data=b"x", headers={"Content-Type": "application/octet-stream"})
    assert again.status_code == 409
    download = api_server.request("GET", f"{IMAGES}/{image['id']}/file", token=admin)
    assert download.status_code == 200
    assert download.content == data
    assert download.headers["Content-MD5"] == shown["checksum"]
    assert download.headers["Content-Type"] == "application/octet-stream"

    changed = patch(api_server, image["id"], admin, [
        {"op": "replace", "path": "/name", "value": "disk-2"},
        {"op": "add", "path": "/min_disk", "value": 1},
        {"op": "add", "path": "/tags", "value": ["a", "b"]},
        {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
        {"op": "remove", "path": "/os_distro"}])
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["min_disk"], sorted(body["tags"]), body["hw_disk_bus"]) == (
        "disk-2", 1, ["a", "b"], "virtio")
    assert "os_distro" not in body
    readonly = patch(api_server, image["id"], admin,
                     [{"op": "replace", "path": "/status", "value": "active"}])
    assert readonly.status_code == 403
    wrong_type = api_server.request("PATCH", f"{IMAGES}/{image['id']}", token=admin,
                                    json_body=[])
    assert wrong_type.status_code == 415
    assert api_server.request("DELETE", f"{IMAGES}/{image['id']}/tags/a",
                              token=admin).status_code == 204
    assert api_server.request("PUT", f"{IMAGES}/{image['id']}/tags/c",
                              token=admin).status_code == 204
    assert sorted(api_server.request("GET", f"{IMAGES}/{image['id']}", token=admin)
                  .json()["tags"]) == ["b", "c"]
    assert api_server.request("POST", f"{IMAGES}/{image['id']}/actions/deactivate",
                              token=admin).status_code == 204
    refused = api_server.request("GET", f"{IMAGES}/{image['id']}/file", token=admin)
    assert refused.status_code == 403
    assert api_server.request("POST", f"{IMAGES}/{image['id']}/actions/reactivate",
                              token=admin).status_code == 204
    assert api_server.request("DELETE", f"{IMAGES}/{image['id']}", token=admin).status_code \
        == 204
    missing = api_server.request("GET", f"{IMAGES}/{image['id']}", token=admin)
    assert (missing.status_code, missing.headers["Content-Type"]) == (
        404, "text/html; charset=UTF-8")
    assert f"No image found with ID {image['id']}" in missing.text
    as_json = api_server.request("GET", f"{IMAGES}/{image['id']}", token=admin,
                                 headers={"Accept": "application/json"})
    assert as_json.json()["code"] == "404 Not Found"


def test_list_and_paging(api_server: ApiServer, admin: str) -> None:
    ids = [api_server.image(admin, f"paged-{n}") for n in range(3)]
    try:
        # Newest first, the ID breaking ties (Glance's created_at/id order).
        everything = [i["id"] for i in api_server.request("GET", IMAGES, token=admin)
                      .json()["images"]]
        assert sorted(everything) == sorted(ids)
        first = api_server.request("GET", f"{IMAGES}?limit=2", token=admin).json()
        assert [i["id"] for i in first["images"]] == everything[:2]
        assert first["first"] == "/v2/images?limit=2"
        assert first["next"] == f"/v2/images?limit=2&marker={everything[1]}"
        assert first["schema"] == "/v2/schemas/images"
        rest = api_server.request("GET", f"{IMAGES}?limit=2&marker={everything[1]}",
                                  token=admin).json()
        assert [i["id"] for i in rest["images"]] == everything[2:]
        assert "next" not in rest
        chosen = api_server.request("GET", f"{IMAGES}?id=in:{ids[0]},{ids[2]}",
                                    token=admin).json()
        assert {i["id"] for i in chosen["images"]} == {ids[0], ids[2]}
        by_name = api_server.request("GET", f"{IMAGES}?name=paged-1", token=admin).json()
        assert [i["id"] for i in by_name["images"]] == [ids[1]]
    finally:
        for image_id in ids:
            api_server.request("DELETE", f"{IMAGES}/{image_id}", token=admin)


def test_members(api_server: ApiServer, admin: str, member: str) -> None:
    image_id = api_server.image(admin, "shared-disk", visibility="shared")
    demo_id = api_server.ostack("project", "show", "demo", "-f", "value", "-c", "id") \
        .stdout.strip()
    try:
        assert api_server.request("GET", f"{IMAGES}/{image_id}", token=member).status_code \
            == 404
        added = api_server.request("POST", f"{IMAGES}/{image_id}/members", token=admin,
                                   json_body={"member": demo_id})
        assert added.status_code == 200, added.text
        assert added.json()["status"] == "pending"
        assert sorted(added.json()) == ["created_at", "image_id", "member_id", "schema",
                                        "status", "updated_at"]
        listed = api_server.request("GET", f"{IMAGES}/{image_id}/members", token=admin).json()
        assert [m["member_id"] for m in listed["members"]] == [demo_id]
        assert listed["schema"] == "/v2/schemas/members"
        accepted = api_server.request("PUT", f"{IMAGES}/{image_id}/members/{demo_id}",
                                      token=member, json_body={"status": "accepted"})
        assert accepted.json()["status"] == "accepted"
        names = [i["name"] for i in api_server.request("GET", IMAGES, token=member)
                 .json()["images"]]
        assert "shared-disk" in names
        assert api_server.request("DELETE", f"{IMAGES}/{image_id}/members/{demo_id}",
                                  token=admin).status_code == 204
        assert api_server.request("GET", f"{IMAGES}/{image_id}/members/{demo_id}",
                                  token=admin).status_code == 404
    finally:
        api_server.request("DELETE", f"{IMAGES}/{image_id}", token=admin)


@pytest.mark.parametrize("body", [
    {"name": "x", "min_disk": "one"}, {"name": 5}, {"name": "x", "tags": "a"},
    {"name": "x", "protected": "yes"}, {"name": "x", "colour": 5},
    {"name": "x", "disk_format": "floppy"}, {"name": "x", "id": "not-a-uuid"},
    {"name": "x", "min_ram": -1},
])
def test_malformed_images(api_server: ApiServer, admin: str, body: dict[str, Any]) -> None:
    before = api_server.records()
    answer = api_server.request("POST", IMAGES, token=admin, json_body=body,
                                headers={"Accept": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "400 Bad Request"
    assert api_server.records() == before
