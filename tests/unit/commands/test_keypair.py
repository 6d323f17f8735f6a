from __future__ import annotations

import base64
import datetime
import hashlib
import re
import shutil
import stat
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from ostack_cli.backend.local import LocalBackend
from ostack_cli.backend.local.keypairs import ssh_fingerprint
from ostack_cli.backend.models.keypair import Keypair
from ostack_cli.errors import Conflict
from ostack_cli.state.store import UniqueViolation
from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

# Nova's own API reference sample (os-keypairs show): key and the fingerprint Nova gave it.
NOVA_SAMPLE_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC1HTrHCbb9NawNLSV8N6tSa8i637+EC2dA+lsdHHfQlT54t+N0n"
    "HhJPlKWDLhc579j87vp6RDFriFJ/smsTnDnf64O12z0kBaJpJPH2zXrBkZFK6q2rmxydURzX/z0yLSCP77SFJ0fdX"
    "WH2hMsAusflGyryHGX20n+mZK6mDrxVzGxEz228dwQ5G7Az5OoZDWygH2pqPvKjkifRw0jwUKf3BbkP0QvANACOk2"
    "6cv16mNFpFJfI1N3OC5lUsZQtKGR01ptJoWijYKccqhkAKuo902tg/qup58J5kflNm7I61sy1mJon6SGqNUSfoQagq"
    "tBH6vd/tU1jnlwZ03uUroAL Generated-by-Nova\n"
)
NOVA_SAMPLE_FINGERPRINT = "44:fe:29:6e:23:14:b9:53:5b:65:82:58:1c:fe:5a:c3"
# Fingerprints below were taken with `ssh-keygen -l -E md5 -f`.
FIXED_ED25519 = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPzalR1O/AklK1t5PlRIVwvf3ojTPU4YIG8uOllN9obo "
    "fixed@test\n"
)
FIXED_ED25519_FINGERPRINT = "a0:22:11:23:74:33:34:2b:93:27:67:6c:3d:b7:d2:5e"
FIXED_ECDSA = (
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOwWxLXoOP0M8Wmo1b9F"
    "fE/AWwGXlNTgM/jFczXX8Cpq/i5YSKyshseXU9KsF1UUXfj4iz5OvyR1pDzhcHndS7I=\n"
)
FIXED_ECDSA_FINGERPRINT = "f4:fc:19:fe:47:c7:7a:42:e2:4c:32:dc:cc:50:16:c8"

NAME_PATTERN_TEXT = "'^[_\\\\- a-zA-Z0-9]+$'"
FINGERPRINT_RE = re.compile(r"^([0-9a-f]{2}:){15}[0-9a-f]{2}$")


def md5_fingerprint(public_key: str) -> str:
    """Computed here without ostack: MD5 of the decoded key blob, colon-separated."""
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def user_id(cli: Runner) -> str:
    return cli("token", "issue", "-f", "value", "-c", "user_id").out.strip()


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def public_of(private_pem: str) -> str:
    key = serialization.load_ssh_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


# -- parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "usage"),
    [
        ("create", "[--public-key <file> | --private-key <file>] [--type <type>] "
                   "[--user <user>] [--user-domain <user-domain>] <name>"),
        ("delete", "[--user <user>] [--user-domain <user-domain>] <key> [<key> ...]"),
        ("list", "[--user <user>] [--user-domain <user-domain>] [--project <project>] "
                 "[--project-domain <project-domain>] [--limit <limit>] [--marker <marker>] "
                 "[--max-items <max-items>]"),
        ("show", "[--public-key] [--user <user>] [--user-domain <user-domain>] <key>"),
    ],
)
def test_parsers_take_the_real_clients_options(cli: Runner, verb: str, usage: str) -> None:
    result = cli("keypair", verb, "--help")
    assert result.rc == 0
    flat = " ".join(result.out.split("\n\n")[0].split())
    assert flat.endswith(usage), flat


