"""Glance's image members in the local store: who an image is shared with, and each member's
answer, with Glance's rules and messages (``glance/api/v2/image_members.py``, its default
policies in ``glance/policies``).

The local user is a project member in Glance's eyes (not an admin): only the owner adds and
removes members, only a member changes its own status.
"""

from __future__ import annotations

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.models import utcnow
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.image_member import (
    MEMBER_QUOTA,
    MEMBER_STATUSES,
    ImageMember,
    member_record_id,
)
from ostack_cli.errors import BadRequest, Conflict, Forbidden, NotFound, QuotaExceeded

ONLY_SHARED = "Only shared images have members."


class ImageMembers:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- reading -------------------------------------------------------------------------

    def find_all(self, image: Image) -> list[ImageMember]:
        current = self._image(image)
        if current.visibility != "shared":
            raise Forbidden(
                f"Not allowed to list members for image {current.id}: {ONLY_SHARED}"
            )
        return [m for m in self._members(current) if self._sees(current, m)]

    def find(self, image: Image, member_id: str) -> ImageMember:
        current = self._image(image)
        # Glance answers every refusal of a member show with 404.
        if current.visibility != "shared":
            raise NotFound(ONLY_SHARED)
        return self._lookup(current, member_id)

    # -- writing -------------------------------------------------------------------------

    def add(self, image: Image, member_id: str) -> ImageMember:
        with self.store.transaction():
            current = self._image(image)
            if current.visibility != "shared":
                raise Forbidden(f"Not allowed to create members for image {current.id}.")
            if current.project_id != self.context.project_id:
                raise Forbidden("You are not authorized to complete add_member action.")
            members = self._members(current)
            if any(m.member_id == member_id for m in members):
                raise Conflict(f"Member {member_id} is duplicated for image {current.id}")
            if len(members) + 1 > MEMBER_QUOTA:
                raise QuotaExceeded(
                    f"Image member limit exceeded for image {current.id}: The limit has been "
                    "exceeded on the number of allowed image members for this image. "
                    f"Attempted: {len(members) + 1}, Maximum: {MEMBER_QUOTA}:"
                )
            now = utcnow()
            member = ImageMember(
                id=member_record_id(current.id, member_id), image_id=current.id,
                member_id=member_id, created_at=now, updated_at=now,
            )
            self.store.insert(member)
        return member

    def update(self, image: Image, member_id: str | None, status: str) -> ImageMember:
        if status not in MEMBER_STATUSES:
            raise BadRequest(f"Incorrect request: Invalid status: {status}")
        wanted = member_id or self.context.project_id
        with self.store.transaction():
            current = self._image(image)
            if current.visibility != "shared":
                raise Forbidden(f"Not allowed to update members for image {current.id}.")
            member = self._lookup(current, wanted)
            if member.member_id != self.context.project_id:
                raise Forbidden("You are not authorized to complete modify_member action.")
            updated = member.replace(status=status, updated_at=utcnow())
            self.store.update(updated)
        return updated

    def remove(self, image: Image, member_id: str) -> None:
        with self.store.transaction():
            current = self._image(image)
            if current.visibility != "shared":
                raise Forbidden(f"Not allowed to delete members for image {current.id}.")
            try:
                member = self._lookup(current, member_id)
            except NotFound:
                # openstacksdk's remove_member ignores Glance's 404: nothing to remove.
                return
            if current.project_id != self.context.project_id:
                raise Forbidden("You are not authorized to complete delete_member action.")
            self.store.delete(ImageMember, member.id)

    # -- helpers -------------------------------------------------------------------------

    def _image(self, image: Image) -> Image:
        current = self.store.get(Image, image.id)
        if current is None:
            raise NotFound(f"Image {image.id} not found.")
        return current

    def _members(self, image: Image) -> list[ImageMember]:
        return [m for m in self.store.list(ImageMember) if m.image_id == image.id]

    def _sees(self, image: Image, member: ImageMember) -> bool:
        # Glance's image_member_find: the owner sees every member, a member itself only.
        project = self.context.project_id
        return image.project_id == project or member.member_id == project

    def _lookup(self, image: Image, member_id: str) -> ImageMember:
        member = self.store.get(ImageMember, member_record_id(image.id, member_id))
        if member is None or not self._sees(image, member):
            raise NotFound(f"{member_id} not found in the member list of the image {image.id}.")
        return member
