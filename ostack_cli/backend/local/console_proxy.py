"""The console proxy: nova-novncproxy, nova-spicehtml5proxy and nova-serialproxy in one
websockify server, for one store.

``python -m ostack_cli.backend.local.console_proxy --state-dir=... --host-dir=...
--address=127.0.0.1 --ports=6080-6099 --libvirt-uri=qemu:///system`` (the reconciler runs
it, ``console_proxy_host``). It serves the noVNC and SPICE web clients (Debian's ``novnc``
and ``spice-html5``) and admits a websocket only with a token ``console url show`` made for
a guest that still has the display the token names (``console_auth.admit``, asked of the
store and of the guest's live libvirt definition at connect time, by ``StoreTokens``, a
websockify token plugin). An admitted connection goes to the guest's VNC or SPICE port on
loopback, or to its serial console.

The serial console is the guest's serial port as libvirt hands it out
(``virDomainOpenConsole``), not its pty: libvirt lets one client at a time hold it (a second
is refused, as ``virsh console`` is), leaves virtlogd's log of it untouched, and needs no
path from the definition; reading the pty directly would race another reader for every
byte. Nova's serial proxy speaks raw bytes over the websocket, and so does this one.

Imported by this process only: websockify (and numpy, which it needs) stay out of every
command's start-up.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

import websockify
from websockify.token_plugins import BasePlugin

from ostack_cli.backend.local import console_auth
from ostack_cli.backend.local.console_auth import GuestConsole, Refused, Target
from ostack_cli.backend.local.console_proxy_host import PID_FILE, PORT_FILE

# The web clients it serves, looked up in this order: noVNC's pages, then SPICE's.
WEB_ROOTS = (Path("/usr/share/novnc"), Path("/usr/share/spice-html5"))
LOOPBACK = "127.0.0.1"  # where the guests' displays listen (domain_xml.GraphicsSpec)
_TOKEN_IN_TEXT = re.compile(r"(token(?:=|%3D))[^&\s'\"]+", re.IGNORECASE)

log = logging.getLogger("ostack.console-proxy")


class StoreTokens(BasePlugin):
    """A websockify token plugin over a store: ``source`` is the store's state directory.

    ``admit`` is what this proxy asks (the whole decision, with its reason); ``lookup`` is
    websockify's interface, for ``websockify --token-plugin`` (display consoles only)."""

    def __init__(self, source: str, libvirt_uri: str = "qemu:///system") -> None:
        super().__init__(source)
        self.state_dir = Path(source)
        self.libvirt_uri = libvirt_uri

    def lookup(self, token: str) -> tuple[str, int] | None:
        try:
            target = self.admit(token)
        except Refused:
            return None
        return None if target.port is None else (LOOPBACK, target.port)

    def admit(self, token: str) -> Target:
        from ostack_cli.backend.models.console import ConsoleAuthToken
        from ostack_cli.backend.models.server import Server
        from ostack_cli.state.store import Store

        if not token:
            raise Refused("no token")
        store = Store(self.state_dir / "state.db")
        try:
            record = store.get(ConsoleAuthToken, console_auth.token_hash(token))
            server = store.get(Server, record.instance_uuid) if record is not None else None
        finally:
            store.close()
        guest = self._guest(server.instance_name) if server is not None else None
        return console_auth.admit(record, guest, time.time())

    def access_url_base(self, token: str) -> str:
        from ostack_cli.backend.models.console import ConsoleAuthToken
        from ostack_cli.state.store import Store

        store = Store(self.state_dir / "state.db")
        try:
            record = store.get(ConsoleAuthToken, console_auth.token_hash(token))
        finally:
            store.close()
        return record.access_url_base if record is not None else ""

    def _guest(self, domain_name: str) -> GuestConsole | None:
        """The guest as libvirt has it now: running, and its displays' live ports."""
        import libvirt

        libvirt.registerErrorHandler(lambda *_: None, None)
        conn = libvirt.open(self.libvirt_uri)
        try:
            try:
                domain = conn.lookupByName(domain_name)
            except libvirt.libvirtError:
                return None
            return GuestConsole(running=bool(domain.isActive()),
                                ports=console_auth.display_ports(domain.XMLDesc(0)))
        finally:
            conn.close()