def test_parser_errors_exit_2(
    cli: Runner, store_snapshot: Snapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    cli("keypair", "list")
    before = store_snapshot()
    capsys.readouterr()
    # argparse writes its errors to the process's stderr, not the app's.
    assert cli("keypair", "create", "k", "--public-key", "a", "--private-key", "b").rc == 2
    assert "argument --private-key: not allowed with argument --public-key" in (
        capsys.readouterr().err)
    assert cli("keypair", "create", "k", "--type", "rsa").rc == 2
    assert "argument --type: invalid choice: 'rsa' (choose from" in capsys.readouterr().err
    assert cli("keypair", "create").rc == 2
    assert cli("keypair", "delete").rc == 2
    assert cli("keypair", "list", "--limit", "-1").rc == 2
    assert "argument --limit: --limit expected a non-negative integer" in (
        capsys.readouterr().err)
    assert cli("keypair", "list", "--max-items", "x").rc == 2
    assert cli("keypair", "list", "--user", "a", "--project", "b").rc == 2
    assert store_snapshot() == before


# -- create: generated key ----------------------------------------------------------------


def test_create_generates_ed25519_and_prints_only_the_private_key(cli: Runner) -> None:
    result = cli("keypair", "create", "gen")
    assert result.rc == 0, result.err
    assert result.err == ""
    # The key raw, then the empty line cliff's table formatter writes for no columns.
    assert result.out.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert result.out.endswith("-----END OPENSSH PRIVATE KEY-----\n\n")
    private = result.out[:-1]
    key = serialization.load_ssh_private_key(private.encode(), password=None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    public = public_of(private)
    assert public.startswith("ssh-ed25519 ")
    shown = cli("keypair", "show", "gen", "-f", "json").json()
    assert shown["fingerprint"] == md5_fingerprint(public)
    assert shown["type"] == "ssh"
    # The stored public key is exactly the one paired with the printed private key.
    assert cli("keypair", "show", "gen", "--public-key").out == public + "\n"


def test_create_generated_json_format_prints_key_then_empty_object(cli: Runner) -> None:
    result = cli("keypair", "create", "gen", "-f", "json")
    assert result.rc == 0
    assert result.out.endswith("-----END OPENSSH PRIVATE KEY-----\n{}\n")
    value = cli("keypair", "create", "gen2", "-f", "value")
    assert value.out.endswith("-----END OPENSSH PRIVATE KEY-----\n")


def test_private_key_is_never_stored(
    cli: Runner, tmp_path: Path, store_snapshot: Snapshot, ostack_home: Path
) -> None:
    printed = cli("keypair", "create", "gen").out
    target = tmp_path / "saved"
    assert cli("keypair", "create", "saved", "--private-key", str(target)).rc == 0
    body_lines = [
        line for text in (printed, target.read_text()) for line in text.splitlines()
        if line and not line.startswith("-----")
    ]
    dump = repr(store_snapshot())
    assert "PRIVATE KEY" not in dump
    for line in body_lines:
        assert line not in dump
    # Nor anywhere else in the state directory (WAL files included).
    for path in ostack_home.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert b"PRIVATE KEY" not in content
            assert all(line.encode() not in content for line in body_lines)


def test_create_with_private_key_file(cli: Runner, tmp_path: Path) -> None:
    target = tmp_path / "id_test"
    result = cli("keypair", "create", "saved", "--private-key", str(target), "-f", "json")
    assert result.rc == 0, result.err
    data = result.json()
    mode = stat.S_IMODE(target.stat().st_mode)
    assert mode == 0o600
    public = public_of(target.read_text())
    assert data == {
        "created_at": None,
        "fingerprint": md5_fingerprint(public),
        "id": "saved",
        "is_deleted": None,
        "name": "saved",
        "type": "ssh",
        "user_id": user_id(cli),
    }
    assert cli("keypair", "show", "saved", "--public-key").out == public + "\n"


def test_private_key_file_replaces_an_existing_file_privately(
    cli: Runner, tmp_path: Path
) -> None:
    target = tmp_path / "old"
    target.write_text("old content, world readable\n" * 100)
    target.chmod(0o644)
    assert cli("keypair", "create", "k", "--private-key", str(target)).rc == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert "old content" not in target.read_text()


def test_unwritable_private_key_file_changes_nothing(
    cli: Runner, tmp_path: Path, store_snapshot: Snapshot
) -> None:
    cli("keypair", "list")
    before = store_snapshot()
    target = tmp_path / "no" / "such" / "dir" / "key"
    result = cli("keypair", "create", "k", "--private-key", str(target))
    assert (result.rc, result.out) == (1, "")
    assert result.err.strip() == (
        f"Key file {target} can not be saved: [Errno 2] No such file or directory: '{target}'"
    )
    assert store_snapshot() == before
    assert cli("keypair", "show", "k").err.strip() == "No Keypair found for k"


# -- create: imported key -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("public_key", "fingerprint"),
    [
        (NOVA_SAMPLE_KEY, NOVA_SAMPLE_FINGERPRINT),
        (FIXED_ED25519, FIXED_ED25519_FINGERPRINT),
        (FIXED_ECDSA, FIXED_ECDSA_FINGERPRINT),
    ],
    ids=["nova-sample-rsa", "ed25519", "ecdsa"],
)
def test_fingerprint_of_known_keys(
    cli: Runner, tmp_path: Path, public_key: str, fingerprint: str
) -> None:
    assert md5_fingerprint(public_key) == fingerprint
    assert ssh_fingerprint(public_key) == fingerprint
    path = write(tmp_path / "key.pub", public_key)
    result = cli("keypair", "create", "known", "--public-key", path, "-f", "json")
    assert result.rc == 0, result.err
    assert result.json()["fingerprint"] == fingerprint
    # Nova keeps the key as given, trailing newline and comment included.
    assert cli("keypair", "show", "known", "--public-key").out == public_key + "\n"


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
@pytest.mark.parametrize("key_type", [["-t", "ed25519"], ["-t", "rsa", "-b", "2048"],
                                      ["-t", "ecdsa", "-b", "384"]])
def test_fingerprint_matches_ssh_keygen(cli: Runner, tmp_path: Path, key_type: list[str]) -> None:
    key = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", *key_type, "-N", "", "-C", "c@d", "-f", str(key)],
                   check=True)
    keygen = subprocess.run(["ssh-keygen", "-l", "-E", "md5", "-f", f"{key}.pub"],
                            check=True, capture_output=True, text=True).stdout
    expected = keygen.split()[1].removeprefix("MD5:")
    result = cli("keypair", "create", "k", "--public-key", f"{key}.pub", "-f", "json")
    assert result.rc == 0, result.err
    assert result.json()["fingerprint"] == expected


