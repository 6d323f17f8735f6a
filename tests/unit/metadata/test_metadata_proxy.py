"""The metadata proxy over real sockets (loopback, no root): who asks is the connection's
source address and nothing else, a stranger gets Neutron's 404, the password is Nova's, and
the daemon returns to its starter once it listens."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostack_cli.backend.models.server import Server
from ostack_cli.metadata import proxy
from ostack_cli.metadata.records import Scope
from ostack_cli.state.store import Store
from tests import metadata_store as md

CIDR = "127.0.1.0/24"  # on loopback: a client can ask from any of these addresses


@dataclasses.dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclasses.dataclass
class Service:
    topology: md.Topology
    port: int

    def ask(self, path: str, *, source: str, method: str = "GET", body: bytes = b"",
            headers: dict[str, str] | None = None, raw: bytes | None = None) -> Answer:
        lines = [f"{method} {path} HTTP/1.1", "Host: 169.254.169.254"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        request = raw if raw is not None else ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        with socket.create_connection(("127.0.0.1", self.port), timeout=5,
                                      source_address=(source, 0)) as conn:
            conn.sendall(request)
            received = b""
            while chunk := conn.recv(65536):
                received += chunk
        head, _, payload = received.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in header_lines)
        return Answer(int(status_line.split()[1]), headers, payload)


def _serve(path: Path, scope: Scope) -> Iterator[int]:
    listener = proxy.listen(("127.0.0.1", 0))
    thread = threading.Thread(target=proxy.serve, args=(listener, scope, str(path)),
                              daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    topology = md.write_store(tmp_path / "state.db", CIDR)
    for port in _serve(topology.path, Scope("network", md.NETWORK)):
        yield Service(topology, port)


def test_each_guest_reads_its_own_metadata(service: Service) -> None:
    topo = service.topology
    alice = service.ask("/openstack/latest/meta_data.json", source=topo.alice)
    assert alice.status == 200 and alice.headers["Content-Type"] == "application/json"
    meta = json.loads(alice.body)
    assert (meta["uuid"], meta["hostname"], meta["public_keys"]) == (
        md.ALICE, "alice.novalocal", {"alice-key": md.KEY})
    assert service.ask("/latest/meta-data/instance-id", source=topo.bob).text == "i-7c1d7d4d"
    user_data = service.ask("/openstack/latest/user_data", source=topo.alice)
    assert (user_data.status, user_data.body) == (200, md.USER_DATA)
    assert user_data.headers["Content-Type"] == "text/plain; charset=UTF-8"
    ec2 = service.ask("/latest/meta-data/public-keys/0/openssh-key", source=topo.alice)
    assert ec2.text == md.KEY
    network = json.loads(service.ask("/openstack/latest/network_data.json",
                                     source=topo.alice).body)
    assert network["links"][0]["vif_id"] == md.ALICE_PORT
    groups = service.ask("/latest/meta-data/security-groups", source=topo.alice).text
    assert groups == "default\nweb"
    assert service.ask("/latest/meta-data/public-ipv4", source=topo.alice).text == (
        "192.168.61.5")


@pytest.mark.parametrize("headers", [
    {"X-Forwarded-For": "{bob}"},
    {"X-Instance-ID": md.BOB, "X-Tenant-ID": md.PROJECT,
     "X-Instance-ID-Signature": "0" * 64, "X-Forwarded-For": "{bob}"},
    {"X-Neutron-Network-ID": "other", "X-Neutron-Router-ID": md.ROUTER,
     "X-Metadata-Provider": "x", "X-Forwarded-For": "{bob}, {bob}"},
])
def test_no_header_makes_a_guest_another(service: Service, headers: dict[str, str]) -> None:
    topo = service.topology
    spoofed = {k: v.format(bob=topo.bob) for k, v in headers.items()}
    answer = service.ask("/openstack/latest/meta_data.json", source=topo.alice,
                         headers=spoofed)
    assert json.loads(answer.body)["uuid"] == md.ALICE
    # Bob has no user data of his own, and never gets alice's.
    bob = service.ask("/openstack/latest/user_data", source=topo.bob,
                      headers={k: v.format(bob=topo.alice) for k, v in headers.items()})
    assert bob.status == 404 and b"alice" not in bob.body


def test_an_address_that_is_no_ports_is_not_found(service: Service) -> None:
    stranger = service.topology.address(9)
    for path in ("/", "/openstack/latest/meta_data.json", "/latest/meta-data/instance-id"):
        answer = service.ask(path, source=stranger,
                             headers={"X-Forwarded-For": service.topology.alice})
        assert answer.status == 404
        assert answer.headers["Content-Type"] == "text/plain; charset=UTF-8"
        assert answer.text == (
            "<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n"
            "  <h1>404 Not Found</h1>\n  Instance was not found on network "
            f"{md.NETWORK}.<br /><br />\n\n\n </body>\n</html>")


def test_a_path_that_holds_nothing_is_novas_404(service: Service) -> None:
    answer = service.ask("/openstack/latest/nothing", source=service.topology.alice)
    assert (answer.status, answer.headers["Content-Type"]) == (404, "text/html; charset=UTF-8")
    assert answer.text == (
        "<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n"
        "  <h1>404 Not Found</h1>\n  The resource could not be found.<br /><br />\n\n\n\n"
        " </body>\n</html>")
    assert service.ask("/latest/meta-data/hostname/x", source=service.topology.alice
                       ).status == 500


def test_the_root_and_head(service: Service) -> None:
    root = service.ask("/", source=service.topology.bob)
    assert root.text.splitlines()[-2:] == ["2009-04-04", "latest"]
    head = service.ask("/openstack/latest/meta_data.json", source=service.topology.bob,
                       method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) > 0
    query = service.ask("/latest/meta-data/hostname?x=1", source=service.topology.bob)
    assert query.text == "bob.novalocal"
    assert service.ask("/latest/meta-data/local%2Dhostname", source=service.topology.bob
                       ).text == "bob.novalocal"


def test_the_password_is_posted_once(service: Service) -> None:
    topo = service.topology
    path = "/openstack/latest/password"
    empty = service.ask(path, source=topo.alice)
    assert (empty.status, empty.body, empty.headers["Content-Type"]) == (
        200, b"", "text/html; charset=UTF-8")
    too_large = service.ask(path, source=topo.alice, method="POST", body=b"x" * 1021)
    assert too_large.status == 400 and b"Request is too large." in too_large.body
    secret = ("p\u00e4ss" * 204).encode()  # 1020 bytes, 816 characters
    assert service.ask(path, source=topo.alice, method="POST", body=secret).status == 200
    assert service.ask(path, source=topo.alice).body == secret
    assert service.ask(path, source=topo.bob).body == b""
    again = service.ask(path, source=topo.alice, method="POST", body=b"other")
    assert again.status == 409 and b"There was a conflict" in again.body
    put = service.ask(path, source=topo.alice, method="PUT", body=b"x")
    assert put.status == 400 and b"GET and POST only are supported." in put.body
    store = Store(topo.path)
    try:
        server = store.get(Server, md.ALICE)
        assert server is not None
        chunks = {k: v for k, v in server.system_metadata.items() if k.startswith("password")}
        assert sorted(chunks) == ["password_0", "password_1", "password_2", "password_3"]
        assert all(len(v) <= 255 for v in chunks.values())
    finally:
        store.close()


def test_a_malformed_request_is_refused(service: Service) -> None:
    answer = service.ask("/", source=service.topology.alice, raw=b"NONSENSE\r\n\r\n")
    assert answer.status == 400


def test_a_routers_proxy_answers_for_the_networks_it_has_interfaces_on(tmp_path: Path) -> None:
    topo = md.write_store(tmp_path / "state.db", CIDR)
    for port in _serve(topo.path, Scope("router", md.ROUTER)):
        service = Service(topo, port)
        assert service.ask("/latest/meta-data/instance-id", source=topo.alice
                           ).text == "i-6b0c6c3c"
    isolated = md.write_store(tmp_path / "isolated.db", CIDR, routed=False)
    for port in _serve(isolated.path, Scope("router", md.ROUTER)):
        answer = Service(isolated, port).ask("/", source=isolated.alice)
        assert answer.status == 404 and f"on router {md.ROUTER}.".encode() in answer.body


def test_only_redirected_connections_are_served(tmp_path: Path) -> None:
    topo = md.write_store(tmp_path / "state.db", CIDR)
    listener = proxy.listen(("127.0.0.1", 0))
    threading.Thread(target=proxy.serve, daemon=True, args=(
        listener, Scope("router", md.ROUTER), str(topo.path), ("169.254.169.254", 80))).start()
    try:
        with socket.create_connection(listener.getsockname(), timeout=5,
                                      source_address=(topo.alice, 0)) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\n\r\n")
            assert conn.recv(100) == b"", "a direct connection is hung up on"
    finally:
        listener.close()


def test_the_proxy_returns_to_its_starter_once_it_listens(tmp_path: Path) -> None:
    topo = md.write_store(tmp_path / "state.db", CIDR)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [sys.executable, "-I", "-m", proxy.MODULE, f"--store={topo.path}",
            f"--network={md.NETWORK}", "--namespace=ostack-test", f"--listen=127.0.0.1:{port}"]
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    took = time.monotonic() - start
    pid = _listening_pid(argv)
    try:
        assert done.returncode == 0, done.stderr
        assert pid is not None, "the proxy went on in the background"
        answer = Service(topo, port).ask("/latest/meta-data/instance-id", source=topo.alice)
        assert answer.text == "i-6b0c6c3c"
        assert took < 5, f"start-up took {took:.2f} s"
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
    # A port in use: the starter hears why at once.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        argv[-1] = f"--listen=127.0.0.1:{busy.getsockname()[1]}"
        refused = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert refused.returncode == 1 and "Address already in use" in refused.stderr


def _listening_pid(argv: list[str]) -> int | None:
    wanted = "\0".join(argv).encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "cmdline").read_bytes().rstrip(b"\0") == wanted:
                    return int(entry.name)
    return None
