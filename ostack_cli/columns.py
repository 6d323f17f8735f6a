"""Column types that print like python-openstackclient's (human text, machine JSON)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cliff.columns import FormattableColumn


def format_dict(data: dict[str, Any], prefix: str | None = None) -> str:
    """osc-lib's ``format_dict``: ``a='1', b='2'``, keys sorted, nested keys dotted."""
    parts = []
    for key in sorted(data):
        value = data[key]
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            parts.append(format_dict(value, dotted))
        elif value is None:
            parts.append(f"{dotted}=")
        else:
            parts.append(f"{dotted}='{value}'")
    return ", ".join(parts)


def format_list(data: list[Any]) -> str:
    """osc-lib's ``format_list``: sorted, comma separated."""
    return ", ".join(sorted(str(v) for v in data))


def format_list_of_dicts(data: list[dict[str, Any]]) -> str:
    """osc-lib's ``format_list_of_dicts``: one dict a line."""
    return "\n".join(format_dict(d) for d in data)


class DictColumn(FormattableColumn[dict[str, Any]]):
    def human_readable(self) -> str:
        return format_dict(self._value or {})


class ListColumn(FormattableColumn[list[Any]]):
    def human_readable(self) -> str:
        return format_list(self._value or [])


class ListDictColumn(FormattableColumn[list[dict[str, Any]]]):
    def human_readable(self) -> str:
        return format_list_of_dicts(self._value or [])


def column_with(human: Callable[[Any], str]) -> type[FormattableColumn[Any]]:
    """A column whose table text is ``human(value)`` and whose JSON is the raw value."""

    class _Column(FormattableColumn[Any]):
        def human_readable(self) -> str:
            return human(self._value)

    _Column.__name__ = f"Column_{getattr(human, '__name__', 'custom')}"
    return _Column
