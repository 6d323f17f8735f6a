"""Real guests: libvirtd + QEMU (TCG), bridges and dnsmasq in namespaces. Root only.

Each test gets its own state and host directories under a fresh /tmp/ostack-vmtest-* and
removes every domain, device, namespace and process its store knows of, even on failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Result

REPO = Path(__file__).resolve().parents[2]
OSTACK = str(REPO / ".venv" / "bin" / "ostack")
IMAGE_DIR = Path(os.environ.get("OSTACK_IMAGE_DIR", "/var/cache/ostack/images"))


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("qemu-system-x86_64") is None:
        return "qemu-system-x86_64 is not installed (make setup)"
    probe = subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True,
                           check=False)
    if probe.returncode != 0:
        return "libvirtd is not running (make setup starts it)"
    if not (IMAGE_DIR / "ostack-test.qcow2").exists():
        return f"no test guest image in {IMAGE_DIR} (tools/guest-image/build.sh)"
    return None


class Host:
    """Runs the real ``ostack`` program against a private store."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {**os.environ, "OSTACK_HOME": str(home), "OSTACK_VIRT_TYPE": "qemu",
                    "OSTACK_SHUTDOWN_TIMEOUT": "20"}
        for name in ("OS_CLOUD", "OS_AUTH_URL", "OSTACK_LIBVIRT_URI", "OSTACK_HOST_DIR"):
            self.env.pop(name, None)

    def __call__(self, *args: str, timeout: float = 300) -> Result:
        done = subprocess.run([OSTACK, *args], capture_output=True, text=True, env=self.env,
                              timeout=timeout, check=False)
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.rc == 0, f"ostack {' '.join(args)} failed: {result.err}"
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([OSTACK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env)

    def ids(self, kind: str) -> list[str]:
        import sqlite3

        db = self.home / "state.db"
        if not db.exists():
            return []
        conn = sqlite3.connect(db)
        try:
            return [r[0] for r in conn.execute("SELECT id FROM resources WHERE kind = ?",
                                               (kind,))]
        finally:
            conn.close()


def host_leftovers(server_ids: list[str], network_ids: list[str]) -> list[str]:
    """Everything on the host that belongs to these servers and networks."""
    from ostack_cli.backend.local import names

    found = []
    domains = subprocess.run(["virsh", "-c", "qemu:///system", "list", "--all", "--name"],
                             capture_output=True, text=True, check=False).stdout.split()
    found += [d for d in domains if any(d == names.domain_name(s) for s in server_ids)]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True,
                           check=False).stdout
    for net in network_ids:
        if names.bridge_name(net) in links:
            found.append(names.bridge_name(net))
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                           check=False).stdout
    found += [names.dhcp_name(n) for n in network_ids if names.dhcp_name(n) in netns]
    return found


@pytest.fixture
def host() -> Iterator[Host]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="ostack-vmtest-"))
    base.chmod(0o755)  # QEMU and dnsmasq run as other users and must reach the host files
    h = Host(base / "home")
    h.ok("image", "create", "--file", str(IMAGE_DIR / "ostack-test.qcow2"), "--disk-format",
         "qcow2", "--public", "cirros")
    h.ok("network", "create", "private")
    h.ok("subnet", "create", "--network", "private", "--subnet-range", "10.0.0.0/24",
         "private-subnet")
    try:
        yield h
    finally:
        servers, networks, routers = h.ids("server"), h.ids("network"), h.ids("router")
        if servers:
            h("server", "delete", *servers)
        _force_clean(servers, networks, routers, base / "home-host")
        shutil.rmtree(base, ignore_errors=True)


def _force_clean(
    server_ids: list[str], network_ids: list[str], router_ids: list[str], host_dir: Path
) -> None:
    """Whatever a failed test left behind, gone."""
    from ostack_cli.backend.local import iptables, names, router_host
    from ostack_cli.backend.local.host_network import HostNetwork

    for server_id in server_ids:
        name = names.domain_name(server_id)
        subprocess.run(["virsh", "-c", "qemu:///system", "destroy", name], capture_output=True,
                       check=False)
        subprocess.run(["virsh", "-c", "qemu:///system", "undefine", "--managed-save", name],
                       capture_output=True, check=False)
    for router_id in router_ids:
        router_host.remove_router(router_id)
    for network_id in network_ids:
        HostNetwork(host_dir).remove(network_id)
        router_host.remove_external_bridge(network_id)
    iptables.remove_port_filters()
    router_host.remove_external_guard()
