"""``ostack dashboard serve|stop`` without Horizon: what is refused before anything is built,
and the settings generated for the local API (the browser tier, tests/dashboard, runs the
real Horizon)."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest
import yaml

from ostack_cli.dashboard.server import keystone_url, layout_for
from ostack_cli.dashboard.settings import render_settings, write_files
from tests.conftest import Runner


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_needs_the_api(cli: Runner, ostack_home: Path) -> None:
    port = closed_port()
    result = cli("dashboard", "serve", "--api", f"127.0.0.1:{port}")
    assert result.rc == 1
    assert result.err.count("\n") == 1
    assert result.err.startswith(
        f"ostack api is not answering at http://127.0.0.1:{port}/v3 (")
    assert "start it with 'ostack api serve --detach'" in result.err
    assert not (ostack_home / "dashboard").exists()  # nothing built, nothing written


def test_serve_listens_on_loopback_only(cli: Runner) -> None:
    result = cli("dashboard", "serve", "--bind", "0.0.0.0:8080")
    assert result.rc == 1
    assert result.err == ("Invalid --bind '0.0.0.0:8080': the dashboard listens on "
                             "loopback addresses only.\n")


def test_stop_without_a_dashboard(cli: Runner, ostack_home: Path) -> None:
    result = cli("dashboard", "stop")
    assert result.rc == 1
    assert result.err == (f"ostack dashboard is not running (no live pid in "
                             f"{ostack_home / 'dashboard.pid'}).\n")


def test_the_api_address_comes_from_clouds_yaml(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    clouds = tmp_path / "clouds.yaml"
    monkeypatch.setenv("OSTACK_CLOUDS_YAML", str(clouds))
    assert keystone_url(None) == "http://127.0.0.1:5000/v3"  # bootstrap's default
    clouds.write_text(yaml.safe_dump({"clouds": {"ostack": {"auth": {
        "auth_url": "http://127.0.0.1:5999/v3"}}}}))
    assert keystone_url(None) == "http://127.0.0.1:5999/v3"
    assert keystone_url("127.0.0.1:5000") == "http://127.0.0.1:5000/v3"
    assert keystone_url("http://[::1]:5000/v3/") == "http://[::1]:5000/v3"


def test_settings_for_the_local_api(ostack_home: Path) -> None:
    layout = layout_for(ostack_home)
    write_files(layout, "http://127.0.0.1:5111/v3", "127.0.0.1")
    key = layout.secret_key.read_text()
    assert len(key.strip()) >= 48
    assert stat.S_IMODE(layout.secret_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(layout.settings.stat().st_mode) == 0o600
    text = layout.settings.read_text()
    assert key.strip() not in text  # read from its file, never repeated
    namespace: dict[str, object] = {}
    exec(compile(text, str(layout.settings), "exec"), namespace)
    assert namespace["SECRET_KEY"] == key.strip()
    assert namespace["OPENSTACK_KEYSTONE_URL"] == "http://127.0.0.1:5111/v3"
    assert namespace["OPENSTACK_HOST"] == "127.0.0.1"
    assert namespace["OPENSTACK_KEYSTONE_DEFAULT_DOMAIN"] == "Default"
    assert namespace["DEBUG"] is False
    assert namespace["WEBROOT"] == "/"
    assert namespace["ALLOWED_HOSTS"] == ["127.0.0.1", "[::1]", "localhost"]
    assert namespace["CACHES"] == {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert namespace["STATIC_ROOT"] == str(layout.venv / "static")
    # A second start keeps the key (sessions survive a restart) and follows the API.
    write_files(layout, "http://[::1]:5222/v3", "::1")
    assert layout.secret_key.read_text() == key
    assert "'http://[::1]:5222/v3'" in layout.settings.read_text()
    assert "OPENSTACK_HOST = '::1'" in render_settings(layout, "http://[::1]:5222/v3", "::1")
