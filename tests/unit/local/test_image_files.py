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
from ostack_cli.backend.models.image import DISK_FORMATS
from ostack_cli.errors import BackendUnavailable
from tests.unit.commands.test_image import make_image


def qcow2_header(*, backing: bytes = b"", incompatible: int = 0) -> bytes:
    """A qcow2 v3 header, optionally naming a backing file."""
    offset = 512 if backing else 0
    head = b"QFI\xfb" + struct.pack(">IQI", 3, offset, len(backing))
    head = head.ljust(72, b"\0") + struct.pack(">Q", incompatible)
    head = head.ljust(512, b"\0")
    return head + backing


def protective_mbr(size: int = 1 << 20) -> bytes:
    """A raw disk with a GPT protective MBR (what the inspector calls "gpt")."""
    disk = bytearray(size)
    disk[446:462] = struct.pack("<B3BB3BII", 0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF, 1,
                                size // 512 - 1)
    disk[510:512] = b"\x55\xaa"
    return bytes(disk)


def refusal(path: Path, declared: str) -> str:
    with pytest.raises(ImageRefused) as exc:
        image_files.inspect(path, declared)
    return str(exc.value)


# -- Glance's disk formats as QEMU's ---------------------------------------------------------

def test_qemu_format_of_every_glance_disk_format() -> None:
    assert {fmt: image_files.qemu_format(fmt) for fmt in DISK_FORMATS} == {
        "raw": "raw", "qcow2": "qcow2", "vmdk": "vmdk", "vdi": "vdi", "vhd": "vpc",
        "vhdx": "vhdx", "iso": "raw", "ami": "raw", "ari": "raw", "aki": "raw",
        "ploop": "parallels",
    }
    with pytest.raises(ImageRefused) as exc:
        image_files.qemu_format("qed")
    assert str(exc.value) == "Image not in a supported format: disk_format qed."


# -- what is accepted -----------------------------------------------------------------------

@pytest.mark.parametrize(("declared", "qemu_fmt", "options"), [
    ("raw", "raw", None), ("qcow2", "qcow2", None), ("vmdk", "vmdk", None),
    ("vmdk", "vmdk", "subformat=streamOptimized"), ("vdi", "vdi", None), ("vhd", "vpc", None),
    ("vhdx", "vhdx", None), ("ploop", "parallels", None),
])
def test_every_format_qemu_writes_is_accepted_as_itself(
    tmp_path: Path, declared: str, qemu_fmt: str, options: str | None
) -> None:
    image = make_image(tmp_path, f"x.{qemu_fmt}", qemu_fmt, size="2M", options=options)
    size = image_files.inspect(image, declared)
    if declared == "ploop":
        assert size is None  # Glance cannot inspect it: no virtual size
    else:
        assert size is not None and size >= 2 << 20


def test_iso_and_a_bootable_iso(tmp_path: Path) -> None:
    import pycdlib

    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=4, vol_ident="CONFIG")
    iso.add_fp(io.BytesIO(b"hi"), 2, "/A.TXT;1")
    path = tmp_path / "x.iso"
    iso.write(str(path))
    iso.close()
    assert image_files.inspect(path, "iso") == path.stat().st_size
    # ISO + GPT (a hybrid ISO's boot record in front) is an ISO, as Glance and Nova say.
    data = bytearray(path.read_bytes())
    data[:512] = protective_mbr(512 * 4096)[:512]
    path.write_bytes(bytes(data))
    assert image_files.inspect(path, "iso") == path.stat().st_size


def test_a_whole_disk_raw_image_with_a_partition_table_is_raw(tmp_path: Path) -> None:
    disk = tmp_path / "disk.img"
    disk.write_bytes(protective_mbr())
    assert image_files.inspect(disk, "raw") == 1 << 20
    assert refusal(disk, "qcow2") == (
        "Image disk_format qcow2 does not match stream data gpt. Give --disk-format raw if it "
        "is a whole-disk image.")


def test_the_ami_family_is_raw_data(tmp_path: Path) -> None:
    kernel = tmp_path / "vmlinuz"
    kernel.write_bytes(b"\x7fELF" + b"\0" * 1000)
    for declared in ("ami", "ari", "aki"):
        assert image_files.inspect(kernel, declared) is None  # Glance: no virtual size
    assert refusal(make_image(tmp_path, "x.qcow2"), "aki") == (
        "Image disk_format aki does not match stream data qcow2. Give --disk-format qcow2 if "
        "that is the file's format.")


# -- refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize("declared", ["qcow2", "raw"])
def test_an_image_with_a_backing_file_is_refused(tmp_path: Path, declared: str) -> None:
    base = make_image(tmp_path, "base.raw", "raw")
    overlay = make_image(tmp_path, "x.qcow2", backing=base)
    # Unsafe whatever it is declared as: the safety checks come first (Nova's order).
    assert refusal(overlay, declared) == (
        f"Image failed safety checks: the qcow2 image has a backing file ({base}); images "
        "must be self-contained.")


