"""Security groups and rules in the local store, with Neutron's rules and messages.

Like the other networking records, groups and rules are seen from the acting project, as
Neutron shows them to a project member: its own groups (and shared ones), and the rules it
owns or that sit in its groups. So each project's ``default`` group is just "default".
"""

from __future__ import annotations

from collections.abc import Callable

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.neutron_policy import check_owner
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.local.security_group_rules import (
    check_description,
    check_group_name,
    check_tags,
    convert_rule,
)
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.security_group import (
    SecurityGroup,
    SecurityGroupRule,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
)
from ostack_cli.errors import Conflict, NotFound, not_found
from ostack_cli.state.store import UniqueViolation

DEFAULT_DESCRIPTION = "Default security group"
# Neutron's rule templates: egress IPv4 and IPv6 for every group, ingress from members too
# for the default one (what template_rules makes).
GROUP_RULES, DEFAULT_GROUP_RULES = 2, 4
# Neutron numbers every resource with standard attributes from one sequence; the nested rules
# of ``security group show`` print the number.
STANDARD_ATTR_SETTING = "standard_attr_id"
# Ports name the groups they use in this list field of their stored body.
PORT_USERS_SQL = (
    "SELECT id FROM resources WHERE kind = 'port' AND EXISTS "
    "(SELECT 1 FROM json_each(body, '$.security_group_ids') WHERE value = ?)"
)


def template_rules(
    group: SecurityGroup, next_standard_attr_id: Callable[[], int]
) -> list[SecurityGroupRule]:
    """Neutron's default rule templates: egress for every group, ingress from members for
    the ``default`` group only. Neutron drops the templates' descriptions when it copies
    them into a group, so the rules have none."""
    now = utcnow()
    default = group.name == "default"
    rules = []
    for direction, ethertype in (("egress", "IPv4"), ("egress", "IPv6"),
                                 ("ingress", "IPv4"), ("ingress", "IPv6")):
        if direction == "ingress" and not default:
            continue
        rules.append(
            SecurityGroupRule(
                id=new_id(), security_group_id=group.id, project_id=group.project_id,
                direction=direction, ethertype=ethertype,
                remote_group_id=group.id if direction == "ingress" else None,
                belongs_to_default_sg=default, standard_attr_id=next_standard_attr_id(),
                created_at=now, updated_at=now,
            )
        )
    return rules


def _has_tags(group: SecurityGroup, wanted: list[str] | None, *, every: bool) -> bool:
    tags = set(group.tags)
    if every:
        return all(t in tags for t in wanted or [])
    return any(t in tags for t in wanted or [])


