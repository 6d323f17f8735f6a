"""Keystone's trusts (``/v3/OS-TRUST/trusts``, keystone/api/trusts.py) on the local
backend's ``Trusts``. Bodies as Keystone 30 writes them (realstack): lists without roles,
one trust with its roles' references and Keystone's ``roles_links`` (whose URL lacks the
``OS-TRUST/trusts`` part, as Keystone's does)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import credential_auth
from ostack_cli.api.catalog import IDENTITY_PATH
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.keystone import KEYSTONE, _link, _wrapped
from ostack_cli.api.principal import Principal
from ostack_cli.backend.local.policy import keystone_forbidden
from ostack_cli.backend.local.trusts import role_not_found
from ostack_cli.backend.models.trust import Trust, TrustSpec

COLLECTION = "/v3/OS-TRUST/trusts"
_ROLE_REF = {"type": "object",
             "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 64},
                            "name": {"type": "string", "minLength": 1, "maxLength": 255,
                                     "pattern": r"[\S]+"}},
             "minProperties": 1, "maxProperties": 1, "additionalProperties": False}
# keystone/trust/schema.py: trust_create_request_body.
CREATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "trustor_user_id": {"type": "string"},
        "trustee_user_id": {"type": "string"},
        "impersonation": {"type": "boolean"},
        "project_id": {"type": ["string", "null"]},
        "remaining_uses": {"type": ["integer", "null"], "minimum": 1},
        "expires_at": {"type": ["null", "string"]},
        "allow_redelegation": {"type": ["boolean", "null"]},
        "redelegation_count": {"type": ["integer", "null"], "minimum": 0},
        "roles": {"type": "array", "items": _ROLE_REF},
    },
    "required": ["trustor_user_id", "trustee_user_id", "impersonation"],
    "additionalProperties": True,
}


def trust_json(req: ApiRequest, trust: Trust, *, with_roles: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if with_roles:
        body["roles"] = [_role_json(req, ref) for ref in trust.roles or ()]
    body.update({
        "id": trust.id, "trustor_user_id": trust.trustor_user_id,
        "trustee_user_id": trust.trustee_user_id, "project_id": trust.project_id,
        "impersonation": trust.impersonation, "expires_at": trust.expires_at,
        "remaining_uses": trust.remaining_uses, "deleted_at": None,
        "redelegated_trust_id": trust.redelegated_trust_id,
        "redelegation_count": trust.redelegation_count,
    })
    if with_roles:
        body["roles_links"] = _roles_links(req, trust)
    body["links"] = _link(req, f"/OS-TRUST/trusts/{trust.id}")
    return body


def token_trust_json(trust: Trust) -> dict[str, Any]:
    """What a trust-scoped token says of its trust (keystone/token/provider.py)."""
    return {"id": trust.id, "trustor_user": {"id": trust.trustor_user_id},
            "trustee_user": {"id": trust.trustee_user_id},
            "impersonation": trust.impersonation}


def _role_json(req: ApiRequest, ref: dict[str, Any]) -> dict[str, Any]:
    return {**ref, "links": _link(req, f"/roles/{ref['id']}")}


def _roles_links(req: ApiRequest, trust: Trust) -> dict[str, Any]:
    return {"self": f"{req.base_url}{IDENTITY_PATH}/{trust.id}/roles", "next": None,
            "previous": None}


def _caller(req: ApiRequest) -> Principal:
    assert req.principal is not None
    return req.principal


def _check_delegated(principal: Principal) -> None:
    """keystone's ``_check_delegated_token``: no token from an application credential reads
    or manages trusts."""
    if principal.application_credential is not None:
        raise keystone_forbidden(credential_auth.NO_TRUSTS)


@KEYSTONE.route("GET", COLLECTION, scoped=False)
def list_trusts(req: ApiRequest) -> Reply:
    trustor = req.param("trustor_user_id")
    trustee = req.param("trustee_user_id")
    trusts = req.backend.services.trusts
    if trustor:
        found = trusts.find_all(trustor_user_id=trustor)
    elif trustee:
        found = trusts.find_all(trustee_user_id=trustee)
    elif req.query_string:
        # Keystone lists only with no query at all; another parameter gives nothing.
        trusts.find_all()
        found = []
    else:
        found = trusts.find_all()
    _check_delegated(_caller(req))
    query = f"?{req.query_string}" if req.query_string else ""
    return Reply(200, {"trusts": [trust_json(req, t, with_roles=False) for t in found],
                       "links": {"next": None, "self": req.url + query, "previous": None}})


@KEYSTONE.route("POST", COLLECTION, scoped=False)
def create_trust(req: ApiRequest) -> Reply:
    body = req.json(_wrapped("trust", CREATE_SCHEMA))
    ref = body["trust"]
    principal = _caller(req)
    if ref["trustor_user_id"] != principal.user.id:
        raise keystone_forbidden("identity:create_trust")
    _check_delegated(principal)
    created = req.backend.create_trust(TrustSpec(
        trustor_user_id=ref["trustor_user_id"], trustee_user_id=ref["trustee_user_id"],
        project_id=ref.get("project_id"), roles=list(ref.get("roles") or []),
        impersonation=bool(ref["impersonation"]), expires_at=ref.get("expires_at"),
        remaining_uses=ref.get("remaining_uses"),
        # A trust-scoped token's trust would be redelegated.
        redelegated_trust_id=principal.trust.id if principal.trust is not None else None))
    return Reply(201, {"trust": trust_json(req, created, with_roles=True)})


def _trust(req: ApiRequest, trust_id: str, action: str) -> Trust:
    found = req.backend.services.trusts.get(trust_id, action)
    _check_delegated(_caller(req))
    return found


@KEYSTONE.route("GET", COLLECTION + "/{trust_id}", scoped=False)
def show_trust(req: ApiRequest, trust_id: str) -> Reply:
    found = _trust(req, trust_id, "identity:get_trust")
    return Reply(200, {"trust": trust_json(req, found, with_roles=True)})


@KEYSTONE.route("DELETE", COLLECTION + "/{trust_id}", scoped=False)
def delete_trust(req: ApiRequest, trust_id: str) -> Reply:
    trusts = req.backend.services.trusts
    found = trusts.get(trust_id, "identity:delete_trust")
    if found.trustor_user_id != _caller(req).user.id and not _caller(req).is_admin:
        raise keystone_forbidden("identity:delete_trust")
    _check_delegated(_caller(req))
    trusts.delete(found)
    return Reply(204)


@KEYSTONE.route("GET", COLLECTION + "/{trust_id}/roles", scoped=False)
def list_trust_roles(req: ApiRequest, trust_id: str) -> Reply:
    found = _trust(req, trust_id, "identity:list_roles_for_trust")
    return Reply(200, {"roles": [_role_json(req, ref) for ref in found.roles or ()],
                       "links": _roles_links(req, found)})


@KEYSTONE.route("GET", COLLECTION + "/{trust_id}/roles/{role_id}", scoped=False)
def show_trust_role(req: ApiRequest, trust_id: str, role_id: str) -> Reply:
    found = _trust(req, trust_id, "identity:get_role_for_trust")
    ref = next((r for r in found.roles or () if r["id"] == role_id), None)
    if ref is None:
        raise role_not_found(role_id)
    return Reply(200, {"role": _role_json(req, ref)})
