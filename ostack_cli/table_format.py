"""cliff's ``table`` list formatter, with the plain case drawn without prettytable.

prettytable measures every cell through wcwidth and runs its whole option machinery per cell:
5,000 ports spent ~180 ms in it. When nothing can make the layout differ from the plain one
(no width fitting, every cell one line of printable ASCII, so one character is one column),
the table is drawn here directly, to the byte what prettytable draws; any other table (wide
or control characters, several lines in a cell, fitting to a terminal, an empty listing) is
left to cliff's formatter unchanged.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from cliff.columns import FormattableColumn
from cliff.formatters.table import TableFormatter, _do_fit


class PlainTableFormatter(TableFormatter):
    def emit_list(
        self,
        column_names: Sequence[str],
        data: Iterable[Sequence[Any]],
        stdout: TextIO,
        parsed_args: argparse.Namespace,
    ) -> None:
        if int(parsed_args.max_width) > 0 or _do_fit(parsed_args.fit_width):
            super().emit_list(column_names, data, stdout, parsed_args)
            return
        rows = list(data)
        drawn = self.plain_table(column_names, rows)
        if drawn is None:
            super().emit_list(column_names, rows, stdout, parsed_args)
            return
        stdout.write(drawn)
        stdout.write("\n")

    def emit_one(
        self,
        column_names: Sequence[str],
        data: Sequence[Any],
        stdout: TextIO,
        parsed_args: argparse.Namespace,
    ) -> None:
        drawn = None
        if int(parsed_args.max_width) <= 0 and not _do_fit(parsed_args.fit_width):
            # cliff's Field/Value table, both columns aligned left.
            rows = [[name, value] for name, value in zip(column_names, data, strict=False)]
            drawn = _draw(["Field", "Value"], rows, [False, False])
        if drawn is None:
            super().emit_one(column_names, data, stdout, parsed_args)
            return
        stdout.write(drawn)
        stdout.write("\n")

    def plain_table(self, column_names: Sequence[str], rows: list[Sequence[Any]]) -> str | None:
        """The table prettytable would draw, or None when it might draw it otherwise."""
        if not rows:
            return None
        # cliff aligns each column by the type of its value in the first row.
        right = [self.ALIGNMENTS.get(type(value), "l") == "r" for value in rows[0]]
        return _draw(list(column_names), rows, right)


def _draw(names: list[str], rows: Sequence[Sequence[Any]], right: list[bool]) -> str | None:
    """The plain table of ``rows`` under ``names``, each column aligned right where ``right``
    says, or None when it is not plain (prettytable must draw it) or not one table."""
    if not rows or len(set(names)) != len(names) or not _plain(names) or len(right) != len(names):
        return None
    cells: list[list[str]] = []
    for row in rows:
        if len(row) != len(names):
            return None  # prettytable's own error
        # prettytable prints str(value); cliff's own rewriting of carriage returns
        # never applies here, as a text holding one is not printable.
        texts = [v if type(v) is str else str(v) for v in _readable(row)]
        if not _plain(texts):
            return None
        cells.append(texts)
    widths = [max(len(name), *(len(row[i]) for row in cells))
              for i, name in enumerate(names)]
    rule = "+" + "+".join("-" * (width + 2) for width in widths) + "+"

    def line(texts: Sequence[str]) -> str:
        return "| " + " | ".join(
            text.rjust(width) if on_right else text.ljust(width)
            for text, width, on_right in zip(texts, widths, right, strict=True)
        ) + " |"

    return "\n".join([rule, line(names), rule, *map(line, cells), rule])


def _readable(row: Sequence[Any]) -> list[Any]:
    """A row as cliff's formatter hands it to prettytable: columns as their table text."""
    return [v.human_readable() if isinstance(v, FormattableColumn) else v for v in row]


def _plain(texts: Sequence[str]) -> bool:
    """Every text one line of printable ASCII: its width is its length, as wcwidth counts."""
    joined = "".join(texts)
    return joined.isascii() and joined.isprintable()
