"""What every benchmark area shares: timing programs, the result records and the table."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from tabulate import tabulate

REPO = Path(__file__).resolve().parent.parent

# Only these reach the programs under test: no OS_* variables, clouds.yaml, XDG dirs or
# PYTHON* settings from the caller's environment may change what is measured.
PASSED_THROUGH_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TERM")

HEADERS = (
    "area",
    "benchmark",
    "ostack median (ms)",
    "real client median (ms)",
    "ratio (real / ostack)",
    "ostack peak RSS (MB)",
    "real client peak RSS (MB)",
)


class CommandFailed(Exception):
    def __init__(self, argv: Sequence[str], returncode: int, stderr: str) -> None:
        lines = [line for line in stderr.splitlines() if line.strip()]
        last = lines[-1].strip() if lines else "no output on stderr"
        super().__init__(f"{' '.join(argv)} exited {returncode}: {last}")
        self.returncode = returncode


@dataclasses.dataclass(frozen=True)
class Settings:
    runs: int
    warmups: int
    quick: bool
    real_client: bool
    work_dir: Path
    ostack: Path

    def area_dir(self, area: str) -> Path:
        path = self.work_dir / area
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path


@dataclasses.dataclass(frozen=True)
class Run:
    """One run of a program: wall time, CPU time (user + system) and peak resident memory."""

    wall_ms: float
    cpu_ms: float
    max_rss_kb: int
    returncode: int
    stdout: str
    stderr: str


@dataclasses.dataclass(frozen=True)
class Measurement:
    argv: tuple[str, ...]
    wall_ms: tuple[float, ...]
    cpu_ms: tuple[float, ...]
    max_rss_kb: tuple[int, ...]

    @property
    def median_ms(self) -> float:
        return median(self.wall_ms)

    @property
    def peak_rss_mb(self) -> float:
        return max(self.max_rss_kb) / 1024

    def to_json(self) -> dict[str, Any]:
        return {
            "argv": list(self.argv),
            "runs": len(self.wall_ms),
            "median_ms": round(self.median_ms, 3),
            "min_ms": round(min(self.wall_ms), 3),
            "cpu_median_ms": round(median(self.cpu_ms), 3),
            "peak_rss_mb": round(self.peak_rss_mb, 3),
            "wall_ms": [round(v, 3) for v in self.wall_ms],
            "cpu_ms": [round(v, 3) for v in self.cpu_ms],
            "max_rss_kb": list(self.max_rss_kb),
        }


# A cell is either a measurement or the reason there is none, e.g. "n/a (needs a cloud)".
Cell = Measurement | str


@dataclasses.dataclass(frozen=True)
class Row:
    benchmark: str
    ostack: Cell
    real: Cell = "n/a"

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "ostack": cell_json(self.ostack),
            "real_client": cell_json(self.real),
            "ratio": ratio(self.real, self.ostack),
        }


@dataclasses.dataclass(frozen=True)
class Target:
    description: str
    passed: bool | None  # None: it could not be evaluated (see detail)
    detail: str

    def line(self) -> str:
        verdict = {True: "PASS", False: "FAIL", None: "NOT EVALUATED"}[self.passed]
        return f"target: {self.description}: {self.detail}: {verdict}"

    def to_json(self) -> dict[str, Any]:
        return {"description": self.description, "passed": self.passed, "detail": self.detail}


@dataclasses.dataclass
class AreaResult:
    rows: list[Row] = dataclasses.field(default_factory=list)
    targets: list[Target] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": [row.to_json() for row in self.rows],
            "targets": [target.to_json() for target in self.targets],
            "notes": list(self.notes),
        }


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def ratio(slow: Cell, fast: Cell) -> float | None:
    """How many times faster ``fast`` is than ``slow`` (by medians); None without both."""
    if not isinstance(slow, Measurement) or not isinstance(fast, Measurement):
        return None
    if fast.median_ms <= 0:
        return None
    return slow.median_ms / fast.median_ms


def cell_json(cell: Cell) -> dict[str, Any]:
    return cell.to_json() if isinstance(cell, Measurement) else {"note": cell}


def format_ms(cell: Cell) -> str:
    return f"{cell.median_ms:.1f}" if isinstance(cell, Measurement) else cell


def format_rss(cell: Cell) -> str:
    # A measurement of something other than a whole process (a request, a first row) has
    # no peak of its own: recorded as 0.
    if isinstance(cell, Measurement) and cell.peak_rss_mb > 0:
        return f"{cell.peak_rss_mb:.1f}"
    return "n/a"


def format_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


def table(results: Mapping[str, AreaResult]) -> str:
    """All areas' rows as one table, in the order the areas ran."""
    body = [
        (
            area,
            row.benchmark,
            format_ms(row.ostack),
            format_ms(row.real),
            format_ratio(ratio(row.real, row.ostack)),
            format_rss(row.ostack),
            format_rss(row.real),
        )
        for area, result in results.items()
        for row in result.rows
    ]
    return tabulate(body, headers=HEADERS, tablefmt="github", disable_numparse=True,
                    colalign=("left", "left") + ("right",) * (len(HEADERS) - 2))


