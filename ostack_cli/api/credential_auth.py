"""Keystone's ``application_credential`` auth method (keystone/auth/core.py
``_lookup_app_cred``, keystone/auth/plugins/application_credential.py and the SQL driver's
``authenticate``), and what a token obtained so carries (keystone/models/token_model.py).

- The credential is named by ID, or by name with its user (by ID, or by name and domain).
  A missing ID is Keystone's 404 ``Could not find Application Credential: x.``; a name that
  is not exactly one of the user's credentials, a wrong secret, an expired credential, a
  disabled user: the 401.
- Such a request may not name a scope (401, ``Error authenticating with application
  credential: ...``); the token is scoped to the credential's project, its roles the
  credential's that the user still holds there, and it never outlives the credential.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ostack_cli.api.faults import ApiFault
from ostack_cli.api.principal import Principal, expecting, unauthorized
from ostack_cli.api.tokens import TokenData, new_token_data
from ostack_cli.backend.local.application_credentials import expired, expiry_seconds
from ostack_cli.backend.local.passwords import verify_password
from ostack_cli.backend.models.application_credential import (
    ApplicationCredential,
    ApplicationCredentialSecret,
)
from ostack_cli.backend.models.identity import DEFAULT_DOMAIN, Project, Role, User
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.api.principal import Authenticator

METHOD = "application_credential"
SCOPE_REFUSED = ("Error authenticating with application credential: Application credentials "
                 "cannot request a scope.")
# keystone/api/users.py: what a restricted credential's token may not do.
RESTRICTED = ("Using method 'application_credential' is not allowed for managing additional "
              "application credentials.")
# keystone/api/trusts.py: no token from a credential manages trusts.
NO_TRUSTS = "Delegated tokens cannot manage trusts."


def credential_not_found(credential_id: str) -> ApiFault:
    return ApiFault(404, f"Could not find Application Credential: {credential_id}.")


def live_credential(store: Store, credential_id: str) -> ApplicationCredential | None:
    """The credential a token names, while it exists and has not expired."""
    credential = store.get(ApplicationCredential, credential_id)
    return None if credential is None or expired(credential) else credential


def gone_credential(store: Store, data: TokenData) -> ApiFault | None:
    """Keystone's answer to validating a token whose credential was deleted."""
    credential_id = data.application_credential_id
    if credential_id is not None and store.get(ApplicationCredential, credential_id) is None:
        return credential_not_found(credential_id)
    return None


def credential_roles(credential: ApplicationCredential, held: tuple[Role, ...]
                     ) -> tuple[Role, ...]:
    """The credential's roles (in Keystone's order, by ID) the user still holds."""
    by_id = {role.id: role for role in held}
    ordered = sorted(str(ref["id"]) for ref in credential.roles)
    return tuple(by_id[role_id] for role_id in ordered if role_id in by_id)


def authenticate(authenticator: Authenticator, auth: dict[str, Any]) -> Principal:
    """``POST /v3/auth/tokens`` with the ``application_credential`` method alone."""
    store = authenticator.store
    if "scope" in auth:
        raise ApiFault(401, SCOPE_REFUSED, details={"identity": {}})
    section = auth["identity"][METHOD]
    if not isinstance(section, dict):
        raise expecting("name or ID", "application credential")
    credential = _lookup(store, section)
    user = store.get(User, credential.user_id)
    if user is None or not user.is_enabled:
        raise unauthorized()
    secret = section.get("secret")
    stored = store.get(ApplicationCredentialSecret, credential.id)
    if (not isinstance(secret, str) or stored is None
            or not verify_password(secret, stored.hash) or expired(credential)):
        raise unauthorized()
    project = store.get(Project, credential.project_id)
    if project is None or not project.is_enabled:
        raise unauthorized()
    roles = credential_roles(credential, authenticator.roles(user, project))
    if not roles:
        raise unauthorized()
    data = new_token_data(user.id, project.id, (METHOD,))
    ends = expiry_seconds(credential)
    data = dataclasses.replace(
        data, application_credential_id=credential.id,
        expires_at=data.expires_at if ends is None else min(data.expires_at, ends))
    return Principal(data, user, project, roles, application_credential=credential)


def _lookup(store: Store, section: dict[str, Any]) -> ApplicationCredential:
    credential_id = section.get("id")
    if credential_id:
        found = store.get(ApplicationCredential, str(credential_id))
        if found is None:
            raise credential_not_found(str(credential_id))
        return found
    name = section.get("name")
    if not name:
        raise expecting("name or ID", "application credential")
    user_ref = section.get("user")
    if not user_ref or not isinstance(user_ref, dict):
        raise expecting("user", "application credential")
    user_id = user_ref.get("id")
    if not user_id:
        user_id = _user_id_by_name(store, user_ref)
    matches = [c for c in store.list(ApplicationCredential, name=str(name))
               if c.user_id == user_id]
    if len(matches) != 1:
        # Keystone's Unauthorized hides its own text ("Could not find application
        # credential: x") behind the usual 401.
        raise unauthorized()
    return matches[0]


def _user_id_by_name(store: Store, user_ref: dict[str, Any]) -> str:
    domain = user_ref.get("domain")
    if not isinstance(domain, dict):
        raise expecting("domain", "user")
    if not ({"id", "name"} & set(domain)):
        raise expecting("id or name", "domain")
    known = (domain.get("id") == DEFAULT_DOMAIN.id if "id" in domain
             else domain.get("name") == DEFAULT_DOMAIN.name)
    if not known:
        raise unauthorized()
    name = user_ref.get("name")
    user = next((u for u in store.list(User, name=str(name))
                 if u.domain_id == DEFAULT_DOMAIN.id), None)
    if user is None:
        raise ApiFault(404, f"Could not find user: {name}.")
    return user.id