def test_create_with_public_key_table_fields(cli: Runner, tmp_path: Path) -> None:
    path = write(tmp_path / "k.pub", FIXED_ED25519)
    result = cli("keypair", "create", "imp", "--public-key", path)
    assert result.rc == 0, result.err
    assert [line.split("|")[1].strip() for line in result.out.splitlines()[3:-1]] == [
        "created_at", "fingerprint", "id", "is_deleted", "name", "type", "user_id"]
    assert f"| fingerprint | {FIXED_ED25519_FINGERPRINT} |" in result.out


def test_public_key_path_expands_home(
    cli: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / "k.pub", FIXED_ED25519)
    assert cli("keypair", "create", "k", "--public-key", "~/k.pub").rc == 0


def test_x509_certificate_is_accepted_with_type_x509(cli: Runner, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ostack-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = write(tmp_path / "cert.pem", cert.public_bytes(serialization.Encoding.PEM).decode())
    result = cli("keypair", "create", "cert", "--public-key", path, "--type", "x509",
                 "-f", "json")
    assert result.rc == 0, result.err
    sha1 = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert result.json()["fingerprint"] == ":".join(sha1[i:i + 2] for i in range(0, 40, 2))
    assert result.json()["type"] == "x509"
    assert cli("keypair", "list", "-f", "value").out.split()[-1] == "x509"


def test_x509_type_with_an_ssh_key_is_refused(
    cli: Runner, tmp_path: Path, store_snapshot: Snapshot
) -> None:
    cli("keypair", "list")
    before = store_snapshot()
    path = write(tmp_path / "k.pub", FIXED_ED25519)
    for extra in (["--public-key", path], []):
        result = cli("keypair", "create", "k", "--type", "x509", *extra)
        assert (result.rc, result.out) == (1, "")
        assert result.err.startswith(
            "Keypair data is invalid: failed to generate X509 fingerprint. Error message: ")
        assert len(result.err.splitlines()) == 1
    assert store_snapshot() == before


# -- create: bad input --------------------------------------------------------------------


def test_duplicate_name_is_refused(
    cli: Runner, tmp_path: Path, store_snapshot: Snapshot
) -> None:
    assert cli("keypair", "create", "dup").rc == 0
    before = store_snapshot()
    path = write(tmp_path / "k.pub", FIXED_ED25519)
    for extra in ([], ["--public-key", path], ["--private-key", str(tmp_path / "p")]):
        result = cli("keypair", "create", "dup", *extra)
        assert (result.rc, result.out) == (1, "")
        assert result.err == "Key pair 'dup' already exists.\n"
    assert store_snapshot() == before
    # The private key file is not left behind for a keypair that was refused.
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not a key\n",
        "ssh-ed25519\n",
        "ssh-ed25519 !!!notbase64!!!\n",
        "ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIPzalR1O/AklK1t5PlRIVwvf3ojTPU4YIG8uOllN9obo\n",
        # A key whose blob names another algorithm than its first field.
        "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIPzalR1O/AklK1t5PlRIVwvf3ojTPU4YIG8uOllN9obo\n",
    ],
    ids=["empty", "text", "no-blob", "bad-base64", "unknown-type", "mismatched-type"],
)
def test_invalid_public_key_is_refused(
    cli: Runner, tmp_path: Path, store_snapshot: Snapshot, content: str
) -> None:
    cli("keypair", "list")
    before = store_snapshot()
    path = write(tmp_path / "bad.pub", content)
    result = cli("keypair", "create", "k", "--public-key", path)
    assert (result.rc, result.out) == (1, "")
    assert result.err == "Keypair data is invalid: failed to generate fingerprint\n"
    assert store_snapshot() == before


