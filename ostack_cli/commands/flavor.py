"""``flavor create|delete|list|set|show|unset``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.flavor import Flavor, FlavorSpec
from ostack_cli.columns import DictColumn
from ostack_cli.commands.base import (
    Command,
    KeyValueAction,
    Lister,
    ShowOne,
    delete_each,
    show_fields,
)
from ostack_cli.commands.pagination import add_pagination, paginate
from ostack_cli.errors import CommandError

# access_project_ids prints raw (None, or a Python list), as the real client leaves it.
FORMATTERS = {"properties": DictColumn}


def flavor_fields(flavor: Flavor, *, with_access: bool = True) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "OS-FLV-DISABLED:disabled": flavor.is_disabled,
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
        "description": flavor.description,
        "disk": flavor.disk,
        "id": flavor.id,
        "name": flavor.name,
        "os-flavor-access:is_public": flavor.is_public,
        "properties": dict(flavor.extra_specs),
        "ram": flavor.ram,
        "rxtx_factor": flavor.rxtx_factor,
        "swap": flavor.swap,
        "vcpus": flavor.vcpus,
    }
    if with_access:
        fields["access_project_ids"] = None if flavor.is_public else flavor.access_project_ids
    return fields


def _add_public_private(parser: argparse.ArgumentParser) -> argparse._MutuallyExclusiveGroup:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--public", dest="public", action="store_true", default=True,
        help="Flavor is available to other projects (default)",
    )
    group.add_argument(
        "--private", dest="public", action="store_false",
        help="Flavor is not available to other projects",
    )
    return group


class CreateFlavor(ShowOne):
    """Create new flavor"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<flavor-name>", help="New flavor name")
        parser.add_argument("--id", metavar="<id>", help="Unique flavor ID")
        parser.add_argument("--ram", type=int, metavar="<size-mb>", default=256,
                            help="Memory size in MB (default 256M)")
        parser.add_argument("--disk", type=int, metavar="<size-gb>", default=0,
                            help="Disk size in GB (default 0G)")
        parser.add_argument("--ephemeral", type=int, metavar="<size-gb>", default=0,
                            help="Ephemeral disk size in GB (default 0G)")
        parser.add_argument("--swap", type=int, metavar="<size-mb>", default=0,
                            help="Additional swap space size in MB (default 0M)")
        parser.add_argument("--vcpus", type=int, metavar="<vcpus>", default=1,
                            help="Number of vcpus (default 1)")
        parser.add_argument("--rxtx-factor", type=float, metavar="<factor>",
                            help="RX/TX factor (default 1.0)")
        _add_public_private(parser)
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties",
                            help="Property to add for this flavor (repeat option to set "
                            "multiple properties)")
        parser.add_argument("--project", metavar="<project>",
                            help="Allow <project> to access private flavor (name or ID) "
                            "(Must be used with --private option)")
        parser.add_argument("--description", metavar="<description>",
                            help="Description for the flavor")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        if parsed_args.project and parsed_args.public:
            raise CommandError("--project is only allowed with --private")
        project_ids = []
        if parsed_args.project:
            project_ids.append(self.backend.find_project(parsed_args.project).id)
        flavor_id = None if parsed_args.id == "auto" else parsed_args.id
        flavor = self.backend.create_flavor(
            FlavorSpec(
                name=parsed_args.name,
                id=flavor_id,
                ram=parsed_args.ram,
                disk=parsed_args.disk,
                ephemeral=parsed_args.ephemeral,
                swap=parsed_args.swap,
                vcpus=parsed_args.vcpus,
                rxtx_factor=parsed_args.rxtx_factor or 1.0,
                is_public=parsed_args.public,
                description=parsed_args.description,
                extra_specs=parsed_args.properties or {},
                project_ids=project_ids,
            )
        )
        return show_fields(flavor_fields(flavor, with_access=False), FORMATTERS)


