"""Neutron's floating IP port forwardings through ``ostack api serve`` (read only: list and
show), as Horizon's Floating IPs page asks for them."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import ApiServer


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
