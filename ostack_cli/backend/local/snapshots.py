"""``server image create`` and ``server backup create``: Nova's snapshot of a guest's disk
into a new image of the local image store, and createBackup's rotation.

As Nova does it: the API makes a ``queued`` image with what the server's boot image passes
on (nova/compute/utils.py ``create_image``) and claims the server (``image_snapshot_pending``
or ``image_backup``); the driver exports the disk (``image_pending_upload``) and uploads it
(``image_uploading``: the image is ``saving``, then ``active`` with the libvirt driver's
properties). A running guest is paused while its disk is copied (QEMU flushes everything
when it stops the vCPUs), so the copy is consistent, then runs on; a stopped one is copied
as it is. The export is one standalone qcow2: the overlay with its backing file's data.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from ostack_cli import faults
from ostack_cli.backend.local import guest_disks, image_files, nova_rules
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.guest_ops import GuestOps
from ostack_cli.backend.local.images import Images
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, OstackError, not_found

POLL_INTERVAL = 0.5
SNAPSHOT_STATES = (nova_rules.ACTIVE, nova_rules.STOPPED, nova_rules.PAUSED,
                   nova_rules.SUSPENDED)


class ServerSnapshots:
    def __init__(self, context: ServiceContext, *, ops: GuestOps, images: Images) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host
        self.ops = ops
        self.images = images

    # -- the API ----------------------------------------------------------------------

    def create_image(self, server: Server, name: str, properties: dict[str, str]) -> Image:
        """Nova's createImage; returns the image as it is once its data is in place."""
        nova_rules.check_name(name)
        nova_rules.check_metadata(properties)
        nova_rules.require_state(server, "createImage", SNAPSHOT_STATES)
        image = self.new_image(server, name, "snapshot", properties)
        with self.store.transaction():
            server = self.ops.claim(server, "createImage", SNAPSHOT_STATES,
                                    nova_rules.IMAGE_SNAPSHOT_PENDING)
            self.store.insert(image)
        faults.reached("server-image:claimed")
        log = self.ops.record_action(server, "createImage")
        server = self.ops.step(server, nova_rules.IMAGE_SNAPSHOT)
        try:
            with log.event("compute_snapshot_instance"):
                image = self.capture(server, image, nova_rules.IMAGE_PENDING_UPLOAD,
                                     nova_rules.IMAGE_UPLOADING)
        finally:
            self.ops.finish(server)
        return image

    def backup(self, server: Server, name: str, backup_type: str, rotation: int) -> Image:
        """Nova's createBackup: a snapshot of type ``backup``, then the oldest backups of
        this server and type beyond ``rotation`` deleted."""
        nova_rules.check_name(name)
        if rotation < 0:
            raise BadRequest(
                f"Invalid input for field/attribute rotation. Value: {rotation}. "
                f"{rotation} is less than the minimum of 0"
            )
        nova_rules.require_state(server, "createBackup", SNAPSHOT_STATES)
        image = self.new_image(server, name, "backup", {"backup_type": backup_type})
        with self.store.transaction():
            server = self.ops.claim(server, "createBackup", SNAPSHOT_STATES,
                                    nova_rules.IMAGE_BACKUP)
            self.store.insert(image)
        faults.reached("server-backup:claimed")
        log = self.ops.record_action(server, "createBackup")
        with log.event("compute_backup_instance"):
            try:
                image = self.capture(server, image, nova_rules.IMAGE_PENDING_UPLOAD,
                                     nova_rules.IMAGE_UPLOADING)
            finally:
                self.ops.finish(server)
            self._rotate(server, backup_type, rotation, keep=image.id)
        return image

    def wait_for_image(self, image_id: str, *,
                       callback: Callable[[int], None] | None = None) -> Image:
        """Until the image is active, or failed (another process may be making it)."""
        while True:
            image = self.store.get(Image, image_id)
            if image is None:
                raise not_found("Image", image_id)
            if image.status in ("active", "killed", "deleted", "error"):
                return image
            if callback is not None:
                callback(0)
            time.sleep(POLL_INTERVAL)

    # -- shared with shelve -----------------------------------------------------------

    def new_image(self, server: Server, name: str, image_type: str,
                  extra: dict[str, str]) -> Image:
        """The ``queued`` image Nova's API makes for a snapshot (``create_image``): a
        snapshot's formats are left for the upload to say, a backup's start as the boot
        image's; private to the project that asks."""
        server = self.ops.with_system_metadata(server)
        attributes = nova_rules.snapshot_attributes(server)
        properties = nova_rules.snapshot_properties(
            server, image_type=image_type, user_id=self.context.user_id, extra=extra)
        now = utcnow()
        keep_formats = image_type != "snapshot"
        return Image(
            id=new_id(),
            name=name,
            project_id=self.context.project_id,
            status="queued",
            visibility="private",
            disk_format=attributes["disk_format"] if keep_formats else None,
            container_format=attributes["container_format"] if keep_formats else None,
            min_disk=int(attributes["min_disk"] or 0),
            min_ram=int(attributes["min_ram"] or 0),
            properties=properties,
            created_at=now,
            updated_at=now,
        )

    def capture(self, server: Server, image: Image, pending_task: str, uploading_task: str,
                *, on_active: Callable[[Image], None] | None = None) -> Image:
        """Export the guest's disk into ``image`` (queued): the server moves through the
        driver's two task states; on any failure the image is deleted (Nova's
        ``delete_image_on_error``) and the error raised. ``on_active`` runs in the
        transaction that makes the image active."""
        files = self.ops.files(server)
        try:
            power = self.ops.power_state(server)
            live = power == srv.RUNNING
            server = self.ops.step(server, pending_task)
            directory = image_files.images_dir(self.context.state_dir)
            image_files.sweep_stale_uploads(directory)
            if live:
                # Stopping the vCPUs makes QEMU drain and flush the disk: what qemu-img
                # reads next is a consistent copy, taken while the guest waits.
                self.host.hypervisor.pause(server.instance_name)
            try:
                faults.reached("server-snapshot:paused")
                exported = guest_disks.export(files.disk, directory,
                                              force_share=power in (srv.RUNNING, srv.PAUSED))
            finally:
                if live:
                    self.host.hypervisor.unpause(server.instance_name)
            faults.reached("server-snapshot:exported")
            self.ops.step(server, uploading_task)
            return self._upload(server, image, exported, on_active)
        except BaseException:
            self._discard(image)
            raise

    def _upload(self, server: Server, image: Image, exported: guest_disks.ExportedDisk,
                on_active: Callable[[Image], None] | None) -> Image:
        try:
            self._set_status(image, "saving")
            virtual_size = image_files.inspect(exported.path, "qcow2")
            final = image_files.image_path(self.context.state_dir, image.id)
            attributes = nova_rules.snapshot_attributes(server)
            with self.store.transaction():
                current = self.store.get(Image, image.id)
                if current is None:
                    raise OstackError(
                        f"Image {image.id} was deleted while the snapshot was being taken."
                    )
                done = current.replace(
                    status="active",
                    disk_format="qcow2",
                    container_format=attributes["container_format"] or "bare",
                    size=exported.size,
                    virtual_size=virtual_size,
                    checksum=exported.checksum,
                    hash_algo=image_files.HASH_ALGO,
                    hash_value=exported.hash_value,
                    properties={**current.properties, **nova_rules.uploaded_properties(server)},
                    updated_at=utcnow(),
                )
                self.store.update(done)
                if on_active is not None:
                    on_active(done)
                image_files.publish(exported.path, final)
        finally:
            exported.path.unlink(missing_ok=True)
        return done

    def _set_status(self, image: Image, status: str) -> None:
        with self.store.transaction():
            current = self.store.get(Image, image.id)
            if current is not None:
                self.store.update(current.replace(status=status, updated_at=utcnow()))

    def _discard(self, image: Image) -> None:
        with contextlib.suppress(OstackError), self.store.transaction():
            current = self.store.get(Image, image.id)
            if current is None or current.status == "active":
                return
            self.store.delete(Image, image.id)
        image_files.image_path(self.context.state_dir, image.id).unlink(missing_ok=True)

    def _rotate(self, server: Server, backup_type: str, rotation: int, *, keep: str) -> None:
        """``_rotate_backups``: newest first, the ones beyond ``rotation`` deleted."""
        wanted = {"image_type": "backup", "backup_type": backup_type,
                  "instance_uuid": server.id}
        backups = [i for i in self.store.list(Image)
                   if all(i.properties.get(k) == v for k, v in wanted.items())]
        # Newest first; the backup just made first among those of the same second.
        backups.sort(key=lambda i: (i.created_at, i.id == keep), reverse=True)
        for excess in backups[rotation:]:
            with contextlib.suppress(OstackError):
                self.images.delete(excess)
