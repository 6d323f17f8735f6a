"""Shelve, rescue, rebuild, resize, snapshots and backups through Nova (openstacksdk's
compute proxy), the calls the real client makes."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any, cast

from openstack import types as sdk_types
from openstack.image.v2 import image as sdk_image

from ostack_cli.backend.api.server_lifecycle import UNSET, RebuildSpec, Unset
from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.image import image_from_sdk
from ostack_cli.backend.cloud.server import server_from_sdk
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.server import Server

# osc-lib's wait_for_status polls every 5 s; Glance's image states.
IMAGE_POLL_INTERVAL = 2.0
IMAGE_FAILED = ("error", "killed", "deleted")


@translate_errors
class CloudServerLifecycle(CloudBase):
    def shelve_server(self, server: Server) -> None:
        self.conn.compute.shelve_server(server.id)

    def shelve_offload_server(self, server: Server) -> None:
        self.conn.compute.shelve_offload_server(server.id)

    def unshelve_server(
        self, server: Server, *, availability_zone: str | Unset | None = UNSET,
        host: str | None = None,
    ) -> None:
        zone: str | sdk_types.Unset | None = (
            sdk_types.UNSET if isinstance(availability_zone, Unset) else availability_zone)
        self.conn.compute.unshelve_server(server.id, host=host, availability_zone=zone)

    def rescue_server(
        self, server: Server, *, image_id: str | None = None, password: str | None = None
    ) -> None:
        self.conn.compute.rescue_server(server.id, admin_pass=password, image=image_id)

    def unrescue_server(self, server: Server) -> None:
        self.conn.compute.unrescue_server(server.id)

    def rebuild_server(self, server: Server, spec: RebuildSpec) -> Server:
        attrs: dict[str, Any] = {}
        if spec.name is not None:
            attrs["name"] = spec.name
        if spec.password is not None:
            attrs["admin_password"] = spec.password
        if spec.preserve_ephemeral is not None:
            attrs["preserve_ephemeral"] = spec.preserve_ephemeral
        if spec.metadata:
            attrs["metadata"] = dict(spec.metadata)
        if spec.description:
            attrs["description"] = spec.description
        if spec.set_key_name:
            attrs["key_name"] = spec.key_name
        if spec.set_user_data:
            attrs["user_data"] = (base64.b64encode(spec.user_data).decode()
                                  if spec.user_data is not None else None)
        if spec.set_trusted_image_certificates:
            attrs["trusted_image_certificates"] = spec.trusted_image_certificates
        if spec.hostname:
            attrs["hostname"] = spec.hostname
        rebuilt = self.conn.compute.rebuild_server(server.id, spec.image_id, **attrs)
        answer = server_from_sdk(rebuilt)
        return answer.replace(admin_pass=getattr(rebuilt, "admin_password", None))

    def resize_server(self, server: Server, flavor_id: str) -> None:
        flavor = self.conn.compute.find_flavor(flavor_id, ignore_missing=False)
        self.conn.compute.resize_server(server.id, flavor)

    def confirm_server_resize(self, server: Server) -> None:
        self.conn.compute.confirm_server_resize(server.id)

    def revert_server_resize(self, server: Server) -> None:
        self.conn.compute.revert_server_resize(server.id)

    def create_server_image(
        self, server: Server, name: str, properties: dict[str, str] | None = None
    ) -> Image:
        image = self.conn.compute.create_server_image(server.id, name, properties)
        return image_from_sdk(image)

    def backup_server(self, server: Server, name: str, backup_type: str,
                      rotation: int) -> None:
        # The real client's call; it then looks the backup up by name itself.
        self.conn.compute.backup_server(server.id, name, backup_type, rotation)

    def wait_for_image(
        self, image_id: str, *, callback: Callable[[int], None] | None = None
    ) -> Image:
        while True:
            image = cast(sdk_image.Image, self.conn.image.get_image(image_id))
            if (image.status or "").lower() in ("active", *IMAGE_FAILED):
                return image_from_sdk(image)
            if callback is not None:
                callback(0)
            time.sleep(IMAGE_POLL_INTERVAL)
