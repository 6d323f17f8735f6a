"""The server's heap policy (``api/memory.py``, issue 10): one malloc arena unless the
environment says otherwise, and a trim only once the resident memory has grown."""

from __future__ import annotations

import pytest

from ostack_cli.api import memory

MB = 1024 * 1024


class _FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[int, ...]]] = []

    def mallopt(self, *args: int) -> int:
        self.calls.append(("mallopt", args))
        return 1

    def malloc_trim(self, *args: int) -> int:
        self.calls.append(("malloc_trim", args))
        return 1


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> _FakeLibc:
    fake = _FakeLibc()
    monkeypatch.setattr(memory, "_libc", lambda: fake)
    return fake


def test_one_arena_unless_the_environment_says(libc: _FakeLibc,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    memory.limit_arenas()
    assert libc.calls == [("mallopt", (memory.M_ARENA_MAX, 1))]
    libc.calls.clear()
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    memory.limit_arenas()
    assert libc.calls == []


def test_a_trim_once_grown_since_the_last_or_the_lowest(
        libc: _FakeLibc, monkeypatch: pytest.MonkeyPatch) -> None:
    resident = [50 * MB]
    monkeypatch.setattr(memory, "_resident", lambda: resident[0])
    heap = memory.HeapTrimmer(growth=2 * MB)
    resident[0] = 51 * MB
    assert not heap.trim_if_grown()
    resident[0] = 53 * MB
    assert heap.trim_if_grown()
    assert libc.calls == [("malloc_trim", (0,))]
    assert not heap.trim_if_grown()  # measured again after the trim: 53 MB is the base now
    resident[0] = 40 * MB  # a large block unmapped
    assert not heap.trim_if_grown()
    resident[0] = 43 * MB
    assert heap.trim_if_grown()


def test_the_resident_memory_is_this_process(libc: _FakeLibc) -> None:
    assert 1 * MB < memory.resident_bytes() < 4096 * MB
    heap = memory.HeapTrimmer(interval=0.01)
    heap.start()
    heap.stop()  # the thread ends when asked
