"""Keystone's users on the local store: passwords hashed, admin-only changes, and what a
member may see of users (only itself, by ID), with Keystone's messages."""

from __future__ import annotations

from ostack_cli.backend.local.access_rules import drop_access_rules
from ostack_cli.backend.local.application_credentials import drop_application_credentials
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.grants import drop_grants
from ostack_cli.backend.local.groups import drop_memberships
from ostack_cli.backend.local.keystone_input import USER_NAME_MAX, check_name
from ostack_cli.backend.local.passwords import hash_password
from ostack_cli.backend.local.policy import require_keystone_admin
from ostack_cli.backend.local.revocations import revoke_user_tokens
from ostack_cli.backend.local.trusts import drop_trusts
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.identity import (
    IssuedToken,
    User,
    UserChanges,
    UserPassword,
    UserSpec,
)
from ostack_cli.errors import Conflict, duplicate, not_found
from ostack_cli.state.store import UniqueViolation


class Users:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    def find_all(self, *, domain_id: str | None = None, enabled: bool | None = None) -> list[User]:
        require_keystone_admin(self.context, "identity:list_users")
        return sorted(
            (u for u in self.store.list(User)
             if (domain_id is None or u.domain_id == domain_id)
             and (enabled is None or u.is_enabled == enabled)),
            key=lambda u: u.id,
        )

    def find(self, name_or_id: str, *, domain_id: str | None = None) -> User:
        """openstacksdk's find: by ID (a member may read itself so), then by name, which
        lists users: admin only."""
        by_id = self.store.get(User, name_or_id)
        if by_id is not None and (self.context.is_admin or by_id.id == self.context.user_id):
            return by_id
        require_keystone_admin(self.context, "identity:list_users")
        matches = [u for u in self.store.list(User, name=name_or_id)
                   if domain_id is None or u.domain_id == domain_id]
        if not matches:
            raise not_found(User.RESOURCE_NAME, name_or_id)
        if len(matches) > 1:
            raise duplicate(User.RESOURCE_NAME, name_or_id)
        return matches[0]

    def create(self, spec: UserSpec) -> User:
        require_keystone_admin(self.context, "identity:create_user")
        check_name(spec.name, USER_NAME_MAX)
        user = User(
            id=new_id().replace("-", ""),
            name=spec.name,
            domain_id=spec.domain_id,
            default_project_id=spec.default_project_id,
            email=spec.email,
            description=spec.description,
            is_enabled=spec.is_enabled,
            options=dict(spec.options),
            created_at=utcnow(),
        )
        with self.store.transaction():
            try:
                self.store.insert(user)
            except UniqueViolation:
                raise _duplicate_user(spec.name, spec.domain_id) from None
            if spec.password:
                self.store.insert(UserPassword(id=user.id, hash=hash_password(spec.password)))
        return user

    def update(self, user: User, changes: UserChanges) -> User:
        require_keystone_admin(self.context, "identity:update_user")
        if changes.name is not None:
            check_name(changes.name, USER_NAME_MAX)
        with self.store.transaction():
            current = self.store.get(User, user.id)
            if current is None:
                raise not_found(User.RESOURCE_NAME, user.id)
            updated = current.replace(**{
                field: value for field, value in (
                    ("name", changes.name),
                    ("default_project_id", changes.default_project_id),
                    ("email", changes.email),
                    ("description", changes.description),
                    ("is_enabled", changes.is_enabled),
                ) if value is not None
            })
            if changes.options:
                updated = updated.replace(options={**current.options, **changes.options})
            try:
                self.store.update(updated)
            except UniqueViolation:
                raise _duplicate_user(updated.name) from None
            if changes.password:
                record = UserPassword(id=user.id, hash=hash_password(changes.password))
                if self.store.get(UserPassword, user.id) is None:
                    self.store.insert(record)
                else:
                    self.store.update(record)
            if changes.password or changes.is_enabled is False:
                # Keystone revokes a user's tokens when its password changes or it is
                # disabled.
                self._revoke_tokens(user.id)
            if changes.is_enabled is False:
                # ... and a disabled user's application credentials go, as on delete.
                drop_application_credentials(self.store, user_id=user.id)
        return updated

    def delete(self, user: User) -> None:
        require_keystone_admin(self.context, "identity:delete_user")
        with self.store.transaction():
            if not self.store.delete(User, user.id):
                raise not_found(User.RESOURCE_NAME, user.id)
            self.store.delete(UserPassword, user.id)
            drop_grants(self.store, user_id=user.id)
            drop_memberships(self.store, user_id=user.id)
            drop_application_credentials(self.store, user_id=user.id)
            drop_access_rules(self.store, user_id=user.id)
            drop_trusts(self.store, user_id=user.id)
            self._revoke_tokens(user.id)

    def _revoke_tokens(self, user_id: str) -> None:
        for token in self.store.list(IssuedToken):
            if token.user_id == user_id and not token.revoked:
                self.store.update(token.replace(revoked=True))
        # The API's Fernet tokens are kept nowhere: an event revokes those issued until now.
        revoke_user_tokens(self.store, user_id)


def _duplicate_user(name: str, domain_id: str | None = None) -> Conflict:
    """Keystone's words: the domain is named on create, not on update (its conflict handler
    words what the stored dict holds)."""
    where = f" at domain ID {domain_id}" if domain_id else ""
    return Conflict(
        f"Conflict occurred attempting to store user - Duplicate entry found with name "
        f"{name}{where}."
    )