class DeleteFlavor(Command):
    """Delete flavor(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("flavor", metavar="<flavor>", nargs="+",
                            help="Flavor(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.flavor,
            lambda name: self.backend.delete_flavor(self.backend.find_flavor(name)),
            failure=lambda name, exc: (
                f"Failed to delete flavor with name or ID '{name}': {exc}"
            ),
            summary=lambda failed, total: f"{failed} of {total} flavors failed to delete.",
        )


class ListFlavor(Lister):
    """List flavors"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--public", dest="public", action="store_true", default=True,
                           help="List only public flavors (default)")
        group.add_argument("--private", dest="public", action="store_false",
                           help="List only private flavors")
        group.add_argument("--all", dest="all", action="store_true", default=False,
                           help="List all flavors, whether public or private")
        parser.add_argument("--min-disk", type=int, metavar="<min-disk>",
                            help="Filters the flavors by a minimum disk space, in GiB.")
        parser.add_argument("--min-ram", type=int, metavar="<min-ram>",
                            help="Filters the flavors by a minimum RAM, in MiB.")
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        flavors = self.backend.flavors(
            is_public=None if parsed_args.all else parsed_args.public,
            min_disk=parsed_args.min_disk,
            min_ram=parsed_args.min_ram,
        )
        flavors = paginate(flavors, parsed_args)
        headers: tuple[str, ...] = ("ID", "Name", "RAM", "Disk", "Ephemeral", "VCPUs", "Is Public")
        if parsed_args.long:
            headers += ("Swap", "RXTX Factor", "Properties")
        rows = []
        for f in flavors:
            row: tuple[Any, ...] = (f.id, f.name, f.ram, f.disk, f.ephemeral, f.vcpus, f.is_public)
            if parsed_args.long:
                row += (f.swap, f.rxtx_factor, DictColumn(dict(f.extra_specs)))
            rows.append(row)
        return headers, rows


class SetFlavor(Command):
    """Set flavor properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("flavor", metavar="<flavor>",
                            help="Flavor to modify (name or ID)")
        parser.add_argument("--no-property", action="store_true",
                            help="Remove all properties from this flavor (specify both "
                            "--no-property and --property to remove the current properties "
                            "before setting new properties.)")
        parser.add_argument("--property", metavar="<key=value>", action=KeyValueAction,
                            dest="properties",
                            help="Property to add or modify for this flavor (repeat option "
                            "to set multiple properties)")
        parser.add_argument("--project", metavar="<project>",
                            help="Set flavor access to project (name or ID) (admin only)")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID)")
        parser.add_argument("--description", metavar="<description>",
                            help="Set description for the flavor")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        flavor = self.backend.find_flavor(parsed_args.flavor)
        if parsed_args.project and flavor.is_public:
            raise CommandError("Cannot set access for a public flavor")
        add_projects = (
            [self.backend.find_project(parsed_args.project).id] if parsed_args.project else None
        )
        self.backend.update_flavor(
            flavor,
            unset_specs=list(flavor.extra_specs) if parsed_args.no_property else None,
            set_specs=parsed_args.properties,
            description=parsed_args.description,
            add_projects=add_projects,
        )


class ShowFlavor(ShowOne):
    """Display flavor details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("flavor", metavar="<flavor>",
                            help="Flavor to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        flavor = self.backend.find_flavor(parsed_args.flavor)
        return show_fields(flavor_fields(flavor), FORMATTERS)


class UnsetFlavor(Command):
    """Unset flavor properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("flavor", metavar="<flavor>",
                            help="Flavor to modify (name or ID)")
        parser.add_argument("--property", metavar="<key>", action="append",
                            dest="properties",
                            help="Property to remove from flavor (repeat option to unset "
                            "multiple properties)")
        parser.add_argument("--project", metavar="<project>",
                            help="Remove flavor access from project (name or ID) (admin only)")
        parser.add_argument("--project-domain", metavar="<project-domain>",
                            help="Domain the project belongs to (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        flavor = self.backend.find_flavor(parsed_args.flavor)
        if parsed_args.project and flavor.is_public:
            raise CommandError("Cannot remove access for a public flavor")
        remove_projects = (
            [self.backend.find_project(parsed_args.project).id] if parsed_args.project else None
        )
        self.backend.update_flavor(
            flavor, unset_specs=parsed_args.properties, remove_projects=remove_projects
        )

