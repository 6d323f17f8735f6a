"""Horizon's own venv, ``<state dir>/dashboard/venv``, built on first use.

Horizon (Django and its ~100 packages) never becomes one of ostack's dependencies: it is
installed with pip into a venv of its own, at the exact versions of
``horizon-constraints.txt``. A marker file records the constraints the venv was built from;
a venv without it (a build that was interrupted) or from other constraints is built anew.
Two commands starting at once build it once: the build holds a lock file.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from contextlib import AbstractContextManager
from pathlib import Path

from ostack_cli.errors import CommandError
from ostack_cli.state.locks import exclusive_lock

CONSTRAINTS = Path(__file__).with_name("horizon-constraints.txt")
# What the venv runs: Horizon itself, a WSGI server and its static-file layer.
REQUIREMENTS = ("horizon", "gunicorn", "whitenoise")
MARKER = ".ostack-constraints"
INSTALL_TIMEOUT = 1800


def constraints_digest() -> str:
    return hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest()


def horizon_version() -> str:
    for line in CONSTRAINTS.read_text().splitlines():
        if line.lower().startswith("horizon=="):
            return line.split("==", 1)[1].strip()
    raise CommandError(f"{CONSTRAINTS} pins no horizon version.")


class HorizonVenv:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def gunicorn(self) -> Path:
        return self.root / "bin" / "gunicorn"

    def is_current(self) -> bool:
        try:
            return (self.root / MARKER).read_text().strip() == constraints_digest()
        except OSError:
            return False

    def ensure(self) -> bool:
        """Build the venv unless it is current; True if it was built now."""
        if self.is_current():
            return False
        with locked(self.root.with_name("venv.lock")):
            if self.is_current():  # built by another command while this one waited
                return False
            sys.stderr.write(f"ostack dashboard: installing Horizon {horizon_version()} into "
                             f"{self.root} (once)\n")
            shutil.rmtree(self.root, ignore_errors=True)
            run_step([sys.executable, "-m", "venv", str(self.root)], "create the venv")
            run_step([str(self.python), "-m", "pip", "install", "--quiet",
                  "--disable-pip-version-check", "--no-input", "-c", str(CONSTRAINTS),
                  *REQUIREMENTS], "install Horizon")
            (self.root / MARKER).write_text(constraints_digest() + "\n")
        return True


def locked(path: Path) -> AbstractContextManager[None]:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return exclusive_lock(path)


def run_step(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=INSTALL_TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        raise CommandError(f"Could not {what}: no result within {INSTALL_TIMEOUT} s.") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).splitlines()
                 if line.strip() and not line.startswith("WARNING: Location")]
        raise CommandError(f"Could not {what}: {lines[-1] if lines else done.returncode}")
