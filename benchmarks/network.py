"""Networking on this host: a security group rule or a floating IP to the first ping answered,
and the cost of applying one rule change as ports and rules grow.

Needs root, libvirtd and the test guest image (``make setup``); otherwise it says why not.
Whatever happens, the store is purged from the host at the end (``python -m
ostack_cli.backend.local.reconcile purge``) and the area fails if anything of it is left.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

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
    median,
    purge_store,
    run_once,
    store_tag,
)
from benchmarks.compute import _unavailable, _wait_for

if TYPE_CHECKING:
    from ostack_cli.backend.local.firewall import HostGuard, PortFilter

DESCRIPTION = "rule -> ping, floating IP -> ping (real guest), ruleset apply cost (namespace)"
RUNS, QUICK_RUNS = 5, 2
APPLY_SIZES = ((5, 200), (20, 200), (40, 200))
PING_TIMEOUT = 30.0
# Issue 13: `security group rule create` with 200 rules on 40 ports, command to applied rules.
RULE_PORTS, RULE_COUNT, RULE_TARGET_MS = 40, 200, 300.0
RULE_PORT, PROBE_PORT = 10000, 30000


def run(settings: Settings) -> AreaResult:
    reason = _unavailable()
    rows, targets = _rule_create_rows(settings) if os.geteuid() == 0 else ([], [])
    rows += _apply_rows(settings) if os.geteuid() == 0 else []
    if reason:
        return AreaResult(rows=[Row("security group rule -> first ping", reason), *rows],
                          targets=targets)
    base = Path(tempfile.mkdtemp(prefix="ostack-bench-net-"))
    base.chmod(0o755)
    home = base / "home"
    env = child_env(base / "user", settings, OSTACK_HOME=str(home))
    ostack = str(settings.ostack)
    world = f"ostack-bench-out-{uuid.uuid4().hex[:6]}"
    # Not "ost...": every store's devices are "ost" + its tag, and observation lists them.
    leg = f"benchout{uuid.uuid4().hex[:6]}"
    ok = False
    try:
        result = _measure(settings, ostack, env, base, world, leg, rows)
        result.targets[:0] = targets
        ok = True
        return result
    finally:
        subprocess.run(["ip", "netns", "del", world], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", leg], capture_output=True, check=False)
        left = purge_store(env, home)
        shutil.rmtree(base, ignore_errors=True)
        if left:
            message = "left on the host after the purge: " + "; ".join(left)
            if ok:
                raise RuntimeError(message)
            print(f"bench: network: {message}", file=sys.stderr)


def _measure(settings: Settings, ostack: str, env: dict[str, str], base: Path, world: str,
             leg: str, rows: list[Row]) -> AreaResult:
    check([ostack, "bootstrap"], env)  # External, private, router1 and the cirros image
    made = check([ostack, "server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                  "--nic", "net-id=private", "--wait", "vm", "-f", "json"], env)
    server = json.loads(made.stdout)
    _wait_for(base / "home-host" / "instances" / server["id"] / "console.log",
              "ostack-guest: ready")
    _outside(ostack, env, base / "home", world, leg)  # the store's OSTACK_HOME
    group = next(g["ID"] for g in json.loads(check(
        [ostack, "security", "group", "list", "-f", "json"], env).stdout) if g["Name"] == "default")
    runs = QUICK_RUNS if settings.quick else RUNS
    rule_ms, fip_ms = [], []
    fip = check([ostack, "floating", "ip", "create", "External", "-f", "value", "-c",
                 "floating_ip_address"], env).stdout.strip()
    check([ostack, "server", "add", "floating", "ip", "vm", fip], env)
    for _ in range(runs):
        start = time.perf_counter()
        rule = check([ostack, "security", "group", "rule", "create", "--protocol", "icmp",
                      group, "-f", "value", "-c", "id"], env).stdout.strip()
        rule_ms.append(_first_ping(world, fip, start))
        check([ostack, "security", "group", "rule", "delete", rule], env)
    check([ostack, "security", "group", "rule", "create", "--protocol", "icmp", group], env)
    for _ in range(runs):
        check([ostack, "server", "remove", "floating", "ip", "vm", fip], env)
        start = time.perf_counter()
        check([ostack, "server", "add", "floating", "ip", "vm", fip], env)
        fip_ms.append(_first_ping(world, fip, start))
    rows = [
        Row("security group rule create -> first ping", _cell("rule", rule_ms)),
        Row("server add floating ip -> first ping", _cell("fip", fip_ms)),
        *rows,
    ]
    median_rule = median(rule_ms)  # as the table shows it
    targets = [Target("a new ICMP rule lets the ping through within 2 s", median_rule < 2000,
                      f"median {median_rule:.0f} ms")]
    return AreaResult(rows=rows, targets=targets)


def _outside(ostack: str, env: dict[str, str], home: Path, world: str, leg: str) -> None:
    """A namespace on the External network's bridge: the world a floating IP answers."""
    from ostack_cli.backend.local.names import HostNames

    tag = store_tag(home)
    if tag is None:
        raise RuntimeError(f"the store in {home} has no host tag (setting host_tag)")
    port = json.loads(check([ostack, "port", "create", "--network", "External",
                             "--no-security-group", "bench-outside", "-f", "json"], env).stdout)
    address = port["fixed_ips"][0]["ip_address"]
    network = check([ostack, "network", "show", "External", "-f", "value", "-c", "id"], env)
    for argv in (["ip", "netns", "add", world],
                 ["ip", "link", "add", leg, "type", "veth", "peer", "name", "eth0", "netns",
                  world],
                 ["ip", "link", "set", leg, "master",
                  HostNames(tag).bridge(network.stdout.strip()), "up"],
                 ["ip", "-n", world, "addr", "add", f"{address}/24", "dev", "eth0"],
                 ["ip", "-n", world, "link", "set", "eth0", "up"]):
        subprocess.run(argv, check=True)


