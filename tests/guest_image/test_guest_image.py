"""Build the ostack-test guest image and boot it for real under QEMU/TCG.

The guest (tools/guest-image) must behave like cirros: read an OpenStack config drive
(hostname, public keys, a ``#!`` user-data script), DHCP on every NIC, start dropbear and
report on its serial console with ``ostack-guest: `` lines. These tests build the image
into a temporary directory, write the config drive with ostack's own code
(``configdrive.build_config_drive`` + ``write_iso``, the very files a server booted by ostack
gets) and assert those lines. The ssh key is what ``ostack keypair create`` makes: an Ed25519
key whose public line has no comment and no trailing newline; one test puts every form
(ed25519/ecdsa/rsa, with and without a comment, with and without a trailing newline) on one
drive.
Every QEMU (and dnsmasq) process is killed in a ``finally`` and also gets SIGKILL if the
test process dies; the network namespace test deletes its namespace.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_SH = REPO / "tools" / "guest-image" / "build.sh"
QEMU = shutil.which("qemu-system-x86_64")
BOOT_TIMEOUT = 180.0  # seconds; TCG boots take ~4-9 s here, CI machines may be slower
PREFIX = "ostack-guest: "
BANNER = "login as 'cirros' user. default password: 'gocubsgo'. use 'sudo' for root."
BUILD_TOOLS = ("mkfs.vfat", "syslinux", "mcopy", "qemu-img", "cpio", "modinfo", "xz")


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (reads /boot/vmlinuz-*, runs QEMU with tap devices)"
    if QEMU is None:
        return "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
    missing = [t for t in BUILD_TOOLS if shutil.which(t) is None]
    for f in ("/bin/busybox", "/usr/sbin/dropbear"):
        if not os.path.exists(f):
            missing.append(f)
    if missing:
        return f"guest image build tools missing ({', '.join(missing)}); run `make setup`"
    return None


_REASON = _skip_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")


# --------------------------------------------------------------------------- helpers
def _die_with_parent() -> None:
    """preexec_fn: SIGKILL the child if the test process dies (no stray QEMU)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _kill(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class GuestImage:
    qcow2: Path
    vmlinux: Path
    initrd: Path


@dataclass
class ConfigDrive:
    iso: Path
    hostname: str
    marker: str
    key: Path  # private key (OpenSSH format) matching the public key in the drive


@dataclass
class Boot:
    console: str
    seconds: float  # from QEMU start to "ostack-guest: ready"

    def lines(self) -> list[str]:
        return [ln.rstrip("\r") for ln in self.console.splitlines()]

    def guest_lines(self) -> list[str]:
        return [ln[ln.index(PREFIX) :] for ln in self.lines() if PREFIX in ln]


def make_config_drive(
    path: Path, hostname: str, public_keys: dict[str, str], user_data: bytes
) -> dict[str, bytes]:
    """The config drive exactly as ostack writes it for a server (``hostname`` is the short
    name; meta_data.json says ``<hostname>.novalocal``). Returns the drive's files."""
    pytest.importorskip("pycdlib", reason="pycdlib (PyPI) writes the config drive ISO")
    from ostack_cli.backend.local.configdrive import (
        ConfigDriveSpec,
        build_config_drive,
        write_iso,
    )

    spec = ConfigDriveSpec(
        uuid="6f1c0ad6-0c4e-4a53-9a37-94b5c3f0e5d1",
        name=hostname,
        hostname=hostname,
        project_id="0c4e4a539a3794b5c3f0e5d16f1c0ad6",
        public_keys=public_keys,
        user_data=user_data,
    )
    files = build_config_drive(spec)
    write_iso(files, path)
    return files


def new_key(kind: str, path: Path) -> str:
    """A new private key of ``kind`` (ed25519, ecdsa, rsa) in OpenSSH format at ``path``
    (0600, no ``.pub`` beside it); returns the public line, which has no comment."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    if kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    elif kind == "ecdsa":
        key = ec.generate_private_key(ec.SECP256R1())
    elif kind == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        raise ValueError(kind)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )  # fmt: skip
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return public.decode()


def boot_guest(
    workdir: Path,
    guest_args: list[str],
    netdev: list[str] | None = None,
    wrapper: list[str] | None = None,
    name: str = "guest",
    stop: bool = True,
) -> tuple[Boot, subprocess.Popen[bytes]]:
    """Start QEMU (TCG), wait for 'ostack-guest: ready' on the serial log.

    Returns the boot result and the process; the caller must _kill() the process
    (``stop=True`` does it here).
    """
    assert QEMU is not None
    log = workdir / f"{name}.serial.log"
    out = workdir / f"{name}.qemu.out"
    log.unlink(missing_ok=True)
    netdev = netdev or ["-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0"]
    cmd = [
        *(wrapper or []),
        QEMU,
        "-machine", "accel=tcg",
        "-m", "128",
        "-nographic",
        "-monitor", "none",
        "-serial", f"file:{log}",
        "-no-reboot",
        *netdev,
        *guest_args,
    ]  # fmt: skip
    start = time.monotonic()
    with out.open("wb") as out_f:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out_f,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    ok = False
    try:
        deadline = start + BOOT_TIMEOUT
        text = ""
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace") if log.exists() else ""
            if f"{PREFIX}ready" in text:
                ok = True
                break
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        seconds = time.monotonic() - start
        if not ok:
            pytest.fail(
                f"guest did not print '{PREFIX}ready' (qemu rc={proc.poll()}, "
                f"{seconds:.1f} s)\n--- qemu output:\n{out.read_text(errors='replace')}"
                f"\n--- serial console:\n{text[-6000:]}"
            )
        time.sleep(0.2)  # let the last console bytes land
        boot = Boot(console=log.read_text(errors="replace"), seconds=seconds)
    finally:
        if stop or not ok:
            _kill(proc)
    return boot, proc


def assert_cirros_like(boot: Boot, cfg: ConfigDrive, nic_re: str, exit_status: int) -> None:
    lines = boot.guest_lines()
    text = "\n".join(lines)
    assert f"{PREFIX}{BANNER}" in lines, text
    assert f"{PREFIX}hostname {cfg.hostname}" in lines, text
    assert f"{PREFIX}public keys: 1" in lines, text
    assert any(re.fullmatch(PREFIX + nic_re, ln) for ln in lines), (nic_re, text)
    assert any(cfg.marker in ln for ln in boot.lines()), f"user-data marker missing:\n{text}"
    assert f"{PREFIX}user-data exit {exit_status}" in lines, text
    assert f"{PREFIX}sshd started" in lines, text
    assert lines[-1] == f"{PREFIX}ready", text
    # order: banner, NIC addresses, gateway ping, ..., ready
    idx = {k: next(i for i, ln in enumerate(lines) if ln.startswith(PREFIX + k)) for k in
           ("login as", "eth0 ", "ping gateway", "ready")}  # fmt: skip
    assert idx["login as"] < idx["eth0 "] < idx["ping gateway"] < idx["ready"], text


# -------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def image_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("guest-images")


@pytest.fixture(scope="module")
def guest_image(image_dir: Path) -> GuestImage:
    env = dict(os.environ, OSTACK_IMAGE_DIR=str(image_dir))
    res = subprocess.run(
        ["bash", str(BUILD_SH)], env=env, capture_output=True, text=True, timeout=600
    )
    assert res.returncode == 0, f"build.sh failed:\n{res.stdout}\n{res.stderr}"
    img = GuestImage(
        qcow2=image_dir / "ostack-test.qcow2",
        vmlinux=image_dir / "ostack-test.vmlinux",
        initrd=image_dir / "ostack-test.initrd",
    )
    for p in (img.qcow2, img.vmlinux, img.initrd):
        assert p.is_symlink() and p.resolve().is_file(), p
    return img


@pytest.fixture
def config_drive(tmp_path: Path) -> ConfigDrive:
    """ostack's drive with ostack's own key: ``keypair create`` makes the key pair."""
    from ostack_cli.commands.keypair import generate_keypair

    name = f"ostk-{secrets.token_hex(3)}"
    marker = f"OSTACK-USERDATA-{secrets.token_hex(4)}"
    private_key, public_key = generate_keypair()
    key = tmp_path / "id_ed25519"
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(private_key)
    user_data = f"#!/bin/sh\necho {marker} on $(hostname)\nexit 7\n".encode()
    iso = tmp_path / "config-2.iso"
    files = make_config_drive(iso, name, {"mykey": public_key}, user_data)
    meta = json.loads(files["openstack/latest/meta_data.json"])
    # The case this guards: no comment, no trailing newline (ssh-keygen's keys have both).
    assert meta["public_keys"] == {"mykey": public_key}, meta
    assert len(public_key.split(" ")) == 2 and not public_key.endswith("\n"), public_key
    return ConfigDrive(iso=iso, hostname=f"{name}.novalocal", marker=marker, key=key)


def _overlay(base: Path, tmp_path: Path) -> Path:
    overlay = tmp_path / "disk.qcow2"
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base.resolve()), "-F", "qcow2",
         str(overlay)],
        check=True,
    )  # fmt: skip
    return overlay


def _ssh(key: Path, port: int, user: str, command: str, host: str = "127.0.0.1",
         wrapper: list[str] | None = None) -> str:  # fmt: skip
    res = subprocess.run(
        [*(wrapper or []), "ssh", "-i", str(key), "-p", str(port),
         # only this key: no agent keys, no ~/.ssh/id_* (each one dropbear turns down)
         "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
         "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=30", "-o", "LogLevel=ERROR",
         f"{user}@{host}", command],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert res.returncode == 0, f"ssh {user}@{host}:{port} failed: {res.stderr}"
    return res.stdout


# ----------------------------------------------------------------------------- tests
@pytest.mark.slow
def test_build_is_cached_and_published(guest_image: GuestImage, image_dir: Path) -> None:
    env = dict(os.environ, OSTACK_IMAGE_DIR=str(image_dir))
    t0 = time.monotonic()
    res = subprocess.run(
        ["bash", str(BUILD_SH)], env=env, capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert "up to date" in res.stderr
    assert time.monotonic() - t0 < 10
    assert not list(image_dir.glob(".build-*")), "temp build dir left behind"
    hashed = guest_image.qcow2.resolve().name
    assert re.fullmatch(r"ostack-test-[0-9a-f]{12}\.qcow2", hashed)
    info = json.loads(
        subprocess.run(
            ["qemu-img", "info", "--output=json", str(guest_image.qcow2)],
            check=True, capture_output=True, text=True,
        ).stdout
    )  # fmt: skip
    assert info["format"] == "qcow2"
    assert guest_image.qcow2.resolve().stat().st_size < 32 * 1024 * 1024
    assert guest_image.vmlinux.read_bytes()[:4] == b"\x7fELF"


@pytest.mark.slow
@pytest.mark.vm
def test_disk_boot_with_config_drive_on_virtio(
    guest_image: GuestImage, config_drive: ConfigDrive, tmp_path: Path
) -> None:
    """SeaBIOS -> syslinux -> bzImage from the qcow2; config drive as a virtio disk; ssh."""
    port = _free_port()
    disk = _overlay(guest_image.qcow2, tmp_path)
    netdev = ["-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:22",
              "-device", "virtio-net-pci,netdev=n0"]  # fmt: skip
    boot, proc = boot_guest(
        tmp_path,
        ["-drive", f"file={disk},if=virtio",
         "-drive", f"file={config_drive.iso},if=virtio,format=raw,readonly=on"],
        netdev=netdev, name="disk", stop=False,
    )  # fmt: skip
    try:
        print(f"\nqcow2 disk boot: ready after {boot.seconds:.1f} s")
        assert f"{PREFIX}config drive /dev/vdb" in boot.guest_lines()
        assert_cirros_like(boot, config_drive, r"eth0 10\.0\.2\.15/24", exit_status=7)
        if shutil.which("ssh"):
            out = _ssh(config_drive.key, port, "cirros", "id -un; hostname")
            assert out.split() == ["cirros", config_drive.hostname]
            assert _ssh(config_drive.key, port, "root", "id -u").strip() == "0"
    finally:
        _kill(proc)


@pytest.mark.slow
@pytest.mark.vm
def test_direct_kernel_boot_with_config_drive_on_cdrom(
    guest_image: GuestImage, config_drive: ConfigDrive, tmp_path: Path
) -> None:
    """-kernel vmlinux -initrd initrd (PVH, ~2x faster under TCG); config drive as -cdrom."""
    boot, _ = boot_guest(
        tmp_path,
        ["-kernel", str(guest_image.vmlinux), "-initrd", str(guest_image.initrd),
         "-append", "console=ttyS0", "-cdrom", str(config_drive.iso)],
        name="direct",
    )  # fmt: skip
    print(f"\ndirect kernel boot: ready after {boot.seconds:.1f} s")
    assert f"{PREFIX}config drive /dev/sr0" in boot.guest_lines()
    assert_cirros_like(boot, config_drive, r"eth0 10\.0\.2\.15/24", exit_status=7)


KEY_FORMS = [
    (kind, comment, newline)
    for kind in ("ed25519", "ecdsa", "rsa")
    for comment in (False, True)
    for newline in (False, True)
]


@pytest.mark.slow
@pytest.mark.vm
def test_every_public_key_form_logs_in(guest_image: GuestImage, tmp_path: Path) -> None:
    """One drive (ostack's code) with a key of every form: ed25519/ecdsa/rsa, with and
    without a comment, with and without a trailing newline in the JSON string. Each one
    logs in as cirros and as root; authorized_keys holds exactly these lines."""
    if shutil.which("ssh") is None:
        pytest.skip("ssh (openssh-client) missing")
    keys: dict[str, Path] = {}
    public_keys: dict[str, str] = {}
    for kind, comment, newline in KEY_FORMS:
        name = f"{kind}-{'comment' if comment else 'bare'}-{'nl' if newline else 'nonl'}"
        keys[name] = tmp_path / name
        public = new_key(kind, keys[name])
        if comment:
            public += f" {name}@ostack-test"
        public_keys[name] = public + ("\n" if newline else "")
    marker = f"OSTACK-USERDATA-{secrets.token_hex(4)}"
    iso = tmp_path / "config-2.iso"
    make_config_drive(iso, "keyforms", public_keys, f"#!/bin/sh\necho {marker}\n".encode())
    port = _free_port()
    netdev = ["-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:22",
              "-device", "virtio-net-pci,netdev=n0"]  # fmt: skip
    boot, proc = boot_guest(
        tmp_path,
        ["-kernel", str(guest_image.vmlinux), "-initrd", str(guest_image.initrd),
         "-append", "console=ttyS0", "-cdrom", str(iso)],
        netdev=netdev, name="keyforms", stop=False,
    )  # fmt: skip
    try:
        assert f"{PREFIX}public keys: {len(public_keys)}" in boot.guest_lines(), boot.console
        expected = "".join(public_keys[n].rstrip("\n") + "\n" for n in sorted(public_keys))
        for user, home in (("cirros", "/home/cirros"), ("root", "/root")):
            for name, key in keys.items():
                out = _ssh(key, port, user, "id -un")
                assert out.strip() == user, (name, out)
            assert _ssh(keys["rsa-bare-nonl"], port, user,
                        f"cat {home}/.ssh/authorized_keys") == expected  # fmt: skip
    finally:
        _kill(proc)


@pytest.mark.slow
@pytest.mark.vm
@pytest.mark.host
def test_dhcp_gateway_ping_and_ssh_in_netns(
    guest_image: GuestImage, config_drive: ConfigDrive, tmp_path: Path
) -> None:
    """A tap + dnsmasq in a throwaway network namespace: DHCP router, gateway ping, ssh."""
    for tool in ("ip", "dnsmasq"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} missing")
    ns = f"ostk-gi-{secrets.token_hex(4)}"
    tap = "gitap0"  # lives only inside the namespace
    octet = 100 + secrets.randbelow(150)
    gw, guest_ip = f"10.{octet}.77.1", f"10.{octet}.77.10"
    inns = ["ip", "netns", "exec", ns]
    dnsmasq: subprocess.Popen[bytes] | None = None
    qemu: subprocess.Popen[bytes] | None = None
    mac = "52:54:00:7e:57:01"
    created = False
    stack = contextlib.ExitStack()
    try:
        subprocess.run(["ip", "netns", "add", ns], check=True)
        created = True
        for cmd in (
            ["ip", "link", "set", "lo", "up"],
            ["ip", "tuntap", "add", "dev", tap, "mode", "tap"],
            ["ip", "addr", "add", f"{gw}/24", "dev", tap],
            ["ip", "link", "set", tap, "up"],
        ):
            subprocess.run([*inns, *cmd], check=True)
        dnsmasq_err = stack.enter_context((tmp_path / "dnsmasq.err").open("wb"))
        dnsmasq = subprocess.Popen(
            [*inns, "dnsmasq", "--keep-in-foreground", "--bind-interfaces",
             f"--interface={tap}", "--except-interface=lo", "--port=0", "--user=root",
             f"--dhcp-range={guest_ip},static,255.255.255.0", f"--dhcp-host={mac},{guest_ip}",
             f"--dhcp-option=option:router,{gw}", f"--pid-file={tmp_path / 'dnsmasq.pid'}",
             f"--dhcp-leasefile={tmp_path / 'dnsmasq.leases'}", "--conf-file=/dev/null"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=dnsmasq_err, preexec_fn=_die_with_parent,
        )  # fmt: skip
        netdev = ["-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no",
                  "-device", f"virtio-net-pci,netdev=n0,mac={mac}"]  # fmt: skip
        boot, qemu = boot_guest(
            tmp_path,
            ["-kernel", str(guest_image.vmlinux), "-initrd", str(guest_image.initrd),
             "-append", "console=ttyS0", "-cdrom", str(config_drive.iso)],
            netdev=netdev, wrapper=inns, name="netns", stop=False,
        )  # fmt: skip
        print(f"\ndirect kernel boot on a tap with dnsmasq: ready after {boot.seconds:.1f} s")
        assert_cirros_like(boot, config_drive, re.escape(f"eth0 {guest_ip}/24"), exit_status=7)
        assert f"{PREFIX}ping gateway {gw} ok" in boot.guest_lines()
        ping = subprocess.run([*inns, "ping", "-c", "1", "-W", "5", guest_ip], capture_output=True)
        assert ping.returncode == 0, ping.stdout
        if shutil.which("ssh"):
            routes = _ssh(config_drive.key, 22, "cirros", "ip route", host=guest_ip, wrapper=inns)
            assert f"default via {gw} dev eth0" in routes
    finally:
        _kill(qemu)
        _kill(dnsmasq)
        stack.close()
        if created:
            subprocess.run(["ip", "netns", "del", ns], check=False)