def venv_python(ostack: str | Path) -> str:
    """The interpreter of the venv ``ostack`` is installed in."""
    beside = Path(ostack).with_name("python")
    return str(beside if beside.exists() else Path(ostack).with_name("python3"))


def child_env(home: Path, settings: Settings, **extra: str) -> dict[str, str]:
    """A clean environment: a private HOME, nothing else of the caller's configuration.

    Both programs run with warm bytecode caches, as installed programs do. The cache lives in
    the benchmark's work dir (PYTHONPYCACHEPREFIX), so nothing is written into the checkout or
    the venvs; without it a PYTHONDONTWRITEBYTECODE=1 environment would recompile ostack's
    own modules on every run.
    """
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {name: os.environ[name] for name in PASSED_THROUGH_ENV if name in os.environ}
    env.setdefault("PATH", "/usr/bin:/bin")
    env["HOME"] = str(home)
    env["PYTHONPYCACHEPREFIX"] = str(settings.work_dir / "pycache")
    env.update(extra)
    return env


# Programs are started by a small helper process rather than by this runner: a child's peak
# RSS (ru_maxrss) starts at the size of the process it was forked from, and the runner is
# large. The helper (about 6 MB, so smaller peaks cannot be seen) also times the program
# itself, so its own start-up is not counted.
_SPAWN_HELPER = """\
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        sys.stderr.write(f"{argv[0]}: {exc.strerror}\\n")
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(report, "w") as out:
    out.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} "
              f"{os.waitstatus_to_exitcode(status)}")
"""


