"""Named points where the fault-injection tier kills ostack, to prove that a process killed
at any step leaves a state the next command (or ``ostack host sync``) repairs.

``OSTACK_KILL_AT=<point>`` makes the process SIGKILL itself when it reaches that point (an
exact name, or a prefix ending in ``*``). Unset (always, outside tests), a point costs one
dictionary look-up.
"""

from __future__ import annotations

import os
import signal

ENV = "OSTACK_KILL_AT"


def reached(point: str) -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    if wanted == point or (wanted.endswith("*") and point.startswith(wanted[:-1])):
        os.kill(os.getpid(), signal.SIGKILL)
