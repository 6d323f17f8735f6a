"""Glance's interoperable import through ostack's cloud backend and the real client, side by
side: ``image import info``, ``image stage``, ``image import`` and their refusals."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cloud.conftest import SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

IMAGE_VOLATILE = ("id", "name", "created_at", "updated_at", "file", "properties", "owner")


def queued_image(clients: SideBySide) -> str:
    """A queued image made by the real client with stdin closed (a pipe would be uploaded)."""
    assert clients.real is not None
    done = subprocess.run(
        [str(clients.real), "--os-cloud", clients.target.admin, "image", "create",
         f"import-{uuid.uuid4().hex[:8]}", "-f", "value", "-c", "id"],
        capture_output=True, text=True, env=clients.env, timeout=300, check=False,
        preexec_fn=lambda: os.close(0))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def two_images(clients: SideBySide) -> Iterator[tuple[str, str]]:
    made: list[str] = []
    try:
        made.extend(queued_image(clients) for _ in range(2))
        yield made[0], made[1]
    finally:
        for image in made:
            clients.openstack("image", "delete", image)


def status(clients: SideBySide, image: str) -> str:
    return clients.openstack("image", "show", image, "-f", "value", "-c", "status").out.strip()


def test_import_info_and_refusals(clients: SideBySide, two_images: tuple[str, str]) -> None:
    assert_same(*clients.both("image", "import", "info", "-f", "json"))
    theirs, ours = two_images
    for args in (("--method", "glance-direct"),
                 ("--method", "copy-image"),
                 ("--method", "web-download"),
                 ("--uri", "http://example.com/x"),
                 ("--method", "web-download", "--uri", "nope"),
                 # Glance refuses the URI (filtering); the real client does not notice.
                 ("--method", "web-download", "--uri", "http://127.0.0.1:1/x")):
        real = clients.openstack("image", "import", theirs, *args, "-f", "json")
        mine = clients.ostack("image", "import", ours, *args, "-f", "json")
        assert_same(real, mine, volatile=IMAGE_VOLATILE)
    assert (status(clients, theirs), status(clients, ours)) == ("queued", "queued")


def test_stage_then_import(clients: SideBySide, two_images: tuple[str, str],
                           tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\1" * 65536)
    theirs, ours = two_images
    real = clients.openstack("image", "stage", "--file", str(disk), theirs)
    mine = clients.ostack("image", "stage", "--file", str(disk), ours)
    assert_same(real, mine)
    assert_same(clients.openstack("image", "show", theirs, "-f", "json"),
                clients.ostack("image", "show", ours, "-f", "json"), volatile=IMAGE_VOLATILE)
    real = clients.openstack("image", "stage", "--file", str(disk), theirs)
    mine = clients.ostack("image", "stage", "--file", str(disk), ours)
    assert real.rc == 1
    assert_same(real, mine)
    real = clients.openstack("image", "import", theirs, "-f", "json")
    mine = clients.ostack("image", "import", ours, "-f", "json")
    assert_same(real, mine, volatile=IMAGE_VOLATILE)
    assert mine.json()["status"] == "uploading"
    deadline = time.monotonic() + 60
    while {status(clients, theirs), status(clients, ours)} != {"active"}:
        assert time.monotonic() < deadline, "the imports did not finish"
        time.sleep(1)
    assert_same(clients.openstack("image", "show", theirs, "-f", "json"),
                clients.ostack("image", "show", ours, "-f", "json"), volatile=IMAGE_VOLATILE)
