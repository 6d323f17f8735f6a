"""Nova's ``os-simple-tenant-usage`` through ``ostack api serve``: live and deleted servers
counted as Nova counts them (nova/api/openstack/compute/simple_tenant_usage.py), paging
from 2.40, Nova's 400s and policy (the shapes as realstack answers them)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api.conftest import ApiServer
from tests.api.test_clients import local, real
from tests.api.test_nova import boot, nova

START = "2020-01-01T00:00:00"
WIRE_TIME = "%Y-%m-%dT%H:%M:%S.%f"


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token()


@pytest.fixture(scope="module")
def member(api_server: ApiServer) -> str:
    return api_server.token("demo", "demo")


def project_id(api_server: ApiServer, token: str, name: str) -> str:
    answer = api_server.request("GET", f"/v3/projects?name={name}", token=token)
    return str(answer.json()["projects"][0]["id"])


def wait_active(api_server: ApiServer, token: str, server_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        server = nova(api_server, "GET", f"/servers/{server_id}", token).json()["server"]
        if server["status"] == "ACTIVE" or time.monotonic() > deadline:
            assert server["status"] == "ACTIVE", server
            return dict(server)
        time.sleep(0.2)


@pytest.fixture(scope="module")
def servers(api_server: ApiServer, admin: str) -> dict[str, str]:
    """One live server and one deleted one, in the admin project."""
    image = api_server.image(admin, visibility="public")
    network = api_server.request("GET", "/network/v2.0/networks?name=private",
                                 token=admin).json()["networks"][0]["id"]
    live = boot(api_server, admin, image, network, "usage-live")
    gone = boot(api_server, admin, image, network, "usage-gone")
    for server_id in (live, gone):
        wait_active(api_server, admin, server_id)
    assert nova(api_server, "DELETE", f"/servers/{gone}", admin).status_code == 204
    deadline = time.monotonic() + 120
    while nova(api_server, "GET", f"/servers/{gone}", admin).status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    return {"live": live, "gone": gone}


def usage(api_server: ApiServer, token: str, path: str = "", *, version: str = "2.1",
          query: str = f"start={START}") -> requests.Response:
    return nova(api_server, "GET", f"/os-simple-tenant-usage{path}?{query}", token,
                version=version)


def test_a_project_usage_counts_live_and_deleted_servers(
        api_server: ApiServer, admin: str, servers: dict[str, str]) -> None:
    project = project_id(api_server, admin, "admin")
    answer = usage(api_server, admin, f"/{project}")
    assert answer.status_code == 200, answer.text
    body = answer.json()["tenant_usage"]
    assert list(body) == ["tenant_id", "server_usages", "total_local_gb_usage",
                          "total_vcpus_usage", "total_memory_mb_usage", "total_hours",
                          "start", "stop"]
    assert body["tenant_id"] == project
    assert body["start"] == "2020-01-01T00:00:00.000000"
    stop = datetime.strptime(body["stop"], WIRE_TIME)  # an end in the future is cut to now
    assert abs(stop - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=5)
    by_id = {u["instance_id"]: u for u in body["server_usages"]}
    assert list(by_id) == sorted(by_id)  # ordered by server ID within the project
    live, gone = by_id[servers["live"]], by_id[servers["gone"]]
    assert list(live) == ["hours", "flavor", "instance_id", "name", "tenant_id", "memory_mb",
                          "local_gb", "vcpus", "started_at", "ended_at", "state", "uptime"]
    assert (live["name"], live["flavor"], live["memory_mb"], live["local_gb"],
            live["vcpus"], live["state"], live["ended_at"]) == (
        "usage-live", "m1.tiny", 512, 1, 1, "active", None)
    assert gone["state"] == "terminated"
    ended = datetime.strptime(gone["ended_at"], WIRE_TIME)
    started = datetime.strptime(gone["started_at"], WIRE_TIME)
    assert started.microsecond == 0 and ended.microsecond == 0  # to the second, as Nova's DB
    assert gone["uptime"] == int((ended - started).total_seconds())
    assert gone["hours"] == pytest.approx((ended - started).total_seconds() / 3600)
    hours = sum(u["hours"] for u in body["server_usages"])
    assert body["total_hours"] == pytest.approx(hours)
    assert body["total_memory_mb_usage"] == pytest.approx(512 * hours)
    assert body["total_vcpus_usage"] == pytest.approx(hours)


def test_every_project_usage_and_its_pages(api_server: ApiServer, admin: str,
                                           servers: dict[str, str]) -> None:
    plain = usage(api_server, admin).json()
    assert "server_usages" not in plain["tenant_usages"][0]
    assert "tenant_usages_links" not in plain
    detailed = usage(api_server, admin, query=f"start={START}&detailed=1").json()
    ids = [u["instance_id"] for t in detailed["tenant_usages"] for u in t["server_usages"]]
    assert sorted(servers.values()) == sorted(ids)
    first = usage(api_server, admin, version="2.40",
                  query=f"start={START}&detailed=1&limit=1").json()
    [only] = [u["instance_id"] for t in first["tenant_usages"] for u in t["server_usages"]]
    [link] = first["tenant_usages_links"]
    assert link["rel"] == "next"
    assert link["href"].startswith(api_server.url("/compute/v2.1/os-simple-tenant-usage?"))
    assert link["href"].endswith(  # sorted by name, then the marker
        f"?detailed=1&limit=1&start=2020-01-01T00%3A00%3A00&marker={only}")
    rest = requests.get(link["href"], headers={"X-Auth-Token": admin,
                                               "OpenStack-API-Version": "compute 2.40"},
                        timeout=30).json()
    after = [u["instance_id"] for t in rest["tenant_usages"] for u in t["server_usages"]]
    assert [only, *after] == sorted(ids)
    bad_marker = usage(api_server, admin, version="2.40", query="marker=nope")
    assert bad_marker.status_code == 400
    assert bad_marker.json() == {"badRequest": {
        "code": 400, "message": "Marker nope could not be found."}}


def test_dates_are_checked(api_server: ApiServer, admin: str) -> None:
    garbled = usage(api_server, admin, query="start=yesterday")
    assert garbled.status_code == 400
    assert garbled.json()["badRequest"]["message"] == (
        "Invalid datetime string: Datetime is in invalid format")
    backwards = usage(api_server, admin,
                      query="start=2030-01-01T00:00:00&end=2029-01-01T00:00:00")
    assert backwards.status_code == 400
    assert backwards.json()["badRequest"]["message"] == (
        "Invalid start time. The start time cannot occur after the end time.")


def test_members_see_their_own_project_only(api_server: ApiServer, admin: str,
                                            member: str, servers: dict[str, str]) -> None:
    everyone = usage(api_server, member)
    assert everyone.status_code == 403
    assert everyone.json()["forbidden"]["message"] == (
        "Policy doesn't allow os_compute_api:os-simple-tenant-usage:list to be performed.")
    other = usage(api_server, member, f"/{project_id(api_server, admin, 'admin')}")
    assert other.status_code == 403
    own = usage(api_server, member, f"/{project_id(api_server, admin, 'demo')}")
    assert own.status_code == 200
    assert own.json() == {"tenant_usage": {}}  # no server ran in demo


def test_the_real_clients_usage_commands_equal_ostacks_own(
        api_server: ApiServer, servers: dict[str, str], real_openstack: Path) -> None:
    """``usage list/show`` through ``ostack api`` and on the store directly: the same rows
    (the live server's hours grow between the two runs, by a second or so)."""
    period = ("--start", "2020-01-01", "--end", "2099-01-01")
    through_api = real(api_server, real_openstack, "usage", "list", *period)
    own = local(api_server, "usage", "list", *period)
    assert [_fixed(row) for row in through_api] == [_fixed(row) for row in own]
    assert [row["CPU Hours"] for row in own] == pytest.approx(
        [row["CPU Hours"] for row in through_api], abs=0.01)

    through_api = real(api_server, real_openstack, "usage", "show", *period)
    own = local(api_server, "usage", "show", *period)
    assert _fixed(through_api) == _fixed(own)
    moving = ("hours", "uptime")
    assert [{k: v for k, v in s.items() if k not in moving} for s in through_api["Servers"]] == [
        {k: v for k, v in s.items() if k not in moving} for s in own["Servers"]]
    assert own["CPU Hours"] == pytest.approx(through_api["CPU Hours"], abs=0.01)


def _fixed(row: dict[str, Any]) -> dict[str, Any]:
    """A usage row without its totals, which grow while a server runs."""
    return {"Project": row["Project"],
            "Servers": None if row["Servers"] is None else len(row["Servers"])}
