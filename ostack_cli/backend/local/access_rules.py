"""Keystone's access rules on the local store (keystone/api/users.py ``UserAccessRule*``
and the application credentials' SQL driver): a user's rules are made by the credentials
that ask for them (one rule per service, path and method, reused by later credentials),
listed, shown and deleted under the user, and refused deletion while a credential uses
them."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import keystone_forbidden
from ostack_cli.backend.models.application_credential import AccessRule, ApplicationCredential
from ostack_cli.errors import Forbidden, NotFound
from ostack_cli.state.store import Store

IN_USE = "May not delete access rule in use"


def access_rule_not_found(rule_id: str) -> NotFound:
    return NotFound(f"Could not find Access Rule: {rule_id}.")


def rule_json(rule: AccessRule) -> dict[str, Any]:
    """As Keystone shows a rule (and a credential's rules): without its user."""
    return {"id": rule.id, "service": rule.service, "path": rule.path, "method": rule.method}


def keep_access_rules(store: Store, user_id: str, asked: list[dict[str, Any]]
                      ) -> list[dict[str, Any]]:
    """The SQL driver's part of a credential's create: each rule asked for is the user's
    rule of that ID, else the user's rule for the same service, path and method, else a new
    one. Another user's rule ID is Keystone's 404. Call inside a transaction."""
    kept: list[dict[str, Any]] = []
    mine = [r for r in store.list(AccessRule) if r.user_id == user_id]
    for ref in asked:
        by_id = store.get(AccessRule, str(ref["id"]))
        if by_id is not None and by_id.user_id != user_id:
            raise access_rule_not_found(str(ref["id"]))
        found = by_id or next((r for r in mine if (r.service, r.path, r.method) == (
            ref.get("service"), ref.get("path"), ref.get("method"))), None)
        if found is None:
            found = AccessRule(id=str(ref["id"]), user_id=user_id, service=ref.get("service"),
                               path=ref.get("path"), method=ref.get("method"))
            store.insert(found)
            mine.append(found)
        kept.append(rule_json(found))
    return kept


def drop_access_rules(store: Store, *, user_id: str) -> None:
    """Keystone's callback: a deleted user's rules go. Call inside a transaction."""
    for rule in store.list(AccessRule):
        if rule.user_id == user_id:
            store.delete(AccessRule, rule.id)


class AccessRules:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    def find_all(self, *, user_id: str | None = None) -> list[AccessRule]:
        owner = user_id or self.context.user_id
        self.authorize(owner, "identity:list_access_rules")
        return [r for r in self.store.list(AccessRule) if r.user_id == owner]

    def get(self, user_id: str, rule_id: str, action: str = "identity:get_access_rule"
            ) -> AccessRule:
        self.authorize(user_id, action)
        found = self.store.get(AccessRule, rule_id)
        if found is None or found.user_id != user_id:
            raise access_rule_not_found(rule_id)
        return found

    def delete(self, rule: AccessRule) -> None:
        self.authorize(rule.user_id, "identity:delete_access_rule")
        with self.store.transaction():
            if self.store.get(AccessRule, rule.id) is None:
                raise access_rule_not_found(rule.id)
            for credential in self.store.list(ApplicationCredential):
                if any(ref.get("id") == rule.id for ref in credential.access_rules or ()):
                    raise Forbidden(IN_USE)
            self.store.delete(AccessRule, rule.id)

    def authorize(self, user_id: str, action: str) -> None:
        """Keystone's default policy: the owner, or a system-scoped reader (admin to
        delete), which no token here is: a project's admin is refused too."""
        if user_id != self.context.user_id:
            raise keystone_forbidden(action)
