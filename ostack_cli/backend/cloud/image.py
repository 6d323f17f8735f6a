"""Images through Glance (openstacksdk's image proxy)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from ostack_cli.backend.cloud.base import CloudBase, unavailable
from ostack_cli.backend.models.image import Image, ImageChanges, ImageSpec


class CloudImages(CloudBase):
    def images(
        self,
        *,
        visibility: str | None = None,
        name: str | None = None,
        status: str | None = None,
        tags: list[str] | None = None,
        owner: str | None = None,
        is_hidden: bool = False,
    ) -> list[Image]:
        raise unavailable("Listing images")

    def find_image(self, name_or_id: str) -> Image:
        raise unavailable("Finding images")

    def create_image(self, spec: ImageSpec, data: IO[bytes] | None = None) -> Image:
        raise unavailable("Creating images")

    def update_image(self, image: Image, changes: ImageChanges) -> Image:
        raise unavailable("Changing images")

    def delete_image(self, image: Image) -> None:
        raise unavailable("Deleting images")

    def image_data(self, image: Image, chunk_size: int = 65536) -> Iterator[bytes]:
        raise unavailable("Downloading images")
