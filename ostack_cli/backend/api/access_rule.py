"""Keystone's access rules (``/v3/users/{user_id}/access_rules``): the acting user's."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.application_credential import AccessRule


class AccessRuleAPI(Protocol):
    def access_rules(self) -> list[AccessRule]:
        """The acting user's rules."""
        ...

    def get_access_rule(self, rule_id: str) -> AccessRule:
        """One of the acting user's rules, by ID."""
        ...

    def delete_access_rule(self, rule: AccessRule) -> None:
        """Refused (403) while a credential uses the rule."""
        ...
