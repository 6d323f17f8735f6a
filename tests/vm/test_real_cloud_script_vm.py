"""A real cloud user's script (tests/scripts/real_cloud_user.sh), unchanged, on the local
backend with a real guest: discovery, a network with a router to the External network, a
security group and a key, a server reached over ssh through its floating IP, a snapshot, a
resize (and ssh again), a port forwarded to the guest's sshd, and a cleanup that leaves the
store and the host as they were.

The script is ostack's ``openstack`` program's (this venv's ``bin`` first on PATH); its ssh
runs from a namespace on the External network (the host itself never reaches guests)."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from tests.vm.conftest import REPO, Host
from tests.vm.test_article import outside

pytestmark = [pytest.mark.slow, pytest.mark.vm]

SCRIPT = REPO / "tests" / "scripts" / "real_cloud_user.sh"


def test_the_script_runs_unchanged_on_the_local_backend(host: Host) -> None:
    host.ok("bootstrap")
    before = sorted(host.ids("network") + host.ids("router"))
    on_host_before = without_cache(host.inventory())
    prefix = f"rcu-{uuid.uuid4().hex[:6]}"
    with outside(host) as world:
        env = {**host.env, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
               "IMAGE": "cirros", "FLAVOR": "m1.tiny", "BIGGER_FLAVOR": "m1.small",
               "EXTERNAL_NETWORK": "External", "BOOT": "1", "RESIZE": "1",
               "SSH": f"ip netns exec {world} ssh", "PREFIX": prefix}
        done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env,
                              timeout=1800, check=False)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert done.stdout.splitlines() == [
        "== what the cloud offers", "== network API 2.0", "== port forwarding: yes",
        "== network", "== security group and key", "== server", f"== {prefix}-vm is ACTIVE",
        "== floating IP attached", "== logged in over the floating IP", "== snapshot",
        "== snapshot active", "== resize", f"== {prefix}-vm is VERIFY_RESIZE",
        f"== {prefix}-vm is ACTIVE", "== flavor now m1.small",
        "== logged in again after the resize", "== port forwarding",
        "== forwarded ports: 2222", "== logged in through the forwarded port",
        "== all good", "== cleaning up", "== done (exit 0)"]
    # Everything the script made is gone, from the store and from the host.
    assert host.ids("server") == [] and host.ids("floating_ip") == []
    assert sorted(host.ids("network") + host.ids("router")) == before
    for kind in ("image", "security group", "keypair"):
        names = host.ok(*kind.split(), "list", "-f", "value", "-c", "Name").out.split()
        assert not [name for name in names if name.startswith(prefix)], kind
    # The image cache keeps the boot image (it still exists); nothing else is new.
    assert without_cache(host.inventory()) == on_host_before


def without_cache(inventory: list[str]) -> list[str]:
    return [line for line in inventory if "_base/" not in line]
