"""libvirt domain XML for one server: a pure function from a frozen spec to text.

Built with ElementTree only (never string formatting), so user-supplied names are escaped
by the serialiser; everything that ends up as a device or file name is validated here,
because escaping does not make a bad tap name or bridge name safe. The ``ostack:instance``
metadata block tags the domain as ours and carries what ``parse_metadata`` reads back.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Literal

from ostack_cli.backend.local.host_values import check_ifname, check_ipv4, check_mac

# An identifier, never fetched: libvirt only needs a namespace URI to keep our <metadata>
# element apart from other tools' (Nova uses http://openstack.org/xmlns/libvirt/nova/1.1).
METADATA_NS = "http://ostack.dev/xmlns/instance/1.0"
METADATA_PREFIX = "ostack"
DOMAIN_PREFIX = "ostack-"

VirtType = Literal["qemu", "kvm"]
MachineType = Literal["pc", "q35"]

# libvirt names its log, socket and save files after the domain; keep it file-name safe.
_DOMAIN_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")
# Characters XML 1.0 cannot carry at all, escaped or not (ET would write them raw).
_XML_ILLEGAL_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_META_FIELDS = ("server-id", "project-id", "name", "flavor-name", "image-id", "created")


def check_xml_text(value: str, what: str) -> str:
    if not isinstance(value, str) or _XML_ILLEGAL_RE.search(value):
        raise ValueError(f"invalid {what} {value!r}: contains characters XML cannot carry")
    return value


def _check_path(path: str, what: str) -> None:
    check_xml_text(path, what)
    if not path.startswith("/"):
        raise ValueError(f"{what} must be an absolute path, got {path!r}")


def _check_uuid(value: str, what: str) -> None:
    try:
        canonical = str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"invalid {what} {value!r}") from exc
    if canonical != value:
        raise ValueError(f"invalid {what} {value!r}: expected {canonical}")


@dataclasses.dataclass(frozen=True, kw_only=True)
class InstanceMetadata:
    """What libvirt cannot tell us about a domain but ``server list`` needs after a crash."""

    server_id: str
    project_id: str
    name: str
    flavor_name: str
    image_id: str | None
    created: str

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is not None:
                check_xml_text(value, f"metadata {field.name}")

    def as_dict(self) -> dict[str, str | None]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True, kw_only=True)
class NicSpec:
    mac: str
    bridge: str
    tap_name: str
    mtu: int | None = None

    def __post_init__(self) -> None:
        check_mac(self.mac)
        check_ifname(self.bridge, "bridge name")
        check_ifname(self.tap_name, "tap name")
        if self.mtu is not None and not 68 <= self.mtu <= 65535:
            raise ValueError(f"invalid MTU {self.mtu}: must be 68-65535")


@dataclasses.dataclass(frozen=True, kw_only=True)
class DiskSpec:
    """A further qcow2 disk: a rescued guest's own disk (second after the rescue disk), or a
    volume (no backing file; ``serial`` its ID, as Nova gives it, so that the guest finds it
    under /dev/disk/by-id)."""

    path: str
    target: str  # vdb, vdc, ...
    backing_path: str | None = None
    backing_format: str = "raw"
    serial: str | None = None
    readonly: bool = False  # a volume attached read-only (``volume set --read-only``)

    def __post_init__(self) -> None:
        _check_path(self.path, "disk path")
        if self.backing_path is not None:
            _check_path(self.backing_path, "backing file path")
        if not re.fullmatch(r"[a-z0-9]{1,16}", self.backing_format):
            raise ValueError(f"invalid backing format {self.backing_format!r}")
        if not _EXTRA_TARGET_RE.fullmatch(self.target):
            raise ValueError(f"invalid disk target {self.target!r}: vdb to vdz")
        if self.serial is not None:
            _check_serial(self.serial)


_EXTRA_TARGET_RE = re.compile(r"vd[b-z]")
_SERIAL_RE = re.compile(r"[A-Za-z0-9-]{1,64}")


def _check_serial(serial: str) -> None:
    if not isinstance(serial, str) or not _SERIAL_RE.fullmatch(serial):
        raise ValueError(f"invalid disk serial {serial!r}")


GraphicsType = Literal["vnc", "spice"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class GraphicsSpec:
    """A remote display of the guest's screen (Nova's ``<graphics>``): on a port libvirt
    picks (autoport), listening on ``listen`` only. Loopback keeps it off the network: the
    console proxy, which checks a token first, is the only way in."""

    type: GraphicsType
    listen: str = "127.0.0.1"

    def __post_init__(self) -> None:
        if self.type not in ("vnc", "spice"):
            raise ValueError(f"invalid graphics type {self.type!r}: expected vnc or spice")
        check_ipv4(self.listen, "graphics listen address")


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainSpec:
    name: str
    uuid: str
    vcpus: int
    memory_mib: int
    disk_path: str
    console_log_path: str
    metadata: InstanceMetadata
    # The overlay's backing file (the cached image), and its QEMU format. Named here so that
    # libvirt never relabels it: a base shared by many guests stays root's, read through
    # QEMU's group, and no guest's QEMU can write to it. None: the disk stands alone (a
    # volume the guest boots from, ``disk_serial`` its ID).
    backing_path: str | None = None
    backing_format: str = "raw"
    disk_serial: str | None = None
    virt_type: VirtType = "qemu"
    machine: MachineType = "pc"
    nics: tuple[NicSpec, ...] = ()
    extra_disks: tuple[DiskSpec, ...] = ()
    graphics: tuple[GraphicsSpec, ...] = ()
    config_drive_path: str | None = None
    kernel: str | None = None
    initrd: str | None = None
    cmdline: str | None = None

    def __post_init__(self) -> None:
        if not _DOMAIN_NAME_RE.fullmatch(self.name):
            raise ValueError(f"invalid domain name {self.name!r}")
        _check_uuid(self.uuid, "domain UUID")
        if self.virt_type not in ("qemu", "kvm"):
            raise ValueError(f"invalid virt type {self.virt_type!r}: expected qemu or kvm")
        if self.machine not in ("pc", "q35"):
            raise ValueError(f"invalid machine type {self.machine!r}: expected pc or q35")
        if self.vcpus < 1:
            raise ValueError(f"invalid vCPU count {self.vcpus}")
        if self.memory_mib < 1:
            raise ValueError(f"invalid memory size {self.memory_mib} MiB")
        _check_path(self.disk_path, "disk path")
        _check_path(self.console_log_path, "console log path")
        if self.backing_path is not None:
            _check_path(self.backing_path, "backing file path")
        if not re.fullmatch(r"[a-z0-9]{1,16}", self.backing_format):
            raise ValueError(f"invalid backing format {self.backing_format!r}")
        if self.disk_serial is not None:
            _check_serial(self.disk_serial)
        for what in ("config_drive_path", "kernel", "initrd"):
            value = getattr(self, what)
            if value is not None:
                _check_path(value, what.replace("_", " "))
        if self.cmdline is not None:
            check_xml_text(self.cmdline, "kernel command line")
        if self.kernel is None and (self.initrd is not None or self.cmdline is not None):
            raise ValueError("an initrd or kernel command line needs a kernel")
        taps = [nic.tap_name for nic in self.nics]
        if len(set(taps)) != len(taps):
            raise ValueError(f"duplicate tap names in {taps}")
        targets = [disk.target for disk in self.extra_disks]
        if len(set(targets)) != len(targets):
            raise ValueError(f"duplicate disk targets in {targets}")
        displays = [g.type for g in self.graphics]
        if len(set(displays)) != len(displays):
            raise ValueError(f"duplicate graphics types in {displays}")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    # Keyword order is the attribute order ET writes, so the output is deterministic.
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _ns(tag: str) -> str:
    return f"{{{METADATA_NS}}}{tag}"


def render_domain(spec: DomainSpec) -> str:
    """The domain XML for ``spec``, indented, with attributes in a fixed order."""
    domain = ET.Element("domain", {"type": spec.virt_type})
    _sub(domain, "name", spec.name)
    _sub(domain, "uuid", spec.uuid)
    _render_metadata(_sub(domain, "metadata"), spec.metadata)
    memory_kib = str(spec.memory_mib * 1024)
    _sub(domain, "memory", memory_kib, unit="KiB")
    _sub(domain, "currentMemory", memory_kib, unit="KiB")
    _sub(domain, "vcpu", str(spec.vcpus))
    _render_os(_sub(domain, "os"), spec)
    features = _sub(domain, "features")
    # ACPI lets virDomainShutdown press the power button (graceful stop); the APIC is what
    # every SMP x86 guest expects.
    _sub(features, "acpi")
    _sub(features, "apic")
    if spec.virt_type == "kvm":
        # Expose the host CPU as is: fastest, and live migration is not a concern here.
        _sub(domain, "cpu", mode="host-passthrough")
    else:
        # Under TCG "maximum" is QEMU's "-cpu max": every feature TCG emulates, so guests
        # built for x86-64-v2 (EL9 glibc refuses libvirt's default qemu64) still boot. Speed
        # is no reason either way: booting the Debian 6.1 kernel to its first panic cost the
        # same QEMU CPU time with max, qemu64 and Nehalem (3.6/3.5/3.5 s median of 6, TCG).
        _sub(domain, "cpu", mode="maximum")
    _sub(domain, "clock", offset="utc")
    _sub(domain, "on_poweroff", "destroy")
    _sub(domain, "on_reboot", "restart")
    _sub(domain, "on_crash", "destroy")
    _render_devices(_sub(domain, "devices"), spec)
    ET.indent(domain, space="  ")
    return ET.tostring(domain, encoding="unicode", xml_declaration=False) + "\n"


def _render_metadata(parent: ET.Element, meta: InstanceMetadata) -> None:
    # Prefixed names with the xmlns declaration on the element itself (as Nova's block looks),
    # instead of ET.register_namespace, which would change a process-wide registry.
    xmlns = {f"xmlns:{METADATA_PREFIX}": METADATA_NS}
    instance = _sub(parent, f"{METADATA_PREFIX}:instance", **xmlns)
    for tag, value in zip(_META_FIELDS, dataclasses.astuple(meta), strict=True):
        if value is not None:
            _sub(instance, f"{METADATA_PREFIX}:{tag}", value)


def _render_os(os_el: ET.Element, spec: DomainSpec) -> None:
    _sub(os_el, "type", "hvm", arch="x86_64", machine=spec.machine)
    if spec.kernel is None:
        _sub(os_el, "boot", dev="hd")
        return
    # Direct kernel boot skips the bootloader and, with an uncompressed vmlinux, the
    # decompressor: the biggest part of boot time under TCG.
    _sub(os_el, "kernel", spec.kernel)
    if spec.initrd is not None:
        _sub(os_el, "initrd", spec.initrd)
    if spec.cmdline is not None:
        _sub(os_el, "cmdline", spec.cmdline)


def _render_disk(devices: ET.Element, path: str, backing_path: str | None,
                 backing_format: str, target: str, serial: str | None = None,
                 readonly: bool = False) -> ET.Element:
    disk = _sub(devices, "disk", type="file", device="disk")
    # writeback, not Nova's usual "none": O_DIRECT fails on tmpfs and some overlay
    # filesystems the state dir may live on, and the shared base image of many overlays then
    # stays in the page cache. Guest flushes are still honoured.
    _sub(disk, "driver", name="qemu", type="qcow2", cache="writeback")
    _sub(disk, "source", file=path)
    if backing_path is not None:
        backing = _sub(disk, "backingStore", type="file")
        _sub(backing, "format", type=backing_format)
        source = _sub(backing, "source", file=backing_path)
        _sub(source, "seclabel", model="dac", relabel="no")
        _sub(backing, "backingStore")  # the chain ends here: libvirt probes nothing
    elif serial is not None:
        _sub(disk, "backingStore")  # a volume stands alone: libvirt probes nothing
    _sub(disk, "target", dev=target, bus="virtio")
    if serial is not None:
        _sub(disk, "serial", serial)
    if readonly:
        _sub(disk, "readonly")
    return disk


def _render_devices(devices: ET.Element, spec: DomainSpec) -> None:
    # No <emulator>: libvirt picks the binary that matches the domain type and machine.
    _render_disk(devices, spec.disk_path, spec.backing_path, spec.backing_format, "vda",
                 spec.disk_serial)
    for extra in spec.extra_disks:
        _render_disk(devices, extra.path, extra.backing_path, extra.backing_format,
                     extra.target, extra.serial, extra.readonly)

    if spec.config_drive_path is not None:
        # As Nova does: an IDE CD-ROM on i440fx (pc), SATA on q35 (which has no IDE).
        cdrom = _sub(devices, "disk", type="file", device="cdrom")
        _sub(cdrom, "driver", name="qemu", type="raw")
        _sub(cdrom, "source", file=spec.config_drive_path)
        if spec.machine == "q35":
            _sub(cdrom, "target", dev="sda", bus="sata")
        else:
            _sub(cdrom, "target", dev="hda", bus="ide")
        _sub(cdrom, "readonly")

    # No USB controller: nothing uses it, and SeaBIOS skips probing it at boot.
    _sub(devices, "controller", type="usb", model="none")

    for nic in spec.nics:
        _render_interface(devices, nic)

    # The serial console goes through virtlogd, as Nova's does: QEMU writes to a pipe and
    # virtlogd (root) to the log file, rotating it before it passes max_size (console.log.0
    # newest, then .1 ...) and keeping max_backups rotated files (/etc/libvirt/virtlogd.conf:
    # 2 MiB and 3 by default), so a guest that prints without end cannot fill the host's
    # disk, as a file-backed serial port (QEMU appending to the file itself) could. This
    # relies on qemu.conf's stdio_handler being "logd", the default: with "file", libvirt
    # hands the path to QEMU again. append='off' (Nova's): every start of QEMU begins a new
    # log (virtlogd deletes the old file and its rotated copies). The pty is only the
    # chardev the log hangs on; nothing needs to read it. libvirt copies serial 0 into the
    # console, so the console carries the same log (as libvirt writes the XML back).
    serial = _sub(devices, "serial", type="pty")
    _sub(serial, "log", file=spec.console_log_path, append="off")
    _sub(serial, "target", port="0")
    console = _sub(devices, "console", type="pty")
    _sub(console, "log", file=spec.console_log_path, append="off")
    _sub(console, "target", type="serial", port="0")

    _render_graphics(devices, spec.graphics)

    # Guests generate SSH host keys on first boot and would block on an empty entropy pool.
    rng = _sub(devices, "rng", model="virtio")
    _sub(rng, "backend", "/dev/urandom", model="random")
    # Nothing inflates a balloon here (no overcommit manager), so skip the device and its
    # guest driver.
    _sub(devices, "memballoon", model="none")


def _render_graphics(devices: ET.Element, graphics: tuple[GraphicsSpec, ...]) -> None:
    if not graphics:
        return
    for display in graphics:
        element = _sub(devices, "graphics", type=display.type, autoport="yes",
                       listen=display.listen)
        _sub(element, "listen", type="address", address=display.listen)
    # Nova's default video model on x86: a virtio GPU, which a guest without its driver
    # drives as a plain VGA card (the text console the display shows).
    video = _sub(devices, "video")
    _sub(video, "model", type="virtio")


def _render_interface(parent: ET.Element, nic: NicSpec) -> ET.Element:
    interface = _sub(parent, "interface", type="bridge")
    _sub(interface, "mac", address=check_mac(nic.mac))
    _sub(interface, "source", bridge=nic.bridge)
    _sub(interface, "target", dev=nic.tap_name)
    _sub(interface, "model", type="virtio")
    if nic.mtu is not None:
        _sub(interface, "mtu", size=str(nic.mtu))
    return interface


def render_disk(disk: DiskSpec) -> str:
    """One further disk's ``<disk>``, as in the domain: what a volume's hot plug hands to
    libvirt."""
    element = ET.Element("devices")
    rendered = _render_disk(element, disk.path, disk.backing_path, disk.backing_format,
                            disk.target, disk.serial, disk.readonly)
    ET.indent(rendered, space="  ")
    return ET.tostring(rendered, encoding="unicode", xml_declaration=False) + "\n"


def render_interface(nic: NicSpec) -> str:
    """One NIC's ``<interface>``, as in the domain: what a hot plug hands to libvirt."""
    element = ET.Element("devices")
    interface = _render_interface(element, nic)
    ET.indent(interface, space="  ")
    return ET.tostring(interface, encoding="unicode", xml_declaration=False) + "\n"


def parse_metadata(xml: str) -> dict[str, str | None]:
    """Read the ``ostack:instance`` block back from a domain's XML (ours or libvirt's).

    Raises ValueError when the domain carries no ostack metadata (not one of ours).
    """
    root = ET.fromstring(xml)
    instance = root.find(f"metadata/{_ns('instance')}")
    if instance is None:
        raise ValueError("domain has no ostack metadata")
    result: dict[str, str | None] = {}
    for tag, field in zip(_META_FIELDS, _field_names(), strict=True):
        element = instance.find(_ns(tag))
        result[field] = None if element is None else (element.text or "")
    return result


def _field_names() -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(InstanceMetadata))