def test_the_backing_file_name_cannot_reach_the_terminal_raw(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(qcow2_header(backing=b"/etc/shadow\x1b[2J"))
    assert refusal(path, "qcow2") == (
        "Image failed safety checks: the qcow2 image has a backing file (/etc/shadow?[2J); "
        "images must be self-contained.")


def test_a_qcow2_declared_raw_is_refused(tmp_path: Path) -> None:
    assert refusal(make_image(tmp_path, "x.qcow2"), "raw") == (
        "Image disk_format raw does not match stream data qcow2. Give --disk-format qcow2 if "
        "that is the file's format.")


@pytest.mark.parametrize(("declared", "fmt", "detected", "hint"), [
    ("qcow2", "raw", "raw", "Give --disk-format raw if that is the file's format."),
    ("vhdx", "vpc", "vhd", "Give --disk-format vhd if that is the file's format."),
    ("iso", "qcow2", "qcow2", "Give --disk-format qcow2 if that is the file's format."),
    ("raw", "vdi", "vdi", "Give --disk-format vdi if that is the file's format."),
    ("raw", "luks", "luks",
     "Convert it first, e.g. 'qemu-img convert -f luks -O qcow2 IN OUT'."),
])
def test_mismatches(tmp_path: Path, declared: str, fmt: str, detected: str, hint: str) -> None:
    if fmt == "luks":
        # A LUKS v1 header (qemu-img's own luks create times PBKDF2 and fails on a busy host).
        path = tmp_path / "x.luks"
        path.write_bytes((b"LUKS\xba\xbe" + struct.pack(">H", 1)).ljust(4096, b"\0"))
    else:
        path = make_image(tmp_path, f"x.{fmt}", fmt)
    assert refusal(path, declared) == (
        f"Image disk_format {declared} does not match stream data {detected}. {hint}")


def test_a_qcow2_with_an_external_data_file_is_refused(tmp_path: Path) -> None:
    image = make_image(tmp_path, "df.qcow2", options=f"data_file={tmp_path / 'data.raw'}")
    assert refusal(image, "qcow2") == (
        "Image failed safety checks: the qcow2 image keeps its data in an external data file.")


def test_a_vmdk_with_an_extent_in_another_file_is_refused(tmp_path: Path) -> None:
    flat = make_image(tmp_path, "flat.vmdk", "vmdk", options="subformat=monolithicFlat")
    assert refusal(flat, "vmdk") == (
        "Image failed safety checks: VMDK create-type monolithicFlat is not allowed (only "
        "monolithicSparse, streamOptimized).")
    # A descriptor that claims a single-file type but names a host file as its extent.
    sneaky = tmp_path / "sneaky.vmdk"
    sneaky.write_text('# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n'
                      'createType="monolithicSparse"\nRW 2048 SPARSE "/etc/shadow"\n')
    assert refusal(sneaky, "vmdk") == (
        "Image failed safety checks: the VMDK descriptor names extents in other files; only "
        "single-file VMDKs are accepted.")


def test_unsafe_or_ambiguous_headers_are_refused(tmp_path: Path) -> None:
    qed = make_image(tmp_path, "x.qed", "qed")
    assert refusal(qed, "raw") == "Image failed safety checks: qed images are not allowed."
    unknown = tmp_path / "unknown.qcow2"
    unknown.write_bytes(qcow2_header(incompatible=1 << 40))
    assert refusal(unknown, "qcow2") == (
        "Image failed safety checks: qcow2 check unknown_features: Unknown QCOW2 features "
        "found.")
    # A qcow2 header that is also an MBR: which one QEMU would see depends on who asks.
    both = bytearray(qcow2_header())
    both[510:512] = b"\x55\xaa"
    (tmp_path / "both").write_bytes(bytes(both))
    assert refusal(tmp_path / "both", "qcow2") == "Multiple formats detected: gpt,qcow2"


def test_the_inspectors_own_log_lines_stay_off_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    base = make_image(tmp_path, "base.raw", "raw")
    refusal(make_image(tmp_path, "x.qcow2", backing=base), "qcow2")
    assert capsys.readouterr().err == ""
    assert not [r for r in caplog.records if r.name.startswith("oslo_utils")]


def test_qemu_img_is_the_second_line(tmp_path: Path) -> None:
    image_files.check_info({"format": "vpc"}, "vhd")
    with pytest.raises(ImageRefused, match=r"has a backing file \(base.img\)"):
        image_files.check_info({"format": "qcow2", "backing-filename": "base.img"}, "qcow2")
    data_file = {"format-specific": {"type": "qcow2", "data": {"data-file": "/dev/sda"}}}
    with pytest.raises(ImageRefused, match="external data file"):
        image_files.check_info({"format": "qcow2", **data_file}, "qcow2")
    flat = {"format-specific": {"type": "vmdk", "data": {"create-type": "monolithicFlat"}}}
    with pytest.raises(ImageRefused) as exc:
        image_files.check_info({"format": "vmdk", **flat}, "vmdk")
    assert str(exc.value) == (
        "Image failed safety checks: VMDK create-type monolithicFlat is not allowed (only "
        "monolithicSparse, streamOptimized).")
    with pytest.raises(ImageRefused, match="qemu-img read the image as raw, not qcow2"):
        image_files.check_info({"format": "raw"}, "qcow2")


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
    assert image_files.qemu_img_info(path, "vpc") == {"format": "raw"}
    (call,) = calls
    # The format is always given: qemu-img never probes untrusted data.
    assert call["argv"][1:] == ["info", "-f", "vpc", "--output=json", str(path)]
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
        image_files.qemu_img_info(path, "raw")

    def failing(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(argv, 1, stdout="", stderr="qemu-img: bad\x07 file\n")

    monkeypatch.setattr(subprocess, "run", failing)
    with pytest.raises(ImageRefused) as exc:
        image_files.qemu_img_info(path, "raw")
    assert str(exc.value) == "qemu-img could not read the image: qemu-img: bad? file"
    monkeypatch.setattr(image_files, "QEMU_IMG_PATHS", ("/nonexistent",))
    with pytest.raises(BackendUnavailable, match="qemu-utils"):
        image_files.qemu_img_info(path, "raw")


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
