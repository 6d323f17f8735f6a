"""Keystone's application credentials on the local store (keystone/api/users.py's
``UserAppCred*`` resources and keystone/application_credential/): the secret generated when
none is given, shown once and stored hashed as passwords are; roles a subset of the creator's
roles on the project (implied roles added); names unique per user; an optional expiry; the
credentials of a user go with the user."""

from __future__ import annotations

import base64
import datetime
import secrets
import uuid
from typing import Any

from ostack_cli.backend.local.access_rules import keep_access_rules
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.grants import implied_closure, project_grants
from ostack_cli.backend.local.keystone_input import check_name
from ostack_cli.backend.local.passwords import hash_password
from ostack_cli.backend.local.policy import keystone_forbidden
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.application_credential import (
    ApplicationCredential,
    ApplicationCredentialSecret,
    ApplicationCredentialSpec,
)
from ostack_cli.backend.models.identity import Project, Role
from ostack_cli.errors import BadRequest, Conflict, NotFound, not_found
from ostack_cli.state.store import Store, UniqueViolation

NAME_MAX = 255
# keystone's strftime for DateTimeInt columns, as its API writes them.
EXPIRES_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
SECRET_BYTES = 64
_MALFORMED = ("The server could not comply with the request since it is either malformed or "
              "otherwise incorrect. The client is assumed to be in error.")
UNASSIGNED_ROLE = ("Invalid application credential: Cannot create an application credential "
                   "with unassigned role")
