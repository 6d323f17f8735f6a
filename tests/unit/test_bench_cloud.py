"""The cloud benchmark area's own logic (no cloud needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from benchmarks import cloud, run
from benchmarks.common import Measurement, Settings


def timed(*wall_ms: float) -> Measurement:
    return Measurement(argv=("x",), wall_ms=wall_ms, cpu_ms=wall_ms,
                       max_rss_kb=tuple(1000 for _ in wall_ms))


def test_the_area_is_registered() -> None:
    assert run.AREAS["cloud"] == "benchmarks.cloud"


def test_a_target_passes_only_when_every_command_is_within_the_fraction() -> None:
    passing = cloud.fraction_target("t", 0.5, {"flavor list": (timed(100), timed(400)),
                                                "server list": (timed(200), timed(400))})
    assert passing.passed is True
    assert passing.detail == ("flavor list 100 / 400 ms = 0.25x; "
                              "server list 200 / 400 ms = 0.50x")
    failing = cloud.fraction_target("t", 0.5, {"flavor list": (timed(100), timed(400)),
                                                "server list": (timed(300), timed(400))})
    assert failing.passed is False
    missing = cloud.fraction_target("t", 0.5, {"flavor list": (timed(100), "n/a (skipped)")})
    assert missing.passed is None
    assert "no measurement (n/a (skipped))" in missing.detail


def test_a_first_command_starts_without_the_auth_cache(tmp_path: Path) -> None:
    auth = tmp_path / "auth"
    auth.mkdir()
    (auth / "x.json").write_text("{}")
    argv = cloud.first_command(["sh", "-c", 'echo "$0"', "ran"], auth)
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    assert (done.stdout, auth.exists()) == ("ran\n", False)


def test_without_a_cloud_every_row_says_why(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cloud, "REALSTACK_BASE", tmp_path / "nowhere")
    settings = Settings(runs=1, warmups=1, quick=True, real_client=False, work_dir=tmp_path,
                        ostack=tmp_path / "ostack")
    result = cloud.run(settings)
    assert len(result.rows) == 2 * len(cloud.READ_COMMANDS)
    assert all(isinstance(row.ostack, str) and "no realstack" in row.ostack
               for row in result.rows)
    assert [target.passed for target in result.targets] == [None, None]
