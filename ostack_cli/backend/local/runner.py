"""The one place ostack runs host programs: argument lists only, never a shell."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from ostack_cli.errors import BackendUnavailable, OstackError


class HostCommandError(OstackError):
    """A host program failed; the message names the program and its complaint."""

    returncode: int | None = None
    stderr: str = ""


def run(argv: Sequence[str], *, timeout: float = 60.0, input: bytes | None = None) -> str:
    try:
        done = subprocess.run(
            list(argv), input=input, capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise BackendUnavailable(
            f"{argv[0]} is not installed.", "Run 'make setup' to install the host packages."
        ) from None
    except subprocess.TimeoutExpired:
        raise HostCommandError(f"{argv[0]} did not finish within {timeout:g} s.") from None
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace")
        complaint = stderr.strip().splitlines()
        error = HostCommandError(
            f"{argv[0]} failed (exit {done.returncode}): {complaint[-1] if complaint else ''}"
        )
        error.returncode, error.stderr = done.returncode, stderr
        raise error
    return done.stdout.decode(errors="replace")
