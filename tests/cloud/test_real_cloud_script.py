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


def leftovers(clients: SideBySide, prefix: str) -> list[str]:
    found = []
    for kind in (("server",), ("network",), ("router",), ("security", "group"), ("keypair",),
                 ("image",)):
        listed = clients.openstack(*kind, "list", "-f", "value", "-c", "Name")
        found += [f"{' '.join(kind)} {name}" for name in listed.out.split()
                  if name.startswith(prefix)]
    return found


def test_the_script_runs_unchanged_with_both_clients(clients: SideBySide) -> None:
    if clients.real is None:
        pytest.skip("the real client is not available")
    outputs = []
    for bin_dir, who in ((clients.real.parent, "real"), (OSTACK_BIN, "ostack")):
        prefix = f"rcu-{who}-{uuid.uuid4().hex[:6]}"
        done = run_script(clients, bin_dir, prefix)
        assert done.returncode == 0, f"{who}: {done.stdout}\n{done.stderr}"
        assert leftovers(clients, prefix) == [], who
        outputs.append(done.stdout.replace(prefix, "<prefix>"))
    assert outputs[0] == outputs[1]
    assert outputs[1].splitlines() == [
        "== what the cloud offers", "== network API 2.0", "== port forwarding: no",
        "== network", "== security group and key", "== server", "== <prefix>-vm is ACTIVE",
        "== floating IP attached", "== snapshot", "== snapshot queued", "== all good",
        "== cleaning up", "== done (exit 0)"]
