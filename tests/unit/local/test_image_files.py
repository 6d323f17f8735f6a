from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.backend.local import image_files
from ostack_cli.backend.local.image_files import ImageRefused
from ostack_cli.errors import BackendUnavailable
from tests.unit.commands.test_image import make_image


def qcow2_header(*, backing: bytes = b"", incompatible: int = 0) -> bytes:
    """A qcow2 v3 header (enough of one for the pre-check), optionally naming a backing file."""
    offset = 512 if backing else 0
    head = b"QFI\xfb" + struct.pack(">IQI", 3, offset, len(backing))
    head = head.ljust(72, b"\0") + struct.pack(">Q", incompatible)
    head = head.ljust(512, b"\0")
    return head + backing


def test_precheck_refuses_backing_file_and_data_file(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(qcow2_header(backing=b"/etc/shadow\x1b[2J"))
    with pytest.raises(ImageRefused) as exc:
        image_files.precheck_header(path)
    # The name comes from the image: control characters never reach the terminal.
    assert str(exc.value) == (
        "Image failed safety checks: the qcow2 image has a backing file (/etc/shadow?[2J); "
        "images must be self-contained.")
    path.write_bytes(qcow2_header(incompatible=0x4))
    with pytest.raises(ImageRefused, match="external data file"):
        image_files.precheck_header(path)
    path.write_bytes(b"# Disk DescriptorFile\nRW 2048 FLAT \"/etc/passwd\" 0\n")
    with pytest.raises(ImageRefused, match="VMDK descriptor"):
        image_files.precheck_header(path)
    path.write_bytes(qcow2_header())
    image_files.precheck_header(path)  # a plain qcow2 header passes


def info(fmt: str, **extra: Any) -> dict[str, Any]:
    return {"format": fmt, "virtual-size": 4096, **extra}


@pytest.mark.parametrize(("declared", "detected"), [
    ("raw", "raw"), ("qcow2", "qcow2"), ("vmdk", "vmdk"), ("vdi", "vdi"), ("vhdx", "vhdx"),
    ("vhd", "vpc"), ("iso", "raw"), ("ami", "raw"), ("aki", "raw"), ("ari", "raw"),
    ("ploop", "raw"), ("ploop", "parallels"),
])
def test_accepted_detections(declared: str, detected: str) -> None:
    extra = {}
    if detected == "vmdk":
        extra = {"format-specific": {"type": "vmdk", "data": {"create-type": "streamOptimized"}}}
    image_files.check_info(info(detected, **extra), declared)


@pytest.mark.parametrize(("declared", "detected", "message"), [
    ("raw", "qcow2", "Image disk_format raw does not match stream data qcow2. "
     "Give --disk-format qcow2 if that is the file's format."),
    ("vhdx", "vpc", "Image disk_format vhdx does not match stream data vhd. "
     "Give --disk-format vhd if that is the file's format."),
    ("iso", "qcow2", "Image disk_format iso does not match stream data qcow2. "
     "Give --disk-format qcow2 if that is the file's format."),
    ("raw", "luks", "Image disk_format raw does not match stream data luks. "
     "Convert it first, e.g. 'qemu-img convert -f luks -O qcow2 IN OUT'."),
])
def test_mismatches(declared: str, detected: str, message: str) -> None:
    with pytest.raises(ImageRefused) as exc:
        image_files.check_info(info(detected), declared)
    assert str(exc.value) == message


def test_info_level_safety_checks() -> None:
    with pytest.raises(ImageRefused, match=r"has a backing file \(base.img\)"):
        image_files.check_info(info("qcow2", **{"backing-filename": "base.img"}), "qcow2")
    data_file = {"format-specific": {"type": "qcow2", "data": {"data-file": "/dev/sda"}}}
    with pytest.raises(ImageRefused, match="external data file"):
        image_files.check_info(info("qcow2", **data_file), "qcow2")
    flat = {"format-specific": {"type": "vmdk", "data": {"create-type": "monolithicFlat"}}}
    with pytest.raises(ImageRefused) as exc:
        image_files.check_info(info("vmdk", **flat), "vmdk")
    assert str(exc.value) == (
        "Image failed safety checks: VMDK create-type monolithicFlat is not allowed (only "
        "monolithicSparse, streamOptimized).")


def test_inspect_virtual_sizes(tmp_path: Path) -> None:
    assert image_files.inspect(make_image(tmp_path, "a.qcow2", size="3M"), "qcow2") == 3 << 20
    odd = tmp_path / "odd.raw"
    odd.write_bytes(b"12345")
    # Glance's raw inspector counts bytes; qemu-img would round up to a sector.
    assert image_files.inspect(odd, "raw") == 5
    # Formats Glance cannot inspect get no virtual size; nor does an empty image.
    assert image_files.inspect(odd, "ami") is None
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert image_files.inspect(empty, "raw") is None


def test_qemu_img_runs_as_an_argument_list_with_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append({"argv": argv, **kwargs})
        return subprocess.CompletedProcess(argv, 0, stdout='{"format": "raw"}', stderr="")

    monkeypatch.setattr(subprocess, "run", fake_run)
    path = tmp_path / "name with $(x) ;"
    path.write_bytes(b"")
    assert image_files.qemu_img_info(path) == {"format": "raw"}
    (call,) = calls
    assert call["argv"][1:] == ["info", "--output=json", str(path)]
    assert call["timeout"] == image_files.QEMU_IMG_TIMEOUT
    assert call.get("shell") is None
    assert call["preexec_fn"] is not None


def test_qemu_img_failures_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"")

    def timeout(argv: list[str], **kwargs: Any) -> None:
        raise subprocess.TimeoutExpired(argv, 60)

    monkeypatch.setattr(subprocess, "run", timeout)
    with pytest.raises(ImageRefused, match="within 60 seconds"):
        image_files.qemu_img_info(path)

    def failing(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(argv, 1, stdout="", stderr="qemu-img: bad\x07 file\n")

    monkeypatch.setattr(subprocess, "run", failing)
    with pytest.raises(ImageRefused) as exc:
        image_files.qemu_img_info(path)
    assert str(exc.value) == "qemu-img could not read the image: qemu-img: bad? file"
    monkeypatch.setattr(image_files, "QEMU_IMG_PATHS", ("/nonexistent",))
    with pytest.raises(BackendUnavailable, match="qemu-utils"):
        image_files.qemu_img_info(path)


class ChunkRecorder(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.sizes: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None and size > 0, "the whole stream must never be read at once"
        chunk = super().read(size)
        self.sizes.append(len(chunk))
        return chunk


def test_stage_streams_hashes_and_keeps_files_private(tmp_path: Path) -> None:
    data = b"x" * (2 * image_files.CHUNK + 10)
    source = ChunkRecorder(data)
    staged = image_files.stage(tmp_path, source)
    assert source.sizes == [image_files.CHUNK, image_files.CHUNK, 10, 0]
    assert (staged.size, staged.checksum, staged.hash_value) == (
        len(data), hashlib.md5(data).hexdigest(), hashlib.sha512(data).hexdigest())
    assert staged.path.parent == tmp_path
    assert stat.S_IMODE(staged.path.stat().st_mode) == 0o600
    assert staged.path.read_bytes() == data


def test_stage_removes_its_file_when_reading_fails(tmp_path: Path) -> None:
    class Broken(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise OSError(5, "Input/output error")

    with pytest.raises(OSError, match="Input/output error"):
        image_files.stage(tmp_path, Broken())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_read_chunks_checks_the_hash_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "data"
    path.write_bytes(b"abcdef")
    good = hashlib.sha512(b"abcdef").hexdigest()
    assert list(image_files.read_chunks(path, 4, good)) == [b"abcd", b"ef"]
    with pytest.raises(image_files.CorruptImage, match="checksum mismatch"):
        list(image_files.read_chunks(path, 4, "0" * 128))


def test_stale_uploads_are_swept(tmp_path: Path) -> None:
    old = tmp_path / f"{image_files.UPLOAD_PREFIX}old"
    fresh = tmp_path / f"{image_files.UPLOAD_PREFIX}fresh"
    kept = tmp_path / "5b1f9ee2-67c0-4a21-9f64-6f4b2a4c0e11"
    for path in (old, fresh, kept):
        path.write_bytes(b"")
    os.utime(old, (1000.0, 1000.0))
    os.utime(kept, (1000.0, 1000.0))
    image_files.sweep_stale_uploads(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, kept.name])
