"""Security groups and rules in the local store, with Neutron's rules and messages."""

from __future__ import annotations

from ostack_cli.backend.local.base import LocalBase
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.security_group import SecurityGroup, SecurityGroupRule
from ostack_cli.state.store import UniqueViolation

EGRESS_DESCRIPTION = "Legacy default SG rule for egress traffic"
INGRESS_DESCRIPTION = "Legacy default SG rule for ingress traffic"


def template_rules(group: SecurityGroup) -> list[SecurityGroupRule]:
    """Neutron's default rule templates: egress for every group, ingress from members for
    the ``default`` group only."""
    now = utcnow()
    rules = []
    for ethertype in ("IPv4", "IPv6"):
        rules.append(
            SecurityGroupRule(
                id=new_id(), security_group_id=group.id, project_id=group.project_id,
                direction="egress", ethertype=ethertype, description=EGRESS_DESCRIPTION,
                created_at=now, updated_at=now,
            )
        )
        if group.name == "default":
            rules.append(
                SecurityGroupRule(
                    id=new_id(), security_group_id=group.id, project_id=group.project_id,
                    direction="ingress", ethertype=ethertype, remote_group_id=group.id,
                    description=INGRESS_DESCRIPTION, created_at=now, updated_at=now,
                )
            )
    return rules


class LocalSecurityGroups(LocalBase):
    def _ensure_default_security_group(self, project_id: str | None = None) -> SecurityGroup:
        """The project's ``default`` group, made on first need as Neutron does."""
        project_id = project_id or self.project_id
        key = f"{project_id}/default"
        existing = self._default_group(project_id)
        if existing is not None:
            return existing
        now = utcnow()
        group = SecurityGroup(
            id=new_id(), name="default", project_id=project_id,
            description="Default security group", created_at=now, updated_at=now,
        )
        with self.store.transaction():
            try:
                self.store.insert(group)
            except UniqueViolation:
                # Another process made it first; theirs is the one.
                found = self._default_group(project_id)
                assert found is not None, key
                return found
            for rule in template_rules(group):
                self.store.insert(rule)
        return group

    def _default_group(self, project_id: str) -> SecurityGroup | None:
        for group in self.store.list(SecurityGroup, name="default", project_id=project_id):
            return group
        return None
