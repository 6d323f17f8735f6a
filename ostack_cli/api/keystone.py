"""Keystone v3 (``/v3``) and its version discovery (``/``), on the local store.

Tokens (``/v3/auth/...``) are this server's (``principal.py``, ``tokens.py``); projects,
users, roles, assignments and domains go through the local backend's identity services, so
their rules (policy, names, revocation on a new password) are the CLI's. Bodies and
statuses as Keystone 30 answers them (realstack; see docs/api.md).
"""

from __future__ import annotations

import time
from typing import Any

from ostack_cli.api.catalog import IDENTITY_PATH, catalog
from ostack_cli.api.faults import ApiFault, KeystoneErrors, Rendered
from ostack_cli.api.http import ApiRequest, Reply, Service
from ostack_cli.api.pagination import MarkerNotFound, keystone_links, page, parse_limit
from ostack_cli.api.principal import NOT_VALID, Principal
from ostack_cli.backend.local.discovery import IDENTITY_VERSION
from ostack_cli.backend.local.keystone_input import BOOLEAN_VALUES, keystone_boolean
from ostack_cli.backend.local.policy import keystone_forbidden, require_keystone_admin
from ostack_cli.backend.local.revocations import revoke_audit_id
from ostack_cli.backend.models.identity import (
    DEFAULT_DOMAIN,
    AssignmentFilters,
    Domain,
    Grant,
    Group,
    Project,
    Role,
    RoleAssignment,
    RoleGrant,
    User,
    UserChanges,
    UserSpec,
)

MALFORMED = ("Expecting to find valid JSON in request body. The server could not comply with "
             "the request since it is either malformed or otherwise incorrect. The client is "
             "assumed to be in error.")
UPDATED = "2020-04-07T00:00:00Z"
MEDIA_TYPE = "application/vnd.openstack.identity-v3+json"


class Keystone(Service):
    def response_headers(self, req: ApiRequest) -> list[tuple[str, str]]:
        return [("Vary", "X-Auth-Token")]

    def unauthorized(self, req: ApiRequest, fault: ApiFault) -> Rendered:
        rendered = self.errors.render(fault)
        rendered.headers["WWW-Authenticate"] = f'Keystone uri="{req.base_url}{IDENTITY_PATH}"'
        return rendered

    def unrouted(self, req: ApiRequest) -> Rendered:
        # Flask's page, as Keystone's application answers a path it has no view for.
        page_text = ("<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n"
                     "<h1>Not Found</h1>\n<p>The requested URL was not found on the server. "
                     "If you entered the URL manually please check your spelling and try "
                     "again.</p>\n")
        return Rendered(404, "text/html; charset=utf-8", page_text.encode(), {})


KEYSTONE = Keystone(name="keystone", service_type="identity", mount="",
                    errors=KeystoneErrors(), malformed_body=MALFORMED)

# Keystone's body schemas (keystone/resource/schema.py, identity/schema.py,
# assignment/schema.py): what their validation reports before anything is stored.
_NAME = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"[\S]+"}
_ID = {"type": "string", "minLength": 1, "maxLength": 64}
_NULLABLE_ID = {"type": ["string", "null"], "minLength": 1, "maxLength": 64}
_DESCRIPTION = {"type": ["string", "null"]}
_BOOLEAN = {"type": ["boolean", "string"], "enum": list(BOOLEAN_VALUES)}
_TAG = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^,/]*$"}
_TAGS = {"type": "array", "items": _TAG, "maxItems": 80, "uniqueItems": True}
_OPTIONS = {"type": "object"}
PROJECT_CREATE = {
    "type": "object",
    "properties": {"name": _NAME, "description": _DESCRIPTION, "domain_id": _NULLABLE_ID,
                   "enabled": _BOOLEAN, "parent_id": _NULLABLE_ID, "is_domain": _BOOLEAN,
                   "tags": _TAGS, "options": _OPTIONS},
    "required": ["name"],
}
PROJECT_UPDATE = {
    "type": "object",
    "properties": {"name": _NAME, "description": _DESCRIPTION, "enabled": _BOOLEAN,
                   "tags": _TAGS, "options": _OPTIONS},
    "minProperties": 1,
}
_USER_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"[\S]+"}
_USER_PROPERTIES = {"name": _USER_NAME, "default_project_id": _NULLABLE_ID,
                    "description": _DESCRIPTION, "domain_id": _ID, "enabled": _BOOLEAN,
                    "password": {"type": ["string", "null"]}, "options": _OPTIONS,
                    "email": {"type": ["string", "null"]}}
