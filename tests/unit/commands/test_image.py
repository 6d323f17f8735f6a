from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.backend.local import image_files
from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

IMAGE_ID = "5b1f9ee2-67c0-4a21-9f64-6f4b2a4c0e11"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def make_image(
    directory: Path,
    name: str,
    fmt: str = "qcow2",
    size: str = "1M",
    *,
    backing: Path | None = None,
    options: str | None = None,
) -> Path:
    """A small disk image made by ``qemu-img create`` (argument list, no shell)."""
    path = directory / name
    argv = [image_files.qemu_img(), "create", "-q", "-f", fmt]
    if backing is not None:
        argv += ["-b", str(backing), "-F", "raw"]
    if options:
        argv += ["-o", options]
    argv += [str(path), size]
    subprocess.run(argv, check=True, capture_output=True)
    return path


def project_id(cli: Runner, name: str = "admin") -> str:
    return cli("project", "show", name, "-f", "value", "-c", "id").out.strip()


def image_files_left(home: Path) -> list[str]:
    directory = home / "images"
    return sorted(os.listdir(directory)) if directory.exists() else []


def create(cli: Runner, *args: str, stdin: bytes | None = None) -> dict[str, Any]:
    result = cli("image", "create", *args, "-f", "json", stdin=stdin)
    assert result.rc == 0, result.err
    data: dict[str, Any] = result.json()
    return data


@pytest.fixture
def qcow2(tmp_path: Path) -> Path:
    return make_image(tmp_path, "disk.qcow2")


# -- create / show --------------------------------------------------------------------------

def test_create_from_file_prints_what_the_real_client_prints(
    cli: Runner, qcow2: Path, ostack_home: Path
) -> None:
    content = qcow2.read_bytes()
    data = create(cli, "cirros", "--id", IMAGE_ID, "--file", str(qcow2),
                  "--disk-format", "qcow2", "--property", "hw_disk_bus=virtio",
                  "--property", "hw_video_ram=8", "--tag", "b", "--tag", "a")
    assert TIMESTAMP.match(data.pop("created_at"))
    assert TIMESTAMP.match(data.pop("updated_at"))
    assert data == {
        "checksum": hashlib.md5(content).hexdigest(),
        "container_format": "bare",
        "disk_format": "qcow2",
        "file": f"/v2/images/{IMAGE_ID}/file",
        "id": IMAGE_ID,
        "min_disk": 0,
        "min_ram": 0,
        "name": "cirros",
        "owner": project_id(cli),
        "properties": {
            "os_hidden": False,
            "os_hash_algo": "sha512",
            "os_hash_value": hashlib.sha512(content).hexdigest(),
            "owner_specified.openstack.md5": "",
            "owner_specified.openstack.object": "images/cirros",
            "owner_specified.openstack.sha256": "",
            "hw_disk_bus": "virtio",
            "hw_video_ram": 8,  # openstacksdk types the properties it knows
        },
        "protected": False,
        "schema": "/v2/schemas/image",
        "size": len(content),
        "status": "active",
        "tags": ["b", "a"],
        "virtual_size": 1048576,
        "visibility": "shared",
    }
    stored = ostack_home / "images" / IMAGE_ID
    assert stored.read_bytes() == content
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert image_files_left(ostack_home) == [IMAGE_ID]


def test_show_equals_create_and_table_uses_osc_formatters(cli: Runner, qcow2: Path) -> None:
    created = create(cli, "img", "--file", str(qcow2), "--disk-format", "qcow2", "--tag", "z",
                     "--tag", "a", "--property", "foo=bar")
    shown = cli("image", "show", "img", "-f", "json").json()
    assert shown == created
    assert list(shown) == sorted(shown)
    table = cli("image", "show", created["id"]).out
    assert "| tags             | a, z" in table
    assert re.search(r"\| properties       \| foo='bar', os_hash_algo='sha512', "
                     r"os_hash_value='[0-9a-f]{128}', os_hidden='False', "
                     r"owner_specified.openstack.md5='', "
                     r"owner_specified.openstack.object='images/img', "
                     r"owner_specified.openstack.sha256='' +\|", table)


def test_sdk_properties_follow_the_callers_and_win(cli: Runner, qcow2: Path) -> None:
    # realstack (openstacksdk 4.22's create_image): the caller's properties first, then
    # md5, sha256 and object; a --property of one of those names keeps its place but takes
    # the SDK's value.
    created = create(cli, "img", "--file", str(qcow2), "--disk-format", "qcow2",
                     "--property", "owner_specified.openstack.object=mine",
                     "--property", "zeta=1", "--property", "alpha=2")
    assert list(created["properties"].items())[3:] == [
        ("owner_specified.openstack.object", "images/img"), ("zeta", "1"), ("alpha", "2"),
        ("owner_specified.openstack.md5", ""), ("owner_specified.openstack.sha256", "")]


