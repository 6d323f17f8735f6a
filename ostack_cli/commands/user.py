"""``user create|delete|list|set|show`` (Keystone v3), as python-openstackclient 10.5."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.models.identity import AssignmentFilters, User, UserChanges, UserSpec
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each
from ostack_cli.commands.identity_common import (
    add_project_domain,
    keystone_page,
    prompt_password,
)
from ostack_cli.commands.pagination import add_pagination
from ostack_cli.errors import CommandError, Conflict, NotFound

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend

LOG = logging.getLogger("ostack")

NO_PASSWORD = (
    "No password was supplied, authentication will fail when a user does not have a password."
)
# The real client's show fields, in its order (not sorted).
USER_FIELDS = ("default_project_id", "domain_id", "email", "enabled", "id", "name",
               "description", "password_expires_at", "options")


def user_row(user: User) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    values = {
        "default_project_id": user.default_project_id,
        "domain_id": user.domain_id,
        "email": user.email,
        "enabled": user.is_enabled,
        "id": user.id,
        "name": user.name,
        "description": user.description,
        "password_expires_at": user.password_expires_at,
        "options": dict(user.options),
    }
    return USER_FIELDS, tuple(values[f] for f in USER_FIELDS)


# (option, key in Keystone's user options, value it sets)
_OPTION_FLAGS = (
    ("ignore_lockout_failure_attempts", "ignore_lockout_failure_attempts", True,
     "Opt into ignoring the number of times a user has authenticated and locking out the "
     "user as a result"),
    ("no_ignore_lockout_failure_attempts", "ignore_lockout_failure_attempts", False,
     "Opt out of ignoring the number of times a user has authenticated and locking out the "
     "user as a result"),
    ("ignore_password_expiry", "ignore_password_expiry", True,
     "Opt into allowing user to continue using passwords that may be expired"),
    ("no_ignore_password_expiry", "ignore_password_expiry", False,
     "Opt out of allowing user to continue using passwords that may be expired"),
    ("ignore_change_password_upon_first_use", "ignore_change_password_upon_first_use", True,
     "Control if a user should be forced to change their password immediately after they log "
     "into keystone for the first time. Opt into ignoring the user to change their password "
     "during first time login in keystone"),
    ("no_ignore_change_password_upon_first_use", "ignore_change_password_upon_first_use",
     False,
     "Control if a user should be forced to change their password immediately after they log "
     "into keystone for the first time. Opt out of ignoring the user to change their password "
     "during first time login in keystone"),
    ("enable_lock_password", "lock_password", True,
     "Disables the ability for a user to change its password through self-service APIs"),
    ("disable_lock_password", "lock_password", False,
     "Enables the ability for a user to change its password through self-service APIs"),
    ("enable_multi_factor_auth", "multi_factor_auth_enabled", True,
     "Enables the MFA (Multi Factor Auth)"),
    ("disable_multi_factor_auth", "multi_factor_auth_enabled", False,
     "Disables the MFA (Multi Factor Auth)"),
)


def _add_user_options(parser: argparse.ArgumentParser) -> None:
    for dest, _key, _value, help_text in _OPTION_FLAGS:
        parser.add_argument("--" + dest.replace("_", "-"), action="store_true", help=help_text)
    parser.add_argument(
        "--multi-factor-auth-rule", metavar="<rule>", dest="multi_factor_auth_rules",
        action="append", default=[],
        help='Set multi-factor auth rules. For example, to set a rule requiring the "password" '
        'and "totp" auth methods to be provided, use: "--multi-factor-auth-rule '
        'password,totp". May be provided multiple times to set different rule combinations.',
    )


def _user_options(parsed_args: argparse.Namespace) -> dict[str, object]:
    options: dict[str, object] = {}
    for dest, key, value, _help in _OPTION_FLAGS:
        if getattr(parsed_args, dest):
            options[key] = value
    rules = [rule.split(",") for rule in parsed_args.multi_factor_auth_rules]
    if rules:
        options["multi_factor_auth_rules"] = rules
    return options


def _add_common(parser: argparse.ArgumentParser, *, setting: bool) -> None:
    verb = "Set" if setting else "Default"
    parser.add_argument("--project", metavar="<project>",
                        help=f"{'Set default' if setting else verb} project (name or ID)")
    add_project_domain(parser)
    parser.add_argument("--password", metavar="<password>", help="Set user password")
    parser.add_argument("--password-prompt", dest="password_prompt", action="store_true",
                        help="Prompt interactively for password")
    parser.add_argument("--email", metavar="<email-address>", help="Set user email address")
    parser.add_argument("--description", metavar="<description>",
                        help="Set user description" if setting else "User description")
    _add_user_options(parser)
    enable = parser.add_mutually_exclusive_group()
    enable.add_argument("--enable", action="store_true", help="Enable user (default)")
    enable.add_argument("--disable", action="store_true", help="Disable user")


def _default_project(backend: Backend, parsed_args: argparse.Namespace) -> str | None:
    if not parsed_args.project:
        return None
    domain_id = None
    if parsed_args.project_domain:
        domain_id = backend.find_domain(parsed_args.project_domain).id
    return backend.find_project(parsed_args.project, domain_id=domain_id).id


def lenient_domain_id(backend: Backend, name_or_id: str | None) -> str | None:
    """A domain looked up with ``ignore_missing=True``: an unknown one filters nothing."""
    if not name_or_id:
        return None
    try:
        return backend.find_domain(name_or_id).id
    except NotFound:
        return None


class CreateUser(ShowOne):
    """Create new user"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New user name")
        parser.add_argument("--domain", metavar="<domain>", help="Default domain (name or ID)")
        _add_common(parser, setting=False)
        parser.add_argument("--or-show", action="store_true", help="Return existing user")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        domain_id = None
        if parsed_args.domain:
            domain_id = self.backend.find_domain(parsed_args.domain).id
        project_id = _default_project(self.backend, parsed_args)
        password = parsed_args.password
        if not password and parsed_args.password_prompt:
            password = prompt_password(self.app.stdin)
        if not password:
            LOG.warning(NO_PASSWORD)
        spec = UserSpec(
            name=parsed_args.name,
            **({"domain_id": domain_id} if domain_id else {}),
            default_project_id=project_id,
            password=password or None,
            email=parsed_args.email or None,
            description=parsed_args.description or None,
            is_enabled=not parsed_args.disable,
            options=_user_options(parsed_args),
        )
        try:
            user = self.backend.create_user(spec)
        except Conflict:
            if not parsed_args.or_show:
                raise
            user = self.backend.find_user(parsed_args.name, domain_id=domain_id)
            # The real client logs this at INFO, below its default console level.
            LOG.debug("Returning existing user %s", user.name)
        return user_row(user)


