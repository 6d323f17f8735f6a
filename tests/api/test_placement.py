"""Placement (read only) through ``ostack api serve``: the compute node as the one resource
provider, with the figures Nova's os-hypervisors reports, the servers' allocations, project
usages, microversion negotiation and Placement's errors, as realstack's Placement answers
(placement/handlers/*.py); openstacksdk's ``conn.placement`` on top."""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests

from tests.api.conftest import ApiServer
from tests.api.test_nova import boot, nova
from tests.api.test_usage import project_id, wait_active

HOST_LINKS = ("self", "inventories", "usages", "aggregates", "traits", "allocations")


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


def placement(api_server: ApiServer, path: str, token: str | None, version: str | None = None
              ) -> requests.Response:
    headers = {"OpenStack-API-Version": f"placement {version}"} if version else {}
    return api_server.request("GET", "/placement" + path, token=token, headers=headers)


@pytest.fixture(scope="module")
def hypervisor(api_server: ApiServer, admin: str) -> dict[str, Any]:
    listed = nova(api_server, "GET", "/os-hypervisors", admin).json()["hypervisors"]
    stats = nova(api_server, "GET", "/os-hypervisors/statistics", admin, version="2.1")
    return {**listed[0], **stats.json()["hypervisor_statistics"]}


@pytest.fixture(scope="module")
def server(api_server: ApiServer, admin: str) -> str:
    image = api_server.image(admin, visibility="public")
    network = api_server.request("GET", "/network/v2.0/networks?name=private",
                                 token=admin).json()["networks"][0]["id"]
    server_id = boot(api_server, admin, image, network, "placed")
    wait_active(api_server, admin, server_id)
    return server_id


def test_versions_and_microversions(api_server: ApiServer, admin: str) -> None:
    for path in ("", "/"):
        root = placement(api_server, path, None)
        assert root.status_code == 200
        assert root.json() == {"versions": [{
            "id": "v1.0", "max_version": "1.39", "min_version": "1.0", "status": "CURRENT",
            "links": [{"rel": "self", "href": ""}]}]}
        assert root.headers["OpenStack-API-Version"] == "placement 1.0"
        assert root.headers["Vary"] == "openstack-api-version"
    assert placement(api_server, "/resource_providers", admin, "latest").headers[
        "OpenStack-API-Version"] == "placement 1.39"
    too_new = placement(api_server, "/resource_providers", admin, "1.99")
    assert too_new.status_code == 406
    assert "OpenStack-API-Version" not in too_new.headers
    error = too_new.json()["errors"][0]
    assert (error["title"], error["max_version"], error["min_version"]) == (
        "Not Acceptable", "1.39", "1.0")
    assert error["detail"].endswith("Invalid microversion: Unacceptable version header: 1.99  ")
    bogus = placement(api_server, "/resource_providers", admin, "bogus")
    assert bogus.status_code == 400
    assert bogus.json()["errors"][0]["detail"] == (
        "The server could not comply with the request since it is either malformed or "
        "otherwise incorrect.\n\n Invalid microversion: invalid version string: bogus; "
        "invalid literal for int() with base 10: 'bogus'  ")
    # keystonemiddleware in front: no token, Keystone's 401.
    anonymous = placement(api_server, "/resource_providers", None)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["title"] == "Unauthorized"


