"""Shared fixtures: a private state directory per test and an in-process CLI runner."""

from __future__ import annotations

import atexit
import dataclasses
import io
import json
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.main import OstackApp

# No test touches the host unless it says so: every ostack this test run starts, in process or
# not, uses libvirt's in-memory test driver (no guests, bridges, namespaces or iptables). The
# vm and host tiers remove this variable for the commands they run.
os.environ["OSTACK_LIBVIRT_URI"] = "test:///default"
# `ostack bootstrap` writes clouds.yaml entries for `ostack api`: never the real user's file.
_CLOUDS_DIR = tempfile.mkdtemp(prefix="ostack-test-clouds-")
atexit.register(shutil.rmtree, _CLOUDS_DIR, ignore_errors=True)
os.environ["OSTACK_CLOUDS_YAML"] = os.path.join(_CLOUDS_DIR, "clouds.yaml")


@dataclasses.dataclass
class Result:
    rc: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Runner = Callable[..., Result]

ENV_TO_CLEAR = ("OS_CLOUD", "OS_AUTH_URL", "OS_PROJECT_NAME", "OS_PROJECT_ID", "OS_USERNAME",
                "OS_PASSWORD", "OS_CLIENT_CONFIG_FILE")


@pytest.fixture
def ostack_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "ostack-home"
    monkeypatch.setenv("OSTACK_HOME", str(home))
    for name in ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLIFF_MAX_TERM_WIDTH", "0")
    # Unit tests never touch the host: libvirt's in-memory test driver, no bridges, no
    # namespaces, no iptables (the vm and host tiers drive the real thing).
    monkeypatch.setenv("OSTACK_LIBVIRT_URI", "test:///default")
    monkeypatch.setenv("OSTACK_VIRT_TYPE", "qemu")
    # The host's built test image would otherwise show up in `ostack bootstrap`.
    monkeypatch.setenv("OSTACK_IMAGE_DIR", str(tmp_path / "no-guest-image"))
    monkeypatch.setenv("OSTACK_CLOUDS_YAML", str(tmp_path / "clouds.yaml"))
    return home


@pytest.fixture
def cli(ostack_home: Path) -> Iterator[Runner]:
    """Run ``ostack ARGS`` in this process; returns status, stdout and stderr."""

    def run(*args: str, stdin: str | bytes | None = None) -> Result:
        out, err = io.StringIO(), io.StringIO()
        if isinstance(stdin, bytes):
            stdin_stream: Any = io.TextIOWrapper(io.BytesIO(stdin))
        else:
            stdin_stream = io.StringIO(stdin or "")
        app = OstackApp(stdin=stdin_stream, stdout=out, stderr=err)
        root = logging.getLogger()
        before = list(root.handlers)
        try:
            rc = app.run(list(args))
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 1
        finally:
            for handler in list(root.handlers):
                if handler not in before:
                    root.removeHandler(handler)
        return Result(rc, out.getvalue(), err.getvalue())

    yield run


def snapshot(home: Path) -> list[tuple[Any, ...]]:
    """Everything the store holds, to assert that a failed command changed nothing."""
    db = home / "state.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        rows: list[tuple[Any, ...]] = []
        for table in ("resources", "ip_allocations", "settings", "instance_actions"):
            rows += [(table, *r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
        return rows
    finally:
        conn.close()


@pytest.fixture
def store_snapshot(ostack_home: Path) -> Callable[[], list[tuple[Any, ...]]]:
    return lambda: snapshot(ostack_home)
