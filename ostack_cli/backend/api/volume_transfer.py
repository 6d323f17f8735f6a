"""Cinder's volume transfers and its services (os-services)."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.volume import Volume
from ostack_cli.backend.models.volume_transfer import VolumeService, VolumeTransfer


class VolumeTransferAPI(Protocol):
    def volume_transfers(self, *, all_projects: bool = False) -> list[VolumeTransfer]:
        """Cinder's detailed list of the project's transfers."""
        ...

    def find_volume_transfer(self, name_or_id: str) -> VolumeTransfer: ...

    def create_volume_transfer(self, volume: Volume, *, name: str | None = None,
                               no_snapshots: bool | None = None) -> VolumeTransfer:
        """Cinder's answer, with the auth key (shown this once); ``no_snapshots`` None: not
        asked (Cinder's default, the snapshots go along)."""
        ...

    def delete_volume_transfer(self, transfer_id: str) -> None:
        """By ID only, as the real client deletes."""
        ...

    def accept_volume_transfer(self, transfer_id: str, auth_key: str) -> VolumeTransfer: ...


class VolumeServiceAPI(Protocol):
    def volume_services(self, *, host: str | None = None, binary: str | None = None,
                        backend_state: bool = False) -> list[VolumeService]:
        """``backend_state``: with the volume backends' state, which Cinder answers from
        microversion 3.49 (openstacksdk, and so the real client, asks at 3.32)."""
        ...
