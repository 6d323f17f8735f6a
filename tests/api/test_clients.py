"""The real python-openstackclient and openstacksdk against ``ostack api serve``: the same
answers as ``ostack`` gives on the local backend for the same store."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ApiServer

pytestmark = pytest.mark.slow


def real(api_server: ApiServer, binary: Path, *args: str, cloud: str = "ostack") -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(api_server.clouds_yaml),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    done = subprocess.run([str(binary), "--os-cloud", cloud, *args, "-f", "json"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def local(api_server: ApiServer, *args: str) -> Any:
    done = api_server.ostack(*args, "-f", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_real_client_identity(api_server: ApiServer, real_openstack: Path) -> None:
    token = real(api_server, real_openstack, "token", "issue")
    admin_project = local(api_server, "project", "show", "admin")
    admin_user = local(api_server, "user", "show", "admin")
    assert sorted(token) == ["expires", "id", "project_id", "user_id"]
    assert token["id"].startswith("gAAAAA")
    assert (token["project_id"], token["user_id"]) == (admin_project["id"], admin_user["id"])

    for command in (("project", "list"), ("user", "list"), ("role", "list"),
                    ("domain", "list"), ("role", "assignment", "list"),
                    ("role", "assignment", "list", "--names"),
                    ("project", "list", "--user", "demo"), ("project", "show", "demo"),
                    ("user", "show", "demo")):
        through_api = real(api_server, real_openstack, *command)
        on_the_store = local(api_server, *command)
        key = (lambda rows: sorted(rows, key=json.dumps)) if isinstance(through_api, list) \
            else (lambda row: row)
        assert key(through_api) == key(on_the_store), command

    catalog = real(api_server, real_openstack, "catalog", "list")
    assert sorted((c["Name"], c["Type"]) for c in catalog) == [
        ("cinder", "block-storage"), ("cinderv3", "volumev3"),
        ("glance", "image"), ("keystone", "identity"), ("neutron", "network"),
        ("nova", "compute"), ("placement", "placement")]
    compute = next(c for c in catalog if c["Type"] == "compute")
    assert {e["interface"] for e in compute["Endpoints"]} == {"public", "internal", "admin"}
    assert {e["url"] for e in compute["Endpoints"]} == {api_server.url("/compute/v2.1")}

    versions = real(api_server, real_openstack, "versions", "show")
    seen = {(v["Service Type"], v["Version"], v["Status"]) for v in versions}
    assert ("compute", "2.1", "CURRENT") in seen
    assert ("identity", "3.14", "CURRENT") in seen
    assert ("image", "2.17", "CURRENT") in seen
    assert ("network", "2.0", "CURRENT") in seen
    assert ("block-storage", "3.0", "CURRENT") in seen
    compute_21 = next(v for v in versions if v["Version"] == "2.1"
                      and v["Service Type"] == "compute")
    assert (compute_21["Min Microversion"], compute_21["Max Microversion"]) == ("2.1", "2.100")


def test_real_client_member(api_server: ApiServer, real_openstack: Path) -> None:
    """demo, a member: its own projects, and Keystone's refusal for admin calls."""
    projects = real(api_server, real_openstack, "project", "list", cloud="ostack-demo")
    assert [p["Name"] for p in projects] == ["demo"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    done = subprocess.run([str(real_openstack), "--os-cloud", "ostack-demo", "user", "list"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 1
    assert "You are not authorized to perform the requested action: identity:list_users." \
        in done.stderr
    assert done.stderr.startswith("ForbiddenException: 403: Client Error for url: ")


def test_openstacksdk_identity(api_server: ApiServer) -> None:
    import openstack

    os.environ["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    try:
        conn = openstack.connect(cloud="ostack")
        assert sorted(p.name for p in conn.identity.projects()) == ["admin", "demo"]
        assert sorted(u.name for u in conn.identity.users()) == ["admin", "demo"]
        assert {r.name for r in conn.identity.roles()} >= {"admin", "member", "reader"}
        assert [d.id for d in conn.identity.domains()] == ["default"]
        demo = conn.identity.find_user("demo")
        assert demo is not None
        assignments = list(conn.identity.role_assignments(user_id=demo.id))
        assert len(assignments) == 1
        project = conn.identity.create_project(name="sdk-made", description="x")
        assert conn.identity.get_project(project.id).description == "x"
        conn.identity.update_project(project, description="y")
        assert conn.identity.get_project(project.id).description == "y"
        conn.identity.delete_project(project)
        assert conn.identity.find_project("sdk-made") is None
        conn.close()
    finally:
        os.environ.pop("OS_CLIENT_CONFIG_FILE", None)
