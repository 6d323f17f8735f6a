"""API extension lists through ``ostack api serve`` (the audit of issue 10 found Nova's and
Cinder's missing: the real client's ``extension list`` warned "Extensions list not supported
by Compute API" and "... Block Storage API"): Nova's fixed list
(nova/api/openstack/compute/extension_info.py) and Cinder's (cinder/api/extensions.py), the
same as ``ostack`` lists on the local backend."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.api.conftest import ApiServer


def real(api_server: ApiServer, binary: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(api_server.clouds_yaml),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    return subprocess.run([str(binary), "--os-cloud", "ostack", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)


def test_real_client_extension_list(api_server: ApiServer, real_openstack: Path) -> None:
    through_api = real(api_server, real_openstack, "extension", "list", "--long", "-f", "json")
    assert (through_api.returncode, through_api.stderr) == (0, "")
    on_the_store = api_server.ostack("extension", "list", "--long", "-f", "json")
    assert on_the_store.returncode == 0, on_the_store.stderr
    listed: list[dict[str, Any]] = json.loads(through_api.stdout)
    assert listed == json.loads(on_the_store.stdout)
    aliases = {row["Alias"] for row in listed}
    assert {"OS-DCF", "os-vol-image-meta", "router"} <= aliases


def test_extension_bodies(api_server: ApiServer) -> None:
    token = api_server.token("demo", "demo")
    nova = api_server.request("GET", "/compute/v2.1/extensions", token=token)
    assert nova.status_code == 200
    first = nova.json()["extensions"][0]
    assert sorted(first) == ["alias", "description", "links", "name", "namespace", "updated"]
    shown = api_server.request("GET", f"/compute/v2.1/extensions/{first['alias']}", token=token)
    assert shown.json() == {"extension": first}
    missing = api_server.request("GET", "/compute/v2.1/extensions/nope", token=token)
    assert missing.status_code == 404
    assert missing.json() == {"itemNotFound": {
        "code": 404, "message": "The resource could not be found."}}

    project = api_server.ostack("project", "show", "demo", "-f", "value", "-c", "id")
    for path in ("/volume/v3/extensions", f"/volume/v3/{project.stdout.strip()}/extensions"):
        cinder = api_server.request("GET", path, token=token)
        assert cinder.status_code == 200, cinder.text
        entry = cinder.json()["extensions"][0]
        assert sorted(entry) == ["alias", "description", "links", "name", "updated"]
