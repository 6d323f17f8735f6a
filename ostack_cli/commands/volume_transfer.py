"""``volume transfer request create|list|show|delete|accept`` (Cinder's volume transfers;
python-openstackclient 10.5's ``openstackclient/volume/v3/volume_transfer_request.py``)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.volume_transfer import VolumeTransfer
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each
from ostack_cli.errors import NotFound


def _fields(transfer: VolumeTransfer, *names: str) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    # The real client prints these attributes of openstacksdk's Transfer, null where the
    # answer had none (a transfer found by name has no created_at).
    values = {**vars(transfer), "created_at": transfer.created_at or None}
    return names, tuple(values[name] for name in names)


class AcceptTransferRequest(ShowOne):
    """Accept volume transfer request."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("transfer_request", metavar="<transfer-request-id>",
                            help="Volume transfer request to accept (ID only)")
        parser.add_argument("--auth-key", metavar="<key>", required=True,
                            help="Volume transfer request authentication key")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        try:
            transfer_id = self.backend.find_volume_transfer(parsed_args.transfer_request).id
        except NotFound:
            # As the real client: the accepting project cannot see the donor's transfer,
            # so the ID given is used as it is.
            transfer_id = parsed_args.transfer_request
        accepted = self.backend.accept_volume_transfer(transfer_id, parsed_args.auth_key)
        return _fields(accepted, "id", "name", "volume_id")


class CreateTransferRequest(ShowOne):
    """Create volume transfer request."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>",
                            help="New transfer request name (default to None)")
        parser.add_argument("--snapshots", action="store_true", dest="snapshots",
                            default=None,
                            help="Also transfer volume snapshots (default) (supported by "
                            "--os-volume-api-version 3.55 or later)")
        parser.add_argument("--no-snapshots", action="store_false", dest="snapshots",
                            help="Do not transfer volume snapshots (supported by "
                            "--os-volume-api-version 3.55 or later)")
        parser.add_argument("volume", metavar="<volume>",
                            help="Volume to transfer (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        snapshots = parsed_args.snapshots
        volume = self.backend.find_volume(parsed_args.volume)
        created = self.backend.create_volume_transfer(
            volume, name=parsed_args.name,
            no_snapshots=None if snapshots is None else not snapshots)
        return _fields(created, "auth_key", "created_at", "id", "name", "volume_id")


class DeleteTransferRequest(Command):
    """Delete volume transfer request(s)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("transfer_request", metavar="<transfer-request>", nargs="+",
                            help="Volume transfer request(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        # The real client deletes by what it is given, which only an ID names.
        delete_each(
            parsed_args.transfer_request, self.backend.delete_volume_transfer,
            failure=lambda name, exc: "Failed to delete volume transfer request with name "
                                      f"or ID '{name}': {exc}",
            summary=lambda failed, total: f"{failed} of {total} volume transfer requests "
                                          "failed to delete",
        )


class ListTransferRequest(Lister):
    """Lists all volume transfer requests."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--all-projects", dest="all_projects", action="store_true",
                            default=False, help="Include all projects (admin only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        # openstacksdk's Transfer knows no ``all_projects`` query and drops it, so the real
        # client lists the project's own transfers whatever the option says.
        transfers = self.backend.volume_transfers(all_projects=False)
        return ("ID", "Name", "Volume"), [(t.id, t.name, t.volume_id) for t in transfers]


class ShowTransferRequest(ShowOne):
    """Show volume transfer request details."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("transfer_request", metavar="<transfer-request>",
                            help="Volume transfer request to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        transfer = self.backend.find_volume_transfer(parsed_args.transfer_request)
        return _fields(transfer, "created_at", "id", "name", "volume_id")
