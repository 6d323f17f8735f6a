"""Projects, domains and tokens through Keystone v3 (openstacksdk's identity proxy); users
are in ``users.py``, roles and assignments in ``roles.py``."""

from __future__ import annotations

from typing import Any

from keystoneauth1 import access as ksa_access
from openstack import exceptions as sdk_exceptions
from openstack import utils as sdk_utils
from openstack.identity.v3 import _proxy as identity_v3
from openstack.identity.v3 import project as sdk_project

from ostack_cli.backend.cloud.base import LOG, CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.identity import Domain, Project, Token
from ostack_cli.errors import OstackError

# The SDK's own project attributes; any other attribute Keystone returned was set as a
# property, and the real client shows it as a field.
_SDK_PROJECT_ATTRS = frozenset({
    "description", "domain_id", "is_domain", "is_enabled", "options", "parent_id", "links",
    "id", "name", "location", "tags", "parents_as_ids", "subtree_as_ids", "parents",
    "subtree",
})


def project_from_sdk(project: sdk_project.Project) -> Project:
    """ostack's model of an SDK project; values keep the types Keystone gives them."""
    return Project(
        id=project.id,
        name=project.name,
        description=project.description,
        domain_id=project.domain_id,
        parent_id=project.parent_id,
        is_enabled=project.is_enabled,
        is_domain=project.is_domain,
        tags=list(project.tags or []),
        options=dict(project.options or {}),
        extra={k: v for k, v in project.to_dict(computed=False).items()
               if k not in _SDK_PROJECT_ATTRS},
    )


def domain_from_sdk(domain: Any) -> Domain:
    return Domain(id=domain.id, name=domain.name, description=domain.description,
                  is_enabled=domain.is_enabled, options=dict(domain.options or {}))


def token_from_access(access: ksa_access.AccessInfo) -> Token:
    expires = access.expires.strftime("%Y-%m-%dT%H:%M:%S%z") if access.expires else ""
    return Token(
        id=str(access.auth_token),
        expires=expires,
        project_id=access.project_id or "",
        user_id=access.user_id or "",
    )


@translate_errors
class CloudIdentity(CloudBase):
    @property
    def _identity(self) -> identity_v3.Proxy:
        return sdk_utils.ensure_service_version(self.conn.identity, "3")

    def projects(
        self, *, domain_id: str | None = None, enabled: bool | None = None
    ) -> list[Project]:
        identity = self._identity
        query: dict[str, Any] = {}
        if domain_id is not None:
            query["domain_id"] = domain_id
        if enabled is not None:
            query["is_enabled"] = enabled
        try:
            found = list(identity.projects(**query))
        except sdk_exceptions.ForbiddenException:
            # The real client's fallback, without filters only: a member may list the
            # projects it belongs to.
            user_id = self.conn.current_user_id
            if user_id is None or query:
                raise
            found = list(identity.user_projects(user_id))
        projects = [project_from_sdk(p) for p in found]
        if not query:
            self._cache_list("project", projects)
        return projects

    def user_projects(self, user_id: str) -> list[Project]:
        return [project_from_sdk(p) for p in self._identity.user_projects(user_id)]

    def find_project(self, name_or_id: str, *, domain_id: str | None = None) -> Project:
        query = {"domain_id": domain_id} if domain_id else {}
        return project_from_sdk(
            self._identity.find_project(name_or_id, ignore_missing=False, **query)
        )

    def create_project(
        self,
        name: str,
        *,
        description: str = "",
        enabled: bool = True,
        tags: list[str] | None = None,
        or_show: bool = False,
        properties: dict[str, Any] | None = None,
    ) -> Project:
        identity = self._identity
        # The real client's order: the properties, then its own options over them.
        attrs: dict[str, Any] = dict(properties or {})
        if description:
            attrs["description"] = description
        if name:
            attrs["name"] = name
        attrs["is_enabled"] = enabled
        if tags:
            attrs["tags"] = list(set(tags))
        try:
            project = identity.create_project(**attrs)
        except sdk_exceptions.ConflictException:
            if not or_show:
                raise
            query = {"domain_id": attrs["domain_id"]} if attrs.get("domain_id") else {}
            project = identity.find_project(name, ignore_missing=False, **query)
            # The real client logs this at INFO, below its default console level.
            LOG.debug("Returning existing project %s", project.name)
        return project_from_sdk(project)

    def update_project(
        self,
        project: Project,
        *,
        name: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        tags: list[str] | None = None,
        properties: dict[str, Any] | None = None,
    ) -> Project:
        attrs: dict[str, Any] = {}
        if name:
            attrs["name"] = name
        if description:
            attrs["description"] = description
        if enabled is not None:
            attrs["is_enabled"] = enabled
        # Sent after the options, as the real client sends them.
        attrs.update(properties or {})
        if tags is not None:
            attrs["tags"] = list(tags)
        if not attrs:
            return project
        return project_from_sdk(self._identity.update_project(project.id, **attrs))

    def delete_project(self, project: Project) -> None:
        self._identity.delete_project(project.id)

    # -- domains ------------------------------------------------------------------------

    def domains(self, *, name: str | None = None, enabled: bool | None = None) -> list[Domain]:
        query: dict[str, Any] = {}
        if name:
            query["name"] = name
        if enabled:
            query["is_enabled"] = True
        return [domain_from_sdk(d) for d in self._identity.domains(**query)]

    def find_domain(self, name_or_id: str) -> Domain:
        return domain_from_sdk(self._identity.find_domain(name_or_id, ignore_missing=False))

    # -- tokens -------------------------------------------------------------------------

    def auth_user_id(self) -> str:
        # The session's token (what the real client's auth_ref reads): no request.
        return self.issue_token().user_id

    def auth_project_id(self) -> str | None:
        return self.issue_token().project_id or None

    def revoke_token(self, token: str) -> None:
        # Whether it is the token this command authenticated with (read before it goes).
        own = self.issue_token().id == token
        # keystoneclient's DELETE /v3/auth/tokens; keystoneauth words its errors as the real
        # client prints them ("... (HTTP 404) (Request-ID: ...)").
        self._identity.delete("/auth/tokens", headers={"X-Subject-Token": token},
                              raise_exc=True)
        if own:
            # A revoked token must not be reused from ostack's auth cache.
            from ostack_cli.backend.cloud.connection import forget_cached_auth

            forget_cached_auth(self.conn)

    def issue_token(self) -> Token:
        session = self.conn.session
        if session.auth is None or not hasattr(session.auth, "get_access"):
            raise OstackError("Only an authorized user may issue a new token.")
        return token_from_access(session.auth.get_access(session))
