"""zsh: completions/_ostack in a real zsh, compadd recorded, against a known store."""

from __future__ import annotations

import pytest

from tests.completion.cases import CASES, Case, resolve
from tests.completion.conftest import World, has_command
from tests.completion.shells import ZshSession


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_zsh_completes(case: Case, zsh: ZshSession, world: World) -> None:
    if case.needs and not has_command(case.needs):
        pytest.skip(f"`{case.needs}` is not registered yet")
    case = resolve(case, world.ids)
    expected = sorted(f"{'open' if w.endswith(('=', ',')) else 'plain'}:{w}" for w in case.words)
    assert zsh.complete(case.line) == expected