USER_CREATE = {"type": "object", "properties": _USER_PROPERTIES, "required": ["name"]}
USER_UPDATE = {"type": "object", "properties": _USER_PROPERTIES, "minProperties": 1}
ROLE_CREATE = {
    "type": "object",
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 255,
                            "pattern": r"[\S]+"},
                   "description": _DESCRIPTION, "domain_id": _NULLABLE_ID, "options": _OPTIONS},
    "required": ["name"],
}


def _wrapped(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Keystone 30's request body schemas: the resource's key and nothing else."""
    return {"type": "object", "properties": {key: schema}, "additionalProperties": False,
            "required": [key]}


# -- shapes ------------------------------------------------------------------------------------


def _link(req: ApiRequest, path: str) -> dict[str, str]:
    return {"self": f"{req.base_url}{IDENTITY_PATH}{path}"}


def project_json(req: ApiRequest, project: Project) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": project.id, "name": project.name, "domain_id": project.domain_id,
        "description": project.description, "enabled": project.is_enabled,
        "parent_id": project.parent_id, "is_domain": project.is_domain,
        "tags": list(project.tags), "options": dict(project.options),
    }
    body.update(project.extra)
    body["links"] = _link(req, f"/projects/{project.id}")
    return body


def user_json(req: ApiRequest, user: User) -> dict[str, Any]:
    body: dict[str, Any] = {"id": user.id, "name": user.name, "domain_id": user.domain_id,
                            "enabled": user.is_enabled,
                            "password_expires_at": user.password_expires_at,
                            "options": dict(user.options)}
    for field in ("default_project_id", "email", "description"):
        value = getattr(user, field)
        if value is not None:
            body[field] = value
    body["links"] = _link(req, f"/users/{user.id}")
    return body


def role_json(req: ApiRequest, role: Role) -> dict[str, Any]:
    return {"id": role.id, "name": role.name, "domain_id": role.domain_id,
            "description": role.description, "options": dict(role.options),
            "links": _link(req, f"/roles/{role.id}")}


def domain_json(req: ApiRequest, domain: Domain) -> dict[str, Any]:
    return {"id": domain.id, "name": domain.name, "description": domain.description,
            "enabled": domain.is_enabled, "tags": [], "options": dict(domain.options),
            "links": _link(req, f"/domains/{domain.id}")}


def _time(seconds: float) -> str:
    """Keystone's token times: whole seconds, written with six zero decimals."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".000000Z"


def token_json(req: ApiRequest, principal: Principal, *, with_catalog: bool = True
               ) -> dict[str, Any]:
    data = principal.token
    domain = {"id": DEFAULT_DOMAIN.id, "name": DEFAULT_DOMAIN.name}
    body: dict[str, Any] = {
        "methods": list(data.methods),
        "user": {"domain": domain, "id": principal.user.id, "name": principal.user.name,
                 "password_expires_at": principal.user.password_expires_at},
        "audit_ids": list(data.audit_ids),
        "expires_at": _time(data.expires_at),
        "issued_at": _time(data.issued_at),
    }
    if principal.trust is not None:
        from ostack_cli.api.keystone_trusts import token_trust_json

        body["OS-TRUST:trust"] = token_trust_json(principal.trust)
    if principal.project is not None:
        body["project"] = {"domain": domain, "id": principal.project.id,
                           "name": principal.project.name}
        if principal.trust is None:
            body["is_domain"] = False
            body["roles"] = [{"id": role.id, "name": role.name} for role in principal.roles]
        else:
            # keystone's trust roles: the whole role, as role_api.get_role gives it.
            body["roles"] = [{"id": role.id, "name": role.name, "domain_id": role.domain_id,
                              "description": role.description, "options": dict(role.options)}
                             for role in principal.roles]
        if with_catalog:
            body["catalog"] = catalog(req.base_url)
    elif principal.domain is not None:
        # keystone/token/provider.py: a domain-scoped token names its domain, no is_domain.
        body["domain"] = {"id": principal.domain.id, "name": principal.domain.name}
        body["roles"] = [{"id": role.id, "name": role.name} for role in principal.roles]
        if with_catalog:
            body["catalog"] = catalog(req.base_url)
    if principal.application_credential is not None:
        from ostack_cli.api.keystone_application_credentials import token_credential_json

        body["application_credential"] = token_credential_json(
            principal.application_credential)
    return {"token": body}


def _collection(req: ApiRequest, key: str, items: list[Any], render: Any) -> Reply:
    """A Keystone list, cut by ``limit``/``marker`` when asked."""
    try:
        result = page(items, limit=parse_limit(req.param("limit")), marker=req.param("marker"),
                      key=lambda item: item.id)
    except MarkerNotFound:
        result = page(items, limit=parse_limit(req.param("limit")), marker=None,
                      key=lambda item: item.id)
    body: dict[str, Any] = {key: [render(req, item) for item in result.items]}
    body.update(keystone_links(req.url, req.query_string, req.params, result,
                               lambda item: item.id))
    return Reply(200, body)


def _boolean_param(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.lower() not in ("0", "false", "no", "off")


def _not_found(kind: str, name: str) -> ApiFault:
    return ApiFault(404, f"Could not find {kind}: {name}.")


# -- version discovery ---------------------------------------------------------------------


def _version(req: ApiRequest) -> dict[str, Any]:
    return {"id": f"v{IDENTITY_VERSION}", "status": "stable", "updated": UPDATED,
            "links": [{"rel": "self", "href": f"{req.base_url}{IDENTITY_PATH}/"}],
            "media-types": [{"base": "application/json", "type": MEDIA_TYPE}]}


@KEYSTONE.route("GET", "/", auth=False)
def versions(req: ApiRequest) -> Reply:
    return Reply(300, {"versions": {"values": [_version(req)]}},
                 location=f"{req.base_url}{IDENTITY_PATH}/")


@KEYSTONE.route("GET", "/v3", auth=False)
def version(req: ApiRequest) -> Reply:
    return Reply(200, {"version": _version(req)})


# -- tokens ------------------------------------------------------------------------------------


@KEYSTONE.route("POST", "/v3/auth/tokens", auth=False)
def issue_token(req: ApiRequest) -> Reply:
    principal = req.authenticator.authenticate(req.json())
    token = req.authenticator.formatter.pack(principal.token)
    body = token_json(req, principal, with_catalog="nocatalog" not in req.params)
    return Reply(201, body, headers={"X-Subject-Token": token})


def _subject(req: ApiRequest, action: str) -> Principal:
    """The ``X-Subject-Token``'s principal; a member may only name its own tokens."""
    subject_token = req.header("x-subject-token")
    if not subject_token:
        raise ApiFault(404, NOT_VALID)
    subject = req.authenticator.principal(subject_token, subject=True)
    caller = req.principal
    assert caller is not None
    if not caller.is_admin and subject.user.id != caller.user.id:
        raise keystone_forbidden(action)
    credential = subject.application_credential
    if credential is not None and credential.access_rules is not None:
        from ostack_cli.api.access_rule_check import validation_refused

        refused = validation_refused(req)
        if refused is not None:
            raise refused
    return subject


@KEYSTONE.route("GET", "/v3/auth/tokens", scoped=False)
def validate_token(req: ApiRequest) -> Reply:
    subject = _subject(req, "identity:validate_token")
    return Reply(200, token_json(req, subject, with_catalog="nocatalog" not in req.params),
                 headers={"X-Subject-Token": req.header("x-subject-token") or ""})


@KEYSTONE.route("HEAD", "/v3/auth/tokens", scoped=False)
def check_token(req: ApiRequest) -> Reply:
    _subject(req, "identity:check_token")
    return Reply(200, headers={"X-Subject-Token": req.header("x-subject-token") or ""})


@KEYSTONE.route("DELETE", "/v3/auth/tokens", scoped=False)
def revoke_token(req: ApiRequest) -> Reply:
    subject = _subject(req, "identity:revoke_token")
    store = req.backend.store
    with store.transaction():
        revoke_audit_id(store, subject.token.audit_id)
    return Reply(204)


@KEYSTONE.route("GET", "/v3/auth/catalog", scoped=False)
def auth_catalog(req: ApiRequest) -> Reply:
    assert req.principal is not None
    if req.principal.project is None:
        raise ApiFault(403, "You are not authorized to perform the requested action.")
    return Reply(200, {"catalog": catalog(req.base_url),
                       "links": {"self": req.url, "previous": None, "next": None}})


@KEYSTONE.route("GET", "/v3/auth/projects", scoped=False)
def auth_projects(req: ApiRequest) -> Reply:
    assert req.principal is not None
    projects = [p for p in req.backend.user_projects(req.principal.user.id) if p.is_enabled]
    return _collection(req, "projects", projects, project_json)


@KEYSTONE.route("GET", "/v3/auth/domains", scoped=False)
def auth_domains(req: ApiRequest) -> Reply:
    # The domains a token could be scoped to: those the user holds a role on.
    assert req.principal is not None
    user = req.principal.user
    domains = [DEFAULT_DOMAIN] if req.authenticator.roles(user, DEFAULT_DOMAIN) else []
    return Reply(200, {"domains": [domain_json(req, d) for d in domains],
                       "links": {"self": req.url, "previous": None, "next": None}})


# -- projects ----------------------------------------------------------------------------------


def _project(req: ApiRequest, project_id: str, action: str) -> Project:
    """A project by ID: an admin reads any, a member the one its token is scoped to."""
    assert req.principal is not None
    if not req.principal.is_admin and (req.principal.project is None
                                       or req.principal.project.id != project_id):
        raise keystone_forbidden(action)
    found = req.backend.store.get(Project, project_id)
    if found is None:
        raise _not_found("project", project_id)
    return found


@KEYSTONE.route("GET", "/v3/projects", scoped=False)
def list_projects(req: ApiRequest) -> Reply:
    backend = req.backend
    require_keystone_admin(backend.context, "identity:list_projects")
    projects = backend.projects(domain_id=req.param("domain_id"),
                                enabled=_boolean_param(req.param("enabled")))
    name = req.param("name")
    if name is not None:
        projects = [p for p in projects if p.name == name]
    return _collection(req, "projects", projects, project_json)


@KEYSTONE.route("GET", "/v3/projects/{project_id}", scoped=False)
def show_project(req: ApiRequest, project_id: str) -> Reply:
    return Reply(200, {"project": project_json(req, _project(req, project_id,
                                                             "identity:get_project"))})


def _project_extras(body: dict[str, Any]) -> dict[str, Any]:
    """What ``Identity`` takes as properties: Keystone's other attributes (checked there:
    only the Default domain, no hierarchy) and extra ones (kept)."""
    return {k: v for k, v in body.items()
            if k not in ("name", "description", "enabled", "tags")
            and not (k in ("domain_id", "parent_id", "is_domain") and v is None)}


@KEYSTONE.route("POST", "/v3/projects", scoped=False)
def create_project(req: ApiRequest) -> Reply:
    body = req.json(_wrapped("project", PROJECT_CREATE))["project"]
    project = req.backend.create_project(
        body["name"], description=body.get("description") or "",
        enabled=keystone_boolean("enabled", body.get("enabled", True)), tags=body.get("tags"),
        properties=_project_extras(body))
    return Reply(201, {"project": project_json(req, project)})


@KEYSTONE.route("PATCH", "/v3/projects/{project_id}", scoped=False)
def update_project(req: ApiRequest, project_id: str) -> Reply:
    body = req.json(_wrapped("project", PROJECT_UPDATE))["project"]
    require_keystone_admin(req.backend.context, "identity:update_project")
    project = _project(req, project_id, "identity:update_project")
    updated = req.backend.update_project(
        project, name=body.get("name"), description=body.get("description"),
        enabled=keystone_boolean("enabled", body["enabled"]) if "enabled" in body else None,
        tags=body.get("tags"), properties=_project_extras(body))
    return Reply(200, {"project": project_json(req, updated)})


@KEYSTONE.route("DELETE", "/v3/projects/{project_id}", scoped=False)
def delete_project(req: ApiRequest, project_id: str) -> Reply:
    require_keystone_admin(req.backend.context, "identity:delete_project")
    req.backend.delete_project(_project(req, project_id, "identity:delete_project"))
    return Reply(204)


@KEYSTONE.route("GET", "/v3/projects/{project_id}/tags", scoped=False)
def list_project_tags(req: ApiRequest, project_id: str) -> Reply:
    return Reply(200, {"tags": list(_project(req, project_id, "identity:list_project_tags")
                                    .tags)})


@KEYSTONE.route("PUT", "/v3/projects/{project_id}/tags", scoped=False)
def replace_project_tags(req: ApiRequest, project_id: str) -> Reply:
    tags = req.json(_wrapped("tags", _TAGS))["tags"]
    require_keystone_admin(req.backend.context, "identity:update_project_tags")
    project = _project(req, project_id, "identity:update_project_tags")
    updated = req.backend.update_project(project, tags=tags)
    return Reply(200, {"tags": list(updated.tags)})


@KEYSTONE.route("DELETE", "/v3/projects/{project_id}/tags", scoped=False)
def clear_project_tags(req: ApiRequest, project_id: str) -> Reply:
    require_keystone_admin(req.backend.context, "identity:delete_project_tags")
    req.backend.update_project(_project(req, project_id, "identity:delete_project_tags"),
                               tags=[])
    return Reply(204)


@KEYSTONE.route("GET", "/v3/projects/{project_id}/tags/{tag}", scoped=False)
def check_project_tag(req: ApiRequest, project_id: str, tag: str) -> Reply:
    project = _project(req, project_id, "identity:get_project_tag")
    if tag not in project.tags:
        raise ApiFault(404, f"Could not find project tag: {tag}.")
    return Reply(204)


@KEYSTONE.route("PUT", "/v3/projects/{project_id}/tags/{tag}", scoped=False)
def add_project_tag(req: ApiRequest, project_id: str, tag: str) -> Reply:
    req.json(None)
    require_keystone_admin(req.backend.context, "identity:create_project_tag")
    project = _project(req, project_id, "identity:create_project_tag")
    if tag not in project.tags:
        project = req.backend.update_project(project, tags=[*project.tags, tag])
    return Reply(201, location=f"{req.base_url}{IDENTITY_PATH}/projects/{project_id}/tags/{tag}"
                 , body={"tags": list(project.tags)})


@KEYSTONE.route("DELETE", "/v3/projects/{project_id}/tags/{tag}", scoped=False)
def remove_project_tag(req: ApiRequest, project_id: str, tag: str) -> Reply:
    require_keystone_admin(req.backend.context, "identity:delete_project_tag")
    project = _project(req, project_id, "identity:delete_project_tag")
    if tag not in project.tags:
        raise ApiFault(404, f"Could not find project tag: {tag}.")
    req.backend.update_project(project, tags=[t for t in project.tags if t != tag])
    return Reply(204)


# -- users -------------------------------------------------------------------------------------


def _user(req: ApiRequest, user_id: str, action: str) -> User:
    """A user by ID: an admin reads any, a user itself."""
    assert req.principal is not None
    if not req.principal.is_admin and req.principal.user.id != user_id:
        raise keystone_forbidden(action)
    found = req.backend.store.get(User, user_id)
    if found is None:
        raise _not_found("user", user_id)
    return found


@KEYSTONE.route("GET", "/v3/users", scoped=False)
def list_users(req: ApiRequest) -> Reply:
    users = req.backend.users(domain_id=req.param("domain_id"),
                              enabled=_boolean_param(req.param("enabled")))
    name = req.param("name")
    if name is not None:
        users = [u for u in users if u.name == name]
    return _collection(req, "users", users, user_json)


@KEYSTONE.route("GET", "/v3/users/{user_id}", scoped=False)
def show_user(req: ApiRequest, user_id: str) -> Reply:
    return Reply(200, {"user": user_json(req, _user(req, user_id, "identity:get_user"))})


@KEYSTONE.route("POST", "/v3/users", scoped=False)
def create_user(req: ApiRequest) -> Reply:
    body = req.json(_wrapped("user", USER_CREATE))["user"]
    user = req.backend.create_user(UserSpec(
        name=body["name"], domain_id=body.get("domain_id") or DEFAULT_DOMAIN.id,
        default_project_id=body.get("default_project_id"), password=body.get("password"),
        email=body.get("email"), description=body.get("description"),
        is_enabled=keystone_boolean("enabled", body.get("enabled", True)),
        options=dict(body.get("options") or {})))
    return Reply(201, {"user": user_json(req, user)})


@KEYSTONE.route("PATCH", "/v3/users/{user_id}", scoped=False)
def update_user(req: ApiRequest, user_id: str) -> Reply:
    body = req.json(_wrapped("user", USER_UPDATE))["user"]
    require_keystone_admin(req.backend.context, "identity:update_user")
    user = _user(req, user_id, "identity:update_user")
    updated = req.backend.update_user(user, UserChanges(
        name=body.get("name"), default_project_id=body.get("default_project_id"),
        password=body.get("password"), email=body.get("email"),
        description=body.get("description"),
        is_enabled=keystone_boolean("enabled", body["enabled"]) if "enabled" in body else None,
        options=body.get("options")))
    return Reply(200, {"user": user_json(req, updated)})


@KEYSTONE.route("DELETE", "/v3/users/{user_id}", scoped=False)
def delete_user(req: ApiRequest, user_id: str) -> Reply:
    require_keystone_admin(req.backend.context, "identity:delete_user")
    req.backend.delete_user(_user(req, user_id, "identity:delete_user"))
    return Reply(204)


@KEYSTONE.route("GET", "/v3/users/{user_id}/projects", scoped=False)
def list_user_projects(req: ApiRequest, user_id: str) -> Reply:
    return _collection(req, "projects", req.backend.user_projects(user_id), project_json)


# -- roles -------------------------------------------------------------------------------------


@KEYSTONE.route("GET", "/v3/roles", scoped=False)
def list_roles(req: ApiRequest) -> Reply:
    roles = req.backend.roles(domain_id=req.param("domain_id"))
    name = req.param("name")
    if name is not None:
        roles = [r for r in roles if r.name == name]
    return _collection(req, "roles", roles, role_json)


@KEYSTONE.route("GET", "/v3/roles/{role_id}", scoped=False)
def show_role(req: ApiRequest, role_id: str) -> Reply:
    require_keystone_admin(req.backend.context, "identity:get_role")
    role = req.backend.store.get(Role, role_id)
    if role is None:
        raise _not_found("role", role_id)
    return Reply(200, {"role": role_json(req, role)})


@KEYSTONE.route("POST", "/v3/roles", scoped=False)
def create_role(req: ApiRequest) -> Reply:
    body = req.json(_wrapped("role", ROLE_CREATE))["role"]
    role = req.backend.create_role(body["name"], description=body.get("description"),
                                   domain_id=body.get("domain_id"),
                                   options=body.get("options"))
    return Reply(201, {"role": role_json(req, role)})


@KEYSTONE.route("DELETE", "/v3/roles/{role_id}", scoped=False)
def delete_role(req: ApiRequest, role_id: str) -> Reply:
    req.backend.delete_role(role_id)
    return Reply(204)


# -- role assignments and grants -----------------------------------------------------------


def _assignment_json(req: ApiRequest, row: RoleAssignment) -> dict[str, Any]:
    base = f"{req.base_url}{IDENTITY_PATH}"
    domain = {"id": DEFAULT_DOMAIN.id, "name": DEFAULT_DOMAIN.name}

    def ref(item: Any, *, owned: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"id": item.id}
        if item.name is not None:
            body["name"] = item.name
            if owned:
                body["domain"] = domain
        return body

    # The assignment a row comes from: a group's, for a member's effective row too.
    actor = (f"groups/{row.via_group_id}" if row.via_group_id
             else f"groups/{row.group.id}" if row.group else
             f"users/{row.user.id if row.user else ''}")
    if row.project is not None:
        scope: dict[str, Any] = {"project": ref(row.project, owned=True)}
        target = f"/projects/{row.project.id}"
    elif row.domain is not None:
        scope = {"domain": ref(row.domain, owned=False)}
        target = f"/domains/{row.domain.id}"
    else:
        scope = {"system": {"all": True}}
        target = "/system"
    assignment = f"{base}{target}/{actor}/roles/{row.role.id}"
    if row.inherited:
        scope["OS-INHERIT:inherited_to"] = "projects"
        assignment = f"{base}/OS-INHERIT{target}/{actor}/roles/{row.role.id}" \
                     "/inherited_to_projects"
    links: dict[str, str] = {}
    if row.via_group_id and row.user is not None:
        links["membership"] = f"{base}/groups/{row.via_group_id}/users/{row.user.id}"
    links["assignment"] = assignment
    body: dict[str, Any] = {"links": links, "scope": scope}
    if row.user is not None:
        body["user"] = ref(row.user, owned=True)
    if row.group is not None:
        body["group"] = ref(row.group, owned=True)
    body["role"] = ref(row.role, owned=False)
    return body


@KEYSTONE.route("GET", "/v3/role_assignments", scoped=False)
def list_role_assignments(req: ApiRequest) -> Reply:
    system = req.param("scope.system")
    rows = req.backend.role_assignments(AssignmentFilters(
        role_id=req.param("role.id"), user_id=req.param("user.id"),
        group_id=req.param("group.id"), project_id=req.param("scope.project.id"),
        domain_id=req.param("scope.domain.id"), system=system,
        effective="effective" in req.params, include_names="include_names" in req.params,
        inherited=req.param("scope.OS-INHERIT:inherited_to") == "projects"))
    return Reply(200, {"role_assignments": [_assignment_json(req, r) for r in rows],
                       "links": {"self": req.url + (f"?{req.query_string}"
                                                     if req.query_string else ""),
                                 "previous": None, "next": None}})


def _grant(req: ApiRequest, target: str, target_id: str, actor: str, actor_id: str,
           role_id: str, action: str) -> RoleGrant:
    """The assignment a grant URL names, for a user or a group, after Keystone's checks:
    policy (403), then the role, the user or group and the target (404)."""
    store = req.backend.store
    require_keystone_admin(req.backend.context, action)
    if store.get(Role, role_id) is None:
        raise _not_found("role", role_id)
    if store.get(User if actor == "user" else Group, actor_id) is None:
        raise _not_found(actor, actor_id)
    user_id, group_id = (actor_id, None) if actor == "user" else (None, actor_id)
    if target == "project":
        if store.get(Project, target_id) is None:
            raise _not_found("project", target_id)
        return RoleGrant(role_id=role_id, project_id=target_id, user_id=user_id,
                         group_id=group_id)
    if target_id != DEFAULT_DOMAIN.id:
        raise _not_found("domain", target_id)
    return RoleGrant(role_id=role_id, domain_id=target_id, user_id=user_id, group_id=group_id)


def _missing_grant(grant: RoleGrant) -> ApiFault:
    target = grant.project_id or grant.domain_id
    return ApiFault(404, f"Could not find role assignment with role: {grant.role_id}, user or "
                         f"group: {grant.user_id or grant.group_id}, project, domain, or "
                         f"system: {target}.")


def _declare_grants(target: str, collection: str, id_name: str, actor: str) -> None:
    """``/v3/{projects|domains}/{id}/{users|groups}/{id}/roles[/{role_id}]``."""
    path = f"/v3/{collection}/{{{id_name}}}/{actor}s/{{actor_id}}/roles"

    def put_grant(req: ApiRequest, actor_id: str, role_id: str, **ids: str) -> Reply:
        grant = _grant(req, target, ids[id_name], actor, actor_id, role_id,
                       "identity:create_grant")
        req.backend.grant_role(grant)
        return Reply(204)

    def check_grant(req: ApiRequest, actor_id: str, role_id: str, **ids: str) -> Reply:
        grant = _grant(req, target, ids[id_name], actor, actor_id, role_id,
                       "identity:check_grant")
        if req.backend.store.get(Grant, Grant.key(grant)) is None:
            raise _missing_grant(grant)
        return Reply(204)

    def delete_grant(req: ApiRequest, actor_id: str, role_id: str, **ids: str) -> Reply:
        grant = _grant(req, target, ids[id_name], actor, actor_id, role_id,
                       "identity:revoke_grant")
        if not req.backend.revoke_role(grant):
            raise _missing_grant(grant)
        return Reply(204)

    def held(grant: Grant, actor_id: str) -> bool:
        if actor == "user":
            return grant.user_id == actor_id
        return grant.group_id == actor_id and not grant.user_id

    def list_grants(req: ApiRequest, actor_id: str, **ids: str) -> Reply:
        store = req.backend.store
        require_keystone_admin(req.backend.context, "identity:list_grants")
        roles = {r.id: r for r in store.list(Role)}
        scope = ids[id_name]
        found = [roles[g.role_id] for g in store.list(Grant)
                 if held(g, actor_id) and g.role_id in roles and not g.inherited
                 and (g.scope_project_id if target == "project" else g.scope_domain_id)
                 == scope]
        return Reply(200, {"roles": [role_json(req, r) for r in found],
                           "links": {"self": req.url, "previous": None, "next": None}})

    KEYSTONE.route("PUT", f"{path}/{{role_id}}", scoped=False)(put_grant)
    KEYSTONE.route("HEAD", f"{path}/{{role_id}}", scoped=False)(check_grant)
    KEYSTONE.route("GET", f"{path}/{{role_id}}", scoped=False)(check_grant)
    KEYSTONE.route("DELETE", f"{path}/{{role_id}}", scoped=False)(delete_grant)
    KEYSTONE.route("GET", path, scoped=False)(list_grants)


for _actor in ("user", "group"):
    _declare_grants("project", "projects", "project_id", _actor)
    _declare_grants("domain", "domains", "domain_id", _actor)


# -- domains -------------------------------------------------------------------------------


@KEYSTONE.route("GET", "/v3/domains", scoped=False)
def list_domains(req: ApiRequest) -> Reply:
    domains = req.backend.domains(name=req.param("name"),
                                  enabled=_boolean_param(req.param("enabled")))
    return _collection(req, "domains", domains, domain_json)


@KEYSTONE.route("GET", "/v3/domains/{domain_id}", scoped=False)
def show_domain(req: ApiRequest, domain_id: str) -> Reply:
    if domain_id != DEFAULT_DOMAIN.id:
        raise _not_found("domain", domain_id)
    return Reply(200, {"domain": domain_json(req, DEFAULT_DOMAIN)})
