"""Real guests on this host: create to ACTIVE, to the DHCP address on the console, to the
metadata fetched from 169.254.169.254 (no config drive: the guest asks the DHCP namespace's
metadata proxy, as cloud-init would), delete.

Needs root, libvirtd and the test guest image (``make setup``); otherwise it says why not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    AreaResult,
    Measurement,
    Row,
    Settings,
    Target,
    check,
    child_env,
    purge_store,
)

DESCRIPTION = ("server create -> ACTIVE -> address on the console -> metadata fetched, delete "
               "(real TCG guests)")
IMAGE = Path(os.environ.get("OSTACK_IMAGE_DIR", "/var/cache/ostack/images")) / "ostack-test.qcow2"
RUNS, QUICK_RUNS, CONCURRENT = 5, 2, 5
CONSOLE_TIMEOUT = 60.0
METADATA_FETCHED = "ostack-guest: metadata from http://169.254.169.254"  # the guest's init


def _unavailable() -> str | None:
    if os.geteuid() != 0:
        return "n/a (needs root)"
    if subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True,
                      check=False).returncode != 0:
        return "n/a (libvirtd is not running: make setup)"
    if not IMAGE.exists():
        return "n/a (no test guest image: make setup)"
    return None


def run(settings: Settings) -> AreaResult:
    reason = _unavailable()
    if reason:
        return AreaResult(rows=[Row("server create -> ACTIVE", reason)])
    base = Path(tempfile.mkdtemp(prefix="ostack-bench-"))
    base.chmod(0o755)  # QEMU and dnsmasq must reach the host files
    home = base / "home"
    env = child_env(base / "user", settings, OSTACK_HOME=str(home))
    ostack = str(settings.ostack)
    try:
        _register_image(ostack, env)
        check([ostack, "network", "create", "private"], env)
        check([ostack, "subnet", "create", "--network", "private", "--subnet-range",
               "10.0.0.0/24", "private-subnet"], env)
        return _measure(settings, ostack, env, base)
    finally:
        _clean(ostack, env)
        # Its DHCP namespace, dnsmasq and metadata proxy, and its tag, before its files go.
        left = purge_store(env, home)
        shutil.rmtree(base, ignore_errors=True)
        if left:
            print("bench: compute: left on the host after the purge: " + "; ".join(left),
                  file=sys.stderr)


def _register_image(ostack: str, env: dict[str, str]) -> None:
    """As cirros ships it: a disk plus a kernel and ramdisk for a (much faster) direct boot."""
    ids = []
    for suffix, fmt, name in (("vmlinux", "aki", "cirros-kernel"),
                              ("initrd", "ari", "cirros-ramdisk")):
        made = check([ostack, "image", "create", "--file", str(IMAGE.with_suffix(f".{suffix}")),
                      "--disk-format", fmt, "--container-format", fmt, name, "-f", "value",
                      "-c", "id"], env)
        ids.append(made.stdout.strip())
    check([ostack, "image", "create", "--file", str(IMAGE), "--disk-format", "qcow2",
           "--property", f"kernel_id={ids[0]}", "--property", f"ramdisk_id={ids[1]}",
           "--property", "os_command_line=console=ttyS0", "cirros"], env)


def _measure(settings: Settings, ostack: str, env: dict[str, str], base: Path) -> AreaResult:
    runs = QUICK_RUNS if settings.quick else RUNS
    active, console, metadata, delete, rss = [], [], [], [], []
    for i in range(runs):
        start = time.perf_counter()
        made = check([ostack, "server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                      "--nic", "net-id=private", "--wait", f"b{i}", "-f", "value", "-c", "id",
                      "-c", "addresses"], env)
        active.append((time.perf_counter() - start) * 1000)
        server_id, address = _id_and_address(made.stdout)
        log = base / "home-host" / "instances" / server_id / "console.log"
        console.append((_wait_for(log, f"eth0 {address}/") - start) * 1000)
        metadata.append((_wait_for(log, METADATA_FETCHED) - start) * 1000)
        rss.append(_guest_rss_kb(server_id))
        start = time.perf_counter()
        check([ostack, "server", "delete", "--wait", server_id], env)
        delete.append((time.perf_counter() - start) * 1000)
    together = _concurrent(ostack, env, base)
    # The accelerator the host chose (probed at the first boot): ostack's own setting.
    virt = check([ostack, "configuration", "show", "-f", "value", "-c", "compute.virt_type"],
                 env)
    accel = virt.stdout.strip() or "unknown"
    rows = [
        Row("server create -> ACTIVE", _cell("create", active, rss)),
        Row("server create -> address on console", _cell("console", console, rss)),
        Row("server create -> metadata fetched", _cell("metadata", metadata, rss)),
        Row("server delete -> gone", _cell("delete", delete, rss)),
        Row(f"{CONCURRENT} concurrent creates -> all addresses", _cell("concurrent",
                                                                       [together], rss)),
    ]
    targets = [
        _target("create to ACTIVE under 1.5 s (TCG)", active, 1500),
        _target("create to DHCP address on the console under 10 s (TCG)", console, 10000),
        _target("create to metadata fetched under 12 s (TCG)", metadata, 12000),
        _target("delete under 1 s", delete, 1000),
    ]
    notes = [f"accelerator: {accel}; peak RSS per guest (QEMU): "
             f"{max(rss) / 1024:.0f} MB (m1.tiny, 512 MB guest RAM)"]
    return AreaResult(rows=rows, targets=targets, notes=notes)


def _concurrent(ostack: str, env: dict[str, str], base: Path) -> float:
    start = time.perf_counter()
    procs = [subprocess.Popen([ostack, "server", "create", "--image", "cirros", "--flavor",
                               "m1.tiny", "--nic", "net-id=private", f"c{i}", "-f", "value",
                               "-c", "id", "-c", "addresses"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(CONCURRENT)]
    made = [p.communicate(timeout=300)[0] for p in procs]
    for out in made:
        server_id, address = _id_and_address(out)
        _wait_for(base / "home-host" / "instances" / server_id / "console.log",
                  f"eth0 {address}/")
    return (time.perf_counter() - start) * 1000


def _id_and_address(output: str) -> tuple[str, str]:
    # -f value prints the columns in field order: addresses ({'private': ['10.0.0.3']}), id.
    address = re.search(r"\d+\.\d+\.\d+\.\d+", output)
    server_id = re.search(r"[0-9a-f-]{36}", output)
    if not (address and server_id):
        raise RuntimeError(f"unexpected server create output: {output!r}")
    return server_id.group(0), address.group(0)


def _wait_for(log: Path, text: str) -> float:
    deadline = time.monotonic() + CONSOLE_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if text in log.read_text(errors="replace"):
                return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{text!r} never appeared in {log}")


def _guest_rss_kb(server_id: str) -> int:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if server_id.encode() not in cmdline or b"qemu" not in cmdline:
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            continue
    return 0


def _cell(name: str, wall_ms: list[float], rss_kb: list[int]) -> Measurement:
    return Measurement(argv=(name,), wall_ms=tuple(wall_ms), cpu_ms=tuple(0.0 for _ in wall_ms),
                       max_rss_kb=tuple(max(rss_kb) for _ in wall_ms))


def _target(description: str, values: list[float], limit_ms: float) -> Target:
    value = sorted(values)[len(values) // 2]
    return Target(description, value < limit_ms, f"median {value:.0f} ms")


def _clean(ostack: str, env: dict[str, str]) -> None:
    listed = subprocess.run([ostack, "server", "list", "-f", "value", "-c", "ID"], env=env,
                            capture_output=True, text=True, check=False).stdout.split()
    if listed:
        subprocess.run([ostack, "server", "delete", "--wait", *listed], env=env,
                       capture_output=True, check=False)
