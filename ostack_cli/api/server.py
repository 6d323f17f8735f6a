"""The ``ostack api serve`` process: one uvicorn server, its socket, its log, its pid file.

- Loopback by default (``127.0.0.1:5000``); TLS with ``--cert``/``--key``.
- The socket is bound before anything else (and before ``--detach`` forks), so a port in
  use or an unreadable certificate fails the command itself, and a client connecting the
  moment the command returns is served.
- SIGTERM and SIGINT stop it gracefully: no new connections, requests in flight finish
  (uvicorn's shutdown), then the pid file goes.
- ``--detach`` forks twice, detaches from the terminal and writes the pid file
  (``<state dir>/api.pid`` unless ``--pid-file``); ``ostack api stop`` reads it.
- The request log (``app.py``) goes to ``--log-file``, else stderr (``<state dir>/api.log``
  when detached).
- Once the socket is bound (and, detached, the pid file written), the command process
  becomes the server without the CLI (``os.execv`` of ``process.py``: the same pid, the
  socket inherited), which then never holds the command framework's modules (issue 10).
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import json
import logging
import os
import signal
import socket
import ssl
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ostack_cli.errors import CommandError

if TYPE_CHECKING:
    from ostack_cli.api.app import ApiApp

DEFAULT_BIND = "127.0.0.1:5000"
PID_FILE = "api.pid"
LOG_FILE = "api.log"
GRACEFUL_SECONDS = 30
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


@dataclasses.dataclass(frozen=True)
class ServeOptions:
    state_dir: Path
    bind: str = DEFAULT_BIND
    cert: Path | None = None
    key: Path | None = None
    detach: bool = False
    pid_file: Path | None = None
    log_file: Path | None = None


def parse_bind(text: str) -> tuple[str, int]:
    """``host:port``, ``[v6]:port`` or ``:port`` (loopback)."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = text, "5000"
    host = host.strip("[]") or "127.0.0.1"
    try:
        port = int(port_text)
        if not 0 <= port <= 65535:
            raise ValueError(port_text)
        if host != "localhost":
            ipaddress.ip_address(host)
    except ValueError:
        raise CommandError(f"Invalid --bind {text!r}: expected <address>:<port>, such as "
                           f"{DEFAULT_BIND}") from None
    return host, port


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: a response's headers and body, written separately,
    # must not wait for the client's delayed ACK (40 ms per keep-alive request otherwise).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def check_tls(cert: Path | None, key: Path | None) -> None:
    if (cert is None) != (key is None):
        raise CommandError("--cert and --key go together")
    if cert is not None and key is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            context.load_cert_chain(str(cert), str(key))
        except (OSError, ssl.SSLError) as exc:
            raise CommandError(f"Cannot use --cert {cert} --key {key}: {exc}") from None


API_MARKS = (b"api", b"serve")


