"""A real cloud user's script (tests/scripts/real_cloud_user.sh), unchanged, against realstack:
first with the real client (the script is right for a real cloud), then with ostack's cloud
backend; both say the same and leave nothing behind.

realstack's servers are imaginary (Nova's fake driver: no console, no ssh, no snapshot data)
and its one compute host does not take resizes to itself: the script is told so (``BOOT=0
RESIZE=0``) and runs the rest: discovery, network, router, security group, keypair, server,
floating IP, snapshot request, cleanup. Its Neutron has no port forwarding, which the script
finds out itself (``extension list``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.cloud.conftest import SideBySide

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "real_cloud_user.sh"
OSTACK_BIN = Path(sys.executable).parent  # its `openstack` is ostack's


def run_script(clients: SideBySide, bin_dir: Path, prefix: str) -> subprocess.CompletedProcess[str]:
    env = {**clients.env, "OS_CLOUD": clients.target.admin,
           "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "IMAGE": "tiny", "FLAVOR": "m1.tiny", "EXTERNAL_NETWORK": "public",
           "BOOT": "0", "RESIZE": "0", "PREFIX": prefix}
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env,
                          timeout=1200, check=False)


KINDS = (("server",), ("network",), ("router",), ("security", "group"), ("keypair",),
         ("image",))


def leftovers(clients: SideBySide) -> list[str]:
    """Every server, network, router, security group, keypair and image, by name (listed at
    once: each listing is a process start and a token)."""
    def names(kind: tuple[str, ...]) -> list[str]:
        listed = clients.openstack(*kind, "list", "-f", "value", "-c", "Name")
        assert listed.rc == 0, listed.err
        return [f"{' '.join(kind)} {name}" for name in listed.out.split()]

    with ThreadPoolExecutor(max_workers=3) as pool:
        return [found for listed in pool.map(names, KINDS) for found in listed]


def test_the_script_runs_unchanged_with_both_clients(clients: SideBySide) -> None:
    if clients.real is None:
        pytest.skip("the real client is not available")
    # The two runs make only their own prefix's resources: they run at the same time.
    runs = [(bin_dir, who, f"rcu-{who}-{uuid.uuid4().hex[:6]}")
            for bin_dir, who in ((clients.real.parent, "real"), (OSTACK_BIN, "ostack"))]
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        finished = list(pool.map(lambda run: run_script(clients, run[0], run[2]), runs))
    for (_, who, _), done in zip(runs, finished, strict=True):
        assert done.returncode == 0, f"{who}: {done.stdout}\n{done.stderr}"
    remaining = leftovers(clients)
    outputs = []
    for (_, who, prefix), done in zip(runs, finished, strict=True):
        # "server <prefix>-vm": a name's kind, then the name.
        assert [r for r in remaining if r.split()[-1].startswith(prefix)] == [], who
        outputs.append(done.stdout.replace(prefix, "<prefix>"))
    assert outputs[0] == outputs[1]
    assert outputs[1].splitlines() == [
        "== what the cloud offers", "== network API 2.0", "== port forwarding: no",
        "== network", "== security group and key", "== server", "== <prefix>-vm is ACTIVE",
        "== floating IP attached", "== snapshot", "== snapshot queued", "== all good",
        "== cleaning up", "== done (exit 0)"]
