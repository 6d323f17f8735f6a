"""What an apply records beside the store's chains, read back as the converges read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ostack_cli.backend.local import firewall_state

PARTS = {"4": "a" * 32, "6": "b" * 32, "eb": "c" * 32, "nat": "d" * 32}


@pytest.fixture(autouse=True)
def markers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(firewall_state, "FIREWALL_MARKERS", tmp_path / "firewall")
    return tmp_path / "firewall"


def test_a_recorded_apply_reads_back(markers: Path) -> None:
    firewall_state.record("a1b", "f" * 32, 125, PARTS)
    assert firewall_state.read_marker("a1b") == ("f" * 32, 125)
    assert firewall_state.read_parts("a1b") == PARTS
    assert (markers / "a1b").stat().st_mode & 0o077 == 0


def test_forgotten_before_an_apply_nothing_vouches_for_the_host() -> None:
    firewall_state.record("a1b", "f" * 32, 125, PARTS)
    firewall_state.forget("a1b")
    assert firewall_state.read_marker("a1b") is None
    assert firewall_state.read_parts("a1b") == {}


def test_a_marker_of_another_shape_is_no_marker(markers: Path) -> None:
    markers.mkdir()
    (markers / "a1b").write_text("f" * 32 + "\n")  # a digest without its rule count
    assert firewall_state.read_marker("a1b") is None
    assert firewall_state.read_marker("c2d") is None
