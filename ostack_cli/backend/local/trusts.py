"""Keystone's trusts on the local store (keystone/api/trusts.py, keystone/trust/core.py and
the SQL driver): the trustor creates them for itself, naming a trustee, a project and roles
it holds there; the default policy lets an admin list them all, the trustor or the trustee
see one, the trustor (or an admin) delete it. An expired or used-up trust is no trust at all
to ``get`` (Keystone's TrustNotFound), though lists still show it."""

from __future__ import annotations

import datetime
import uuid

from ostack_cli.backend.local.application_credentials import (
    EXPIRES_FORMAT,
    effective_roles,
    parse_expiry,
    role_ref,
)
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.grants import implied_closure
from ostack_cli.backend.local.policy import keystone_forbidden
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.identity import Project, Role, User
from ostack_cli.backend.models.trust import Trust, TrustSpec
from ostack_cli.errors import BadRequest, Conflict, Forbidden, NotFound, not_found
from ostack_cli.state.store import Store, UniqueViolation

NO_ROLE = "At least one role should be specified"
NOT_TRUSTOR = "The authenticated user should match the trustor"
NO_USES = "remaining_uses must be a positive integer or null."
FORBIDDEN = "You are not authorized to perform the requested action."
# Keystone's isotime with subseconds, as its API writes a trust's expiry.
TRUST_EXPIRES_FORMAT = EXPIRES_FORMAT + "Z"


def trust_not_found(trust_id: str) -> NotFound:
    return NotFound(f"Could not find trust: {trust_id}.")


def role_not_found(role_id: str) -> NotFound:
    return NotFound(f"Could not find role: {role_id}.")


def usable(trust: Trust, now: datetime.datetime | None = None) -> bool:
    """The SQL driver's ``get_trust``: not deleted, not expired and not used up."""
    if trust.deleted_at is not None:
        return False
    if trust.remaining_uses is not None and trust.remaining_uses <= 0:
        return False
    if trust.expires_at is None:
        return True
    current = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return current <= datetime.datetime.strptime(trust.expires_at, TRUST_EXPIRES_FORMAT)


def live_trust(store: Store, trust_id: str) -> Trust | None:
    trust = store.get(Trust, trust_id)
    return trust if trust is not None and usable(trust) else None


def with_roles(store: Store, trust: Trust) -> Trust:
    """As Keystone shows one trust: its roles' references (a role since deleted is left
    out)."""
    refs = []
    for role_id in trust.role_ids:
        role = store.get(Role, role_id)
        if role is not None:
            refs.append(role_ref(role))
    return trust.replace(roles=refs)


def trust_roles(store: Store, trust: Trust) -> tuple[Role, ...] | None:
    """The roles a token from the trust carries (keystone's ``_validate_trust_scope``): the
    delegated roles and those they imply, all still the trustor's on the project; None when
    one is not (Keystone's ``Trustee has no delegated roles.``)."""
    project = store.get(Project, trust.project_id) if trust.project_id else None
    if project is None:
        return None
    by_id = {role.id: role for role in store.list(Role)}
    delegated = implied_closure(by_id, [r for r in trust.role_ids if r in by_id])
    held = {role.id for role in effective_roles(store, trust.trustor_user_id, project)}
    if any(role_id not in held for role_id in delegated):
        return None
    return tuple(by_id[role_id] for role_id in delegated
                 if by_id[role_id].domain_id is None)


def consume_use(store: Store, trust_id: str) -> None:
    """The SQL driver's ``consume_use``: one use less, once a token was issued."""
    with store.transaction():
        trust = store.get(Trust, trust_id)
        if trust is None or not usable(trust):
            raise trust_not_found(trust_id)
        if trust.remaining_uses is not None:
            store.update(trust.replace(remaining_uses=trust.remaining_uses - 1))


def drop_trusts(store: Store, *, user_id: str | None = None,
                project_id: str | None = None) -> None:
    """Keystone's callbacks: a deleted user's trusts (as trustor or trustee) and a deleted
    project's go with them (softly, as Keystone deletes). Call inside a transaction."""
    for trust in store.list(Trust):
        if trust.deleted_at is None and (
                user_id in (trust.trustor_user_id, trust.trustee_user_id)
                or (project_id is not None and trust.project_id == project_id)):
            store.update(trust.replace(deleted_at=utcnow()))


