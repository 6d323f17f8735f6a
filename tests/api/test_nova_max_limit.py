"""Nova's ``[api] max_limit``: no page of servers is longer than 1,000, asked or not, and a full
page links to the next (nova/api/openstack/common.py ``get_limit_and_marker``)."""

from __future__ import annotations

import os
import subprocess
import sys

import requests

from tests.api.conftest import NOVA_LATEST, ApiServer
from tests.api.test_nova import boot, nova

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVERS = 1001


def test_pages_stop_at_max_limit(api_server: ApiServer) -> None:
    admin = api_server.token()
    image_id = api_server.image(admin, visibility="public")
    networks = api_server.request("GET", "/network/v2.0/networks?name=private", token=admin)
    boot(api_server, admin, image_id, networks.json()["networks"][0]["id"], "original")
    # Copies of that server's records (the scale bench's seed): 1,001 servers in all.
    subprocess.run([sys.executable, "-m", "benchmarks.scale_seed", str(SERVERS), str(SERVERS)],
                   env={**api_server.env, "PYTHONPATH": REPO}, cwd=REPO, check=True,
                   timeout=300)
    first = nova(api_server, "GET", "/servers", admin).json()
    assert len(first["servers"]) == 1000
    link = first["servers_links"][0]
    assert link["rel"] == "next" and link["href"].endswith(
        f"marker={first['servers'][-1]['id']}")
    rest = requests.get(link["href"], headers={"X-Auth-Token": admin, **NOVA_LATEST},
                        timeout=60).json()
    assert len(rest["servers"]) == 1 and "servers_links" not in rest
    asked = nova(api_server, "GET", "/servers/detail?limit=5000", admin).json()
    assert len(asked["servers"]) == 1000 and asked["servers_links"][0]["href"].endswith(
        f"limit=5000&marker={asked['servers'][-1]['id']}")