def test_private_key_given_as_public_key_is_refused(
    cli: Runner, tmp_path: Path, store_snapshot: Snapshot
) -> None:
    private = cli("keypair", "create", "gen").out
    before = store_snapshot()
    path = write(tmp_path / "id", private)
    result = cli("keypair", "create", "k", "--public-key", path)
    assert result.rc == 1
    assert result.err == "Keypair data is invalid: failed to generate fingerprint\n"
    assert store_snapshot() == before


def test_missing_or_unreadable_public_key_file(
    cli: Runner, tmp_path: Path, store_snapshot: Snapshot
) -> None:
    cli("keypair", "list")
    before = store_snapshot()
    missing = tmp_path / "nope.pub"
    result = cli("keypair", "create", "k", "--public-key", str(missing))
    assert (result.rc, result.out) == (1, "")
    assert result.err == (
        f"Key file {missing} not found: [Errno 2] No such file or directory: '{missing}'\n")
    directory = cli("keypair", "create", "k", "--public-key", str(tmp_path))
    assert directory.err == (
        f"Key file {tmp_path} not found: [Errno 21] Is a directory: '{tmp_path}'\n")
    binary = tmp_path / "bin"
    binary.write_bytes(b"\x89PNG\r\n")
    undecodable = cli("keypair", "create", "k", "--public-key", str(binary))
    assert undecodable.rc == 1
    assert undecodable.err == (
        "'utf-8' codec can't decode byte 0x89 in position 0: invalid start byte\n")
    assert store_snapshot() == before


