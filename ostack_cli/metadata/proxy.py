"""The metadata service in one namespace: ``python -m ostack_cli.metadata.proxy``.

What Neutron runs as haproxy plus its metadata agent plus Nova's metadata API, as one small
process per router or DHCP namespace that needs it (``reconcile`` starts and stops them, and
finds them again by their command line)::

    python -I -m ostack_cli.metadata.proxy --store=STATE_DB --network=ID|--router=ID
        --namespace=NS --listen=ADDRESS:PORT [--redirected-from=ADDRESS:PORT]

It binds ``--listen`` in the namespace it was started in (``ip netns exec NS``; ``--namespace``
names it, for whoever looks), then puts itself in the background: the starter returns once
the socket listens, so a guest booted right after finds it. Each request reads the store
afresh through a read-only connection (a guest's posted password is the one write), so
there is nothing to reload. ``--redirected-from``: serve only connections the namespace's
NAT redirected from that address (a router's ``REDIRECT`` of 169.254.169.254:80), never one
made to the listening port directly, as Neutron's L3 agent drops those.
"""

from __future__ import annotations

import contextlib
import os
import socket
import socketserver
import struct
import sys
import threading
from collections.abc import Iterator
from io import BufferedIOBase
from urllib.parse import unquote, urlsplit

from ostack_cli.backend.models.server import Server
from ostack_cli.metadata import records
from ostack_cli.metadata.content import InstanceMetadata
from ostack_cli.metadata.handler import Request, Response, handle
from ostack_cli.metadata.records import MAX_PASSWORD_SIZE, Scope
from ostack_cli.state.store import Store

MODULE = "ostack_cli.metadata.proxy"
METADATA_ADDRESS = "169.254.169.254"
ROUTER_PORT = 9697  # Neutron's metadata_port: where a router's REDIRECT sends requests
IP_FREEBIND = 15  # bind before the namespace holds the address (linux/in.h)
SO_ORIGINAL_DST = 80  # the destination before NAT (linux/netfilter_ipv4.h)
MAX_LINE, MAX_HEADERS = 8192, 100
REQUEST_TIMEOUT = 10.0
MAX_CONNECTIONS = 64
BAD_REQUEST = (b"HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\n"
               b"Connection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 "
               b"Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n")


class StoreInstances:
    """The handler's view of the store: a short-lived connection per request."""

    def __init__(self, path: str) -> None:
        self.path = path

    @contextlib.contextmanager
    def _store(self, *, read_only: bool = True) -> Iterator[Store]:
        store = Store(self.path, read_only=read_only)
        try:
            yield store
        finally:
            store.close()

    def find(self, scope: Scope, address: str) -> tuple[str, str] | None:
        with self._store() as store:
            port = records.find_port(store, scope, address)
        return (port.device_id, port.project_id) if port is not None else None

    def metadata(self, instance_id: str, project_id: str) -> InstanceMetadata | None:
        with self._store() as store:
            server = store.get(Server, instance_id) if instance_id else None
            if server is None or server.project_id != project_id:
                return None
            return records.instance_metadata(store, server)

    def save_password(self, instance_id: str, password: str) -> bool:
        with self._store(read_only=False) as store:
            return records.save_password(store, instance_id, password)


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, listener: socket.socket, scope: Scope, instances: StoreInstances,
                 redirected_from: tuple[str, int] | None) -> None:
        super().__init__(listener.getsockname(), _Connection, bind_and_activate=False)
        self.socket.close()
        self.socket = listener
        self.scope = scope
        self.instances = instances
        self.redirected_from = redirected_from
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: socket.socket,  # type: ignore[override]
                        client_address: tuple[str, int]) -> None:
        # At most MAX_CONNECTIONS at once: one guest cannot take the threads of all.
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: socket.socket,  # type: ignore[override]
                               client_address: tuple[str, int]) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a guest that hangs up half-way is no news


