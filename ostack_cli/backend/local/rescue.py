"""``server rescue`` and ``server unrescue``, as Nova's libvirt driver does them: the guest is
powered off and booted again from a fresh disk of the rescue image (``disk.rescue``, the
server's own image unless another is named), with its own disk attached second and a rescue
config drive; unrescue boots it from its own disk again and drops the rescue files.

The rescue image is recorded before its cached copy is made, and the rescue files live in
the instance directory, so no converge takes them for debris; a process killed mid-way
leaves what ``lifecycle_recovery`` settles.
"""

from __future__ import annotations

import contextlib

from ostack_cli import faults
from ostack_cli.backend.local import nova_rules
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.guest_ops import GuestOps, one_line
from ostack_cli.backend.local.guests import InstanceFiles
from ostack_cli.backend.local.shelving import user_data
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, OstackError

RESCUE_STATES = (nova_rules.ACTIVE, nova_rules.STOPPED, nova_rules.ERROR)


class ServerRescue:
    def __init__(self, context: ServiceContext, *, ops: GuestOps) -> None:
        self.context = context
        self.store = context.store
        self.ops = ops

    def rescue(self, server: Server, *, image_id: str | None = None,
               password: str | None = None) -> None:
        """Nova's rescue. ``password``: Nova would put it on the rescue config drive; the
        local config drives carry no passwords (as for ``server create``)."""
        self.ops.check_lock(server)
        nova_rules.require_state(server, "rescue", RESCUE_STATES)
        rescue_image = self._rescue_image(server, image_id)
        kept = server.boot_image_ids
        server = self.ops.claim(
            server, "rescue", RESCUE_STATES, nova_rules.RESCUING,
            rescue_image_id=rescue_image.id,
            boot_image_ids=[*kept, *(i for i in self.ops.boot_image_ids(
                rescue_image, rescue_image.id) if i not in kept)])
        faults.reached("server-rescue:claimed")
        with self.ops.record_action(server, "rescue").event("compute_rescue_instance"):
            self._rescue(server, rescue_image, kept)

    def _rescue(self, server: Server, rescue_image: Image, kept: list[str]) -> None:
        files = self.ops.files(server)
        try:
            self.ops.power_off(server)
            faults.reached("server-rescue:stopped")
            remove_rescue_files(files)
            guests = self.ops.guests
            guests.build_disk(rescue_image, files.rescue_disk, int(server.flavor.get("disk", 0)))
            if server.config_drive:
                guests.build_config_drive(server, files.rescue_config_drive,
                                          guests.public_keys(server), user_data(server))
            xml = guests.rescue_definition(server, self.ops.image_of(server), rescue_image,
                                           files, self.ops.virt_type())
            faults.reached("server-rescue:files")
            self.ops.boot(server, xml)
            faults.reached("server-rescue:started")
        except Exception as exc:
            # Nova: "Error trying to Rescue Instance": the server in ERROR. Its own disk is
            # untouched; the rescue files go.
            with contextlib.suppress(OstackError):
                self.ops.undefine(server)
            remove_rescue_files(files)
            self.ops.fail(server, f"Instance {server.id} cannot be rescued: Driver Error: "
                                  f"{one_line(exc)}", code=400,
                          rescue_image_id=None, boot_image_ids=kept)
            raise
        self.ops.finish(server, vm_state=nova_rules.RESCUED,
                        power_state=self.ops.power_state(server) or srv.NOSTATE,
                        launched_at=utcnow())

    def unrescue(self, server: Server) -> None:
        self.ops.check_lock(server)
        server = self.ops.claim(server, "unrescue", (nova_rules.RESCUED,),
                                nova_rules.UNRESCUING)
        faults.reached("server-unrescue:claimed")
        with self.ops.record_action(server, "unrescue").event("compute_unrescue_instance"):
            self._unrescue(server)

    def _unrescue(self, server: Server) -> None:
        files = self.ops.files(server)
        try:
            self.ops.undefine(server)
            remove_rescue_files(files)
            faults.reached("server-unrescue:removed")
            image = self.ops.image_of(server)
            server = self.ops.step(server, nova_rules.UNRESCUING, rescue_image_id=None,
                                   boot_image_ids=own_boot_images(server, image))
            xml = self.ops.guests.definition(server, image, files, self.ops.virt_type())
            self.ops.boot(server, xml)
            faults.reached("server-unrescue:started")
        except Exception as exc:
            # _error_out_instance_on_exception: the server in ERROR.
            self.ops.fail(server, one_line(exc))
            raise
        self.ops.finish(server, vm_state=nova_rules.ACTIVE,
                        power_state=self.ops.power_state(server) or srv.NOSTATE)

    def _rescue_image(self, server: Server, image_id: str | None) -> Image:
        """The image asked for, else the server's base image (Nova's
        ``_get_rescue_image``); one that cannot be used is Nova's
        UnsupportedRescueImage."""
        if image_id is not None:
            found = self.store.get(Image, image_id)
            if found is None or found.status != "active" \
                    or found.properties.get("img_block_device_mapping"):
                raise BadRequest(f"Requested rescue image '{image_id}' is not supported")
            return found
        ref = server.system_metadata.get("image_base_image_ref") or server.image_id
        found = self.store.get(Image, ref) or self.store.get(Image, server.image_id)
        if found is None or found.status != "active":
            raise BadRequest(f"Requested rescue image '{ref}' is not supported")
        return found


def remove_rescue_files(files: InstanceFiles) -> None:
    for path in (files.rescue_disk, files.rescue_config_drive):
        path.unlink(missing_ok=True)


def own_boot_images(server: Server, image: Image) -> list[str]:
    """The cached images the server needs once unrescued: its own image's kernel and
    ramdisk and its disk's image, not the rescue image's."""
    needed = {image.properties.get("kernel_id"), image.properties.get("ramdisk_id"),
              server.disk_image_id}
    return [i for i in server.boot_image_ids if i in needed]