def _first_ping(world: str, address: str, start: float) -> float:
    deadline = time.monotonic() + PING_TIMEOUT
    while time.monotonic() < deadline:
        done = subprocess.run(["ip", "netns", "exec", world, "ping", "-c1", "-W1", address],
                              capture_output=True, check=False)
        if done.returncode == 0:
            return (time.perf_counter() - start) * 1000
    raise RuntimeError(f"no ping answered from {address} within {PING_TIMEOUT:.0f} s")


def build_rule_store() -> None:
    """Run in a child with ``OSTACK_HOME`` and ``OSTACK_LIBVIRT_URI=test:///default``: one
    network (no DHCP), a group of RULE_COUNT rules and RULE_PORTS servers whose ports are in
    it, made in-process (no guest is booted: the test driver drives no host)."""
    import io

    from ostack_cli.backend.local import LocalBackend
    from ostack_cli.backend.models.image import ImageSpec
    from ostack_cli.backend.models.network import NetworkSpec, SubnetSpec
    from ostack_cli.backend.models.security_group import (
        SecurityGroupRuleSpec,
        SecurityGroupSpec,
    )
    from ostack_cli.backend.models.server import NicRequest, ServerSpec

    if not os.environ.get("OSTACK_LIBVIRT_URI", "").startswith("test:"):
        raise SystemExit("build_rule_store runs under libvirt's test driver only")
    backend = LocalBackend.open()
    try:
        unlimited = ("instances", "cores", "ram", "ports", "secgroup-rules")
        backend.set_quotas(backend.project_id, dict.fromkeys(unlimited, -1))
        network = backend.create_network(NetworkSpec(name="rules"))
        backend.create_subnet(SubnetSpec(name="rules-subnet", network_id=network.id,
                                         cidr="10.99.0.0/24", enable_dhcp=False))
        image = backend.create_image(ImageSpec(name="bench", disk_format="raw"),
                                     io.BytesIO(bytes(1 << 20)))
        group = backend.create_security_group(SecurityGroupSpec(name="bench"))
        for n in range(RULE_COUNT):
            backend.create_security_group_rule(SecurityGroupRuleSpec(
                security_group_id=group.id, protocol="tcp", port_range_min=RULE_PORT + n,
                port_range_max=RULE_PORT + n))
        for n in range(RULE_PORTS):
            backend.create_servers(ServerSpec(
                name=f"s{n:02d}", flavor="m1.tiny", image=image.id,
                nics=[NicRequest(network=network.id)], security_groups=[group.id]))
    finally:
        backend.close()


