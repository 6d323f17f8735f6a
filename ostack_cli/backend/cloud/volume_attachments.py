"""Cinder's attachments API (3.27+) and the volume actions before it, through openstacksdk's
block-storage proxy, called as the real client calls it
(``openstackclient/volume/v3/volume_attachment.py``)."""

from __future__ import annotations

from typing import Any

from openstack import exceptions as sdk_exceptions
from openstack import utils as sdk_utils
from openstack.block_storage.v3 import attachment as sdk_attachment

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.volume import VolumeAttachment


def cinder_attachment_from_sdk(attachment: sdk_attachment.Attachment) -> VolumeAttachment:
    connection = attachment.connection_info
    return VolumeAttachment(
        id=attachment.id or "", server_id=attachment.instance or "",
        volume_id=attachment.volume_id or "", status=attachment.status or "",
        attached_at=attachment.attached_at or None, by_nova=False,
        attach_mode=attachment.attach_mode or "null",
        connection_info=dict(connection) if connection else None)


@translate_errors
class CloudVolumeAttachments(CloudBase):
    @property
    def _attachments_v3(self) -> Any:
        return sdk_utils.ensure_service_version(self.conn.block_storage, "3")

    def volume_attachments(self, *, all_projects: bool = False,
                           project_id: str | None = None) -> list[VolumeAttachment]:
        return [cinder_attachment_from_sdk(a) for a in self._attachments_v3.attachments(
            all_projects=all_projects, project_id=project_id)]

    def get_volume_attachment(self, attachment_id: str) -> VolumeAttachment:
        return cinder_attachment_from_sdk(self._attachments_v3.get_attachment(attachment_id))

    def create_volume_attachment(
        self, volume_id: str, *, instance_id: str | None = None,
        connector: dict[str, Any] | None = None, mode: str | None = None,
    ) -> VolumeAttachment:
        return cinder_attachment_from_sdk(self._attachments_v3.create_attachment(
            volume_id, connector=connector or {}, instance=instance_id, mode=mode))

    def update_volume_attachment(self, attachment_id: str,
                                 connector: dict[str, Any]) -> VolumeAttachment:
        return cinder_attachment_from_sdk(self._attachments_v3.update_attachment(
            attachment_id, connector=connector))

    def complete_volume_attachment(self, attachment_id: str) -> None:
        self._attachments_v3.complete_attachment(attachment_id)

    def delete_volume_attachment(self, attachment_id: str) -> list[VolumeAttachment]:
        # As the real client: openstacksdk's ignore_missing, nothing of Cinder's answer.
        self._attachments_v3.delete_attachment(attachment_id)
        return []

    def reserve_volume(self, volume_id: str) -> None:
        self._volume_action(volume_id, {"os-reserve": None})

    def unreserve_volume(self, volume_id: str) -> None:
        self._volume_action(volume_id, {"os-unreserve": None})

    def attach_volume_record(self, volume_id: str, *, instance_id: str | None,
                             host_name: str | None, mountpoint: str, mode: str) -> None:
        body: dict[str, Any] = {"mountpoint": mountpoint, "mode": mode}
        if instance_id:
            body["instance_uuid"] = instance_id
        if host_name:
            body["host_name"] = host_name
        self._volume_action(volume_id, {"os-attach": body})

    def detach_volume_record(self, volume_id: str, attachment_id: str | None) -> None:
        self._volume_action(volume_id, {"os-detach": {"attachment_id": attachment_id}})

    def _volume_action(self, volume_id: str, body: dict[str, Any]) -> None:
        response = self._attachments_v3.post(f"/volumes/{volume_id}/action", json=body)
        sdk_exceptions.raise_from_response(response)
