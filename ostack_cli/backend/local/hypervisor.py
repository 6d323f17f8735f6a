"""The thin layer over libvirt: define, start, stop and read guests; nothing else decides here.

libvirt is the truth for whether a guest exists and its power state; the store holds the rest.
"""

from __future__ import annotations

import atexit
import contextlib
import time
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.models import server as srv
from ostack_cli.errors import BackendUnavailable, OstackError

if TYPE_CHECKING:
    import libvirt

DEFAULT_URI = "qemu:///system"
START_HINT = (
    "Start it with 'virtlogd -d && libvirtd -d' as root (no systemd here), or run 'make setup'."
)


class GuestError(OstackError):
    """libvirt or QEMU refused an operation on a guest."""


def _libvirt() -> Any:
    import libvirt  # heavy-ish and only needed by commands that touch guests

    return libvirt


# virDomainState -> Nova power state (nova/virt/libvirt/driver.py LIBVIRT_POWER_STATE).
_POWER_STATE = {
    0: srv.NOSTATE,  # NOSTATE
    1: srv.RUNNING,  # RUNNING
    2: srv.RUNNING,  # BLOCKED
    3: srv.PAUSED,  # PAUSED
    4: srv.SHUTDOWN,  # SHUTDOWN (in progress)
    5: srv.SHUTDOWN,  # SHUTOFF
    6: srv.CRASHED,  # CRASHED
    7: srv.SUSPENDED,  # PMSUSPENDED
}


# libvirt's test driver keeps its guests in the connection: one per process, shared, so that
# successive commands run in one process (the unit tests) see the same guests.
_TEST_CONNECTIONS: dict[str, Any] = {}


def _close_test_connections() -> None:
    # Closed while libvirt's module still exists; left to the garbage collector at exit,
    # libvirt's __del__ fails noisily.
    while _TEST_CONNECTIONS:
        _, conn = _TEST_CONNECTIONS.popitem()
        with contextlib.suppress(Exception):
            conn.close()


