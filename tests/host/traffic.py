"""Tiny traffic tools run inside test namespaces (``python traffic.py COMMAND ...``).

Servers print "ready" once listening, so a test never races them. Only the standard library:
the namespaces have no network tools beyond iproute2 and ping.
"""

from __future__ import annotations

import select
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable


def _peer(address: str) -> str:
    return address.removeprefix("::ffff:")


def tcp_serve(port: str) -> None:
    """Answer every connection with the client's address (seen after any NAT) and close."""
    server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    server.bind(("::", int(port)))
    server.listen(16)
    print("ready", flush=True)
    while True:
        conn, peer = server.accept()
        with conn:
            conn.sendall(f"{_peer(peer[0])}\n".encode())


def tcp_connect(host: str, port: str) -> None:
    """Print what the server says; exit 1 if it cannot be reached within a second."""
    try:
        with socket.create_connection((host, int(port)), timeout=1) as conn:
            print(conn.makefile().readline().strip())
    except OSError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)


def udp_listen(port: str, seconds: str) -> None:
    """Print ``source_ip:source_port`` of every datagram that arrives within ``seconds``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.bind(("0.0.0.0", int(port)))
    print("ready", flush=True)
    deadline = time.monotonic() + float(seconds)
    while (left := deadline - time.monotonic()) > 0:
        if select.select([sock], [], [], left)[0]:
            _, source = sock.recvfrom(2048)
            print(f"{source[0]}:{source[1]}", flush=True)


def udp_send(host: str, port: str, source_port: str) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.bind(("0.0.0.0", int(source_port)))
    sock.sendto(b"ostack-test", (host, int(port)))


def arp_reply(ifname: str, sender_mac: str, sender_ip: str, target_mac: str,
              target_ip: str) -> None:
    """Send one ARP reply claiming ``sender_ip`` is at ``sender_mac`` (a spoof, in tests)."""
    def mac(value: str) -> bytes:
        return bytes(int(part, 16) for part in value.split(":"))

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((ifname, 0))
    own = sock.getsockname()[4]
    arp = (
        b"\x00\x01\x08\x00\x06\x04\x00\x02"
        + mac(sender_mac) + socket.inet_aton(sender_ip)
        + mac(target_mac) + socket.inet_aton(target_ip)
    )
    frame = mac(target_mac) + own + b"\x08\x06" + arp
    for _ in range(3):
        sock.send(frame)
        time.sleep(0.05)


def tcp_echo(port: str) -> None:
    """Echo every line back on every connection, each connection in a thread of its own."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", int(port)))
    server.listen(16)
    print("ready", flush=True)

    def echo(conn: socket.socket) -> None:
        with conn:
            while data := conn.recv(4096):
                conn.sendall(data)

    while True:
        conn, _ = server.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def tcp_stream(host: str, port: str) -> None:
    """Hold one connection open: a line every 0.1 s, "echo" for each one that comes back.

    A line that gets no answer within 0.5 s prints "silent"; the connection is kept (TCP
    retransmits), so a flow that is let through again resumes on the same connection.
    """
    conn = socket.create_connection((host, int(port)), timeout=1)
    conn.settimeout(0.5)
    print("ready", flush=True)
    pending = b""
    while True:
        conn.sendall(b"ping\n")
        try:
            while b"\n" not in pending:
                data = conn.recv(4096)
                if not data:
                    print("closed", flush=True)
                    return
                pending += data
            pending = pending.split(b"\n", 1)[1]
            print("echo", flush=True)
        except TimeoutError:
            print("silent", flush=True)
        time.sleep(0.1)


def sniff(ifname: str, seconds: str) -> None:
    """Print ``source-MAC ethertype`` of every frame ``ifname`` receives within ``seconds``."""
    eth_p_all = 0x0003
    packet_outgoing = 4
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(eth_p_all))
    sock.bind((ifname, 0))
    print("ready", flush=True)
    deadline = time.monotonic() + float(seconds)
    while (left := deadline - time.monotonic()) > 0:
        if select.select([sock], [], [], left)[0]:
            frame, address = sock.recvfrom(65535)
            if address[2] == packet_outgoing:
                continue
            source = ":".join(f"{b:02x}" for b in frame[6:12])
            (ethertype,) = struct.unpack("!H", frame[12:14])
            print(f"{source} {ethertype:04x}", flush=True)


COMMANDS: dict[str, Callable[..., None]] = {
    "tcp-serve": tcp_serve,
    "tcp-connect": tcp_connect,
    "udp-listen": udp_listen,
    "udp-send": udp_send,
    "arp-reply": arp_reply,
    "tcp-echo": tcp_echo,
    "tcp-stream": tcp_stream,
    "sniff": sniff,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
