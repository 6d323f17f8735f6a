"""Run ostack's benchmarks and print one table (``make bench``; ``benchmarks/run.py --help``).

Each area is a module in this directory with ``DESCRIPTION`` and ``run(settings) ->
AreaResult``; register it in ``AREAS``. Benchmarks report, they do not gate: a missed target
prints FAIL and the exit status stays 0. Only a benchmark that crashes exits 1.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import REPO, AreaResult, Settings, table

# Area name -> module. Areas run in this order.
AREAS: dict[str, str] = {
    "startup": "benchmarks.startup",
    "cloud": "benchmarks.cloud",
    "compute": "benchmarks.compute",
    "network": "benchmarks.network",
    "host": "benchmarks.host",
    "completion": "benchmarks.completion",
    "api": "benchmarks.api",
    "cloudscale": "benchmarks.cloud_scale",
    "volume": "benchmarks.volume",
    "scale": "benchmarks.scale",
    "dashboard": "benchmarks.dashboard",
}

DEFAULT_RUNS = 15
QUICK_RUNS = 3
DEFAULT_WARMUPS = 2


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py", description="Time ostack and print one table."
    )
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_RUNS} timed runs per benchmark instead of {DEFAULT_RUNS}")
    parser.add_argument("--only", metavar="AREA", action="append", choices=sorted(AREAS),
                        help=f"run only this area (repeatable): {', '.join(AREAS)}")
    parser.add_argument("--runs", type=_positive, metavar="N",
                        help="timed runs per benchmark (overrides --quick)")
    parser.add_argument("--warmups", type=_positive, default=DEFAULT_WARMUPS, metavar="N",
                        help="untimed runs first; the first checks that the command works "
                             f"(default {DEFAULT_WARMUPS})")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the raw numbers")
    parser.add_argument("--no-real-client", dest="real_client", action="store_false",
                        help="do not install or time the real python-openstackclient")
    parser.add_argument("--ostack", type=Path, default=_default_ostack(), metavar="PATH",
                        help="the ostack program to time (default: %(default)s)")
    parser.add_argument("--list", action="store_true", help="list the areas and exit")
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _default_ostack() -> Path:
    beside = Path(sys.executable).with_name("ostack")
    return beside if beside.exists() else REPO / ".venv" / "bin" / "ostack"


def run_areas(names: list[str], settings: Settings) -> tuple[dict[str, AreaResult], list[str]]:
    """Each area's result; an area that crashes is reported and the others still run."""
    results: dict[str, AreaResult] = {}
    crashed: list[str] = []
    for name in names:
        try:
            results[name] = importlib.import_module(AREAS[name]).run(settings)
        except Exception:
            traceback.print_exc()
            print(f"bench: area {name!r} crashed", file=sys.stderr)
            crashed.append(name)
    return results, crashed


def host_line(load_start: tuple[float, float, float]) -> str:
    cpus = os.cpu_count() or 1
    line = f"host: {cpus} CPUs, load average {load_start[0]:.2f} at start"
    if load_start[0] > cpus / 2:
        line += " (busy: expect noisy numbers)"
    return line


def report(results: dict[str, AreaResult], header: list[str]) -> str:
    lines = [*header]
    for result in results.values():
        lines += result.notes
    lines += ["", table(results), ""]
    for result in results.values():
        lines += [target.line() for target in result.targets]
    return "\n".join(lines).rstrip("\n") + "\n"


def to_json(
    results: dict[str, AreaResult], settings: Settings, started: str, loads: list[Any]
) -> dict[str, Any]:
    return {
        "date": started,
        "host": {"cpus": os.cpu_count(), "loadavg_start": loads[0], "loadavg_end": loads[1],
                 "python": sys.version.split()[0]},
        "settings": {"runs": settings.runs, "warmups": settings.warmups, "quick": settings.quick,
                     "real_client": settings.real_client, "ostack": str(settings.ostack)},
        "areas": {name: result.to_json() for name, result in results.items()},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for name, module in AREAS.items():
            print(f"{name}: {importlib.import_module(module).DESCRIPTION}")
        return 0
    names = [name for name in AREAS if name in (args.only or AREAS)]
    runs = args.runs or (QUICK_RUNS if args.quick else DEFAULT_RUNS)
    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    load_start = os.getloadavg()
    work_dir = Path(tempfile.mkdtemp(prefix="ostack-bench-"))
    try:
        settings = Settings(runs=runs, warmups=args.warmups, quick=args.quick,
                            real_client=args.real_client, work_dir=work_dir,
                            ostack=args.ostack)
        results, crashed = run_areas(names, settings)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    header = [
        f"ostack benchmarks, {started}: median wall time of {runs} runs after "
        f"{args.warmups} warm-up(s); peak RSS is the largest of those runs",
        host_line(load_start),
    ]
    sys.stdout.write(report(results, header))
    if args.json:
        data = to_json(results, settings, started, [load_start, os.getloadavg()])
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