class Hypervisor:
    def __init__(self, uri: str = DEFAULT_URI) -> None:
        self.uri = uri
        self._conn: Any = None

    @property
    def conn(self) -> libvirt.virConnect:
        if self._conn is None:
            if self.uri in _TEST_CONNECTIONS:
                self._conn = _TEST_CONNECTIONS[self.uri]
                return self._conn
            libvirt = _libvirt()
            libvirt.registerErrorHandler(lambda *_: None, None)  # errors arrive as exceptions
            try:
                self._conn = libvirt.open(self.uri)
            except libvirt.libvirtError as exc:
                raise BackendUnavailable(
                    f"Cannot connect to libvirt at {self.uri}: {_message(exc)}.", START_HINT
                ) from None
            if self.uri.startswith("test:"):
                if not _TEST_CONNECTIONS:
                    atexit.register(_close_test_connections)
                _TEST_CONNECTIONS[self.uri] = self._conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None and self.uri not in _TEST_CONNECTIONS:
            try:
                self._conn.close()
            finally:
                self._conn = None
        self._conn = None

    # -- reading ----------------------------------------------------------------------

    def lookup(self, name: str) -> Any | None:
        libvirt = _libvirt()
        try:
            return self.conn.lookupByName(name)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise GuestError(f"libvirt failed to look up {name}: {_message(exc)}") from None

    def power_state(self, name: str) -> int | None:
        """Nova's power state of the guest, or None when no such guest exists."""
        dom = self.lookup(name)
        if dom is None:
            return None
        state = dom.state()[0]
        if state == 5 and dom.hasManagedSaveImage(0):
            return srv.SUSPENDED
        return _POWER_STATE.get(state, srv.NOSTATE)

    def power_states(self, prefix: str) -> dict[str, int]:
        """Power states of every guest whose name starts with ``prefix``, in one call."""
        libvirt = _libvirt()
        result = {}
        for dom in self.conn.listAllDomains(0):
            name = dom.name()
            if name.startswith(prefix):
                try:
                    state = dom.state()[0]
                except libvirt.libvirtError as exc:
                    # Undefined since it was listed (by another command, or another store
                    # sharing the prefix): it is not there.
                    if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                        continue
                    raise GuestError(f"libvirt failed to read {name}: {_message(exc)}") from None
                if state == 5 and dom.hasManagedSaveImage(0):
                    result[name] = srv.SUSPENDED
                else:
                    result[name] = _POWER_STATE.get(state, srv.NOSTATE)
        return result

    def domain_xml(self, name: str) -> str | None:
        dom = self.lookup(name)
        return None if dom is None else str(dom.XMLDesc(0))

    # -- changing ---------------------------------------------------------------------

    def define_and_start(self, xml: str) -> None:
        """Define a persistent guest and boot it; on failure nothing stays defined."""
        libvirt = _libvirt()
        try:
            dom = self.conn.defineXML(xml)
        except libvirt.libvirtError as exc:
            raise GuestError(f"libvirt refused the guest definition: {_message(exc)}") from None
        try:
            dom.create()
        except libvirt.libvirtError as exc:
            message = _message(exc)
            self._undefine(dom)
            raise GuestError(f"QEMU failed to start the guest: {message}") from None

    def define(self, xml: str) -> None:
        """Define (or redefine) a persistent guest without booting it."""
        libvirt = _libvirt()
        try:
            self.conn.defineXML(xml)
        except libvirt.libvirtError as exc:
            raise GuestError(f"libvirt refused the guest definition: {_message(exc)}") from None

    def start(self, name: str) -> None:
        self._call(name, "start", lambda dom: dom.create())

    def destroy(self, name: str) -> None:
        dom = self.lookup(name)
        if dom is not None and dom.isActive():
            self._call(name, "stop", lambda d: d.destroy())

    def shutdown(self, name: str, timeout: float) -> None:
        """Ask the guest to power off (ACPI); power it off if it has not after ``timeout``."""
        dom = self.lookup(name)
        if dom is None or not dom.isActive():
            return
        with contextlib.suppress(_libvirt().libvirtError):
            dom.shutdown()  # a guest without ACPI support ignores or refuses it
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not dom.isActive():
                return
            time.sleep(0.2)
        self.destroy(name)

    def pause(self, name: str) -> None:
        self._call(name, "pause", lambda dom: dom.suspend())

    def unpause(self, name: str) -> None:
        self._call(name, "unpause", lambda dom: dom.resume())

    def suspend(self, name: str) -> None:
        # Nova's "suspend" saves memory to disk and stops the guest (libvirt managed save).
        self._call(name, "suspend", lambda dom: dom.managedSave(0))

    def resume(self, name: str) -> None:
        self._call(name, "resume", lambda dom: dom.create())

    def undefine(self, name: str) -> None:
        """Power off and forget the guest; a guest already gone is fine."""
        dom = self.lookup(name)
        if dom is None:
            return
        if dom.isActive():
            self._call(name, "stop", lambda d: d.destroy())
        self._undefine(dom)

    def _undefine(self, dom: Any) -> None:
        libvirt = _libvirt()
        flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        try:
            dom.undefineFlags(flags)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise GuestError(f"libvirt failed to undefine the guest: {_message(exc)}") from None

    def _call(self, name: str, what: str, action: Any) -> None:
        libvirt = _libvirt()
        dom = self.lookup(name)
        if dom is None:
            raise GuestError(f"The guest {name} does not exist in libvirt.")
        try:
            action(dom)
        except libvirt.libvirtError as exc:
            raise GuestError(f"libvirt failed to {what} {name}: {_message(exc)}") from None

    # -- host facts -------------------------------------------------------------------

    def has_spice(self, virt_type: str) -> bool:
        """Whether this host's QEMU can give a guest a SPICE display (libvirt's domain
        capabilities, which it caches: about a millisecond)."""
        libvirt = _libvirt()
        try:
            caps = self.conn.getDomainCapabilities(None, "x86_64", None, virt_type, 0)
        except libvirt.libvirtError:
            return False  # the test driver has no capabilities to tell
        return "spice" in _graphics_types(str(caps))

    def host_facts(self) -> dict[str, Any]:
        info = self.conn.getInfo()  # [model, memory MiB, cpus, mhz, nodes, sockets, cores, threads]
        return {
            "hostname": self.conn.getHostname(),
            "memory_mb": int(info[1]),
            "vcpus": int(info[2]),
            "version": int(self.conn.getVersion()),
            "type": str(self.conn.getType()),
        }


def _graphics_types(caps: str) -> set[str]:
    """The display types a ``<domainCapabilities>`` document says QEMU supports."""
    import xml.etree.ElementTree as ET

    graphics = ET.fromstring(caps).find("devices/graphics")
    if graphics is None or graphics.get("supported") != "yes":
        return set()
    return {value.text or "" for value in graphics.findall("enum[@name='type']/value")}


def _message(exc: Any) -> str:
    text = exc.get_error_message() if hasattr(exc, "get_error_message") else str(exc)
    return str(text or exc).strip().rstrip(".")
