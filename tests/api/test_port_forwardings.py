"""Neutron's floating IP port forwardings through ``ostack api serve``: list and show as
Horizon's Floating IPs page asks for them, and the real client's create, set and delete, each
answer the same as ``ostack`` gives on the store."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ApiServer
from tests.api.test_clients import local
from tests.api.test_walkthrough import quiet, same


def neutron(api_server: ApiServer, token: str, method: str, path: str,
            body: Any = None) -> Any:
    return api_server.request(method, "/network/v2.0" + path, token=token, json_body=body)


def test_a_floating_ips_port_forwardings(api_server: ApiServer) -> None:
    admin = api_server.token()
    network = neutron(api_server, admin, "GET", "/networks?name=private").json()[
        "networks"][0]["id"]
    external = neutron(api_server, admin, "GET", "/networks?name=External").json()[
        "networks"][0]["id"]
    port = neutron(api_server, admin, "POST", "/ports", {"port": {"network_id": network}})
    assert port.status_code == 201, port.text
    fixed_ip = port.json()["port"]["fixed_ips"][0]["ip_address"]
    fip = neutron(api_server, admin, "POST", "/floatingips",
                  {"floatingip": {"floating_network_id": external}})
    assert fip.status_code == 201, fip.text
    fip_id = fip.json()["floatingip"]["id"]
    assert neutron(api_server, admin, "GET", f"/floatingips/{fip_id}/port_forwardings").json(
    ) == {"port_forwardings": []}
    made = api_server.ostack("floating", "ip", "port", "forwarding", "create",
                             "--internal-ip-address", fixed_ip, "--port",
                             port.json()["port"]["id"], "--internal-protocol-port", "22",
                             "--external-protocol-port", "2222", "--protocol", "tcp",
                             "--description", "ssh", fip_id, "-f", "value", "-c", "id")
    assert made.returncode == 0, made.stderr
    pf_id = made.stdout.strip()
    expected = {"id": pf_id, "external_port": 2222, "internal_port": 22,
                "internal_ip_address": fixed_ip, "protocol": "tcp",
                "internal_port_id": port.json()["port"]["id"], "description": "ssh",
                "external_port_range": "2222:2222", "internal_port_range": "22:22"}
    listed = neutron(api_server, admin, "GET", f"/floatingips/{fip_id}/port_forwardings")
    assert listed.json() == {"port_forwardings": [expected]}
    filtered = neutron(api_server, admin, "GET",
                       f"/floatingips/{fip_id}/port_forwardings?protocol=udp")
    assert filtered.json() == {"port_forwardings": []}
    shown = neutron(api_server, admin, "GET",
                    f"/floatingips/{fip_id}/port_forwardings/{pf_id}")
    assert shown.json() == {"port_forwarding": expected}
    missing = neutron(api_server, admin, "GET",
                      f"/floatingips/{fip_id}/port_forwardings/nope")
    assert missing.status_code == 404
    assert missing.json()["NeutronError"]["message"] == (
        "Port Forwarding nope could not be found.")
    no_fip = neutron(api_server, admin, "GET", "/floatingips/nope/port_forwardings")
    assert no_fip.status_code == 404
    assert no_fip.json()["NeutronError"] == {
        "type": "FloatingIPNotFound", "message": "Floating IP nope could not be found",
        "detail": ""}
    # A member sees no other project's floating IP.
    demo = api_server.token("demo", "demo")
    hidden = neutron(api_server, demo, "GET", f"/floatingips/{fip_id}/port_forwardings")
    assert hidden.status_code == 404


def _forwarding_target(api_server: ApiServer, admin: str) -> tuple[str, str, str]:
    """A port on the private network and a floating IP on the external one."""
    network = neutron(api_server, admin, "GET", "/networks?name=private").json()[
        "networks"][0]["id"]
    external = neutron(api_server, admin, "GET", "/networks?name=External").json()[
        "networks"][0]["id"]
    port = neutron(api_server, admin, "POST", "/ports", {"port": {"network_id": network}})
    assert port.status_code == 201, port.text
    fip = neutron(api_server, admin, "POST", "/floatingips",
                  {"floatingip": {"floating_network_id": external}})
    assert fip.status_code == 201, fip.text
    return (port.json()["port"]["id"], port.json()["port"]["fixed_ips"][0]["ip_address"],
            fip.json()["floatingip"]["id"])


@pytest.mark.slow
def test_real_client_writes_port_forwardings(api_server: ApiServer,
                                             real_openstack: Path) -> None:
    admin = api_server.token()
    port_id, fixed_ip, fip_id = _forwarding_target(api_server, admin)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(api_server.clouds_yaml),
                "CLIFF_MAX_TERM_WIDTH": "0"})
    made = subprocess.run(
        [str(real_openstack), "--os-cloud", "ostack", "floating", "ip", "port", "forwarding",
         "create", "--internal-ip-address", fixed_ip, "--port", port_id,
         "--internal-protocol-port", "8000:8009", "--external-protocol-port", "9000:9009",
         "--protocol", "udp", "--description", "range", fip_id, "-f", "json"],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert made.returncode == 0, made.stderr
    pf_id = json.loads(made.stdout)["id"]
    assert same(api_server, real_openstack, "floating", "ip", "port", "forwarding", "show",
                fip_id, pf_id)["internal_port_range"] == "8000:8009"
    quiet(api_server, real_openstack, "floating", "ip", "port", "forwarding", "set",
          "--description", "moved", "--internal-protocol-port", "7000:7009",
          "--external-protocol-port", "6000:6009", fip_id, pf_id)
    shown = local(api_server, "floating", "ip", "port", "forwarding", "show", fip_id, pf_id)
    assert (shown["description"], shown["internal_port_range"],
            shown["external_port_range"]) == ("moved", "7000:7009", "6000:6009")
    assert same(api_server, real_openstack, "floating", "ip", "port", "forwarding", "list",
                fip_id)[0]["ID"] == pf_id
    # Neutron's own refusal, in its words, and nothing made.
    refused = subprocess.run(
        [str(real_openstack), "--os-cloud", "ostack", "floating", "ip", "port", "forwarding",
         "create", "--internal-ip-address", fixed_ip, "--port", port_id,
         "--internal-protocol-port", "22", "--external-protocol-port", "6005",
         "--protocol", "udp", fip_id], capture_output=True, text=True, env=env, timeout=120,
        check=False)
    assert refused.returncode == 1
    assert ("There is a port collision with the external_port_range. The following ranges "
            "collide: 6000:6009 and 6005:6005") in refused.stderr
    assert [pf["ID"] for pf in local(api_server, "floating", "ip", "port", "forwarding",
                                     "list", fip_id)] == [pf_id]
    quiet(api_server, real_openstack, "floating", "ip", "port", "forwarding", "delete",
          fip_id, pf_id)
    assert local(api_server, "floating", "ip", "port", "forwarding", "list", fip_id) == []


def test_port_forwarding_bodies_are_checked(api_server: ApiServer) -> None:
    admin = api_server.token()
    port_id, fixed_ip, fip_id = _forwarding_target(api_server, admin)
    path = f"/floatingips/{fip_id}/port_forwardings"
    good = {"internal_port_id": port_id, "internal_ip_address": fixed_ip,
            "protocol": "tcp", "internal_port": 22, "external_port": 2022}
    for body, status, message in (
        ({"port_forwarding": {**good, "bogus": 1}}, 400, "Unrecognized attribute(s) 'bogus'"),
        ({"port_forwarding": {k: v for k, v in good.items() if k != "protocol"}}, 400,
         "Failed to parse request. Required attribute 'protocol' not specified"),
        ({"port_forwarding": {**good, "internal_port": "x"}}, 400,
         "Invalid input for operation: 'x' is not an integer."),
        ({"port_forwarding": {**good, "internal_port_id": "nope"}}, 400,
         "Invalid input for internal_port_id. Reason: 'nope' is not a valid UUID."),
    ):
        answer = neutron(api_server, admin, "POST", path, body)
        assert answer.status_code == status, answer.text
        assert answer.json()["NeutronError"]["message"] == message
    assert neutron(api_server, admin, "GET", path).json() == {"port_forwardings": []}
    made = neutron(api_server, admin, "POST", path, {"port_forwarding": good})
    assert made.status_code == 201, made.text
    pf_id = made.json()["port_forwarding"]["id"]
    read_only = neutron(api_server, admin, "PUT", f"{path}/{pf_id}",
                        {"port_forwarding": {"id": "x"}})
    assert read_only.status_code == 400
    assert read_only.json()["NeutronError"]["message"] == (
        "Cannot update read-only attribute id")
    moved = neutron(api_server, admin, "PUT", f"{path}/{pf_id}",
                    {"port_forwarding": {"external_port": 2023}})
    assert moved.json()["port_forwarding"]["external_port"] == 2023
    demo = api_server.token("demo", "demo")
    assert neutron(api_server, demo, "DELETE", f"{path}/{pf_id}").status_code == 404
    assert neutron(api_server, admin, "DELETE", f"{path}/{pf_id}").status_code == 204
    gone = neutron(api_server, admin, "DELETE", f"{path}/{pf_id}")
    assert gone.status_code == 404
    assert gone.json()["NeutronError"]["message"] == f"Port Forwarding {pf_id} could not be found."
