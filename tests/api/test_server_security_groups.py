"""``GET /servers/{id}/os-security-groups`` through ``ostack api serve``: the groups on the
server's ports in Nova's format (ingress rules only, Nova's port and prefix defaults), which
openstacksdk reads to compare a server's groups."""

from __future__ import annotations

from tests.api.conftest import ApiServer
from tests.api.test_nova import admin, boot, image_id, network_id, nova  # noqa: F401


def test_server_security_groups_in_novas_form(api_server: ApiServer, admin: str,  # noqa: F811
                                              image_id: str,  # noqa: F811
                                              network_id: str) -> None:  # noqa: F811
    made = api_server.request("POST", "/network/v2.0/security-groups", token=admin,
                              json_body={"security_group": {"name": "sgview",
                                                            "description": "d"}})
    assert made.status_code == 201, made.text
    group = made.json()["security_group"]
    for rule in ({"protocol": "icmp"}, {"protocol": "tcp"},
                 {"protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
                  "remote_ip_prefix": "10.0.0.0/8"}):
        added = api_server.request("POST", "/network/v2.0/security-group-rules", token=admin,
                                   json_body={"security_group_rule": {
                                       "security_group_id": group["id"],
                                       "direction": "ingress", **rule}})
        assert added.status_code == 201, added.text
    server_id = boot(api_server, admin, image_id, network_id, "sgview-vm",
                     security_groups=[{"name": "sgview"}])

    answer = nova(api_server, "GET", f"/servers/{server_id}/os-security-groups", admin)
    assert answer.status_code == 200, answer.text
    (shown,) = answer.json()["security_groups"]
    assert {k: shown[k] for k in ("id", "name", "description", "tenant_id")} == {
        "id": group["id"], "name": "sgview", "description": "d",
        "tenant_id": group["project_id"]}
    rules = sorted((r["ip_protocol"], r["from_port"], r["to_port"], r["ip_range"]["cidr"])
                   for r in shown["rules"])
    # The egress rules Neutron made with the group are not Nova's.
    assert rules == [("icmp", -1, -1, "0.0.0.0/0"), ("tcp", 1, 65535, "0.0.0.0/0"),
                     ("tcp", 22, 22, "10.0.0.0/8")]
    assert all(r["parent_group_id"] == group["id"] and r["group"] == {}
               for r in shown["rules"])
    # At every microversion; an unknown server is Nova's 404.
    old = nova(api_server, "GET", f"/servers/{server_id}/os-security-groups", admin,
               version="2.1")
    assert old.status_code == 200 and old.json() == answer.json()
    missing = nova(api_server, "GET",
                   "/servers/00000000-0000-4000-8000-000000000000/os-security-groups", admin)
    assert missing.status_code == 404, missing.text
