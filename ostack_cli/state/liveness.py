"""Whether the process that claimed a task still runs: its PID alone is not enough, since
PIDs are reused (after a reboot, the same small numbers come back), so the process found
under it must also have started before the claim."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

CLAIM_SLACK = 2.0  # seconds: the claim's timestamp has a resolution of one second


def started_at(pid: int) -> float | None:
    """When ``pid`` started (seconds since the epoch), or None if it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(line for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration):
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    if fields[0] in ("Z", "X"):
        return None
    ticks = int(fields[19])  # starttime: field 22 of proc(5), counted after the ")"
    return int(boot.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")


def worker_alive(pid: int | None, claimed_at: str) -> bool:
    """Whether ``pid`` is the process that claimed a task at ``claimed_at`` (an OpenStack
    timestamp such as ``2026-12-04T10:00:00Z``) and still runs."""
    if not pid:
        return False
    started = started_at(pid)
    if started is None:
        return False
    try:
        claim = datetime.strptime(claimed_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return True  # no usable claim time: the PID's presence is all there is to go on
    return started <= claim.timestamp() + CLAIM_SLACK
