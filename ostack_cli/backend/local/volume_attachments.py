"""Volumes attached to servers (Nova's os-volume_attachments with Cinder's attachments), and
servers booted from volumes.

Attaching, as Nova and Cinder do it between them: the checks (the server's state and lock,
the volume not attached elsewhere and ``available``), then in one transaction the
attachment recorded ``attaching`` with its device (the next free virtio disk, as Nova's
libvirt driver picks it) and the volume ``attaching``; then the disk is plugged into the
running guest and its persistent definition at once (``disk_hotplug``), then the
attachment is ``attached`` and the volume ``in-use``. Detaching goes the other way: both
``detaching``, the disk unplugged (the guest must let it go, asked again until it does),
the attachment gone and the volume ``available``. A process killed at any step leaves
statuses the next reader settles by what the guest really holds (``volume_recovery``).

Booting from a volume: ``server create`` hands its block device mappings to ``plan`` (the
checks Nova's API makes, before anything is recorded) and, once the server is recorded, to
``provide`` (the volumes Nova asks Cinder for, then the attachments, the one at boot index
0 the guest's first disk; guest_build reads them). ``release`` is a deleted server's part:
its volumes detached, and deleted where the mapping said ``delete_on_termination``.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ostack_cli import faults
from ostack_cli.backend.local import (
    cinder_rules,
    disk_hotplug,
    nova_rules,
    volume_records,
    volume_recovery,
)
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.guest_volumes import server_attachments
from ostack_cli.backend.local.images import Images
from ostack_cli.backend.local.server_events import ServerEvents
from ostack_cli.backend.local.server_locks import ServerLocks
from ostack_cli.backend.local.volume_files import VolumeFiles
from ostack_cli.backend.local.volume_snapshots import VolumeSnapshots
from ostack_cli.backend.local.volumes import Volumes
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.flavor import Flavor
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.server import Server, ServerSpec
from ostack_cli.backend.models.volume import (
    ATTACHING,
    AVAILABLE,
    DETACHING,
    IN_USE,
    BlockDevice,
    Volume,
    VolumeAttachment,
    VolumeSpec,
)
from ostack_cli.errors import BadRequest, NotFound, OstackError

if TYPE_CHECKING:
    from ostack_cli.backend.local.host import HostContext
    from ostack_cli.state.store import Store

# nova/compute/api.py attach_volume / detach_volume
ATTACHABLE = ("active", "paused", "stopped", "resized", "soft-delete", "shelved",
              "shelved_offloaded")
# nova/block_device.py match_device
DEVICE_PATH_RE = re.compile(r"^/dev/x{0,1}[a-z]{0,1}d{0,1}([a-z]+)[0-9]*$")
# What a volume Nova makes for a server waits for at most (Cinder's create is done by then
# here; a failure shows as the volume's error).
BOOT_VOLUME_STATUSES = (AVAILABLE,)


@dataclass(frozen=True)
class PlannedDevice:
    """One block device to give the server: an existing volume (``volume_id``), or a new
    one Nova asks Cinder for (from an image or snapshot, or blank)."""

    source_type: str
    boot_index: int | None
    size: int | None
    delete_on_termination: bool
    device_name: str | None = None
    tag: str | None = None
    volume_id: str | None = None
    image_id: str | None = None
    snapshot_id: str | None = None


@dataclass(frozen=True)
class BootPlan:
    """What a server made with block devices boots from: ``image`` stands for the guest's
    image (Nova's image_meta: the volume's image metadata; no ID, as Nova records none)."""

    image: Image
    devices: tuple[PlannedDevice, ...] = field(default_factory=tuple)
    from_volume: bool = False


class VolumeAttachments:
    def __init__(
        self,
        context: ServiceContext,
        *,
        volumes: Volumes,
        snapshots: VolumeSnapshots,
        images: Images,
        locks: ServerLocks,
        events: ServerEvents,
    ) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host
        self.volumes = volumes
        self.snapshots = snapshots
        self.images = images
        self.locks = locks
        self.events = events

    # -- reading ----------------------------------------------------------------------

    def find_all(self, server: Server) -> list[VolumeAttachment]:
        """Nova's os-volume_attachments of a server (its block device mappings)."""
        found = []
        for attachment in server_attachments(self.store, server.id):
            settled = volume_recovery.settle_attachment(self.store, self.host, attachment)
            if settled is not None:
                found.append(settled)
        return found

    # -- attaching --------------------------------------------------------------------

    def attach(self, server: Server, volume: Volume, *, device: str | None = None,
               tag: str | None = None,
               delete_on_termination: bool | None = None) -> VolumeAttachment:
        self.locks.check(server)
        nova_rules.require_state(server, "attach_volume", ATTACHABLE)
        if device and not DEVICE_PATH_RE.match(device):
            raise BadRequest(f"The supplied device path ({device}) is invalid.")
        for attachment in volume_records.attachments_of_volume(self.store, volume.id):
            volume_recovery.settle_attachment(self.store, self.host, attachment)
        with self.store.transaction():
            attachment = self._reserve(server, volume.id, device=device, tag=tag,
                                       delete_on_termination=bool(delete_on_termination))
        log = self.events.start(server, "attach_volume")
        faults.reached("volume-attach:reserved")
        try:
            with log.event("compute_attach_volume"):
                self._plug(server, attachment)
        except BaseException:
            volume_recovery.remove_attachment(self.store, attachment)
            raise
        faults.reached("volume-attach:plugged")
        return volume_recovery.finish_attached(self.store, attachment)

    def _reserve(self, server: Server, volume_id: str, *, device: str | None,
                 tag: str | None, delete_on_termination: bool,
                 boot_index: int | None = None) -> VolumeAttachment:
        """Inside a transaction: Nova's block device mapping and Cinder's attachment,
        ``attaching``; the volume ``attaching``."""
        current = self.store.get(Volume, volume_id)
        if current is None:
            raise cinder_rules.volume_not_found(volume_id)
        # Nova's own attachments; one made through Cinder alone shows in the volume's status.
        others = [a for a in volume_records.attachments_of_volume(self.store, volume_id)
                  if a.by_nova]
        if others and not current.multiattach:
            holders = " ".join(a.server_id for a in others)
            raise cinder_rules.invalid_volume(
                f"volume {volume_id} is already attached to instances: {holders}")
        if current.status not in cinder_rules.RESERVABLE:
            raise cinder_rules.invalid_volume(
                f"Volume {volume_id} status must be {cinder_rules.or_list(cinder_rules.RESERVABLE)}"
                f" to reserve, but the current status is {current.status}.")
        used = {a.device for a in server_attachments(self.store, server.id) if a.device}
        used.add("/dev/vda")
        chosen: str | None = ("/dev/vda" if boot_index == 0
                              else cinder_rules.device_name(device, used))
        if server.vm_state == "shelved_offloaded":
            chosen = None  # Nova names the device when the server is unshelved
        now = cinder_rules.now()
        attachment = VolumeAttachment(
            id=new_id(), server_id=server.id, volume_id=volume_id,
            device=chosen, tag=tag, delete_on_termination=delete_on_termination,
            bdm_id=new_id(), project_id=server.project_id, boot_index=boot_index,
            status=ATTACHING, created_at=now, updated_at=now, worker_pid=os.getpid())
        self.store.insert(attachment)
        volume_records.change(self.store, current, status=ATTACHING, worker_pid=os.getpid())
        return attachment

    def _plug(self, server: Server, attachment: VolumeAttachment) -> None:
        if self.host.is_test_driver:
            return  # libvirt's test driver cannot hot plug; the records are the guest
        volume = self.store.get(Volume, attachment.volume_id)
        path = str(VolumeFiles(self.host.host_dir).volume(attachment.volume_id))
        if attachment.device is None:
            return  # shelved: the disk is in the definition made when it is unshelved
        disk_hotplug.attach(self.host.hypervisor, server.instance_name, path,
                            volume_recovery.disk_xml(self.host, attachment,
                                                     readonly=bool(volume and volume.readonly)))

    # -- detaching --------------------------------------------------------------------

    def detach(self, server: Server, volume: Volume) -> None:
        self.locks.check(server)
        nova_rules.require_state(server, "detach_volume", ATTACHABLE)
        attachment = next((a for a in self.find_all(server) if a.volume_id == volume.id), None)
        if attachment is None:
            raise NotFound(f"Instance {server.id} is not attached to volume {volume.id}")
        if attachment.boot_index == 0:
            raise BadRequest("Cannot detach a root device volume")
        with self.store.transaction():
            current = self.store.get(Volume, volume.id)
            mine = self.store.get(VolumeAttachment, attachment.id)
            if current is None or mine is None or current.status != IN_USE \
                    or mine.status != "attached":
                raise cinder_rules.invalid_volume(
                    "Unable to detach volume. Volume status must be 'in-use' and "
                    "attach_status must be 'attached' to detach.")
            claimed = volume_records.change(self.store, mine, status=DETACHING,
                                            worker_pid=os.getpid())
            volume_records.change(self.store, current, status=DETACHING,
                                  worker_pid=os.getpid())
        log = self.events.start(server, "detach_volume")
        faults.reached("volume-detach:claimed")
        try:
            with log.event("compute_detach_volume"):
                self._unplug(server, claimed)
        except BaseException:
            # Nova rolls the detach back: the volume stays the guest's.
            volume_recovery.finish_attached(self.store, claimed)
            raise
        faults.reached("volume-detach:unplugged")
        volume_recovery.remove_attachment(self.store, claimed)

    def _unplug(self, server: Server, attachment: VolumeAttachment) -> None:
        if self.host.is_test_driver:
            return
        path = str(VolumeFiles(self.host.host_dir).volume(attachment.volume_id))
        disk_hotplug.detach(self.host.hypervisor, server.instance_name, path)

    # -- booting from volumes ---------------------------------------------------------

    def plan(self, spec: ServerSpec, flavor: Flavor) -> BootPlan | None:
        """Nova's API checks of ``server create``'s block devices (``_validate_bdm``, the
        boot image's metadata); None when there are none to give."""
        mappings: list[BlockDevice] = list(spec.block_devices)
        if not mappings:
            return None
        boot_indexes = sorted(m.boot_index for m in mappings
                              if m.boot_index is not None and m.boot_index >= 0)
        if not boot_indexes or any(i != v for i, v in enumerate(boot_indexes)):
            raise BadRequest(
                "Block Device Mapping is Invalid: Boot sequence for the instance and "
                "image/block device mapping combination is not valid.")
        _check_local_devices(mappings, flavor)
        devices: list[PlannedDevice] = []
        image: Image | None = None
        from_volume = False
        for mapping in mappings:
            if mapping.destination_type == "local":
                if mapping.source_type == "image" and mapping.boot_index == 0:
                    image = self.images.find(mapping.uuid or "")
                    continue  # the image boot Nova makes anyway
                raise BadRequest(
                    "Block Device Mapping is Invalid: local block devices other than the "
                    "image (swap, ephemeral disks) are not available on the local backend.")
            planned, meta = self._planned(mapping)
            devices.append(planned)
            if mapping.boot_index == 0:
                from_volume = True
                image = meta
        if image is None:
            raise BadRequest("Block Device Mapping is Invalid: no device to boot from.")
        if from_volume:
            root = next(d for d in devices if d.boot_index == 0)
            if root.size is not None and image.min_disk * cinder_rules.GIB > \
                    root.size * cinder_rules.GIB:
                raise BadRequest(
                    "Volume is smaller than the minimum size specified in image metadata. "
                    f"Volume size is {root.size * cinder_rules.GIB} bytes, minimum size is "
                    f"{image.min_disk * cinder_rules.GIB} bytes.")
            if image.min_ram > flavor.ram:
                raise BadRequest("Flavor's memory is too small for requested image.")
        return BootPlan(image=image, devices=tuple(devices), from_volume=from_volume)

    def _planned(self, mapping: BlockDevice) -> tuple[PlannedDevice, Image]:
        """One mapping to a volume, checked, and the image metadata it would boot with."""
        uuid = mapping.uuid or ""

        def planned(source_type: str, size: int | None, **source: str) -> PlannedDevice:
            return PlannedDevice(
                source_type=source_type, boot_index=mapping.boot_index, size=size,
                delete_on_termination=bool(mapping.delete_on_termination),
                device_name=mapping.device_name, tag=mapping.tag, **source)

        if mapping.source_type == "volume":
            volume = self.store.get(Volume, uuid)
            if volume is None or not (self.context.is_admin
                                      or volume.project_id == self.context.project_id):
                raise BadRequest(f"Block Device Mapping is Invalid: failed to get volume "
                                 f"{uuid}.")
            if mapping.boot_index == 0 and not volume.bootable:
                raise BadRequest(f"Block Device {uuid} is not bootable.")
            holders = [a.server_id for a in
                       volume_records.attachments_of_volume(self.store, uuid) if a.by_nova]
            if holders:
                raise cinder_rules.invalid_volume(
                    f"volume {uuid} is already attached to instances: {' '.join(holders)}")
            if volume.status not in cinder_rules.RESERVABLE:
                raise cinder_rules.invalid_volume(
                    f"Volume {uuid} status must be available or downloading to reserve, "
                    f"but the current status is {volume.status}.")
            return planned("volume", volume.size, volume_id=uuid), _image_of(volume)
        if mapping.source_type == "snapshot":
            try:
                snapshot = self.snapshots.find(uuid)
            except NotFound:
                raise BadRequest(f"Block Device Mapping is Invalid: failed to get snapshot "
                                 f"{uuid}.") from None
            origin = self.store.get(Volume, snapshot.volume_id)
            if mapping.boot_index == 0 and not (origin and origin.bootable):
                raise BadRequest(f"Block Device {snapshot.volume_id} is not bootable.")
            return (planned("snapshot", mapping.volume_size or snapshot.size,
                            snapshot_id=snapshot.id),
                    _image_of(origin) if origin else _nameless())
        if mapping.source_type == "image":
            try:
                image = self.images.find(uuid)
            except NotFound:
                raise BadRequest(f"Block Device Mapping is Invalid: failed to get image "
                                 f"{uuid}.") from None
            if not mapping.volume_size:
                raise BadRequest("Block Device Mapping is Invalid: Images with "
                                 "destination_type 'volume' need to have a non-zero size "
                                 "specified")
            if image.status != "active":
                raise BadRequest(f"Image {image.id} is not active.")
            return planned("image", mapping.volume_size, image_id=image.id), image.replace(id="")
        if not mapping.volume_size:
            raise BadRequest("Block Device Mapping is Invalid: Blank volumes (source: "
                             "'blank', dest: 'volume') need to have non-zero size")
        return planned("blank", mapping.volume_size), _nameless()

    def provide(self, server: Server, plan: BootPlan) -> None:
        """The server's volumes (made as Nova asks Cinder, in the server's project), then
        their attachments, before its guest is defined; raises what fails the build, as
        Nova words it (``BuildAbortException``)."""
        for device in plan.devices:
            try:
                volume_id = device.volume_id or self._made_volume(server, device)
                with self.store.transaction():
                    attachment = self._reserve(
                        server, volume_id, device=device.device_name, tag=device.tag,
                        delete_on_termination=device.delete_on_termination,
                        boot_index=device.boot_index)
            except OstackError as exc:
                raise OstackError(f"Build of instance {server.id} aborted: {exc}") from None
            faults.reached("server-create:volume")
            volume_recovery.finish_attached(self.store, attachment)

    def _made_volume(self, server: Server, device: PlannedDevice) -> str:
        """A volume Nova asks Cinder for (no name), once available."""
        spec = VolumeSpec(size=device.size, name="", image_id=device.image_id,
                          snapshot_id=device.snapshot_id)
        made = self.volumes.create(spec, project_id=server.project_id)
        current = self.store.get(Volume, made.id)
        status = current.status if current is not None else "deleted"
        if status != AVAILABLE:
            # Nova's VolumeNotCreated (it asks once a volume is made here: Cinder's work is
            # done before its create returns).
            raise OstackError(
                f"Volume {made.id} did not finish being created even after we waited 0 "
                f"seconds or 1 attempts. And its status is {status}.")
        return made.id


