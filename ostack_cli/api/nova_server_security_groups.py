"""``GET /servers/{id}/os-security-groups``: the Neutron groups on a server's ports in Nova's
format, at every microversion (nova/api/openstack/compute/security_groups.py
ServerSecurityGroupController and the Neutron driver's conversion: ingress rules only, no
ports meaning -1 or 1-65535, no prefix meaning 0.0.0.0/0). openstacksdk reads it to compare
a server's groups (Ansible's ``openstack.cloud.server`` on its second run)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.backend.models.security_group import SecurityGroup, SecurityGroupRule
from ostack_cli.errors import NotFound


def _rule_view(rule: SecurityGroupRule, groups: dict[str, dict[str, str]]) -> dict[str, Any]:
    from_port, to_port = rule.port_range_min, rule.port_range_max
    if rule.protocol and from_port is None and to_port is None:
        from_port, to_port = (1, 65535) if rule.protocol.upper() in ("TCP", "UDP") else (-1, -1)
    view: dict[str, Any] = {"id": rule.id, "parent_group_id": rule.security_group_id,
                            "ip_protocol": rule.protocol, "from_port": from_port,
                            "to_port": to_port, "group": {}, "ip_range": {}}
    if rule.remote_group_id:
        view["group"] = groups.get(rule.remote_group_id, {})
    else:
        view["ip_range"] = {"cidr": rule.remote_ip_prefix or "0.0.0.0/0"}
    return view


def _group_view(req: ApiRequest, group: SecurityGroup,
                groups: dict[str, dict[str, str]]) -> dict[str, Any]:
    rules = req.backend.security_group_rules(security_group_id=group.id, direction="ingress")
    return {"id": group.id, "description": group.description, "name": group.name,
            "tenant_id": group.project_id,
            # A rule whose remote group is gone is left out, as Nova does.
            "rules": [_rule_view(r, groups) for r in rules
                      if not r.remote_group_id or r.remote_group_id in groups]}


@NOVA.route("GET", "/v2.1/servers/{server_id}/os-security-groups")
def list_server_security_groups(req: ApiRequest, server_id: str) -> Reply:
    server = nova_common.server_by_id(req, server_id)
    ids: list[str] = []
    for port in req.backend.ports(device_id=server.id):
        ids.extend(i for i in port.security_group_ids if i not in ids)
    found: list[SecurityGroup] = []
    for group_id in ids:
        try:
            found.append(req.backend.find_security_group(group_id))
        except NotFound:
            continue
    known = {g.id: {"name": g.name, "tenant_id": g.project_id} for g in found}
    for group in found:
        for rule in req.backend.security_group_rules(security_group_id=group.id):
            if rule.remote_group_id and rule.remote_group_id not in known:
                try:
                    remote = req.backend.find_security_group(rule.remote_group_id)
                except NotFound:
                    continue
                known[remote.id] = {"name": remote.name, "tenant_id": remote.project_id}
    views = [_group_view(req, g, known) for g in found]
    return Reply(200, {"security_groups": sorted(
        views, key=lambda v: (v["tenant_id"], v["name"]))})
