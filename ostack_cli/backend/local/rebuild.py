"""``server rebuild``: Nova's rebuild on libvirt (the driver's default implementation): the
guest destroyed, a fresh disk from the image, a new config drive, booted again with the same
ports (so the same addresses and floating IPs); a server that was stopped ends stopped.

The API's part (nova/compute/api.py ``rebuild``) changes the record at once (image, name,
metadata, key, user data, ``rebuilding``): that is the server the request answers with. A
process killed before the guest is back leaves the server in ERROR, as nova-compute's
``_init_instance`` settles an interrupted rebuild.
"""

from __future__ import annotations

import base64
import contextlib
from typing import Any

from ostack_cli import faults
from ostack_cli.backend.api.server_lifecycle import RebuildSpec
from ostack_cli.backend.local import nova_rules
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.guest_ops import GuestOps, one_line
from ostack_cli.backend.local.passwords import generate_password
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.keypair import Keypair
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, OstackError

REBUILD_STATES = (nova_rules.ACTIVE, nova_rules.STOPPED, nova_rules.ERROR)
MAX_USER_DATA = 65535
PRESERVE_EPHEMERAL = "The current driver does not support preserving ephemeral partitions."


class ServerRebuild:
    def __init__(self, context: ServiceContext, *, ops: GuestOps) -> None:
        self.context = context
        self.store = context.store
        self.ops = ops

    def rebuild(self, server: Server, spec: RebuildSpec) -> Server:
        """Returns the server as Nova's rebuild answer shows it (REBUILD), with its new
        admin password (the guest may ignore it, as a created one does); the rebuild itself
        is done when this returns."""
        _check_input(spec)
        self.ops.check_lock(server)
        nova_rules.require_state(server, "rebuild", REBUILD_STATES)
        changes = self._changes(server, spec)
        claimed = self.ops.claim(server, "rebuild", REBUILD_STATES, nova_rules.REBUILDING,
                                 **changes)
        faults.reached("server-rebuild:claimed")
        log = self.ops.record_action(claimed, "rebuild")
        with log.event("rebuild_server"):
            pass  # the conductor's part: the same host, nothing to schedule
        if spec.preserve_ephemeral:
            # The default implementation refuses before it touches anything; the error
            # puts the server in ERROR (the API had taken the request).
            log.failed("compute_rebuild_instance", PRESERVE_EPHEMERAL)
            self.ops.fail(claimed, PRESERVE_EPHEMERAL, code=400)
        else:
            with log.event("compute_rebuild_instance"):
                self._rebuild(claimed, server.vm_state)
        answer = self.ops.records.with_addresses(claimed)
        return answer.replace(admin_pass=spec.password or generate_password())

    def _changes(self, server: Server, spec: RebuildSpec) -> dict[str, Any]:
        """What the API changes on the record before it casts the rebuild, checked first."""
        changes: dict[str, Any] = {}
        if spec.name is not None:
            changes["name"] = spec.name.strip()
        if spec.metadata is not None:
            changes["metadata"] = dict(spec.metadata)
        if spec.description is not None:
            changes["description"] = spec.description
        if spec.set_user_data:
            changes["user_data"] = _encoded(spec.user_data)
        if spec.set_key_name:
            changes["key_name"] = self._key_name(spec.key_name)
        if spec.hostname is not None:
            changes["hostname"] = spec.hostname
        image = self.store.get(Image, spec.image_id)
        if image is None:
            raise BadRequest("Cannot find image for rebuild")
        if spec.set_trusted_image_certificates:
            changes["trusted_image_certificates"] = (
                list(spec.trusted_image_certificates)
                if spec.trusted_image_certificates else None)
        if image.status != "active":
            raise BadRequest(f"Image {image.id} is not active.")
        flavor = server.flavor
        nova_rules.check_image_fits(nova_rules.image_meta(image), int(flavor.get("disk", 0)),
                                    int(flavor.get("ram", 0)))
        changes.update(
            image_id=image.id,
            kernel_id=image.properties.get("kernel_id", ""),
            ramdisk_id=image.properties.get("ramdisk_id", ""),
            progress=0,
            system_metadata=nova_rules.rebuilt_system_metadata(
                server.system_metadata, image, int(flavor.get("disk", 0))),
        )
        return changes

    def _key_name(self, key_name: str | None) -> str | None:
        if key_name is None:
            return None
        # The requesting user's keypair (users own keys; projects own servers).
        found = [k for k in self.store.list(Keypair, name=key_name)
                 if k.user_id == self.context.user_id]
        if not found:
            raise BadRequest("Invalid key_name provided.")
        return key_name

    def _rebuild(self, server: Server, orig_vm_state: str) -> None:
        """nova-compute's ``_do_rebuild_instance`` with the default implementation."""
        files = self.ops.files(server)
        image = self.ops.image_of(server)
        try:
            server = self.ops.step(server, nova_rules.REBUILD_BLOCK_DEVICE_MAPPING,
                                   power_state=self.ops.power_state(server) or srv.NOSTATE)
            self.ops.undefine(server)
            faults.reached("server-rebuild:destroyed")
            # The cached images the new disk needs are recorded before the disk exists.
            server = self.ops.step(server, nova_rules.REBUILD_SPAWNING,
                                   disk_image_id=None, disk_image_format=None,
                                   boot_image_ids=self.ops.boot_image_ids(image))
            for old in (files.disk, files.config_drive):
                old.unlink(missing_ok=True)
            files.create()
            guests = self.ops.guests
            guests.build_disk(image, files.disk, int(server.flavor.get("disk", 0)))
            if server.config_drive:
                user_data = base64.b64decode(server.user_data) if server.user_data else None
                guests.build_config_drive(server, files.config_drive,
                                          guests.public_keys(server), user_data)
            faults.reached("server-rebuild:files")
            xml = guests.definition(server, image, files, self.ops.virt_type())
            self.ops.boot(server, xml)
            faults.reached("server-rebuild:started")
        except Exception as exc:
            # _error_out_instance_on_exception: the server in ERROR.
            with contextlib.suppress(OstackError):
                self.ops.fail(server, one_line(exc))
            raise
        if orig_vm_state == nova_rules.STOPPED:
            # Nova brings the guest back to the state it was in.
            self.ops.power_off(server, clean=False)
            self.ops.finish(server, vm_state=nova_rules.STOPPED,
                            power_state=self.ops.power_state(server) or srv.SHUTDOWN,
                            launched_at=utcnow(), progress=0)
            return
        self.ops.finish(server, vm_state=nova_rules.ACTIVE,
                        power_state=self.ops.power_state(server) or srv.NOSTATE,
                        launched_at=utcnow())


def _check_input(spec: RebuildSpec) -> None:
    """The request body's schema, checked before anything else."""
    if spec.name is not None:
        nova_rules.check_name(spec.name)
    if spec.metadata is not None:
        nova_rules.check_metadata(spec.metadata)
    if spec.description is not None and len(spec.description) > 255:
        raise BadRequest(
            "Invalid input for field/attribute description. Value: "
            f"{spec.description}. {spec.description!r} is too long"
        )
    if spec.set_user_data:
        _encoded(spec.user_data)
    if spec.hostname is not None:
        from ostack_cli.backend.local import configdrive

        try:
            configdrive.check_hostname(spec.hostname)
        except ValueError as exc:
            raise BadRequest(f"Invalid input for field/attribute hostname: {exc}") from None


def _encoded(data: bytes | None) -> str | None:
    if data is None:
        return None
    encoded = base64.b64encode(data).decode()
    if len(encoded) > MAX_USER_DATA:
        raise BadRequest(
            f"User data too large. User data must be no larger than {MAX_USER_DATA} "
            f"bytes once base64 encoded. Your data is {len(encoded)} bytes"
        )
    return encoded
