"""Servers against libvirt's in-memory test driver: no QEMU, no bridges, real everything else."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import Runner


@pytest.fixture
def compute(cli: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    monkeypatch.setenv("OSTACK_LIBVIRT_URI", "test:///default")
    monkeypatch.setenv("OSTACK_VIRT_TYPE", "qemu")
    disk = tmp_path / "tiny.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "64M"], check=True)
    assert cli("image", "create", "--file", str(disk), "--disk-format", "qcow2",
               "cirros").rc == 0
    assert cli("network", "create", "private").rc == 0
    assert cli("subnet", "create", "--network", "private", "--subnet-range", "10.0.0.0/24",
               "private-subnet").rc == 0
    return cli
