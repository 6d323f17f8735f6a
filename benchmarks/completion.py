"""TAB completion: what one TAB costs, beside the real client's ``openstack complete``.

A TAB on a value (a server name, say) runs one process: the completion helper, started with
the interpreter on the ``ostack`` program's ``#!`` line, as completions/ostack.bash starts it.
It is timed against a store holding ``SERVER_COUNT`` servers. The real client completes no
resource names; what it does on the way to completion is ``openstack complete``, which prints
its script (command words and options only), and that is the comparison the issue asks for.
"""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks import realclient
from benchmarks.common import (
    AreaResult,
    Cell,
    Measurement,
    Program,
    Row,
    Settings,
    Target,
    check,
    child_env,
    measure,
)

DESCRIPTION = "TAB completion of resource names (200 servers) beside `openstack complete`"

SERVER_COUNT = 200
TARGET_MS = 100.0


def helper_argv(ostack: Path) -> list[str]:
    """The helper as the bash script runs it: ``python -m ostack_cli.completion``."""
    try:
        with ostack.open("rb") as handle:
            first = handle.readline().decode(errors="replace").strip()
    except OSError:
        first = ""
    if first.startswith("#!") and "python" in first:
        return [*first[2:].split(), "-m", "ostack_cli.completion"]
    return [str(ostack), "__complete"]


def run(settings: Settings) -> AreaResult:
    area = settings.area_dir("completion")
    home = area / "ostack-home"
    env = child_env(area / "home-ostack", settings, OSTACK_HOME=str(home))
    ostack = str(settings.ostack)
    helper = helper_argv(settings.ostack)
    real = _real_client(settings)
    result = AreaResult(notes=[f"completion helper: {' '.join(helper)}", real.label])

    programs: dict[str, Program] = {"complete": ([ostack, "complete"], env)}
    if real.program is not None:
        real_env = child_env(area / "home-real", settings)
        programs["real complete"] = ([str(real.program), "complete"], real_env)
    prepared = _prepare(ostack, env, home)
    if prepared is None:
        programs["server tab"] = (
            [*helper, "--shell", "bash", "--", "ostack", "server", "show", "bench-1"], env)
        programs["flavor tab"] = (
            [*helper, "--shell", "bash", "--", "ostack", "server", "create", "--flavor", ""], env)
    # In turns: the ratios compare programs under the same load.
    cells = measure(programs, runs=settings.runs, warmups=settings.warmups, cwd=area)

    real_complete = cells.get("real complete", f"n/a ({real.reason})")
    server_tab = cells.get("server tab", prepared or "n/a")
    result.rows += [
        Row("complete (print the bash script)", cells["complete"], real_complete),
        Row(f"TAB: server show bench-1<TAB> ({SERVER_COUNT} servers)", server_tab,
            real_complete),
        Row("TAB: server create --flavor <TAB>", cells.get("flavor tab", prepared or "n/a"),
            real_complete),
    ]
    result.targets.append(latency_target(server_tab))
    return result


def _prepare(ostack: str, env: dict[str, str], home: Path) -> str | None:
    """A store with SERVER_COUNT servers; None, or why there is none."""
    try:
        check([ostack, "flavor", "list"], env)  # makes and seeds the store the CLI's way
        from benchmarks.startup import seed_servers

        seed_servers(home, SERVER_COUNT)
    except Exception as exc:  # reported in the table; the other rows still run
        return f"n/a (could not prepare {SERVER_COUNT} servers: {exc})"
    return None


def latency_target(tab: Cell) -> Target:
    description = (
        f"a TAB on a server name with {SERVER_COUNT} servers answers in under "
        f"{TARGET_MS:g} ms (median)"
    )
    if not isinstance(tab, Measurement):
        return Target(description, None, f"no measurement: {tab}")
    return Target(description, tab.median_ms < TARGET_MS, f"{tab.median_ms:.1f} ms")


def _real_client(settings: Settings) -> realclient.RealClient:
    if not settings.real_client:
        return realclient.RealClient(None, "skipped with --no-real-client")
    return realclient.ensure(lambda message: print(f"bench: {message}", file=sys.stderr))
