"""Nova's admin APIs through ``ostack api serve``: aggregates, compute services, the
deprecated os-hosts, and migrations (the records, a server's migrations, the actions that
start one), with Nova's bodies, statuses and policy refusals (nova/api/openstack/compute/
aggregates.py, services.py, hosts.py, migrations.py, server_migrations.py,
migrate_server.py, evacuate.py; realstack's answers)."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from tests.api.conftest import ApiServer
from tests.api.test_nova import boot, nova


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


@pytest.fixture(scope="module")
def member(api_server: ApiServer) -> str:
    return api_server.token("demo", "demo")


def _refused(answer: Any, rule: str) -> None:
    assert answer.status_code == 403, answer.text
    assert answer.json() == {"forbidden": {
        "code": 403, "message": f"Policy doesn't allow {rule} to be performed."}}


def test_aggregates(api_server: ApiServer, admin: str, member: str) -> None:
    made = nova(api_server, "POST", "/os-aggregates", admin,
                body={"aggregate": {"name": "rack9", "availability_zone": "zone9"}})
    assert made.status_code == 200, made.text
    body = made.json()["aggregate"]
    assert sorted(body) == ["availability_zone", "created_at", "deleted", "deleted_at", "id",
                            "name", "updated_at", "uuid"]
    ident = body["id"]
    assert nova(api_server, "POST", "/os-aggregates", admin, body={
        "aggregate": {"name": "rack9"}}).json() == {
        "conflict": {"code": 409, "message": "Aggregate rack9 already exists."}}
    renamed = nova(api_server, "PUT", f"/os-aggregates/{ident}", admin,
                   body={"aggregate": {"name": "rack10"}}).json()["aggregate"]
    assert renamed["name"] == "rack10" and renamed["uuid"] == body["uuid"]
    added = nova(api_server, "POST", f"/os-aggregates/{ident}/action", admin,
                 body={"add_host": {"host": "localhost"}}).json()["aggregate"]
    assert added["hosts"] == ["localhost"] and added["uuid"] == body["uuid"]
    old = nova(api_server, "POST", f"/os-aggregates/{ident}/action", admin, version="2.1",
               body={"set_metadata": {"metadata": {"ssd": "true"}}}).json()["aggregate"]
    assert "uuid" not in old
    assert old["metadata"] == {"availability_zone": "zone9", "ssd": "true"}
    not_empty = nova(api_server, "DELETE", f"/os-aggregates/{ident}", admin)
    assert not_empty.json() == {"badRequest": {"code": 400, "message": (
        f"Cannot remove host from aggregate {ident}. Reason: Host aggregate is not empty.")}}
    assert nova(api_server, "POST", f"/os-aggregates/{ident}/action", admin,
                body={"remove_host": {"host": "nohost"}}).json() == {"itemNotFound": {
                    "code": 404, "message": f"Cannot remove host nohost in aggregate {ident}"}}
    removed = nova(api_server, "POST", f"/os-aggregates/{ident}/action", admin,
                   body={"remove_host": {"host": "localhost"}}).json()["aggregate"]
    assert removed["hosts"] == []
    cached = nova(api_server, "POST", f"/os-aggregates/{ident}/images", admin,
                  body={"cache": [{"id": "3f1e7c4e-7c4a-4f44-a3b3-8a2f3c9d6a11"}]})
    assert cached.status_code == 202
    assert nova(api_server, "POST", f"/os-aggregates/{ident}/images", admin, version="2.80",
                body={"cache": []}).status_code == 404
    assert nova(api_server, "GET", "/os-aggregates/x", admin).json() == {"badRequest": {
        "code": 400, "message": "Invalid input received: id must be an integer"}}
    _refused(nova(api_server, "POST", "/os-aggregates", member,
                  body={"aggregate": {"name": "mine"}}), "os_compute_api:os-aggregates:create")
    before = api_server.records()
    _refused(nova(api_server, "DELETE", f"/os-aggregates/{ident}", member),
             "os_compute_api:os-aggregates:delete")
    assert api_server.records() == before
    assert nova(api_server, "DELETE", f"/os-aggregates/{ident}", admin).status_code == 200
    assert nova(api_server, "GET", f"/os-aggregates/{ident}", admin).status_code == 404


def test_services_and_hosts(api_server: ApiServer, admin: str, member: str) -> None:
    services = nova(api_server, "GET", "/os-services?binary=nova-compute",
                    admin).json()["services"]
    compute = services[0]
    disabled = nova(api_server, "PUT", f"/os-services/{compute['id']}", admin,
                    body={"status": "disabled", "disabled_reason": "maintenance"})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["service"]["status"] == "disabled"
    assert disabled.json()["service"]["disabled_reason"] == "maintenance"
    assert nova(api_server, "PUT", f"/os-services/{compute['id']}", admin, body={}).json() == {
        "badRequest": {"code": 400, "message": "No updates were requested. Fields 'status' "
                       "or 'forced_down' should be specified."}}
    enabled = nova(api_server, "PUT", "/os-services/enable", admin, version="2.11",
                   body={"host": "localhost", "binary": "nova-compute"})
    assert enabled.json() == {"service": {"host": "localhost", "binary": "nova-compute",
                                          "status": "enabled"}}
    assert nova(api_server, "PUT", "/os-services/enable", admin, version="2.11",
                body={"host": "elsewhere", "binary": "nova-compute"}).json() == {
        "itemNotFound": {"code": 404,
                         "message": "Could not find binary nova-compute on host elsewhere."}}
    assert nova(api_server, "PUT", "/os-services/bogus", admin, version="2.11",
                body={"host": "localhost", "binary": "nova-compute"}).json() == {
        "itemNotFound": {"code": 404, "message": "Unknown action"}}
    assert nova(api_server, "DELETE", "/os-services/not-a-uuid", admin).json() == {
        "badRequest": {"code": 400, "message": "Invalid uuid not-a-uuid"}}
    _refused(nova(api_server, "PUT", f"/os-services/{compute['id']}", member,
                  body={"status": "enabled"}), "os_compute_api:os-services:update")

    hosts = nova(api_server, "GET", "/os-hosts", admin, version="2.42").json()["hosts"]
    assert {"host_name": "localhost", "service": "compute", "zone": "nova"} in hosts
    shown = nova(api_server, "GET", "/os-hosts/localhost", admin, version="2.1").json()
    assert [r["resource"]["project"] for r in shown["host"]][:3] == [
        "(total)", "(used_now)", "(used_max)"]
    assert nova(api_server, "GET", "/os-hosts", admin).status_code == 404  # gone at 2.43
    updated = nova(api_server, "PUT", "/os-hosts/localhost", admin, version="2.1",
                   body={"status": "enable"})
    assert updated.json() == {"host": {"host": "localhost", "status": "enabled"}}
    assert nova(api_server, "PUT", "/os-hosts/localhost", admin, version="2.1",
                body={"maintenance_mode": "enable"}).json() == {"notImplemented": {
                    "code": 501, "message": "The requested functionality is not supported."}}
    _refused(nova(api_server, "GET", "/os-hosts", member, version="2.1"),
             "os_compute_api:os-hosts:list")


def test_migrations(api_server: ApiServer, admin: str, member: str) -> None:
    image = api_server.image(admin, name="mig-image", visibility="public")
    network = api_server.request("GET", "/network/v2.0/networks?name=private",
                                 token=admin).json()["networks"][0]["id"]
    server_id = boot(api_server, admin, image, network, "mig1")
    api_server.ostack("server", "show", server_id, "--wait")  # until ACTIVE
    assert nova(api_server, "POST", f"/servers/{server_id}/action", admin,
                body={"migrate": None}).status_code == 202
    live = nova(api_server, "POST", f"/servers/{server_id}/action", admin,
                body={"os-migrateLive": {"host": None, "block_migration": "auto"}})
    assert live.json() == {"badRequest": {
        "code": 400, "message": "No valid host was found. There are not enough hosts "
                                "available."}}
    listed = nova(api_server, "GET", "/os-migrations", admin).json()
    assert [(m["migration_type"], m["status"]) for m in listed["migrations"]] == [
        ("live-migration", "error"), ("migration", "error")]
    cold = listed["migrations"][1]
    assert sorted(cold) == [
        "created_at", "dest_compute", "dest_host", "dest_node", "id", "instance_uuid",
        "migration_type", "new_instance_type_id", "old_instance_type_id", "project_id",
        "source_compute", "source_node", "status", "updated_at", "user_id", "uuid"]
    assert (cold["instance_uuid"], cold["source_compute"], cold["old_instance_type_id"]) == (
        server_id, "localhost", 1)
    old = nova(api_server, "GET", "/os-migrations", admin, version="2.1").json()
    assert [m["id"] for m in old["migrations"]] == [cold["id"], cold["id"] + 1]
    assert "migration_type" not in old["migrations"][0]
    paged = nova(api_server, "GET", "/os-migrations?limit=1", admin).json()
    assert len(paged["migrations"]) == 1 and "marker=" in paged["migrations_links"][0]["href"]
    assert nova(api_server, "GET", "/os-migrations?marker=nope", admin).json() == {
        "badRequest": {"code": 400, "message": "Marker nope could not be found."}}
    typed = nova(api_server, "GET", "/os-migrations?migration_type=migration", admin).json()
    assert [m["id"] for m in typed["migrations"]] == [cold["id"]]

    base = f"/servers/{server_id}/migrations"
    assert nova(api_server, "GET", base, admin).json() == {"migrations": []}
    assert nova(api_server, "GET", f"{base}/{cold['id']}", admin).json() == {"itemNotFound": {
        "code": 404, "message": f"Migration {cold['id']} for server {server_id} is not "
                                "live-migration."}}
    assert nova(api_server, "DELETE", f"{base}/{cold['id']}", admin).json() == {"conflict": {
        "code": 409, "message": f"Instance {server_id} is in an invalid state for 'abort live "
                                "migration'"}}
    assert nova(api_server, "POST", f"{base}/{cold['id']}/action", admin,
                body={"force_complete": None}).json() == {"conflict": {
                    "code": 409, "message": f"Instance {server_id} is in an invalid state for "
                                            "'force_complete'"}}
    assert nova(api_server, "POST", f"/servers/{server_id}/action", admin,
                body={"evacuate": {}}).json() == {"badRequest": {
                    "code": 400, "message": "Compute service of localhost is still in use."}}
    _refused(nova(api_server, "GET", "/os-migrations", member),
             "os_compute_api:os-migrations:index")

    # The real client through the API shows what ostack shows on the same store.
    assert _real(api_server, "server", "migration", "list", "-f", "json") == _local(
        api_server, "server", "migration", "list", "-f", "json")


# (method, path, microversion, body) and Nova's answer, as realstack gave them.
REALSTACK_ERRORS = [
    ("POST", "/os-aggregates", "2.80", {"aggregate": {}}, 400,
     "Invalid input for field/attribute aggregate. Value: {}. 'name' is a required property"),
    ("POST", "/os-aggregates", "2.80", {"aggregate": {"name": "x", "bogus": 1}}, 400,
     "Invalid input for field/attribute aggregate. Value: {'name': 'x', 'bogus': 1}. "
     "Additional properties are not allowed ('bogus' was unexpected)"),
    ("POST", "/os-aggregates/999/action", "2.80", {"add_host": {}}, 400,
     "Invalid input for field/attribute add_host. Value: {}. 'host' is a required property"),
    ("POST", "/os-aggregates/999/action", "2.80", {"bogus": {"host": "x"}}, 400,
     "There is no such action: bogus"),
    ("PUT", "/os-aggregates/999", "2.80", {"aggregate": {}}, 400,
     "Invalid input for field/attribute aggregate. Value: {}. {} is not valid under any of "
     "the given schemas"),
    ("PUT", "/os-aggregates/x", "2.80", {"aggregate": {"name": "y"}}, 400,
     "Invalid input received: id must be an integer"),
    ("DELETE", "/os-aggregates/999", "2.80", None, 404, "Aggregate 999 could not be found."),
    ("POST", "/os-aggregates/999/images", "2.80", {"cache": [{"id": "x"}]}, 404,
     "The resource could not be found."),
    ("POST", "/os-aggregates/999/images", "2.81", {"cache": [{"id": "x"}]}, 400,
     "Invalid input for field/attribute id. Value: x. 'x' is not a 'uuid'"),
    ("PUT", "/os-services/not-uuid", "2.80", {}, 400, "Invalid uuid not-uuid"),
    ("PUT", "/os-services/enable", "2.1", {"host": "x"}, 400,
     "'binary' is a required property"),
    ("PUT", "/os-services/disable-log-reason", "2.1", {"host": "x", "binary": "nova-compute"},
     400, "Missing disabled reason field"),
    ("PUT", "/os-services/force-down", "2.1", {"host": "x", "binary": "nova-compute"}, 404,
     "Unknown action"),
    ("PUT", "/os-services/force-down", "2.11", {"host": "x", "binary": "nova-compute"}, 400,
     "Missing forced_down field"),
    ("DELETE", "/os-services/abc", "2.1", None, 400,
     "Invalid input received: id must be an integer"),
    ("DELETE", "/os-services/12345", "2.1", None, 404, "Service 12345 not found."),
    ("GET", "/os-hosts", "2.43", None, 404, "The resource could not be found."),
    ("GET", "/os-hosts/nosuch", "2.1", None, 404, "Host 'nosuch' is not mapped to any cell"),
    ("PUT", "/os-hosts/localhost", "2.1", {}, 400,
     "{} is not valid under any of the given schemas"),
    ("GET", "/servers/x/migrations", "2.22", None, 404, "The resource could not be found."),
    ("POST", "/servers/5a5a5a5a-0000-4000-8000-000000000000/migrations/1/action", "2.80",
     {"force_complete": None}, 404,
     "Instance 5a5a5a5a-0000-4000-8000-000000000000 could not be found."),
    ("POST", "/servers/5a5a5a5a-0000-4000-8000-000000000000/migrations/1/action", "2.80",
     {"force_complete": 1}, 400,
     "Invalid input for field/attribute force_complete. Value: 1. 1 is not of type 'null'"),
    ("GET", "/os-migrations?limit=x", "2.80", None, 400,
     "Invalid input for query parameters limit. Value: x. 'x' does not match '^[0-9]*$'"),
    ("GET", "/os-migrations?foo=1&bar=2", "2.80", None, 400,
     "Additional properties are not allowed ('bar', 'foo' were unexpected)"),
    ("GET", "/os-migrations?changes-since=bad", "2.80", None, 400,
     "Invalid input for query parameters changes-since. Value: bad. 'bad' is not a "
     "'date-time'"),
]
KEYS = {400: "badRequest", 404: "itemNotFound"}


@pytest.mark.parametrize(("method", "path", "version", "body", "status", "message"),
                         REALSTACK_ERRORS)
def test_errors_as_nova_answers_them(api_server: ApiServer, admin: str, method: str,
                                     path: str, version: str, body: Any, status: int,
                                     message: str) -> None:
    answer = nova(api_server, method, path, admin, version=version, body=body)
    assert (answer.status_code, answer.json()) == (
        status, {KEYS[status]: {"code": status, "message": message}})


def test_member_refusals_name_the_route(api_server: ApiServer, member: str) -> None:
    _refused(nova(api_server, "DELETE", "/os-aggregates/x", member),
             "os_compute_api:os-aggregates:delete")
    # From 2.53 the ID is checked first.
    assert nova(api_server, "PUT", "/os-services/not-uuid", member,
                body={"status": "enabled"}).json() == {"badRequest": {
                    "code": 400, "message": "Invalid uuid not-uuid"}}


def test_real_client_admin_commands(api_server: ApiServer) -> None:
    """The real client's aggregate, host and compute service commands through the API: what
    they change, ostack sees; what they show, ostack shows."""
    assert _local(api_server, "aggregate", "create", "--property", "a=b", "rack20", "-f",
                  "json")["name"] == "rack20"
    added = _real(api_server, "aggregate", "add", "host", "rack20", "localhost", "-f", "json")
    assert added["hosts"] == ["localhost"]
    shown = _local(api_server, "aggregate", "show", "rack20", "-f", "json")
    # The action's answer (microversion 2.1 for openstacksdk) has no uuid; a show has.
    assert {**shown, "uuid": None} == added
    assert _real(api_server, "host", "show", "localhost", "-f", "json") == _local(
        api_server, "host", "show", "localhost", "-f", "json")
    assert _real(api_server, "compute", "service", "set", "--disable", "--disable-reason",
                 "maintenance", "localhost", "nova-compute") == ""
    compute = _local(api_server, "compute", "service", "list", "--service", "nova-compute",
                     "--long", "-f", "json")[0]
    assert (compute["Status"], compute["Disabled Reason"]) == ("disabled", "maintenance")


def _real(api_server: ApiServer, *args: str) -> Any:
    from tests.cloud.conftest import find_real_client

    binary, why = find_real_client()
    if binary is None:
        pytest.skip(f"the real client is not available: {why}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(api_server.clouds_yaml),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    done = subprocess.run([str(binary), "--os-cloud", "ostack", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if "json" in args else done.stdout


def _local(api_server: ApiServer, *args: str) -> Any:
    done = api_server.ostack(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