def test_show_human_readable_size(cli: Runner) -> None:
    create(cli, "big", stdin=b"x" * 1_300_000)
    result = cli("image", "show", "big", "--human-readable", "-f", "value", "-c", "size")
    assert result.out == "1.3M\n"


def test_create_reads_piped_stdin(cli: Runner) -> None:
    data = create(cli, "piped", stdin=b"hello image")
    assert (data["size"], data["checksum"], data["virtual_size"]) == (
        11, hashlib.md5(b"hello image").hexdigest(), 11)
    assert data["disk_format"] == "raw"


def test_create_from_empty_stdin_is_an_empty_active_image(cli: Runner) -> None:
    data = create(cli, "empty")
    assert (data["status"], data["size"], data["checksum"]) == (
        "active", 0, "d41d8cd98f00b204e9800998ecf8427e")
    # Glance leaves virtual_size null for an empty image; null fields are not shown.
    assert "virtual_size" not in data


def test_create_without_data_is_queued(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, ostack_home: Path
) -> None:
    # As from a terminal: no --file and nothing piped.
    monkeypatch.setattr("ostack_cli.commands.image.stdin_data", lambda stdin: None)
    data = create(cli, "later", "--disk-format", "qcow2")
    assert data["status"] == "queued"
    for field in ("size", "checksum", "virtual_size"):
        assert field not in data
    assert data["properties"] == {
        "os_hidden": False,
        "owner_specified.openstack.md5": "",
        "owner_specified.openstack.object": "images/later",
        "owner_specified.openstack.sha256": "",
    }
    assert image_files_left(ostack_home) == []
    saved = ostack_home / "saved"
    assert cli("image", "save", "later", "--file", str(saved)).rc == 0
    assert saved.read_bytes() == b""
    # Glance allows changing the formats while an image is queued.
    assert cli("image", "set", "later", "--disk-format", "raw").rc == 0


def test_create_options(cli: Runner) -> None:
    data = create(cli, "opts", "--min-disk", "2", "--min-ram", "512", "--public", "--protected",
                  "--container-format", "ovf", "--project", "demo", "--import", "--progress",
                  stdin=b"abc")
    assert (data["min_disk"], data["min_ram"], data["visibility"], data["protected"],
            data["container_format"], data["owner"]) == (
        2, 512, "public", True, "ovf", project_id(cli, "demo"))
    assert create(cli, "c", "--community", stdin=b"")["visibility"] == "community"
    assert create(cli, "p", "--private", stdin=b"")["visibility"] == "private"
    assert create(cli, "s", "--shared", "--unprotected", stdin=b"")["protected"] is False


@pytest.mark.parametrize("name", [
    "it's \"quoted\"", "with  spaces ", "semi;colon", "$(touch /tmp/pwned)", "`id`", "ünï-cødé",
])
def test_names_are_kept_verbatim(cli: Runner, name: str) -> None:
    data = create(cli, name, stdin=b"x")
    assert data["name"] == name
    assert data["properties"]["owner_specified.openstack.object"] == f"images/{name}"
    assert cli("image", "show", name, "-f", "value", "-c", "name").out == f"{name}\n"
    assert cli("image", "list", "-f", "value", "-c", "Name").out == f"{name}\n"


# -- create: bad input (message, exit status, store unchanged, no file left) ------------------

@pytest.fixture
def unchanged(
    cli: Runner, store_snapshot: Snapshot, ostack_home: Path
) -> Callable[[], None]:
    cli("image", "list")
    before = store_snapshot()

    def check() -> None:
        assert store_snapshot() == before
        assert image_files_left(ostack_home) == []

    return check


def refused(cli: Runner, *args: str, stdin: bytes | None = None) -> tuple[int, str]:
    result = cli("image", "create", *args, stdin=stdin)
    assert result.out == ""
    return result.rc, result.err.strip()


def test_missing_file(cli: Runner, tmp_path: Path, unchanged: Callable[[], None]) -> None:
    missing = tmp_path / "nope.qcow2"
    assert refused(cli, "x", "--file", str(missing)) == (1, f"'{missing}' is not a valid file")
    unchanged()


def test_declared_qcow2_but_raw_content(
    cli: Runner, tmp_path: Path, unchanged: Callable[[], None]
) -> None:
    raw = make_image(tmp_path, "disk.raw", "raw")
    assert refused(cli, "x", "--file", str(raw), "--disk-format", "qcow2") == (
        1, "Image disk_format qcow2 does not match stream data raw. "
        "Give --disk-format raw if that is the file's format.")
    unchanged()


def test_declared_raw_but_qcow2_content(
    cli: Runner, qcow2: Path, unchanged: Callable[[], None]
) -> None:
    assert refused(cli, "x", "--file", str(qcow2)) == (
        1, "Image disk_format raw does not match stream data qcow2. "
        "Give --disk-format qcow2 if that is the file's format.")
    unchanged()


