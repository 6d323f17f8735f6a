"""Real guests: libvirtd + QEMU (TCG), bridges and dnsmasq in namespaces. Root only.

Each test gets its own state and host directories under a fresh /tmp/ostack-vmtest-* and
removes every domain, device, namespace and process its store knows of, even on failure.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import Result

if TYPE_CHECKING:
    from ostack_cli.backend.local.names import HostNames

REPO = Path(__file__).resolve().parents[2]
OSTACK = str(REPO / ".venv" / "bin" / "ostack")
PYTHON = str(REPO / ".venv" / "bin" / "python")
IMAGE_DIR = Path(os.environ.get("OSTACK_IMAGE_DIR", "/var/cache/ostack/images"))
BUILD_SH = REPO / "tools" / "guest-image" / "build.sh"
IMAGE_FILES = ("qcow2", "vmlinux", "initrd")


@functools.cache
def guest_image() -> Path | str:
    """This checkout's test guest image: a directory of its own whose
    ``ostack-test.{qcow2,vmlinux,initrd}`` are what ``tools/guest-image`` builds now (its
    build.sh, as ``make setup`` runs it: a no-op when nothing changed, a rebuild when the
    guest's init or any other input did). Another checkout's build relinking the shared
    ``IMAGE_DIR`` links changes nothing here. A string: why there is none."""
    env = {**os.environ, "OSTACK_IMAGE_DIR": str(IMAGE_DIR)}
    done = subprocess.run(["bash", str(BUILD_SH)], capture_output=True, text=True, env=env,
                          timeout=900, check=False)
    built = Path(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else None
    if done.returncode != 0 or built is None or not built.is_file():
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"the test guest image does not build ({why}): make setup"
    links = Path(tempfile.mkdtemp(prefix="ostack-vmtest-image-"))
    links.chmod(0o755)
    atexit.register(shutil.rmtree, links, ignore_errors=True)
    for suffix in IMAGE_FILES:
        (links / f"ostack-test.{suffix}").symlink_to(built.with_suffix(f".{suffix}"))
    return links


def guest_disk() -> Path:
    """The test guest's disk as this checkout builds it (after ``_skip_reason``)."""
    directory = guest_image()
    assert isinstance(directory, Path), directory
    return directory / "ostack-test.qcow2"


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("qemu-system-x86_64") is None:
        return "qemu-system-x86_64 is not installed (make setup)"
    probe = subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True,
                           check=False)
    if probe.returncode != 0:
        return "libvirtd is not running (make setup starts it)"
    image = guest_image()
    return image if isinstance(image, str) else None


class Host:
    """Runs the real ``ostack`` program against a private store."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {**os.environ, "OSTACK_HOME": str(home), "OSTACK_VIRT_TYPE": "qemu",
                    "OSTACK_SHUTDOWN_TIMEOUT": "20"}
        for name in ("OS_CLOUD", "OS_AUTH_URL", "OSTACK_LIBVIRT_URI", "OSTACK_HOST_DIR"):
            self.env.pop(name, None)
        image = guest_image()
        if isinstance(image, Path):  # what `ostack bootstrap` registers as cirros
            self.env["OSTACK_IMAGE_DIR"] = str(image)

    def __call__(self, *args: str, timeout: float = 300, kill_at: str | None = None) -> Result:
        """``ostack ARGS``; ``kill_at``: the fault point where the process kills itself."""
        env = {**self.env, "OSTACK_KILL_AT": kill_at} if kill_at else self.env
        done = subprocess.run([OSTACK, *args], capture_output=True, text=True, env=env,
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
        return [r[0] for r in self._query("SELECT id FROM resources WHERE kind = ?", kind)]

    @property
    def names(self) -> HostNames:
        """The names of this store's host objects (its tag is made on first use)."""
        from ostack_cli.backend.local.names import HostNames

        rows = self._query("SELECT value FROM settings WHERE key = 'host_tag'")
        assert rows, "the store has no host tag yet"
        return HostNames(rows[0][0])

    def reconcile(self, verb: str) -> subprocess.CompletedProcess[str]:
        """``python -m ostack_cli.backend.local.reconcile VERB`` on this store."""
        return subprocess.run([PYTHON, "-m", "ostack_cli.backend.local.reconcile", verb],
                              capture_output=True, text=True, env=self.env, timeout=300,
                              check=False)

    def inventory(self) -> list[str]:
        """Every object of this store's on the host (guests, devices, namespaces, dnsmasq,
        chains and files), as the reconciler observes them."""
        done = self.reconcile("inventory")
        assert done.returncode == 0, done.stderr
        return done.stdout.split("\n")[:-1] if done.stdout.strip() else []

    def _query(self, sql: str, *args: str) -> list[tuple[str, ...]]:
        import sqlite3

        db = self.home / "state.db"
        if not db.exists():
            return []
        conn = sqlite3.connect(db)
        try:
            return list(conn.execute(sql, args))
        finally:
            conn.close()


def host_leftovers(host: Host, server_ids: list[str], network_ids: list[str]) -> list[str]:
    """What is left on the host of these servers and networks (their guests, bridges, DHCP
    namespaces and servers, files), as the reconciler observes it."""
    names = host.names
    marks = {names.domain(s) for s in server_ids} | {f"instances/{s}" for s in server_ids}
    marks |= {names.bridge(n) for n in network_ids} | {names.dhcp_namespace(n)
                                                       for n in network_ids}
    marks |= {f"dnsmasq {n}" for n in network_ids} | {f"dhcp/{n}" for n in network_ids}
    return [line for line in host.inventory() if any(mark in line for mark in marks)]


@pytest.fixture
def host() -> Iterator[Host]:
    """A store of its own with the test image and a network ``private`` (10.0.0.0/24)."""
    with _store("10.0.0.0/24") as h:
        yield h


@pytest.fixture
def other_host() -> Iterator[Host]:
    """A second store on the same host, ``private`` on 10.1.0.0/24."""
    with _store("10.1.0.0/24") as h:
        yield h


@contextlib.contextmanager
def _store(private_cidr: str) -> Iterator[Host]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="ostack-vmtest-"))
    base.chmod(0o755)  # QEMU and dnsmasq run as other users and must reach the host files
    h = Host(base / "home")
    try:
        h.ok("image", "create", "--file", str(guest_disk()), "--disk-format", "qcow2",
             "--public", "cirros")
        h.ok("network", "create", "private")
        h.ok("subnet", "create", "--network", "private", "--subnet-range", private_cidr,
             "private-subnet")
        yield h
    finally:
        servers = h.ids("server")
        if servers:
            h("server", "delete", *servers)
        # Whatever a failed test left behind, gone: everything of this store's (its tag),
        # and nothing of any other store's.
        purged = h.reconcile("purge")
        left = h.inventory()
        shutil.rmtree(base, ignore_errors=True)
        assert purged.returncode == 0, purged.stderr
        assert left == [], f"left on the host after purge: {left}"
