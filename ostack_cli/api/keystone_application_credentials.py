"""Keystone's application credentials (``/v3/users/{user_id}/application_credentials``,
keystone/api/users.py ``UserAppCred*``), on the local backend's ``ApplicationCredentials``.
Bodies as Keystone 30 writes them (realstack)."""

from __future__ import annotations

from typing import Any

from ostack_cli.api import credential_auth
from ostack_cli.api.catalog import IDENTITY_PATH
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.keystone import KEYSTONE, _wrapped
from ostack_cli.api.principal import Principal
from ostack_cli.api.trust_auth import refuse_trust_scoped
from ostack_cli.backend.local.policy import keystone_forbidden
from ostack_cli.backend.models.application_credential import (
    ApplicationCredential,
    ApplicationCredentialSpec,
)

COLLECTION = "/v3/users/{user_id}/application_credentials"
_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"[\S]+"}
_ID = {"type": "string", "minLength": 1, "maxLength": 64}
_NULLABLE_STRING = {"type": ["string", "null"]}
_ACCESS_RULE = {
    "type": "object",
    "properties": {
        "id": _ID,
        "path": {"type": "string", "minLength": 0, "maxLength": 225, "pattern": r"^/\.*"},
        "service": _ID,
        "method": {"type": "string",
                   "enum": ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"]},
    },
}
# keystone/application_credential/schema.py: application_credential_create_request_body.
CREATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "secret": _NULLABLE_STRING,
        "name": _NAME,
        "description": _NULLABLE_STRING,
        "expires_at": _NULLABLE_STRING,
        "project_id": {"type": "string"},
        "access_rules": {"type": "array", "items": _ACCESS_RULE},
        "unrestricted": {"type": ["boolean", "null"]},
        "system": _NULLABLE_STRING,
        "roles": {
            "type": "array",
            "items": {"type": "object", "properties": {"id": _ID, "name": _NAME},
                      "minProperties": 1, "maxProperties": 1,
                      "additionalProperties": False},
        },
    },
    "additionalProperties": False,
    "required": ["name"],
}


def credential_json(req: ApiRequest, credential: ApplicationCredential) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": credential.id, "name": credential.name, "description": credential.description,
        "user_id": credential.user_id, "project_id": credential.project_id, "system": None,
        "expires_at": credential.expires_at, "unrestricted": credential.unrestricted,
        "roles": [dict(role) for role in credential.roles],
    }
    if credential.access_rules is not None:
        body["access_rules"] = [dict(rule) for rule in credential.access_rules]
    if credential.secret is not None:
        body["secret"] = credential.secret
    body["links"] = {"self": f"{req.base_url}{IDENTITY_PATH}/application_credentials/"
                             f"{credential.id}"}
    return body


def token_credential_json(credential: ApplicationCredential) -> dict[str, Any]:
    """What a token obtained with a credential says of it (keystone/common/render_token)."""
    body: dict[str, Any] = {"id": credential.id, "name": credential.name,
                            "restricted": not credential.unrestricted}
    if credential.access_rules:
        body["access_rules"] = [dict(rule) for rule in credential.access_rules]
    return body


def _caller(req: ApiRequest) -> Principal:
    assert req.principal is not None
    return req.principal


def _check_unrestricted(principal: Principal) -> None:
    """A token from a restricted credential manages no credentials."""
    credential = principal.application_credential
    if credential is not None and not credential.unrestricted:
        raise keystone_forbidden(credential_auth.RESTRICTED)


@KEYSTONE.route("GET", COLLECTION, scoped=False)
def list_credentials(req: ApiRequest, user_id: str) -> Reply:
    found = req.backend.application_credentials(user_id=user_id)
    refuse_trust_scoped(req.principal)
    name = req.param("name")
    if name is not None:
        found = [c for c in found if c.name == name]
    query = f"?{req.query_string}" if req.query_string else ""
    return Reply(200, {"application_credentials": [credential_json(req, c) for c in found],
                       "links": {"next": None, "self": req.url + query, "previous": None}})


@KEYSTONE.route("POST", COLLECTION)
def create_credential(req: ApiRequest, user_id: str) -> Reply:
    body = req.json(_wrapped("application_credential", CREATE_SCHEMA))
    ref = body["application_credential"]
    principal = _caller(req)
    if principal.user.id != user_id and not principal.is_admin:
        raise keystone_forbidden("identity:create_application_credential")
    refuse_trust_scoped(principal)
    _check_unrestricted(principal)
    if principal.user.id != user_id:
        raise keystone_forbidden("Cannot create an application credential for another user.")
    within = (tuple(role.id for role in principal.roles)
              if principal.application_credential is not None else None)
    created = req.backend.create_application_credential(ApplicationCredentialSpec(
        name=ref["name"], secret=ref.get("secret"), roles=list(ref.get("roles") or []),
        expires_at=ref.get("expires_at"), description=ref.get("description"),
        unrestricted=ref.get("unrestricted"), access_rules=ref.get("access_rules"),
        within_roles=within))
    return Reply(201, {"application_credential": credential_json(req, created)})


@KEYSTONE.route("GET", COLLECTION + "/{credential_id}", scoped=False)
def show_credential(req: ApiRequest, user_id: str, credential_id: str) -> Reply:
    if user_id != _caller(req).user.id and not _caller(req).is_admin:
        raise keystone_forbidden("identity:get_application_credential")
    refuse_trust_scoped(req.principal)
    found = req.backend.services.application_credentials.get(
        user_id, credential_id, "identity:get_application_credential")
    return Reply(200, {"application_credential": credential_json(req, found)})


@KEYSTONE.route("DELETE", COLLECTION + "/{credential_id}", scoped=False)
def delete_credential(req: ApiRequest, user_id: str, credential_id: str) -> Reply:
    credentials = req.backend.services.application_credentials
    if user_id != _caller(req).user.id and not _caller(req).is_admin:
        raise keystone_forbidden("identity:delete_application_credential")
    refuse_trust_scoped(req.principal)
    _check_unrestricted(_caller(req))
    found = credentials.get(user_id, credential_id, "identity:delete_application_credential")
    credentials.delete(found)
    return Reply(204)
