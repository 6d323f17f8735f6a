"""Glance's JSON schemas and its (empty) metadata definitions catalog through ``ostack api
serve``, as realstack's Glance answers them: python-glanceclient (Horizon's image pages)
builds its models from ``/v2/schemas/image`` and validates every image against it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import ApiServer

IMAGE_KEYS = [
    "id", "name", "status", "visibility", "protected", "os_hidden", "checksum",
    "os_hash_algo", "os_hash_value", "owner", "size", "virtual_size", "container_format",
    "disk_format", "created_at", "updated_at", "tags", "direct_url", "min_ram", "min_disk",
    "self", "file", "stores", "schema", "locations"]


JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "boolean": (bool,), "array": (list,),
    "object": (dict,), "null": (type(None),)}


def check_against(schema: dict[str, Any], image: dict[str, Any]) -> None:
    """What warlock checks of an image's top-level attributes: their JSON types and enums;
    any other attribute is a string (``additionalProperties``)."""
    for key, value in image.items():
        prop = schema["properties"].get(key, schema["additionalProperties"])
        kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        allowed = tuple(t for kind in kinds for t in JSON_TYPES[kind])
        assert isinstance(value, allowed) and not (
            isinstance(value, bool) and bool not in allowed), (key, value, kinds)
        if "enum" in prop:
            assert value in prop["enum"], (key, value)


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


def get(api_server: ApiServer, token: str, path: str) -> Any:
    answer = api_server.request("GET", "/image" + path, token=token)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_image_schema_describes_every_image(api_server: ApiServer, admin: str) -> None:
    schema = get(api_server, admin, "/v2/schemas/image")
    assert list(schema) == ["name", "properties", "additionalProperties", "links"]
    assert schema["name"] == "image"
    assert list(schema["properties"]) == IMAGE_KEYS
    assert schema["additionalProperties"] == {"type": "string"}
    assert schema["properties"]["disk_format"]["enum"] == [
        None, "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso",
        "ploop"]
    assert schema["properties"]["container_format"]["enum"] == [
        None, "ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]
    assert schema["links"] == [{"rel": "self", "href": "{self}"},
                               {"rel": "enclosure", "href": "{file}"},
                               {"rel": "describedby", "href": "{schema}"}]
    api_server.image(admin, name="schema-checked", visibility="public",
                     os_distro="cirros")
    queued = api_server.request("POST", "/image/v2/images", token=admin, json_body={
        "name": None, "disk_format": "qcow2", "container_format": "bare"})
    assert queued.status_code == 201, queued.text
    for image in get(api_server, admin, "/v2/images")["images"]:
        check_against(schema, image)


def test_the_collection_schemas(api_server: ApiServer, admin: str) -> None:
    image = get(api_server, admin, "/v2/schemas/image")
    images = get(api_server, admin, "/v2/schemas/images")
    assert images == {
        "name": "images",
        "properties": {"images": {"type": "array", "items": image},
                       "first": {"type": "string"}, "next": {"type": "string"},
                       "schema": {"type": "string"}},
        "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                  {"rel": "describedby", "href": "{schema}"}]}
    namespace = get(api_server, admin, "/v2/schemas/metadefs/namespace")
    assert namespace["name"] == "namespace"
    assert namespace["required"] == ["namespace"]
    assert namespace["additionalProperties"] is False
    namespaces = get(api_server, admin, "/v2/schemas/metadefs/namespaces")
    assert namespaces["name"] == "namespaces"
    # The definitions move from the item to the collection.
    assert namespaces["properties"]["namespaces"]["items"] == {
        k: v for k, v in namespace.items() if k != "definitions"}
    assert namespaces["definitions"] == namespace["definitions"]


def test_no_metadata_definitions(api_server: ApiServer, admin: str) -> None:
    query = "resource_types=OS%3A%3ANova%3A%3AServer&limit=1000&sort_key=namespace"
    assert get(api_server, admin, f"/v2/metadefs/namespaces?{query}") == {
        "namespaces": [], "schema": "/v2/schemas/metadefs/namespaces",
        "first": f"/v2/metadefs/namespaces?{query}"}
    assert get(api_server, admin, "/v2/metadefs/namespaces")["first"] == (
        "/v2/metadefs/namespaces")
    assert get(api_server, admin, "/v2/metadefs/resource_types") == {"resource_types": []}
    missing = api_server.request("GET", "/image/v2/metadefs/namespaces/OS::Compute::Foo",
                                 token=admin, headers={"Accept": "application/json"})
    assert missing.status_code == 404
    assert "Metadata definition namespace=OS::Compute::Foo was not found." in missing.text


def test_schemas_need_a_token(api_server: ApiServer) -> None:
    assert api_server.request("GET", "/image/v2/schemas/image").status_code == 401
