"""The host reconciler at scale (issue 9): ``ostack host sync`` with 50 guests on 20 networks
behind one router, every port filtered by a group of 200 rules.

The store is built in-process under libvirt's test driver (which drives no host), so no guest
is booted; the timed commands then run against the real host, where the 50 servers have no
domains but their ports still get bridges, DHCP servers and filters. Needs root, ``ip``,
iptables and dnsmasq; otherwise it says why not. The store is purged from the host at the
end (``python -m ostack_cli.backend.local.reconcile purge``), whatever happened, and the area
fails if anything of it is left.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import (
    REPO,
    AreaResult,
    Cell,
    CommandFailed,
    Measurement,
    Row,
    Run,
    Settings,
    Target,
    check,
    child_env,
    measure,
    purge_store,
    reconcile,
    run_once,
    store_tag,
)

DESCRIPTION = "host sync converge at scale: 50 guests, 20 networks, 200 rules (real host)"
NETWORKS, SERVERS, RULES = 20, 50, 200
# "First" syncs need a purge before each; rule changes leave a rule each: fewer runs.
ONE_OFF_RUNS, QUICK_ONE_OFF_RUNS = 5, 3
FIRST_TARGET_MS, NOOP_TARGET_MS = 1000.0, 200.0
# The external network's range: the first of these that no route of the host overlaps.
EXTERNAL_CIDRS = ("192.168.237.0/24", "192.168.238.0/24", "172.31.237.0/24", "10.237.0.0/24")
RULE_PORT, PROBE_PORT = 10000, 30000
TOP_IMPORTS = 5
SIZE = f"{SERVERS} guests, {NETWORKS} networks, {RULES} rules"


def run(settings: Settings) -> AreaResult:
    reason = _unavailable()
    if reason:
        return AreaResult(rows=[Row(f"host sync, first ({SIZE})", reason)])
    base = Path(tempfile.mkdtemp(prefix="ostack-bench-host-"))
    base.chmod(0o755)  # dnsmasq must reach the host directory
    home = base / "home"
    env = child_env(base / "user", settings, OSTACK_HOME=str(home))
    ok = False
    try:
        result = _measure(settings, env, home)
        ok = True
        return result
    finally:
        left = purge_store(env, home)
        shutil.rmtree(base, ignore_errors=True)
        if left and ok:
            raise RuntimeError("left on the host after the purge: " + "; ".join(left))
        if left:
            print("bench: host: left on the host after the purge: " + "; ".join(left),
                  file=sys.stderr)


def _unavailable() -> str | None:
    if os.geteuid() != 0:
        return "n/a (needs root)"
    missing = [p for p in ("ip", "iptables-restore", "ebtables-restore", "dnsmasq")
               if shutil.which(p) is None]
    if missing:
        return f"n/a (not installed: {', '.join(missing)})"
    return None


# -- the store ----------------------------------------------------------------------------


def build_store(external_cidr: str) -> None:
    """Run in a child with ``OSTACK_HOME`` and ``OSTACK_LIBVIRT_URI=test:///default``: the
    records of the benchmark's cloud, made in-process (a few seconds, no host objects)."""
    import io

    from ostack_cli.backend.local import LocalBackend
    from ostack_cli.backend.models.image import ImageSpec
    from ostack_cli.backend.models.network import NetworkSpec, RouterSpec, SubnetSpec
    from ostack_cli.backend.models.security_group import (
        SecurityGroupRuleSpec,
        SecurityGroupSpec,
    )
    from ostack_cli.backend.models.server import NicRequest, ServerSpec

    if not os.environ.get("OSTACK_LIBVIRT_URI", "").startswith("test:"):
        raise SystemExit("build_store runs under libvirt's test driver only")
    backend = LocalBackend.open()
    try:
        unlimited = ("instances", "cores", "ram", "ports", "networks", "subnets",
                     "secgroup-rules")
        backend.set_quotas(backend.project_id, dict.fromkeys(unlimited, -1))
        external = backend.create_network(NetworkSpec(name="External", external=True))
        backend.create_subnet(SubnetSpec(name="External-subnet", network_id=external.id,
                                         cidr=external_cidr, enable_dhcp=False))
        router = backend.create_router(RouterSpec(name="router1",
                                                  external_network_id=external.id))
        networks = []
        for n in range(NETWORKS):
            network = backend.create_network(NetworkSpec(name=f"net{n:02d}"))
            subnet = backend.create_subnet(SubnetSpec(
                name=f"net{n:02d}-subnet", network_id=network.id, cidr=f"10.{n + 1}.0.0/24"))
            backend.add_router_interface(router, subnet=subnet)
            networks.append(network)
        image = backend.create_image(ImageSpec(name="bench", disk_format="raw"),
                                     io.BytesIO(bytes(1 << 20)))
        group = backend.create_security_group(SecurityGroupSpec(name="bench"))
        for n in range(RULES):
            backend.create_security_group_rule(SecurityGroupRuleSpec(
                security_group_id=group.id, protocol="tcp", port_range_min=RULE_PORT + n,
                port_range_max=RULE_PORT + n))
        for n in range(SERVERS):
            backend.create_servers(ServerSpec(
                name=f"s{n:02d}", flavor="m1.tiny", image=image.id,
                nics=[NicRequest(network=networks[n % NETWORKS].id)],
                security_groups=[group.id]))
    finally:
        backend.close()


def _build(env: dict[str, str]) -> str:
    cidr = _free_range()
    code = "import sys; from benchmarks.host import build_store; build_store(sys.argv[1])"
    check([sys.executable, "-c", code, cidr], {**env, "OSTACK_LIBVIRT_URI": "test:///default"},
          cwd=REPO)
    return cidr


