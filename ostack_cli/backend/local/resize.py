"""``server resize``, ``server resize confirm|revert``: Nova's resize to the same host
(``allow_resize_to_same_host``), as the libvirt driver does it with a qcow2 overlay.

The API checks what Nova's does (same flavor, a zero disk, the image's minimums against the
new flavor, the quota for an upsize) and claims the server (``resize_prep``); then the
guest is powered off (``resize_migrating``), its disk kept as it was (``disk.resize-revert``)
and grown to the new flavor's disk (``resize_migrated``; a smaller disk is Nova's "Unable to
resize disk down", which leaves the server as it was), the record takes the new flavor and
the guest its new vCPUs and RAM (``resize_finish``), booted again if it was running: the
server is VERIFY_RESIZE. Confirm drops the kept disk; revert puts it and the old flavor
back. Quota usage follows the record's flavor, the new one from ``resize_finish`` on, as
Nova counts cores and RAM from its instances.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ostack_cli import faults
from ostack_cli.backend.local import guest_disks, nova_rules
from ostack_cli.backend.local.compute_hosts import host_ip
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.guest_ops import GuestOps, one_line
from ostack_cli.backend.local.migration_records import MigrationRecords
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.local.server_events import ActionLog
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.flavor import Flavor
from ostack_cli.backend.models.migration import RESIZE, Migration
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, OstackError

GIB = 1024**3
RESIZE_STATES = (nova_rules.ACTIVE, nova_rules.STOPPED)
DISK_DOWN = "Resize error: Unable to resize disk down."
RESIZE_FAULT_CODE = 400


def embedded(flavor: Flavor) -> dict[str, Any]:
    """A flavor as a server embeds it (microversion 2.47)."""
    return {"vcpus": flavor.vcpus, "ram": flavor.ram, "disk": flavor.disk,
            "ephemeral": flavor.ephemeral, "swap": flavor.swap,
            "original_name": flavor.name, "extra_specs": dict(flavor.extra_specs)}


def with_id(flavor: dict[str, Any], flavor_id: str) -> dict[str, Any]:
    return {**flavor, "id": flavor_id}


def without_id(flavor: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in flavor.items() if k != "id"}


class ServerResize:
    def __init__(self, context: ServiceContext, *, ops: GuestOps, quotas: Quotas,
                 migrations: MigrationRecords) -> None:
        self.context = context
        self.store = context.store
        self.ops = ops
        self.quotas = quotas
        self.migrations = migrations

    # -- resize -----------------------------------------------------------------------

    def resize(self, server: Server, flavor: Flavor) -> None:
        self.ops.check_lock(server)
        nova_rules.require_state(server, "resize", RESIZE_STATES)
        current = server.flavor
        if flavor.disk == 0 and int(current.get("disk", 0)) != 0:
            raise BadRequest("Server disk was unable to be resized because: Resize to zero "
                             "disk flavor is not allowed.")
        if flavor.id == server.flavor_id:
            raise BadRequest("When resizing, instances must change flavor!")
        deltas = {"cores": flavor.vcpus - int(current.get("vcpus", 0)),
                  "ram": flavor.ram - int(current.get("ram", 0))}
        image = nova_rules.image_from_system_metadata(server.system_metadata)
        with self.store.transaction():
            # The upsize's cores and RAM, checked where the claim is made.
            self.quotas.check(server.project_id, {k: v for k, v in deltas.items() if v > 0})
            nova_rules.check_image_fits(image, flavor.disk, flavor.ram)
            server = self.ops.claim(
                server, "resize", RESIZE_STATES, nova_rules.RESIZE_PREP, progress=0,
                old_flavor=with_id(current, server.flavor_id),
                new_flavor=with_id(embedded(flavor), flavor.id),
                system_metadata={**server.system_metadata,
                                 "image_base_image_ref": server.image_id,
                                 "old_vm_state": server.vm_state})
        faults.reached("server-resize:claimed")
        log = self.ops.record_action(server, "resize")
        # The conductor's migration record (Nova's migration_type ``resize``).
        record = self.migrations.start(server, RESIZE, "pre-migrating",
                                       old_flavor_id=server.flavor_id, new_flavor_id=flavor.id)
        try:
            with log.event("conductor_migrate_server"), log.event("cold_migrate"):
                # The scheduler: the host holds the old flavor and the new one until the
                # resize is confirmed or reverted.
                self.ops.claim_memory(server, flavor.ram, also=int(current.get("ram", 0)))
        except OstackError as exc:
            self.migrations.set_status(record, "error")
            self.ops.finish(server, **_no_resize(), fault=_fault(one_line(exc), 500),
                            system_metadata=_without_old_state(server))
            return
        with log.event("compute_prep_resize"):
            # The resource tracker's move claim names the destination: this host again.
            record = self.migrations.set_status(
                record, "pre-migrating", dest_compute=server.host or None,
                dest_node=record.source_node, dest_host=host_ip())
        if flavor.disk * GIB < int(current.get("disk", 0)) * GIB:
            # migrate_disk_and_power_off refuses before it touches the guest; the fault is
            # recorded and the server stays as it was (InstanceFaultRollback).
            log.failed("compute_resize_instance", DISK_DOWN)
            self.migrations.set_status(record, "error")
            self.ops.finish(server, **_no_resize(), fault=_fault(DISK_DOWN, RESIZE_FAULT_CODE),
                            system_metadata=_without_old_state(server))
            return
        self._migrate(server, flavor, log, record)

    def _migrate(self, server: Server, flavor: Flavor, log: ActionLog,
                 record: Migration) -> None:
        files = self.ops.files(server)
        old_vm_state = server.system_metadata.get("old_vm_state", nova_rules.ACTIVE)
        try:
            with log.event("compute_resize_instance"):
                record = self.migrations.set_status(record, "migrating")
                server = self.ops.step(server, nova_rules.RESIZE_MIGRATING)
                self.ops.power_off(server)
                faults.reached("server-resize:stopped")
                guest_disks.keep_copy(files.disk, files.resize_backup)
                faults.reached("server-resize:kept")
                server = self.ops.step(server, nova_rules.RESIZE_MIGRATED)
                guest_disks.grow(files.disk, flavor.disk * GIB)
                faults.reached("server-resize:grown")
                record = self.migrations.set_status(record, "post-migrating")
            with log.event("compute_finish_resize"):
                server = self.ops.step(server, nova_rules.RESIZE_FINISH, flavor_id=flavor.id,
                                       flavor=embedded(flavor))
                faults.reached("server-resize:finish")
                xml = self.ops.guests.definition(server, self.ops.image_of(server), files,
                                                 self.ops.virt_type())
                self.ops.boot(server, xml, start=old_vm_state != nova_rules.STOPPED)
                faults.reached("server-resize:started")
        except Exception as exc:
            # Back to how it was, then the error: the old disk, flavor and guest.
            self.migrations.set_status(record, "error")
            with contextlib.suppress(OstackError):
                self.roll_back(server, fault=_fault(one_line(exc), 500))
            raise
        self.migrations.set_status(record, "finished")
        self.ops.finish(server, vm_state=nova_rules.RESIZED,
                        power_state=self.ops.power_state(server) or srv.SHUTDOWN)

    def roll_back(self, server: Server, *, fault: dict[str, Any] | None = None) -> None:
        """Undo whatever steps of a resize were done: the kept disk back in place, the old
        flavor recorded, the guest defined again as it was (booted if it was running)."""
        files = self.ops.files(server)
        self.ops.undefine(server)
        if files.resize_backup.exists():
            guest_disks.restore_copy(files.resize_backup, files.disk)
        server = self.ops.step(server, server.task_state, **_old_flavor(server))
        old_vm_state = server.system_metadata.get("old_vm_state", nova_rules.ACTIVE)
        xml = self.ops.guests.definition(server, self.ops.image_of(server), files,
                                         self.ops.virt_type())
        self.ops.boot(server, xml, start=old_vm_state != nova_rules.STOPPED)
        changes = _no_resize()
        if fault is not None:
            changes["fault"] = fault
        self.ops.finish(server, vm_state=old_vm_state,
                        power_state=self.ops.power_state(server) or srv.SHUTDOWN,
                        system_metadata=_without_old_state(server), **changes)

    # -- confirm and revert -----------------------------------------------------------

    def confirm(self, server: Server) -> None:
        self.ops.check_lock(server)
        server = self.ops.claim(server, "confirmResize", (nova_rules.RESIZED,),
                                nova_rules.RESIZE_CONFIRMING)
        faults.reached("server-resize-confirm:claimed")
        self._resize_status(server, "confirming")
        with self.ops.record_action(server, "confirmResize").event("compute_confirm_resize"):
            self.ops.files(server).resize_backup.unlink(missing_ok=True)
            self.finish_confirm(server)
        self._resize_status(server, "confirmed")

    def _resize_status(self, server: Server, status: str) -> None:
        """The status of the resize being confirmed or reverted (its newest record)."""
        record = self.migrations.latest(server, RESIZE)
        if record is not None:
            self.migrations.set_status(record, status)

    def finish_confirm(self, server: Server) -> None:
        # The vm_state follows the guest's power (Nova's _confirm_resize).
        power = self.ops.power_state(server)
        vm_state = nova_rules.STOPPED if power in (srv.SHUTDOWN, None) else nova_rules.ACTIVE
        self.ops.finish(server, vm_state=vm_state,
                        power_state=srv.SHUTDOWN if power is None else power,
                        system_metadata=_without_old_state(server), **_no_resize())

    def revert(self, server: Server) -> None:
        self.ops.check_lock(server)
        nova_rules.require_state(server, "revertResize", (nova_rules.RESIZED,))
        old = server.old_flavor or {}
        # A revert of a downsize is an upsize: its cores and RAM are checked.
        deltas = {"cores": int(old.get("vcpus", 0)) - int(server.flavor.get("vcpus", 0)),
                  "ram": int(old.get("ram", 0)) - int(server.flavor.get("ram", 0))}
        with self.store.transaction():
            self.quotas.check(server.project_id, {k: v for k, v in deltas.items() if v > 0})
            server = self.ops.claim(server, "revertResize", (nova_rules.RESIZED,),
                                    nova_rules.RESIZE_REVERTING)
        faults.reached("server-resize-revert:claimed")
        self._resize_status(server, "reverting")
        log = self.ops.record_action(server, "revertResize")
        try:
            with log.event("compute_revert_resize"):
                self.ops.undefine(server)
            with log.event("compute_finish_revert_resize"):
                self.roll_back(server)
        except Exception as exc:
            self._resize_status(server, "error")
            with contextlib.suppress(OstackError):
                self.ops.fail(server, one_line(exc))
            raise
        self._resize_status(server, "reverted")


def _old_flavor(server: Server) -> dict[str, Any]:
    old = server.old_flavor
    if not old:
        return {}
    return {"flavor": without_id(old), "flavor_id": str(old.get("id", server.flavor_id))}


def _no_resize() -> dict[str, Any]:
    return {"old_flavor": None, "new_flavor": None}


def _without_old_state(server: Server) -> dict[str, str]:
    return {k: v for k, v in server.system_metadata.items() if k != "old_vm_state"}


def _fault(message: str, code: int) -> dict[str, Any]:
    return {"code": code, "created": utcnow(), "message": message}
