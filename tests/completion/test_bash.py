"""bash: the generated script in a real bash with bash-completion, against a known store."""

from __future__ import annotations

import pytest

from tests.completion.cases import CASES, Case, resolve
from tests.completion.conftest import World, has_command
from tests.completion.shells import BashSession


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bash_completes(case: Case, bash: BashSession, world: World) -> None:
    if case.needs and not has_command(case.needs):
        pytest.skip(f"`{case.needs}` is not registered yet")
    case = resolve(case, world.ids)
    expected = case.bash if case.bash is not None else case.words
    assert sorted(bash.complete(case.line)) == sorted(expected)
