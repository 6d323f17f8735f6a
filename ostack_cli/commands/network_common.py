"""What the Neutron commands share: osc-lib's column types, tag and project options."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cliff.columns import FormattableColumn

from ostack_cli import columns
from ostack_cli.backend.models.network import FixedIPRequest, TagFilter
from ostack_cli.errors import BadRequest, not_found

if TYPE_CHECKING:
    from ostack_cli.backend.base import Backend


# -- columns: osc-lib's, which print null lists and dicts as [] and {} in JSON ------------


class ListColumn(columns.ListColumn):
    def machine_readable(self) -> list[Any]:
        return list(self._value or [])


class ListDictColumn(columns.ListDictColumn):
    def machine_readable(self) -> list[dict[str, Any]]:
        return [dict(x) for x in self._value or []]


class DictColumn(FormattableColumn[dict[str, Any] | None]):
    def human_readable(self) -> str:
        # osc-lib's format_dict(None) is None, which the table prints as "None".
        return "None" if self._value is None else columns.format_dict(self._value)

    def machine_readable(self) -> dict[str, Any]:
        return dict(self._value or {})


class AdminStateColumn(FormattableColumn[bool]):
    def human_readable(self) -> str:
        return "UP" if self._value else "DOWN"


class RouterExternalColumn(FormattableColumn[bool]):
    def human_readable(self) -> str:
        return "External" if self._value else "Internal"


class UnsortedListColumn(FormattableColumn[list[str]]):
    """DNS servers keep their order."""

    def human_readable(self) -> str:
        return ", ".join(self._value or [])


class AllocationPoolsColumn(FormattableColumn[list[dict[str, str]]]):
    def human_readable(self) -> str:
        return ",".join(f"{p.get('start', '')}-{p.get('end', '')}" for p in self._value or [])


def _with_gateway(routes: list[dict[str, str]] | None) -> list[dict[str, str]]:
    # The table shows routes with the --route/--host-route key names.
    return [
        {("gateway" if k == "nexthop" else k): v for k, v in route.items()}
        for route in routes or []
    ]


class RoutesColumn(FormattableColumn[list[dict[str, str]]]):
    def human_readable(self) -> str:
        return columns.format_list_of_dicts(_with_gateway(self._value))


class JSONColumn(FormattableColumn[Any]):
    """Router ``external_gateway_info`` and ``interfaces_info``: JSON text in tables."""

    def human_readable(self) -> str:
        return json.dumps(self._value)


# -- options ------------------------------------------------------------------------------


class _CommaListAction(argparse.Action):
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, str(values).split(","))


def add_tag_filters(parser: argparse.ArgumentParser, resource: str) -> None:
    for option, text in (
        ("--tags", "List %s which have all given tag(s) (Comma-separated list of tags)"),
        ("--any-tags", "List %s which have any given tag(s) (Comma-separated list of tags)"),
        ("--not-tags", "Exclude %s which have all given tag(s) (Comma-separated list of tags)"),
        ("--not-any-tags",
         "Exclude %s which have any given tag(s) (Comma-separated list of tags)"),
    ):
        parser.add_argument(option, metavar="<tag>[,<tag>,...]", action=_CommaListAction,
                            help=text % resource)


def tag_filter(parsed_args: argparse.Namespace) -> TagFilter | None:
    wanted = {
        key: getattr(parsed_args, key) or []
        for key in ("tags", "any_tags", "not_tags", "not_any_tags")
    }
    return TagFilter(**wanted) if any(wanted.values()) else None


def add_tag_create(parser: argparse.ArgumentParser, resource: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--tag", action="append", dest="tags", metavar="<tag>",
                       help=f"Tag to be added to the {resource} (repeat option to set "
                       "multiple tags)")
    group.add_argument("--no-tag", action="store_true",
                       help=f"No tags associated with the {resource}")


def add_tag_set(parser: argparse.ArgumentParser, resource: str) -> None:
    parser.add_argument("--tag", action="append", dest="tags", metavar="<tag>",
                        help=f"Tag to be added to the {resource} (repeat option to set "
                        "multiple tags)")
    parser.add_argument("--no-tag", action="store_true",
                        help=f"Clear tags associated with the {resource}. Specify both --tag "
                        "and --no-tag to overwrite current tags")


def add_tag_unset(parser: argparse.ArgumentParser, resource: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--tag", action="append", dest="tags", metavar="<tag>",
                       help=f"Tag to be removed from the {resource} (repeat option to remove "
                       "multiple tags)")
    group.add_argument("--all-tag", action="store_true",
                       help=f"Clear all tags associated with the {resource}")


def create_tags(parsed_args: argparse.Namespace) -> list[str]:
    return sorted(set(parsed_args.tags or []))


def tags_after_set(current: Sequence[str], parsed_args: argparse.Namespace) -> list[str] | None:
    """osc-lib ``update_tags_for_set``: the new tags, or None when nothing changes."""
    tags = set() if parsed_args.no_tag else set(current)
    tags |= set(parsed_args.tags or [])
    return sorted(tags) if tags != set(current) else None


def tags_after_unset(
    current: Sequence[str], parsed_args: argparse.Namespace
) -> list[str] | None:
    tags = set() if parsed_args.all_tag else set(current)
    tags -= set(parsed_args.tags or [])
    return sorted(tags) if tags != set(current) else None


def add_project(
    parser: argparse.ArgumentParser, text: str = "Owner's project (name or ID)"
) -> None:
    parser.add_argument("--project", metavar="<project>", help=text)
    parser.add_argument("--project-domain", metavar="<project-domain>",
                        help="Domain the project belongs to (name or ID). This can be used in "
                        "case collisions between project names exist.")


def project_id(backend: Backend, parsed_args: argparse.Namespace) -> str | None:
    """``--project`` as the real client's ``find_project_id_sdk`` resolves it: taken as given
    when the user may not look projects up (Neutron then filters or refuses by it)."""
    if not parsed_args.project:
        return None
    return backend.find_project_id(parsed_args.project,
                                   domain=getattr(parsed_args, "project_domain", None))


def no_qos_policy(name_or_id: str) -> Exception:
    """The local backend has no QoS policies to find."""
    return not_found("QoSPolicy", name_or_id)


def unrecognized(*attributes: str) -> BadRequest:
    """Neutron's answer to an attribute of an extension it does not load."""
    return BadRequest(f"Unrecognized attribute(s) '{', '.join(attributes)}'")


def fixed_ip_requests(backend: Backend, specs: Sequence[dict[str, str]]) -> list[FixedIPRequest]:
    """``--fixed-ip subnet=<subnet>,ip-address=<ip>``: subnets are found by name or ID."""
    requests = []
    for spec in specs:
        subnet = spec.get("subnet")
        requests.append(FixedIPRequest(
            subnet_id=backend.find_subnet(subnet).id if subnet else None,
            ip_address=spec.get("ip-address") or None,
        ))
    return requests


def delete_messages(resource: str, plural: str) -> dict[str, Any]:
    """The real client's per-item and summary messages of a multi-item delete."""
    return {
        "failure": lambda name, exc: f"Failed to delete {resource} with name or ID '{name}': {exc}",
        "summary": lambda failed, total: f"{failed} of {total} {plural} failed to delete.",
    }