ACCESS_RULE_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def new_secret() -> str:
    """Keystone's generated secret: 64 random bytes, URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).rstrip(b"=").decode()


def parse_expiry(text: str, *, now: datetime.datetime | None = None) -> str:
    """keystone.common.utils.parse_expiration_date: an ISO 8601 time (UTC unless it says),
    not in the past; Keystone's stored form."""
    try:
        moment = datetime.datetime.fromisoformat(text.removesuffix("Z"))
    except ValueError:
        raise BadRequest(f"Timestamp not in expected format. {_MALFORMED}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    current = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    if moment < current:
        raise BadRequest(f"The 'expires_at' must not be before now. {_MALFORMED}")
    return moment.strftime(EXPIRES_FORMAT)


def expired(credential: ApplicationCredential, now: datetime.datetime | None = None) -> bool:
    if credential.expires_at is None:
        return False
    current = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return current >= datetime.datetime.strptime(credential.expires_at, EXPIRES_FORMAT)


def expiry_seconds(credential: ApplicationCredential) -> float | None:
    """The expiry as POSIX seconds (a token never outlives its credential)."""
    if credential.expires_at is None:
        return None
    moment = datetime.datetime.strptime(credential.expires_at, EXPIRES_FORMAT)
    return moment.replace(tzinfo=datetime.UTC).timestamp()


def role_ref(role: Role) -> dict[str, Any]:
    return {"id": role.id, "name": role.name, "domain_id": role.domain_id,
            "description": role.description, "options": dict(role.options)}


def effective_roles(store: Store, user_id: str, project: Project) -> list[Role]:
    """The roles a token of the user on the project carries, in its order."""
    by_id = {role.id: role for role in store.list(Role)}
    direct = [grant.role_id for grant in project_grants(store, user_id, project)]
    return [by_id[r] for r in implied_closure(by_id, direct) if r in by_id]


def as_stored(credential: ApplicationCredential) -> ApplicationCredential:
    """As Keystone reads it back: roles in its join's order (by ID), no secret."""
    return credential.replace(roles=sorted(credential.roles, key=lambda r: str(r["id"])),
                              secret=None)


def drop_application_credentials(store: Store, *, user_id: str,
                                 project_id: str | None = None) -> None:
    """Keystone's callbacks: a deleted or disabled user loses its credentials, a deleted
    role those of its holders on each project. Call inside a transaction."""
    for credential in store.list(ApplicationCredential):
        if credential.user_id == user_id and project_id in (None, credential.project_id):
            store.delete(ApplicationCredential, credential.id)
            store.delete(ApplicationCredentialSecret, credential.id)


class ApplicationCredentials:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    def find_all(self, *, user_id: str | None = None) -> list[ApplicationCredential]:
        owner = user_id or self.context.user_id
        self._check_owner(owner, "identity:list_application_credentials")
        return [as_stored(c) for c in self.store.list(ApplicationCredential)
                if c.user_id == owner]

    def find(self, name_or_id: str) -> ApplicationCredential:
        """openstacksdk's find among the acting user's: the ID, then a unique name."""
        owner = self.context.user_id
        by_id = self.store.get(ApplicationCredential, name_or_id)
        if by_id is not None and by_id.user_id == owner:
            return as_stored(by_id)
        matches = [c for c in self.store.list(ApplicationCredential, name=name_or_id)
                   if c.user_id == owner]
        if not matches:
            raise not_found(ApplicationCredential.RESOURCE_NAME, name_or_id)
        return as_stored(matches[0])

    def get(self, user_id: str, credential_id: str, action: str) -> ApplicationCredential:
        """By ID in a user's URL (the API): Keystone's policy, then its 404."""
        self._check_owner(user_id, action)
        found = self.store.get(ApplicationCredential, credential_id)
        if found is None:
            raise NotFound(f"Could not find Application Credential: {credential_id}.")
        return as_stored(found)

    def create(self, spec: ApplicationCredentialSpec) -> ApplicationCredential:
        check_name(spec.name, NAME_MAX)
        project = self.store.get(Project, self.context.project_id)
        if project is None:
            raise NotFound(f"Could not find project: {self.context.project_id}.")
        user_id = self.context.user_id
        held = effective_roles(self.store, user_id, project)
        token_roles = held if spec.within_roles is None else [
            r for r in held if r.id in spec.within_roles]
        roles = self._roles(spec, token_roles)
        expires_at = parse_expiry(spec.expires_at) if spec.expires_at else None
        access_rules = None if spec.access_rules is None else [
            self._access_rule(rule) for rule in spec.access_rules]
        # keystone's manager: the roles must still be the user's on the project.
        held_ids = {r.id for r in held}
        for role in roles:
            if role.id not in held_ids:
                raise BadRequest(
                    "Invalid application credential: Could not find role assignment with "
                    f"role: {role.id}, user or group: {user_id}, project, domain, or system: "
                    f"{project.id}.")
        secret = spec.secret or new_secret()
        credential = ApplicationCredential(
            id=uuid.uuid4().hex, name=spec.name, user_id=user_id, project_id=project.id,
            description=spec.description, expires_at=expires_at,
            unrestricted=spec.unrestricted, roles=[role_ref(r) for r in roles],
            access_rules=access_rules or None, created_at=utcnow())
        hashed = hash_password(secret)
        with self.store.transaction():
            if access_rules:
                # The user's rules: reused where they match, made where they do not.
                credential = credential.replace(
                    access_rules=keep_access_rules(self.store, user_id, access_rules))
            try:
                self.store.insert(credential)
            except UniqueViolation:
                raise Conflict(
                    "Conflict occurred attempting to store application_credential - "
                    f"Duplicate entry found with name {spec.name}.") from None
            self.store.insert(ApplicationCredentialSecret(id=credential.id, hash=hashed))
        # The answer gives the rules kept (an empty list asked for, echoed).
        return credential.replace(secret=secret,
                                  access_rules=credential.access_rules or access_rules)

    def delete(self, credential: ApplicationCredential) -> None:
        self._check_owner(credential.user_id, "identity:delete_application_credential")
        with self.store.transaction():
            if not self.store.delete(ApplicationCredential, credential.id):
                raise NotFound(f"Could not find Application Credential: {credential.id}.")
            self.store.delete(ApplicationCredentialSecret, credential.id)

    # -- helpers ------------------------------------------------------------------------

    def _check_owner(self, user_id: str, action: str) -> None:
        """Keystone's default policy: the owner, or an admin."""
        if user_id != self.context.user_id and not self.context.is_admin:
            raise keystone_forbidden(action)

    def _roles(self, spec: ApplicationCredentialSpec, token_roles: list[Role]) -> list[Role]:
        """keystone's ``_get_roles``: the token's roles when none are asked for; else those
        asked (by ID, or by a name that must exist), with the roles they imply, each one in
        the token."""
        if not spec.roles:
            return list(token_roles)
        by_id = {role.id: role for role in self.store.list(Role)}
        asked: list[str] = []
        for ref in spec.roles:
            if ref.get("id"):
                asked.append(ref["id"])
                continue
            named = [r for r in by_id.values() if r.name == ref.get("name")]
            if not named:
                raise NotFound(f"Role {ref.get('name')} is not defined")
            asked.append(named[0].id)
        wanted = implied_closure(by_id, asked)
        token_ids = {r.id for r in token_roles}
        if any(role_id not in token_ids for role_id in wanted):
            raise BadRequest(UNASSIGNED_ROLE)
        return [by_id[r] for r in wanted]

    @staticmethod
    def _access_rule(rule: Any) -> dict[str, Any]:
        if not isinstance(rule, dict):
            raise BadRequest(f"Invalid input for field/attribute access_rules. Value: {rule}. "
                             f"{rule!r} is not of type 'object'")
        method = rule.get("method")
        if method is not None and method not in ACCESS_RULE_METHODS:
            raise BadRequest(
                f"Invalid input for field/attribute method. Value: {method}. {method!r} is "
                f"not one of {list(ACCESS_RULE_METHODS)!r}")
        made = {"id": rule.get("id") or uuid.uuid4().hex}
        made.update({k: rule[k] for k in ("service", "path", "method") if k in rule})
        return made
