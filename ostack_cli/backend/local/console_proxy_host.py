"""The console proxy as a process the host runs for a store, as dnsmasq is for a network:
what to run (``ConsoleProxySpec``, pure), finding it by what it runs, starting it detached
and stopping it.

The reconciler keeps one running while the store has servers and stops it when the last one
goes (``reconcile``); ``console url show`` makes sure it runs and asks it which port it got
(``ensure``). The process (``console_proxy``) writes its pid file, and the port it listens
on, into the state directory once it listens, and its log into the host directory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

MODULE = "ostack_cli.backend.local.console_proxy"
PID_FILE = "console-proxy.pid"  # in the state directory
PORT_FILE = "console-proxy.port"  # in the state directory: the port it listens on (or last
# did: a proxy started again tries that one first; only with the pid file does it say one runs)
LOG_FILE = "console-proxy.log"  # in the host directory
READY_TIMEOUT = 20.0  # its start-up imports websockify (and numpy): seconds on a busy host
LOG_KEEP = 1024 * 1024  # a log past this is started afresh when the proxy starts


class ConsoleProxyError(Exception):
    """The console proxy could not be started, or does not answer."""


@dataclass(frozen=True)
class ConsoleProxySpec:
    """One store's console proxy: where it listens (``address`` and the first free port of
    ``ports``), which store it reads tokens from, which libvirt it asks about guests."""

    python: str
    state_dir: str
    host_dir: str
    address: str
    ports: tuple[int, int]  # the first and last port to try
    libvirt_uri: str

    @property
    def argv(self) -> tuple[str, ...]:
        first, last = self.ports
        return (self.python, "-I", "-m", MODULE, f"--state-dir={self.state_dir}",
                f"--host-dir={self.host_dir}", f"--address={self.address}",
                f"--ports={first}-{last}", f"--libvirt-uri={self.libvirt_uri}")

    @property
    def listen(self) -> str:
        first, last = self.ports
        return f"{self.address}:{first}" + (f"-{last}" if last != first else "")

    @property
    def pid_file(self) -> Path:
        return Path(self.state_dir) / PID_FILE

    @property
    def port_file(self) -> Path:
        return Path(self.state_dir) / PORT_FILE

    @property
    def log_file(self) -> Path:
        return Path(self.host_dir) / LOG_FILE


def proxy_spec(
    *, python: str, state_dir: Path, host_dir: Path, address: str, port: int | None,
    default_ports: range, libvirt_uri: str,
) -> ConsoleProxySpec:
    """The spec for a store: a set port is the only one tried; else the default range."""
    ports = (port, port) if port is not None else (default_ports[0], default_ports[-1])
    return ConsoleProxySpec(python=python, state_dir=str(state_dir), host_dir=str(host_dir),
                            address=address, ports=ports, libvirt_uri=libvirt_uri)


@dataclass(frozen=True)
class ProxyProcess:
    pid: int
    argv: tuple[str, ...]


def find_proxies(host_dir: Path) -> tuple[ProxyProcess, ...]:
    """The console proxies serving the store of ``host_dir``, found by what they run (so a
    reused PID never passes for one). The processes websockify forks for each connection
    run the same program: only those whose parent is not one of them are listed."""
    mark = f"--host-dir={host_dir}"
    found: dict[int, tuple[tuple[str, ...], int]] = {}
    for entry in _listdir(Path("/proc")):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if MODULE.encode() not in raw:
            continue
        argv = tuple(a.decode(errors="replace") for a in raw.split(b"\0") if a)
        if MODULE not in argv or mark not in argv:
            continue
        state = _stat(int(entry))
        if state is None or state[0] in ("Z", "X"):
            continue
        found[int(entry)] = (argv, state[1])
    return tuple(ProxyProcess(pid, argv) for pid, (argv, parent) in sorted(found.items())
                 if parent not in found)


def running_port(spec: ConsoleProxySpec, pid: int) -> int | None:
    """The port the proxy ``pid`` listens on, once it says so (its pid and port files)."""
    try:
        if int(spec.pid_file.read_text().strip()) != pid:
            return None
        return int(spec.port_file.read_text().strip())
    except (OSError, ValueError):
        return None


def start(spec: ConsoleProxySpec) -> int:
    """Start the proxy, detached (a session of its own, nothing of ours open), and return its
    PID without waiting for it to listen."""
    log = spec.log_file
    with contextlib.suppress(OSError):
        if log.stat().st_size > LOG_KEEP:
            log.unlink()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OSTACK_KILL")}
        process = subprocess.Popen(
            spec.argv, stdin=subprocess.DEVNULL, stdout=fd, stderr=fd, cwd="/", env=env,
            start_new_session=True, close_fds=True,
        )
    finally:
        os.close(fd)
    return process.pid


def wait_ready(spec: ConsoleProxySpec, pid: int, timeout: float = READY_TIMEOUT) -> int:
    """The port ``pid`` listens on, once it does; raises if it ends or takes too long."""
    deadline = time.monotonic() + timeout
    while True:
        port = running_port(spec, pid)
        if port is not None:
            return port
        if not _alive(pid):
            raise ConsoleProxyError(f"The console proxy did not start: {_last_line(spec)}")
        if time.monotonic() > deadline:
            raise ConsoleProxyError(
                f"The console proxy did not listen within {timeout:.0f} s: {_last_line(spec)}")
        time.sleep(0.05)


def ensure(spec: ConsoleProxySpec) -> int:
    """The port of the store's running proxy, started first if none runs (the caller holds
    the store's host lock, so two commands never start two)."""
    current = [p for p in find_proxies(Path(spec.host_dir)) if p.argv == spec.argv]
    for process in current[1:]:
        stop(process.pid)
    if current:
        with contextlib.suppress(ConsoleProxyError):
            return wait_ready(spec, current[0].pid)
        stop(current[0].pid)  # it runs but never listened: start it again
    return wait_ready(spec, start(spec))


def stop(pid: int) -> None:
    """Stop a proxy (it ends its connections' processes too), waiting until it is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5.0
    while _alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    state = _stat(pid)
    return state is not None and state[0] not in ("Z", "X")


def _stat(pid: int) -> tuple[str, int] | None:
    """A process's state letter and parent PID."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def _last_line(spec: ConsoleProxySpec) -> str:
    try:
        lines = spec.log_file.read_text(errors="replace").strip().splitlines()
    except OSError:
        lines = []
    return lines[-1] if lines else f"see {spec.log_file}"


def _listdir(path: Path) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []
