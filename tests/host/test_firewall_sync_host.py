"""The firewall-only converge on this host's own tables, end to end: the real ``ostack``
program on a scratch store (its own tag, so only its own chains and devices), whose
records are made under libvirt's test driver (no guest is booted: its ports' filters are
real all the same, as in the benchmarks' rule row). Unlike the sandbox tests beside it, this
one touches the host's iptables: the store is purged afterwards and must leave nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostack_cli.backend.local.names import HostNames

REPO = Path(__file__).resolve().parents[2]
OSTACK = str(REPO / ".venv" / "bin" / "ostack")
GROUP = "fw-sync"
PORTS = 3
RULE_PORT = 31234


def build() -> None:
    """In a child with ``OSTACK_HOME`` under libvirt's test driver: one network without DHCP
    and PORTS servers whose ports are in GROUP (which allows ssh)."""
    import io

    from ostack_cli.backend.local import LocalBackend
    from ostack_cli.backend.models.image import ImageSpec
    from ostack_cli.backend.models.network import NetworkSpec, SubnetSpec
    from ostack_cli.backend.models.security_group import (
        SecurityGroupRuleSpec,
        SecurityGroupSpec,
    )
    from ostack_cli.backend.models.server import NicRequest, ServerSpec

    assert os.environ["OSTACK_LIBVIRT_URI"].startswith("test:")
    backend = LocalBackend.open()
    try:
        network = backend.create_network(NetworkSpec(name="fw"))
        backend.create_subnet(SubnetSpec(name="fw-subnet", network_id=network.id,
                                         cidr="10.98.0.0/24", enable_dhcp=False))
        image = backend.create_image(ImageSpec(name="fw", disk_format="raw"),
                                     io.BytesIO(bytes(1 << 20)))
        group = backend.create_security_group(SecurityGroupSpec(name=GROUP))
        backend.create_security_group_rule(SecurityGroupRuleSpec(
            security_group_id=group.id, protocol="tcp", port_range_min=22, port_range_max=22))
        for n in range(PORTS):
            backend.create_servers(ServerSpec(
                name=f"fw{n}", flavor="m1.tiny", image=image.id,
                nics=[NicRequest(network=network.id)], security_groups=[group.id]))
    finally:
        backend.close()


class Store:
    def __init__(self, base: Path) -> None:
        self.home = base / "home"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("OS_", "OSTACK_"))}
        self.env.update(OSTACK_HOME=str(self.home), HOME=str(base / "user"),
                        OSTACK_CLOUDS_YAML=str(base / "clouds.yaml"))

    def ok(self, *args: str) -> str:
        done = subprocess.run([OSTACK, *args], capture_output=True, text=True, env=self.env,
                              timeout=120, check=False)
        assert done.returncode == 0, f"ostack {' '.join(args)}: {done.stderr}"
        return done.stdout

    def loading(self, modules: list[str], *args: str) -> tuple[str, list[str]]:
        """Run ``ostack args`` (it must exit 0): its output, and which of ``modules`` it
        imported."""
        code = ("import json, sys\nfrom ostack_cli.main import main\nrc = main(sys.argv[1:])\n"
                f"print(rc, json.dumps([m for m in {modules!r} if m in sys.modules]))\n")
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                              text=True, env=self.env, timeout=120, check=False, cwd=REPO)
        *out, last = done.stdout.splitlines() or [""]
        assert last.startswith("0 "), done.stderr
        loaded: list[str] = json.loads(last[2:])
        return "\n".join(out), loaded

    def reconcile(self, verb: str) -> str:
        done = subprocess.run([sys.executable, "-m", "ostack_cli.backend.local.reconcile",
                               verb], capture_output=True, text=True, env=self.env,
                              timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    @property
    def names(self) -> HostNames:
        import sqlite3

        with sqlite3.connect(self.home / "state.db") as db:
            row = db.execute("SELECT value FROM settings WHERE key = 'host_tag'").fetchone()
        return HostNames(str(row[0]).strip('"'))


@pytest.fixture
def store() -> Iterator[Store]:
    base = Path(tempfile.mkdtemp(prefix="ostack-fwsync-"))
    base.chmod(0o755)
    made = Store(base)
    try:
        subprocess.run([sys.executable, "-c",
                        "from tests.host.test_firewall_sync_host import build; build()"],
                       env={**made.env, "OSTACK_LIBVIRT_URI": "test:///default"}, cwd=REPO,
                       check=True, capture_output=True, timeout=300)
        yield made
    finally:
        left = []
        if (made.home / "state.db").exists():
            made.reconcile("purge")
            left = made.reconcile("inventory").split()
        shutil.rmtree(base, ignore_errors=True)
        assert not left, f"left on the host after the purge: {left}"


def _store_rules(names: HostNames) -> list[str]:
    saved = subprocess.run(["iptables-save", "-t", "filter"], capture_output=True, text=True,
                           check=True).stdout
    return [line for line in saved.splitlines()
            if line.startswith(f"-A {names.object_prefix}")]


def _forward_rules(names: HostNames) -> int:
    listed = subprocess.run(["iptables", "-w", "-S", names.chain("FORWARD")],
                            capture_output=True, text=True, check=True).stdout
    return sum(1 for line in listed.splitlines() if line.startswith("-A "))


def _bridges(names: HostNames) -> list[str]:
    return [d for d in os.listdir("/sys/class/net")
            if d.startswith(names.device_prefix + "b")]


def test_a_rule_command_converges_the_firewall_alone(store: Store) -> None:
    store.ok("host", "sync")  # every port's filter in place, and the bridge
    names = store.names
    bridges = _bridges(names)
    assert bridges, "the ports' network has its bridge"
    forward = _forward_rules(names)
    # Taken away behind the store's back: a full converge would lay it out again, the
    # firewall-only one does not look at devices.
    for bridge in bridges:
        subprocess.run(["ip", "link", "del", bridge], check=True)

    out, loaded = store.loading(["ostack_cli.backend.local.reconcile"], "security", "group",
                                "rule", "create", "--protocol", "tcp", "--dst-port",
                                str(RULE_PORT), GROUP, "-f", "value", "-c", "id")
    rule = out.strip()
    assert loaded == [], "the reconciler is not even imported"
    assert any(f"--dport {RULE_PORT} " in line for line in _store_rules(names)), \
        "the rule is in iptables when the command returns"
    assert _bridges(names) == [], "only the firewall was converged"
    assert _forward_rules(names) == forward, "one shared rule set: FORWARD is unchanged"
    # The full converge takes that apply for its own (the same digest), the bridge aside.
    plan = store.reconcile("plan")
    assert "apply the store's firewall" not in plan and "bring bridge" in plan, plan

    store.ok("security", "group", "rule", "delete", rule)
    assert not any(f"--dport {RULE_PORT} " in line for line in _store_rules(names))
    assert _bridges(names) == []


def test_a_flushed_store_chain_is_rebuilt_by_the_next_rule_command(store: Store) -> None:
    store.ok("host", "sync")
    names = store.names
    forward = _forward_rules(names)
    assert forward > 0
    subprocess.run(["iptables", "-w", "-F", names.chain("FORWARD")], check=True)
    assert _forward_rules(names) == 0

    # An IPv6 rule: its text changes nothing in the IPv4 table, which only the check of
    # the FORWARD chain can tell is out of line.
    store.ok("security", "group", "rule", "create", "--ethertype", "IPv6", "--protocol",
             "udp", "--dst-port", str(RULE_PORT), GROUP)
    assert _forward_rules(names) == forward, "the flush was seen and FORWARD rebuilt"
    saved6 = subprocess.run(["ip6tables-save", "-t", "filter"], capture_output=True,
                            text=True, check=True).stdout
    assert f"--dport {RULE_PORT} " in saved6
    assert "apply the store's firewall" not in store.reconcile("plan")