def _free_range() -> str:
    out = subprocess.run(["ip", "-j", "-4", "route", "show", "table", "main"],
                         capture_output=True, text=True, check=True).stdout
    routed = [ipaddress.ip_network(r["dst"] if "/" in r["dst"] else f"{r['dst']}/32")
              for r in json.loads(out or "[]") if r.get("dst") not in (None, "default")]
    for cidr in EXTERNAL_CIDRS:
        if not any(ipaddress.ip_network(cidr).overlaps(r) for r in routed):
            return cidr
    raise RuntimeError(f"every candidate external range is routed already: {EXTERNAL_CIDRS}")


# -- measuring ----------------------------------------------------------------------------


def _measure(settings: Settings, env: dict[str, str], home: Path) -> AreaResult:
    ostack = str(settings.ostack)
    cidr = _build(env)
    one_off = QUICK_ONE_OFF_RUNS if settings.quick else ONE_OFF_RUNS
    notes = [f"host: {SIZE}, external range {cidr}, store tag {store_tag(home)}; the store is "
             "built under libvirt's test driver, then timed against the real host"]
    reconcile(env, "inventory")  # warms the reconciler's bytecode

    # The first sync on an empty host, then again after each purge (the first run also
    # claims the 20 DHCP ports in the store).
    first: list[Run] = []
    for n in range(one_off):
        if n:
            reconcile(env, "purge")
        first.append(_timed([ostack, "host", "sync"], env))
    made = reconcile(env, "inventory").splitlines()
    notes.append(f"host: first sync made {_census(made)}; each run: "
                 + ", ".join(f"{r.wall_ms:.0f}" for r in first) + " ms (the first also "
                 "claims the DHCP ports in the store, which makes it converge twice)")
    leftover = reconcile(env, "plan").strip()
    if leftover and leftover != "apply the store's firewall":
        notes.append(f"host: after the first sync a converge would still do: {leftover!r}")

    set_argv = [ostack, "server", "set", "--property", "bench=1", "s00"]
    sync_argv = [ostack, "host", "sync"]
    cells = measure({"sync": (sync_argv, env), "set": (set_argv, env)},
                    runs=settings.runs, warmups=settings.warmups)

    create_argv = [ostack, "security", "group", "rule", "create", "--protocol", "tcp"]
    delete_argv = [ostack, "security", "group", "rule", "delete"]
    create: list[Run] = []
    delete: list[Run] = []
    for n in range(one_off):
        made_rule = _timed([*create_argv, "--dst-port", str(PROBE_PORT + n), "bench", "-f",
                            "value", "-c", "id"], env)
        create.append(made_rule)
        delete.append(_timed([*delete_argv, made_rule.stdout.strip()], env))
    first_cell = _cell(sync_argv, first)
    rows = [
        Row(f"host sync, first ({SIZE})", first_cell),
        Row("host sync, no-op (deep)", cells["sync"]),
        Row("server set --property (converge, nothing to do)", cells["set"]),
        Row(f"security group rule create -> applied ({SERVERS} ports)",
            _cell(create_argv, create)),
        Row(f"security group rule delete -> applied ({SERVERS} ports)",
            _cell(delete_argv, delete)),
    ]
    targets = [
        _target(f"first `host sync` ({SIZE}) under {FIRST_TARGET_MS:.0f} ms", first_cell,
                FIRST_TARGET_MS),
        _target(f"no-op `host sync` under {NOOP_TARGET_MS:.0f} ms", cells["sync"],
                NOOP_TARGET_MS),
    ]
    if not (isinstance(cells["sync"], Measurement)
            and cells["sync"].median_ms < NOOP_TARGET_MS):
        notes.append("host: no-op `host sync`, slowest imports (python -X importtime, self "
                     "ms / cumulative ms): " + _slowest_imports(settings, env))
    return AreaResult(rows=rows, targets=targets, notes=notes)


def _timed(argv: Sequence[str], env: dict[str, str]) -> Run:
    run = run_once(argv, env, capture=True)
    if run.returncode != 0:
        raise CommandFailed(argv, run.returncode, run.stderr)
    return run


def _cell(argv: Sequence[str], runs: list[Run]) -> Measurement:
    return Measurement(argv=tuple(argv), wall_ms=tuple(r.wall_ms for r in runs),
                       cpu_ms=tuple(r.cpu_ms for r in runs),
                       max_rss_kb=tuple(r.max_rss_kb for r in runs))


def _target(description: str, cell: Cell, limit_ms: float) -> Target:
    if not isinstance(cell, Measurement):
        return Target(description, None, cell)
    return Target(description, cell.median_ms < limit_ms, f"median {cell.median_ms:.0f} ms")


def _census(inventory: list[str]) -> str:
    counts: dict[str, int] = {}
    for line in inventory:
        kind = line.split()[0]
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def _slowest_imports(settings: Settings, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-X", "importtime", str(settings.ostack), "host",
                           "sync"], env=env, capture_output=True, text=True, check=False)
    found = []
    for line in done.stderr.splitlines():
        matched = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if matched:
            found.append((int(matched[1]), int(matched[2]), matched[4]))
    if not found:
        return "none found"
    everything = sum(own for own, _, _ in found)
    found.sort(reverse=True)
    return f"{everything / 1000:.0f} ms in all; " + ", ".join(
        f"{name} {own / 1000:.1f}/{total / 1000:.1f}" for own, total, name in found[:TOP_IMPORTS])
