"""Golden tests for the domain XML, checked by libvirt's test driver (and its QEMU driver)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.backend.local import names
from ostack_cli.backend.local.configdrive import link_id
from ostack_cli.backend.local.domain_xml import (
    METADATA_NS,
    DiskSpec,
    DomainSpec,
    GraphicsSpec,
    InstanceMetadata,
    NicSpec,
    parse_metadata,
    render_domain,
)
from tests.unit.local.golden_util import GOLDEN_DIR, assert_golden

libvirt = pytest.importorskip("libvirt")

SERVER_ID = "6b0c6c3c-2b0e-4f3e-9c55-1f0e9d7a4a11"
PORT_A = "2f1d4c9e-7a1b-4c3d-8e9f-0a1b2c3d4e5f"
PORT_B = "9e8d7c6b-5a49-4838-a726-150f0e0d0c0b"
INSTANCE_DIR = f"/var/lib/ostack/instances/{SERVER_ID}"


def metadata(**changes: Any) -> InstanceMetadata:
    values: dict[str, Any] = {
        "server_id": SERVER_ID,
        "project_id": "0b8c6f5e4d3c4b2a9f8e7d6c5b4a3f2e",
        "name": "vm1",
        "flavor_name": "m1.tiny",
        "image_id": "c0ffee00-1111-4222-8333-444455556666",
        "created": "2026-11-29T00:46:43Z",
    }
    values.update(changes)
    return InstanceMetadata(**values)


def nic(port_id: str, mac: str, bridge: str = "ostack-br1", mtu: int | None = None) -> NicSpec:
    return NicSpec(mac=mac, bridge=bridge, tap_name=names.tap_name(port_id), mtu=mtu)


def spec(**changes: Any) -> DomainSpec:
    values: dict[str, Any] = {
        "name": names.domain_name(SERVER_ID),
        "uuid": SERVER_ID,
        "vcpus": 1,
        "memory_mib": 128,
        "disk_path": f"{INSTANCE_DIR}/disk",
        "backing_path": "/var/lib/ostack/_base/c0ffee00-1111-4222-8333-444455556666",
        "backing_format": "qcow2",
        "console_log_path": f"{INSTANCE_DIR}/console.log",
        "metadata": metadata(),
        "nics": (nic(PORT_A, "fa:16:3e:11:22:33"),),
    }
    values.update(changes)
    return DomainSpec(**values)


CASES: dict[str, DomainSpec] = {
    "minimal_tcg": spec(),
    "kernel_boot_two_nics_config_drive": spec(
        vcpus=2,
        memory_mib=256,
        kernel="/var/cache/ostack/images/ostack-test.vmlinux",
        initrd="/var/cache/ostack/images/ostack-test.initrd",
        cmdline="console=ttyS0 quiet",
        config_drive_path=f"{INSTANCE_DIR}/disk.config",
        nics=(
            nic(PORT_A, "fa:16:3e:11:22:33", mtu=1450),
            nic(PORT_B, "FA:16:3E:44:55:66", bridge="ostack-br2"),
        ),
    ),
    "kvm": spec(virt_type="kvm", vcpus=4, memory_mib=2048),
    # Every guest's displays, on loopback only: VNC, and SPICE where QEMU has it.
    "displays": spec(graphics=(GraphicsSpec(type="vnc"), GraphicsSpec(type="spice"))),
    "q35_config_drive": spec(machine="q35", config_drive_path=f"{INSTANCE_DIR}/disk.config"),
    # A rescued guest: it boots from the rescue disk, its own disk second (Nova's layout).
    "rescue_second_disk": spec(
        disk_path=f"{INSTANCE_DIR}/disk.rescue",
        backing_path="/var/lib/ostack/_base/deadbeef-1111-4222-8333-444455556666",
        backing_format="raw",
        extra_disks=(DiskSpec(path=f"{INSTANCE_DIR}/disk", target="vdb",
                              backing_path="/var/lib/ostack/_base/"
                              "c0ffee00-1111-4222-8333-444455556666",
                              backing_format="qcow2"),),
        config_drive_path=f"{INSTANCE_DIR}/disk.config.rescue",
    ),
    "escaped_name": spec(
        metadata=metadata(
            name="<b>&'\"\u00e9\u4e2d\U0001f600 ]]>", flavor_name="m1.<tiny>", image_id=None
        )
    ),
}


def canonical(xml: str) -> str:
    return ET.canonicalize(xml, strip_text=True)


@pytest.fixture(scope="module")
def test_conn() -> Iterator[Any]:
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open("test:///default")
    yield conn
    conn.close()


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    xml = render_domain(CASES[case])
    assert_golden(f"domain/{case}.xml", xml, normalise=canonical)
    assert render_domain(CASES[case]) == xml  # deterministic, not just equivalent


@pytest.mark.parametrize("case", sorted(CASES))
def test_libvirt_test_driver_accepts_it_and_metadata_round_trips(case: str, test_conn: Any) -> None:
    xml = render_domain(CASES[case])
    # VALIDATE checks the document against libvirt's RNG schema, so a misspelt element or
    # attribute fails here instead of being dropped silently.
    domain = test_conn.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
    try:
        described = domain.XMLDesc()
        assert domain.name() == CASES[case].name
        assert domain.UUIDString() == SERVER_ID
    finally:
        domain.undefine()
    assert parse_metadata(described) == CASES[case].metadata.as_dict()
    assert parse_metadata(xml) == CASES[case].metadata.as_dict()


def test_escaped_name_is_escaped_not_interpreted() -> None:
    xml = render_domain(CASES["escaped_name"])
    assert "&lt;b&gt;&amp;'\"" in xml
    root = ET.fromstring(xml)
    name = root.find(f"metadata/{{{METADATA_NS}}}instance/{{{METADATA_NS}}}name")
    assert name is not None and name.text == "<b>&'\"\u00e9\u4e2d\U0001f600 ]]>"
    assert root.find(f"metadata/{{{METADATA_NS}}}instance/{{{METADATA_NS}}}image-id") is None


def test_structure_of_minimal_domain() -> None:
    root = ET.fromstring(render_domain(CASES["minimal_tcg"]))
    assert root.get("type") == "qemu"
    assert root.findtext("memory") == root.findtext("currentMemory") == str(128 * 1024)
    assert root.find("memory").get("unit") == "KiB"  # type: ignore[union-attr]
    assert root.find("os/boot").get("dev") == "hd"  # type: ignore[union-attr]
    assert root.find("os/kernel") is None
    assert root.find("cpu").attrib == {"mode": "maximum"}  # type: ignore[union-attr]
    assert root.find("devices/emulator") is None
    assert root.find("devices/graphics") is None
    assert [d.get("device") for d in root.findall("devices/disk")] == ["disk"]
    target = root.find("devices/interface/target")
    assert target is not None and target.get("dev") == names.tap_name(PORT_A)


def test_console_goes_through_virtlogd() -> None:
    # A pty with a <log>: virtlogd writes (and rotates) the file, never QEMU itself, which
    # would let a guest fill the host's disk through its serial port.
    root = ET.fromstring(render_domain(CASES["minimal_tcg"]))
    log = {"file": f"{INSTANCE_DIR}/console.log", "append": "off"}
    for tag, target in (("serial", {"port": "0"}), ("console", {"type": "serial", "port": "0"})):
        (device,) = root.findall(f"devices/{tag}")
        assert device.get("type") == "pty"
        assert device.find("log").attrib == log  # type: ignore[union-attr]
        assert device.find("target").attrib == target  # type: ignore[union-attr]
        assert device.find("source") is None
    assert root.find("devices/*[@type='file']/source[@path]") is None


def test_kvm_passes_the_host_cpu_through() -> None:
    root = ET.fromstring(render_domain(CASES["kvm"]))
    assert root.get("type") == "kvm"
    assert root.find("cpu").attrib == {"mode": "host-passthrough"}  # type: ignore[union-attr]


@pytest.mark.parametrize(("machine", "dev", "bus"), [("pc", "hda", "ide"), ("q35", "sda", "sata")])
def test_config_drive_bus_follows_machine(machine: str, dev: str, bus: str) -> None:
    domain = spec(machine=machine, config_drive_path="/x/disk.config")
    root = ET.fromstring(render_domain(domain))
    cdrom = root.find("devices/disk[@device='cdrom']")
    assert cdrom is not None
    assert cdrom.find("target").attrib == {"dev": dev, "bus": bus}  # type: ignore[union-attr]
    assert cdrom.find("readonly") is not None
    assert cdrom.find("source").get("file") == "/x/disk.config"  # type: ignore[union-attr]


def test_mac_is_written_lowercase() -> None:
    xml = render_domain(CASES["kernel_boot_two_nics_config_drive"])
    assert "fa:16:3e:44:55:66" in xml and "FA:16" not in xml


def test_names() -> None:
    assert link_id("2f1d4c9e-7a1b-4c3d-8e9f-0a1b2c3d4e5f") == "tap2f1d4c9e-7a"
    assert len(names.tap_name(PORT_A)) == 15
    assert names.domain_name(SERVER_ID) == f"ostack-{SERVER_ID}"


def test_parse_metadata_of_a_foreign_domain() -> None:
    with pytest.raises(ValueError, match="no ostack metadata"):
        parse_metadata("<domain type='kvm'><name>other</name><metadata/></domain>")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "ostack vm"}, "invalid domain name"),
        ({"name": "../etc"}, "invalid domain name"),
        ({"uuid": "not-a-uuid"}, "invalid domain UUID"),
        ({"uuid": SERVER_ID.upper()}, "invalid domain UUID"),
        ({"virt_type": "xen"}, "invalid virt type"),
        ({"machine": "microvm"}, "invalid machine type"),
        ({"vcpus": 0}, "invalid vCPU count"),
        ({"memory_mib": 0}, "invalid memory size"),
        ({"disk_path": "disk.qcow2"}, "disk path must be an absolute path"),
        ({"console_log_path": "/x/\x00log"}, "characters XML cannot carry"),
        ({"config_drive_path": "relative.iso"}, "config drive path must be an absolute"),
        ({"initrd": "/boot/initrd.img"}, "needs a kernel"),
        ({"cmdline": "console=ttyS0"}, "needs a kernel"),
        ({"kernel": "/k", "cmdline": "a\x07b"}, "characters XML cannot carry"),
        (
            {"nics": (nic(PORT_A, "fa:16:3e:00:00:01"), nic(PORT_A, "fa:16:3e:00:00:02"))},
            "duplicate tap names",
        ),
        (
            {"graphics": (GraphicsSpec(type="vnc"), GraphicsSpec(type="vnc"))},
            "duplicate graphics types",
        ),
    ],
)
def test_domain_spec_rejects(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        spec(**changes)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mac": "fa:16:3e:00:00"}, "invalid MAC address"),
        ({"mac": "fa-16-3e-00-00-01"}, "invalid MAC address"),
        ({"mac": "fa:16:3e:00:00:01\n"}, "invalid MAC address"),
        ({"mac": "01:00:5e:00:00:01"}, "multicast"),
        ({"bridge": "br0; reboot"}, "invalid bridge name"),
        ({"bridge": "a-bridge-name-too-long"}, "invalid bridge name"),
        ({"bridge": "-br"}, "invalid bridge name"),
        ({"bridge": ".."}, "invalid bridge name"),
        ({"tap_name": "tap'><x"}, "invalid tap name"),
        ({"tap_name": ""}, "invalid tap name"),
        ({"mtu": 67}, "invalid MTU"),
        ({"mtu": 65536}, "invalid MTU"),
    ],
)
def test_nic_spec_rejects(fields: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {"mac": "fa:16:3e:00:00:01", "bridge": "br0", "tap_name": "tap0"}
    values.update(fields)
    with pytest.raises(ValueError, match=message):
        NicSpec(**values)


def test_tap_name_rejects_port_ids_that_make_bad_names() -> None:
    with pytest.raises(ValueError, match="invalid link id"):
        link_id("abc def")


def test_metadata_rejects_text_xml_cannot_carry() -> None:
    with pytest.raises(ValueError, match="metadata name"):
        metadata(name="bad\x1bname")


def test_metadata_as_dict_matches_parse_keys() -> None:
    keys = [f.name for f in dataclasses.fields(InstanceMetadata)]
    assert list(parse_metadata(render_domain(spec())).keys()) == keys


# libvirt's QEMU driver, embedded in a child process (no daemon, private root directory),
# checks what the test driver cannot: that this QEMU has the machine types, buses and devices.
_EMBED_SCRIPT = textwrap.dedent(
    """
    import sys, libvirt
    libvirt.registerErrorHandler(lambda *_: None, None)
    libvirt.virEventRegisterDefaultImpl()
    conn = libvirt.open("qemu:///embed?root=" + sys.argv[1])
    for path in sys.argv[2:]:
        try:
            dom = conn.defineXMLFlags(open(path).read(), libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
            dom.undefine()
            print("ok", path)
        except libvirt.libvirtError as exc:
            print("error", path, exc)
    conn.close()
    """
)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="needs QEMU")
def test_real_qemu_driver_accepts_every_golden_case(tmp_path: Path) -> None:
    paths = []
    for case, domain in sorted(CASES.items()):
        if domain.virt_type == "kvm" and not Path("/dev/kvm").exists():
            continue  # libvirt refuses type='kvm' where QEMU cannot use KVM
        path = tmp_path / f"{case}.xml"
        path.write_text(render_domain(domain))
        paths.append(str(path))
    result = subprocess.run(
        [sys.executable, "-c", _EMBED_SCRIPT, str(tmp_path / "embed-root"), *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"ok {path}" for path in paths]


def test_golden_files_are_all_used() -> None:
    on_disk = {p.stem for p in (GOLDEN_DIR / "domain").glob("*.xml")}
    assert on_disk == set(CASES)


def test_rescue_boots_the_rescue_disk_with_its_own_disk_second() -> None:
    root = ET.fromstring(render_domain(CASES["rescue_second_disk"]))
    disks = root.findall("devices/disk[@device='disk']")
    assert [(d.find("source").get("file"), d.find("target").get("dev"))  # type: ignore[union-attr]
            for d in disks] == [(f"{INSTANCE_DIR}/disk.rescue", "vda"),
                                (f"{INSTANCE_DIR}/disk", "vdb")]
    # Each disk names its own backing file, never relabelled (the bases stay root's).
    backing = [d.find("backingStore/source") for d in disks]
    assert [b.get("file") for b in backing] == [  # type: ignore[union-attr]
        "/var/lib/ostack/_base/deadbeef-1111-4222-8333-444455556666",
        "/var/lib/ostack/_base/c0ffee00-1111-4222-8333-444455556666"]
    assert all(b.find("seclabel").get("relabel") == "no" for b in backing)  # type: ignore[union-attr]


@pytest.mark.parametrize("target", ["vda", "sdb", "vd", "vdbb"])
def test_a_further_disk_is_vdb_to_vdz(target: str) -> None:
    with pytest.raises(ValueError, match="invalid disk target"):
        DiskSpec(path="/x/disk", target=target)
    with pytest.raises(ValueError, match="duplicate disk targets"):
        spec(extra_disks=(DiskSpec(path="/x/a", target="vdb"),
                          DiskSpec(path="/x/b", target="vdb")))


def test_displays_listen_on_loopback_only_and_bring_a_video_card() -> None:
    root = ET.fromstring(render_domain(CASES["displays"]))
    displays = root.findall("devices/graphics")
    assert [(g.get("type"), g.get("autoport"), g.get("listen")) for g in displays] == [
        ("vnc", "yes", "127.0.0.1"), ("spice", "yes", "127.0.0.1")]
    for display in displays:
        assert [listen.attrib for listen in display.findall("listen")] == [
            {"type": "address", "address": "127.0.0.1"}]
    assert root.find("devices/video/model").attrib == {"type": "virtio"}  # type: ignore[union-attr]
    # A guest without displays has no video card either.
    assert ET.fromstring(render_domain(CASES["minimal_tcg"])).find("devices/video") is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"type": "rdp"}, "invalid graphics type"),
    ({"type": "vnc", "listen": "0.0.0.0 "}, "invalid graphics listen address"),
    ({"type": "vnc", "listen": "localhost"}, "invalid graphics listen address"),
])
def test_graphics_spec_rejects(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GraphicsSpec(**fields)