def test_the_host_is_the_resource_provider(api_server: ApiServer, admin: str,
                                           hypervisor: dict[str, Any]) -> None:
    plain = placement(api_server, "/resource_providers", admin).json()["resource_providers"]
    assert [(p["uuid"], p["name"]) for p in plain] == [
        (hypervisor["id"], hypervisor["hypervisor_hostname"])]
    assert [link["rel"] for link in plain[0]["links"]] == ["self", "inventories", "usages"]
    provider_uuid = plain[0]["uuid"]
    listed = placement(api_server, "/resource_providers", admin, "1.14").json()
    provider = listed["resource_providers"][0]
    assert list(provider) == ["uuid", "name", "generation", "links", "parent_provider_uuid",
                              "root_provider_uuid"]
    assert (provider["parent_provider_uuid"], provider["root_provider_uuid"]) == (
        None, provider_uuid)
    assert [link["rel"] for link in provider["links"]] == list(HOST_LINKS)
    assert provider["links"][1]["href"] == (
        f"/placement/resource_providers/{provider_uuid}/inventories")
    shown = placement(api_server, f"/resource_providers/{provider_uuid}", admin, "1.14")
    assert shown.json() == provider
    for query, found in ((f"name={provider['name']}", 1), ("name=nosuch", 0),
                         (f"uuid={provider_uuid}", 1),
                         ("uuid=6ec71d7f-8fa1-4567-8a93-f6d3294b2329", 0)):
        answer = placement(api_server, f"/resource_providers?{query}", admin, "1.14")
        assert len(answer.json()["resource_providers"]) == found, query
    for wanted, found in (("VCPU:1", 1), ("VCPU:1,MEMORY_MB:512", 1),
                          (f"VCPU:{hypervisor['vcpus'] + 1}", 0), ("CUSTOM_GPU:1", 0)):
        answer = placement(api_server, f"/resource_providers?resources={wanted}", admin,
                           "1.14")
        assert len(answer.json()["resource_providers"]) == found, wanted
    member_of = placement(api_server, "/resource_providers?member_of=x", admin, "1.14")
    assert member_of.json()["errors"][0]["detail"].endswith(
        "Invalid query string parameters: Expected 'member_of' parameter to contain valid "
        "UUID(s). Got: x  ")
    badly = placement(api_server, "/resource_providers?resources=VCPU", admin, "1.14")
    assert badly.status_code == 400
    assert "Badly formed resources parameter." in badly.json()["errors"][0]["detail"]
    bad = placement(api_server, "/resource_providers?uuid=bad", admin, "1.14")
    assert bad.status_code == 400
    assert "Invalid query string parameters: 'bad' is not a 'uuid'" in \
        bad.json()["errors"][0]["detail"]
    unknown = placement(api_server, "/resource_providers?foo=1", admin, "1.14")
    assert unknown.status_code == 400
    missing = placement(api_server, "/resource_providers/nosuch", admin, "1.14")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["detail"] == (
        "The resource could not be found.\n\n No resource provider with uuid nosuch found  ")


def test_inventories_match_the_hypervisor(api_server: ApiServer, admin: str,
                                          hypervisor: dict[str, Any]) -> None:
    provider_uuid = hypervisor["id"]
    body = placement(api_server, f"/resource_providers/{provider_uuid}/inventories",
                     admin).json()
    assert list(body) == ["resource_provider_generation", "inventories"]
    inventories = body["inventories"]
    assert list(inventories) == ["VCPU", "MEMORY_MB", "DISK_GB"]
    assert inventories["VCPU"] == {"total": hypervisor["vcpus"], "reserved": 0, "min_unit": 1,
                                   "max_unit": hypervisor["vcpus"], "step_size": 1,
                                   "allocation_ratio": 4.0}
    # The resource tracker counts the reserved memory as used; Placement as reserved.
    assert inventories["MEMORY_MB"]["total"] == hypervisor["memory_mb"]
    assert inventories["MEMORY_MB"]["reserved"] == 512
    assert inventories["DISK_GB"]["total"] == hypervisor["local_gb"]
    one = placement(api_server, f"/resource_providers/{provider_uuid}/inventories/VCPU",
                    admin).json()
    assert one == {**inventories["VCPU"],
                   "resource_provider_generation": body["resource_provider_generation"]}
    assert list(one)[-1] == "resource_provider_generation"
    other = placement(api_server, f"/resource_providers/{provider_uuid}/inventories/FOO",
                      admin)
    assert other.json()["errors"][0]["detail"] == (
        "The resource could not be found.\n\n No inventory of class FOO for "
        f"{provider_uuid}  ")
    traits = placement(api_server, f"/resource_providers/{provider_uuid}/traits", admin,
                       "1.6").json()
    assert "COMPUTE_NODE" in traits["traits"]
    # Before 1.6 there are no traits: Placement's 404.
    assert placement(api_server, f"/resource_providers/{provider_uuid}/traits",
                     admin).status_code == 404
    aggregates = placement(api_server, f"/resource_providers/{provider_uuid}/aggregates",
                           admin, "1.19").json()
    assert aggregates == {"aggregates": [],
                          "resource_provider_generation": body["resource_provider_generation"]}