def running_pid(pid_file: Path, marks: tuple[bytes, ...] = API_MARKS) -> int | None:
    """The pid in the file if that process still runs and is an ``ostack api serve`` (a
    process whose command line has each of ``marks`` as an argument)."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if all(mark in cmdline for mark in marks) else None


def serve(options: ServeOptions) -> int:
    host, port = parse_bind(options.bind)
    check_tls(options.cert, options.key)
    pid_file = options.pid_file or (options.state_dir / PID_FILE if options.detach else None)
    if pid_file is not None:
        other = running_pid(pid_file)
        if other is not None:
            raise CommandError(f"ostack api is already running (pid {other}, {pid_file}).")
    log_file = options.log_file or (options.state_dir / LOG_FILE if options.detach else None)
    sock = bind_socket(host, port)
    if options.detach:
        from ostack_cli.api.app import ApiRuntime

        # The store and the keys, once here: their errors fail the command, not the daemon.
        ApiRuntime(options.state_dir).shutdown()
        assert pid_file is not None
        if daemonize(pid_file):
            sock.close()
            scheme = "https" if options.cert else "http"
            sys.stderr.write(f"ostack api: serving {scheme}://{options.bind} "
                             f"(pid file {pid_file})\n")
            return 0
    elif pid_file is not None:
        _write_pid(pid_file)
    _exec_server(dataclasses.replace(options, pid_file=pid_file, log_file=log_file), sock)
    return 0  # not reached: the process now runs the server


def _exec_server(options: ServeOptions, sock: socket.socket) -> None:
    """Become the server process (the same pid, socket and pid file) without the CLI: the
    command framework and every module it imported are ~3 MB the server would hold for its
    whole life (issue 10). ``process.py`` runs ``run_server`` there."""
    settings = {"state_dir": str(options.state_dir), "bind": options.bind,
                "detach": options.detach,
                **{name: str(getattr(options, name)) for name in PATH_OPTIONS
                   if getattr(options, name) is not None}}
    sys.stdout.flush()
    sys.stderr.flush()
    # "api" and "serve" stay in the command line: ``running_pid`` recognises the process.
    os.execv(sys.executable, [sys.executable, "-m", "ostack_cli.api.process", "api", "serve",
                              str(sock.fileno()), json.dumps(settings)])


PATH_OPTIONS = ("cert", "key", "pid_file", "log_file")


def options_from(settings: dict[str, Any]) -> ServeOptions:
    """What ``_exec_server`` passed on."""
    paths = {name: Path(settings[name]) for name in PATH_OPTIONS if name in settings}
    return ServeOptions(state_dir=Path(settings["state_dir"]), bind=settings["bind"],
                        detach=bool(settings["detach"]), **paths)


def run_server(options: ServeOptions, sock: socket.socket) -> int:
    """The server process: the runtime, the log, the signals, uvicorn until stopped."""
    from ostack_cli.api import memory
    from ostack_cli.api.app import ApiApp, ApiRuntime

    memory.limit_arenas()  # before the worker threads allocate anything
    heap = memory.HeapTrimmer()
    heap.start()
    pid_file, log_file = options.pid_file, options.log_file
    _configure_logging(log_file)
    stopped = _install_stop_handlers()
    runtime: ApiRuntime | None = None
    try:
        runtime = ApiRuntime(options.state_dir)
        _run(ApiApp(runtime), sock, options)
    except KeyboardInterrupt:
        pass
    finally:
        if runtime is not None:
            runtime.shutdown()
        heap.stop()
        if pid_file is not None and _holds_our_pid(pid_file):
            pid_file.unlink()
        logging.getLogger("ostack.api").info("stopped%s", f" ({stopped[0]})" if stopped else "")
    if options.detach:
        logging.shutdown()
        os._exit(0)
    return 0


def stop(pid_file: Path, *, timeout: float = GRACEFUL_SECONDS + 5, name: str = "ostack api",
         marks: tuple[bytes, ...] = API_MARKS) -> None:
    pid = running_pid(pid_file, marks)
    if pid is None:
        raise CommandError(f"{name} is not running (no live pid in {pid_file}).")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or _zombie(pid):
            break
        time.sleep(0.05)
    else:
        raise CommandError(f"{name} (pid {pid}) did not stop within {timeout:.0f} s.")
    with contextlib.suppress(FileNotFoundError):
        if running_pid(pid_file, marks) is None:
            pid_file.unlink()


def _run(app: ApiApp, sock: socket.socket, options: ServeOptions) -> None:
    import uvicorn

    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="off", server_header=False,
        ssl_certfile=str(options.cert) if options.cert else None,
        ssl_keyfile=str(options.key) if options.key else None,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        ws="none",  # no WebSocket route: not even wsproto's import
    )
    uvicorn.Server(config).run(sockets=[sock])


def _install_stop_handlers() -> list[str]:
    """uvicorn takes SIGTERM/SIGINT while it runs and raises them again once it has shut
    down; these handlers then only note which one it was, so the process ends through its
    ``finally`` (pid file removed) with status 0."""
    seen: list[str] = []

    def note(signum: int, frame: FrameType | None) -> None:
        seen.append(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, note)
    signal.signal(signal.SIGINT, note)
    return seen


def _configure_logging(log_file: Path | None) -> None:
    if log_file is not None:
        fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        handler: logging.Handler = logging.StreamHandler(os.fdopen(fd, "a", buffering=1))
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    # The server's log only: whatever the CLI's logging set up (cliff's --log-file handler
    # at DEBUG) is replaced; other libraries' records below WARNING are dropped.
    root = logging.getLogger()
    for old in root.handlers:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in ("ostack.api", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.setLevel(logging.INFO)
        logger.propagate = True


def daemonize(pid_file: Path, name: str = "ostack api") -> bool:
    """Fork into the background. True in the original process (once the server's pid file
    is written), False in the daemon (its standard streams on /dev/null)."""
    read_end, write_end = os.pipe()
    first = os.fork()
    if first > 0:
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            answer = pipe.read()
        os.waitpid(first, 0)
        if answer != b"ok":
            raise CommandError(f"{name} did not start: {answer.decode(errors='replace')}")
        return True
    os.close(read_end)
    try:
        os.setsid()
        if os.fork() > 0:
            os._exit(0)
        os.chdir("/")
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        _write_pid(pid_file)
        os.write(write_end, b"ok")
    except BaseException as exc:
        os.write(write_end, str(exc).encode())
        os._exit(1)
    finally:
        os.close(write_end)
    return False


def _write_pid(pid_file: Path) -> None:
    from ostack_cli.state.paths import write_private_file

    write_private_file(pid_file, f"{os.getpid()}\n".encode())


def _holds_our_pid(pid_file: Path) -> bool:
    try:
        return int(pid_file.read_text().strip()) == os.getpid()
    except (OSError, ValueError):
        return False


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True
