"""``aggregate create|list|show|set|unset|delete|add host|remove host|cache image``: Nova's
host aggregates (plain records on a cloud of one host too)."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.compute_host import Aggregate
from ostack_cli.columns import DictColumn, ListColumn
from ostack_cli.commands.base import (
    Command,
    KeyValueAction,
    Lister,
    ShowOne,
    delete_each,
    show_fields,
)

AZ_KEY = "availability_zone"


def aggregate_fields(aggregate: Aggregate, *, without_zone_key: bool = False
                     ) -> tuple[Any, Any]:
    """An aggregate as the real client shows it (``metadata`` as ``properties``); ``show``
    and ``list --long`` leave the zone out of the properties, as Nova would have."""
    properties = dict(aggregate.metadata)
    if without_zone_key:
        properties.pop(AZ_KEY, None)
    return show_fields({
        "availability_zone": aggregate.availability_zone,
        "created_at": aggregate.created_at,
        "deleted_at": None,
        "hosts": ListColumn(list(aggregate.hosts)),
        "id": int(aggregate.id),
        "is_deleted": False,
        "name": aggregate.name,
        "properties": DictColumn(properties),
        "updated_at": aggregate.updated_at,
        "uuid": aggregate.uuid,
    })


def _aggregate_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("aggregate", metavar="<aggregate>", help=help_text)


class CreateAggregate(ShowOne):
    """Create a new aggregate"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New aggregate name")
        parser.add_argument("--zone", metavar="<availability-zone>",
                            help="Availability zone name")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties",
                            help="Property to add to this aggregate (repeat option to set "
                            "multiple properties)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        aggregate = self.backend.create_aggregate(parsed_args.name, parsed_args.zone or None)
        if parsed_args.properties:
            aggregate = self.backend.set_aggregate_metadata(aggregate, parsed_args.properties)
        return aggregate_fields(aggregate)


class DeleteAggregate(Command):
    """Delete existing aggregate(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("aggregate", metavar="<aggregate>", nargs="+",
                            help="Aggregate(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.aggregate,
            lambda name: self.backend.delete_aggregate(self.backend.find_aggregate(name)),
            failure=lambda name, exc: (
                f"Failed to delete aggregate with name or ID '{name}': {exc}"),
            summary=lambda failed, total: f"{failed} of {total} aggregates failed to delete.",
        )


class ListAggregate(Lister):
    """List all aggregates"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        parser.add_argument("--availability-zone", metavar="<availability-zone>",
                            default=None, help="Filter by availability zone name")
        parser.add_argument("--host", metavar="<host>", default=None,
                            help="Filter by aggregates containing this host")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        aggregates = self.backend.aggregates()
        # Nova filters nothing: the real client does, every filter given at once.
        if parsed_args.availability_zone is not None:
            aggregates = [a for a in aggregates
                          if a.availability_zone == parsed_args.availability_zone]
        if parsed_args.host is not None:
            aggregates = [a for a in aggregates if parsed_args.host in a.hosts]
        headers: tuple[str, ...] = ("ID", "UUID", "Name", "Availability Zone")
        if parsed_args.long:
            headers += ("Properties", "Hosts")
        rows = []
        for a in aggregates:
            row: tuple[Any, ...] = (int(a.id), a.uuid, a.name, a.availability_zone)
            if parsed_args.long:
                properties = {k: v for k, v in a.metadata.items() if k != AZ_KEY}
                row += (DictColumn(properties), ListColumn(list(a.hosts)))
            rows.append(row)
        return headers, rows


class ShowAggregate(ShowOne):
    """Display aggregate details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        return aggregate_fields(self.backend.find_aggregate(parsed_args.aggregate),
                                without_zone_key=True)


class SetAggregate(Command):
    """Set aggregate properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="Set aggregate name")
        parser.add_argument("--zone", metavar="<availability-zone>",
                            help="Set availability zone name")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties",
                            help="Property to set on <aggregate> (repeat option to set "
                            "multiple properties)")
        parser.add_argument("--no-property", action="store_true",
                            help="Remove all properties from <aggregate> (specify both "
                            "--property and --no-property to overwrite the current "
                            "properties)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        aggregate = self.backend.find_aggregate(parsed_args.aggregate)
        if parsed_args.name or parsed_args.zone:
            self.backend.update_aggregate(aggregate, name=parsed_args.name or None,
                                          availability_zone=parsed_args.zone or None)
        properties: dict[str, str | None] = {}
        if parsed_args.no_property:
            # The zone is not a property one can remove (the real client keeps it).
            properties.update({k: None for k in aggregate.metadata if k != AZ_KEY})
        if parsed_args.properties:
            properties.update(parsed_args.properties)
        if properties:
            self.backend.set_aggregate_metadata(aggregate, properties)


class UnsetAggregate(Command):
    """Unset aggregate properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate to modify (name or ID)")
        parser.add_argument("--property", metavar="<key>", action="append", default=[],
                            dest="properties",
                            help="Property to remove from aggregate (repeat option to remove "
                            "multiple properties)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        aggregate = self.backend.find_aggregate(parsed_args.aggregate)
        properties: dict[str, str | None] = dict.fromkeys(parsed_args.properties)
        if properties:
            self.backend.set_aggregate_metadata(aggregate, properties)


class AddAggregateHost(ShowOne):
    """Add host to aggregate"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate (name or ID)")
        parser.add_argument("host", metavar="<host>", help="Host to add to <aggregate>")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        aggregate = self.backend.find_aggregate(parsed_args.aggregate)
        return aggregate_fields(self.backend.add_aggregate_host(aggregate, parsed_args.host))


class RemoveAggregateHost(ShowOne):
    """Remove host from aggregate"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate (name or ID)")
        parser.add_argument("host", metavar="<host>", help="Host to remove from <aggregate>")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        aggregate = self.backend.find_aggregate(parsed_args.aggregate)
        return aggregate_fields(
            self.backend.remove_aggregate_host(aggregate, parsed_args.host))


class CacheImageForAggregate(Command):
    """Request image caching for aggregate"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _aggregate_argument(parser, "Aggregate (name or ID)")
        parser.add_argument("image", metavar="<image>", nargs="+",
                            help="Image ID to request caching for aggregate (name or ID). May "
                            "be specified multiple times.")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        aggregate = self.backend.find_aggregate(parsed_args.aggregate)
        images = [self.backend.find_image(name).id for name in parsed_args.image]
        self.backend.cache_aggregate_images(aggregate, images)