NAME_ERROR = "Invalid input for field/attribute name. Value: {v}. {r}\n"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a;b", f"'a;b' does not match {NAME_PATTERN_TEXT}"),
        ("it's", f"\"it's\" does not match {NAME_PATTERN_TEXT}"),
        ('say "hi"', f"'say \"hi\"' does not match {NAME_PATTERN_TEXT}"),
        ("$(touch x)", f"'$(touch x)' does not match {NAME_PATTERN_TEXT}"),
        ("`id`", f"'`id`' does not match {NAME_PATTERN_TEXT}"),
        ("../etc", f"'../etc' does not match {NAME_PATTERN_TEXT}"),
        # '@' and '.' are allowed only from microversion 2.92, which the client never asks for.
        ("me@host", f"'me@host' does not match {NAME_PATTERN_TEXT}"),
        ("é", f"'é' does not match {NAME_PATTERN_TEXT}"),
        ("", "'' should be non-empty"),
    ],
)
def test_bad_names_get_novas_message(
    cli: Runner, store_snapshot: Snapshot, name: str, reason: str
) -> None:
    cli("keypair", "list")
    before = store_snapshot()
    result = cli("keypair", "create", name)
    assert (result.rc, result.out) == (1, "")
    assert result.err == NAME_ERROR.format(v=name, r=reason)
    assert store_snapshot() == before


def test_name_of_10000_characters(cli: Runner, store_snapshot: Snapshot) -> None:
    cli("keypair", "list")
    before = store_snapshot()
    name = "x" * 10_000
    result = cli("keypair", "create", name)
    assert (result.rc, result.out) == (1, "")
    assert result.err == NAME_ERROR.format(v=name, r=f"'{name}' is too long")
    assert store_snapshot() == before
    assert cli("keypair", "create", "x" * 255).rc == 0
    assert cli("keypair", "create", "x" * 256).rc == 1


@pytest.mark.parametrize("name", [" lead", "trail ", "tab\there", "new\nline"])
def test_names_with_edge_spaces_or_control_characters(
    cli: Runner, store_snapshot: Snapshot, name: str
) -> None:
    cli("keypair", "list")
    before = store_snapshot()
    result = cli("keypair", "create", name)
    assert result.rc == 1
    assert result.err == (
        "An invalid 'name' value was provided. The name must be: printable characters. "
        "Can not start or end with whitespace.\n")
    assert store_snapshot() == before


def test_names_nova_allows(cli: Runner) -> None:
    for name in ("my key", "a-b_c", "UPPER9"):
        assert cli("keypair", "create", name, "-f", "value").rc == 0
    assert cli("keypair", "list", "-f", "value", "-c", "Name").out.splitlines() == [
        "UPPER9", "a-b_c", "my key"]


def test_unknown_user_is_refused(cli: Runner, store_snapshot: Snapshot) -> None:
    cli("keypair", "list")
    before = store_snapshot()
    result = cli("keypair", "create", "k", "--user", "someone")
    # The real client's lookup of a user that is not there: an empty error line.
    assert (result.rc, result.err) == (1, "\n")
    assert store_snapshot() == before
    me = user_id(cli)
    assert cli("keypair", "create", "k", "--user", me, "--user-domain", "default").rc == 0
    assert cli("keypair", "list", "--user", "someone").err == "\n"
    assert cli("keypair", "show", "k", "--user", me, "-f", "value", "-c", "name").out == "k\n"


def test_quota_of_key_pairs(cli: Runner, tmp_path: Path, store_snapshot: Snapshot) -> None:
    assert cli("quota", "set", "--key-pairs", "3", "admin").rc == 0
    backend = LocalBackend.open()
    try:
        for i in range(3):
            backend.create_keypair(f"k{i}", FIXED_ED25519)
    finally:
        backend.close()
    before = store_snapshot()
    result = cli("keypair", "create", "one-more")
    assert (result.rc, result.err) == (1, "Quota exceeded, too many key pairs.\n")
    assert store_snapshot() == before
    assert cli("keypair", "delete", "k0").rc == 0
    assert cli("keypair", "create", "one-more", "-f", "value").rc == 0


# -- uniqueness under concurrency ---------------------------------------------------------


