"""Who a request acts as: Keystone's authentication (``POST /v3/auth/tokens``) and token
validation, on the local store's users, projects and role assignments.

The rules are the identity services' (``backend/local/grants.py`` resolves the roles a token
carries, ``passwords.py`` checks passwords, ``revocations.py`` says what was revoked); this
module applies them to a request body or a token, with Keystone's answers:

- a wrong password, an unknown or disabled user, a project the user has no role on, a
  disabled project: 401 ``The request you have made requires authentication.``
- a malformed body: 400 with Keystone's words (``Expecting to find domain in user. ...``)
- a token these keys did not seal: 404 ``Could not recognize Fernet token``; an expired or
  revoked one: 404 ``Failed to validate token`` (as ``X-Subject-Token``; as ``X-Auth-Token``
  every one of them is the 401).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.api.faults import UNAUTHORIZED_MESSAGE, ApiFault
from ostack_cli.api.password_cache import VerifiedPasswords
from ostack_cli.api.schema import SchemaError, validate
from ostack_cli.api.tokens import TokenData, TokenFormatter, TokenUnreadable, new_token_data
from ostack_cli.backend.local.grants import (
    ADMIN_ROLE,
    domain_grants,
    implied_closure,
    project_grants,
)
from ostack_cli.backend.local.revocations import is_revoked
from ostack_cli.backend.models.application_credential import ApplicationCredential
from ostack_cli.backend.models.identity import (
    DEFAULT_DOMAIN,
    Domain,
    Grant,
    Project,
    Role,
    User,
    UserPassword,
)
from ostack_cli.backend.models.trust import Trust
from ostack_cli.state.store import Store

MALFORMED_JSON = ("Expecting to find valid JSON in request body. The server could not comply "
                  "with the request since it is either malformed or otherwise incorrect. The "
                  "client is assumed to be in error.")
UNRECOGNIZED = "Could not recognize Fernet token"
NOT_VALID = "Failed to validate token"
_MALFORMED = ("The server could not comply with the request since it is either malformed or "
              "otherwise incorrect. The client is assumed to be in error.")

# keystone/auth/schema.py's token request, the subset its validation reports on.
_NAMED = {"type": "object", "properties": {"id": {"type": "string"},
                                           "name": {"type": "string"}}}
AUTH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "identity": {
            "type": "object",
            "properties": {
                "methods": {"type": "array", "items": {"type": "string"}},
                "password": {"type": "object", "properties": {"user": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                   "password": {"type": "string"}, "domain": _NAMED},
                }}},
                "token": {"type": "object", "properties": {"id": {"type": "string"}},
                          "required": ["id"]},
            },
            "required": ["methods"],
        },
        "scope": {
            "type": ["object", "string"],
            "properties": {
                "project": {"type": "object", "properties": {
                    "name": {"type": "string"}, "id": {"type": "string"}, "domain": _NAMED}},
                "domain": _NAMED,
                "OS-TRUST:trust": {"type": "object", "properties": {"id": {"type": "string"}}},
                "system": {"type": "object", "properties": {
                    "all": {"type": "boolean", "enum": [True, False, None]}}},
            },
        },
    },
    "required": ["identity"],
}


def unauthorized() -> ApiFault:
    return ApiFault(401, UNAUTHORIZED_MESSAGE)


def expecting(attribute: str, target: str) -> ApiFault:
    """Keystone's ValidationError: ``Expecting to find domain in user. ...``"""
    return ApiFault(400, f"Expecting to find {attribute} in {target}. {_MALFORMED}")


@dataclasses.dataclass(frozen=True)
class Principal:
    """A valid token and what it stands for now: its user, its project or its domain
    (neither: unscoped) and the roles the user holds there (with the roles they imply)."""

    token: TokenData
    user: User
    project: Project | None
    roles: tuple[Role, ...]
    domain: Domain | None = None
    # The application credential the token was obtained with, if any.
    application_credential: ApplicationCredential | None = None
    # The trust a trust-scoped token was obtained through (``user`` is then the trustee's,
    # or the trustor's when the trust impersonates).
    trust: Trust | None = None

    @property
    def scoped(self) -> bool:
        return self.project is not None or self.domain is not None

    @property
    def is_admin(self) -> bool:
        return any(role.name == ADMIN_ROLE for role in self.roles)

    @property
    def role_names(self) -> list[str]:
        return [role.name for role in self.roles]


