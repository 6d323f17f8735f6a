"""Security groups and rules through Neutron (openstacksdk's network proxy)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openstack import resource as sdk_resource
from openstack.network.v2 import security_group as sdk_group

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.security_group import (
    SecurityGroup,
    SecurityGroupRule,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
)


def api_body(res: sdk_resource.Resource) -> dict[str, Any]:
    """A resource as the API sent it (server-side names, unknown keys kept)."""
    return dict(res.to_dict(original_names=True, computed=False, headers=False))


def group_from_sdk(group: sdk_group.SecurityGroup) -> SecurityGroup:
    return SecurityGroup(
        id=group.id,
        name=group.name,
        project_id=group.project_id,
        description=group.description,
        stateful=group.stateful,
        shared=group.is_shared,
        tags=list(group.tags or []),
        revision_number=group.revision_number,
        created_at=group.created_at,
        updated_at=group.updated_at,
    )


def rule_from_api(body: Mapping[str, Any]) -> SecurityGroupRule:
    get: Any = body.get
    """A rule from Neutron's dict (a rule resource, or one nested in its group)."""
    return SecurityGroupRule(
        id=body["id"],
        name=get("name") or "",
        security_group_id=body["security_group_id"],
        project_id=get("project_id") or get("tenant_id"),
        direction=get("direction"),
        ethertype=get("ethertype"),
        protocol=get("protocol"),
        port_range_min=get("port_range_min"),
        port_range_max=get("port_range_max"),
        remote_ip_prefix=get("remote_ip_prefix"),
        remote_group_id=get("remote_group_id"),
        remote_address_group_id=get("remote_address_group_id"),
        description=get("description"),
        belongs_to_default_sg=get("belongs_to_default_sg"),
        revision_number=get("revision_number"),
        standard_attr_id=get("standard_attr_id"),
        created_at=get("created_at"),
        updated_at=get("updated_at"),
    )


def _tag_query(**tags: list[str] | None) -> dict[str, str]:
    # The real client joins each tag filter with commas; openstacksdk maps the names.
    return {name: ",".join(values) for name, values in tags.items() if values}


@translate_errors
class CloudSecurityGroups(CloudBase):
    # The rules Neutron nested in a group this invocation has read: ``group show`` asks for
    # them next, and they carry what a rule list lacks (standard_attr_id).
    _nested_rules: dict[str, list[dict[str, Any]]]

    def _remember(self, group: sdk_group.SecurityGroup) -> SecurityGroup:
        if not hasattr(self, "_nested_rules"):
            self._nested_rules = {}
        self._nested_rules[group.id] = list(group.security_group_rules or [])
        return group_from_sdk(group)

    def security_groups(
        self,
        *,
        project_id: str | None = None,
        shared: bool | None = None,
        tags: list[str] | None = None,
        any_tags: list[str] | None = None,
        not_tags: list[str] | None = None,
        not_any_tags: list[str] | None = None,
    ) -> list[SecurityGroup]:
        query: dict[str, Any] = _tag_query(tags=tags, any_tags=any_tags, not_tags=not_tags,
                                           not_any_tags=not_any_tags)
        if project_id is not None:
            query["project_id"] = project_id
        if shared is not None:
            query["shared"] = shared
        fields = ["id", "name", "description", "project_id", "tags", "shared"]
        groups = [group_from_sdk(g)
                  for g in self.conn.network.security_groups(fields=fields, **query)]
        if not query:
            self._cache_list("security_group", groups)
        return groups

    def find_security_group(self, name_or_id: str) -> SecurityGroup:
        group = self.conn.network.find_security_group(name_or_id, ignore_missing=False)
        return self._remember(group)

    def create_security_group(self, spec: SecurityGroupSpec) -> SecurityGroup:
        attrs: dict[str, Any] = {"name": spec.name, "description": spec.description}
        if spec.stateful is not None:
            attrs["stateful"] = spec.stateful
        if spec.project_id is not None:
            attrs["project_id"] = spec.project_id
        network = self.conn.network
        group = network.create_security_group(**attrs)
        if spec.tags:
            network.set_tags(group, list(spec.tags))
            group.tags = list(spec.tags)
        return self._remember(group)

    def update_security_group(
        self,
        group: SecurityGroup,
        *,
        name: str | None = None,
        description: str | None = None,
        stateful: bool | None = None,
        tags: list[str] | None = None,
    ) -> SecurityGroup:
        network = self.conn.network
        attrs: dict[str, Any] = {
            k: v for k, v in
            (("name", name), ("description", description), ("stateful", stateful))
            if v is not None
        }
        result = group
        if attrs:
            result = group_from_sdk(network.update_security_group(group.id, **attrs))
        # Tags are a sub-resource: set only when they change, as the real client does.
        if tags is not None and set(tags) != set(group.tags):
            target = sdk_group.SecurityGroup.existing(id=group.id, tags=list(group.tags))
            network.set_tags(target, list(tags))
            result = result.replace(tags=list(tags))
        return result

    def delete_security_group(self, group: SecurityGroup) -> None:
        self.conn.network.delete_security_group(group.id)

    def security_group_rules(
        self,
        *,
        security_group_id: str | None = None,
        direction: str | None = None,
        protocol: str | None = None,
        project_id: str | None = None,
    ) -> list[SecurityGroupRule]:
        nested = getattr(self, "_nested_rules", {})
        if (security_group_id in nested and direction is None and protocol is None
                and project_id is None):
            return [rule_from_api(r) for r in nested[security_group_id]]
        query = {k: v for k, v in (("security_group_id", security_group_id),
                                   ("direction", direction), ("protocol", protocol),
                                   ("project_id", project_id)) if v is not None}
        return [rule_from_api(api_body(r))
                for r in self.conn.network.security_group_rules(**query)]

    def find_security_group_rule(self, rule_id: str) -> SecurityGroupRule:
        rule = self.conn.network.find_security_group_rule(rule_id, ignore_missing=False)
        return rule_from_api(api_body(rule))

    def create_security_group_rule(self, spec: SecurityGroupRuleSpec) -> SecurityGroupRule:
        attrs: dict[str, Any] = {
            "security_group_id": spec.security_group_id,
            "direction": spec.direction,
            "ethertype": spec.ethertype,
            "protocol": spec.protocol,
        }
        for key in ("port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id",
                    "remote_address_group_id", "description", "project_id"):
            value = getattr(spec, key)
            if value is not None:
                attrs[key] = value
        rule = self.conn.network.create_security_group_rule(**attrs)
        return rule_from_api(api_body(rule))

    def delete_security_group_rule(self, rule: SecurityGroupRule) -> None:
        self.conn.network.delete_security_group_rule(rule.id)
