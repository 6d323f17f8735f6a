"""How the server process keeps glibc's heap small (issue 10, docs/api.md "Memory").

- One malloc arena: glibc otherwise gives each thread that allocates its own (up to 8 per
  core) and each keeps what was freed in it; the GIL serialises the allocations anyway.
- Freed memory handed back: glibc keeps the heap's free pages, and the process's resident
  memory only grows (~8 MB over the bench's requests, most of it within the request that
  boots 100 servers). ``HeapTrimmer``, a thread, looks at the resident memory every
  ``TRIM_INTERVAL`` and runs ``malloc_trim`` once it has grown by ``TRIM_GROWTH`` since the
  last trim, as jemalloc's background thread purges: not after every request (a trim costs
  about a millisecond, a token issue two), and within a long request too.

Neither applies where the C library is not glibc; ``MALLOC_ARENA_MAX`` in the environment
still decides the arenas.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading

MALLOC_ARENAS = 1
M_ARENA_MAX = -8  # glibc's <malloc.h>
TRIM_GROWTH = 2 * 1024 * 1024  # bytes of resident memory
TRIM_INTERVAL = 0.1  # seconds
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt  # noqa: B018  glibc's, or not
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_arenas() -> None:
    """Before the worker threads allocate anything."""
    libc = _libc()
    if libc is not None and "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)


def resident_bytes() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * _PAGE


class HeapTrimmer:
    def __init__(self, *, interval: float = TRIM_INTERVAL, growth: int = TRIM_GROWTH) -> None:
        self.interval = interval
        self.growth = growth
        self._libc = _libc()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._after_trim = _resident()

    def start(self) -> None:
        if self._libc is not None:
            self._thread = threading.Thread(target=self._watch, name="ostack-api-heap",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()

    def trim_if_grown(self) -> bool:
        resident = _resident()
        # Grown since the last trim, or since it last shrank (a large block unmapped).
        self._after_trim = min(self._after_trim, resident)
        if self._libc is None or resident - self._after_trim < self.growth:
            return False
        self._libc.malloc_trim(0)
        self._after_trim = _resident()
        return True

    def _watch(self) -> None:
        while not self._stopped.wait(self.interval):
            self.trim_if_grown()


def _resident() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return resident_bytes()
    return 0
