"""Image members (Glance v2's sharing model): an owner offers a ``shared`` image to other
projects, each of which accepts, rejects or leaves it pending."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.image_member import ImageMember


class ImageMemberAPI(Protocol):
    def image_members(self, image: Image) -> list[ImageMember]:
        """The owner sees every member; a member only its own membership."""
        ...

    def find_image_member(self, image: Image, member_id: str) -> ImageMember:
        """``member_id`` as given (the real client does not look the project up)."""
        ...

    def add_image_member(self, image: Image, member_id: str) -> ImageMember: ...

    def update_image_member(
        self, image: Image, member_id: str | None, status: str
    ) -> ImageMember:
        """``member_id`` None: the acting project's own membership."""
        ...

    def remove_image_member(self, image: Image, member_id: str) -> None:
        """A project that is not a member is no error (openstacksdk ignores Glance's 404)."""
        ...