class DeleteUser(Command):
    """Delete user(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("users", metavar="<user>", nargs="+",
                            help="User(s) to delete (name or ID)")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain owning <user> (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        domain_id = lenient_domain_id(self.backend, parsed_args.domain)

        def delete_one(name: str) -> None:
            self.backend.delete_user(self.backend.find_user(name, domain_id=domain_id))

        delete_each(
            parsed_args.users,
            delete_one,
            failure=lambda name, exc: f"Failed to delete user with name or ID '{name}': {exc}",
            summary=lambda failed, total: f"{failed} of {total} users failed to delete.",
        )


class ListUser(Lister):
    """List users"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--domain", metavar="<domain>",
                            help="Filter users by <domain> (name or ID)")
        owner = parser.add_mutually_exclusive_group()
        owner.add_argument("--group", metavar="<group>",
                           help="Filter users by <group> membership (name or ID)")
        owner.add_argument("--project", metavar="<project>",
                           help="Filter users by <project> (name or ID)")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--enabled", action="store_true", dest="is_enabled", default=None,
                            help="List only enabled users, does nothing with --project and "
                            "--group")
        parser.add_argument("--disabled", action="store_false", dest="is_enabled",
                            default=None, help="List only disabled users, does nothing with "
                            "--project and --group")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.project and (
            parsed_args.limit is not None or parsed_args.marker is not None
        ):
            raise CommandError("--limit and --marker are not supported with --project")
        domain_id = None
        if parsed_args.domain:
            domain_id = self.backend.find_domain(parsed_args.domain).id
        users: list[User]
        if parsed_args.group:
            group_id = self.backend.find_group_id(parsed_args.group,
                                                  domain_id=parsed_args.domain)
            users = keystone_page(self.backend.group_users(group_id), parsed_args)
        elif parsed_args.project:
            users = self._project_users(parsed_args.project, domain_id)
        else:
            users = keystone_page(
                self.backend.users(domain_id=domain_id, enabled=parsed_args.is_enabled),
                parsed_args,
            )
        if parsed_args.long:
            headers: tuple[str, ...] = ("ID", "Name", "Project", "Domain", "Description",
                                        "Email", "Enabled")
            rows: list[tuple[Any, ...]] = [
                (u.id, u.name, u.default_project_id, u.domain_id, u.description, u.email,
                 u.is_enabled) for u in users
            ]
        else:
            headers = ("ID", "Name")
            rows = [(u.id, u.name) for u in users]
        return headers, rows

    def _project_users(self, project: str, domain_id: str | None) -> list[User]:
        project_id = self.backend.find_project(project, domain_id=domain_id).id
        # Users with any role there, each once (as the real client collects them).
        user_ids = {a.user.id for a in self.backend.role_assignments(
            AssignmentFilters(project_id=project_id)) if a.user is not None}
        return [self.backend.find_user(user_id) for user_id in sorted(user_ids)]


class SetUser(Command):
    """Set user properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("user", metavar="<user>", help="User to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="Set user name")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain the user belongs to (name or ID). This can be used in "
                            "case collisions between user names exist.")
        _add_common(parser, setting=True)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        if parsed_args.password_prompt:
            parsed_args.password = prompt_password(self.app.stdin)
        if parsed_args.password == "":
            LOG.warning(NO_PASSWORD)
        domain_id = None
        if parsed_args.domain:
            domain_id = self.backend.find_domain(parsed_args.domain).id
        user = self.backend.find_user(parsed_args.user, domain_id=domain_id)
        enabled = user.is_enabled
        if parsed_args.enable:
            enabled = True
        if parsed_args.disable:
            enabled = False
        changes = UserChanges(
            name=parsed_args.name or None,
            email=parsed_args.email or None,
            password=parsed_args.password or None,
            description=parsed_args.description or None,
            default_project_id=_default_project(self.backend, parsed_args),
            is_enabled=enabled,
            options=_user_options(parsed_args) or None,
        )
        self.backend.update_user(user, changes)


class ShowUser(ShowOne):
    """Display user details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("user", metavar="<user>", help="User to display (name or ID)")
        parser.add_argument("--domain", metavar="<domain>",
                            help="Domain owning <user> (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        domain_id = lenient_domain_id(self.backend, parsed_args.domain)
        return user_row(self.backend.find_user(parsed_args.user, domain_id=domain_id))
