"""Settling a shelve, rescue, rebuild, resize or snapshot whose process died mid-way.

``ServerRecords.reconcile`` calls ``settle`` for a server whose task is one of these and
whose worker is gone, before it reads the guest's power state. Each action records every
step before it changes the host, so the task says how far it got; what is settled here is
what nova-compute's ``_init_instance`` settles, or, where Nova would leave the task stuck,
the state the action was going to (rolled forward) or came from (rolled back), whichever
needs nothing but removals:

- a snapshot (``server image create``/``backup create``, the first steps of shelve): the
  task cleared, a guest it paused running again, its unfinished image deleted;
- shelve past its snapshot: offloaded; unshelve before it spawned: still shelved; unshelve
  while spawning: ACTIVE if the guest runs (as an interrupted boot), else ERROR (Nova);
- rescue: rolled back (the rescue guest and files gone); unrescue: rolled forward;
- rebuild: ERROR (Nova);
- resize before VERIFY_RESIZE: rolled back to the old disk and flavor (``resize_migrating``
  is Nova's ``finish_revert_migration``); revert and confirm: rolled forward.

A guest whose definition may be half made is undefined: the server then shows SHUTOFF with
no power state, and ``server start`` defines it again from its records. Every host step here
can run twice (two readers may both settle one server).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.local import guest_disks, image_files, nova_rules
from ostack_cli.backend.local.guests import InstanceFiles
from ostack_cli.backend.local.migration_records import stamp
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.migration import RESIZE, Migration
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import OstackError

if TYPE_CHECKING:
    from ostack_cli.backend.local.host import HostContext
    from ostack_cli.state.store import Store

INTERRUPTED = 500
# Where a resize record ends (Nova's migration statuses).
RESIZE_FINAL = frozenset({"confirmed", "reverted", "error"})


def settle(store: Store, host: HostContext, server: Server, power: int | None) -> Server:
    """The record as it should be after the interrupted task; the host brought in line."""
    task = server.task_state
    files = InstanceFiles.of(host.host_dir, server.id)
    changes: dict[str, Any] = {"task_state": None, "worker_pid": None}
    if task in nova_rules.SNAPSHOT_TASKS or task in (
            nova_rules.SHELVING, nova_rules.SHELVING_IMAGE_PENDING_UPLOAD,
            nova_rules.SHELVING_IMAGE_UPLOADING):
        if power == srv.PAUSED and server.vm_state == nova_rules.ACTIVE:
            with contextlib.suppress(OstackError):
                host.hypervisor.unpause(server.instance_name)
        _discard_unfinished_images(store, host, server)
    elif task == nova_rules.SHELVING_OFFLOADING:
        _undefine(host, server)
        files.remove()
        changes.update(vm_state=nova_rules.SHELVED_OFFLOADED,
                       power_state=srv.SHUTDOWN if power is None else power, host="",
                       host_id="", host_status="", availability_zone="",
                       disk_image_id=None, disk_image_format=None,
                       boot_image_ids=[i for i in server.boot_image_ids
                                       if i != server.disk_image_id])
    elif task == nova_rules.SPAWNING and server.vm_state in (nova_rules.SHELVED,
                                                            nova_rules.SHELVED_OFFLOADED):
        if power == srv.RUNNING:
            snapshot = server.system_metadata.get("shelved_image_id")
            changes.update(vm_state=nova_rules.ACTIVE, power_state=power,
                           launched_at=utcnow(),
                           system_metadata=nova_rules.without_shelved_keys(
                               server.system_metadata))
            if snapshot:
                _delete_image(store, host, snapshot)
        else:
            changes.update(_interrupted("Unshelve of the instance was interrupted; "
                                        "delete the server.", power))
    elif task == nova_rules.RESCUING:
        _undefine(host, server)
        _remove_rescue_files(files)
        changes.update(rescue_image_id=None,
                       boot_image_ids=_own_boot_images(store, server))
    elif task == nova_rules.UNRESCUING:
        _undefine(host, server)
        _remove_rescue_files(files)
        changes.update(vm_state=nova_rules.STOPPED, power_state=srv.NOSTATE,
                       rescue_image_id=None, boot_image_ids=_own_boot_images(store, server))
    elif task in nova_rules.REBUILD_TASKS:
        changes.update(_interrupted("Rebuild of the instance was interrupted; rebuild it "
                                    "again or delete it.", power))
    elif task in nova_rules.RESIZE_TASKS - {nova_rules.RESIZE_CONFIRMING}:
        changes.update(_undo_resize(host, server, files, power))
        # A revert rolled forward is a revert done; any earlier step, a failed migration.
        _settle_resize_record(store, server, "reverted" if task == nova_rules.RESIZE_REVERTING
                              else "error")
    elif task == nova_rules.RESIZE_CONFIRMING:
        files.resize_backup.unlink(missing_ok=True)
        changes.update(vm_state=nova_rules.STOPPED if power in (srv.SHUTDOWN, None)
                       else nova_rules.ACTIVE, old_flavor=None, new_flavor=None,
                       system_metadata=_without_old_state(server))
        _settle_resize_record(store, server, "confirmed")
    # UNSHELVING and RESIZE_PREP: nothing was done yet; the task goes.
    return server.replace(updated_at=utcnow(), **changes)


def _settle_resize_record(store: Store, server: Server, status: str) -> None:
    """The server's resize record, left mid-way by the dead process, closed with ``status``."""
    with store.transaction():
        records = [m for m in store.list(Migration)
                   if m.server_id == server.id and m.migration_type == RESIZE]
        if not records:
            return
        latest = max(records, key=lambda m: int(m.id))
        if latest.status not in RESIZE_FINAL:
            store.update(latest.replace(status=status, updated_at=stamp()))


