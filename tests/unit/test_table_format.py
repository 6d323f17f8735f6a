"""The plain table is drawn without prettytable, and must be the very table prettytable draws."""

from __future__ import annotations

import argparse
import io
import random
import string
from collections.abc import Sequence
from typing import Any

import pytest
from cliff.formatters.table import TableFormatter

from ostack_cli.columns import DictColumn, ListColumn
from ostack_cli.table_format import PlainTableFormatter


def _args(**overrides: Any) -> argparse.Namespace:
    return argparse.Namespace(**{"max_width": 0, "fit_width": False, "print_empty": False,
                                 **overrides})


def _both(names: Sequence[str], rows: list[list[Any]], **overrides: Any) -> tuple[str, str]:
    ours, cliffs = io.StringIO(), io.StringIO()
    PlainTableFormatter().emit_list(names, iter(rows), ours, _args(**overrides))
    TableFormatter().emit_list(names, iter(rows), cliffs, _args(**overrides))
    return ours.getvalue(), cliffs.getvalue()


def _value(rng: random.Random) -> Any:
    kind = rng.randrange(7)
    if kind == 0:
        return rng.randrange(-5, 100000)
    if kind == 1:
        return None
    if kind == 2:
        return rng.choice([True, False, 1.5, 0.25])
    if kind == 3:
        return DictColumn({"ip_address": "10.0.0.3", "subnet_id": "x" * rng.randrange(3)})
    if kind == 4:
        return ListColumn(["a", "bb"][: rng.randrange(3)])
    return "".join(rng.choice(string.printable[:95]) for _ in range(rng.randrange(12)))


@pytest.mark.parametrize("seed", range(40))
def test_random_plain_tables_match_prettytable(seed: int) -> None:
    rng = random.Random(seed)
    names = [f"Column {i}" * rng.randrange(1, 3) for i in range(rng.randrange(1, 6))]
    rows = [[_value(rng) for _ in names] for _ in range(rng.randrange(1, 8))]
    ours, cliffs = _both(names, rows)
    assert ours == cliffs


@pytest.mark.parametrize("cell", ["été", "漢字", "a\nb", "a\tb", "a\r\nb", "\x1b[31mred\x1b[0m"])
def test_tables_it_cannot_draw_are_left_to_prettytable(cell: str) -> None:
    ours, cliffs = _both(["ID", "Name"], [["1", cell], ["2", "plain"]])
    assert ours == cliffs


def test_empty_listing_and_fitting_are_cliffs() -> None:
    assert _both(["ID"], []) == ("\n", "\n")
    assert _both(["ID"], [], print_empty=True)[0] == _both(["ID"], [], print_empty=True)[1]
    ours, cliffs = _both(["ID", "Name"], [["1" * 30, "x" * 40]], max_width=30)
    assert ours == cliffs
    assert max(len(line) for line in ours.splitlines()) <= 30


def _both_one(names: Sequence[str], values: Sequence[Any], **overrides: Any) -> tuple[str, str]:
    ours, cliffs = io.StringIO(), io.StringIO()
    PlainTableFormatter().emit_one(names, values, ours, _args(**overrides))
    TableFormatter().emit_one(names, values, cliffs, _args(**overrides))
    return ours.getvalue(), cliffs.getvalue()


@pytest.mark.parametrize("seed", range(20))
def test_random_show_tables_match_prettytable(seed: int) -> None:
    rng = random.Random(seed)
    names = sorted(f"field_{i}" * rng.randrange(1, 3) for i in range(rng.randrange(1, 9)))
    values = [_value(rng) for _ in names]
    ours, cliffs = _both_one(names, values)
    assert ours == cliffs


@pytest.mark.parametrize("cell", ["naïve", "line one\nline two", "", "x" * 300])
def test_show_tables_prettytable_would_draw_otherwise_are_its(cell: str) -> None:
    ours, cliffs = _both_one(["id", "name"], ["1", cell])
    assert ours == cliffs
    ours, cliffs = _both_one(["id", "name"], ["1", cell], max_width=40)
    assert ours == cliffs