def _rule_create_rows(settings: Settings) -> tuple[list[Row], list[Target]]:
    """``security group rule create`` on a group of RULE_COUNT rules that RULE_PORTS ports
    share, timed from the command to its return, which is once the host's filters hold the
    new rule (the command converges the host before it exits). The records are made under
    libvirt's test driver (no guest is booted), then timed on the real host, as the host
    area does: the servers have no domains, their ports' filters are real. The store is
    purged afterwards."""
    label = (f"security group rule create -> applied ({RULE_PORTS} ports x {RULE_COUNT} "
             "rules)")
    description = f"{label} under {RULE_TARGET_MS:.0f} ms"
    base = Path(tempfile.mkdtemp(prefix="ostack-bench-rules-"))
    base.chmod(0o755)
    home = base / "home"
    env = child_env(base / "user", settings, OSTACK_HOME=str(home),
                    OSTACK_CLOUDS_YAML=str(base / "clouds.yaml"))
    ostack = str(settings.ostack)
    cell: Cell
    try:
        code = "from benchmarks.network import build_rule_store; build_rule_store()"
        check([sys.executable, "-c", code], {**env, "OSTACK_LIBVIRT_URI": "test:///default"},
              cwd=REPO)
        check([ostack, "host", "sync"], env)  # every port's filter exists before timing
        runs: list[Run] = []
        for n in range(settings.warmups + (QUICK_RUNS if settings.quick else RUNS)):
            argv = [ostack, "security", "group", "rule", "create", "--protocol", "tcp",
                    "--dst-port", str(PROBE_PORT + n), "bench", "-f", "value", "-c", "id"]
            made = run_once(argv, env, capture=True)
            if made.returncode != 0:
                raise CommandFailed(argv, made.returncode, made.stderr)
            if n == 0 and f"--dport {PROBE_PORT}" not in _iptables_rules():
                raise RuntimeError("the new rule was not in the host's iptables on return")
            if n >= settings.warmups:
                runs.append(made)
            check([ostack, "security", "group", "rule", "delete", made.stdout.strip()], env)
        cell = Measurement(argv=("security group rule create",),
                           wall_ms=tuple(r.wall_ms for r in runs),
                           cpu_ms=tuple(r.cpu_ms for r in runs),
                           max_rss_kb=tuple(r.max_rss_kb for r in runs))
    except Exception as exc:  # reported in the table; the other rows still run
        cell = f"n/a ({exc})"
    finally:
        left = purge_store(env, home)
        shutil.rmtree(base, ignore_errors=True)
        if left:
            raise RuntimeError("left on the host after the purge: " + "; ".join(left))
    if isinstance(cell, Measurement):
        target = Target(description, cell.median_ms < RULE_TARGET_MS,
                        f"median {cell.median_ms:.0f} ms")
    else:
        target = Target(description, None, cell)
    return [Row(label, cell)], [target]


def _iptables_rules() -> str:
    return subprocess.run(["iptables-save", "-t", "filter"], capture_output=True, text=True,
                          check=False).stdout


def _apply_rows(settings: Settings) -> list[Row]:
    """One rule added to a group every port shares, applied in a throwaway namespace with
    the chains of a throwaway store tag."""
    from ostack_cli.backend.local.firewall import HostGuard, PortFilter, RuleSpec
    from ostack_cli.backend.local.names import HostNames, new_tag

    guard = HostGuard(names=HostNames(new_tag()))
    namespace = f"ostack-bench-fw-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    rows = []
    try:
        for count, nrules in APPLY_SIZES:
            base = tuple(RuleSpec(direction="ingress", protocol="tcp", port_range_min=1000 + i,
                                  port_range_max=1000 + i) for i in range(nrules))
            ports = []
            for n in range(count):
                port_id = str(uuid.UUID(int=(n + 1) << 96))
                ports.append(PortFilter(port_id=port_id, tap=guard.names.tap(port_id),
                                        mac=f"fa:16:3e:00:00:{n:02x}",
                                        fixed_ips=(f"10.0.0.{n + 10}",), rules=base))
            _apply(ports, guard, namespace)
            times = []
            for i in range(QUICK_RUNS if settings.quick else RUNS):
                extra = RuleSpec(direction="ingress", protocol="udp", port_range_min=i + 1,
                                 port_range_max=i + 1)
                changed = [dataclasses.replace(p, rules=(*base, extra)) for p in ports]
                start = time.perf_counter()
                _apply(changed, guard, namespace)
                times.append((time.perf_counter() - start) * 1000)
            rows.append(Row(f"apply one rule change, {count} ports x {nrules} rules",
                            _cell("apply", times)))
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=False)
    return rows


def _apply(ports: list[PortFilter], guard: HostGuard, namespace: str) -> None:
    """What a converge's firewall step does: check each port, apply those that render."""
    from ostack_cli.backend.local import firewall, iptables

    good, failed = firewall.check_ports(ports, guard)
    if failed:
        raise RuntimeError(f"ports that do not render: {failed}")
    iptables.apply_firewall(good, guard, namespace=namespace)


def _cell(name: str, wall_ms: list[float]) -> Measurement:
    zeros = tuple(0.0 for _ in wall_ms)
    return Measurement(argv=(name,), wall_ms=tuple(wall_ms), cpu_ms=zeros,
                       max_rss_kb=tuple(0 for _ in wall_ms))
