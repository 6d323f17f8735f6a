"""Neutron's security groups and rules (``/v2.0/security-groups``,
``/v2.0/security-group-rules``) on the local backend's security group service
(neutron_lib/api/definitions/security_groups.py and the extensions the backend declares)."""

from __future__ import annotations

from ostack_cli.api import neutron_common as nc
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.neutron import NEUTRON
from ostack_cli.api.neutron_common import Attr
from ostack_cli.api.neutron_views import group_view, rule_view
from ostack_cli.backend.models.security_group import (
    SecurityGroup,
    SecurityGroupRule,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
)

GROUP_ATTRS = nc.attrs(
    Attr("id", "string", put=False), Attr("name", "string"), *nc.OWNER,
    Attr("description", "string"), Attr("stateful", "bool"),
    Attr("shared", post=False, put=False),
    Attr("security_group_rules", post=False, put=False), Attr("tags", "list"),
)
RULE_ATTRS = nc.attrs(
    Attr("id", "string", put=False), *nc.OWNER,
    Attr("security_group_id", "uuid", put=False, required=True),
    Attr("direction", "string", put=False, required=True),
    Attr("ethertype", "string", put=False), Attr("protocol", put=False),
    Attr("port_range_min", put=False), Attr("port_range_max", put=False),
    Attr("remote_ip_prefix", put=False), Attr("remote_group_id", put=False),
    Attr("remote_address_group_id", put=False), Attr("description", "string", put=False),
    Attr("normalized_cidr", post=False, put=False),
    Attr("belongs_to_default_sg", post=False, put=False),
)


def group_by_id(req: ApiRequest, group_id: str) -> SecurityGroup:
    return nc.by_id(req.backend.find_security_group, group_id, nc.not_found(
        "SecurityGroupNotFound", f"Security group {group_id} does not exist"))


def rule_by_id(req: ApiRequest, rule_id: str) -> SecurityGroupRule:
    return nc.by_id(req.backend.find_security_group_rule, rule_id, nc.not_found(
        "SecurityGroupRuleNotFound", f"Security group rule {rule_id} does not exist"))


def _rules_of(req: ApiRequest, group: SecurityGroup) -> list[SecurityGroupRule]:
    return req.backend.security_group_rules(security_group_id=group.id)


@NEUTRON.route("GET", "/v2.0/security-groups")
def list_groups(req: ApiRequest) -> Reply:
    groups = req.backend.security_groups()
    rules = req.backend.security_group_rules()
    by_group: dict[str, list[SecurityGroupRule]] = {}
    for rule in rules:
        by_group.setdefault(rule.security_group_id, []).append(rule)
    return nc.listed(req, "security_groups",
                     (group_view(g, by_group.get(g.id, [])) for g in groups))


@NEUTRON.route("GET", "/v2.0/security-groups/{group_id}")
def show_group(req: ApiRequest, group_id: str) -> Reply:
    group = group_by_id(req, group_id)
    return nc.one(req, "security_group", group_view(group, _rules_of(req, group)))


@NEUTRON.route("POST", "/v2.0/security-groups")
def create_group(req: ApiRequest) -> Reply:
    values = nc.body(req, "security_group", GROUP_ATTRS, creating=True)
    group = req.backend.create_security_group(SecurityGroupSpec(
        name=values.get("name") or "", description=values.get("description") or "",
        project_id=nc.owner(req, values), stateful=values.get("stateful"),
        tags=list(values.get("tags") or [])))
    return nc.one(req, "security_group",
                  group_view(group, _rules_of(req, group), fresh=True), 201)


@NEUTRON.route("PUT", "/v2.0/security-groups/{group_id}")
def update_group(req: ApiRequest, group_id: str) -> Reply:
    values = nc.body(req, "security_group", GROUP_ATTRS, creating=False)
    group = group_by_id(req, group_id)
    updated = req.backend.update_security_group(
        group, name=values.get("name"), description=values.get("description"),
        stateful=values.get("stateful"), tags=values.get("tags"))
    return nc.one(req, "security_group", group_view(updated, _rules_of(req, updated)))


@NEUTRON.route("DELETE", "/v2.0/security-groups/{group_id}")
def delete_group(req: ApiRequest, group_id: str) -> Reply:
    req.backend.delete_security_group(group_by_id(req, group_id))
    return Reply(204)


@NEUTRON.route("GET", "/v2.0/security-group-rules")
def list_rules(req: ApiRequest) -> Reply:
    return nc.listed(req, "security_group_rules",
                     (rule_view(r) for r in req.backend.security_group_rules()))


@NEUTRON.route("GET", "/v2.0/security-group-rules/{rule_id}")
def show_rule(req: ApiRequest, rule_id: str) -> Reply:
    return nc.one(req, "security_group_rule", rule_view(rule_by_id(req, rule_id)))


@NEUTRON.route("POST", "/v2.0/security-group-rules")
def create_rule(req: ApiRequest) -> Reply:
    values = nc.body(req, "security_group_rule", RULE_ATTRS, creating=True)
    group = group_by_id(req, values["security_group_id"])

    def port(name: str) -> int | None:
        value = values.get(name)
        return None if value is None else nc.to_int(value)

    protocol = values.get("protocol")
    rule = req.backend.create_security_group_rule(SecurityGroupRuleSpec(
        security_group_id=group.id, direction=values["direction"],
        ethertype=values.get("ethertype") or "IPv4",
        protocol=None if protocol is None else str(protocol),
        port_range_min=port("port_range_min"), port_range_max=port("port_range_max"),
        remote_ip_prefix=values.get("remote_ip_prefix"),
        remote_group_id=values.get("remote_group_id"),
        remote_address_group_id=values.get("remote_address_group_id"),
        description=values.get("description", ""), project_id=nc.owner(req, values)))
    return nc.one(req, "security_group_rule", rule_view(rule), 201)


@NEUTRON.route("DELETE", "/v2.0/security-group-rules/{rule_id}")
def delete_rule(req: ApiRequest, rule_id: str) -> Reply:
    req.backend.delete_security_group_rule(rule_by_id(req, rule_id))
    return Reply(204)
