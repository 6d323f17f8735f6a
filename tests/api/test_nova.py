"""Nova v2.1 through ``ostack api serve``: flavors, servers and their actions, keypairs,
limits, quota sets, hypervisors, zones and server groups, with Nova's bodies, statuses and
headers (realstack's answers, recorded with the real client's --debug; docs/api.md)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.api.conftest import NOVA_LATEST, ApiServer

COMPUTE = "/compute/v2.1"


def nova(api_server: ApiServer, method: str, path: str, token: str, *,
         version: str | None = "2.100", body: Any = None) -> requests.Response:
    headers = {"OpenStack-API-Version": f"compute {version}"} if version else {}
    return api_server.request(method, COMPUTE + path, token=token, json_body=body,
                              headers=headers)


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


@pytest.fixture(scope="module")
def member(api_server: ApiServer) -> str:
    return api_server.token("demo", "demo")


@pytest.fixture(scope="module")
def image_id(api_server: ApiServer, admin: str) -> str:
    return api_server.image(admin, visibility="public")


@pytest.fixture(scope="module")
def network_id(api_server: ApiServer, admin: str) -> str:
    answer = api_server.request("GET", "/network/v2.0/networks?name=private", token=admin)
    return str(answer.json()["networks"][0]["id"])


def boot(api_server: ApiServer, token: str, image_id: str, network_id: str, name: str,
         **extra: Any) -> str:
    answer = nova(api_server, "POST", "/servers", token, body={"server": {
        "name": name, "imageRef": image_id, "flavorRef": "1",
        "networks": [{"uuid": network_id}], **extra}})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["server"]["id"])


def test_flavors(api_server: ApiServer, admin: str, member: str) -> None:
    listed = nova(api_server, "GET", "/flavors", member, version=None)
    assert [f["name"] for f in listed.json()["flavors"]] == [
        "m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"]
    assert listed.headers["OpenStack-API-Version"] == "compute 2.1"
    tiny = nova(api_server, "GET", "/flavors/1", member, version="2.61").json()["flavor"]
    base = api_server.base_url
    assert tiny == {
        "id": "1", "name": "m1.tiny", "ram": 512, "disk": 1, "swap": "",
        "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False, "vcpus": 1,
        "os-flavor-access:is_public": True, "rxtx_factor": 1.0,
        "links": [{"rel": "self", "href": f"{base}/compute/v2.1/flavors/1"},
                  {"rel": "bookmark", "href": f"{base}/compute/flavors/1"}],
        "description": None, "extra_specs": {}}
    assert nova(api_server, "GET", "/flavors/1", member).json()["flavor"]["swap"] == 0
    missing = nova(api_server, "GET", "/flavors/m1.tiny", member)
    assert missing.status_code == 404
    assert missing.json() == {"itemNotFound": {"code": 404,
                                               "message": "Flavor m1.tiny could not be found."}}
    paged = nova(api_server, "GET", "/flavors/detail?limit=2", member).json()
    assert [f["id"] for f in paged["flavors"]] == ["1", "2"]
    assert paged["flavors_links"] == [{"rel": "next", "href": (
        f"{base}/compute/v2.1/flavors/detail?limit=2&marker=2")}]
    refused = nova(api_server, "POST", "/flavors", member, body={"flavor": {
        "name": "x", "ram": 64, "vcpus": 1, "disk": 0}})
    assert refused.status_code == 403
    assert refused.json() == {"forbidden": {"code": 403, "message": (
        "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.")}}

    made = nova(api_server, "POST", "/flavors", admin, body={"flavor": {
        "name": "api.private", "id": "api-1", "ram": 64, "vcpus": 1, "disk": 0,
        "os-flavor-access:is_public": False, "description": "made over HTTP"}})
    assert made.status_code == 200, made.text
    assert made.json()["flavor"]["description"] == "made over HTTP"
    twice = nova(api_server, "POST", "/flavors", admin, body={"flavor": {
        "name": "api.private", "ram": 64, "vcpus": 1, "disk": 0}})
    assert twice.status_code == 409
    assert twice.json()["conflict"]["message"] == "Flavor with name api.private already exists."
    specs = nova(api_server, "POST", "/flavors/api-1/os-extra_specs", admin,
                 body={"extra_specs": {"hw:cpu_policy": "shared"}})
    assert specs.json() == {"extra_specs": {"hw:cpu_policy": "shared"}}
    assert nova(api_server, "GET", "/flavors/api-1/os-extra_specs/hw:cpu_policy",
                admin).json() == {"hw:cpu_policy": "shared"}
    demo_id = api_server.ostack("project", "show", "demo", "-f", "value", "-c", "id") \
        .stdout.strip()
    # A member does not see a private flavor it has no access to.
    assert nova(api_server, "GET", "/flavors/api-1", member).status_code == 404
    access = nova(api_server, "POST", "/flavors/api-1/action", admin,
                  body={"addTenantAccess": {"tenant": demo_id}})
    assert access.json() == {"flavor_access": [{"flavor_id": "api-1", "tenant_id": demo_id}]}
    assert nova(api_server, "GET", "/flavors/api-1", member).status_code == 200
    assert nova(api_server, "DELETE", "/flavors/api-1/os-extra_specs/nope",
                admin).json()["itemNotFound"]["message"] == (
        "Flavor api-1 has no extra specs with key nope.")
    assert nova(api_server, "DELETE", "/flavors/api-1", admin).status_code == 202
    assert nova(api_server, "GET", "/flavors/api-1", admin).status_code == 404


def test_server_lifecycle(api_server: ApiServer, admin: str, image_id: str,
                          network_id: str) -> None:
    created = nova(api_server, "POST", "/servers", admin, body={"server": {
        "name": "web", "imageRef": image_id, "flavorRef": "1",
        "networks": [{"uuid": network_id}], "metadata": {"role": "web"}}})
    assert created.status_code == 202, created.text
    body = created.json()["server"]
    server_id = body["id"]
    base = api_server.base_url
    assert created.headers["Location"] == f"{base}/compute/v2.1/servers/{server_id}"
    assert sorted(body) == ["OS-DCF:diskConfig", "adminPass", "id", "links",
                            "security_groups"]
    assert body["security_groups"] == [{"name": "default"}]

    shown = nova(api_server, "GET", f"/servers/{server_id}", admin).json()["server"]
    assert shown["name"] == "web"
    assert shown["status"] == "ACTIVE"
    assert shown["metadata"] == {"role": "web"}
    assert shown["image"]["id"] == image_id
    assert shown["flavor"]["original_name"] == "m1.tiny"
    assert shown["OS-EXT-SRV-ATTR:host"] == "localhost"
    assert list(shown["addresses"]) == ["private"]
    assert shown["addresses"]["private"][0]["OS-EXT-IPS:type"] == "fixed"
    assert shown["server_groups"] == []
    assert shown["scheduler_hints"] == {}
    # At 2.1: the flavor by reference, no 2.x fields.
    old = nova(api_server, "GET", f"/servers/{server_id}", admin, version=None).json()
    assert old["server"]["flavor"]["id"] == "1"
    assert "locked" not in old["server"] and "tags" not in old["server"]

    listed = nova(api_server, "GET", "/servers/detail?name=^we", admin).json()["servers"]
    assert [s["id"] for s in listed] == [server_id]
    assert "server_groups" not in listed[0]
    assert nova(api_server, "GET", "/servers?status=SHUTOFF", admin).json() == {"servers": []}
    bad_status = nova(api_server, "GET", "/servers?status=sleepy", admin)
    assert bad_status.json() == {"badRequest": {"code": 400,
                                                "message": "Invalid status value"}}

    def act(body: dict[str, Any]) -> requests.Response:
        return nova(api_server, "POST", f"/servers/{server_id}/action", admin, body=body)

    assert act({"os-stop": None}).status_code == 202
    assert nova(api_server, "GET", f"/servers/{server_id}", admin).json()["server"][
        "status"] == "SHUTOFF"
    again = act({"os-stop": None})
    assert again.status_code == 409
    assert again.json() == {"conflict": {"code": 409, "message": (
        f"Cannot 'stop' instance {server_id} while it is in vm_state stopped")}}
    assert act({"os-start": None}).status_code == 202
    assert act({"lock": {"locked_reason": "maintenance"}}).status_code == 202
    locked = nova(api_server, "GET", f"/servers/{server_id}", admin).json()["server"]
    assert (locked["locked"], locked["locked_reason"]) == (True, "maintenance")
    assert act({"unlock": None}).status_code == 202
    assert act({"pause": None}).status_code == 202
    assert nova(api_server, "GET", f"/servers/{server_id}", admin).json()["server"][
        "status"] == "PAUSED"
    assert act({"unpause": None}).status_code == 202
    assert act({"reboot": {"type": "HARD"}}).status_code == 202
    output = act({"os-getConsoleOutput": {"length": 5}})
    assert output.status_code == 200
    assert isinstance(output.json()["output"], str)
    assert act({"dance": None}).json() == {"badRequest": {
        "code": 400, "message": "There is no such action: dance"}}
    nowhere = nova(api_server, "POST", f"/servers/{uuid.uuid4()}/action", admin,
                   body={"os-stop": None})
    assert nowhere.status_code == 404
    assert nowhere.json()["itemNotFound"]["message"].endswith("has no mapping to a cell.")

    renamed = nova(api_server, "PUT", f"/servers/{server_id}", admin,
                   body={"server": {"name": "web-1"}})
    assert renamed.json()["server"]["name"] == "web-1"
    meta = nova(api_server, "POST", f"/servers/{server_id}/metadata", admin,
                body={"metadata": {"tier": "front"}})
    assert meta.json() == {"metadata": {"role": "web", "tier": "front"}}
    assert nova(api_server, "PUT", f"/servers/{server_id}/tags/blue", admin).status_code == 201
    assert nova(api_server, "GET", f"/servers/{server_id}/tags", admin).json() == {
        "tags": ["blue"]}

    assert nova(api_server, "DELETE", f"/servers/{server_id}", admin).status_code == 204
    gone = nova(api_server, "GET", f"/servers/{server_id}", admin)
    assert gone.status_code == 404
    assert gone.json() == {"itemNotFound": {
        "code": 404, "message": f"Instance {server_id} could not be found."}}


def test_server_paging_and_scope(api_server: ApiServer, admin: str, member: str,
                                 image_id: str, network_id: str) -> None:
    ids = [boot(api_server, admin, image_id, network_id, f"page-{n}") for n in range(3)]
    try:
        first = nova(api_server, "GET", "/servers?limit=2", admin).json()
        # Newest first, as Nova lists them.
        assert [s["id"] for s in first["servers"]] == [ids[2], ids[1]]
        link = first["servers_links"][0]
        assert link["rel"] == "next" and link["href"].endswith(f"limit=2&marker={ids[1]}")
        rest = requests.get(link["href"], headers={"X-Auth-Token": admin, **NOVA_LATEST},
                            timeout=30).json()
        assert [s["id"] for s in rest["servers"]] == [ids[0]]
        assert "servers_links" not in rest
        # Another project's server: not listed, not shown.
        assert nova(api_server, "GET", "/servers", member).json() == {"servers": []}
        assert nova(api_server, "GET", f"/servers/{ids[0]}", member).status_code == 404
        refused = nova(api_server, "GET", "/servers/detail?all_tenants=1", member)
        assert refused.status_code == 403
        assert refused.json()["forbidden"]["message"] == (
            "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be "
            "performed.")
        everyone = nova(api_server, "GET", "/servers/detail?all_tenants", admin).json()
        assert {s["id"] for s in everyone["servers"]} >= set(ids)
        # A member does not see the host attributes.
        own = nova(api_server, "POST", "/servers", member, body={"server": {
            "name": "member-own", "imageRef": image_id, "flavorRef": "1",
            "networks": "none"}}).json()["server"]["id"]
        shown = nova(api_server, "GET", f"/servers/{own}", member).json()["server"]
        assert "OS-EXT-SRV-ATTR:host" not in shown and "host_status" not in shown
        assert shown["OS-EXT-SRV-ATTR:hostname"] == "member-own"
        assert nova(api_server, "DELETE", f"/servers/{own}", member).status_code == 204
    finally:
        for server_id in ids:
            nova(api_server, "DELETE", f"/servers/{server_id}", admin)


MALFORMED_SERVERS: list[tuple[dict[str, Any], str]] = [
    ({"server": {"name": "x", "flavorRef": "1"}},
     "Invalid input for field/attribute server. Value: {'name': 'x', 'flavorRef': '1'}. "
     "'networks' is a required property"),
    ({"server": {"name": "x", "flavorRef": "1", "networks": "auto", "imageRef": "nope"}},
     "Invalid input for field/attribute imageRef. Value: nope. 'nope' is not valid under "
     "any of the given schemas"),
    ({"server": {"name": "x", "flavorRef": "nope", "networks": "auto",
                 "imageRef": str(uuid.UUID(int=1))}}, "Flavor nope could not be found."),
    ({"server": {"name": 5, "flavorRef": "1", "networks": "auto"}},
     "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'"),
    ({"server": {"name": "x", "flavorRef": "1", "networks": "auto", "color": "red"}},
     "Invalid input for field/attribute server. Value: {'name': 'x', 'flavorRef': '1', "
     "'networks': 'auto', 'color': 'red'}. Additional properties are not allowed ('color' "
     "was unexpected)"),
    ({"server": {"name": "x", "flavorRef": "1", "networks": [{"uuid": "not-a-uuid"}],
                 "imageRef": "{image}"}},
     "Bad networks format: network uuid is not in proper format (not-a-uuid)"),
    ({"server": {"name": "x", "flavorRef": "1", "networks": "auto", "imageRef": "{image}",
                 "user_data": "%%%"}},
     "Invalid input for field/attribute user_data. Value: %%%. '%%%' is not a 'base64'"),
    ({"server": {"name": "x" * 300, "flavorRef": "1", "networks": "auto"}}, ""),
    ({"server": {"name": "x", "flavorRef": "1", "networks": "auto", "imageRef": "{image}",
                 "availability_zone": "bogus"}},
     "The requested availability zone is not available"),
]


@pytest.mark.parametrize(("body", "message"), MALFORMED_SERVERS)
def test_malformed_server_bodies(api_server: ApiServer, admin: str, image_id: str,
                                 body: dict[str, Any], message: str) -> None:
    server = body["server"]
    if server.get("imageRef") == "{image}":
        body = {"server": {**server, "imageRef": image_id}}
    before = api_server.records()
    answer = nova(api_server, "POST", "/servers", admin, body=body)
    assert answer.status_code == 400, answer.text
    if message:
        assert answer.json() == {"badRequest": {"code": 400, "message": message}}
    assert api_server.records() == before


def test_keypairs(api_server: ApiServer, admin: str) -> None:
    public = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHgTUaXfFIXH1KEK+9hGjKEtdizO7h+Z3iHHSOd6"
              "/Rzg root@vm\n")
    made = nova(api_server, "POST", "/os-keypairs", admin, version="2.10",
                body={"keypair": {"name": "kp", "public_key": public}})
    assert made.status_code == 201
    body = made.json()["keypair"]
    assert body["fingerprint"] == "77:df:61:aa:f9:43:ae:81:d2:57:31:e9:91:b5:08:0a"
    assert sorted(body) == ["fingerprint", "name", "public_key", "type", "user_id"]
    shown = nova(api_server, "GET", "/os-keypairs/kp", admin, version="2.10").json()["keypair"]
    assert shown["deleted"] is False and isinstance(shown["id"], int)
    listed = nova(api_server, "GET", "/os-keypairs", admin, version="2.10").json()
    assert listed == {"keypairs": [{"keypair": {
        "name": "kp", "public_key": public, "fingerprint": body["fingerprint"],
        "type": "ssh"}}]}
    # Before 2.92 Nova makes the pair itself and answers the private key once.
    generated = nova(api_server, "POST", "/os-keypairs", admin, version=None,
                     body={"keypair": {"name": "made"}})
    assert generated.status_code == 200
    assert generated.json()["keypair"]["private_key"].startswith("-----BEGIN RSA PRIVATE KEY")
    assert nova(api_server, "POST", "/os-keypairs", admin, body={"keypair": {
        "name": "nokey"}}).status_code == 400
    user = api_server.ostack("user", "show", "admin", "-f", "value", "-c", "id").stdout.strip()
    missing = nova(api_server, "GET", "/os-keypairs/nope", admin)
    assert missing.json() == {"itemNotFound": {
        "code": 404, "message": f"Keypair nope not found for user {user}"}}
    assert nova(api_server, "DELETE", "/os-keypairs/kp", admin, version="2.10").status_code \
        == 204
    assert nova(api_server, "DELETE", "/os-keypairs/made", admin, version=None).status_code \
        == 202


def test_limits_and_quotas(api_server: ApiServer, admin: str, member: str) -> None:
    limits = nova(api_server, "GET", "/limits", member, version=None).json()["limits"]
    assert limits["rate"] == []
    absolute = limits["absolute"]
    assert absolute["maxTotalInstances"] == 10 and absolute["maxTotalCores"] == 20
    assert absolute["maxSecurityGroups"] == -1 and "totalRAMUsed" in absolute
    assert "maxSecurityGroups" not in nova(api_server, "GET", "/limits", member).json()[
        "limits"]["absolute"]
    demo_id = api_server.ostack("project", "show", "demo", "-f", "value", "-c", "id") \
        .stdout.strip()
    quota = nova(api_server, "GET", f"/os-quota-sets/{demo_id}", member, version="2.56").json()
    assert quota == {"quota_set": {
        "id": demo_id, "cores": 20, "injected_file_content_bytes": 10240,
        "injected_file_path_bytes": 255, "injected_files": 5, "instances": 10,
        "key_pairs": 100, "metadata_items": 128, "ram": 51200, "server_group_members": 10,
        "server_groups": 10}}
    refused = nova(api_server, "PUT", f"/os-quota-sets/{demo_id}", member,
                   body={"quota_set": {"instances": 3}})
    assert refused.status_code == 403
    changed = nova(api_server, "PUT", f"/os-quota-sets/{demo_id}", admin,
                   body={"quota_set": {"instances": 3}})
    assert changed.json()["quota_set"]["instances"] == 3
    assert "id" not in changed.json()["quota_set"]
    detail = nova(api_server, "GET", f"/os-quota-sets/{demo_id}/detail", admin).json()
    assert detail["quota_set"]["instances"] == {"in_use": 0, "limit": 3, "reserved": 0}
    nova(api_server, "PUT", f"/os-quota-sets/{demo_id}", admin,
         body={"quota_set": {"instances": 10}})


def test_hosts_zones_and_groups(api_server: ApiServer, admin: str, member: str) -> None:
    hypervisors = nova(api_server, "GET", "/os-hypervisors/detail", admin,
                       version="2.88").json()["hypervisors"]
    assert len(hypervisors) == 1
    assert sorted(hypervisors[0]) == ["host_ip", "hypervisor_hostname", "hypervisor_type",
                                      "hypervisor_version", "id", "service", "state",
                                      "status", "uptime"]
    assert "vcpus" in nova(api_server, "GET", "/os-hypervisors/detail", admin,
                           version="2.1").json()["hypervisors"][0]
    refused = nova(api_server, "GET", "/os-hypervisors", member)
    assert refused.json() == {"forbidden": {"code": 403, "message": (
        "Policy doesn't allow os_compute_api:os-hypervisors:list to be performed.")}}
    zones = nova(api_server, "GET", "/os-availability-zone", member).json()
    assert {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None} in zones[
        "availabilityZoneInfo"]
    group = nova(api_server, "POST", "/os-server-groups", admin, version="2.64",
                 body={"server_group": {"name": "spread", "policy": "anti-affinity"}})
    assert group.status_code == 200, group.text
    body = group.json()["server_group"]
    assert (body["policy"], body["rules"], body["members"]) == ("anti-affinity", {}, [])
    old = nova(api_server, "GET", f"/os-server-groups/{body['id']}", admin, version="2.1")
    assert old.json()["server_group"]["policies"] == ["anti-affinity"]
    assert nova(api_server, "DELETE", f"/os-server-groups/{body['id']}", admin).status_code \
        == 204
    assert nova(api_server, "GET", f"/os-server-groups/{body['id']}", admin).json() == {
        "itemNotFound": {"code": 404,
                         "message": f"Instance group {body['id']} could not be found."}}


def test_services_and_aggregates(api_server: ApiServer, admin: str) -> None:
    services = nova(api_server, "GET", "/os-services", admin).json()["services"]
    compute = [s for s in services if s["binary"] == "nova-compute"]
    assert len(compute) == 1
    assert sorted(compute[0]) == ["binary", "disabled_reason", "forced_down", "host", "id",
                                  "state", "status", "updated_at", "zone"]
    assert compute[0]["zone"] == "nova"
    made = api_server.ostack("aggregate", "create", "rack1", "-f", "json")
    assert made.returncode == 0, made.stderr
    aggregates = nova(api_server, "GET", "/os-aggregates", admin).json()["aggregates"]
    assert [a["name"] for a in aggregates] == ["rack1"]
    assert isinstance(aggregates[0]["id"], int) and aggregates[0]["deleted"] is False
    shown = nova(api_server, "GET", f"/os-aggregates/{aggregates[0]['id']}", admin).json()
    assert shown["aggregate"]["uuid"] == aggregates[0]["uuid"]
    assert nova(api_server, "GET", "/os-aggregates/999", admin).json() == {
        "itemNotFound": {"code": 404, "message": "Aggregate 999 could not be found."}}


def test_quota_force_and_a_revert_below_usage(api_server: ApiServer, admin: str) -> None:
    project = api_server.ostack("project", "show", "admin", "-f", "value", "-c", "id") \
        .stdout.strip()
    path = f"/os-quota-sets/{project}"
    assert nova(api_server, "PUT", path, admin,
                body={"quota_set": {"server_groups": 12}}).status_code == 200
    made = [nova(api_server, "POST", "/os-server-groups", admin, version="2.64", body={
        "server_group": {"name": f"q{i}", "policy": "affinity"}}).json()["server_group"]["id"]
        for i in range(11)]
    try:
        below = nova(api_server, "PUT", path, admin, body={"quota_set": {"server_groups": 5}})
        assert below.status_code == 400
        assert below.json()["badRequest"]["message"] == (
            "Quota limit 5 for server_groups must be greater than or equal to already used "
            "and reserved 11.")
        forced = nova(api_server, "PUT", path, admin,
                      body={"quota_set": {"server_groups": 5, "force": "True"}})
        assert forced.json()["quota_set"]["server_groups"] == 5
        # A revert to the defaults (10) is taken whatever the project uses.
        assert nova(api_server, "DELETE", path, admin).status_code == 202
        assert nova(api_server, "GET", path, admin).json()["quota_set"]["server_groups"] == 10
    finally:
        for group_id in made:
            nova(api_server, "DELETE", f"/os-server-groups/{group_id}", admin)