def test_store_unique_key_enforces_one_name_per_user(cli: Runner) -> None:
    cli("keypair", "list")
    backend = LocalBackend.open()
    try:
        first = Keypair(id="a", name="same", user_id="u1", public_key="p", fingerprint="f")
        with backend.store.transaction():
            backend.store.insert(first)
            # Another user may hold the same name.
            backend.store.insert(first.replace(id="b", user_id="u2"))
        with pytest.raises(UniqueViolation), backend.store.transaction():
            backend.store.insert(first.replace(id="c"))
    finally:
        backend.close()


def test_concurrent_creates_of_one_name_leave_one_keypair(cli: Runner) -> None:
    cli("keypair", "list")
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def create() -> None:
        backend = LocalBackend.open()
        try:
            barrier.wait()
            backend.create_keypair("race", FIXED_ED25519)
            outcomes.append("created")
        except Conflict as exc:
            outcomes.append(str(exc))
        finally:
            backend.close()

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Key pair 'race' already exists."] * 5 + ["created"]
    assert cli("keypair", "list", "-f", "value", "-c", "Name").out == "race\n"


# -- list ---------------------------------------------------------------------------------


def test_list_columns_and_json(cli: Runner, tmp_path: Path) -> None:
    assert cli("keypair", "list", "-f", "json").json() == []
    cli("keypair", "create", "b", "--public-key", write(tmp_path / "1", FIXED_ED25519))
    cli("keypair", "create", "a", "--public-key", write(tmp_path / "2", NOVA_SAMPLE_KEY))
    result = cli("keypair", "list", "-f", "json")
    assert result.json() == [
        {"Name": "a", "Fingerprint": NOVA_SAMPLE_FINGERPRINT, "Type": "ssh"},
        {"Name": "b", "Fingerprint": FIXED_ED25519_FINGERPRINT, "Type": "ssh"},
    ]
    table = cli("keypair", "list").out.splitlines()
    assert table == [
        "+------+-------------------------------------------------+------+",
        "| Name | Fingerprint                                     | Type |",
        "+------+-------------------------------------------------+------+",
        f"| a    | {NOVA_SAMPLE_FINGERPRINT} | ssh  |",
        f"| b    | {FIXED_ED25519_FINGERPRINT} | ssh  |",
        "+------+-------------------------------------------------+------+",
    ]


def test_list_marker_limit_max_items(cli: Runner, tmp_path: Path) -> None:
    for name in ("c", "a", "d", "b"):
        assert cli("keypair", "create", name, "-f", "value").rc == 0

    def names(*args: str) -> list[str]:
        # --marker reaches Nova at compute 2.35 or more only (see below).
        result = cli("--os-compute-api-version", "2.35", "keypair", "list", "-f", "value",
                     "-c", "Name", *args)
        assert result.rc == 0, result.err
        return result.out.split()

    assert names() == ["a", "b", "c", "d"]
    assert names("--marker", "b") == ["c", "d"]
    assert names("--max-items", "2") == ["a", "b"]
    assert names("--marker", "a", "--max-items", "1") == ["b"]
    # --limit is a page size: the client pages through every keypair.
    assert names("--limit", "1") == ["a", "b", "c", "d"]
    bad = cli("--os-compute-api-version", "2.35", "keypair", "list", "--marker", "zz")
    assert (bad.rc, bad.out, bad.err) == (1, "", "Marker zz could not be found.\n")


def test_list_marker_needs_compute_2_35(cli: Runner) -> None:
    # realstack: without --os-compute-api-version openstacksdk lists keypairs at 2.10, where
    # Nova ignores the marker (an unknown one too); below 2.35 the client refuses both options.
    for name in ("a", "b"):
        assert cli("keypair", "create", name, "-f", "value").rc == 0
    for marker in ("a", "zz"):
        result = cli("keypair", "list", "--marker", marker, "-f", "value", "-c", "Name")
        assert (result.rc, result.out, result.err) == (0, "a\nb\n", "")
    assert cli("--os-compute-api-version", "2.latest", "keypair", "list", "--marker", "a",
               "-f", "value", "-c", "Name").out == "b\n"
    for option in ("--marker", "--limit"):
        result = cli("--os-compute-api-version", "2.10", "keypair", "list", option, "1")
        assert (result.rc, result.out, result.err) == (1, "", (
            f"--os-compute-api-version 2.35 or greater is required to support the {option} "
            "option\n"))