class ConsoleRequestHandler(websockify.ProxyRequestHandler):
    """One connection (websockify runs each in a process of its own)."""

    target: Target | None = None

    def translate_path(self, path: str) -> str:
        """A file of the first web client that has it (noVNC, then SPICE)."""
        candidates = []
        for root in WEB_ROOTS:
            self.directory = str(root)
            candidates.append(super().translate_path(path))
            if os.path.exists(candidates[-1]):
                return candidates[-1]
        return candidates[0]

    def validate_connection(self) -> None:
        """Before the websocket is accepted: the token, then the browser's origin. A refusal
        is an HTTP 403 and the connection ends; nothing reaches the guest."""
        plugin: StoreTokens = self.server.token_plugin
        token = console_auth.token_from(self.path, self.headers.get("Cookie"))
        try:
            self.target = plugin.admit(token)
            if not console_auth.origin_allowed(self.headers.get("Origin"),
                                               self.headers.get("Host"),
                                               plugin.access_url_base(token)):
                raise Refused("the Origin header does not match this host")
        except Refused as refused:
            self.log_message("console connection refused: %s", refused)
            self.send_error(HTTPStatus.FORBIDDEN, "Console token refused")
            raise self.server.EClose("") from None
        except Exception as exc:  # the store or libvirt failed: refuse, and say so
            self.log_message("console connection refused: %s", exc)
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "Console unavailable")
            raise self.server.EClose("") from None
        if self.target.port is not None:
            self.server.target_host, self.server.target_port = LOOPBACK, self.target.port
        self.log_message("console connection for guest %s (%s)", self.target.instance_uuid,
                         self.target.console_type)

    def new_websocket_client(self) -> None:
        if self.target is not None and self.target.port is None:
            self._serial_console(self.target)
        else:
            super().new_websocket_client()

    def _serial_console(self, target: Target) -> None:
        """The guest's serial console through libvirt, carried over a socket pair so that
        websockify's proxy loop sees an ordinary socket."""
        import libvirt

        plugin: StoreTokens = self.server.token_plugin
        conn = libvirt.open(plugin.libvirt_uri)
        stream = None
        ours, theirs = socket.socketpair()
        try:
            from ostack_cli.backend.models.server import Server
            from ostack_cli.state.store import Store

            store = Store(plugin.state_dir / "state.db")
            try:
                server = store.get(Server, target.instance_uuid)
            finally:
                store.close()
            if server is None:
                raise self.CClose(1011, "The guest is gone")
            stream = conn.newStream(0)
            try:
                conn.lookupByName(server.instance_name).openConsole(None, stream, 0)
            except libvirt.libvirtError as exc:
                # Most often another client holds the console (libvirt allows one).
                raise self.CClose(1011, str(exc.get_error_message())[:100]) from None
            threading.Thread(target=_guest_to_socket, args=(stream, ours), daemon=True).start()
            threading.Thread(target=_socket_to_guest, args=(ours, stream), daemon=True).start()
            self.do_proxy(theirs)
        finally:
            theirs.close()
            ours.close()
            if stream is not None:
                with contextlib.suppress(libvirt.libvirtError):
                    stream.abort()
            conn.close()

    def log_message(self, format: str, *args: Any) -> None:
        # websockify logs each websocket's path, which carries its token: never write one.
        text = _TOKEN_IN_TEXT.sub(r"\1***", format % args if args else format)
        log.info("%s %s", self.client_address[0] if self.client_address else "-", text)


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent ends (PR_SET_PDEATHSIG); if the
    parent has already gone, end now."""
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def _guest_to_socket(stream: Any, sock: socket.socket) -> None:
    with contextlib.suppress(Exception):
        while True:
            data = stream.recv(65536)
            if not data or not isinstance(data, bytes):
                break
            sock.sendall(data)
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)


def _socket_to_guest(sock: socket.socket, stream: Any) -> None:
    with contextlib.suppress(Exception):
        while True:
            data = sock.recv(65536)
            if not data:
                break
            stream.send(data)


class ConsoleProxy(websockify.WebSocketProxy):
    """websockify's server, which also ends when its store's state directory is gone (a
    store removed without a purge leaves no proxy behind for long)."""

    def __init__(self, *args: Any, state_dir: Path, **kwargs: Any) -> None:
        self.state_dir = state_dir
        self.server_pid = os.getpid()
        super().__init__(*args, **kwargs)

    def top_new_client(self, startsock: socket.socket, address: Any) -> None:
        """A connection's process (forked, so it runs what the server runs): it ends with
        the server. A server killed outright would otherwise leave its open connections
        running, and those, orphaned, would pass for the store's proxy (``find_proxies``)
        and keep ``host sync`` from starting a new one."""
        _die_with_parent(self.server_pid)
        super().top_new_client(startsock, address)

    @staticmethod
    def get_logger() -> logging.Logger:
        return log

    def poll(self) -> None:
        if not self.state_dir.is_dir():
            self.msg("the store's state directory is gone: exiting")
            self.terminate()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="console_proxy", description=__doc__.split("\n")[0])
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--host-dir", type=Path, required=True)
    parser.add_argument("--address", default=LOOPBACK)
    parser.add_argument("--ports", default="6080-6099", help="FIRST-LAST: the first free")
    parser.add_argument("--libvirt-uri", default="qemu:///system")
    return parser.parse_args(argv)


def listen(address: str, ports: str, previous: int | None = None) -> socket.socket:
    """A listening socket on the first free port of ``ports`` (``6080-6099`` or ``6080``),
    or on ``previous`` if it is one of them and free: a proxy started again (``host sync``
    after a crash) keeps its port, so the URLs handed out before still lead to it."""
    first, _, last = ports.partition("-")
    candidates = list(range(int(first), int(last or first) + 1))
    if previous in candidates:
        candidates.remove(previous)
        candidates.insert(0, previous)
    for port in candidates:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError:
            sock.close()
            continue
        sock.listen(100)
        return sock
    raise SystemExit(f"console proxy: no free port in {ports} on {address}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(process)d %(message)s")
    pid_file, port_file = args.state_dir / PID_FILE, args.state_dir / PORT_FILE
    sock = listen(args.address, args.ports, _previous_port(port_file))
    port = sock.getsockname()[1]
    _write(port_file, f"{port}\n")
    _write(pid_file, f"{os.getpid()}\n")  # last: its pid file says it listens
    log.info("console proxy for %s listening on %s:%s", args.state_dir, args.address, port)
    web = next((str(root) for root in WEB_ROOTS if root.is_dir()), "")
    try:
        ConsoleProxy(
            RequestHandlerClass=ConsoleRequestHandler,
            listen_fd=sock.fileno(),
            web=web,
            file_only=True,  # no directory listings (Nova's proxies set the same)
            cert="/nonexistent/console-proxy.pem",  # plain HTTP; websockify looks for one
            token_plugin=StoreTokens(str(args.state_dir), args.libvirt_uri),
            state_dir=args.state_dir,
        ).start_server()
    finally:
        with contextlib.suppress(OSError, ValueError):
            if int(pid_file.read_text().strip()) == os.getpid():  # not a successor's
                # The port file stays: the port a successor tries first. Without the pid
                # file it names no running proxy (``console_proxy_host.running_port``).
                pid_file.unlink()
    return 0


def _previous_port(port_file: Path) -> int | None:
    try:
        return int(port_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