class Authenticator:
    """Issues and validates tokens against one store (the request's connection)."""

    def __init__(self, store: Store, formatter: TokenFormatter,
                 passwords: VerifiedPasswords) -> None:
        self.store = store
        self.formatter = formatter
        self.passwords = passwords

    # -- validation -----------------------------------------------------------------------

    def principal(self, token: str | None, *, subject: bool = False) -> Principal:
        """The principal of a token. As ``X-Auth-Token`` (``subject`` False) any failure is
        the 401; as ``X-Subject-Token``, Keystone's 404s."""
        if not token:
            raise unauthorized()
        try:
            data = self.formatter.unpack(token)
        except TokenUnreadable:
            raise (ApiFault(404, UNRECOGNIZED) if subject else unauthorized()) from None
        found = self.resolve(data)
        if found is None:
            if not subject:
                raise unauthorized()
            # Both build on this module.
            from ostack_cli.api.credential_auth import gone_credential
            from ostack_cli.api.trust_auth import gone_trust

            raise (gone_credential(self.store, data) or gone_trust(self.store, data)
                   or ApiFault(404, NOT_VALID))
        return found

    def resolve(self, data: TokenData) -> Principal | None:
        """The token's principal, or None when it no longer validates: expired, revoked,
        its user gone or disabled, its project gone or disabled or no role left there."""
        if data.expired():
            return None
        if is_revoked(self.store, user_id=data.user_id, audit_ids=data.audit_ids,
                      issued_at=data.issued_at):
            return None
        user = self.store.get(User, data.user_id)
        if user is None or not user.is_enabled:
            return None
        if data.trust_id is not None:
            from ostack_cli.api import trust_auth  # builds on this module

            return trust_auth.resolve(self.store, data, user)
        credential = None
        if data.application_credential_id is not None:
            from ostack_cli.api import credential_auth  # builds on this module

            credential = credential_auth.live_credential(self.store,
                                                         data.application_credential_id)
            if credential is None:
                return None
        if data.domain_id is not None:
            domain = _domain(data.domain_id)
            roles = self.roles(user, domain) if domain is not None else ()
            return Principal(data, user, None, roles, domain) if roles else None
        if data.project_id is None:
            return Principal(data, user, None, ())
        project = self.store.get(Project, data.project_id)
        if project is None or not project.is_enabled:
            return None
        roles = self.roles(user, project)
        if credential is not None:
            roles = credential_auth.credential_roles(credential, roles)
        return (Principal(data, user, project, roles, application_credential=credential)
                if roles else None)

    def roles(self, user: User, target: Project | Domain) -> tuple[Role, ...]:
        by_id = {role.id: role for role in self.store.list(Role)}
        grants: list[Grant] = (project_grants(self.store, user.id, target)
                               if isinstance(target, Project)
                               else domain_grants(self.store, user.id, target.id))
        direct = [grant.role_id for grant in grants]
        return tuple(by_id[r] for r in implied_closure(by_id, direct) if r in by_id)

    # -- authentication ---------------------------------------------------------------------

    def authenticate(self, body: Any) -> Principal:
        """``POST /v3/auth/tokens``: the principal of the token to issue."""
        if not body or not isinstance(body, dict):
            raise ApiFault(400, MALFORMED_JSON)
        if "auth" not in body:
            raise expecting("auth", "request body")
        auth = body["auth"]
        try:
            validate(AUTH_SCHEMA, auth)
        except SchemaError as exc:
            # keystone/auth/core.py's wording: the field's path, then jsonschema's text.
            where = "/".join(str(p) for p in exc.path)
            raise ApiFault(400, f"Invalid input for field '{where}': {exc.details()}" if where
                           else exc.details()) from None
        identity = auth["identity"]
        methods = list(dict.fromkeys(identity["methods"]))
        for method in methods:
            if method not in identity:
                raise expecting(method, "identity")
        if "application_credential" in methods:
            from ostack_cli.api import credential_auth  # builds on this module

            if len(methods) > 1:
                # Only alone: another method would have to prove the same user.
                raise unauthorized()
            return credential_auth.authenticate(self, auth)
        # Keystone reads the scope before it authenticates anyone.
        self._check_scope(auth.get("scope"))
        if not methods or any(m not in ("password", "token") for m in methods):
            raise unauthorized()
        parent: Principal | None = None
        user: User | None = None
        if "token" in methods:
            parent = self.principal(identity["token"]["id"], subject=True)
            if parent.trust is not None:
                from ostack_cli.api.trust_auth import TRUST_TOKEN_RESCOPE

                raise ApiFault(403, TRUST_TOKEN_RESCOPE)
            user = parent.user
        if "password" in methods:
            checked = self._password_user(identity["password"])
            if user is not None and checked.id != user.id:
                raise unauthorized()
            user = checked
        assert user is not None
        used = tuple(dict.fromkeys([*(parent.token.methods if parent else ()), *methods]))
        scope = auth.get("scope")
        if isinstance(scope, dict) and "OS-TRUST:trust" in scope:
            from ostack_cli.api import trust_auth  # builds on this module

            return trust_auth.authenticate(self, user, parent, used, scope)
        target = self._scope(user, scope)
        project = target if isinstance(target, Project) else None
        domain = target if isinstance(target, Domain) else None
        data = new_token_data(user.id, project.id if project else None, used,
                              parent=parent.token if parent else None,
                              domain_id=domain.id if domain else None)
        roles = self.roles(user, target) if target is not None else ()
        return Principal(data, user, project, roles, domain)

    def _password_user(self, section: Any) -> User:
        ref = section.get("user") if isinstance(section, dict) else None
        if not isinstance(ref, dict):
            raise expecting("user", "password")
        password = ref.get("password")
        if "id" in ref:
            user = self.store.get(User, ref["id"])
        elif "name" in ref:
            domain = ref.get("domain")
            if not isinstance(domain, dict) or not ({"id", "name"} & set(domain)):
                raise expecting("domain", "user")
            domain_id = self._domain_id(domain)
            user = next((u for u in self.store.list(User, name=ref["name"])
                         if u.domain_id == domain_id), None)
        else:
            raise expecting("id or name", "user")
        if password is None:
            raise expecting("password", "user")
        stored = self.store.get(UserPassword, user.id) if user is not None else None
        if user is None or stored is None or not user.is_enabled:
            raise unauthorized()
        if not self.passwords.check(user.id, password, stored.hash):
            raise unauthorized()
        return user

    @staticmethod
    def _check_scope(scope: Any) -> None:
        """The scope's own shape, as Keystone's AuthInfo validates it."""
        if not isinstance(scope, dict):
            return
        named = [kind for kind in ("project", "domain", "OS-TRUST:trust", "system")
                 if kind in scope]
        if len(named) > 1:
            raise expecting("system, project, domain, OS-TRUST:trust or unscoped", "scope")
        if "domain" in scope and not ({"id", "name"} & set(scope["domain"])):
            raise ApiFault(400, "Invalid input for field scope/domain: id or name must be "
                                "present.")
        if "project" not in scope:
            return
        ref = scope["project"]
        if "id" not in ref and "name" not in ref:
            raise ApiFault(400, "Invalid input for field scope/project: id or name must be "
                                "present.")
        if "id" not in ref:
            domain = ref.get("domain")
            if not isinstance(domain, dict) or not ({"id", "name"} & set(domain)):
                raise expecting("domain", "project")

    def _scope(self, user: User, scope: Any) -> Project | Domain | None:
        if scope is None:
            # Keystone scopes to the user's default project when it can, else unscoped.
            default = (self.store.get(Project, user.default_project_id)
                       if user.default_project_id else None)
            if default is None or not default.is_enabled or not self.roles(user, default):
                return None
            return default
        if isinstance(scope, str):
            if scope == "unscoped":
                return None
            raise unauthorized()
        if "domain" in scope:
            # Keystone: an unknown domain, or one the user holds no role on, is the 401.
            domain = _domain(self._domain_id(scope["domain"]))
            if domain is None or not domain.is_enabled or not self.roles(user, domain):
                raise unauthorized()
            return domain
        if "project" not in scope:
            # System scope: no token of its is issued here.
            raise unauthorized()
        ref = scope["project"]
        if "id" in ref:
            project = self.store.get(Project, ref["id"])
        else:
            domain_id = self._domain_id(ref["domain"])
            project = next((p for p in self.store.list(Project, name=ref["name"])
                            if p.domain_id == domain_id), None)
        if project is None or not project.is_enabled or not self.roles(user, project):
            raise unauthorized()
        return project

    @staticmethod
    def _domain_id(domain: dict[str, Any]) -> str | None:
        if "id" in domain:
            return str(domain["id"])
        # Only the Default domain exists; any other name is no domain at all.
        return DEFAULT_DOMAIN.id if domain.get("name") == DEFAULT_DOMAIN.name else None


def _domain(domain_id: str | None) -> Domain | None:
    # Only the Default domain exists locally.
    return DEFAULT_DOMAIN if domain_id == DEFAULT_DOMAIN.id else None
