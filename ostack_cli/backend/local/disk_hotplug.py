"""Volumes plugged into and out of a defined guest, as Nova's libvirt driver does it: into the
running guest (running or paused) and into its persistent definition alike
(``attachDeviceFlags``/``detachDeviceFlags`` with ``AFFECT_LIVE | AFFECT_CONFIG``), so that
the next boot has the same disks.

A live unplug needs the guest's consent (ACPI hot unplug), which a guest still booting may
not give on the first request: as Nova's ``_detach_with_retry`` does, the request is sent
again after each wait, up to a number of attempts, and the device counted gone only once
the running guest's definition no longer has it. The persistent definition changes once
the live guest has let the disk go (as the NIC hot plug beside this does), so a disk the
guest never released is still the guest's at its next boot, as the volume's records say.

Both directions are idempotent: a disk already in (or already out of) either definition is
left as it is, which is what lets an interrupted attach or detach be finished or undone.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from typing import Any

from ostack_cli.backend.local.hypervisor import GuestError, Hypervisor

# Nova's [libvirt]device_detach_attempts (8) and device_detach_timeout (20 s), shortened a
# little per try: a guest under TCG answers late, and a request it missed is simply sent
# again.
DETACH_ATTEMPTS = 8
DETACH_WAIT = 10.0
POLL = 0.2


def _libvirt() -> Any:
    import libvirt

    return libvirt


def _message(exc: Any) -> str:
    text = exc.get_error_message() if hasattr(exc, "get_error_message") else str(exc)
    return str(text or exc).strip().rstrip(".")


def disk_xml(domain_xml: str, path: str) -> str | None:
    """The ``<disk>`` of a domain whose source is ``path``, as text, or None."""
    root = ET.fromstring(domain_xml)
    for disk in root.iterfind("devices/disk"):
        source = disk.find("source")
        if source is not None and source.get("file") == path:
            return ET.tostring(disk, encoding="unicode")
    return None


def disk_targets(domain_xml: str) -> dict[str, str]:
    """The domain's disks: target device -> source file."""
    root = ET.fromstring(domain_xml)
    found = {}
    for disk in root.iterfind("devices/disk"):
        target, source = disk.find("target"), disk.find("source")
        if target is not None and source is not None and source.get("file"):
            found[target.get("dev", "")] = source.get("file", "")
    return found


def where(hypervisor: Hypervisor, domain: str, path: str) -> tuple[bool, bool]:
    """Whether the guest's running (live) and persistent definitions hold the disk at
    ``path``; (False, False) for a guest that is not defined."""
    libvirt = _libvirt()
    dom = hypervisor.lookup(domain)
    if dom is None:
        return False, False
    live = bool(dom.isActive()) and disk_xml(str(dom.XMLDesc(0)), path) is not None
    persistent = disk_xml(str(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)), path) is not None
    return live, persistent


def attach(hypervisor: Hypervisor, domain: str, path: str, disk: str) -> None:
    """Plug the disk (``disk``: its ``<disk>`` XML) into the running guest and its
    definition; a guest that is not defined gets it from the records when it is defined."""
    libvirt = _libvirt()
    dom = hypervisor.lookup(domain)
    if dom is None:
        return
    try:
        flags = 0
        if dom.isActive() and disk_xml(str(dom.XMLDesc(0)), path) is None:
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        if disk_xml(str(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)), path) is None:
            flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if flags:
            dom.attachDeviceFlags(disk, flags)
    except libvirt.libvirtError as exc:
        raise GuestError(f"Failed to attach volume at {domain}: {_message(exc)}") from None


def detach(hypervisor: Hypervisor, domain: str, path: str, *,
           attempts: int = DETACH_ATTEMPTS, wait: float = DETACH_WAIT) -> None:
    """Unplug the disk at ``path`` from the running guest (asking again until it lets go),
    then from the persistent definition."""
    libvirt = _libvirt()
    dom = hypervisor.lookup(domain)
    if dom is None:
        return
    try:
        if dom.isActive():
            _detach_live(dom, path, attempts, wait)
        persistent = disk_xml(str(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)), path)
        if persistent is not None:
            dom.detachDeviceFlags(persistent, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    except libvirt.libvirtError as exc:
        raise GuestError(f"Device detach failed for {path}: {_message(exc)}") from None


def _detach_live(dom: Any, path: str, attempts: int, wait: float) -> None:
    libvirt = _libvirt()
    for _ in range(max(attempts, 1)):
        live = disk_xml(str(dom.XMLDesc(0)), path)
        if live is None:
            return
        try:
            dom.detachDeviceFlags(live, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        except libvirt.libvirtError as exc:
            # A request still pending in the guest is refused by QEMU ("already in the
            # process of unplug"): wait for it, as a new one would.
            if "unplug" not in _message(exc).lower():
                raise
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not dom.isActive() or disk_xml(str(dom.XMLDesc(0)), path) is None:
                return
            time.sleep(POLL)
    raise GuestError(
        f"Device detach failed for {path}: Run out of retry while detaching device "
        f"{path} with device alias from the live domain config. Device is still attached "
        "to the guest.")


def resize(hypervisor: Hypervisor, domain: str, path: str, size_bytes: int) -> bool:
    """Grow the disk at ``path`` inside a running guest (QEMU resizes the image and tells
    the guest); False when no running guest holds it (qemu-img may then resize it)."""
    libvirt = _libvirt()
    dom = hypervisor.lookup(domain)
    if dom is None or not dom.isActive():
        return False
    targets = {source: target for target, source in disk_targets(str(dom.XMLDesc(0))).items()}
    target = targets.get(path)
    if target is None:
        return False
    try:
        dom.blockResize(target, size_bytes, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
    except libvirt.libvirtError as exc:
        raise GuestError(f"Failed to extend volume at {domain}: {_message(exc)}") from None
    return True
