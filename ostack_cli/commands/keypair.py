"""``keypair create|delete|list|show``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from ostack_cli.backend.models.identity import AssignmentFilters
from ostack_cli.backend.models.keypair import KEYPAIR_TYPE_SSH, KEYPAIR_TYPES, Keypair
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each, show_fields
from ostack_cli.commands.identity_common import find_id
from ostack_cli.commands.pagination import add_marker_pagination
from ostack_cli.errors import CommandError
from ostack_cli.state.paths import write_private_file

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend


def generate_keypair() -> tuple[str, str]:
    """(private, public): a new Ed25519 key in OpenSSH form, made on the client as the real
    client does (Nova >= 2.92 no longer generates keys)."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()
    return private, public


def keypair_fields(keypair: Keypair, *, created: bool = False) -> dict[str, Any]:
    """openstacksdk's Keypair as the real client shows it: ``id`` is the name; a create
    response carries neither ``created_at`` nor ``deleted``, and show adds ``private_key``
    (always empty once stored)."""
    fields: dict[str, Any] = {
        "created_at": None if created else keypair.created_at,
        "fingerprint": keypair.fingerprint,
        "id": keypair.name,
        "is_deleted": None if created else False,
        "name": keypair.name,
        "type": keypair.type,
        "user_id": keypair.user_id,
    }
    if not created:
        fields["private_key"] = None
    return fields


def _paging_marker(version: str | None, parsed_args: argparse.Namespace) -> str | None:
    """The marker Nova is given, as by the real client: without a compute microversion
    openstacksdk lists keypairs at 2.10, where Nova ignores --marker (and --limit); one of
    2.35 or more (``2.latest``) sends it; one below refuses both options."""
    major, _, minor = (version or "").partition(".")
    if not minor:
        return None
    if minor != "latest" and (not minor.isdigit() or (int(major or 0), int(minor)) < (2, 35)):
        for option in ("marker", "limit"):
            if getattr(parsed_args, option) is not None:
                raise CommandError(f"--os-compute-api-version 2.35 or greater is required "
                                   f"to support the --{option} option")
        return None
    marker: str | None = parsed_args.marker
    return marker


def _user_id(backend: Backend, user: str | None) -> str | None:
    """``--user`` as the real client resolves it (``find_user_id_sdk``)."""
    return find_id(backend.find_user, user) if user else None