def _undo_resize(host: HostContext, server: Server, files: InstanceFiles,
                 power: int | None) -> dict[str, Any]:
    changes: dict[str, Any] = {"old_flavor": None, "new_flavor": None,
                               "system_metadata": _without_old_state(server)}
    if server.task_state in (nova_rules.RESIZE_FINISH, nova_rules.RESIZE_REVERTING):
        # The guest may already be defined with the new flavor.
        _undefine(host, server)
        power = None
    if files.resize_backup.exists():
        guest_disks.restore_copy(files.resize_backup, files.disk)
    old = server.old_flavor
    if old and server.task_state in (nova_rules.RESIZE_FINISH, nova_rules.RESIZE_REVERTING):
        changes.update(flavor={k: v for k, v in old.items() if k != "id"},
                       flavor_id=str(old.get("id", server.flavor_id)))
    old_vm_state = server.system_metadata.get("old_vm_state", nova_rules.ACTIVE)
    if server.vm_state == nova_rules.RESIZED:
        changes["vm_state"] = old_vm_state
    if power is None:
        changes.update(vm_state=nova_rules.STOPPED, power_state=srv.NOSTATE)
    return changes


def _interrupted(message: str, power: int | None) -> dict[str, Any]:
    return {"vm_state": nova_rules.ERROR, "power_state": power or srv.NOSTATE,
            "fault": {"code": INTERRUPTED, "created": utcnow(), "message": message}}


def _undefine(host: HostContext, server: Server) -> None:
    with contextlib.suppress(OstackError):
        host.hypervisor.undefine(server.instance_name)


def _remove_rescue_files(files: InstanceFiles) -> None:
    for path in (files.rescue_disk, files.rescue_config_drive):
        path.unlink(missing_ok=True)


def _own_boot_images(store: Store, server: Server) -> list[str]:
    """The server's cached images without its rescue image's (see rescue.own_boot_images)."""
    image = store.get(Image, server.image_id)
    if image is not None:
        props: dict[str, str] = dict(image.properties)
    else:
        props = nova_rules.image_from_system_metadata(server.system_metadata)["properties"]
    needed = {props.get("kernel_id"), props.get("ramdisk_id"), server.disk_image_id}
    return [i for i in server.boot_image_ids if i in needed]


def _without_old_state(server: Server) -> dict[str, str]:
    return {k: v for k, v in server.system_metadata.items() if k != "old_vm_state"}


def _discard_unfinished_images(store: Store, host: HostContext, server: Server) -> None:
    """The server's snapshot images that never got their data (Nova's
    ``delete_image_on_error``)."""
    for image in store.list(Image):
        if (image.properties.get("instance_uuid") == server.id
                and image.status in ("queued", "saving")):
            _delete_image(store, host, image.id)


def _delete_image(store: Store, host: HostContext, image_id: str) -> None:
    with store.transaction():
        if store.get(Image, image_id) is None:
            return
        store.delete(Image, image_id)
    image_files.image_path(host.state_dir, image_id).unlink(missing_ok=True)
