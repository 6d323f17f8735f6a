"""A NIC plugged into and out of a guest: the XML handed to libvirt and the order of the
live and persistent changes (libvirt's test driver cannot hot plug; a fake domain records)."""

from __future__ import annotations

from typing import Any

import pytest

from ostack_cli.backend.local import nic_hotplug
from ostack_cli.backend.local.domain_xml import (
    DomainSpec,
    InstanceMetadata,
    NicSpec,
    render_domain,
    render_interface,
)
from ostack_cli.backend.local.hypervisor import GuestError

libvirt = pytest.importorskip("libvirt")

NIC = NicSpec(mac="fa:16:3e:00:00:01", bridge="ost123b0000abcd", tap_name="ost123t0000abcd",
              mtu=1450)
OTHER = NicSpec(mac="fa:16:3e:00:00:02", bridge="ost123b0000abcd", tap_name="ost123t0000abce")


def domain(*nics: NicSpec) -> str:
    return render_domain(DomainSpec(
        name="ostack-123-6b0c6c3c-2b0e-4f3e-9c55-1f0e9d7a4a11",
        uuid="6b0c6c3c-2b0e-4f3e-9c55-1f0e9d7a4a11", vcpus=1, memory_mib=64,
        disk_path="/x/disk", console_log_path="/x/console.log",
        metadata=InstanceMetadata(server_id="6b0c6c3c-2b0e-4f3e-9c55-1f0e9d7a4a11",
                                  project_id="p", name="vm", flavor_name="m1.tiny",
                                  image_id=None, created="2026-01-01T00:00:00Z"),
        nics=nics,
    ))


def test_render_interface_is_the_domains_own() -> None:
    text = render_interface(NIC)
    assert text == (
        '<interface type="bridge">\n'
        '  <mac address="fa:16:3e:00:00:01" />\n'
        '  <source bridge="ost123b0000abcd" />\n'
        '  <target dev="ost123t0000abcd" />\n'
        '  <model type="virtio" />\n'
        '  <mtu size="1450" />\n'
        '</interface>\n'
    )
    whole = domain(NIC)
    assert "\n".join("    " + line for line in text.splitlines()) in whole


def test_interface_xml_and_macs() -> None:
    whole = domain(NIC, OTHER)
    assert nic_hotplug.macs(whole) == ["fa:16:3e:00:00:01", "fa:16:3e:00:00:02"]
    found = nic_hotplug.interface_xml(whole, "FA:16:3E:00:00:02")
    assert found is not None and 'address="fa:16:3e:00:00:02"' in found
    assert nic_hotplug.interface_xml(whole, "fa:16:3e:00:00:09") is None


class FakeDomain:
    """A libvirt domain: live and persistent NICs, and what was asked of it."""

    def __init__(self, *, active: bool, live: list[NicSpec], persistent: list[NicSpec],
                 releases: bool = True) -> None:
        self.active = active
        self.live = list(live)
        self.persistent = list(persistent)
        self.releases = releases
        self.calls: list[tuple[str, str, int]] = []

    def isActive(self) -> bool:
        return self.active

    def XMLDesc(self, flags: int) -> str:
        if flags & libvirt.VIR_DOMAIN_XML_INACTIVE:
            return domain(*self.persistent)
        return domain(*self.live)

    def attachDeviceFlags(self, xml: str, flags: int) -> None:
        self.calls.append(("attach", xml, flags))

    def detachDeviceFlags(self, xml: str, flags: int) -> None:
        self.calls.append(("detach", xml, flags))
        mac = nic_hotplug.macs(f"<domain><devices>{xml}</devices></domain>")[0]
        if flags & libvirt.VIR_DOMAIN_AFFECT_LIVE and self.releases:
            self.live = [n for n in self.live if n.mac != mac]
        if flags & libvirt.VIR_DOMAIN_AFFECT_CONFIG:
            self.persistent = [n for n in self.persistent if n.mac != mac]


class FakeHypervisor:
    def __init__(self, dom: FakeDomain | None) -> None:
        self.dom = dom

    def lookup(self, name: str) -> Any:
        return self.dom


LIVE, CONFIG = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG


def test_attach_to_a_running_guest_is_live_and_persistent() -> None:
    dom = FakeDomain(active=True, live=[], persistent=[])
    nic_hotplug.attach(FakeHypervisor(dom), "vm", render_interface(NIC))  # type: ignore[arg-type]
    assert dom.calls == [("attach", render_interface(NIC), LIVE | CONFIG)]


def test_attach_to_a_stopped_guest_changes_its_definition_only() -> None:
    dom = FakeDomain(active=False, live=[], persistent=[])
    nic_hotplug.attach(FakeHypervisor(dom), "vm", render_interface(NIC))  # type: ignore[arg-type]
    assert dom.calls == [("attach", render_interface(NIC), CONFIG)]


def test_a_guest_without_a_definition_is_left_to_its_next_start() -> None:
    nic_hotplug.attach(FakeHypervisor(None), "vm", "<interface/>")  # type: ignore[arg-type]
    nic_hotplug.detach(FakeHypervisor(None), "vm", NIC.mac)  # type: ignore[arg-type]


def test_detach_leaves_the_running_guest_first_then_the_definition() -> None:
    dom = FakeDomain(active=True, live=[NIC, OTHER], persistent=[NIC, OTHER])
    nic_hotplug.detach(FakeHypervisor(dom), "vm", NIC.mac)  # type: ignore[arg-type]
    assert [(kind, flags) for kind, _, flags in dom.calls] == [("detach", LIVE),
                                                                ("detach", CONFIG)]
    assert (dom.live, dom.persistent) == ([OTHER], [OTHER])


def test_a_guest_that_keeps_the_nic_fails_the_detach_and_keeps_its_definition() -> None:
    dom = FakeDomain(active=True, live=[NIC], persistent=[NIC], releases=False)
    with pytest.raises(GuestError, match="Device detach failed for fa:16:3e:00:00:01"):
        nic_hotplug.detach(FakeHypervisor(dom), "vm", NIC.mac,  # type: ignore[arg-type]
                           timeout=0.3)
    assert dom.persistent == [NIC]


def test_detach_from_a_stopped_guest_and_of_a_nic_it_lacks() -> None:
    dom = FakeDomain(active=False, live=[], persistent=[NIC])
    nic_hotplug.detach(FakeHypervisor(dom), "vm", NIC.mac)  # type: ignore[arg-type]
    assert [(kind, flags) for kind, _, flags in dom.calls] == [("detach", CONFIG)]
    nic_hotplug.detach(FakeHypervisor(dom), "vm", NIC.mac)  # type: ignore[arg-type]
    assert len(dom.calls) == 1
