"""Attachments made through Cinder's attachments API alone (3.27+: ``attachment create``,
``set``, ``complete``, ``delete``), as cinder/volume/api.py and cinder/api/v3/attachments.py
make them.

Cinder only records such an attachment: no guest sees the disk until Nova attaches it. So
here: a record with ``by_nova`` False, which the guest's definition, the reconciler and
Nova's views leave out (``guest_volumes``), and which moves the volume's status as Cinder's
does: ``reserved`` when made without a connector, ``attaching`` once given one, ``in-use``
when completed, and back by the attachments left when deleted.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.local import cinder_rules, volume_records
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.volume import RESERVED, Volume, VolumeAttachment
from ostack_cli.errors import BadRequest, Conflict, NotFound


def attachment_not_found(attachment_id: str) -> NotFound:
    """cinder.exception.VolumeAttachmentNotFound as the API's get_by_id raises it."""
    return NotFound(f"Volume attachment could not be found with filter: attachment_id = "
                    f"{attachment_id}.")


class CinderAttachments:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- reading ----------------------------------------------------------------------

    def find_all(self, *, all_projects: bool = False,
                 project_id: str | None = None) -> list[VolumeAttachment]:
        """Every attachment Cinder knows of the projects the caller sees (Nova's too)."""
        every = all_projects and self.context.is_admin
        found = [self._as_cinder(a) for a in self.store.list(VolumeAttachment)
                 if (every or self._project_of(a) == self.context.project_id)
                 and (project_id is None or self._project_of(a) == project_id)]
        # Cinder's default order: the newest first.
        return sorted(found, key=lambda a: (a.created_at, a.id), reverse=True)

    def get(self, attachment_id: str) -> VolumeAttachment:
        return self._as_cinder(self._record(attachment_id))

    def _record(self, attachment_id: str) -> VolumeAttachment:
        found = self.store.get(VolumeAttachment, attachment_id)
        if found is None or not (self.context.is_admin
                                 or self._project_of(found) == self.context.project_id):
            raise attachment_not_found(attachment_id)
        return found

    def _as_cinder(self, attachment: VolumeAttachment) -> VolumeAttachment:
        """Nova's attachment as Cinder shows it: its mode by the volume's readonly flag, the
        local connection made."""
        if not attachment.by_nova:
            return attachment
        volume = self.store.get(Volume, attachment.volume_id)
        mode = "ro" if volume is not None and volume.readonly else "rw"
        return attachment.replace(attach_mode=mode,
                                  connection_info=local_connection(attachment.id, mode))

    def _project_of(self, attachment: VolumeAttachment) -> str | None:
        volume = self.store.get(Volume, attachment.volume_id)
        return volume.project_id if volume is not None else attachment.project_id

    # -- writing ----------------------------------------------------------------------

    def create(self, volume_id: str, *, instance_id: str | None,
               connector: dict[str, Any] | None, mode: str | None) -> VolumeAttachment:
        with self.store.transaction():
            volume = self.store.get(Volume, volume_id)
            if volume is None or not (self.context.is_admin
                                      or volume.project_id == self.context.project_id):
                raise cinder_rules.volume_not_found(volume_id)
            if "error" in volume.status:
                raise cinder_rules.invalid_volume(
                    f"Volume attachments can not be created if the volume is in an error "
                    f"state. The Volume {volume.id} currently has a status of: "
                    f"{volume.status} ")
            self._reserve(volume, instance_id)
            now = cinder_rules.now()
            # Cinder's admin metadata readonly wins over the mode asked for.
            attach_mode = "ro" if volume.readonly else (mode or "null")
            attachment = VolumeAttachment(
                id=new_id(), server_id=instance_id or "", volume_id=volume.id,
                project_id=volume.project_id, status=RESERVED, created_at=now,
                updated_at=now, by_nova=False, attach_mode=attach_mode)
            self.store.insert(attachment)
            if connector:
                # Cinder's create saves its own mode over the one the connection set.
                attachment = volume_records.change(
                    self.store, self._connect(attachment, connector), attach_mode=attach_mode)
            else:
                volume_records.change(self.store, volume, status=RESERVED)
        # Cinder answers with the attachment as it reserved it: a connection made since
        # shows only in its connection_info.
        return attachment.replace(status=RESERVED, attached_at=None)

    def _reserve(self, volume: Volume, instance_id: str | None) -> None:
        """_attachment_reserve's check (the volume ``reserved`` is its caller's)."""
        expected = (("available", "in-use", "downloading") if volume.multiattach
                    else ("available", "downloading"))
        if volume.status in expected:
            return
        if instance_id and volume.status in ("in-use", "reserved") and any(
                a.server_id == instance_id
                for a in volume_records.attachments_of_volume(self.store, volume.id)):
            return  # a move or a retype: the same instance again
        raise cinder_rules.invalid_volume(
            f"Volume {volume.id} status must be {cinder_rules.or_list(expected)} to reserve, "
            f"but the current status is {volume.status}.")

    def _connect(self, attachment: VolumeAttachment,
                 connector: dict[str, Any]) -> VolumeAttachment:
        """The volume manager's attachment_update then db.volume_attached(mark_attached=
        False): the attachment and the volume ``attaching``."""
        mode = (attachment.attach_mode if attachment.attach_mode != "null"
                else str(connector.get("mode") or "rw"))
        connected = volume_records.change(
            self.store, attachment, status="attaching", connector=dict(connector),
            attached_at=cinder_rules.now(), attach_mode=mode,
            connection_info=local_connection(attachment.id, mode))
        volume = self.store.get(Volume, attachment.volume_id)
        if volume is not None:
            volume_records.change(self.store, volume, status="attaching")
        return connected

    def update(self, attachment_id: str, connector: dict[str, Any]) -> VolumeAttachment:
        with self.store.transaction():
            attachment = self._record(attachment_id)
            volume = self.store.get(Volume, attachment.volume_id)
            if volume is None:
                raise cinder_rules.volume_not_found(attachment.volume_id)
            if "error" in volume.status:
                raise Conflict(
                    f"Resource conflict: Volume attachments can not be updated "
                    f"if the volume is in an error state. The Volume {volume.id} currently "
                    f"has a status of: {volume.status} ")
            others = volume_records.attachments_of_volume(self.store, volume.id)
            if len(others) > 1 and not volume.multiattach and any(
                    a.connector or a.by_nova for a in others):
                raise Conflict(f"Resource conflict: duplicate connectors "
                               f"detected on volume {volume.id}")
            if attachment.by_nova:
                # Nova's own attachment: its connection is the local compute's already.
                return attachment
            connected = self._connect(attachment, connector)
        # Cinder answers with the attachment as it read it, with the new connection_info.
        return attachment.replace(connection_info=connected.connection_info)

    def complete(self, attachment_id: str) -> None:
        """os-complete: the attachment ``attached``, its volume ``in-use``."""
        with self.store.transaction():
            attachment = self._record(attachment_id)
            volume = self.store.get(Volume, attachment.volume_id)
            if volume is None:
                raise cinder_rules.volume_not_found(attachment.volume_id)
            if attachment.by_nova:
                return  # Nova completes its own
            volume_records.change(self.store, attachment, status="attached",
                                  attached_at=attachment.attached_at or cinder_rules.now())
            volume_records.change(self.store, volume, status="in-use")

    def delete(self, attachment_id: str) -> list[VolumeAttachment]:
        """The attachment gone, the volume's status as the attachments left say; what is
        left of the volume's attachments (Cinder's answer)."""
        with self.store.transaction():
            attachment = self._record(attachment_id)
            if attachment.by_nova:
                # Cinder's attachment_deletion_allowed: Nova's holds the guest's disk.
                raise _in_use(attachment)
            self.store.delete(VolumeAttachment, attachment.id)
            volume = self.store.get(Volume, attachment.volume_id)
            if volume is not None:
                volume_records.change(self.store, volume, status=volume_records.
                                      status_by_attachments(self.store, volume.id))
            return volume_records.attachments_of_volume(self.store, attachment.volume_id)

    # -- the volume actions before the attachments API (contrib/volume_actions.py) -------

    def reserve(self, volume_id: str) -> None:
        """os-reserve: the volume ``attaching`` (reserve_volume)."""
        with self.store.transaction():
            volume = self._volume(volume_id)
            expected = ("available", "in-use") if volume.multiattach else ("available",)
            if volume.status not in expected:
                raise cinder_rules.invalid_volume(
                    f"Volume status must be {cinder_rules.or_list(expected)} to reserve, but "
                    f"the status is {volume.status}.")
            volume_records.change(self.store, volume, status="attaching")

    def unreserve(self, volume_id: str) -> None:
        """os-unreserve: an ``attaching`` volume back to ``in-use`` or ``available`` by its
        attachments; any other left as it is (Cinder: nothing to do)."""
        with self.store.transaction():
            volume = self._volume(volume_id)
            if volume.status != "attaching":
                return
            held = volume_records.attachments_of_volume(self.store, volume.id)
            volume_records.change(self.store, volume,
                                  status="in-use" if held else "available")

    def attach(self, volume_id: str, *, instance_id: str | None, host_name: str | None,
               mountpoint: str, mode: str) -> None:
        """os-attach (volume/api.py attach, the volume manager's attach_volume): the
        attachment recorded ``attached``, the volume ``in-use``; no guest is touched."""
        with self.store.transaction():
            volume = self._volume(volume_id)
            if volume.status == "maintenance":
                raise cinder_rules.invalid_volume(
                    "The volume cannot be attached in maintenance mode.")
            if volume.readonly and mode != "ro":
                raise BadRequest(f"Invalid attaching mode '{mode}' for volume {volume.id}.")
            existing = volume_records.attachments_of_volume(self.store, volume.id)
            again = next((a for a in existing if (a.server_id == instance_id if instance_id
                          else (a.connector or {}).get("host") == host_name)), None)
            if again is not None:
                volume_records.change(self.store, volume, status="in-use")
                return
            if volume.status == "in-use" and not volume.multiattach:
                raise BadRequest(
                    "Error attaching volume - InvalidVolume: Invalid volume: volume is "
                    "already attached and multiple attachments are not enabled")
            now = cinder_rules.now()
            self.store.insert(VolumeAttachment(
                id=new_id(), server_id=instance_id or "", volume_id=volume.id,
                project_id=volume.project_id, status="attached", attached_at=now,
                created_at=now, updated_at=now, by_nova=False, attach_mode=mode,
                connector={"host": host_name, "mountpoint": mountpoint}))
            volume_records.change(self.store, volume, status="in-use")

    def detach(self, volume_id: str, attachment_id: str | None) -> None:
        """os-detach (volume/api.py detach, the volume manager's detach_volume)."""
        with self.store.transaction():
            volume = self._volume(volume_id)
            existing = volume_records.attachments_of_volume(self.store, volume.id)
            chosen = (next((a for a in existing if a.id == attachment_id), None)
                      if attachment_id else (existing[0] if len(existing) == 1 else None))
            if chosen is not None and chosen.by_nova:
                raise _in_use(chosen)
            if volume.status == "maintenance":
                raise cinder_rules.invalid_volume(
                    "The volume cannot be detached in maintenance mode.")
            if attachment_id is None and len(existing) > 1:
                raise BadRequest(
                    "Error detaching volume - InvalidVolume: Invalid volume: Detach volume "
                    "failed: More than one attachment, but no attachment_id provided.")
            if chosen is not None:
                self.store.delete(VolumeAttachment, chosen.id)
            # Cinder's finish_detach (or, with nothing attached, the volume available).
            volume_records.change(self.store, volume, status=volume_records.
                                  status_by_attachments(self.store, volume.id))

    def _volume(self, volume_id: str) -> Volume:
        volume = self.store.get(Volume, volume_id)
        if volume is None:
            raise cinder_rules.volume_not_found(volume_id)
        return volume


def local_connection(attachment_id: str, mode: str) -> dict[str, Any]:
    """The connection_info of the local block storage: the volume's file on this host."""
    return {"driver_volume_type": "local", "attachment_id": attachment_id,
            "access_mode": "ro" if mode == "ro" else "rw"}


def _in_use(attachment: VolumeAttachment) -> Conflict:
    """cinder.exception.ConflictNovaUsingAttachment (409): an attachment Nova's server holds
    is Nova's to delete."""
    return Conflict(f"Detach volume from instance {attachment.server_id} using the Compute "
                    f"API")
