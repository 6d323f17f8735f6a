"""Who acts, and in which project: Keystone's password authentication, on the local store.

Without a user name the local ``admin`` user acts (the store's first user, as Keystone's
bootstrap makes it), in the project asked for. With ``--os-username``/``--os-password`` (or
OS_USERNAME/OS_PASSWORD, or a clouds.yaml entry's ``auth``) the user must exist, be enabled,
have that password and a role on the project; otherwise Keystone's 401, as the real client
prints it.
"""

from __future__ import annotations

import dataclasses
import functools

from ostack_cli.backend.local.grants import ADMIN_ROLE, effective_role_names
from ostack_cli.backend.local.passwords import hash_password, verify_password
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models.identity import (
    DEFAULT_DOMAIN_ID,
    Grant,
    Project,
    Role,
    RoleGrant,
    User,
    UserPassword,
)
from ostack_cli.errors import CommandError, NotFound, Unauthorized
from ostack_cli.state.store import Store

DEFAULT_PROJECT = "admin"
ADMIN_USER = "admin"
# keystone-manage bootstrap's roles and their implications: admin -> manager -> member ->
# reader; "service" stands alone. All immutable, as bootstrap makes them by default.
DEFAULT_ROLES = ("reader", "member", "manager", ADMIN_ROLE, "service")
IMPLIED_ROLES = (("member", "reader"), ("manager", "member"), (ADMIN_ROLE, "manager"))
IMMUTABLE = {"immutable": True}

# Keystone's Unauthorized, through keystoneauth: the real client's line for a wrong password,
# an unknown user, or a project the user has no role on.
UNAUTHORIZED = "The request you have made requires authentication."
NO_PASSWORD = "No password entered, or found via --os-password or OS_PASSWORD"


@dataclasses.dataclass(frozen=True)
class Acting:
    user_id: str
    project_id: str
    is_admin: bool  # the admin role (held or implied) on the acting project


def unauthorized() -> Unauthorized:
    return Unauthorized(f"{UNAUTHORIZED} (HTTP 401) (Request-ID: req-{new_id()})")


def seed_identity(store: Store, admin_user_id: str) -> None:
    """Keystone's bootstrap on a store: the default roles, the ``admin`` user (without a
    password until ``user set --password`` gives one) with the admin role on the ``admin``
    project and on the system, and, as devstack adds after keystone-manage bootstrap
    (lib/keystone: ``get_or_add_user_domain_role admin admin default``), on the Default
    domain, so that Horizon's domain-scoped token is issued. Call inside a transaction."""
    now = utcnow()
    roles = {name: Role(id=new_id().replace("-", ""), name=name, options=dict(IMMUTABLE),
                        created_at=now) for name in DEFAULT_ROLES}
    for prior, implied in IMPLIED_ROLES:
        roles[prior] = roles[prior].replace(implies=[*roles[prior].implies, roles[implied].id])
    for role in roles.values():
        store.insert(role)
    if store.get(User, admin_user_id) is None:
        store.insert(User(id=admin_user_id, name=ADMIN_USER, created_at=now))
    admin_role = roles[ADMIN_ROLE].id
    admin_project = next(iter(store.list(Project, name=DEFAULT_PROJECT)), None)
    grants = [RoleGrant(role_id=admin_role, user_id=admin_user_id, domain_id=DEFAULT_DOMAIN_ID),
              RoleGrant(role_id=admin_role, user_id=admin_user_id, system="all")]
    if admin_project is not None:
        grants.insert(0, RoleGrant(role_id=admin_role, user_id=admin_user_id,
                                   project_id=admin_project.id))
    for grant in grants:
        store.insert(Grant(id=Grant.key(grant), role_id=grant.role_id, user_id=admin_user_id,
                           scope_project_id=grant.project_id,
                           scope_domain_id=grant.domain_id, system=grant.system,
                           created_at=now))


def acting_user(
    store: Store,
    admin_user_id: str,
    *,
    project_name: str | None,
    username: str | None,
    password: str | None,
) -> Acting:
    if not username:
        project = _project(store, project_name or DEFAULT_PROJECT)
        if project is None:
            raise NotFound(
                f"No Project found for {project_name or DEFAULT_PROJECT}",
                "Pick an existing project with --os-project-name (see 'ostack project list').",
            )
        return Acting(admin_user_id, project.id, _is_admin(store, admin_user_id, project))
    if not password:
        raise CommandError(NO_PASSWORD)
    user = _authenticate(store, username, password)
    project = _scope(store, user, project_name)
    roles = effective_role_names(store, user.id, project)
    if not roles:
        raise unauthorized()
    return Acting(user.id, project.id, ADMIN_ROLE in roles)


def _authenticate(store: Store, username: str, password: str) -> User:
    user = next(
        (u for u in store.list(User, name=username) if u.domain_id == DEFAULT_DOMAIN_ID), None
    )
    stored = store.get(UserPassword, user.id) if user is not None else None
    if user is None or stored is None:
        # Spend the time a check takes, so that a missing user does not answer faster.
        verify_password(password, _decoy())
        raise unauthorized()
    if not verify_password(password, stored.hash) or not user.is_enabled:
        raise unauthorized()
    return user


def _scope(store: Store, user: User, project_name: str | None) -> Project:
    """The project asked for; else the user's default project (Keystone scopes an
    unscoped request to it), else ``admin``."""
    wanted = project_name or user.default_project_id or DEFAULT_PROJECT
    project = _project(store, wanted)
    if project is None and not project_name and wanted != DEFAULT_PROJECT:
        project = _project(store, DEFAULT_PROJECT)
    if project is None or not project.is_enabled:
        raise unauthorized()
    return project


def _project(store: Store, name_or_id: str) -> Project | None:
    return store.get(Project, name_or_id) or next(iter(store.list(Project, name=name_or_id)),
                                                  None)


def _is_admin(store: Store, user_id: str, project: Project) -> bool:
    return ADMIN_ROLE in effective_role_names(store, user_id, project)


@functools.cache
def _decoy() -> str:
    return hash_password("decoy")
