"""The orphan sweep against the real host (``backend.local.orphans``): a store deleted without
a purge loses every chain, device, namespace and process of its tag; a live store beside it
keeps every one of its own. Root only; no guest is booted (a router on a network is the
cheapest thing that makes chains, devices, a namespace and a metadata proxy).

The sweep is limited to the two scratch stores' tags (``only``): orphans other people's runs
left on this host are theirs to look at (``make clean-host``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostack_cli.backend.local import host, orphans
from tests.vm.conftest import OSTACK, PYTHON

pytestmark = [pytest.mark.slow, pytest.mark.vm]


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("ip", "iptables-restore", "ip6tables-restore", "ebtables-restore"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (make setup)"
    return None


class Scratch:
    """A store of its own under a fresh directory, driven by the real ``ostack``."""

    def __init__(self, base: Path) -> None:
        self.home = base / "home"
        self.env = {**os.environ, "OSTACK_HOME": str(self.home),
                    "OSTACK_CLOUDS_YAML": str(base / "clouds.yaml")}
        for name in ("OS_CLOUD", "OS_AUTH_URL", "OSTACK_LIBVIRT_URI", "OSTACK_HOST_DIR"):
            self.env.pop(name, None)
        self.tag: str | None = None

    def __call__(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=300,
                              check=False)

    def ok(self, *args: str) -> str:
        done = self(OSTACK, *args)
        assert done.returncode == 0, f"ostack {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    def router_on_a_network(self, cidr: str) -> None:
        self.ok("network", "create", "n")
        self.ok("subnet", "create", "--network", "n", "--subnet-range", cidr, "s")
        self.ok("router", "create", "r")
        self.ok("router", "add", "subnet", "r", "s")
        conn = sqlite3.connect(self.home / "state.db")
        try:
            rows = list(conn.execute("SELECT value FROM settings WHERE key = 'host_tag'"))
        finally:
            conn.close()
        self.tag = rows[0][0]

    def inventory(self) -> list[str]:
        done = self(PYTHON, "-m", "ostack_cli.backend.local.reconcile", "inventory")
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()


@contextlib.contextmanager
def _scratch() -> Iterator[Scratch]:
    base = Path(tempfile.mkdtemp(prefix="ostack-orphantest-"))
    base.chmod(0o755)  # dnsmasq and the metadata proxy run as other users
    store = Scratch(base)
    try:
        yield store
    finally:
        # Whatever the test did, nothing of this store's is left: a purge while its directory
        # is there, else a sweep of its tag alone.
        try:
            if store.home.exists():
                purged = store(PYTHON, "-m", "ostack_cli.backend.local.reconcile", "purge")
                assert purged.returncode == 0, purged.stderr
            elif store.tag is not None:
                swept = orphans.sweep(orphans.default_hypervisor(), only={store.tag})
                assert not swept.faults, swept.faults
        finally:
            shutil.rmtree(base, ignore_errors=True)


def _tagged(tag: str) -> list[str]:
    """Every object of the tag's on the host now (guests aside)."""
    return orphans.objects_by_tag(orphans.look(None)).get(tag, [])


def test_sweep_removes_a_dead_stores_objects_and_nothing_of_a_live_one() -> None:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    with _scratch() as dead, _scratch() as live:
        dead.router_on_a_network("10.231.7.0/24")
        live.router_on_a_network("10.231.8.0/24")
        assert dead.tag is not None and live.tag is not None and dead.tag != live.tag
        made = _tagged(dead.tag)
        for kind in ("chain", "device", "namespace", "metadata-proxy"):
            assert any(line.startswith(f"{kind} ") for line in made), (kind, made)
        live_before = live.inventory()
        assert any(line.startswith("device ") for line in live_before), live_before

        shutil.rmtree(dead.home)  # deleted without a purge: its objects are orphans now

        # A dry run (through the command, from the live store) names the dead tag, removes
        # nothing, and does not name the live one.
        dry = live(OSTACK, "host", "sync", "--orphans", "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert any(line.startswith(f"{dead.tag}: would remove ") for line in
                   dry.stdout.splitlines()), dry.stdout
        assert not any(line.startswith(f"{live.tag}:") for line in dry.stdout.splitlines())
        assert _tagged(dead.tag) == made

        swept = orphans.sweep(orphans.default_hypervisor(), only={dead.tag, live.tag})
        assert not swept.faults, swept.faults
        assert [v.tag for v in swept.removed] == [dead.tag]
        assert _tagged(dead.tag) == []
        assert not (host.TAG_REGISTRY / dead.tag).exists()  # its registry entry went too
        assert (host.TAG_REGISTRY / live.tag).read_text().strip() == str(live.home)
        assert live.inventory() == live_before

        # Nothing left of it: a second sweep has nothing to say.
        again = orphans.sweep(orphans.default_hypervisor(), only={dead.tag, live.tag})
        assert orphans.report(again) == ([], [], [])
