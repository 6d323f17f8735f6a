"""``subnet pool create|delete|list|set|show|unset``."""

from __future__ import annotations

import argparse
from typing import Any

from ostack_cli.backend.models.subnet_pool import SubnetPoolSpec, subnet_pool_view
from ostack_cli.commands import network_common as nc
from ostack_cli.commands.base import Command, Lister, ShowOne, delete_each, show_fields
from ostack_cli.commands.pagination import NonNegative, add_pagination, paginate

FORMATTERS = {"prefixes": nc.ListColumn, "tags": nc.ListColumn}


def _add_prefix_options(parser: argparse.ArgumentParser, *, create: bool) -> None:
    parser.add_argument("--pool-prefix", metavar="<pool-prefix>", dest="prefixes",
                        action="append", required=create,
                        help="Set subnet pool prefixes (in CIDR notation) (repeat option to set "
                        "multiple prefixes)")
    for option, text in (("--default-prefix-length", "default"), ("--min-prefix-length",
                                                                  "minimum"),
                         ("--max-prefix-length", "maximum")):
        parser.add_argument(option, metavar=f"<{option[2:]}>", type=int, action=NonNegative,
                            help=f"Set subnet pool {text} prefix length")


def _add_default_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--default", action="store_true",
                       help="Set this as a default subnet pool")
    group.add_argument("--no-default", action="store_true",
                       help="Set this as a non-default subnet pool")


def _add_quota_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--default-quota", type=int, metavar="<num-ip-addresses>",
                        help="Set default per-project quota for this subnet pool as the number "
                        "of IP addresses that can be allocated from the subnet pool")


ADDRESS_SCOPE_HELP = ("Set address scope associated with the subnet pool (name or ID), "
                      "prefixes must be unique across address scopes")


def _default(parsed_args: argparse.Namespace) -> bool | None:
    if parsed_args.default:
        return True
    return False if parsed_args.no_default else None


class CreateSubnetPool(ShowOne):
    """Create subnet pool"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="Name of the new subnet pool")
        _add_prefix_options(parser, create=True)
        nc.add_project(parser)
        parser.add_argument("--address-scope", metavar="<address-scope>",
                            help=ADDRESS_SCOPE_HELP)
        _add_default_options(parser)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--share", action="store_true",
                           help="Set this subnet pool as shared")
        group.add_argument("--no-share", action="store_true",
                           help="Set this subnet pool as not shared")
        parser.add_argument("--description", metavar="<description>",
                            help="Set subnet pool description")
        _add_quota_option(parser)
        nc.add_tag_create(parser, "subnet pool")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        # The real client looks the scope up before the project.
        scope_id = (self.backend.find_address_scope(parsed_args.address_scope).id
                    if parsed_args.address_scope else None)
        project_id = nc.project_id(self.backend, parsed_args)
        shared = True if parsed_args.share else (False if parsed_args.no_share else None)
        pool = self.backend.create_subnet_pool(SubnetPoolSpec(
            name=parsed_args.name,
            prefixes=list(parsed_args.prefixes or []),
            project_id=project_id,
            default_prefixlen=parsed_args.default_prefix_length,
            min_prefixlen=parsed_args.min_prefix_length,
            max_prefixlen=parsed_args.max_prefix_length,
            default_quota=parsed_args.default_quota,
            is_default=_default(parsed_args),
            shared=shared,
            description=parsed_args.description,
            address_scope_id=scope_id,
            tags=nc.create_tags(parsed_args),
        ))
        return show_fields(subnet_pool_view(pool), FORMATTERS)


class DeleteSubnetPool(Command):
    """Delete subnet pool(s)"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("subnet_pool", metavar="<subnet-pool>", nargs="+",
                            help="Subnet pool(s) to delete (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        delete_each(
            parsed_args.subnet_pool,
            lambda name: self.backend.delete_subnet_pool(self.backend.find_subnet_pool(name)),
            **nc.delete_messages("subnet pool", "subnet pools"),
        )


