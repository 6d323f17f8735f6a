"""Keystone's groups and their memberships on the local store, as keystone/identity/core.py
keeps them: names unique per domain, admin-only (Keystone's default policy), a deleted group
taking its memberships and role assignments with it. What a group's roles give its members
is ``grants.py``'s rule."""

from __future__ import annotations

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.grants import drop_grants, group_member_ids, user_group_ids
from ostack_cli.backend.local.keystone_input import check_name
from ostack_cli.backend.local.policy import require_keystone_admin
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.identity import DEFAULT_DOMAIN_ID, Group, GroupMembership, User
from ostack_cli.errors import Conflict, NotFound, duplicate, not_found
from ostack_cli.state.store import Store, UniqueViolation

# keystone.common.validation.parameter_types.name
GROUP_NAME_MAX = 255


class Groups:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- groups -------------------------------------------------------------------------

    def find_all(self, *, domain_id: str | None = None, name: str | None = None) -> list[Group]:
        require_keystone_admin(self.context, "identity:list_groups")
        return sorted(
            (g for g in self.store.list(Group, name=name)
             if domain_id is None or g.domain_id == domain_id),
            key=lambda g: g.id,
        )

    def find(self, name_or_id: str, *, domain_id: str | None = None) -> Group:
        """openstacksdk's find: by ID (``identity:get_group``), then by name (a list)."""
        by_id = self.store.get(Group, name_or_id)
        if by_id is not None:
            require_keystone_admin(self.context, "identity:get_group")
            return by_id
        matches = self.find_all(domain_id=domain_id, name=name_or_id)
        if not matches:
            raise not_found(Group.RESOURCE_NAME, name_or_id)
        if len(matches) > 1:
            raise duplicate(Group.RESOURCE_NAME, name_or_id)
        return matches[0]

    def get(self, group_id: str) -> Group:
        """``GET /v3/groups/{id}``."""
        require_keystone_admin(self.context, "identity:get_group")
        return self._existing(group_id)

    def create(
        self, name: str, *, domain_id: str | None = None, description: str | None = None
    ) -> Group:
        require_keystone_admin(self.context, "identity:create_group")
        check_name(name, GROUP_NAME_MAX)
        domain = domain_id or DEFAULT_DOMAIN_ID
        if domain != DEFAULT_DOMAIN_ID:
            # The local backend keeps the Default domain only.
            raise NotFound(f"Could not find domain: {domain}.")
        group = Group(id=new_id().replace("-", ""), name=name, domain_id=domain,
                      description=description or "", created_at=utcnow())
        with self.store.transaction():
            try:
                self.store.insert(group)
            except UniqueViolation:
                raise _duplicate_group(name, domain) from None
        return group

    def update(
        self, group_id: str, *, name: str | None = None, description: str | None = None
    ) -> Group:
        require_keystone_admin(self.context, "identity:update_group")
        if name is not None:
            check_name(name, GROUP_NAME_MAX)
        with self.store.transaction():
            current = self._existing(group_id)
            updated = current.replace(**{
                field: value for field, value in (("name", name), ("description", description))
                if value is not None
            })
            try:
                self.store.update(updated)
            except UniqueViolation:
                # On update Keystone's conflict names no domain (as for users).
                raise _duplicate_group(updated.name) from None
        return updated

    def delete(self, group_id: str) -> None:
        require_keystone_admin(self.context, "identity:delete_group")
        with self.store.transaction():
            group = self._existing(group_id)
            self.store.delete(Group, group.id)
            for member in self.store.list(GroupMembership):
                if member.group_id == group.id:
                    self.store.delete(GroupMembership, member.id)
            drop_grants(self.store, group_id=group.id)

    # -- memberships --------------------------------------------------------------------

    def members(self, group_id: str) -> list[User]:
        """``GET /v3/groups/{id}/users``."""
        require_keystone_admin(self.context, "identity:list_users_in_group")
        self._existing(group_id)
        users = (self.store.get(User, user_id)
                 for user_id in group_member_ids(self.store, group_id))
        return [u for u in users if u is not None]

    def of_user(self, user_id: str) -> list[Group]:
        """``GET /v3/users/{id}/groups``: a user may list its own."""
        if user_id != self.context.user_id:
            require_keystone_admin(self.context, "identity:list_groups_for_user")
        if self.store.get(User, user_id) is None:
            raise NotFound(f"Could not find user: {user_id}.")
        groups = (self.store.get(Group, group_id)
                  for group_id in user_group_ids(self.store, user_id))
        return sorted((g for g in groups if g is not None), key=lambda g: g.id)

    def add_user(self, group_id: str, user_id: str) -> None:
        require_keystone_admin(self.context, "identity:add_user_to_group")
        with self.store.transaction():
            self._check_pair(group_id, user_id)
            key = GroupMembership.key(group_id, user_id)
            if self.store.get(GroupMembership, key) is None:
                self.store.insert(GroupMembership(id=key, group_id=group_id, user_id=user_id,
                                                  created_at=utcnow()))

    def remove_user(self, group_id: str, user_id: str) -> None:
        require_keystone_admin(self.context, "identity:remove_user_from_group")
        with self.store.transaction():
            self._check_pair(group_id, user_id)
            if not self.store.delete(GroupMembership, GroupMembership.key(group_id, user_id)):
                raise _not_member(group_id, user_id)

    def contains(self, group_id: str, user_id: str) -> bool:
        """``HEAD /v3/groups/{g}/users/{u}``: raises Keystone's 404 when not a member."""
        require_keystone_admin(self.context, "identity:check_user_in_group")
        self._check_pair(group_id, user_id)
        if self.store.get(GroupMembership, GroupMembership.key(group_id, user_id)) is None:
            raise _not_member(group_id, user_id)
        return True

    def _existing(self, group_id: str) -> Group:
        group = self.store.get(Group, group_id)
        if group is None:
            raise NotFound(f"Could not find group: {group_id}.")
        return group

    def _check_pair(self, group_id: str, user_id: str) -> None:
        """Keystone's SQL driver reads the group first, then the user."""
        self._existing(group_id)
        if self.store.get(User, user_id) is None:
            raise NotFound(f"Could not find user: {user_id}.")


def drop_memberships(store: Store, *, user_id: str) -> None:
    """A deleted user leaves its groups (Keystone's delete_user). Call inside a
    transaction."""
    for member in store.list(GroupMembership):
        if member.user_id == user_id:
            store.delete(GroupMembership, member.id)


def _duplicate_group(name: str, domain_id: str | None = None) -> Conflict:
    where = f" at domain ID {domain_id}" if domain_id else ""
    return Conflict(
        f"Conflict occurred attempting to store group - Duplicate entry found with name "
        f"{name}{where}."
    )


def _not_member(group_id: str, user_id: str) -> NotFound:
    # keystone/identity/backends/sql.py check_user_in_group / remove_user_from_group
    return NotFound(f"User '{user_id}' not found in group '{group_id}'")
