"""A console client for the tests: a websocket to the console proxy (RFC 6455, just what a
test needs) and the start of a VNC session over it (RFB 3.8, up to the server's name).

websockify's own client drops the query string from the URL, and the token travels there,
so the tests carry their own.
"""

from __future__ import annotations

import base64
import os
import socket
import struct
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

TIMEOUT = 20.0


class Refused(Exception):
    """The proxy answered the upgrade with something other than 101; ``status`` is its
    status line."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def websocket_target(url: str) -> tuple[str, int, str]:
    """Host, port and request path of the websocket a console URL leads to: noVNC's page
    takes it from its ``path`` parameter (Nova's URL form), the serial console's URL is the
    websocket itself."""
    parsed = urlparse(url)
    assert parsed.hostname and parsed.port, url
    if parsed.scheme == "http":
        path = "/" + parse_qs(parsed.query)["path"][0].lstrip("/")
    else:
        path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
    return parsed.hostname, parsed.port, path


@dataclass
class WebSocket:
    sock: socket.socket
    raw: bytes = b""  # received and not yet parsed into frames (some come with the upgrade)
    pending: bytes = b""  # of the stream the frames carry, not yet read

    def send(self, data: bytes) -> None:
        """One binary frame, masked as a client's must be."""
        mask = os.urandom(4)
        size = len(data)
        if size < 126:
            header = struct.pack("!BB", 0x82, 0x80 | size)
        elif size < 1 << 16:
            header = struct.pack("!BBH", 0x82, 0x80 | 126, size)
        else:
            header = struct.pack("!BBQ", 0x82, 0x80 | 127, size)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def recv(self) -> bytes:
        """The payload of the next data frame (b"" once the proxy closes)."""
        while True:
            opcode, payload = self._frame()
            if opcode == 0x8:
                return b""
            if opcode in (0x0, 0x1, 0x2):
                return payload
            # ping or pong: nothing for the test

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes of the stream the frames carry."""
        while len(self.pending) < size:
            chunk = self.recv()
            if not chunk:
                raise EOFError(f"closed after {len(self.pending)} of {size} bytes")
            self.pending += chunk
        data, self.pending = self.pending[:size], self.pending[size:]
        return data

    def close(self) -> None:
        self.sock.close()

    def _frame(self) -> tuple[int, bytes]:
        first, second = self._exactly(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self._exactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self._exactly(8))
        return first & 0x0F, self._exactly(size)

    def _exactly(self, size: int) -> bytes:
        while len(self.raw) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the proxy closed the connection")
            self.raw += chunk
        data, self.raw = self.raw[:size], self.raw[size:]
        return data


def connect(url: str, *, origin: str | None = None) -> WebSocket:
    """Open the websocket of a console URL; raises Refused if the proxy will not upgrade."""
    host, port, path = websocket_target(url)
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
             "Sec-WebSocket-Protocol: binary"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    status = head.split(b"\r\n", 1)[0].decode(errors="replace")
    if status.split()[1:2] != ["101"]:
        sock.close()
        raise Refused(status)
    return WebSocket(sock, raw=head.split(b"\r\n\r\n", 1)[1])


def vnc_desktop_name(url: str, *, origin: str | None = None) -> str:
    """Through the proxy to the guest's VNC display: the RFB 3.8 version exchange, no
    authentication (the display is on loopback; the token is the lock), and the name
    QEMU gives its display in ServerInit ("QEMU (<domain>)")."""
    ws = connect(url, origin=origin)
    try:
        version = ws.read(12)
        assert version == b"RFB 003.008\n", version
        ws.send(b"RFB 003.008\n")
        (count,) = ws.read(1)
        assert count > 0, "the display refused the connection"
        types = ws.read(count)
        assert 1 in types, f"the display wants authentication: {list(types)}"
        ws.send(b"\x01")  # security type None
        (result,) = struct.unpack("!I", ws.read(4))
        assert result == 0, f"security handshake failed: {result}"
        ws.send(b"\x01")  # ClientInit: share the display
        width, height = struct.unpack("!HH", ws.read(4))
        assert width > 0 and height > 0
        ws.read(16)  # the pixel format
        (length,) = struct.unpack("!I", ws.read(4))
        return ws.read(length).decode(errors="replace")
    finally:
        ws.close()


def serial_until(url: str, marker: bytes, *, send: bytes = b"\r") -> bytes:
    """Through the proxy to the guest's serial console: send ``send`` (Enter: getty prints
    its prompt again) and read until ``marker`` shows; returns what was read."""
    ws = connect(url)
    try:
        ws.send(send)
        seen = b""
        while marker not in seen:
            chunk = ws.recv()
            if not chunk:
                raise EOFError(f"closed before {marker!r}: {seen[-200:]!r}")
            seen += chunk
        return seen
    finally:
        ws.close()
