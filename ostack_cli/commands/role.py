"""``role add|create|delete|list|remove|show`` and ``role assignment list`` (Keystone v3), as
python-openstackclient 10.5 runs them, quirks included: a lookup the policy refuses passes
the name on as given, and a refused ``role add/remove`` exits 0 (openstacksdk reports
Keystone's 403 as False, which the real client does not check)."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.models.identity import AssignmentFilters, Ref, Role, RoleGrant
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each
from ostack_cli.commands.identity_common import (
    add_group_domain,
    add_immutable,
    add_inherited,
    add_project_domain,
    add_role_domain,
    add_user_domain,
    find_id,
)
from ostack_cli.errors import CommandError, Conflict

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend

LOG = logging.getLogger("ostack")

ROLE_FIELDS = ("id", "name", "domain_id", "description")
NOT_ADDED = (
    "Role not added, incorrect set of arguments provided. See openstack --help for more "
    "details"
)
NOT_REMOVED = "Incorrect set of arguments provided. See openstack --help for more details"


def role_row(role: Role) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    return ROLE_FIELDS, (role.id, role.name, role.domain_id, role.description)


def _add_actor_and_target(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--system", metavar="<system>", help="Include <system> (all)")
    target.add_argument("--domain", metavar="<domain>", help="Include <domain> (name or ID)")
    target.add_argument("--project", metavar="<project>",
                        help="Include <project> (name or ID)")
    actor = parser.add_mutually_exclusive_group()
    actor.add_argument("--user", metavar="<user>", help="Include <user> (name or ID)")
    actor.add_argument("--group", metavar="<group>", help="Include <group> (name or ID)")
    add_group_domain(parser)
    add_project_domain(parser)
    add_user_domain(parser)
    add_inherited(parser)


def _domain_id(backend: Backend, name_or_id: str | None, validate: bool = True) -> str | None:
    return find_id(backend.find_domain, name_or_id, validate=validate) if name_or_id else None


def _grant(
    backend: Backend, parsed_args: argparse.Namespace, role_id: str, *, validate: bool
) -> RoleGrant:
    """``_process_identity_and_resource_options``: the actor first, then the target."""

    def user() -> str:
        domain_id = _domain_id(backend, parsed_args.user_domain, validate)
        return find_id(lambda x: backend.find_user(x, domain_id=domain_id),
                       parsed_args.user, validate=validate)

    def group() -> str:
        domain_id = _domain_id(backend, parsed_args.group_domain, validate)

        def find(name_or_id: str) -> Ref:
            return Ref(id=backend.find_group_id(name_or_id, domain_id=domain_id))

        return find_id(find, parsed_args.group, validate=validate)

    def project() -> str:
        domain_id = _domain_id(backend, parsed_args.project_domain, validate)
        return find_id(lambda x: backend.find_project(x, domain_id=domain_id),
                       parsed_args.project, validate=validate)

    actor = user if parsed_args.user else group if parsed_args.group else None
    if actor is None or not (parsed_args.system or parsed_args.domain or parsed_args.project):
        raise CommandError(NOT_ADDED)
    actor_id = actor()
    kind = "user_id" if parsed_args.user else "group_id"
    inherited = parsed_args.inherited
    if parsed_args.system:
        return RoleGrant(role_id=role_id, system=parsed_args.system, inherited=inherited,
                         **{kind: actor_id})
    if parsed_args.domain:
        return RoleGrant(role_id=role_id, domain_id=_domain_id(backend, parsed_args.domain,
                                                                validate),
                         inherited=inherited, **{kind: actor_id})
    return RoleGrant(role_id=role_id, project_id=project(), inherited=inherited,
                     **{kind: actor_id})


def _role_id(backend: Backend, parsed_args: argparse.Namespace) -> str:
    domain_id = _domain_id(backend, parsed_args.role_domain)
    return find_id(lambda x: backend.find_role(x, domain_id=domain_id), parsed_args.role)


class AddRole(Command):
    """Adds a role assignment to a user or group on the system, a domain, or a project"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("role", metavar="<role>", help="Role to add to <user> (name or ID)")
        _add_actor_and_target(parser)
        add_role_domain(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        if not (parsed_args.user or parsed_args.domain or parsed_args.group
                or parsed_args.project):
            raise CommandError(NOT_ADDED)
        role_id = _role_id(self.backend, parsed_args)
        grant = _grant(self.backend, parsed_args, role_id, validate=True)
        if grant.system is not None and grant.inherited:
            LOG.warning(
                "'--inherited' was given, which is not supported when adding a system role. "
                "This will be an error in a future release."
            )
            grant = RoleGrant(role_id=grant.role_id, user_id=grant.user_id,
                              group_id=grant.group_id, system=grant.system)
        self.backend.grant_role(grant)


class RemoveRole(Command):
    """Removes a role assignment from system/domain/project : user/group"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("role", metavar="<role>", help="Role to remove (name or ID)")
        _add_actor_and_target(parser)
        add_role_domain(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        if not (parsed_args.user or parsed_args.domain or parsed_args.group
                or parsed_args.project):
            raise CommandError(NOT_REMOVED)
        role_id = _role_id(self.backend, parsed_args)
        grant = _grant(self.backend, parsed_args, role_id, validate=False)
        if grant.system is not None:
            grant = RoleGrant(role_id=grant.role_id, user_id=grant.user_id,
                              group_id=grant.group_id, system=grant.system)
        self.backend.revoke_role(grant)


class CreateRole(ShowOne):
    """Create new role"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<role-name>", help="New role name")
        parser.add_argument("--description", metavar="<description>",
                            help="Add description about the role")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain the role belongs to (name or ID)")
        parser.add_argument("--or-show", action="store_true", help="Return existing role")
        add_immutable(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        domain_id = _domain_id(self.backend, parsed_args.domain)
        options = None if parsed_args.immutable is None else {
            "immutable": parsed_args.immutable}
        try:
            role = self.backend.create_role(
                parsed_args.name, description=parsed_args.description or None,
                domain_id=domain_id, options=options,
            )
        except Conflict:
            if not parsed_args.or_show:
                raise
            # The real client filters by the domain as typed, not by its ID.
            role = self.backend.find_role(parsed_args.name, domain_id=parsed_args.domain)
            # The real client logs this at INFO, below its default console level.
            LOG.debug("Returning existing role %s", role.name)
        return role_row(role)


class DeleteRole(Command):
    """Delete role(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("roles", metavar="<role>", nargs="+",
                            help="Role(s) to delete (name or ID)")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain the role belongs to (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        domain_id = _domain_id(self.backend, parsed_args.domain)

        def delete_one(name: str) -> None:
            self.backend.delete_role(
                find_id(lambda x: self.backend.find_role(x, domain_id=domain_id), name)
            )

        delete_each(
            parsed_args.roles,
            delete_one,
            failure=lambda name, exc: f"Failed to delete role with name or ID '{name}': {exc}",
            summary=lambda failed, total: f"{failed} of {total} roles failed to delete.",
        )


class ListRole(Lister):
    """List roles"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--domain", metavar="<domain>",
                            help="Include <domain> (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.domain:
            domain = self.backend.find_domain(parsed_args.domain)
            roles = self.backend.roles(domain_id=domain.id)
            return ("ID", "Name", "Domain"), [(r.id, r.name, domain.name) for r in roles]
        return ("ID", "Name"), [(r.id, r.name) for r in self.backend.roles()]


class ShowRole(ShowOne):
    """Display role details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("role", metavar="<role>", help="Role to display (name or ID)")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain the role belongs to (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        domain_id = _domain_id(self.backend, parsed_args.domain)
        return role_row(self.backend.find_role(parsed_args.role, domain_id=domain_id))


def _ref_text(ref: Ref | None, names: bool) -> str:
    if ref is None:
        return ""
    if not names:
        return ref.id or ""
    return (ref.name or "") + (f"@{ref.domain_name}" if ref.domain_name else "")


class ListRoleAssignment(Lister):
    """List role assignments"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--effective", action="store_true", default=None,
                            help="Returns only effective role assignments")
        parser.add_argument("--role", metavar="<role>", help="Role to filter (name or ID)")
        add_role_domain(parser)
        parser.add_argument("--names", action="store_true",
                            help="Display names instead of IDs")
        actor = parser.add_mutually_exclusive_group()
        actor.add_argument("--user", metavar="<user>", help="User to filter (name or ID)")
        add_user_domain(parser)
        actor.add_argument("--group", metavar="<group>", help="Group to filter (name or ID)")
        add_group_domain(parser)
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--domain", metavar="<domain>",
                            help="Domain to filter (name or ID)")
        target.add_argument("--project", metavar="<project>",
                            help="Project to filter (name or ID)")
        target.add_argument("--system", metavar="<system>",
                            help="Filter based on system role assignments")
        add_project_domain(parser)
        add_inherited(parser)
        parser.add_argument("--auth-user", action="store_true", dest="authuser",
                            help="Only list assignments for the authenticated user")
        parser.add_argument("--auth-project", action="store_true", dest="authproject",
                            help="Only list assignments for the project to which the "
                            "authenticated user's token is scoped")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        backend = self.backend
        role_id = None
        if parsed_args.role:
            role_id = _role_id(backend, parsed_args)
        user_domain_id = _domain_id(backend, parsed_args.user_domain)
        user_id = None
        if parsed_args.user:
            user_id = find_id(lambda x: backend.find_user(x, domain_id=user_domain_id),
                              parsed_args.user)
        elif parsed_args.authuser:
            user_id = find_id(backend.find_user, backend.auth_user_id())
        domain_id = _domain_id(backend, parsed_args.domain)
        project_domain_id = _domain_id(backend, parsed_args.project_domain)
        project_id = None
        if parsed_args.project:
            project_id = find_id(lambda x: backend.find_project(x, domain_id=project_domain_id),
                                 parsed_args.project)
        elif parsed_args.authproject:
            scoped = backend.auth_project_id()
            if scoped is None:
                raise CommandError("missing auth info")
            project_id = find_id(backend.find_project, scoped)
        group_domain_id = _domain_id(backend, parsed_args.group_domain)
        group_id = None
        if parsed_args.group:
            group_id = find_id(
                lambda x: Ref(id=backend.find_group_id(x, domain_id=group_domain_id)),
                parsed_args.group,
            )
        names = bool(parsed_args.names)
        assignments = backend.role_assignments(AssignmentFilters(
            role_id=role_id, user_id=user_id, group_id=group_id, project_id=project_id,
            domain_id=domain_id, system=parsed_args.system,
            effective=bool(parsed_args.effective), include_names=names,
            inherited=parsed_args.inherited,
        ))
        rows = [
            (_ref_text(a.role, names), _ref_text(a.user, names), _ref_text(a.group, names),
             _ref_text(a.project, names), _ref_text(a.domain, names),
             "all" if a.system else "", a.inherited)
            for a in assignments
        ]
        return ("Role", "User", "Group", "Project", "Domain", "System", "Inherited"), rows