@pytest.mark.parametrize("declared", ["qcow2", "raw"])
def test_qcow2_with_backing_file_is_refused(
    cli: Runner, tmp_path: Path, unchanged: Callable[[], None], declared: str
) -> None:
    base = make_image(tmp_path, "base.raw", "raw")
    overlay = make_image(tmp_path, "x.qcow2", backing=base)
    assert refused(cli, "x", "--file", str(overlay), "--disk-format", declared) == (
        1, f"Image failed safety checks: the qcow2 image has a backing file ({base}); "
        "images must be self-contained.")
    unchanged()


def test_qcow2_with_external_data_file_is_refused(
    cli: Runner, tmp_path: Path, unchanged: Callable[[], None]
) -> None:
    image = make_image(tmp_path, "df.qcow2", options=f"data_file={tmp_path / 'data.raw'}")
    assert refused(cli, "x", "--file", str(image), "--disk-format", "qcow2") == (
        1, "Image failed safety checks: the qcow2 image keeps its data in an external data "
        "file.")
    unchanged()


def test_vmdk_descriptor_with_extents_is_refused(
    cli: Runner, tmp_path: Path, unchanged: Callable[[], None]
) -> None:
    image = make_image(tmp_path, "flat.vmdk", "vmdk", options="subformat=monolithicFlat")
    rc, err = refused(cli, "x", "--file", str(image), "--disk-format", "vmdk")
    assert (rc, err) == (
        1, "Image failed safety checks: VMDK create-type monolithicFlat is not allowed (only "
        "monolithicSparse, streamOptimized).")
    unchanged()


def test_piped_qcow2_with_backing_file_is_refused(
    cli: Runner, tmp_path: Path, unchanged: Callable[[], None]
) -> None:
    base = make_image(tmp_path, "base.raw", "raw")
    overlay = make_image(tmp_path, "x.qcow2", backing=base)
    rc, err = refused(cli, "x", "--disk-format", "qcow2", stdin=overlay.read_bytes())
    assert rc == 1
    assert err.startswith("Image failed safety checks: the qcow2 image has a backing file")
    unchanged()


def test_unknown_formats_are_argparse_errors(
    cli: Runner, qcow2: Path, unchanged: Callable[[], None], capsys: pytest.CaptureFixture[str]
) -> None:
    # argparse writes its usage errors to the process's stderr and exits 2.
    rc, _ = refused(cli, "x", "--file", str(qcow2), "--disk-format", "qcow3")
    assert rc == 2
    assert capsys.readouterr().err.endswith(
        "argument --disk-format: invalid choice: 'qcow3' (choose from 'ami', 'ari', 'aki', "
        "'vhd', 'vmdk', 'raw', 'qcow2', 'vhdx', 'vdi', 'iso', 'ploop')\n")
    # The real client offers no "compressed" container format.
    rc, _ = refused(cli, "x", "--file", str(qcow2), "--container-format", "compressed")
    assert rc == 2
    assert "argument --container-format: invalid choice: 'compressed'" in capsys.readouterr().err
    unchanged()


def test_long_name_is_refused(cli: Runner, unchanged: Callable[[], None]) -> None:
    assert refused(cli, "x" * 10_000, stdin=b"data") == (
        1, "Provided object does not match schema 'image': 'name' is too long "
        "(10000 characters; the maximum is 255)")
    unchanged()


@pytest.mark.parametrize(("args", "message"), [
    (["--id", "not-a-uuid"],
     "Provided object does not match schema 'image': 'not-a-uuid' does not match "
     "'^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'"),
    (["--min-disk", "-1"],
     "Invalid value '-1' for parameter 'min_disk': Cannot be a negative value"),
    (["--min-ram", "-5"],
     "Invalid value '-5' for parameter 'min_ram': Cannot be a negative value"),
    # realstack's Glance (its HTML 400's text)
    (["--min-ram", "2147483648"], "'min_ram' value out of range, must not exceed 2147483647."),
    (["--property", "checksum=abc"], "Attribute 'checksum' is read-only."),
    (["--property", "file=x"], "Attribute 'file' is read-only."),
    (["--property", "deleted=1"], "Attribute 'deleted' is reserved."),
    (["--property", "os_glance_import=1"], "Attribute 'os_glance_import' is reserved."),
    (["--property", "min_ram=3"],
     "'min_ram' is an image attribute, not a property: use --min-ram instead."),
    (["--property", "k" * 256 + "=v"],
     "Custom property should not be greater than 255 characters."),
    (["--tag", "t" * 256],
     "Provided object does not match schema 'image': tag is too long (256 characters; the "
     "maximum is 255)"),
    (["--location", "http://example.com/x.img"],
     "ERROR: --location was given, which is an Image v1 option that is no longer supported in "
     "Image v2"),
    (["--volume", "vol1"], "No Volume found for vol1"),  # Cinder's (test_server_volumes.py)
    (["--project", "nosuch"], "No Project found for nosuch"),
])
def test_bad_metadata_is_refused_before_any_data_is_kept(
    cli: Runner, unchanged: Callable[[], None], args: list[str], message: str
) -> None:
    assert refused(cli, "x", *args, stdin=b"data") == (1, message)
    unchanged()


