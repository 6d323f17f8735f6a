"""Projects and tokens through Keystone v3 (openstacksdk's identity proxy)."""

from __future__ import annotations

from typing import Any

from keystoneauth1 import access as ksa_access
from openstack import exceptions as sdk_exceptions
from openstack import utils as sdk_utils
from openstack.identity.v3 import _proxy as identity_v3
from openstack.identity.v3 import project as sdk_project

from ostack_cli.backend.cloud.base import LOG, CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.identity import Project, Token
from ostack_cli.errors import OstackError


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
    )


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

    def projects(self) -> list[Project]:
        identity = self._identity
        try:
            found = list(identity.projects())
        except sdk_exceptions.ForbiddenException:
            # The real client's fallback: a member may list the projects it belongs to.
            user_id = self.conn.current_user_id
            if user_id is None:
                raise
            found = list(identity.user_projects(user_id))
        projects = [project_from_sdk(p) for p in found]
        self._cache_list("project", projects)
        return projects

    def find_project(self, name_or_id: str) -> Project:
        return project_from_sdk(self._identity.find_project(name_or_id, ignore_missing=False))

    def create_project(
        self,
        name: str,
        *,
        description: str = "",
        enabled: bool = True,
        tags: list[str] | None = None,
        or_show: bool = False,
    ) -> Project:
        identity = self._identity
        attrs: dict[str, Any] = {"name": name, "is_enabled": enabled}
        if description:
            attrs["description"] = description
        if tags:
            attrs["tags"] = list(set(tags))
        try:
            project = identity.create_project(**attrs)
        except sdk_exceptions.ConflictException:
            if not or_show:
                raise
            project = identity.find_project(name, ignore_missing=False)
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
    ) -> Project:
        attrs: dict[str, Any] = {}
        if name:
            attrs["name"] = name
        if description:
            attrs["description"] = description
        if enabled is not None:
            attrs["is_enabled"] = enabled
        if tags is not None:
            attrs["tags"] = list(tags)
        if not attrs:
            return project
        return project_from_sdk(self._identity.update_project(project.id, **attrs))

    def delete_project(self, project: Project) -> None:
        self._identity.delete_project(project.id)

    def issue_token(self) -> Token:
        session = self.conn.session
        if session.auth is None or not hasattr(session.auth, "get_access"):
            raise OstackError("Only an authorized user may issue a new token.")
        return token_from_access(session.auth.get_access(session))
