"""Neutron through ``ostack api serve`` beside ``ostack`` on the local backend (the audit of
issue 10): the real client's ``router list --long`` has a zones column only where Neutron
lists ``router_availability_zone`` and its ``port show`` prints "" for hints without the
port-hints extension; the local backend has neither, and ``ostack`` now prints the same."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.api.conftest import ApiServer


def real(api_server: ApiServer, binary: Path, *args: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(api_server.clouds_yaml),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    done = subprocess.run([str(binary), "--os-cloud", "ostack", *args, "-f", "json"],
                          capture_output=True, text=True, env=env, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def local(api_server: ApiServer, *args: str) -> Any:
    done = api_server.ostack(*args, "-f", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_router_list_long_and_port_show(api_server: ApiServer, real_openstack: Path) -> None:
    assert local(api_server, "router", "create", "audited")["name"] == "audited"
    port = local(api_server, "port", "create", "--network", "private", "audited")
    routers = real(api_server, real_openstack, "router", "list", "--long")
    assert "Availability zones" not in routers[0]
    assert routers == local(api_server, "router", "list", "--long")
    shown = real(api_server, real_openstack, "port", "show", port["id"])
    assert shown["hints"] == ""
    assert shown == local(api_server, "port", "show", port["id"])