def _add_user(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--user", metavar="<user>", help=help_text)
    parser.add_argument("--user-domain", metavar="<user-domain>",
                        help="Domain the user belongs to (name or ID). This can be used in "
                        "case collisions between user names exist.")


class CreateKeypair(ShowOne):
    """Create new public or private key for server ssh access"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New public or private key name")
        key_group = parser.add_mutually_exclusive_group()
        key_group.add_argument(
            "--public-key", metavar="<file>",
            help="Filename for public key to add. If not used, generates a private key in "
            "ssh-ed25519 format. To generate keys in other formats, including the legacy "
            "ssh-rsa format, you must use an external tool such as ssh-keygen and specify "
            "this argument.",
        )
        key_group.add_argument(
            "--private-key", metavar="<file>",
            help="Filename for private key to save. If not used, print private key in "
            "console.",
        )
        parser.add_argument("--type", metavar="<type>", choices=list(KEYPAIR_TYPES),
                            help="Keypair type (supported by --os-compute-api-version 2.2 or "
                            "above)")
        _add_user(parser, "The owner of the keypair (admin only) (name or ID) (supported by "
                  "--os-compute-api-version 2.10 or above)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        private_key = None
        if parsed_args.public_key:
            public_key = _read_public_key(parsed_args.public_key)
        else:
            private_key, public_key = generate_keypair()
        user = _user_id(self.backend, parsed_args.user)
        keypair = self.backend.create_keypair(
            parsed_args.name,
            public_key,
            key_type=parsed_args.type or KEYPAIR_TYPE_SSH,
            user=user,
        )
        if private_key is not None and parsed_args.private_key:
            try:
                write_private_file(
                    Path(os.path.expanduser(parsed_args.private_key)), private_key.encode()
                )
            except OSError as exc:
                # Nobody holds the private key, so the keypair is of no use: take it back.
                self.backend.delete_keypair(keypair.name, user=user)
                raise CommandError(
                    f"Key file {parsed_args.private_key} can not be saved: {exc}"
                ) from None
        if private_key is not None and not parsed_args.private_key:
            # As the real client: the private key raw on stdout, and no table.
            self.app.stdout.write(private_key)
            return (), ()
        return show_fields(keypair_fields(keypair, created=True))


def _read_public_key(name: str) -> str:
    try:
        with open(os.path.expanduser(name), encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise CommandError(f"Key file {name} not found: {exc}") from None
    except UnicodeDecodeError as exc:
        # The real client lets the decoding error through; its text is what it prints.
        raise CommandError(str(exc)) from None


class DeleteKeypair(Command):
    """Delete public or private key(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<key>", nargs="+",
                            help="Name of key(s) to delete (name only)")
        _add_user(parser, "The owner of the keypair. (admin only) (name or ID). Requires "
                  "``--os-compute-api-version`` 2.10 or greater.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        user = _user_id(self.backend, parsed_args.user)
        delete_each(
            parsed_args.name,
            lambda name: self.backend.delete_keypair(name, user=user),
            failure=lambda name, exc: f"Failed to delete key with name '{name}': {exc}",
            summary=lambda failed, total: f"{failed} of {total} keys failed to delete.",
        )


class ListKeypair(Lister):
    """List key fingerprints"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        owner = parser.add_mutually_exclusive_group()
        owner.add_argument("--user", metavar="<user>",
                           help="Show keypairs for another user (admin only) (name or ID). "
                           "Requires ``--os-compute-api-version`` 2.10 or greater.")
        parser.add_argument("--user-domain", metavar="<user-domain>",
                            help="Domain the user belongs to (name or ID). This can be used "
                            "in case collisions between user names exist.")
        owner.add_argument("--project", metavar="<project>",
                           help="Show keypairs for all users associated with project (admin "
                           "only) (name or ID). Requires ``--os-compute-api-version`` 2.10 or "
                           "greater.")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID). This can be "
                            "used in case collisions between project names exist.")
        add_marker_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        # --limit is the page size only: the real client pages through everything.
        marker = _paging_marker(getattr(self.app.options, "os_compute_api_version", None),
                                parsed_args)
        if parsed_args.project:
            # Every user with a role on the project (looked up as the real client does).
            project_id = find_id(self.backend.find_project, parsed_args.project)
            user_ids = sorted({a.user.id for a in self.backend.role_assignments(
                AssignmentFilters(project_id=project_id)) if a.user is not None})
            keypairs = [k for user_id in user_ids
                        for k in self.backend.keypairs(user=user_id, marker=marker)]
        else:
            keypairs = self.backend.keypairs(user=_user_id(self.backend, parsed_args.user),
                                             marker=marker)
        if parsed_args.max_items is not None:
            keypairs = keypairs[:parsed_args.max_items]
        headers = ("Name", "Fingerprint", "Type")
        return headers, [(k.name, k.fingerprint, k.type) for k in keypairs]


class ShowKeypair(ShowOne):
    """Display key details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<key>",
                            help="Public or private key to display (name only)")
        parser.add_argument("--public-key", action="store_true", default=False,
                            help="Show only bare public key paired with the generated key")
        _add_user(parser, "The owner of the keypair. (admin only) (name or ID). Requires "
                  "``--os-compute-api-version`` 2.10 or greater.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        keypair = self.backend.find_keypair(parsed_args.name,
                                            user=_user_id(self.backend, parsed_args.user))
        if parsed_args.public_key:
            # As the real client: the stored key exactly as given, and no table.
            self.app.stdout.write(keypair.public_key)
            return (), ()
        return show_fields(keypair_fields(keypair))