def test_list_by_project(cli: Runner) -> None:
    cli("keypair", "create", "k", "-f", "value")
    assert cli("keypair", "list", "--project", "admin", "-f", "value", "-c", "Name").out == "k\n"
    result = cli("keypair", "list", "--project", "nosuch")
    assert (result.rc, result.err) == (1, "\n")


def test_keypairs_belong_to_the_user_not_the_project(cli: Runner) -> None:
    cli("project", "create", "other")
    assert cli("keypair", "create", "k", "-f", "value").rc == 0
    other = cli("--os-project-name", "other", "keypair", "list", "-f", "value", "-c", "Name")
    assert other.out == "k\n"
    dup = cli("--os-project-name", "other", "keypair", "create", "k")
    assert dup.err == "Key pair 'k' already exists.\n"


# -- show ---------------------------------------------------------------------------------


def test_show_fields_and_types(cli: Runner, tmp_path: Path) -> None:
    cli("keypair", "create", "k", "--public-key", write(tmp_path / "k", NOVA_SAMPLE_KEY))
    data = cli("keypair", "show", "k", "-f", "json").json()
    created = data.pop("created_at")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", created), created
    assert data == {
        "fingerprint": NOVA_SAMPLE_FINGERPRINT,
        "id": "k",
        "is_deleted": False,
        "name": "k",
        "private_key": None,
        "type": "ssh",
        "user_id": user_id(cli),
    }
    table = cli("keypair", "show", "k").out.splitlines()
    assert table[1] == "| Field       | Value                                           |"
    assert [line.split("|")[1].strip() for line in table[3:-1]] == [
        "created_at", "fingerprint", "id", "is_deleted", "name", "private_key", "type",
        "user_id"]
    assert "| private_key | None                                            |" in table


def test_show_public_key_prints_the_bare_key(cli: Runner, tmp_path: Path) -> None:
    cli("keypair", "create", "k", "--public-key", write(tmp_path / "k", FIXED_ECDSA))
    assert cli("keypair", "show", "k", "--public-key").out == FIXED_ECDSA + "\n"
    assert cli("keypair", "show", "k", "--public-key", "-f", "value").out == FIXED_ECDSA


def test_show_missing(cli: Runner) -> None:
    result = cli("keypair", "show", "nosuch")
    assert (result.rc, result.out, result.err) == (1, "", "No Keypair found for nosuch\n")


# -- delete -------------------------------------------------------------------------------


def test_delete_prints_nothing(cli: Runner) -> None:
    cli("keypair", "create", "a", "-f", "value")
    cli("keypair", "create", "b", "-f", "value")
    result = cli("keypair", "delete", "a", "b")
    assert (result.rc, result.out, result.err) == (0, "", "")
    assert cli("keypair", "list", "-f", "json").json() == []


def test_delete_many_goes_on_past_failures(cli: Runner) -> None:
    cli("keypair", "create", "a", "-f", "value")
    cli("keypair", "create", "b", "-f", "value")
    me = user_id(cli)
    result = cli("keypair", "delete", "x", "a", "y;z", "b")
    assert (result.rc, result.out) == (1, "")
    assert result.err.splitlines() == [
        f"Failed to delete key with name 'x': Keypair x not found for user {me}",
        f"Failed to delete key with name 'y;z': Keypair y;z not found for user {me}",
        "2 of 4 keys failed to delete.",
    ]
    assert cli("keypair", "list", "-f", "json").json() == []


def test_fingerprint_helper_is_novas_for_generated_keys() -> None:
    for _ in range(5):
        key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
        assert FINGERPRINT_RE.match(ssh_fingerprint(key))
        assert ssh_fingerprint(key) == md5_fingerprint(key)
