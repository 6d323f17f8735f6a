"""A private config world for cloud selection tests: no clouds.yaml but the ones a test writes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

WriteClouds = Callable[..., Path]


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HOME, the working directory and OS_* all private to the test."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("OSTACK_HOME", str(tmp_path / "ostack-home"))
    for name in ("XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "SNAP_REAL_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CLIFF_MAX_TERM_WIDTH", "0")
    monkeypatch.chdir(work)
    yield home


@pytest.fixture
def write_clouds(config_home: Path) -> WriteClouds:
    """Write ``~/.config/openstack/<name>`` (mode 600 unless told) from a dict."""

    def write(data: dict[str, Any], *, name: str = "clouds.yaml", mode: int = 0o600,
              directory: Path | None = None) -> Path:
        target = directory or config_home / ".config" / "openstack"
        target.mkdir(parents=True, exist_ok=True)
        path = target / name
        path.write_text(yaml.safe_dump(data))
        path.chmod(mode)
        return path

    return write


def password_cloud(**extra: Any) -> dict[str, Any]:
    auth = {
        "auth_url": "http://127.0.0.1:5000/v3",
        "username": "admin",
        "password": "s3cret",
        "project_name": "admin",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }
    entry: dict[str, Any] = {"auth": auth, "region_name": "RegionOne",
                             "identity_api_version": 3}
    entry.update(extra)
    return entry