def run_once(
    argv: Sequence[str], env: Mapping[str, str], *, capture: bool = False, cwd: Path | None = None
) -> Run:
    """Run a program once; its stdout goes to /dev/null unless ``capture``."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report"
        with open(Path(scratch) / "err", "w+b") as err_file, \
                open(Path(scratch) / "out", "w+b") as out_file:
            stdout: IO[bytes] | int = out_file if capture else subprocess.DEVNULL
            # -I -S: the helper ignores PYTHON* settings and site; the program still gets env.
            helper = [sys.executable, "-I", "-S", "-c", _SPAWN_HELPER, str(report), *argv]
            subprocess.run(helper, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err_file,
                           env=dict(env), cwd=cwd, check=False)
            err_file.seek(0)
            out_file.seek(0)
            stderr = err_file.read().decode(errors="replace")
            stdout_text = out_file.read().decode(errors="replace")
        try:
            wall, cpu, max_rss_kb, returncode = report.read_text().split()
        except (OSError, ValueError):
            raise CommandFailed(argv, 127, stderr) from None
    return Run(
        wall_ms=float(wall) * 1000,
        cpu_ms=float(cpu) * 1000,
        max_rss_kb=int(max_rss_kb),  # kilobytes on Linux
        returncode=int(returncode),
        stdout=stdout_text,
        stderr=stderr,
    )


def check(argv: Sequence[str], env: Mapping[str, str], *, cwd: Path | None = None) -> Run:
    """Run once with output captured; raise CommandFailed unless it exits 0."""
    run = run_once(argv, env, capture=True, cwd=cwd)
    if run.returncode != 0:
        raise CommandFailed(argv, run.returncode, run.stderr)
    return run


Program = tuple[Sequence[str], Mapping[str, str]]  # argv and environment


def measure(
    programs: Mapping[str, Program],
    *,
    runs: int,
    warmups: int,
    cwd: Path | None = None,
) -> dict[str, Cell]:
    """Measure programs in turns (A, B, C, A, B, C, ...), so that all see the same load.

    Medians taken minutes apart on a busy machine would compare the load, not the programs.
    A program that fails gets "failed: <why>" instead of a measurement; the others go on.
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    cells: dict[str, Cell] = {}
    samples: dict[str, list[Run]] = {}
    for key, (argv, env) in programs.items():
        try:
            check(argv, env, cwd=cwd)
            for _ in range(warmups - 1):
                run_once(argv, env, cwd=cwd)
        except (CommandFailed, OSError) as exc:
            cells[key] = f"failed: {exc}"
        else:
            samples[key] = []
    for _ in range(runs):
        for key in list(samples):
            argv, env = programs[key]
            run = run_once(argv, env, cwd=cwd)
            if run.returncode != 0:
                cells[key] = f"failed: {CommandFailed(argv, run.returncode, run.stderr)}"
                del samples[key]
            else:
                samples[key].append(run)
    for key, runs_of_key in samples.items():
        cells[key] = Measurement(
            argv=tuple(programs[key][0]),
            wall_ms=tuple(r.wall_ms for r in runs_of_key),
            cpu_ms=tuple(r.cpu_ms for r in runs_of_key),
            max_rss_kb=tuple(r.max_rss_kb for r in runs_of_key),
        )
    return {key: cells[key] for key in programs}


# -- a store's objects on the host (areas that drive the real host) ------------------------

# Which store holds which tag (ostack_cli.backend.local.host.TAG_REGISTRY), while the host is up.
TAG_REGISTRY = Path("/run/ostack/stores")


def store_tag(home: Path) -> str | None:
    """The tag every host object of the store in ``home`` (an ``OSTACK_HOME``) carries: the
    store's setting ``host_tag``, or None before the store has one."""
    try:
        with sqlite3.connect(f"file:{home / 'state.db'}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = 'host_tag'").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def reconcile(env: Mapping[str, str], verb: str) -> str:
    """``python -m ostack_cli.backend.local.reconcile VERB`` (inventory, plan, purge) for the
    store of ``env``'s ``OSTACK_HOME``; its output. Raises CommandFailed."""
    return check([sys.executable, "-m", "ostack_cli.backend.local.reconcile", verb], env,
                 cwd=REPO).stdout


def purge_store(env: Mapping[str, str], home: Path) -> list[str]:
    """Take everything of the store in ``home`` off the host, whatever its records say
    (guests, devices, namespaces, dnsmasq, chains, files), and let go of its tag. Returns
    what is still there afterwards, one line each: nothing, normally."""
    if not (home / "state.db").exists():
        return []
    for _ in range(2):  # a second pass for whatever the first could not take yet
        try:
            reconcile(env, "purge")
            break
        except CommandFailed as exc:
            print(f"bench: purge: {exc}", file=sys.stderr)
    try:
        left = [line for line in reconcile(env, "inventory").splitlines() if line.strip()]
    except CommandFailed as exc:
        left = [f"inventory failed: {exc}"]
    tag = store_tag(home)
    registry = TAG_REGISTRY / tag if tag else None
    try:
        if registry is not None and registry.read_text().strip() == str(home):
            registry.unlink()
    except OSError:
        pass
    return left
