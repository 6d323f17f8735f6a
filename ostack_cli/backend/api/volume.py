"""Block storage: Cinder's volumes, snapshots and volume types, and Nova's volume attachments.

On a backend whose cloud has no block-storage service every call fails as openstacksdk does
there ("Service 'block-storage' is disabled ..."), the real client's behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ostack_cli.backend.models.server import Server
from ostack_cli.backend.models.volume import (
    ImageUpload,
    SnapshotFilters,
    Volume,
    VolumeAttachment,
    VolumeFilters,
    VolumeSnapshot,
    VolumeSpec,
    VolumeType,
)


class VolumeAPI(Protocol):
    def volumes(self, filters: VolumeFilters | None = None) -> list[Volume]:
        """Cinder's detailed list, newest first."""
        ...

    def find_volume(self, name_or_id: str) -> Volume: ...

    def get_volume(self, volume_id: str) -> Volume: ...

    def create_volume(self, spec: VolumeSpec) -> Volume:
        """Cinder's answer to the create (status ``creating``)."""
        ...

    def update_volume(self, volume: Volume, *, name: str | None = None,
                      description: str | None = None) -> None: ...

    def extend_volume(self, volume: Volume, size: int) -> None: ...

    def set_volume_metadata(self, volume: Volume, metadata: dict[str, str]) -> None: ...

    def delete_volume_metadata(self, volume: Volume, keys: list[str] | None = None) -> None:
        """Remove ``keys`` (all of them when None)."""
        ...

    def set_volume_image_metadata(self, volume: Volume, metadata: dict[str, str]) -> None: ...

    def delete_volume_image_metadata(self, volume: Volume, keys: list[str]) -> None: ...

    def reset_volume_status(self, volume: Volume, *, status: str | None = None,
                            attach_status: str | None = None) -> None:
        """os-reset_status (admins): the record changes, nothing else does."""
        ...

    def set_volume_bootable(self, volume: Volume, bootable: bool) -> None: ...

    def set_volume_readonly(self, volume: Volume, readonly: bool) -> None: ...

    def delete_volume(self, volume: Volume, *, force: bool = False,
                      cascade: bool = False) -> None: ...

    def retype_volume(self, volume: Volume, volume_type: VolumeType,
                      migration_policy: str = "never") -> None: ...

    def manage_volume(self, spec: VolumeSpec, *, host: str | None, cluster: str | None,
                      ref: dict[str, str], bootable: bool | None) -> Volume:
        """Cinder's manage: an existing backend volume taken in (``volume create
        --remote-source``)."""
        ...

    def unmanage_volume(self, volume: Volume) -> None:
        """Cinder's unmanage: the record goes, the backend keeps the data."""
        ...

    def wait_for_volume(self, volume: Volume, *, statuses: tuple[str, ...] = ("available",),
                        failures: tuple[str, ...] = ("error",),
                        timeout: float | None = None,
                        callback: Callable[[int], None] | None = None) -> Volume: ...

    def upload_volume_to_image(self, volume: Volume, upload: ImageUpload) -> dict[str, Any]:
        """Cinder's os-volume_upload_image answer (the volume's side of the new image)."""
        ...

    # -- snapshots --------------------------------------------------------------------

    def volume_snapshots(self, filters: SnapshotFilters | None = None) -> list[VolumeSnapshot]:
        ...

    def find_volume_snapshot(self, name_or_id: str) -> VolumeSnapshot: ...

    def create_volume_snapshot(
        self, volume: Volume, *, name: str, description: str | None = None,
        metadata: dict[str, str] | None = None, force: bool = False,
    ) -> VolumeSnapshot:
        """Cinder's answer to the create (status ``creating``)."""
        ...

    def update_volume_snapshot(self, snapshot: VolumeSnapshot, *, name: str | None = None,
                               description: str | None = None) -> None: ...

    def set_volume_snapshot_metadata(self, snapshot: VolumeSnapshot,
                                     metadata: dict[str, str]) -> None: ...

    def delete_volume_snapshot_metadata(self, snapshot: VolumeSnapshot,
                                        keys: list[str]) -> None: ...

    def reset_volume_snapshot_status(self, snapshot: VolumeSnapshot, status: str) -> None: ...

    def delete_volume_snapshot(self, snapshot: VolumeSnapshot, *, force: bool = False) -> None:
        ...

    def manage_volume_snapshot(
        self, volume: Volume, *, ref: dict[str, str], name: str,
        description: str | None = None, metadata: dict[str, str] | None = None,
    ) -> VolumeSnapshot:
        """Cinder's snapshot manage (``volume snapshot create --remote-source``)."""
        ...

    def unmanage_volume_snapshot(self, snapshot: VolumeSnapshot) -> None: ...

    # -- types ------------------------------------------------------------------------

    def volume_types(self, *, default: bool = False,
                     is_public: bool | None = None) -> list[VolumeType]: ...

    def find_volume_type(self, name_or_id: str) -> VolumeType: ...

    def volume_type_encryption(self, volume_type: VolumeType) -> dict[str, Any] | None:
        """The type's encryption as the real client shows it (its set attributes but IDs and
        times; ``{}`` for a type without encryption), None when Cinder answers with no type
        (admins only, by Cinder's policy)."""
        ...


class ServerVolumeAPI(Protocol):
    """Nova's os-volume_attachments: volumes attached to a server."""

    def server_volumes(self, server: Server) -> list[VolumeAttachment]: ...

    def attach_server_volume(
        self, server: Server, volume: Volume, *, device: str | None = None,
        tag: str | None = None, delete_on_termination: bool | None = None,
    ) -> VolumeAttachment:
        """Nova's answer to the attach."""
        ...

    def detach_server_volume(self, server: Server, volume: Volume) -> None: ...
