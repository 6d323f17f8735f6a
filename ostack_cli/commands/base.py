"""Base classes and helpers every command shares; commands parse, call the backend, format."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from cliff import command, lister, show
from cliff.formatters.table import TableFormatter

from ostack_cli.errors import CommandError, OstackError
from ostack_cli.table_format import PlainTableFormatter

if TYPE_CHECKING:
    from cliff.columns import FormattableColumn

    from ostack_cli.backend.base import Backend

LOG = logging.getLogger("ostack")

T = TypeVar("T")


class _BackendAccess(command.Command):
    app: Any  # the OstackApp

    @property
    def backend(self) -> Backend:
        backend: Backend = self.app.backend
        return backend

    def get_epilog(self) -> str:
        # cliff's version adds "This command is provided by the <dist> plugin." for commands
        # from another distribution than the app's, finding out which through
        # importlib.metadata.packages_distributions(): it reads every installed distribution's
        # file list, 15-30 ms on each run. ostack's own commands never get that line, so they
        # skip the look-up; subclasses living in other packages keep cliff's behaviour.
        if not type(self).__module__.startswith("ostack_cli."):
            return super().get_epilog()
        parts = [self._epilog or ""]
        for hook in self._hooks:
            if hook.obj is not None and (epilog := hook.obj.get_epilog()) is not None:
                parts.append(epilog)
        return "\n\n".join(parts)


class Command(_BackendAccess, command.Command):
    """A command that prints nothing on success (set, unset, delete, add, remove)."""


class Lister(_BackendAccess, lister.Lister):
    def _load_formatter_plugins(self) -> Any:
        return _plain_tables(super()._load_formatter_plugins())


class ShowOne(_BackendAccess, show.ShowOne):
    def _load_formatter_plugins(self) -> Any:
        return _plain_tables(super()._load_formatter_plugins())


def _plain_tables(plugins: Any) -> Any:
    """cliff's own table formatter (not a plugin's replacement) swapped for one that prints
    the same, drawn without prettytable when the table is plain (table_format.py)."""
    for extension in plugins:
        if extension.name == "table" and type(extension.obj) is TableFormatter:
            extension.obj = PlainTableFormatter()
    return plugins


Formatters = Mapping[str, "type[FormattableColumn[Any]]"]


def show_fields(
    data: Mapping[str, Any], formatters: Formatters | None = None
) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """A show command's output: fields sorted by name, as the real client prints them."""
    formatters = formatters or {}
    names = tuple(sorted(data))
    values = tuple(
        formatters[name](data[name]) if name in formatters else data[name] for name in names
    )
    return names, values


class StopDeleting(CommandError):
    """What ``delete_one`` raises to end ``delete_each`` at once, with its message alone."""


def delete_each(
    names: Sequence[str],
    delete_one: Callable[[str], None],
    *,
    failure: Callable[[str, Exception], str],
    summary: Callable[[int, int], str],
) -> None:
    """Delete every item, going on past failures; then fail with the real client's summary."""
    failed = 0
    for name in names:
        try:
            delete_one(name)
        except StopDeleting:
            raise
        except OstackError as exc:
            failed += 1
            LOG.error(failure(name, exc))
    if failed:
        raise CommandError(summary(failed, len(names)))


def parse_key_value(text: str) -> tuple[str, str]:
    """``--property key=value``: the real client's ``KeyValueAction`` rules."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(
            f"Expected 'key=value' type, but got: {text}"
        )
    key, value = text.split("=", 1)
    if not key:
        raise argparse.ArgumentTypeError(f"Property key must be specified: {text}")
    return key, value


class KeyValueAction(argparse.Action):
    """Collect repeated ``key=value`` options into one dict."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        current = dict(getattr(namespace, self.dest, None) or {})
        try:
            key, value = parse_key_value(str(values))
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        current[key] = value
        setattr(namespace, self.dest, current)


class MultiKeyValueAction(argparse.Action):
    """``--allocation-pool start=a,end=b``: a list of dicts with required/optional keys."""

    required_keys: tuple[str, ...] = ()
    optional_keys: tuple[str, ...] = ()

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        items = list(getattr(namespace, self.dest, None) or [])
        entry: dict[str, str] = {}
        for part in str(values).split(","):
            if "=" not in part:
                raise argparse.ArgumentError(
                    self, f"Expected key=value pairs separated by ',', but got: {values}"
                )
            key, value = part.split("=", 1)
            allowed = self.required_keys + self.optional_keys
            if key not in allowed:
                raise argparse.ArgumentError(
                    self,
                    f"Invalid keys {key} specified.\nValid keys are: {', '.join(allowed)}",
                )
            entry[key] = value
        missing = [k for k in self.required_keys if k not in entry]
        if missing:
            raise argparse.ArgumentError(
                self,
                f"Missing required keys {', '.join(missing)}.\n"
                f"Required keys are: {', '.join(self.required_keys)}",
            )
        items.append(entry)
        setattr(namespace, self.dest, items)


def multi_key_value(required: Sequence[str], optional: Sequence[str] = ()) -> type[argparse.Action]:
    return type(
        "KeyValues",
        (MultiKeyValueAction,),
        {"required_keys": tuple(required), "optional_keys": tuple(optional)},
    )
