"""Choose the accelerator: KVM when it really runs guests, else TCG.

A present /dev/kvm and libvirt's capabilities are not proof: on a VM host whose /dev/kvm
comes from kvm_pvm, KVM_CREATE_VM succeeds and even real-mode firmware code runs (slowly), but
a Linux kernel never gets going. So when the CPU claims hardware virtualisation, the probe
boots the host's own kernel under KVM and waits for its first console line; without a kernel
to try, a 512-byte boot sector that writes "OK" to the serial port is the weaker fallback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

KVM, QEMU = "kvm", "qemu"
QEMU_BINARY = "qemu-system-x86_64"
PROBE_TIMEOUT = 8.0

# mov dx,0x3f8; mov al,'O'; out dx,al; mov al,'K'; out dx,al; cli; hlt; jmp $-2
_PROBE_CODE = bytes.fromhex("baf803b04feeb04beefaf4ebfd")
MARKER = b"OK"


def boot_sector() -> bytes:
    """A BIOS boot sector that prints the marker on COM1 and halts."""
    return _PROBE_CODE + bytes(510 - len(_PROBE_CODE)) + b"\x55\xaa"


def quick_verdict(cpuinfo: str, kvm_device_exists: bool) -> str | None:
    """Decide without booting when the answer is certain; None means "probe it"."""
    if not kvm_device_exists:
        return QEMU
    flags = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    if not flags & {"vmx", "svm"}:
        # No hardware virtualisation in this CPU: /dev/kvm is something else (e.g. PVM).
        return QEMU
    return None


def probe(qemu: str | None = None, timeout: float = PROBE_TIMEOUT) -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        cpuinfo = ""
    verdict = quick_verdict(cpuinfo, os.path.exists("/dev/kvm"))
    if verdict is not None:
        return verdict
    binary = qemu or shutil.which(QEMU_BINARY)
    if binary is None:
        return QEMU
    return KVM if boots_under(binary, KVM, timeout, kernel=host_kernel()) else QEMU


def host_kernel() -> Path | None:
    release = os.uname().release
    candidates = [Path(f"/boot/vmlinuz-{release}"), *sorted(Path("/boot").glob("vmlinuz-*"))]
    return next((k for k in candidates if os.access(k, os.R_OK)), None)


def boots_under(qemu: str, accelerator: str, timeout: float, kernel: Path | None = None) -> bool:
    """Whether a guest gets to print its first line under ``accelerator`` (kvm or tcg)."""
    with tempfile.TemporaryDirectory(prefix="ostack-kvm-probe-") as tmp:
        serial = Path(tmp) / "serial.log"
        argv = [qemu, "-accel", accelerator, "-nodefaults", "-display", "none", "-no-reboot",
                "-serial", f"file:{serial}"]
        if kernel is not None:
            argv += ["-m", "128", "-kernel", str(kernel), "-append", "console=ttyS0 panic=-1"]
            marker = b"Linux version"
        else:
            disk = Path(tmp) / "boot.img"
            disk.write_bytes(boot_sector())
            argv += ["-m", "16", "-drive", f"file={disk},format=raw,if=ide"]
            marker = MARKER
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return False
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if serial.exists() and marker in serial.read_bytes():
                    return True
                if proc.poll() is not None:
                    return False
                time.sleep(0.1)
            return False
        finally:
            proc.kill()
            proc.wait()
