"""What the real client's identity commands share (``openstackclient/identity/common.py``):
how a name becomes an ID, and the options several commands take."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable, Sequence
from typing import IO, Protocol, TypeVar

from ostack_cli.errors import CommandError, Forbidden, NotFound

T = TypeVar("T")


class _HasID(Protocol):
    @property
    def id(self) -> str: ...


def find_id(find: Callable[[str], _HasID], name_or_id: str, *, validate: bool = True) -> str:
    """``_find_sdk_id``: a lookup the policy refuses yields the name as given (the service
    decides later); one that finds nothing fails with an empty message, as the real client
    does, unless ``validate`` is off."""
    try:
        return find(name_or_id).id
    except Forbidden:
        return name_or_id
    except NotFound:
        if not validate:
            return name_or_id
        raise CommandError("") from None


def keystone_page(items: Sequence[T], parsed_args: argparse.Namespace) -> list[T]:
    """Keystone's paging: ``--marker`` starts after that ID (lists are in ID order),
    ``--max-items`` stops; ``--limit`` is only the page size."""
    result = list(items)
    if parsed_args.marker is not None:
        result = [item for item in result if str(getattr(item, "id", "")) > parsed_args.marker]
    if parsed_args.max_items is not None:
        result = result[:parsed_args.max_items]
    return result


def prompt_password(stdin: IO[str], prompt: str = "User Password:", confirm: bool = True) -> str:
    """osc-lib's ``get_password``: from the terminal only, asked twice."""
    if hasattr(stdin, "isatty") and stdin.isatty():
        try:
            while True:
                first = getpass.getpass(prompt)
                if not confirm:
                    return first
                if first == getpass.getpass("Repeat " + prompt):
                    return first
                print("The passwords entered were not the same")
        except EOFError:
            raise CommandError("Error reading password") from None
    raise CommandError("No terminal detected attempting to read password")


def add_domain_option(parser: argparse.ArgumentParser, dest: str, help_text: str) -> None:
    flag = "--" + dest.replace("_", "-")
    parser.add_argument(flag, metavar=f"<{dest.replace('_', '-')}>", help=help_text)


def add_project_domain(parser: argparse.ArgumentParser) -> None:
    add_domain_option(parser, "project_domain",
                      "Domain the project belongs to (name or ID). This can be used in case "
                      "collisions between project names exist.")


def add_user_domain(parser: argparse.ArgumentParser) -> None:
    add_domain_option(parser, "user_domain",
                      "Domain the user belongs to (name or ID). This can be used in case "
                      "collisions between user names exist.")


def add_group_domain(parser: argparse.ArgumentParser) -> None:
    add_domain_option(parser, "group_domain",
                      "Domain the group belongs to (name or ID). This can be used in case "
                      "collisions between group names exist.")


def add_role_domain(parser: argparse.ArgumentParser) -> None:
    add_domain_option(parser, "role_domain",
                      "Domain the role belongs to (name or ID). This must be specified when "
                      "the name of a domain specific role is used.")


def add_inherited(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--inherited", action="store_true", default=False,
                        help="Specifies if the role grant is inheritable to the sub projects")


def add_immutable(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--immutable", action="store_true", dest="immutable", default=None,
                       help="Make resource immutable. An immutable project may not be deleted "
                       "or modified except to remove the immutable flag")
    group.add_argument("--no-immutable", action="store_false", dest="immutable", default=None,
                       help="Make resource mutable (default)")