def test_too_many_properties_or_tags(cli: Runner, unchanged: Callable[[], None]) -> None:
    props = [a for i in range(126) for a in ("--property", f"k{i}=v")]
    # 126 + the 3 properties openstacksdk adds = 129.
    assert refused(cli, "x", *props, stdin=b"") == (
        1, "The limit has been exceeded on the number of allowed image properties. "
        "Attempted: 129, Maximum: 128")
    tags = [a for i in range(129) for a in ("--tag", f"t{i}")]
    assert refused(cli, "x", *tags, stdin=b"") == (
        1, "The limit has been exceeded on the number of allowed image tags. "
        "Attempted: 129, Maximum: 128")
    unchanged()


def test_duplicate_id_is_a_conflict_and_keeps_the_first(
    cli: Runner, ostack_home: Path, store_snapshot: Snapshot
) -> None:
    create(cli, "first", "--id", IMAGE_ID, stdin=b"one")
    before = store_snapshot()
    assert refused(cli, "second", "--id", IMAGE_ID, stdin=b"two") == (
        1, f"Image ID {IMAGE_ID} already exists!")
    assert store_snapshot() == before
    assert image_files_left(ostack_home) == [IMAGE_ID]
    assert (ostack_home / "images" / IMAGE_ID).read_bytes() == b"one"


def test_missing_qemu_img_says_how_to_install_it(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, unchanged: Callable[[], None]
) -> None:
    monkeypatch.setattr(image_files, "QEMU_IMG_PATHS", ("/nonexistent/qemu-img",))
    assert refused(cli, "x", stdin=b"data") == (
        1, "qemu-img is needed to check disk images, but it is not installed (looked for "
        "/nonexistent/qemu-img). Install the qemu-utils package (apt-get install qemu-utils) "
        "or run 'make setup'.")
    unchanged()


