"""Block storage: Cinder's attachments API (3.27+), Nova's attachments and those made
through Cinder alone."""

from __future__ import annotations

from typing import Any, Protocol

from ostack_cli.backend.models.volume import VolumeAttachment


class VolumeAttachmentAPI(Protocol):
    def volume_attachments(self, *, all_projects: bool = False,
                           project_id: str | None = None) -> list[VolumeAttachment]:
        """Cinder's attachments the caller sees (an admin's ``all_projects``: every one;
        ``project_id``: one project's)."""
        ...

    def get_volume_attachment(self, attachment_id: str) -> VolumeAttachment: ...

    def create_volume_attachment(
        self, volume_id: str, *, instance_id: str | None = None,
        connector: dict[str, Any] | None = None, mode: str | None = None,
    ) -> VolumeAttachment:
        """``reserved`` without a connector, ``attaching`` with one."""
        ...

    def update_volume_attachment(self, attachment_id: str,
                                 connector: dict[str, Any]) -> VolumeAttachment: ...

    def complete_volume_attachment(self, attachment_id: str) -> None: ...

    def delete_volume_attachment(self, attachment_id: str) -> list[VolumeAttachment]:
        """The volume's attachments left (Cinder's answer)."""
        ...

    # The volume actions before the attachments API (os-reserve, os-attach, ...).

    def reserve_volume(self, volume_id: str) -> None: ...

    def unreserve_volume(self, volume_id: str) -> None: ...

    def attach_volume_record(self, volume_id: str, *, instance_id: str | None,
                             host_name: str | None, mountpoint: str, mode: str) -> None:
        """os-attach: Cinder's record of an attachment (no guest is touched)."""
        ...

    def detach_volume_record(self, volume_id: str, attachment_id: str | None) -> None: ...
