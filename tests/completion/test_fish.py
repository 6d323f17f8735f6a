"""fish: completions/ostack.fish under fish's own ``complete -C``, against a known store."""

from __future__ import annotations

import pytest

from tests.completion.cases import CASES, Case, resolve
from tests.completion.conftest import World, has_command
from tests.completion.shells import FishSession


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fish_completes(case: Case, fish: FishSession, world: World) -> None:
    if case.needs and not has_command(case.needs):
        pytest.skip(f"`{case.needs}` is not registered yet")
    case = resolve(case, world.ids)
    assert fish.complete(case.line) == sorted(case.words)