class _Connection(socketserver.StreamRequestHandler):
    server: _Server
    timeout = REQUEST_TIMEOUT

    def handle(self) -> None:
        if self.server.redirected_from and not _redirected(self.connection,
                                                           self.server.redirected_from):
            return
        parsed = _read_request(self.rfile)
        if parsed is None:
            self.wfile.write(BAD_REQUEST)
            return
        method, target, content_length = parsed
        # Only the password path reads a body, and only up to its limit (plus one, to know).
        body = self.rfile.read(min(content_length, MAX_PASSWORD_SIZE + 1))
        request = Request(method=method, path=unquote(urlsplit(target).path),
                          address=self.client_address[0], body=body,
                          content_length=content_length)
        try:
            response = handle(request, self.server.scope, self.server.instances)
        except Exception:  # the store unreadable for a moment: Neutron's 500, not a hang-up
            response = Response(500, "text/plain; charset=UTF-8",
                                b"An unknown error has occurred. Please try your request "
                                b"again.")
        self.wfile.write(_serialise(response, head=method == "HEAD"))


def _read_request(rfile: BufferedIOBase) -> tuple[str, str, int] | None:
    """The request line's method and target, and the body's length; None if malformed."""
    readline = rfile.readline
    line = readline(MAX_LINE + 1)
    words = line.decode("latin-1").split()
    if len(line) > MAX_LINE or len(words) != 3 or not words[2].startswith("HTTP/1."):
        return None
    content_length = 0
    for _ in range(MAX_HEADERS):
        header = readline(MAX_LINE + 1)
        if len(header) > MAX_LINE:
            return None
        if header in (b"\r\n", b"\n", b""):
            return words[0], words[1], content_length
        name, _, value = header.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            if not value.strip().isdigit():
                return None
            content_length = int(value.strip())
    return None


def _serialise(response: Response, *, head: bool) -> bytes:
    head_lines = (f"HTTP/1.1 {response.status_line}\r\n"
                  f"Content-Type: {response.content_type}\r\n"
                  f"Content-Length: {len(response.body)}\r\n"
                  "Connection: close\r\n\r\n")
    return head_lines.encode("latin-1") + (b"" if head else response.body)


def _redirected(connection: socket.socket, original: tuple[str, int]) -> bool:
    """Whether the namespace's NAT redirected this connection from ``original``."""
    try:
        raw = connection.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    except OSError:
        return False
    port, address = struct.unpack_from("!2xH4s", raw)
    return (socket.inet_ntoa(address), port) == original


def _endpoint(text: str) -> tuple[str, int]:
    address, _, port = text.rpartition(":")
    socket.inet_aton(address)
    return address, int(port)


def listen(address: tuple[str, int]) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
    listener.bind(address)
    listener.listen(128)
    return listener


def _options(argv: list[str]) -> dict[str, str]:
    options = {}
    for arg in argv:
        name, equals, value = arg.partition("=")
        if not name.startswith("--") or not equals:
            raise ValueError(f"unexpected argument {arg!r}")
        options[name[2:]] = value
    return options


def serve(listener: socket.socket, scope: Scope, store_path: str,
          redirected_from: tuple[str, int] | None = None) -> None:
    server = _Server(listener, scope, StoreInstances(store_path), redirected_from)
    server.serve_forever(poll_interval=3600)


def _daemonise() -> None:
    """Go on in the background (the caller returns: the socket already listens)."""
    if os.fork():
        os._exit(0)
    os.setsid()
    os.chdir("/")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def main(argv: list[str]) -> int:
    try:
        options = _options(argv)
        kinds = [k for k in ("network", "router") if k in options]
        if len(kinds) != 1 or not {"store", "listen", "namespace"} <= set(options):
            raise ValueError("give --store, --namespace, --listen and --network or --router")
        scope = Scope("network" if kinds == ["network"] else "router", options[kinds[0]])
        original = (_endpoint(options["redirected-from"]) if "redirected-from" in options
                    else None)
        listener = listen(_endpoint(options["listen"]))
    except (ValueError, OSError) as exc:
        print(f"metadata proxy: {exc}", file=sys.stderr)
        return 1
    if options.get("foreground") != "yes":
        _daemonise()
    serve(listener, scope, options["store"], original)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
