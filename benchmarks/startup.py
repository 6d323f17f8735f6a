"""Start-up: how long ostack takes for quick commands, beside the real client's start-up.

The real python-openstackclient needs a cloud for ``flavor list``, so it is timed only for what
works without one: ``openstack --version`` and ``openstack help``.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from benchmarks import realclient
from benchmarks.common import (
    AreaResult,
    Cell,
    CommandFailed,
    Measurement,
    Program,
    Row,
    Settings,
    Target,
    check,
    child_env,
    measure,
    purge_store,
    ratio,
    venv_python,
)

DESCRIPTION = "CLI start-up: ostack beside the real python-openstackclient (no cloud)"

SERVER_COUNT = 100
TARGET_FACTOR = 10.0
NEEDS_A_CLOUD = "n/a (needs a cloud)"
SERVERS_HOME = "servers-home"
CLIFF_FLOOR = "import cliff.app, cliff.lister, cliff.show"


def run(settings: Settings) -> AreaResult:
    area = settings.area_dir("startup")
    env = child_env(area / "home-ostack", settings, OSTACK_HOME=str(area / "ostack-home"))
    # Records only, under libvirt's test driver (as the scale area): with the system's
    # libvirtd up, a server list would first check that QEMU can reach the store's host
    # directory, which the bench's private work dir (0700) never lets it.
    servers_env = child_env(area / "home-servers", settings,
                            OSTACK_HOME=str(area / SERVERS_HOME),
                            OSTACK_LIBVIRT_URI="test:///default")
    try:
        return _measure(settings, area, env, servers_env)
    finally:
        # The stores the commands made: off the host, and their tags free again, before the
        # work dir goes (a tag registered for a deleted dir is never reused).
        for store_env in (env, servers_env):
            purge_store(store_env, Path(store_env["OSTACK_HOME"]))


def _measure(settings: Settings, area: Path, env: dict[str, str],
             servers_env: dict[str, str]) -> AreaResult:
    ostack = str(settings.ostack)
    result = AreaResult(notes=[f"ostack: {ostack}"])
    real = _real_client(settings)
    result.notes.append(real.label)

    programs: dict[str, Program] = {
        "version": ([ostack, "--version"], env),
        "help": ([ostack, "help"], env),
        "flavor list": ([ostack, "flavor", "list"], env),
        # What any cliff application pays before its own code runs: the interpreter of
        # ostack's venv importing cliff's App, Lister and ShowOne (and with them argparse,
        # logging, importlib.metadata and stevedore), nothing of ostack.
        "floor": ([venv_python(ostack), "-c", CLIFF_FLOOR], env),
    }
    if real.program is not None:
        real_env = child_env(area / "home-real", settings)
        programs["real version"] = ([str(real.program), "--version"], real_env)
        programs["real help"] = ([str(real.program), "help"], real_env)
    servers = _server_list(settings, servers_env)
    if not isinstance(servers, str):
        programs["server list"] = servers
    # All in turns: the ratios and the target compare programs under the same load.
    cells = measure(programs, runs=settings.runs, warmups=settings.warmups, cwd=area)

    no_real = f"n/a ({real.reason})"
    result.rows += [
        Row("--version", cells["version"], cells.get("real version", no_real)),
        Row("help (lists every command)", cells["help"], cells.get("real help", no_real)),
        Row("flavor list", cells["flavor list"], NEEDS_A_CLOUD),
        Row("floor: Python + cliff's imports, no ostack code", cells["floor"], "n/a"),
        Row(f"server list ({SERVER_COUNT} servers)",
            cells["server list"] if isinstance(servers, tuple) else servers, NEEDS_A_CLOUD),
    ]
    result.targets.append(
        flavor_list_target(cells["flavor list"], cells.get("real version", no_real))
    )
    floor, real_version = cells["floor"], cells.get("real version")
    if isinstance(floor, Measurement) and isinstance(real_version, Measurement):
        budget = real_version.median_ms / TARGET_FACTOR
        result.notes.append(
            f"the target's budget is {budget:.0f} ms; importing cliff alone takes "
            f"{floor.median_ms:.0f} ms ({floor.median_ms / budget:.0%} of it)"
        )
    return result


def _real_client(settings: Settings) -> realclient.RealClient:
    if not settings.real_client:
        return realclient.RealClient(None, "skipped with --no-real-client")
    return realclient.ensure(lambda message: print(f"bench: {message}", file=sys.stderr))


def flavor_list_target(flavor_list: Cell, real_version: Cell) -> Target:
    description = (
        f"`ostack flavor list` at least {TARGET_FACTOR:g}x faster than `openstack --version`"
    )
    factor = ratio(real_version, flavor_list)
    if factor is None:
        missing = flavor_list if not isinstance(flavor_list, Measurement) else real_version
        return Target(description, None, f"no measurement: {missing}")
    assert isinstance(real_version, Measurement) and isinstance(flavor_list, Measurement)
    detail = (
        f"{real_version.median_ms:.0f} ms / {flavor_list.median_ms:.1f} ms = {factor:.1f}x"
    )
    return Target(description, factor >= TARGET_FACTOR, detail)


def _server_list(settings: Settings, env: dict[str, str]) -> Program | str:
    """``ostack server list`` on a store of SERVER_COUNT servers, or why there is none."""
    home = Path(env["OSTACK_HOME"])
    ostack = str(settings.ostack)
    try:
        if not has_command(ostack, env, "server", "list"):
            return "n/a (server list not implemented yet)"
        check([ostack, "flavor", "list"], env)  # makes and seeds the store the CLI's way
        seed_servers(home, SERVER_COUNT)
    except Exception as exc:  # reported in the table; the other rows still run
        return f"n/a (could not prepare {SERVER_COUNT} servers: {exc})"
    return [ostack, "server", "list"], env


def has_command(ostack: str, env: dict[str, str], *words: str) -> bool:
    """Whether ``ostack help WORDS`` shows that command's own usage.

    The exit status alone is not enough: for an unknown command whose first word starts other
    commands, ``help`` lists those and exits 0.
    """
    try:
        run = check([ostack, "help", *words], env)
    except CommandFailed:
        return False
    usage = " ".join(run.stdout.split())
    return f"usage: {Path(ostack).name} {' '.join(words)} " in usage


def seed_servers(state_dir: Path, count: int) -> None:
    """Store ``count`` ACTIVE server records through the local backend, booting nothing.

    Creating them with ``server create`` would boot a guest each; the records alone are what
    ``server list`` reads. The store must exist already (any ostack command makes it).
    """
    # Imported here: only needed once `server list` exists, and the runner stays importable.
    from ostack_cli.backend.local import LocalBackend
    from ostack_cli.backend.models import new_id, utcnow
    from ostack_cli.backend.models.server import RUNNING, Server

    backend = LocalBackend.open(state_dir=state_dir)
    try:
        flavor = backend.find_flavor("m1.tiny")
        fields = {field.name for field in dataclasses.fields(Server)}
        now = utcnow()
        with backend.store.transaction():
            for index in range(count):
                name = f"bench-{index:03d}"
                values: dict[str, Any] = {
                    "id": new_id(), "name": name, "hostname": name,
                    "project_id": backend.project_id, "user_id": backend.user_id,
                    "flavor_id": flavor.id, "vm_state": "active", "task_state": None,
                    "power_state": RUNNING, "created_at": now, "updated_at": now,
                    "launched_at": now,
                }
                backend.store.insert(Server(**{k: v for k, v in values.items() if k in fields}))
    finally:
        backend.close()
