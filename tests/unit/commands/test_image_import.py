"""``image stage``, ``image import``, ``image import info`` and ``image create --import`` on the
local backend (Glance's interoperable import, run within the command)."""

from __future__ import annotations

import hashlib
import http.server
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Runner
from tests.unit.commands.test_image import make_image

Snapshot = Callable[[], list[tuple[Any, ...]]]


@pytest.fixture
def no_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    # The in-process runner's stdin is an empty pipe, which the real client would upload.
    monkeypatch.setattr("ostack_cli.commands.image.stdin_data", lambda stdin: None)


def queued(cli: Runner, name: str, *args: str) -> dict[str, Any]:
    result = cli("image", "create", name, *args, "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    assert data["status"] == "queued"
    return data


def show(cli: Runner, name: str) -> dict[str, Any]:
    result = cli("image", "show", name, "-f", "json")
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def staging_left(home: Path) -> list[str]:
    directory = home / "image-staging"
    return sorted(os.listdir(directory)) if directory.exists() else []


def test_import_info_lists_what_the_local_glance_supports(cli: Runner) -> None:
    assert cli("image", "import", "info", "-f", "json").json() == {
        "import-methods": ["glance-direct", "web-download"]}
    # As osc-lib's ListColumn prints a list in value format: its repr.
    assert cli("image", "import", "info", "-f", "value").out == (
        "['glance-direct', 'web-download']\n")


@pytest.mark.usefixtures("no_stdin")
def test_stage_then_glance_direct_import(cli: Runner, ostack_home: Path,
                                         tmp_path: Path) -> None:
    disk = make_image(tmp_path, "disk.qcow2")
    created = queued(cli, "staged", "--disk-format", "qcow2")
    staged = cli("image", "stage", "--file", str(disk), "staged")
    assert (staged.rc, staged.out, staged.err) == (0, "", "")
    after_stage = show(cli, "staged")
    assert after_stage["status"] == "uploading"
    assert after_stage["size"] == disk.stat().st_size
    assert "checksum" not in after_stage
    assert staging_left(ostack_home) == [created["id"]]

    result = cli("image", "import", "staged", "-f", "json")
    assert result.rc == 0, result.err
    # The real client shows the image as it found it, before the import.
    assert result.json()["status"] == "uploading"
    image = show(cli, "staged")
    data = disk.read_bytes()
    assert image["status"] == "active"
    assert image["checksum"] == hashlib.md5(data).hexdigest()
    assert image["properties"]["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert image["properties"]["os_glance_importing_to_stores"] == ""
    assert image["properties"]["os_glance_failed_import"] == ""
    assert image["virtual_size"] == 1024 * 1024
    assert staging_left(ostack_home) == []
    assert (ostack_home / "images" / created["id"]).read_bytes() == data


@pytest.mark.usefixtures("no_stdin")
def test_refused_data_leaves_the_image_queued_with_a_failed_import(
    cli: Runner, ostack_home: Path, tmp_path: Path
) -> None:
    backing = tmp_path / "secret"
    backing.write_bytes(b"x" * 512)
    disk = make_image(tmp_path, "backed.qcow2", backing=backing)
    created = queued(cli, "bad", "--disk-format", "qcow2")
    assert cli("image", "stage", "--file", str(disk), "bad").rc == 0
    result = cli("image", "import", "bad", "-f", "value", "-c", "status")
    # Glance answers 202 and its task fails: the command succeeds.
    assert (result.rc, result.out) == (0, "uploading\n")
    image = show(cli, "bad")
    assert image["status"] == "queued"
    assert "size" not in image
    assert image["properties"]["os_glance_failed_import"] == "fs"
    assert image["properties"]["os_glance_importing_to_stores"] == ""
    assert staging_left(ostack_home) == []
    assert not (ostack_home / "images" / created["id"]).exists()
    # It can be staged and imported again.
    good = make_image(tmp_path, "good.qcow2")
    assert cli("image", "stage", "--file", str(good), "bad").rc == 0
    assert cli("image", "import", "bad").rc == 0
    assert show(cli, "bad")["status"] == "active"


@pytest.mark.usefixtures("no_stdin")
@pytest.mark.parametrize(("args", "message"), [
    (("--method", "glance-direct"),
     "The 'glance-direct' import method can only be used with an image in status "
     "'uploading'"),
    (("--method", "copy-image", "--all-stores"),
     "The 'copy-image' import method is not supported by this deployment. Supported: "
     "glance-direct, web-download"),
    (("--method", "web-download"),
     "The '--uri' option is required when using '--method=web-download'"),
    (("--method", "web-download", "--uri", "not-a-url"), "'not-a-url' is not a valid url"),
    (("--uri", "http://example.com/x"),
     "The '--uri' option is only supported when using '--method=web-download'"),
    (("--remote-region", "r2"),
     "The '--remote-region' option is only supported when using '--method=glance-download'"),
])
def test_a_refused_import_changes_nothing(
    cli: Runner, store_snapshot: Snapshot, args: tuple[str, ...], message: str
) -> None:
    queued(cli, "q")
    before = store_snapshot()
    result = cli("image", "import", "q", *args)
    assert (result.rc, result.out, result.err.strip()) == (1, "", message)
    assert store_snapshot() == before


@pytest.mark.usefixtures("no_stdin")
@pytest.mark.parametrize(("args", "message"), [
    (("--method", "web-download", "--uri", "ftp://example.com/disk.img"),
     "URI for web-download does not pass filtering: ftp://example.com/disk.img"),
    (("--method", "web-download", "--uri", "http://127.0.0.1:8999/disk.img"),
     "URI for web-download does not pass filtering: http://127.0.0.1:8999/disk.img"),
    (("--method", "web-download", "--uri", "http://example.com/x", "--store", "ceph"),
     "Unknown scheme 'ceph' found in URI"),
])
def test_glance_refusals_change_nothing_and_only_show_in_debug(
    cli: Runner, store_snapshot: Snapshot, args: tuple[str, ...], message: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # As the real client: openstacksdk ignores the import request's answer, so Glance's
    # refusal leaves the command successful, showing the image it found.
    queued(cli, "q")
    before = store_snapshot()
    result = cli("image", "import", "q", *args, "-f", "value", "-c", "status")
    assert (result.rc, result.out, result.err) == (0, "queued\n", "")
    assert store_snapshot() == before
    assert message in caplog.text  # what --debug shows


@pytest.mark.usefixtures("no_stdin")
def test_stage_refuses_an_image_that_is_not_queued(
    cli: Runner, store_snapshot: Snapshot, tmp_path: Path, ostack_home: Path
) -> None:
    disk = make_image(tmp_path, "disk.raw", fmt="raw")
    queued(cli, "once")
    assert cli("image", "stage", "--file", str(disk), "once").rc == 0
    before = store_snapshot()
    result = cli("image", "stage", "--file", str(disk), "once")
    assert (result.rc, result.err.strip()) == (
        1, "Image stage is only possible for images in the queued state. Current state is "
        "uploading")
    assert store_snapshot() == before
    missing = cli("image", "stage", "--file", str(tmp_path / "nope"), "once")
    assert (missing.rc, missing.err.strip()) == (
        1, f"{str(tmp_path / 'nope')!r} is not a valid file")
    # Deleting an image that waits for its import removes its staged data.
    assert cli("image", "delete", "once").rc == 0
    assert staging_left(ostack_home) == []


@pytest.mark.usefixtures("no_stdin")
def test_import_refuses_an_active_image(cli: Runner, tmp_path: Path) -> None:
    disk = make_image(tmp_path, "disk.raw", fmt="raw")
    assert cli("image", "create", "done", "--file", str(disk)).rc == 0
    result = cli("image", "import", "done", "--method", "web-download",
                 "--uri", "http://example.com/x")
    assert (result.rc, result.err.strip()) == (
        1, "The 'web-download' import method can only be used with an image in status "
        "'queued'")


@pytest.mark.usefixtures("no_stdin")
def test_create_with_import_stages_and_imports(
    cli: Runner, ostack_home: Path, tmp_path: Path
) -> None:
    disk = make_image(tmp_path, "disk.qcow2")
    result = cli("image", "create", "imported", "--import", "--disk-format", "qcow2",
                 "--file", str(disk), "-f", "json")
    assert result.rc == 0, result.err
    image = result.json()
    assert image["status"] == "active"
    assert image["checksum"] == hashlib.md5(disk.read_bytes()).hexdigest()
    assert image["properties"]["os_glance_failed_import"] == ""
    assert staging_left(ostack_home) == []
    # Without data, --import creates a queued image, as openstacksdk does.
    assert queued(cli, "empty", "--import")["status"] == "queued"


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def web_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server of ``tmp_path/www``, its port allowed for web-download."""
    root = tmp_path / "www"
    root.mkdir()

    def handler(*args: Any) -> _Files:
        return _Files(*args, directory=str(root))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    monkeypatch.setenv("OSTACK_IMPORT_ALLOWED_PORTS", f"80,443,{port}")
    try:
        yield f"http://127.0.0.1:{port}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.usefixtures("no_stdin")
def test_web_download(cli: Runner, ostack_home: Path, web_server: tuple[str, Path]) -> None:
    base, root = web_server
    disk = make_image(root, "disk.qcow2")
    queued(cli, "web", "--disk-format", "qcow2")
    result = cli("image", "import", "web", "--method", "web-download",
                 "--uri", f"{base}/disk.qcow2", "-f", "value", "-c", "status")
    assert (result.rc, result.out) == (0, "queued\n"), result.err
    image = show(cli, "web")
    assert image["status"] == "active"
    assert image["checksum"] == hashlib.md5(disk.read_bytes()).hexdigest()
    assert staging_left(ostack_home) == []
    # An unreachable file fails the import as Glance's task fails: queued, marked failed.
    queued(cli, "gone", "--disk-format", "qcow2")
    assert cli("image", "import", "gone", "--method", "web-download",
               "--uri", f"{base}/missing.qcow2").rc == 0
    gone = show(cli, "gone")
    assert (gone["status"], gone["properties"]["os_glance_failed_import"]) == ("queued", "fs")
    assert staging_left(ostack_home) == []


def _staged_then_killed(cli: Runner, tmp_path: Path, ostack_home: Path
                        ) -> tuple[str, bytes, Path]:
    """An image staged for glance-direct, and its staged data's path."""
    disk = make_image(tmp_path, "disk.qcow2")
    image_id = queued(cli, "killed", "--disk-format", "qcow2")["id"]
    assert cli("image", "stage", "--file", str(disk), "killed").rc == 0
    return image_id, disk.read_bytes(), ostack_home / "image-staging" / image_id


def _dead_pid() -> int:
    probe = subprocess.Popen(["true"])
    probe.wait()
    return probe.pid


@pytest.mark.usefixtures("no_stdin")
def test_an_import_killed_after_its_claim_is_taken_over(
    cli: Runner, ostack_home: Path, tmp_path: Path
) -> None:
    image_id, data, staged = _staged_then_killed(cli, tmp_path, ostack_home)
    # What a process killed between claiming the data and publishing it leaves.
    staged.rename(staged.with_name(f".import-{image_id}.{_dead_pid()}.{int(time.time())}"))
    assert show(cli, "killed")["status"] == "uploading"
    assert cli("image", "import", "killed").rc == 0
    image = show(cli, "killed")
    assert image["status"] == "active"
    assert image["checksum"] == hashlib.md5(data).hexdigest()
    assert staging_left(ostack_home) == []
    assert (ostack_home / "images" / image_id).read_bytes() == data


@pytest.mark.usefixtures("no_stdin")
def test_an_import_killed_before_its_record_committed_is_taken_over(
    cli: Runner, ostack_home: Path, tmp_path: Path
) -> None:
    image_id, data, staged = _staged_then_killed(cli, tmp_path, ostack_home)
    # Killed in publish: the data renamed into the store, the transaction rolled back.
    (ostack_home / "images").mkdir(mode=0o700, exist_ok=True)
    staged.rename(ostack_home / "images" / image_id)
    assert cli("image", "import", "killed").rc == 0
    assert show(cli, "killed")["status"] == "active"
    assert (ostack_home / "images" / image_id).read_bytes() == data


@pytest.mark.usefixtures("no_stdin")
def test_a_live_claim_is_glance_s_conflict_and_is_left_alone(
    cli: Runner, ostack_home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    image_id, _, staged = _staged_then_killed(cli, tmp_path, ostack_home)
    # This test's own process started before the claim: a live claimer.
    claim = staged.with_name(f".import-{image_id}.{os.getpid()}.{int(time.time())}")
    staged.rename(claim)
    result = cli("image", "import", "killed", "-f", "value", "-c", "status")
    # The real client ignores the import request's answer (openstacksdk does).
    assert (result.rc, result.out) == (0, "uploading\n")
    assert "prior operation is still in progress" in caplog.text
    assert show(cli, "killed")["status"] == "uploading"
    assert claim.exists()
    # Deleting the image takes its claim too.
    assert cli("image", "delete", "killed").rc == 0
    assert staging_left(ostack_home) == []


@pytest.mark.usefixtures("no_stdin")
def test_staged_data_lost_puts_the_image_back_to_queued(
    cli: Runner, ostack_home: Path, tmp_path: Path
) -> None:
    _, _, staged = _staged_then_killed(cli, tmp_path, ostack_home)
    staged.unlink()
    assert cli("image", "import", "killed").rc == 0
    image = show(cli, "killed")
    assert image["status"] == "queued"
    assert image["properties"]["os_glance_failed_import"] == "fs"
    # And it can be staged again.
    again = make_image(tmp_path, "again.qcow2")
    assert cli("image", "stage", "--file", str(again), "killed").rc == 0
