"""Trust-scoped tokens (``"scope": {"OS-TRUST:trust": {"id": ...}}``): keystone/auth/core.py
``_lookup_trust``, keystone/models/token_model.py (``_validate_token_user``,
``_validate_trust_scope``, the trust's roles) and keystone/api/_shared/authentication.py
(one use consumed per token issued; a trust that is gone, expired or used up is the 401).

- Only the trustee authenticates with a trust, and only while the trustor is enabled and
  still holds every delegated role (and the roles they imply) on the trust's project; else
  Keystone's Forbidden, whose text it hides behind the generic 403.
- The token is scoped to the trust's project with the delegated roles; its user is the
  trustee, or the trustor when the trust impersonates. It never outlives the trust.
- A token is valid only while its trust is: deleted, expired or used up (a trust with one
  use left is used up by the token it issues, as Keystone's is), it no longer validates.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import TYPE_CHECKING, Any

from ostack_cli.api.faults import ApiFault
from ostack_cli.api.principal import Principal, expecting, unauthorized
from ostack_cli.api.tokens import TokenData, new_token_data
from ostack_cli.backend.local.trusts import (
    FORBIDDEN,
    TRUST_EXPIRES_FORMAT,
    consume_use,
    live_trust,
    trust_roles,
)
from ostack_cli.backend.models.identity import Project, User
from ostack_cli.backend.models.trust import Trust
from ostack_cli.errors import NotFound
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.api.principal import Authenticator

SCOPE = "OS-TRUST:trust"
TRUST_TOKEN_RESCOPE = ("You are not authorized to perform the requested action: Using "
                       "trust-scoped token to create another token. Create a new trust-scoped "
                       "token instead.")


def refuse_trust_scoped(principal: Principal | None) -> None:
    """keystone/api/users.py ``_block_delegated_token_app_creds``: a trust-scoped token
    manages no application credentials nor access rules (a Forbidden whose text Keystone
    hides)."""
    if principal is not None and principal.trust is not None:
        raise ApiFault(403, FORBIDDEN)


def gone_trust(store: Store, data: TokenData) -> ApiFault | None:
    """Keystone's answer to validating a token whose trust is no more."""
    if data.trust_id is not None and live_trust(store, data.trust_id) is None:
        return ApiFault(404, f"Could not find trust: {data.trust_id}.")
    return None


def _trust_expiry(trust: Trust) -> float | None:
    if trust.expires_at is None:
        return None
    moment = datetime.datetime.strptime(trust.expires_at, TRUST_EXPIRES_FORMAT)
    return moment.replace(tzinfo=datetime.UTC).timestamp()


def principal_for(store: Store, data: TokenData, trustee: User, trust: Trust
                  ) -> Principal | None:
    """A trust-scoped token's principal, or None when the trust no longer stands."""
    if trustee.id != trust.trustee_user_id:
        return None
    trustor = store.get(User, trust.trustor_user_id)
    project = store.get(Project, trust.project_id) if trust.project_id else None
    if trustor is None or not trustor.is_enabled or project is None or not project.is_enabled:
        return None
    roles = trust_roles(store, trust)
    if not roles:
        return None
    user = trustor if trust.impersonation else trustee
    return Principal(data, user, project, roles, trust=trust)


def resolve(store: Store, data: TokenData, trustee: User) -> Principal | None:
    assert data.trust_id is not None
    trust = live_trust(store, data.trust_id)
    return None if trust is None else principal_for(store, data, trustee, trust)


def authenticate(authenticator: Authenticator, user: User, parent: Principal | None,
                 methods: tuple[str, ...], scope: dict[str, Any]) -> Principal:
    """The token to issue for a user (already authenticated) asking for a trust's scope."""
    store = authenticator.store
    ref = scope[SCOPE]
    trust_id = ref.get("id") if isinstance(ref, dict) else None
    if not trust_id:
        raise expecting("trust_id", "trust")
    trust = live_trust(store, str(trust_id))
    if trust is None:
        raise unauthorized()
    project = store.get(Project, trust.project_id) if trust.project_id else None
    if project is None or not project.is_enabled:
        raise unauthorized()
    data = new_token_data(user.id, project.id, methods,
                          parent=parent.token if parent else None)
    ends = _trust_expiry(trust)
    data = dataclasses.replace(
        data, trust_id=trust.id,
        expires_at=data.expires_at if ends is None else min(data.expires_at, ends))
    principal = principal_for(store, data, user, trust)
    if principal is None:
        # Not the trustee, the trustor disabled, a delegated role lost: Keystone's
        # Forbidden, its text hidden.
        raise ApiFault(403, FORBIDDEN)
    try:
        consume_use(store, trust.id)
    except NotFound:
        raise unauthorized() from None
    return principal