class ListSubnetPool(Lister):
    """List subnet pools"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true", default=False,
                            help="List additional fields in output")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--share", action="store_true",
                           help="List only subnet pools shared between projects")
        group.add_argument("--no-share", action="store_true",
                           help="List only subnet pools not shared between projects")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--default", action="store_true",
                           help="List only subnet pools used as the default external subnet "
                           "pool")
        group.add_argument("--no-default", action="store_true",
                           help="List only subnet pools not used as the default external "
                           "subnet pool")
        nc.add_project(parser, "List only subnet pools with the specified project (name or ID)")
        parser.add_argument("--name", metavar="<name>",
                            help="List only subnet pools with the specified name")
        parser.add_argument("--address-scope", metavar="<address-scope>",
                            help="List only subnet pools with the specified address scope "
                            "(name or ID)")
        nc.add_tag_filters(parser, "subnet pools")
        add_pagination(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        shared = True if parsed_args.share else (False if parsed_args.no_share else None)
        project_id = nc.project_id(self.backend, parsed_args)
        scope_id = (self.backend.find_address_scope(parsed_args.address_scope).id
                    if parsed_args.address_scope else None)
        pools = self.backend.subnet_pools(
            name=parsed_args.name, project_id=project_id, shared=shared,
            is_default=_default(parsed_args), address_scope_id=scope_id,
            tags=nc.tag_filter(parsed_args),
        )
        pools = paginate(pools, parsed_args)
        headers: tuple[str, ...] = ("ID", "Name", "Prefixes")
        if parsed_args.long:
            headers += ("Default Prefix Length", "Address Scope", "Default Subnet Pool",
                        "Shared", "Tags")
        rows = []
        for pool in pools:
            row: tuple[Any, ...] = (pool.id, pool.name, nc.ListColumn(pool.prefixes))
            if parsed_args.long:
                row += (pool.default_prefixlen, pool.address_scope_id, pool.is_default,
                        pool.is_shared, nc.ListColumn(pool.tags))
            rows.append(row)
        return headers, rows


class SetSubnetPool(Command):
    """Set subnet pool properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("subnet_pool", metavar="<subnet-pool>",
                            help="Subnet pool to modify (name or ID)")
        parser.add_argument("--name", metavar="<name>", help="Set subnet pool name")
        _add_prefix_options(parser, create=False)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--address-scope", metavar="<address-scope>", help=ADDRESS_SCOPE_HELP)
        group.add_argument("--no-address-scope", action="store_true",
                           help="Remove address scope associated with the subnet pool")
        _add_default_options(parser)
        parser.add_argument("--description", metavar="<description>",
                            help="Set subnet pool description")
        _add_quota_option(parser)
        nc.add_tag_set(parser, "subnet pool")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        pool = self.backend.find_subnet_pool(parsed_args.subnet_pool)
        changes: dict[str, Any] = {}
        for key, attr in (("name", "name"), ("default_prefix_length", "default_prefixlen"),
                          ("min_prefix_length", "min_prefixlen"),
                          ("max_prefix_length", "max_prefixlen"),
                          ("description", "description"), ("default_quota", "default_quota")):
            value = getattr(parsed_args, key)
            if value is not None:
                changes[attr] = value
        if parsed_args.prefixes is not None:
            # The real client sends the new prefixes and the existing ones: the existing must
            # stay a subset.
            changes["prefixes"] = list(parsed_args.prefixes) + list(pool.prefixes)
        if _default(parsed_args) is not None:
            changes["is_default"] = _default(parsed_args)
        if parsed_args.address_scope:
            changes["address_scope_id"] = self.backend.find_address_scope(
                parsed_args.address_scope).id
        if parsed_args.no_address_scope:
            changes["address_scope_id"] = None
        if changes:
            pool = self.backend.update_subnet_pool(pool, **changes)
        tags = nc.tags_after_set(pool.tags, parsed_args)
        if tags is not None:
            self.backend.update_subnet_pool(pool, tags=tags)


class ShowSubnetPool(ShowOne):
    """Display subnet pool details"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("subnet_pool", metavar="<subnet-pool>",
                            help="Subnet pool to display (name or ID)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple[Any, Any]:
        pool = self.backend.find_subnet_pool(parsed_args.subnet_pool)
        return show_fields(subnet_pool_view(pool), FORMATTERS)


class UnsetSubnetPool(Command):
    """Unset subnet pool properties"""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("subnet_pool", metavar="<subnet-pool>",
                            help="Subnet pool to modify (name or ID)")
        nc.add_tag_unset(parser, "subnet pool")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        pool = self.backend.find_subnet_pool(parsed_args.subnet_pool)
        tags = nc.tags_after_unset(pool.tags, parsed_args)
        if tags is not None:
            self.backend.update_subnet_pool(pool, tags=tags)
