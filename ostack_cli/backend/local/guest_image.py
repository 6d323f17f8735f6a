"""Registering the project's cirros-like test image, as cirros' own images come: a disk plus
a kernel and a ramdisk (Glance's aki/ari), so guests boot the kernel directly (about three
times faster under TCG than through the disk's bootloader)."""

from __future__ import annotations

import os
from pathlib import Path

from ostack_cli.backend.local.images import LocalImages
from ostack_cli.backend.models.image import ImageSpec
from ostack_cli.backend.models.network import BootstrapItem

DEFAULT_IMAGE_DIR = "/var/cache/ostack/images"
IMAGE_NAME = "cirros"


def guest_image_dir() -> Path:
    return Path(os.environ.get("OSTACK_IMAGE_DIR", DEFAULT_IMAGE_DIR))


class LocalGuestImage(LocalImages):
    def register_test_image(self) -> list[BootstrapItem]:
        """Register ``cirros`` from the built test image, once; nothing if it is not built."""
        directory = guest_image_dir()
        disk = directory / "ostack-test.qcow2"
        if not disk.exists():
            return []
        existing = self.images(name=IMAGE_NAME)
        if existing:
            return [BootstrapItem(resource="Image", name=IMAGE_NAME, id=existing[0].id,
                                  created=False)]
        parts = []
        for suffix, fmt, name in (("vmlinux", "aki", f"{IMAGE_NAME}-kernel"),
                                  ("initrd", "ari", f"{IMAGE_NAME}-ramdisk")):
            with open(directory / f"ostack-test.{suffix}", "rb") as data:
                parts.append(self.create_image(
                    ImageSpec(name=name, disk_format=fmt, container_format=fmt,
                              visibility="public"), data))
        with open(disk, "rb") as data:
            image = self.create_image(ImageSpec(
                name=IMAGE_NAME, disk_format="qcow2", container_format="bare",
                visibility="public",
                properties={"kernel_id": parts[0].id, "ramdisk_id": parts[1].id,
                            "os_command_line": "console=ttyS0"},
            ), data)
        return [BootstrapItem(resource="Image", name=i.name, id=i.id, created=True)
                for i in (*parts, image)]
