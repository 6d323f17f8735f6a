"""``trust create|delete|list|show`` (Keystone v3 OS-TRUST), as python-openstackclient 10.5
(openstackclient/identity/v3/trust.py)."""

from __future__ import annotations

import argparse
import contextlib
import datetime
from collections.abc import Callable
from typing import Any

from ostack_cli.backend.models.trust import Trust, TrustSpec
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each
from ostack_cli.commands.identity_common import add_project_domain
from ostack_cli.errors import CommandError, Forbidden, NotFound

# The real client's fields, in its order (already sorted).
FIELDS = ("expires_at", "id", "is_impersonation", "project_id", "redelegated_trust_id",
          "redelegation_count", "remaining_uses", "roles", "trustee_user_id",
          "trustor_user_id")
HEADERS = ("ID", "Expires At", "Impersonation", "Project ID", "Trustee User ID",
           "Trustor User ID")
EXPIRATION_FORMAT = "%Y-%m-%dT%H:%M:%S"


def trust_fields(trust: Trust) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    # Roles as the SDK returns them: the table prints the list as Python writes it.
    return FIELDS, (trust.expires_at, trust.id, trust.impersonation, trust.project_id,
                    trust.redelegated_trust_id, trust.redelegation_count, trust.remaining_uses,
                    None if trust.roles is None else list(trust.roles), trust.trustee_user_id,
                    trust.trustor_user_id)


def trust_row(trust: Trust) -> tuple[Any, ...]:
    return (trust.id, trust.expires_at, trust.impersonation, trust.project_id,
            trust.trustee_user_id, trust.trustor_user_id)


def id_or_given(find: Callable[[str], Any], name_or_id: str) -> str:
    """The real client's lookups here: a refused lookup passes the value on as given, one
    that finds nothing fails with the SDK's ``No User found for x``."""
    try:
        return str(find(name_or_id).id)
    except Forbidden:
        return name_or_id


class _TrustCommand:
    backend: Any

    def user_id(self, name_or_id: str, domain: str | None) -> str:
        def find(value: str) -> Any:
            domain_id = self.backend.find_domain(domain).id if domain else None
            return self.backend.find_user(value, domain_id=domain_id)

        return id_or_given(find, name_or_id)


def _add_user_domains(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trustor-domain", metavar="<trustor-domain>",
                        help="Domain that contains <trustor> (name or ID)")
    parser.add_argument("--trustee-domain", metavar="<trustee-domain>",
                        help="Domain that contains <trustee> (name or ID)")


class CreateTrust(_TrustCommand, ShowOne):
    """Create new trust"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("trustor", metavar="<trustor-user>",
                            help="User that is delegating authorization (name or ID)")
        parser.add_argument("trustee", metavar="<trustee-user>",
                            help="User that is assuming authorization (name or ID)")
        parser.add_argument("--project", metavar="<project>", required=True,
                            help="Project being delegated (name or ID) (required)")
        parser.add_argument("--role", metavar="<role>", dest="roles", action="append",
                            default=[], required=True,
                            help="Roles to authorize (name or ID) (repeat option to set "
                            "multiple values, required)")
        parser.add_argument("--impersonate", dest="is_impersonation", action="store_true",
                            default=False,
                            help="Tokens generated from the trust will represent <trustor> "
                            "(defaults to False)")
        parser.add_argument("--expiration", metavar="<expiration>",
                            help="Sets an expiration date for the trust (format of "
                            "YYYY-mm-ddTHH:MM:SS)")
        add_project_domain(parser)
        _add_user_domains(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        trustor = self.user_id(parsed_args.trustor, parsed_args.trustor_domain)
        trustee = self.user_id(parsed_args.trustee, parsed_args.trustee_domain)

        def find_project(value: str) -> Any:
            domain = parsed_args.project_domain
            domain_id = self.backend.find_domain(domain).id if domain else None
            return self.backend.find_project(value, domain_id=domain_id)

        project = id_or_given(find_project, parsed_args.project)
        roles = [{"id": id_or_given(self.backend.find_role, role)}
                 for role in parsed_args.roles]
        expires_at = None
        if parsed_args.expiration:
            try:
                moment = datetime.datetime.strptime(parsed_args.expiration, EXPIRATION_FORMAT)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            expires_at = moment.isoformat()
        trust = self.backend.create_trust(TrustSpec(
            trustor_user_id=trustor, trustee_user_id=trustee, project_id=project,
            roles=roles, impersonation=bool(parsed_args.is_impersonation),
            expires_at=expires_at))
        return trust_fields(trust)


class DeleteTrust(Command):
    """Delete trust(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("trust", metavar="<trust>", nargs="+", help="Trust(s) to delete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        def delete_one(name: str) -> None:
            trust = self.backend.find_trust(name)
            # The SDK's delete ignores a 404: a used-up or expired trust, which the find
            # still lists, is "deleted" without a word (and stays).
            with contextlib.suppress(NotFound):
                self.backend.delete_trust(trust)

        delete_each(
            parsed_args.trust,
            delete_one,
            failure=lambda name, exc: f"Failed to delete trust with name or ID '{name}': {exc}",
            summary=lambda failed, total: f"{failed} of {total} trusts failed to delete.",
        )


class ListTrust(_TrustCommand, Lister):
    """List trusts"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--trustor", metavar="<trustor-user>",
                            help="Trustor user to filter (name or ID)")
        parser.add_argument("--trustee", metavar="<trustee-user>",
                            help="Trustee user to filter (name or ID)")
        _add_user_domains(parser)
        parser.add_argument("--auth-user", action="store_true", dest="authuser",
                            help="Only list trusts related to the authenticated user")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.authuser and any([parsed_args.trustor, parsed_args.trustor_domain,
                                         parsed_args.trustee, parsed_args.trustee_domain]):
            raise CommandError("--authuser cannot be used with --trustee or --trustor")
        if parsed_args.trustee_domain and not parsed_args.trustee:
            raise CommandError("Using --trustee-domain mandates the use of --trustee")
        if parsed_args.trustor_domain and not parsed_args.trustor:
            raise CommandError("Using --trustor-domain mandates the use of --trustor")
        if parsed_args.authuser:
            # Two lists, as the real client asks: as trustor, then as trustee.
            me = self.backend.auth_user_id()
            found = {t.id: t for t in self.backend.trusts(trustor_user_id=me)}
            for trust in self.backend.trusts(trustee_user_id=me):
                found.setdefault(trust.id, trust)
            trusts = list(found.values())
        else:
            trustor = (self.user_id(parsed_args.trustor, parsed_args.trustor_domain)
                       if parsed_args.trustor else None)
            trustee = (self.user_id(parsed_args.trustee, parsed_args.trustee_domain)
                       if parsed_args.trustee else None)
            trusts = self.backend.trusts(trustor_user_id=trustor, trustee_user_id=trustee)
        return HEADERS, [trust_row(t) for t in trusts]


class ShowTrust(ShowOne):
    """Display trust details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("trust", metavar="<trust>", help="Trust to display")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        return trust_fields(self.backend.find_trust(parsed_args.trust))
