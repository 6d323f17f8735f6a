from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ostack_cli.backend.local import accel

INTEL = "processor\t: 0\nflags\t\t: fpu vme de pse vmx sse\n"
PLAIN = "processor\t: 0\nflags\t\t: fpu vme de pse sse hypervisor\n"


def test_without_dev_kvm_it_is_tcg() -> None:
    assert accel.quick_verdict(INTEL, kvm_device_exists=False) == accel.QEMU


def test_dev_kvm_without_vmx_or_svm_is_not_trusted() -> None:
    # This machine kind: /dev/kvm from kvm_pvm, no hardware virtualisation flags.
    assert accel.quick_verdict(PLAIN, kvm_device_exists=True) == accel.QEMU


def test_vmx_with_dev_kvm_needs_a_boot_probe() -> None:
    assert accel.quick_verdict(INTEL, kvm_device_exists=True) is None


def test_boot_sector_is_a_valid_mbr() -> None:
    sector = accel.boot_sector()
    assert len(sector) == 512
    assert sector.endswith(b"\x55\xaa")


qemu = shutil.which(accel.QEMU_BINARY)


@pytest.mark.slow
@pytest.mark.skipif(qemu is None, reason="qemu-system-x86_64 is not installed")
def test_probe_sees_a_guest_that_boots() -> None:
    """The probe's detector works: under TCG both payloads print their first line."""
    assert qemu is not None
    assert accel.boots_under(qemu, "tcg", 20.0, kernel=None)
    kernel = accel.host_kernel()
    if kernel is not None:
        assert accel.boots_under(qemu, "tcg", 30.0, kernel=kernel)


@pytest.mark.slow
@pytest.mark.skipif(qemu is None or not os.path.exists("/dev/kvm"), reason="no qemu or /dev/kvm")
def test_probe_on_this_host_matches_its_cpu() -> None:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    if accel.quick_verdict(cpuinfo, True) == accel.QEMU:
        assert accel.probe() == accel.QEMU
        assert qemu is not None
        # And a real boot under this KVM does not get going either (kvm_pvm hosts).
        kernel = accel.host_kernel()
        if kernel is not None:
            assert not accel.boots_under(qemu, "kvm", 6.0, kernel=kernel)
