"""Keystone's access rules (``/v3/users/{user_id}/access_rules``, keystone/api/users.py
``UserAccessRule*``) on the local backend's ``AccessRules``: the owner's only (Keystone's
default policy leaves others to system-scoped readers, which no token here is); not for a
trust-scoped token. Bodies as Keystone 30 writes them (realstack)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.keystone import KEYSTONE, _link
from ostack_cli.api.trust_auth import refuse_trust_scoped
from ostack_cli.backend.local.access_rules import rule_json
from ostack_cli.backend.models.application_credential import AccessRule

COLLECTION = "/v3/users/{user_id}/access_rules"
FILTERS = ("service", "path", "method")


def access_rule_json(req: ApiRequest, rule: AccessRule) -> dict[str, Any]:
    return {**rule_json(rule), "links": _link(req, f"/access_rules/{rule.id}")}


def _check_delegation(req: ApiRequest) -> None:
    refuse_trust_scoped(req.principal)


@KEYSTONE.route("GET", COLLECTION, scoped=False)
def list_access_rules(req: ApiRequest, user_id: str) -> Reply:
    found = req.backend.services.access_rules.find_all(user_id=user_id)
    _check_delegation(req)
    for key in FILTERS:
        wanted = req.param(key)
        if wanted is not None:
            found = [r for r in found if getattr(r, key) == wanted]
    query = f"?{req.query_string}" if req.query_string else ""
    return Reply(200, {"access_rules": [access_rule_json(req, r) for r in found],
                       "links": {"next": None, "self": req.url + query, "previous": None}})


@KEYSTONE.route("GET", COLLECTION + "/{rule_id}", scoped=False)
def show_access_rule(req: ApiRequest, user_id: str, rule_id: str) -> Reply:
    rules = req.backend.services.access_rules
    rules.authorize(user_id, "identity:get_access_rule")
    _check_delegation(req)
    return Reply(200, {"access_rule": access_rule_json(req, rules.get(user_id, rule_id))})


@KEYSTONE.route("DELETE", COLLECTION + "/{rule_id}", scoped=False)
def delete_access_rule(req: ApiRequest, user_id: str, rule_id: str) -> Reply:
    rules = req.backend.services.access_rules
    rules.authorize(user_id, "identity:delete_access_rule")
    _check_delegation(req)
    rules.delete(rules.get(user_id, rule_id, "identity:delete_access_rule"))
    return Reply(204)
