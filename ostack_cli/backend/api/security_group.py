"""Security groups and rules (Neutron)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.security_group import (
    SecurityGroup,
    SecurityGroupRule,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
)


class SecurityGroupAPI(Protocol):
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
        """Groups the caller sees (ensuring the project's ``default`` group first)."""
        ...

    def find_security_group(self, name_or_id: str) -> SecurityGroup: ...

    def create_security_group(self, spec: SecurityGroupSpec) -> SecurityGroup:
        """The group as the create request returned it, with the tags set after it."""
        ...

    def update_security_group(
        self,
        group: SecurityGroup,
        *,
        name: str | None = None,
        description: str | None = None,
        stateful: bool | None = None,
        tags: list[str] | None = None,
    ) -> SecurityGroup:
        """Change what is not None; ``tags`` replaces the whole tag list."""
        ...

    def delete_security_group(self, group: SecurityGroup) -> None: ...

    def security_group_rules(
        self,
        *,
        security_group_id: str | None = None,
        direction: str | None = None,
        protocol: str | None = None,
        project_id: str | None = None,
    ) -> list[SecurityGroupRule]: ...

    def find_security_group_rule(self, rule_id: str) -> SecurityGroupRule: ...

    def create_security_group_rule(self, spec: SecurityGroupRuleSpec) -> SecurityGroupRule: ...

    def delete_security_group_rule(self, rule: SecurityGroupRule) -> None: ...