class SecurityGroups:
    """Security groups and their rules (one service: a rule lives and dies with its group)."""

    def __init__(self, context: ServiceContext, *, quotas: Quotas) -> None:
        self.context = context
        self.store = context.store
        self.quotas = quotas
        self._granted: set[str] | None = None

    # -- groups -----------------------------------------------------------------------

    def find_all(
        self,
        *,
        project_id: str | None = None,
        shared: bool | None = None,
        tags: list[str] | None = None,
        any_tags: list[str] | None = None,
        not_tags: list[str] | None = None,
        not_any_tags: list[str] | None = None,
    ) -> list[SecurityGroup]:
        self.ensure_default()
        self._granted = None  # the policies as they are now
        result = []
        for group in self.store.list(SecurityGroup, project_id=project_id):
            if shared is not None and group.shared != shared:
                continue
            if tags and not _has_tags(group, tags, every=True):
                continue
            if any_tags and not _has_tags(group, any_tags, every=False):
                continue
            if not_tags and _has_tags(group, not_tags, every=True):
                continue
            if not_any_tags and _has_tags(group, not_any_tags, every=False):
                continue
            if self._group_visible(group):
                result.append(group)
        # Neutron returns rows in primary-key order.
        return sorted(result, key=lambda g: g.id)

    def find(self, name_or_id: str) -> SecurityGroup:
        # A name look-up lists groups, and Neutron's list makes the project's default group.
        self.ensure_default()
        self._granted = None
        return self.context.find(SecurityGroup, name_or_id, visible=self._group_visible)

    def create(self, spec: SecurityGroupSpec) -> SecurityGroup:
        check_group_name(spec.name)
        check_description(spec.description)
        check_tags(spec.tags)
        check_owner(self.context, spec.project_id)
        project_id = spec.project_id or self.context.project_id
        now = utcnow()
        with self.store.transaction():
            # The API reserves the group; then the plugin makes the project's default group
            # if it has none yet, and checks the new group's template rules
            # (securitygroups_db create_security_group).
            self.quotas.check(project_id, {"secgroups": 1})
            self.ensure_default(project_id)
            self.quotas.check(project_id, {"secgroup-rules": GROUP_RULES})
            group = SecurityGroup(
                id=new_id(), name=spec.name, project_id=project_id,
                description=spec.description,
                stateful=True if spec.stateful is None else spec.stateful,
                tags=sorted(set(spec.tags)),
                standard_attr_id=self._next_standard_attr_id(),
                created_at=now, updated_at=now,
            )
            # The real client tags a group in a second request: a second revision, which
            # the group it prints (the create response, tags added) does not show yet.
            self.store.insert(
                group.replace(revision_number=group.revision_number + 1) if group.tags else group
            )
            for rule in template_rules(group, self._next_standard_attr_id):
                self.store.insert(rule)
        return group

    def update(
        self,
        group: SecurityGroup,
        *,
        name: str | None = None,
        description: str | None = None,
        stateful: bool | None = None,
        tags: list[str] | None = None,
    ) -> SecurityGroup:
        if name is not None:
            check_group_name(name)
        check_description(description)
        if tags is not None:
            check_tags(tags)
        with self.store.transaction():
            current = self._get_group(group.id)
            if stateful is not None and stateful != current.stateful and self._port_users(
                current.id
            ):
                raise Conflict(f"Security Group {current.id} in use.")
            if name is not None and current.name == "default":
                raise Conflict("Updating default security group not allowed.")
            updated = current.replace(
                name=current.name if name is None else name,
                description=current.description if description is None else description,
                stateful=current.stateful if stateful is None else stateful,
            )
            bumps = int(updated != current)
            if tags is not None and sorted(set(tags)) != current.tags:
                updated = updated.replace(tags=sorted(set(tags)))
                bumps += 1
            if not bumps:
                return current
            updated = updated.replace(
                revision_number=current.revision_number + bumps, updated_at=utcnow()
            )
            self.store.update(updated)
        return updated

    def delete(self, group: SecurityGroup) -> None:
        # Neutron refuses to delete a default group only to non-admins
        # ("Insufficient rights for removing default security group."); the local user is an
        # admin, so it may, and the next command in that project makes a new one.
        with self.store.transaction():
            current = self._get_group(group.id)
            if self._port_users(current.id):
                raise Conflict(f"Security Group {current.id} in use.")
            for rule in self.store.list(SecurityGroupRule):
                if rule.security_group_id == current.id:
                    self.store.delete(SecurityGroupRule, rule.id)
                elif rule.remote_group_id == current.id:
                    # Rules elsewhere that name this group as their remote go with it.
                    self.store.delete(SecurityGroupRule, rule.id)
                    self._bump_group(rule.security_group_id)
            self.store.delete(SecurityGroup, current.id)

    # -- rules ------------------------------------------------------------------------

    def find_all_rules(
        self,
        *,
        security_group_id: str | None = None,
        direction: str | None = None,
        protocol: str | None = None,
        project_id: str | None = None,
    ) -> list[SecurityGroupRule]:
        self.ensure_default()
        # A group's own rules all show with it (Neutron nests every one in the group); the
        # caller only has the group's ID if it may see the group.
        visible = (self._visible_rule_test() if security_group_id is None
                   else lambda rule: True)
        result = [
            rule
            for rule in self.store.list(SecurityGroupRule, project_id=project_id)
            if (security_group_id is None or rule.security_group_id == security_group_id)
            and (direction is None or rule.direction == direction)
            and (protocol is None or rule.protocol == protocol)
            and visible(rule)
        ]
        return sorted(result, key=lambda r: r.id)

    def find_rule(self, rule_id: str) -> SecurityGroupRule:
        # Rules have no names: only an ID finds one.
        rule = self.store.get(SecurityGroupRule, rule_id)
        if rule is None or not self._visible_rule_test()(rule):
            raise not_found(SecurityGroupRule.RESOURCE_NAME, rule_id)
        return rule

    def create_rule(self, spec: SecurityGroupRuleSpec) -> SecurityGroupRule:
        values = convert_rule(spec)
        project_id = spec.project_id or self.context.project_id
        self.ensure_default(project_id)
        now = utcnow()
        with self.store.transaction():
            # The API reserves the rule before the plugin looks at the groups.
            self.quotas.check(project_id, {"secgroup-rules": 1})
            if values.remote_group_id is not None:
                self._get_group(values.remote_group_id)
            group = self._get_group(spec.security_group_id)
            rule = SecurityGroupRule(
                id=new_id(),
                security_group_id=group.id,
                project_id=project_id,
                direction=values.direction,
                ethertype=values.ethertype,
                protocol=values.protocol,
                port_range_min=values.port_range_min,
                port_range_max=values.port_range_max,
                remote_ip_prefix=values.remote_ip_prefix,
                remote_group_id=values.remote_group_id,
                remote_address_group_id=values.remote_address_group_id,
                description=values.description,
                belongs_to_default_sg=self._is_default_group(group),
                standard_attr_id=self._next_standard_attr_id(),
                created_at=now,
                updated_at=now,
            )
            try:
                # The store's unique index on the rule's key decides, even between processes.
                self.store.insert(rule)
            except UniqueViolation as exc:
                raise Conflict(
                    f"Security group rule already exists. Rule id is {exc.existing_id}."
                ) from None
            self._bump_group(group.id)
        return rule

    def delete_rule(self, rule: SecurityGroupRule) -> None:
        with self.store.transaction():
            if not self.store.delete(SecurityGroupRule, rule.id):
                raise NotFound(f"Security group rule {rule.id} does not exist")
            self._bump_group(rule.security_group_id)

    # -- for the other services -------------------------------------------------------

    def ensure_default(self, project_id: str | None = None) -> SecurityGroup:
        """The project's ``default`` group, made on first need as Neutron does."""
        project_id = project_id or self.context.project_id
        existing = self._default_group(project_id)
        if existing is not None:
            return existing
        now = utcnow()
        with self.store.transaction():
            # Looked for again under the write lock: another process may have made it.
            existing = self._default_group(project_id)
            if existing is not None:
                return existing
            # Neutron checks the default group's rules against the quota too (its
            # create_security_group, default_sg=True), though not the group itself.
            self.quotas.check(project_id, {"secgroup-rules": DEFAULT_GROUP_RULES})
            group = SecurityGroup(
                id=new_id(), name="default", project_id=project_id,
                description=DEFAULT_DESCRIPTION, standard_attr_id=self._next_standard_attr_id(),
                created_at=now, updated_at=now,
            )
            self.store.insert(group)
            for rule in template_rules(group, self._next_standard_attr_id):
                self.store.insert(rule)
        return group

    def names(self, group_ids: list[str]) -> list[str]:
        """The names of the groups that still exist, in the order given."""
        groups = [self.store.get(SecurityGroup, gid) for gid in group_ids]
        return [g.name for g in groups if g is not None]

    # -- helpers ----------------------------------------------------------------------

    def _default_group(self, project_id: str) -> SecurityGroup | None:
        for group in self.store.list(SecurityGroup, name="default", project_id=project_id):
            return group
        return None

    def _group_visible(self, group: SecurityGroup) -> bool:
        return group.project_id == self.context.project_id or group.shared or (
            group.id in self._granted_groups())

    def _granted_groups(self) -> set[str]:
        """The groups RBAC policies share with this project (read once per look-up)."""
        if self._granted is None:
            from ostack_cli.backend.local.rbac_records import granted_objects

            self._granted = granted_objects(self.store, "security_group",
                                            self.context.project_id)
        return self._granted

    def _visible_rule_test(self) -> Callable[[SecurityGroupRule], bool]:
        # Neutron shows a project the rules it owns and the rules in the groups it owns.
        project_id = self.context.project_id
        own_groups = {g.id for g in self.store.list(SecurityGroup, project_id=project_id)}
        return lambda rule: rule.project_id == project_id or rule.security_group_id in own_groups

    def _is_default_group(self, group: SecurityGroup) -> bool:
        # Only the lazily made group can be called 'default': Neutron refuses the name
        # otherwise, and refuses to rename the default group.
        return group.name == "default"

    def _get_group(self, group_id: str) -> SecurityGroup:
        group = self.store.get(SecurityGroup, group_id)
        if group is None:
            raise NotFound(f"Security group {group_id} does not exist")
        return group

    def _bump_group(self, group_id: str) -> None:
        # A rule change is a new revision of its group (Neutron: revises_on_change).
        group = self.store.get(SecurityGroup, group_id)
        if group is not None:
            self.store.update(
                group.replace(revision_number=group.revision_number + 1, updated_at=utcnow())
            )

    def _port_users(self, group_id: str) -> list[str]:
        return [str(row[0]) for row in self.store.conn.execute(PORT_USERS_SQL, (group_id,))]

    def _next_standard_attr_id(self) -> int:
        # Called inside a transaction, whose write lock makes read-and-increment safe.
        current = int(self.store.get_setting(STANDARD_ATTR_SETTING) or 0) + 1
        self.store.set_setting(STANDARD_ATTR_SETTING, str(current))
        return current
