"""``application credential create|delete|list|show`` (Keystone v3), as
python-openstackclient 10.5 (openstackclient/identity/v3/application_credential.py)."""

from __future__ import annotations

import argparse
import datetime
import json
import uuid
from typing import Any

from ostack_cli.backend.models.application_credential import (
    ApplicationCredential,
    ApplicationCredentialSpec,
)
from ostack_cli.columns import column_with, format_list
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each
from ostack_cli.commands.identity_common import add_user_domain, find_id
from ostack_cli.errors import CommandError

# The real client's columns, in its order (show does not sort them).
HEADERS = ("ID", "Name", "Description", "Project ID", "Roles", "Unrestricted",
           "Access Rules", "Expires At")
EXPIRATION_FORMAT = "%Y-%m-%dT%H:%M:%S"
BAD_ACCESS_RULES = "Access rules is not valid JSON string or file does not exist."


def _role_names(roles: list[dict[str, Any]] | None) -> str:
    """The real client's ``RolesColumn``: the names, sorted, comma separated."""
    return format_list([role["name"] for role in roles or []])


RolesColumn = column_with(_role_names)


def credential_row(credential: ApplicationCredential) -> tuple[Any, ...]:
    return (credential.id, credential.name, credential.description, credential.project_id,
            RolesColumn(credential.roles), credential.unrestricted, credential.access_rules,
            credential.expires_at)


def is_uuid_like(value: str) -> bool:
    """The real client's test for a role given by ID rather than by name."""
    try:
        formatted = (value.replace("urn:", "").replace("uuid:", "").strip("{}")
                     .replace("-", "").lower())
        return str(uuid.UUID(value)).replace("-", "") == formatted
    except (TypeError, ValueError, AttributeError):
        return False


def _expiration(text: str | None) -> str | None:
    if not text:
        return None
    try:
        moment = datetime.datetime.strptime(text, EXPIRATION_FORMAT)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    return moment.isoformat()


def _access_rules(text: str | None) -> list[Any]:
    """A JSON list, given inline or as a file's path."""
    if not text:
        return []
    try:
        rules = json.loads(text)
    except ValueError:
        try:
            with open(text, encoding="utf-8") as source:
                rules = json.load(source)
        except OSError:
            raise CommandError(BAD_ACCESS_RULES) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    # Keystone's schema judges anything but a list of rules.
    return rules if isinstance(rules, list) else [rules]


class CreateApplicationCredential(ShowOne):
    """Create new application credential"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>",
                            help="Name of the application credential")
        parser.add_argument("--secret", metavar="<secret>",
                            help="Secret to use for authentication (if not provided, one will "
                            "be generated)")
        parser.add_argument("--role", metavar="<role>", dest="roles", action="append",
                            default=[], help="Roles to authorize (name or ID) (repeat option "
                            "to set multiple values)")
        parser.add_argument("--expiration", metavar="<expiration>",
                            help="Sets an expiration date for the application credential, "
                            "format of YYYY-mm-ddTHH:MM:SS (if not provided, the application "
                            "credential will not expire)")
        parser.add_argument("--description", metavar="<description>",
                            help="Application credential description")
        parser.add_argument("--unrestricted", action="store_true",
                            help="Enable application credential to create and delete other "
                            "application credentials and trusts (this is potentially dangerous "
                            "behavior and is disabled by default)")
        parser.add_argument("--restricted", action="store_true",
                            help="Prohibit application credential from creating and deleting "
                            "other application credentials and trusts (this is the default "
                            "behavior)")
        parser.add_argument("--access-rules", metavar="<access-rules>",
                            help="Either a string or file path containing a JSON-formatted "
                            "list of access rules, each containing a request method, path, "
                            "and service, for example '[{\"method\": \"GET\", \"path\": "
                            "\"/v2.1/servers\", \"service\": \"compute\"}]'")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        roles = [{"id": role} if is_uuid_like(role) else {"name": role}
                 for role in parsed_args.roles]
        spec = ApplicationCredentialSpec(
            name=parsed_args.name,
            secret=parsed_args.secret,
            roles=roles,
            expires_at=_expiration(parsed_args.expiration),
            description=parsed_args.description,
            # --restricted wins, as in the real client.
            unrestricted=False if parsed_args.restricted else parsed_args.unrestricted,
            access_rules=_access_rules(parsed_args.access_rules),
        )
        credential = self.backend.create_application_credential(spec)
        return (*HEADERS, "Secret"), (*credential_row(credential), credential.secret)


class DeleteApplicationCredential(Command):
    """Delete application credentials(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("application_credential", metavar="<application-credential>",
                            nargs="+",
                            help="Application credentials(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        def delete_one(name: str) -> None:
            credential = self.backend.find_application_credential(name)
            self.backend.delete_application_credential(credential)

        delete_each(
            parsed_args.application_credential,
            delete_one,
            failure=lambda name, exc: ("Failed to delete application credential with name or "
                                       f"ID '{name}': {exc}"),
            summary=lambda failed, total: (f"{failed} of {total} application credentials "
                                           "failed to delete."),
        )


class ListApplicationCredential(Lister):
    """List application credentials"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--user", metavar="<user>",
                            help="User whose application credentials to list (name or ID)")
        add_user_domain(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        user_id = None
        if parsed_args.user:
            domain_id = (find_id(self.backend.find_domain, parsed_args.user_domain)
                         if parsed_args.user_domain else None)
            user_id = find_id(lambda x: self.backend.find_user(x, domain_id=domain_id),
                              parsed_args.user)
        credentials = self.backend.application_credentials(user_id=user_id)
        return HEADERS, [credential_row(c) for c in credentials]


class ShowApplicationCredential(ShowOne):
    """Display application credential details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("application_credential", metavar="<application-credential>",
                            help="Application credential to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        credential = self.backend.find_application_credential(
            parsed_args.application_credential)
        return HEADERS, credential_row(credential)
