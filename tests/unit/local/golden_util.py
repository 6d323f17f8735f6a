"""Compare output with a golden file, or rewrite it with ``OSTACK_UPDATE_GOLDEN=1``.

Review a rewrite with ``git diff tests/unit/local/golden`` before committing it.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_ENV = "OSTACK_UPDATE_GOLDEN"


def assert_golden(
    relpath: str, actual: str, *, normalise: Callable[[str], str] | None = None
) -> None:
    """Fail with a unified diff unless ``actual`` matches ``golden/<relpath>``.

    ``normalise`` maps both sides to a comparable form first (e.g. canonical XML), so the
    comparison ignores differences that do not matter; a failure shows the raw texts' diff.
    """
    path = GOLDEN_DIR / relpath
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with {UPDATE_ENV}=1")
    expected = path.read_text(encoding="utf-8")
    normal = normalise or (lambda text: text)
    if normal(expected) != normal(actual):
        # The diff is of the texts as written, which stay line-oriented and readable.
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"golden/{relpath}",
            tofile="actual",
        )
        pytest.fail(
            f"output differs from golden/{relpath} (rerun with {UPDATE_ENV}=1 to accept):\n"
            + "".join(diff),
            pytrace=False,
        )
