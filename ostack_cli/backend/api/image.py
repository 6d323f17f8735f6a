"""Images (Glance)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Protocol

from ostack_cli.backend.models.image import (
    Image,
    ImageChanges,
    ImageImportRequest,
    ImageSpec,
)
from ostack_cli.backend.models.network import BootstrapItem


class ImageAPI(Protocol):
    def images(
        self,
        *,
        visibility: str | None = None,
        name: str | None = None,
        status: str | None = None,
        tags: list[str] | None = None,
        owner: str | None = None,
        is_hidden: bool = False,
        member_status: str | None = None,
    ) -> list[Image]:
        """Images the project may list, in Glance's order (newest first).

        ``member_status``: which shared images of other projects are listed, by the acting
        project's answer (None: Glance's default, ``accepted``; ``all``: any).

        ``visibility`` None is Glance's default list (own images and public ones);
        ``"all"`` adds other projects' community images. ``is_hidden`` True lists only
        hidden images, False only the others (as Glance's ``os_hidden`` filter).
        """
        ...

    def find_image(self, name_or_id: str) -> Image: ...

    def create_image(
        self, spec: ImageSpec, data: IO[bytes] | None = None, *, use_import: bool = False
    ) -> Image:
        """Create an image and upload ``data`` (read in chunks, never all at once).

        Without ``data`` the image stays ``queued``, as Glance leaves it. ``use_import``
        with data: staged and imported with ``glance-direct`` instead of uploaded.
        """
        ...

    def stage_image(self, image: Image, data: IO[bytes]) -> Image:
        """Glance's stage: the data waits for a ``glance-direct`` import (``uploading``)."""
        ...

    def import_image(self, image: Image, request: ImageImportRequest) -> None:
        """Start Glance's import of the image's data."""
        ...

    def image_import_methods(self) -> list[str]:
        """The import methods Glance offers (``GET /v2/info/import``)."""
        ...

    def update_image(self, image: Image, changes: ImageChanges) -> Image: ...

    def delete_image(self, image: Image) -> None: ...

    def register_test_image(self) -> list[BootstrapItem]:
        """Register the host's built test guest image as ``cirros`` (local backend only)."""
        ...

    def image_data(self, image: Image, chunk_size: int = ...) -> Iterator[bytes]:
        """The image's bytes, in chunks; the hash is checked after the last one."""
        ...
