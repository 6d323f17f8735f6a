"""The server process: --detach with a pid file and ``ostack api stop``, graceful SIGTERM,
TLS, a port already taken, and key rotation while it runs."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.api.conftest import OSTACK, ApiServer, free_port, start_server, stop_server


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OSTACK_HOME": str(home), "OSTACK_LIBVIRT_URI": "test:///default"})
    return env


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1]
    except OSError:
        return False
    return not state.startswith("Z")


def test_detach_and_stop(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = free_port()
    pid_file = tmp_path / "api.pid"
    env = _env(home)
    started = subprocess.run([str(OSTACK), "api", "serve", "--bind", f"127.0.0.1:{port}",
                              "--detach", "--pid-file", str(pid_file)],
                             capture_output=True, text=True, env=env, timeout=60, check=False)
    try:
        assert started.returncode == 0, started.stderr
        assert started.stdout == ""
        pid = int(pid_file.read_text())
        assert pid_file.stat().st_mode & 0o777 == 0o600
        # The socket was listening before the command returned.
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 300
        again = subprocess.run([str(OSTACK), "api", "serve", "--bind", f"127.0.0.1:{port}",
                                "--detach", "--pid-file", str(pid_file)],
                               capture_output=True, text=True, env=env, timeout=60,
                               check=False)
        assert again.returncode == 1
        assert "already running" in again.stderr
        # The default log of a detached server is in the state directory.
        assert "GET / 300" in (home / "api.log").read_text()
    finally:
        stopped = subprocess.run([str(OSTACK), "api", "stop", "--pid-file", str(pid_file)],
                                 capture_output=True, text=True, env=env, timeout=60,
                                 check=False)
    assert stopped.returncode == 0, stopped.stderr
    assert not pid_file.exists()
    assert not _alive(pid)
    not_running = subprocess.run([str(OSTACK), "api", "stop", "--pid-file", str(pid_file)],
                                 capture_output=True, text=True, env=env, timeout=60,
                                 check=False)
    assert not_running.returncode == 1
    assert "not running" in not_running.stderr


def test_sigterm_is_graceful(tmp_path: Path) -> None:
    home = tmp_path / "home"
    pid_file = tmp_path / "api.pid"
    server = start_server(home, extra_args=("--pid-file", str(pid_file)))
    try:
        assert int(pid_file.read_text()) == server.process.pid
        token = server.token()
        assert server.request("GET", "/v3/projects", token=token).status_code == 200
    finally:
        code = stop_server(server)
    assert code == 0
    assert not pid_file.exists()
    assert "stopped (SIGTERM)" in server.log()


def test_port_in_use(api_server: ApiServer, tmp_path: Path) -> None:
    port = int(api_server.base_url.rsplit(":", 1)[1])
    done = subprocess.run([str(OSTACK), "api", "serve", "--bind", f"127.0.0.1:{port}"],
                          capture_output=True, text=True, env=_env(tmp_path / "home"),
                          timeout=60, check=False)
    assert done.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in done.stderr


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress

    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return cert_file, key_file


def test_tls(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    port = free_port()
    env = _env(tmp_path / "home")
    process = subprocess.Popen([str(OSTACK), "api", "serve", "--bind", f"127.0.0.1:{port}",
                                "--cert", str(cert), "--key", str(key)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        answer = None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = requests.get(f"https://127.0.0.1:{port}/", verify=str(cert), timeout=5)
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 300
        assert answer.json()["versions"]["values"][0]["links"][0]["href"] == (
            f"https://127.0.0.1:{port}/v3/")
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/", timeout=5)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)
    assert process.returncode == 0
    half = subprocess.run([str(OSTACK), "api", "serve", "--cert", str(cert)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert (half.returncode, half.stderr.strip()) == (1, "--cert and --key go together")


def test_key_rotation_while_serving(api_server: ApiServer) -> None:
    """keystone-manage fernet_rotate's repository: after one rotation the old primary is a
    secondary (its tokens still validate), after the next it is gone (three active keys,
    Keystone's default: staged, primary, one secondary). The running server picks each
    rotation up without a restart."""
    token = api_server.token()
    assert api_server.ostack("api", "rotate-keys").returncode == 0
    assert api_server.request("GET", "/v3/projects", token=token).status_code == 200
    fresh = api_server.token()
    assert api_server.ostack("api", "rotate-keys").returncode == 0
    assert api_server.request("GET", "/v3/projects", token=token).status_code == 401
    assert api_server.request("GET", "/v3/projects", token=fresh).status_code == 200
    assert sorted(int(p.name) for p in (api_server.home / "fernet-keys").iterdir()) == [0, 2, 3]
