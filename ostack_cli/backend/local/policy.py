"""The real services' answers when their policy refuses an action (HTTP 403), word for word.

The local backend's rule is the one OpenStack's default policies share: an action marked
"admin only" needs the admin role on the acting project (``ServiceContext.is_admin``). The
texts, as each service words them (checked against the real services, see
tests/cloud/test_identity.py):

- Nova: ``Policy doesn't allow os_compute_api:os-hypervisors:list-detail to be performed.``
- Neutron: ``(rule:create_network and rule:create_network:shared) is disallowed by policy``
- Keystone: ``You are not authorized to perform the requested action: identity:list_users.``
- Glance: ``403 Forbidden: You are not authorized to complete publicize_image action.``
"""

from __future__ import annotations

from collections.abc import Iterable

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.errors import BadRequest, Forbidden


def nova_forbidden(rule: str) -> Forbidden:
    """Nova's PolicyNotAuthorized."""
    return Forbidden(f"Policy doesn't allow {rule} to be performed.")


def keystone_forbidden(action: str) -> Forbidden:
    """Keystone's ForbiddenAction."""
    return Forbidden(f"You are not authorized to perform the requested action: {action}.")


def neutron_forbidden(action: str, attributes: Iterable[str] = ()) -> Forbidden:
    """Neutron's PolicyNotAuthorized for an action and the admin-only attributes the request
    sets, in the request's order: oslo.policy renders the checks as it combined them,
    ``(rule:create_network and rule:create_network:shared)``, nesting one level per extra
    attribute."""
    text = f"rule:{action}"
    for attribute in attributes:
        text = f"({text} and rule:{action}:{attribute})"
    return Forbidden(f"{text} is disallowed by policy")


def neutron_gateway_forbidden(action: str, attributes: Iterable[str]) -> Forbidden:
    """Neutron's text for admin-only parts of a router's gateway (``external_fixed_ips``,
    ``enable_snat``, in that order): sub-rules of ``external_gateway_info``, checked
    together with its ``network_id``."""
    gateway = f"rule:{action}:external_gateway_info"
    parts = " and ".join(f"{gateway}:{name}" for name in ("network_id", *attributes))
    return Forbidden(f"(rule:{action} and ({gateway} and ({parts}))) is disallowed by policy")


def neutron_foreign_project() -> BadRequest:
    """Neutron's answer to a member naming another project as a resource's owner."""
    return BadRequest(
        "Specifying 'project_id' other than the authenticated project in request is not "
        "allowed for the current user."
    )


def require_nova_admin(context: ServiceContext, rule: str) -> None:
    if not context.is_admin:
        raise nova_forbidden(rule)


def require_keystone_admin(context: ServiceContext, action: str) -> None:
    if not context.is_admin:
        raise keystone_forbidden(action)


def check_neutron_owner(context: ServiceContext, project_id: str | None) -> None:
    """A member may create resources for its own project only."""
    if project_id and project_id != context.project_id and not context.is_admin:
        raise neutron_foreign_project()