def test_usages_and_allocations_follow_the_servers(api_server: ApiServer, admin: str,
                                                   hypervisor: dict[str, Any],
                                                   server: str) -> None:
    provider_uuid = hypervisor["id"]
    tiny = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
    usages = placement(api_server, f"/resource_providers/{provider_uuid}/usages",
                       admin).json()["usages"]
    assert usages == tiny
    stats = nova(api_server, "GET", "/os-hypervisors/statistics", admin, version="2.1")
    assert stats.json()["hypervisor_statistics"]["vcpus_used"] == usages["VCPU"]
    by_consumer = placement(api_server, f"/resource_providers/{provider_uuid}/allocations",
                            admin).json()["allocations"]
    assert by_consumer == {server: {"resources": tiny}}
    project = project_id(api_server, admin, "admin")
    allocations = placement(api_server, f"/allocations/{server}", admin, "1.28").json()
    assert allocations["allocations"][provider_uuid]["resources"] == tiny
    assert allocations["project_id"] == project
    assert allocations["consumer_generation"] == 1
    assert placement(api_server, f"/allocations/{server}", admin, "1.0").json() == {
        "allocations": {provider_uuid: allocations["allocations"][provider_uuid]}}
    assert placement(api_server, "/allocations/nosuch", admin).json() == {"allocations": {}}
    assert placement(api_server, f"/usages?project_id={project}", admin, "1.9").json() == {
        "usages": tiny}
    assert placement(api_server, f"/usages?project_id={project}", admin, "1.38").json() == {
        "usages": {"INSTANCE": {"consumer_count": 1, **tiny},
                   "all": {"consumer_count": 1, **tiny}}}
    assert placement(api_server, "/usages?project_id=other", admin, "1.9").json() == {
        "usages": {}}
    missing = placement(api_server, "/usages", admin, "1.9")
    assert missing.status_code == 400
    assert "'project_id' is a required property" in missing.json()["errors"][0]["detail"]
    assert placement(api_server, f"/usages?project_id={project}", admin,
                     "1.8").status_code == 404


def test_a_member_is_refused(api_server: ApiServer, hypervisor: dict[str, Any]) -> None:
    member = api_server.token("demo", "demo")
    for path, rule in (("/resource_providers", "placement:resource_providers:list"),
                       (f"/resource_providers/{hypervisor['id']}/inventories",
                        "placement:resource_providers:inventories:list")):
        answer = placement(api_server, path, member)
        assert answer.status_code == 403
        error = answer.json()["errors"][0]
        assert (error["title"], error["detail"]) == (
            "Forbidden", f"Access was denied to this resource.\n\n {rule}  ")


@pytest.mark.slow
def test_openstacksdk_placement(api_server: ApiServer, hypervisor: dict[str, Any]) -> None:
    import openstack

    os.environ["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    try:
        conn = openstack.connect(cloud="ostack")
        providers = list(conn.placement.resource_providers())
        assert [(p.id, p.name) for p in providers] == [
            (hypervisor["id"], hypervisor["hypervisor_hostname"])]
        inventories = {i.resource_class: i.total
                       for i in conn.placement.resource_provider_inventories(providers[0])}
        assert inventories == {"VCPU": hypervisor["vcpus"],
                               "MEMORY_MB": hypervisor["memory_mb"],
                               "DISK_GB": hypervisor["local_gb"]}
        conn.close()
    finally:
        os.environ.pop("OS_CLIENT_CONFIG_FILE", None)
