"""The completion benchmark area: it times what the bash script runs, and judges 100 ms."""

from __future__ import annotations

from pathlib import Path

from benchmarks import completion
from benchmarks.common import Measurement
from tests.completion.conftest import OSTACK


def test_helper_is_run_as_the_bash_script_runs_it(tmp_path: Path) -> None:
    shebang = OSTACK.read_text().splitlines()[0]
    assert completion.helper_argv(OSTACK) == [shebang[2:], "-m", "ostack_cli.completion"]
    script = tmp_path / "ostack"
    script.write_text("#!/bin/sh\nexec python3 -m ostack_cli.main \"$@\"\n")
    assert completion.helper_argv(script) == [str(script), "__complete"]


def _measurement(ms: float) -> Measurement:
    return Measurement(argv=("x",), wall_ms=(ms,), cpu_ms=(ms,), max_rss_kb=(1024,))


def test_latency_target() -> None:
    assert completion.latency_target(_measurement(42.0)).passed is True
    assert completion.latency_target(_measurement(140.0)).passed is False
    assert completion.latency_target("failed: x").passed is None
    assert completion.latency_target(_measurement(42.0)).line() == (
        "target: a TAB on a server name with 200 servers answers in under 100 ms (median): "
        "42.0 ms: PASS")
