"""``network rbac create|delete|list|set|show``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.models.rbac_policy import ALL_PROJECTS, RbacPolicySpec, rbac_policy_view
from ostack_cli.commands import network_common as nc
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each, show_fields
from ostack_cli.commands.pagination import add_pagination, paginate
from ostack_cli.errors import not_found

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend

# The real client's choices, in its order (the local backend has no QoS policies or address
# groups: they are never found there).
TYPES = ["address_group", "address_scope", "security_group", "subnetpool", "qos_policy",
         "network"]
ACTIONS = ["access_as_external", "access_as_shared"]
TARGET_DOMAIN_HELP = ("Domain the target project belongs to (name or ID). This can be used in "
                      "case collisions between project names exist.")


def _object_finder(backend: Backend, object_type: str) -> Callable[[str], str]:
    def missing(resource: str) -> Callable[[str], str]:
        def find(name_or_id: str) -> str:
            raise not_found(resource, name_or_id)
        return find

    finders: dict[str, Callable[[str], str]] = {
        "network": lambda name: backend.find_network(name).id,
        "security_group": lambda name: backend.find_security_group(name).id,
        "address_scope": lambda name: backend.find_address_scope(name).id,
        "subnetpool": lambda name: backend.find_subnet_pool(name).id,
        "qos_policy": missing("QoSPolicy"),
        "address_group": missing("AddressGroup"),
    }
    return finders[object_type]


def _add_target_domain(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target-project-domain", metavar="<target-project-domain>",
                        help=TARGET_DOMAIN_HELP)


class CreateNetworkRBAC(ShowOne):
    """Create network RBAC policy"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("rbac_object", metavar="<rbac-object>",
                            help="The object to which this RBAC policy affects (name or ID)")
        parser.add_argument("--type", metavar="<type>", required=True, choices=TYPES,
                            help='Type of the object that RBAC policy affects ("address_group", '
                            '"address_scope", "security_group", "subnetpool", "qos_policy" or '
                            '"network")')
        parser.add_argument("--action", metavar="<action>", required=True, choices=ACTIONS,
                            help='Action for the RBAC policy ("access_as_external" or '
                            '"access_as_shared")')
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--target-project", metavar="<target-project>",
                           help="The project to which the RBAC policy will be enforced (name "
                           "or ID)")
        group.add_argument("--target-all-projects", action="store_true",
                           help="Allow creating RBAC policy for all projects")
        _add_target_domain(parser)
        nc.add_project(parser, "The owner project (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        object_id = _object_finder(self.backend, parsed_args.type)(parsed_args.rbac_object)
        if parsed_args.target_project is not None:
            target = self.backend.find_project_id(parsed_args.target_project,
                                                  domain=parsed_args.target_project_domain)
        else:
            target = ALL_PROJECTS
        policy = self.backend.create_rbac_policy(RbacPolicySpec(
            object_type=parsed_args.type, object_id=object_id, action=parsed_args.action,
            target_project_id=target, project_id=nc.project_id(self.backend, parsed_args),
        ))
        return show_fields(rbac_policy_view(policy))


class DeleteNetworkRBAC(Command):
    """Delete network RBAC policy(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("rbac_policy", metavar="<rbac-policy>", nargs="+",
                            help="RBAC policy(s) to delete (ID only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.rbac_policy,
            lambda policy_id: self.backend.delete_rbac_policy(
                self.backend.find_rbac_policy(policy_id)),
            failure=lambda policy_id, exc: (f"Failed to delete RBAC policy with ID "
                                            f"'{policy_id}': {exc}"),
            summary=lambda failed, total: f"{failed} of {total} RBAC policies failed to delete.",
        )


class ListNetworkRBAC(Lister):
    """List network RBAC policies"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--type", metavar="<type>", choices=TYPES,
                            help="List only network RBAC policies with the specified object "
                            'type ("address_group", "address_scope", "security_group", '
                            '"subnetpool", "qos_policy" or "network")')
        parser.add_argument("--action", metavar="<action>", choices=ACTIONS,
                            help="List only network RBAC policies with the specified action "
                            '("access_as_external" or "access_as_shared")')
        parser.add_argument("--target-project", metavar="<target-project>",
                            help="List only network RBAC policies with the specified target "
                            "project (name or ID)")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        target = parsed_args.target_project
        if target is not None and target != ALL_PROJECTS:
            target = self.backend.find_project_id(target)
        policies = paginate(self.backend.rbac_policies(
            object_type=parsed_args.type, action=parsed_args.action, target_project_id=target,
        ), parsed_args)
        headers: tuple[str, ...] = ("ID", "Object Type", "Object ID")
        if parsed_args.long:
            headers += ("Action",)
        rows = []
        for policy in policies:
            row: tuple[Any, ...] = (policy.id, policy.object_type, policy.object_id)
            if parsed_args.long:
                row += (policy.action,)
            rows.append(row)
        return headers, rows


class SetNetworkRBAC(Command):
    """Set network RBAC policy properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("rbac_policy", metavar="<rbac-policy>",
                            help="RBAC policy to be modified (ID only)")
        parser.add_argument("--target-project", metavar="<target-project>",
                            help="The project to which the RBAC policy will be enforced (name "
                            "or ID)")
        _add_target_domain(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        policy = self.backend.find_rbac_policy(parsed_args.rbac_policy)
        if parsed_args.target_project:
            target = self.backend.find_project_id(parsed_args.target_project,
                                                  domain=parsed_args.target_project_domain)
            self.backend.update_rbac_policy(policy, target_project_id=target)


class ShowNetworkRBAC(ShowOne):
    """Display network RBAC policy details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("rbac_policy", metavar="<rbac-policy>", help="RBAC policy (ID only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        policy = self.backend.find_rbac_policy(parsed_args.rbac_policy)
        return show_fields(rbac_policy_view(policy))
