"""The real python-openstackclient, installed once into the benchmark's own venv."""

from __future__ import annotations

import dataclasses
import fcntl
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import REPO

OSC_VERSION = "10.5.0"
DEFAULT_VENV = Path("/var/cache/ostack/bench/osc-venv")
VENV_ENV = "OSTACK_BENCH_OSC_VENV"
# The set realstack was tested with; pins every dependency, not only the client.
CONSTRAINTS = REPO.parent / "shared" / "realstack" / "constraints-osc.txt"


@dataclasses.dataclass(frozen=True)
class RealClient:
    """``program`` is the ``openstack`` executable, or None with ``reason`` saying why."""

    program: Path | None
    reason: str = ""

    @property
    def label(self) -> str:
        if self.program is None:
            return f"real client: n/a ({self.reason})"
        return f"real client: python-openstackclient {OSC_VERSION} ({self.program})"


def venv_path() -> Path:
    return Path(os.environ.get(VENV_ENV) or DEFAULT_VENV)


def install_command(venv: Path, constraints: Path | None) -> list[str]:
    """The pinned install; constrained by realstack's tested set when that file exists."""
    command = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
    if constraints is not None:
        command += ["-c", str(constraints)]
    return [*command, f"python-openstackclient=={OSC_VERSION}"]


def installed_version(venv: Path) -> str | None:
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    done = subprocess.run(
        [str(python), "-c",
         "import importlib.metadata as m; print(m.version('python-openstackclient'))"],
        capture_output=True, text=True, check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def ensure(log: Callable[[str], None]) -> RealClient:
    """The real client, installing it first if the venv does not hold the pinned version."""
    venv = venv_path()
    try:
        venv.parent.mkdir(parents=True, exist_ok=True)
        with open(venv.parent / f".{venv.name}.lock", "w") as lock:
            # Two benchmark runs at once must not install into the same venv together.
            fcntl.flock(lock, fcntl.LOCK_EX)
            return _ensure_locked(venv, log)
    except OSError as exc:
        return RealClient(None, f"cannot install into {venv}: {exc}")


def _ensure_locked(venv: Path, log: Callable[[str], None]) -> RealClient:
    program = venv / "bin" / "openstack"
    if installed_version(venv) == OSC_VERSION and program.exists():
        return RealClient(program)
    constraints = CONSTRAINTS if CONSTRAINTS.is_file() else None
    log(
        f"installing python-openstackclient {OSC_VERSION} into {venv} "
        f"({'constrained by ' + str(constraints) if constraints else 'unconstrained'}); once"
    )
    steps = [[sys.executable, "-m", "venv", str(venv)], install_command(venv, constraints)]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
            return RealClient(None, f"install failed: {lines[-1]}")
    if installed_version(venv) != OSC_VERSION or not program.exists():
        return RealClient(None, f"install did not provide python-openstackclient {OSC_VERSION}")
    return RealClient(program)