class Trusts:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- reading ----------------------------------------------------------------------------

    def find_all(self, *, trustor_user_id: str | None = None,
                 trustee_user_id: str | None = None) -> list[Trust]:
        """``GET /v3/OS-TRUST/trusts``: the trustor filter wins over the trustee's; without
        either, admins only. Without their roles, as Keystone lists them."""
        current = [t for t in self.store.list(Trust) if t.deleted_at is None]
        if trustor_user_id:
            self._check(trustor_user_id, "identity:list_trusts_for_trustor")
            found = [t for t in current if t.trustor_user_id == trustor_user_id]
        elif trustee_user_id:
            self._check(trustee_user_id, "identity:list_trusts_for_trustee")
            found = [t for t in current if t.trustee_user_id == trustee_user_id]
        else:
            if not self.context.is_admin:
                raise keystone_forbidden("identity:list_trusts")
            found = current
        # In the primary key's order, as MySQL's InnoDB scans Keystone's table.
        return sorted(found, key=lambda t: t.id)

    def get(self, trust_id: str, action: str = "identity:get_trust") -> Trust:
        """One trust, with its roles: Keystone's 404 first, then its policy (an admin, the
        trustor or the trustee)."""
        trust = live_trust(self.store, trust_id)
        if trust is None:
            raise trust_not_found(trust_id)
        if self.context.user_id not in (trust.trustor_user_id, trust.trustee_user_id):
            self._check(None, action)
        return with_roles(self.store, trust)

    def find(self, name_or_id: str) -> Trust:
        """openstacksdk's ``find_trust``: by ID, then through the list (trusts have no
        names), which only an admin may read: an expired or used-up trust is found there,
        without its roles, as lists give them."""
        try:
            return self.get(name_or_id)
        except NotFound:
            listed = [t for t in self.find_all() if t.id == name_or_id]
            if not listed:
                raise not_found(Trust.RESOURCE_NAME, name_or_id) from None
            return listed[0]

    # -- writing ----------------------------------------------------------------------------

    def create(self, spec: TrustSpec) -> Trust:
        if spec.trustor_user_id != self.context.user_id:
            raise keystone_forbidden("identity:create_trust")
        if spec.project_id and not spec.roles:
            raise keystone_forbidden(NO_ROLE)
        if spec.remaining_uses is not None and spec.remaining_uses <= 0:
            raise BadRequest(f"{NO_USES} The server could not comply with the request since it "
                             "is either malformed or otherwise incorrect. The client is assumed "
                             "to be in error.")
        if self.store.get(User, spec.trustee_user_id) is None:
            raise NotFound(f"Could not find user: {spec.trustee_user_id}.")
        role_ids = [self._role_id(ref) for ref in spec.roles]
        self._check_trustor_roles(spec, role_ids)
        expires_at = parse_expiry(spec.expires_at) + "Z" if spec.expires_at else None
        if spec.redelegated_trust_id is not None:
            # keystone's _validate_redelegation: no trust made here allows redelegation (its
            # redelegation_count is 0), so the Forbidden, whose text Keystone hides.
            raise Forbidden(FORBIDDEN)
        trust = Trust(id=uuid.uuid4().hex, trustor_user_id=spec.trustor_user_id,
                      trustee_user_id=spec.trustee_user_id, project_id=spec.project_id or None,
                      impersonation=spec.impersonation, expires_at=expires_at,
                      remaining_uses=spec.remaining_uses, role_ids=role_ids,
                      created_at=utcnow())
        with self.store.transaction():
            try:
                self.store.insert(trust)
            except UniqueViolation:
                # The same trustor, trustee, project, impersonation and expiry as another
                # trust, deleted ones included (keystone's handle_conflicts names the ID).
                raise Conflict("Conflict occurred attempting to store trust - Duplicate entry "
                               f"found with ID {trust.id}.") from None
        return with_roles(self.store, trust)

    def delete(self, trust: Trust) -> None:
        if trust.trustor_user_id != self.context.user_id:
            self._check(None, "identity:delete_trust")
        with self.store.transaction():
            stored = self.store.get(Trust, trust.id)
            if stored is None or not usable(stored):
                # Keystone reads the trust first: an expired or used-up one is its 404.
                raise trust_not_found(trust.id)
            self.store.update(stored.replace(deleted_at=utcnow()))

    # -- helpers ----------------------------------------------------------------------------

    def _check(self, user_id: str | None, action: str) -> None:
        """Keystone's default policy: the user named, or an admin."""
        if user_id != self.context.user_id and not self.context.is_admin:
            raise keystone_forbidden(action)

    def _role_id(self, ref: dict[str, str]) -> str:
        """keystone's ``_normalize_role_list``: an ID as given, a name that must name exactly
        one global role."""
        if ref.get("id"):
            return ref["id"]
        name = ref.get("name", "")
        named = [r for r in self.store.list(Role, name=name) if r.domain_id is None]
        if len(named) != 1:
            raise role_not_found(name)
        return named[0].id

    def _check_trustor_roles(self, spec: TrustSpec, role_ids: list[str]) -> None:
        """``_require_trustor_has_role_in_project``: each role is one the trustor holds on
        the project, in effect."""
        if not spec.project_id:
            held: set[str] = set()
        else:
            project = self.store.get(Project, spec.project_id)
            if project is None:
                raise NotFound(f"Could not find project: {spec.project_id}.")
            held = {r.id for r in effective_roles(self.store, spec.trustor_user_id, project)}
        for role_id in role_ids:
            if role_id not in held:
                raise role_not_found(role_id)
