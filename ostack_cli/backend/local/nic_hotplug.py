"""NICs plugged into and out of a defined guest, as Nova's libvirt driver does it: into the
running guest (when it runs or is paused) and into its persistent definition alike, so that
the next boot has the same NICs (``attachDeviceFlags``/``detachDeviceFlags`` with
``AFFECT_LIVE | AFFECT_CONFIG``). A live unplug needs the guest's consent (ACPI hot unplug):
it is waited for, as Nova waits for libvirt's device-removed event, and the persistent
definition is only changed once the running guest has let the NIC go.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from typing import Any

from ostack_cli.backend.local.hypervisor import GuestError, Hypervisor

# Nova's [libvirt]device_detach_timeout is 20 s a try; a guest under TCG answers slower.
DETACH_TIMEOUT = 30.0
POLL = 0.25


def _libvirt() -> Any:
    import libvirt

    return libvirt


def _message(exc: Any) -> str:
    text = exc.get_error_message() if hasattr(exc, "get_error_message") else str(exc)
    return str(text or exc).strip().rstrip(".")


def attach(hypervisor: Hypervisor, domain: str, interface_xml: str) -> None:
    """Plug the NIC; a guest with no definition (vanished) gets it from the records when it
    is defined again."""
    libvirt = _libvirt()
    dom = hypervisor.lookup(domain)
    if dom is None:
        return
    flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
    if dom.isActive():
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    try:
        dom.attachDeviceFlags(interface_xml, flags)
    except libvirt.libvirtError as exc:
        raise GuestError(f"Failed to attach network adapter device to {domain}: "
                         f"{_message(exc)}") from None


def detach(hypervisor: Hypervisor, domain: str, mac: str,
           timeout: float = DETACH_TIMEOUT) -> None:
    """Unplug the NIC with MAC ``mac`` from the running guest (waiting for it to go), then
    from the persistent definition; a NIC already gone from either is fine."""
    libvirt = _libvirt()
    dom = hypervisor.lookup(domain)
    if dom is None:
        return
    try:
        if dom.isActive():
            live = interface_xml(str(dom.XMLDesc(0)), mac)
            if live is not None:
                dom.detachDeviceFlags(live, libvirt.VIR_DOMAIN_AFFECT_LIVE)
                _wait_gone(dom, mac, timeout)
        persistent = interface_xml(str(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)), mac)
        if persistent is not None:
            dom.detachDeviceFlags(persistent, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    except libvirt.libvirtError as exc:
        raise GuestError(f"Device detach failed for {mac}: {_message(exc)}") from None


def _wait_gone(dom: Any, mac: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while interface_xml(str(dom.XMLDesc(0)), mac) is not None:
        if time.monotonic() > deadline:
            raise GuestError(
                f"Device detach failed for {mac}: Unable to detach the device from the live "
                "config: the guest did not release it."
            )
        time.sleep(POLL)


def interface_xml(domain_xml: str, mac: str) -> str | None:
    """The ``<interface>`` element of a domain whose MAC is ``mac``, as text (what
    ``detachDeviceFlags`` is given), or None."""
    root = ET.fromstring(domain_xml)
    for interface in root.iterfind("devices/interface"):
        address = interface.find("mac")
        if address is not None and address.get("address", "").lower() == mac.lower():
            return ET.tostring(interface, encoding="unicode")
    return None


def macs(domain_xml: str) -> list[str]:
    """The MACs of a domain's NICs, in order."""
    root = ET.fromstring(domain_xml)
    return [m.get("address", "").lower() for m in root.iterfind("devices/interface/mac")]