def _check_local_devices(mappings: list[BlockDevice], flavor: Flavor) -> None:
    """Nova's ``_validate_bdm`` for local blank disks: swap and ephemeral disks fit the
    flavor's (a size left out is the flavor's own)."""
    blank = [m for m in mappings if m.destination_type == "local" and m.source_type == "blank"]
    swap = [m for m in blank if m.guest_format == "swap"]
    ephemeral = [m for m in blank if m.guest_format != "swap"]
    if len(swap) > 1:
        raise BadRequest("Block Device Mapping is Invalid: More than one swap drive "
                         "requested.")
    if swap and (swap[0].volume_size or 0) > flavor.swap:  # both in MiB
        raise BadRequest("Swap drive requested is larger than instance type allows.")
    if ephemeral and sum(m.volume_size if m.volume_size is not None else flavor.ephemeral
                         for m in ephemeral) > flavor.ephemeral:
        raise BadRequest(
            "Ephemeral disks requested are larger than the instance type allows. If no size "
            "is given in one block device mapping, flavor ephemeral size will be used.")


def release(store: Store, host: HostContext, server: Server) -> None:
    """A deleted server's volumes (its guest is gone): each detached, and deleted where the
    mapping said so and Cinder allows it (a volume with snapshots stays, as with Nova)."""
    files = VolumeFiles(host.host_dir)
    for attachment in server_attachments(store, server.id):
        volume = store.get(Volume, attachment.volume_id)
        doomed = (attachment.delete_on_termination and volume is not None
                  and not volume_records.snapshots_of_volume(store, volume.id))
        if doomed and volume is not None:
            with store.transaction():
                volume_records.change(store, volume, status="deleting",
                                      worker_pid=os.getpid())
            files.remove(files.volume(volume.id))
        with store.transaction():
            store.delete(VolumeAttachment, attachment.id)
            current = store.get(Volume, attachment.volume_id)
            if current is None:
                continue
            if doomed:
                store.delete(Volume, current.id)
            else:
                store.update(current.replace(
                    status=volume_records.status_by_attachments(store, current.id),
                    worker_pid=None, updated_at=cinder_rules.now()))


def _image_of(volume: Volume) -> Image:
    """Nova's image_meta of a volume: what its image metadata says (no ID: a server booted
    from a volume has no image)."""
    meta = dict(volume.volume_image_metadata or {})
    known = ("image_id", "image_name", "checksum", "container_format", "disk_format",
             "min_disk", "min_ram", "size", "signature_verified")
    with contextlib.suppress(ValueError):
        return Image(id="", name=meta.get("image_name", ""), status="active",
                     disk_format=meta.get("disk_format"),
                     container_format=meta.get("container_format"),
                     min_disk=int(meta.get("min_disk") or 0),
                     min_ram=int(meta.get("min_ram") or 0),
                     properties={k: v for k, v in meta.items() if k not in known})
    return _nameless()


def _nameless() -> Image:
    return Image(id="", name="", status="active")
