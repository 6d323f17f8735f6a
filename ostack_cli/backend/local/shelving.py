"""``server shelve`` and ``server unshelve``: Nova's shelve and shelve-offload on a one-node
host, whose offload time is 0 (``shelved_offload_time``), so shelving always offloads.

Shelve (nova/compute/manager.py ``_shelve_instance``, ``_shelve_offload_instance``): the
guest is powered off, its disk snapshot into the image ``<name>-shelved``, the domain
undefined and the instance files removed; the ports stay (and with them the addresses and
floating IPs). The server is SHELVED_OFFLOADED, on no host. Unshelve (``_unshelve_instance``)
boots it again from that image, with the same ports and a new config drive, then deletes
the image. Every step is recorded before the host is changed, so a process killed at any
step leaves what ``lifecycle_recovery`` settles.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from ostack_cli import faults
from ostack_cli.backend.api.server_lifecycle import UNSET, Unset
from ostack_cli.backend.local import image_files, nova_rules
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.guest_ops import GuestOps, one_line
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.local.servers import LOCAL_HOST, host_id
from ostack_cli.backend.local.snapshots import ServerSnapshots
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, Conflict, OstackError

SHELVE_STATES = (nova_rules.ACTIVE, nova_rules.STOPPED, nova_rules.PAUSED,
                 nova_rules.SUSPENDED)
UNSHELVE_STATES = (nova_rules.SHELVED, nova_rules.SHELVED_OFFLOADED)
DEFAULT_ZONE = "nova"



class ServerShelving:
    def __init__(self, context: ServiceContext, *, ops: GuestOps,
                 snapshots: ServerSnapshots) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host
        self.ops = ops
        self.snapshots = snapshots

    # -- shelve -----------------------------------------------------------------------

    def shelve(self, server: Server) -> None:
        self.ops.check_lock(server)
        nova_rules.require_state(server, "shelve", SHELVE_STATES)
        image = self.snapshots.new_image(server, f"{server.name}-shelved", "snapshot", {})
        with self.store.transaction():
            server = self.ops.claim(
                server, "shelve", SHELVE_STATES, nova_rules.SHELVING,
                system_metadata={**server.system_metadata,
                                 "image_base_image_ref": server.image_id})
            self.store.insert(image)
        faults.reached("server-shelve:claimed")
        with self.ops.record_action(server, "shelve").event("compute_shelve_instance"):
            self._shelve(server, image)

    def _shelve(self, server: Server, image: Image) -> None:
        try:
            # Nova's clean shutdown, except of a paused guest, which would ignore it.
            self.ops.power_off(server, clean=self.ops.power_state(server) != srv.PAUSED)
            faults.reached("server-shelve:stopped")
            power = self.ops.power_state(server)
            shelved = {
                "shelved_at": datetime.now(UTC).isoformat(timespec="microseconds")
                .replace("+00:00", ""),
                "shelved_image_id": image.id,
                "shelved_host": LOCAL_HOST,
            }

            def shelved_with(done: Image) -> None:
                # In the transaction that activates the image: never a shelve snapshot
                # without its server knowing it, nor the other way round.
                self.ops.step(server, nova_rules.SHELVING_OFFLOADING,
                              vm_state=nova_rules.SHELVED, power_state=power or srv.SHUTDOWN,
                              system_metadata={**server.system_metadata, **shelved})

            self.snapshots.capture(server, image, nova_rules.SHELVING_IMAGE_PENDING_UPLOAD,
                                   nova_rules.SHELVING_IMAGE_UPLOADING, on_active=shelved_with)
        except BaseException:
            # reverts_task_state: the server stays as it is (its guest maybe off).
            with contextlib.suppress(OstackError):
                self.ops.finish(server)
            raise
        faults.reached("server-shelve:shelved")
        self.offload(self.store.get(Server, server.id) or server)

    def shelve_offload(self, server: Server) -> None:
        """Nova's shelveOffload, for a server shelved but still on the host (admin only)."""
        require_nova_admin(self.context, "os_compute_api:os-shelve:shelve_offload")
        self.ops.check_lock(server)
        server = self.ops.claim(server, "shelveOffload", (nova_rules.SHELVED,),
                                nova_rules.SHELVING_OFFLOADING)
        log = self.ops.record_action(server, "shelveOffload")
        with log.event("compute_shelve_offload_instance"):
            self.offload(server)

    def offload(self, server: Server) -> None:
        """``_shelve_offload_instance``: the guest and its files gone from the host, the
        server on no host; its ports and their addresses kept."""
        self.ops.power_off(server, clean=False)
        power = self.ops.power_state(server)
        self.ops.undefine(server)
        faults.reached("server-shelve:undefined")
        self.ops.files(server).remove()
        faults.reached("server-shelve:removed")
        # A disk made from an earlier shelve snapshot is gone with the files: its cached
        # copy is needed no more.
        self.ops.finish(server, **offloaded(server, power), disk_image_id=None,
                        disk_image_format=None,
                        boot_image_ids=_without(server.boot_image_ids, server.disk_image_id))

    # -- unshelve ---------------------------------------------------------------------

    def unshelve(
        self, server: Server, *, availability_zone: str | Unset | None = UNSET,
        host: str | None = None,
    ) -> None:
        self.ops.check_lock(server)
        nova_rules.require_state(server, "unshelve", UNSHELVE_STATES)
        zone_given = not isinstance(availability_zone, Unset)
        if (zone_given or host) and server.vm_state != nova_rules.SHELVED_OFFLOADED:
            raise Conflict(
                "Specifying an availability zone or a host when unshelving server "
                f'"{server.id}" with status "{server.vm_state}" is not supported. The '
                "server status must be SHELVED_OFFLOADED."
            )
        if zone_given and availability_zone and availability_zone != DEFAULT_ZONE:
            raise BadRequest("The requested availability zone is not available")
        if host:
            require_nova_admin(self.context, "os_compute_api:os-shelve:unshelve_to_host")
            if host != LOCAL_HOST:
                raise BadRequest(f"Compute host {host} could not be found.")
        server = self.ops.claim(server, "unshelve", UNSHELVE_STATES, nova_rules.UNSHELVING)
        faults.reached("server-unshelve:claimed")
        log = self.ops.record_action(server, "unshelve")
        snapshot_id = server.system_metadata.get("shelved_image_id", "")
        snapshot = self.store.get(Image, snapshot_id) if snapshot_id else None
        if snapshot is None or snapshot.status != "active":
            # The conductor's answer (the API had said yes): the server in ERROR.
            reason = f"Unshelve attempted but the image {snapshot_id} cannot be found."
            log.failed("get_image_info", f"Image {snapshot_id} could not be found.")
            self.ops.fail(server, reason, code=404)
            return
        with log.event("get_image_info"):
            pass
        try:
            self.ops.claim_memory(server, int(server.flavor.get("ram", 0)))
        except OstackError as exc:
            # No valid host: the conductor puts the task back and keeps the fault.
            log.failed("schedule_instances", one_line(exc))
            self.ops.finish(server, fault={"code": 500, "created": utcnow(),
                                           "message": one_line(exc)})
            return
        with log.event("schedule_instances"):
            pass
        with log.event("compute_unshelve_instance"):
            self._spawn(server, snapshot)

    def _spawn(self, server: Server, snapshot: Image) -> None:
        # The record says which cached images the new disk needs before the disk exists, so
        # that no converge takes them for debris.
        server = self.ops.step(
            server, nova_rules.SPAWNING, disk_image_id=snapshot.id,
            disk_image_format=snapshot.disk_format or "qcow2",
            boot_image_ids=_with(server.boot_image_ids, snapshot.id),
            availability_zone=DEFAULT_ZONE, host=LOCAL_HOST,
            host_id=host_id(server.project_id), host_status="UP")
        files = self.ops.files(server)
        try:
            faults.reached("server-unshelve:spawning")
            self.ops.undefine(server)  # whatever a SHELVED server still had on the host
            files.remove()
            files.create()
            guests = self.ops.guests
            guests.build_disk(snapshot, files.disk, int(server.flavor.get("disk", 0)))
            if server.config_drive:
                guests.build_config_drive(server, files.config_drive,
                                          guests.public_keys(server), user_data(server))
            xml = guests.definition(server, self.ops.image_of(server), files,
                                    self.ops.virt_type())
            faults.reached("server-unshelve:files")
            self.ops.boot(server, xml)
            faults.reached("server-unshelve:started")
        except BaseException:
            # Nova: the spawn failed, the server stays shelved (offloaded) to try again.
            with contextlib.suppress(OstackError):
                self.ops.undefine(server)
            files.remove()
            with contextlib.suppress(OstackError):
                self.ops.finish(server, **offloaded(server, server.power_state),
                                disk_image_id=None, disk_image_format=None,
                                boot_image_ids=_without(server.boot_image_ids, snapshot.id))
            raise
        self.finish_unshelve(server)

    def finish_unshelve(self, server: Server) -> None:
        """The server ACTIVE on this host; its shelve snapshot deleted with the keys that
        named it (in one transaction; the image's data after the commit)."""
        snapshot_id = server.system_metadata.get("shelved_image_id")
        with self.store.transaction():
            self.ops.finish(
                server, vm_state=nova_rules.ACTIVE,
                power_state=self.ops.power_state(server) or srv.NOSTATE,
                launched_at=utcnow(),
                system_metadata=nova_rules.without_shelved_keys(server.system_metadata))
            snapshot = self.store.get(Image, snapshot_id) if snapshot_id else None
            if snapshot is not None:
                self.store.delete(Image, snapshot.id)
        faults.reached("server-unshelve:done")
        if snapshot_id:
            image_files.image_path(self.context.state_dir, snapshot_id).unlink(missing_ok=True)


def offloaded(server: Server, power: int | None) -> dict[str, object]:
    """A SHELVED_OFFLOADED server's record: on no host (so no hostId, host status or zone),
    its power state as it was when its guest went."""
    return {"vm_state": nova_rules.SHELVED_OFFLOADED,
            "power_state": srv.SHUTDOWN if power is None else power,
            "host": "", "host_id": "", "host_status": "", "availability_zone": ""}


def user_data(server: Server) -> bytes | None:
    import base64

    return base64.b64decode(server.user_data) if server.user_data else None


def _with(ids: list[str], extra: str) -> list[str]:
    return ids if extra in ids else [*ids, extra]


def _without(ids: list[str], gone: str | None) -> list[str]:
    return [i for i in ids if i != gone]