def test_failure_while_storing_the_record_leaves_no_file(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, unchanged: Callable[[], None]
) -> None:
    def broken_publish(staged: Path, final: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(image_files, "publish", broken_publish)
    rc, _ = refused(cli, "x", stdin=b"data")
    assert rc == 1
    unchanged()


def test_signing_is_checked_like_the_real_client(
    cli: Runner, qcow2: Path, unchanged: Callable[[], None]
) -> None:
    assert refused(cli, "x", "--sign-key-path", "k.pem", stdin=b"") == (
        1, "signing an image requires the --file option, passing files via stdin when "
        "signing is not supported.")
    assert refused(cli, "x", "--file", str(qcow2), "--sign-key-path", "k.pem") == (
        1, "'sign-key-path' and 'sign-cert-id' must both be specified when attempting to sign "
        "an image.")
    unchanged()


def test_size_needs_data(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("ostack_cli.commands.image.stdin_data", lambda stdin: None)
    assert refused(cli, "x", "--size", "10") == (
        1, "--size requires image data via --file or stdin")
    rc, _ = refused(cli, "x", "--size", "0")
    assert rc == 2
    assert capsys.readouterr().err.endswith(
        "error: argument --size: Size must be a positive integer\n")


# -- list -----------------------------------------------------------------------------------

def test_list_columns_sorted_by_name(cli: Runner) -> None:
    b = create(cli, "beta", stdin=b"b")
    a = create(cli, "alpha", stdin=b"a")
    assert cli("image", "list", "-f", "json").json() == [
        {"ID": a["id"], "Name": "alpha", "Status": "active"},
        {"ID": b["id"], "Name": "beta", "Status": "active"},
    ]
    assert cli("image", "list").out.splitlines()[1] == (
        "| ID                                   | Name  | Status |")
    assert cli("image", "list", "--sort", "name:desc", "-f", "value", "-c", "Name").out == (
        "beta\nalpha\n")


def test_list_long(cli: Runner) -> None:
    data = create(cli, "img", "--tag", "y", "--tag", "x", stdin=b"abc")
    rows = cli("image", "list", "--long", "-f", "json").json()
    assert rows == [{
        "ID": data["id"], "Name": "img", "Disk Format": "raw", "Container Format": "bare",
        "Size": 3, "Checksum": hashlib.md5(b"abc").hexdigest(), "Status": "active",
        "Visibility": "shared", "Protected": False, "Project": project_id(cli),
        "Hash Algorithm": "sha512", "Hash Value": hashlib.sha512(b"abc").hexdigest(),
        "Tags": ["y", "x"],
    }]
    table = cli("image", "list", "--long").out.splitlines()
    assert table[1].split("|")[1:-1] == [
        " ID                                   ", " Name ", " Disk Format ",
        " Container Format ", " Size ", " Checksum                         ", " Status ",
        " Visibility ", " Protected ", " Project                          ",
        " Hash Algorithm ", f" {'Hash Value':<128} ", " Tags ",
    ]
    assert table[3].endswith("| x, y |")


def test_list_visibility_rules(cli: Runner) -> None:
    # Publishing is for admins (Glance's publicize_image): the local admin gets the role in
    # demo too.
    assert cli("role", "add", "--user", "admin", "--project", "demo", "admin").rc == 0
    for vis in ("public", "private", "shared", "community"):
        create(cli, f"own-{vis}", f"--{vis}", stdin=b"")
        result = cli("--os-project-name", "demo", "image", "create", f"demo-{vis}",
                     f"--{vis}", stdin="")
        assert result.rc == 0, result.err

    def names(*args: str) -> list[str]:
        return cli("image", "list", *args, "-f", "value", "-c", "Name").out.split()

    # Glance's admin sees every project's images, but by default other projects' community
    # images only when asked for (as realstack's admin).
    assert names() == ["demo-private", "demo-public", "demo-shared", "own-community",
                       "own-private", "own-public", "own-shared"]
    assert names("--all") == ["demo-community", "demo-private", "demo-public", "demo-shared",
                              "own-community", "own-private", "own-public", "own-shared"]
    assert names("--public") == ["demo-public", "own-public"]
    assert names("--community") == ["demo-community", "own-community"]
    assert names("--private") == ["demo-private", "own-private"]
    assert names("--shared") == ["demo-shared", "own-shared"]
    assert cli("image", "show", "demo-private", "-f", "value", "-c", "name").out == (
        "demo-private\n")
    # By name the real client searches the default list: another project's community image
    # is found by its ID only.
    community = cli("--os-project-name", "demo", "image", "show", "demo-community", "-f",
                    "value", "-c", "id").out.strip()
    assert cli("image", "show", "demo-community").err.strip() == (
        "No Image found for demo-community")
    assert cli("image", "show", community, "-f", "value", "-c", "name").out == (
        "demo-community\n")
    # A member of another project sees only what Glance shows it.
    assert cli("role", "remove", "--user", "admin", "--project", "admin", "admin").rc == 0
    assert cli("role", "add", "--user", "admin", "--project", "admin", "member").rc == 0
    assert names() == ["demo-public", "own-community", "own-private", "own-public",
                       "own-shared"]
    assert names("--all") == ["demo-community", "demo-public", "own-community", "own-private",
                              "own-public", "own-shared"]
    assert names("--private") == ["own-private"]
    assert names("--shared") == ["own-shared"]
    assert cli("image", "show", "demo-private").err.strip() == "No Image found for demo-private"
    assert cli("image", "show", "demo-community").err.strip() == (
        "No Image found for demo-community")


def test_list_filters(cli: Runner) -> None:
    create(cli, "a", "--tag", "web", "--tag", "db", "--property", "os_distro=debian",
           stdin=b"")
    create(cli, "b", "--tag", "web", "--property", "os_distro=ubuntu", stdin=b"")
    create(cli, "c", stdin=b"")
    assert cli("image", "set", "c", "--hidden").rc == 0

    def names(*args: str) -> list[str]:
        result = cli("image", "list", *args, "-f", "value", "-c", "Name")
        assert result.rc == 0, result.err
        return result.out.split()

    assert names() == ["a", "b"]
    assert names("--hidden") == ["c"]
    assert names("--name", "b") == ["b"]
    assert names("--status", "active") == ["a", "b"]
    assert names("--status", "queued") == []
    assert names("--tag", "web") == ["a", "b"]
    assert names("--tag", "web", "--tag", "db") == ["a"]
    assert names("--property", "os_distro=ubuntu") == ["b"]
    assert names("--property", "owner_specified.openstack.object=images/a") == ["a"]
    assert names("--project", "admin") == ["a", "b"]
    assert names("--project", "demo") == []
    assert names("--member-status", "ACCEPTED") == ["a", "b"]


def test_list_pagination_and_sort_errors(cli: Runner) -> None:
    # Same-second creations are ordered by ID (descending), as Glance breaks ties.
    ids = [create(cli, name, "--id", f"00000000-0000-0000-0000-00000000000{n}", stdin=b"")["id"]
           for n, name in enumerate(("one", "two", "three"), start=1)]
    # The server pages newest first; the client then sorts the page by name.
    assert len(cli("image", "list", "--limit", "2", "-f", "json").json()) == 2
    after = cli("image", "list", "--marker", ids[2], "-f", "value", "-c", "Name").out.split()
    assert after == ["one", "two"]
    assert cli("image", "list", "--marker", "nosuch").err.strip() == "No Image found for nosuch"
    result = cli("image", "list", "--sort", "name:up")
    assert (result.rc, result.err.strip()) == (
        1, "'up' is not a valid sort direction for sort key name, use 'asc' or 'desc' instead")
    result = cli("image", "list", "--sort", "colour")
    assert (result.rc, result.err.strip()) == (1, "Resource doesn't have field colour")
    assert cli("image", "list", "--sort", "size:desc,name").rc == 0


# -- show / find -----------------------------------------------------------------------------

def test_show_not_found_and_duplicates(cli: Runner) -> None:
    result = cli("image", "show", "nosuch")
    assert (result.rc, result.out, result.err.strip()) == (1, "", "No Image found for nosuch")
    first = create(cli, "twin", stdin=b"1")
    create(cli, "twin", stdin=b"2")
    result = cli("image", "show", "twin")
    assert (result.rc, result.err.strip()) == (
        1, "More than one Image exists with the name 'twin'.")
    assert cli("image", "show", first["id"], "-f", "value", "-c", "size").out == "1\n"


# -- delete ----------------------------------------------------------------------------------

def test_delete_many_goes_on_past_failures(cli: Runner, ostack_home: Path) -> None:
    a = create(cli, "a", stdin=b"a")
    create(cli, "guarded", "--protected", stdin=b"p")
    create(cli, "b", stdin=b"b")
    result = cli("image", "delete", "a", "guarded", "b")
    guarded_id = cli("image", "show", "guarded", "-f", "value", "-c", "id").out.strip()
    assert (result.rc, result.out) == (1, "")
    assert result.err.splitlines() == [
        f"Failed to delete image with name or ID 'guarded': Image {guarded_id} is protected "
        "and cannot be deleted.",
        "Failed to delete 1 of 3 images.",
    ]
    assert cli("image", "list", "-f", "value", "-c", "Name").out == "guarded\n"
    assert image_files_left(ostack_home) == [guarded_id]
    assert cli("image", "show", a["id"]).rc == 1
    assert cli("image", "set", "guarded", "--unprotected").rc == 0
    assert cli("image", "delete", "guarded").out == ""
    assert image_files_left(ostack_home) == []


def test_delete_stops_at_a_missing_image_as_the_real_client(cli: Runner) -> None:
    # osc's DeleteImage takes any 404 for a missing store: one message, and it stops there.
    create(cli, "a", stdin=b"a")
    create(cli, "b", stdin=b"b")
    result = cli("image", "delete", "a", "nosuch", "b")
    assert (result.rc, result.out, result.err) == (
        1, "", "Multi Backend support not enabled.\n")
    assert cli("image", "list", "-f", "value", "-c", "Name").out == "b\n"


def test_delete_with_store_reports_no_multi_store(cli: Runner) -> None:
    create(cli, "a", stdin=b"")
    result = cli("image", "delete", "--store", "file", "a")
    assert (result.rc, result.err.strip()) == (1, "Multi Backend support not enabled.")


def test_other_projects_images_are_changed_by_an_admin_only(
    cli: Runner, store_snapshot: Snapshot
) -> None:
    # Glance's modify_image and delete_image: the owning project's member, or an admin.
    assert cli("role", "add", "--user", "admin", "--project", "demo", "member").rc == 0
    assert cli("--os-project-name", "demo", "image", "create", "theirs", "--private",
               stdin="").rc == 0
    assert cli("--os-project-name", "demo", "image", "create", "mine", "--private",
               stdin="").rc == 0
    assert cli("image", "list", "-f", "value", "-c", "Name").out == "mine\ntheirs\n"
    assert cli("image", "set", "theirs", "--name", "renamed").rc == 0
    assert cli("image", "delete", "renamed").rc == 0
    # A member of another project sees neither and changes nothing.
    assert cli("role", "remove", "--user", "admin", "--project", "admin", "admin").rc == 0
    assert cli("role", "add", "--user", "admin", "--project", "admin", "member").rc == 0
    before = store_snapshot()
    assert cli("image", "list", "-f", "value", "-c", "Name").out == ""
    result = cli("image", "set", "mine", "--name", "x")
    assert (result.rc, result.err.strip()) == (1, "No Image found for mine")
    assert store_snapshot() == before


# -- set / unset -----------------------------------------------------------------------------

def test_set_changes_fields_and_prints_nothing(cli: Runner) -> None:
    data = create(cli, "img", "--tag", "a", "--property", "foo=1", stdin=b"")
    result = cli("image", "set", "img", "--name", "renamed", "--min-disk", "5", "--min-ram",
                 "64", "--property", "foo=2", "--property", "bar=3", "--tag", "b", "--tag",
                 "a", "--public", "--protected", "--os-distro", "debian", "--architecture",
                 "x86_64", "--project", "demo")
    assert (result.rc, result.out, result.err) == (0, "", "")
    shown = cli("image", "show", data["id"], "-f", "json").json()
    assert (shown["name"], shown["min_disk"], shown["min_ram"], shown["visibility"],
            shown["protected"], shown["tags"], shown["owner"]) == (
        "renamed", 5, 64, "public", True, ["a", "b"], project_id(cli, "demo"))
    props = shown["properties"]
    assert (props["foo"], props["bar"], props["os_distro"], props["architecture"]) == (
        "2", "3", "debian", "x86_64")
    assert shown["updated_at"] >= data["updated_at"]


def test_set_without_changes_keeps_updated_at(cli: Runner, store_snapshot: Snapshot) -> None:
    create(cli, "img", stdin=b"")
    before = store_snapshot()
    assert cli("image", "set", "img").rc == 0
    assert store_snapshot() == before


def test_set_refusals_change_nothing(cli: Runner, store_snapshot: Snapshot) -> None:
    image_id = create(cli, "img", stdin=b"")["id"]
    before = store_snapshot()
    for args, message in [
        (["--disk-format", "qcow2"], "Attribute disk_format can be only replaced for a queued "
         "image."),
        (["--container-format", "ovf"], "Attribute container_format can be only replaced for "
         "a queued image."),
        (["--visibility", "public"], "ERROR: --visibility was given, which is an Image v1 "
         "option that is no longer supported in Image v2"),
        (["--property", "status=killed"], "Attribute 'status' is read-only."),
        (["--min-disk", "-3"], "Invalid value '-3' for parameter 'min_disk': Cannot be a "
         "negative value"),
        (["--min-disk", "2147483648"], "'min_disk' value out of range, must not exceed "
         "2147483647."),
        (["--name", "n" * 256], "Provided object does not match schema 'image': 'name' is too "
         "long (256 characters; the maximum is 255)"),
        (["--activate"], None),  # already active: no change, as Glance
        # The owner is no member of its own image (Glance's 404).
        (["--accept"], f"{project_id(cli)} not found in the member list of the image "
         f"{image_id}."),
    ]:
        result = cli("image", "set", "img", *args)
        if message is None:
            assert result.rc == 0, result.err
            continue
        assert (result.rc, result.err.strip()) == (1, message), args
    assert store_snapshot() == before
    assert cli("image", "set", "img", "--disk-format", "qcow3").rc == 2


def test_deactivate_blocks_download(cli: Runner, tmp_path: Path) -> None:
    create(cli, "img", stdin=b"secret bytes")
    assert cli("image", "set", "img", "--deactivate").rc == 0
    assert cli("image", "list", "-f", "value", "-c", "Status").out == "deactivated\n"
    target = tmp_path / "out.img"
    result = cli("image", "save", "img", "--file", str(target))
    assert (result.rc, result.err.strip()) == (
        1, "The requested image has been deactivated. Image data download is forbidden.")
    assert not target.exists()
    assert cli("image", "set", "img", "--deactivate").rc == 0  # no-op, as Glance
    assert cli("image", "set", "img", "--activate").rc == 0
    assert cli("image", "save", "img", "--file", str(target)).rc == 0
    assert target.read_bytes() == b"secret bytes"


def test_unset_tags_and_properties(cli: Runner) -> None:
    create(cli, "img", "--tag", "a", "--tag", "b", "--property", "foo=1", "--property",
           "os_distro=debian", stdin=b"")
    result = cli("image", "unset", "img", "--tag", "a", "--property", "foo", "--property",
                 "os_distro")
    assert (result.rc, result.out, result.err) == (0, "", "")
    shown = cli("image", "show", "img", "-f", "json").json()
    assert shown["tags"] == ["b"]
    assert "foo" not in shown["properties"]
    assert "os_distro" not in shown["properties"]
    # A property openstacksdk knows but the image lacks is no change at all.
    assert cli("image", "unset", "img", "--property", "architecture").rc == 0


def test_unset_missing_items_reports_like_the_real_client(
    cli: Runner, store_snapshot: Snapshot
) -> None:
    create(cli, "img", "--tag", "a", "--property", "foo=1", stdin=b"")
    before = store_snapshot()
    result = cli("image", "unset", "img", "--tag", "a", "--tag", "x", "--property", "nope")
    assert (result.rc, result.out) == (1, "")
    assert result.err.splitlines() == [
        "tag unset failed, 'x' is a nonexistent tag ",
        "property unset failed, 'nope' is a nonexistent property ",
        "Failed to unset 1 of 2 tags,Failed to unset 1 of 1 properties.",
    ]
    result = cli("image", "unset", "img", "--tag", "x")
    assert result.err.splitlines()[-1] == "Failed to unset 1 of 1 tags."
    result = cli("image", "unset", "img", "--property", "nope", "--property", "foo")
    assert result.err.splitlines()[-1] == "Failed to unset 1 of 2 properties."
    result = cli("image", "unset", "img", "--property", "name")
    assert (result.rc, result.err.strip()) == (1, "Property name may not be removed.")
    result = cli("image", "unset", "img", "--property", "os_hash_algo")
    assert (result.rc, result.err.strip()) == (1, "Attribute 'os_hash_algo' is read-only.")
    assert store_snapshot() == before


# -- save ------------------------------------------------------------------------------------

def test_save_to_file_and_stdout(cli: Runner, qcow2: Path, tmp_path: Path) -> None:
    create(cli, "disk", "--file", str(qcow2), "--disk-format", "qcow2")
    target = tmp_path / "copy.qcow2"
    result = cli("image", "save", "disk", "--file", str(target), "--chunk-size", "4096")
    assert (result.rc, result.out, result.err) == (0, "", "")
    assert target.read_bytes() == qcow2.read_bytes()
    create(cli, "text", stdin=b"plain text\n")
    assert cli("image", "save", "text").out == "plain text\n"
    result = cli("image", "save", "nosuch")
    assert (result.rc, result.err.strip()) == (1, "No Image found for nosuch")


def test_save_to_a_path_it_cannot_write_is_the_sdks_error(
    cli: Runner, tmp_path: Path
) -> None:
    # openstacksdk's words, as realstack's client prints them: one line, exit 1.
    create(cli, "img", stdin=b"data")
    result = cli("image", "save", "img", "--file", str(tmp_path))
    assert (result.rc, result.out, result.err) == (
        1, "", f"Unable to download image: [Errno 21] Is a directory: '{tmp_path}'\n")
    result = cli("image", "save", "img", "--file", "/dev/full")
    assert (result.rc, result.err) == (
        1, "Unable to download image: [Errno 28] No space left on device\n")


def test_save_of_a_queued_image_warns_there_is_no_hash(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # realstack: an empty file, exit 0, and openstacksdk's warning on stderr.
    monkeypatch.setattr("ostack_cli.commands.image.stdin_data", lambda stdin: None)
    data = create(cli, "later", "--disk-format", "qcow2")
    target = tmp_path / "out"
    result = cli("image", "save", "later", "--file", str(target))
    assert (result.rc, result.err) == (0, (
        f"Unable to verify the integrity of image {data['id']} - no hash available\n"))
    assert target.read_bytes() == b""


def test_save_detects_a_damaged_copy(cli: Runner, ostack_home: Path, tmp_path: Path) -> None:
    data = create(cli, "img", stdin=b"original")
    (ostack_home / "images" / data["id"]).write_bytes(b"tampered")
    result = cli("image", "save", "img", "--file", str(tmp_path / "out"))
    assert result.rc == 1
    assert result.err.startswith("checksum mismatch (sha512): ")


def test_create_streams_large_files(cli: Runner, tmp_path: Path, ostack_home: Path) -> None:
    big = tmp_path / "big.raw"
    block = os.urandom(1024 * 1024)
    with big.open("wb") as f:
        for _ in range(50):
            f.write(block)
    data = create(cli, "big", "--file", str(big))
    assert data["size"] == 50 * 1024 * 1024
    digest = hashlib.md5(usedforsecurity=False)
    for _ in range(50):
        digest.update(block)
    assert data["checksum"] == digest.hexdigest()
    assert (ostack_home / "images" / data["id"]).stat().st_size == 50 * 1024 * 1024


# -- parsers ---------------------------------------------------------------------------------

def parser_for(command: str) -> Any:
    from ostack_cli.main import OstackApp

    app = OstackApp()
    factory, _, _ = app.command_manager.find_command(command.split())
    return factory(app, None).get_parser(f"ostack {command}")


def test_create_parser_defaults() -> None:
    args = parser_for("image create").parse_args(["name"])
    assert (args.name, args.disk_format, args.container_format, args.visibility,
            args.is_protected, args.filename, args.properties, args.tags, args.use_import) == (
        "name", "raw", "bare", None, None, None, None, None, False)
    args = parser_for("image create").parse_args(
        ["n", "--file", "f", "--property", "a=1", "--property", "b=2", "--tag", "t",
         "--community", "--unprotected"])
    assert (args.filename, args.properties, args.tags, args.visibility, args.is_protected) == (
        "f", {"a": "1", "b": "2"}, ["t"], "community", False)


def test_other_parsers() -> None:
    args = parser_for("image list").parse_args([])
    assert (args.visibility, args.sort, args.tag, args.is_hidden, args.long, args.limit) == (
        None, "name:asc", [], False, False, None)
    assert parser_for("image list").parse_args(["--all"]).visibility == "all"
    args = parser_for("image set").parse_args(["img", "--hidden", "--deactivate", "--tag", "t"])
    assert (args.is_hidden, args.deactivate, args.activate, args.tags, args.membership) == (
        True, True, False, ["t"], None)
    args = parser_for("image unset").parse_args(["img", "--tag", "a", "--property", "p"])
    assert (args.tags, args.properties) == (["a"], ["p"])
    args = parser_for("image save").parse_args(["img"])
    assert (args.chunk_size, args.filename, args.image) == (1024, None, "img")
    args = parser_for("image delete").parse_args(["a", "b"])
    assert (args.images, args.store) == (["a", "b"], None)
    args = parser_for("image show").parse_args(["--human-readable", "img"])
    assert (args.image, args.human_readable) == ("img", True)


def test_json_output_types(cli: Runner) -> None:
    data = create(cli, "img", stdin=b"12345")
    for field in ("size", "virtual_size", "min_disk", "min_ram"):
        assert type(data[field]) is int, field
    assert type(data["protected"]) is bool
    assert isinstance(data["tags"], list)
    assert json.loads(cli("image", "show", "img", "-f", "json", "-c", "tags").out) == {
        "tags": []}
