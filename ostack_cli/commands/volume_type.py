"""``volume type list|show`` (Cinder's volume types; python-openstackclient 10.5's
``openstackclient/volume/v3/volume_type.py``)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from ostack_cli.columns import DictColumn, format_dict
from ostack_cli.commands.base import KeyValueAction, Lister, ShowOne, show_fields
from ostack_cli.commands.volume_format import type_fields
from ostack_cli.errors import OstackError

LOG = logging.getLogger("ostack")


class EncryptionColumn(DictColumn):
    """A type's encryption: ``-`` in a table when it has none, its attributes in JSON."""

    def human_readable(self) -> str:
        return format_dict(self._value) if self._value else "-"


class ListVolumeType(Lister):
    """List volume types"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        public = parser.add_mutually_exclusive_group()
        public.add_argument("--default", action="store_true", default=False,
                            help="List the default volume type")
        public.add_argument("--public", action="store_true", dest="is_public", default=None,
                            help="List only public types")
        public.add_argument("--private", action="store_false", dest="is_public", default=None,
                            help="List only private types (admin only)")
        parser.add_argument("--encryption-type", action="store_true",
                            help="Display encryption information for each volume type (admin "
                            "only)")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties",
                            help="Filter by a property on the volume types (repeat option to "
                            "filter by multiple properties) (admin only except for "
                            "user-visible extra specs) (supported by --os-volume-api-version "
                            "3.52 or above)")
        parser.add_argument("--multiattach", action="store_true", default=False,
                            help="List only volume types with multi-attach enabled (this is "
                            "an alias for '--property multiattach=<is> True') (supported by "
                            "--os-volume-api-version 3.52 or above)")
        parser.add_argument("--cacheable", action="store_true", default=False,
                            help="List only volume types with caching enabled (this is an "
                            "alias for '--property cacheable=<is> True') (admin only) "
                            "(supported by --os-volume-api-version 3.52 or above)")
        parser.add_argument("--replicated", action="store_true", default=False,
                            help="List only volume types with replication enabled (this is an "
                            "alias for '--property replication_enabled=<is> True') (supported "
                            "by --os-volume-api-version 3.52 or above)")
        parser.add_argument("--availability-zone", action="append",
                            dest="availability_zones",
                            help="List only volume types with this availability configured "
                            "(this is an alias for '--property RESKEY:availability_zones:<az>') "
                            "(repeat option to filter on multiple availability zones)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        args = parsed_args
        headers: tuple[str, ...] = ("ID", "Name", "Is Public")
        if args.long:
            headers += ("Description", "Properties")
        # The property filters (and their aliases) go to openstacksdk as query parameters it
        # does not know, which it drops: every type is listed, as with the real client.
        types = self.backend.volume_types(default=args.default, is_public=args.is_public)
        encryption: dict[str, dict[str, Any] | None] = {}
        if args.encryption_type:
            headers += ("Encryption",)
            for volume_type in types:
                found = self.backend.volume_type_encryption(volume_type)
                if found is not None:
                    encryption[volume_type.id] = found
        rows = []
        for volume_type in types:
            row: tuple[Any, ...] = (volume_type.id, volume_type.name, volume_type.is_public)
            if args.long:
                row += (volume_type.description, DictColumn(dict(volume_type.extra_specs)))
            if args.encryption_type:
                row += (EncryptionColumn(encryption.get(volume_type.id)),)  # type: ignore[arg-type]
            rows.append(row)
        return headers, rows


class ShowVolumeType(ShowOne):
    """Display volume type details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("volume_type", metavar="<volume-type>",
                            help="Volume type to display (name or ID)")
        parser.add_argument("--encryption-type", action="store_true",
                            help="Display encryption information of this volume type (admin "
                            "only)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        volume_type = self.backend.find_volume_type(parsed_args.volume_type)
        fields = type_fields(volume_type)
        if parsed_args.encryption_type:
            try:
                found = self.backend.volume_type_encryption(volume_type)
                fields["encryption"] = DictColumn(dict(found or {}))
            except OstackError as exc:
                LOG.error("Failed to display the encryption information of this volume "
                          "type: %s", exc)
        return show_fields(fields)
