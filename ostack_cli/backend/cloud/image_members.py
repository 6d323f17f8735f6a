"""Image members through Glance (openstacksdk's image proxy), call for call as the real
client makes them."""

from __future__ import annotations

from typing import Any

from openstack import utils as sdk_utils
from openstack.image.v2 import _proxy as image_v2

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.image_member import ImageMember, member_record_id


def member_from_sdk(member: Any) -> ImageMember:
    return ImageMember(
        id=member_record_id(member.image_id, member.member_id),
        image_id=member.image_id,
        member_id=member.member_id,
        status=member.status,
        created_at=member.created_at,
        updated_at=member.updated_at,
    )


@translate_errors
class CloudImageMembers(CloudBase):
    @property
    def _glance_members(self) -> image_v2.Proxy:
        return sdk_utils.ensure_service_version(self.conn.image, "2")

    def image_members(self, image: Image) -> list[ImageMember]:
        return [member_from_sdk(m) for m in self._glance_members.members(image=image.id)]

    def find_image_member(self, image: Image, member_id: str) -> ImageMember:
        return member_from_sdk(self._glance_members.get_member(image=image.id, member=member_id))

    def add_image_member(self, image: Image, member_id: str) -> ImageMember:
        return member_from_sdk(self._glance_members.add_member(image=image.id,
                                                               member_id=member_id))

    def update_image_member(
        self, image: Image, member_id: str | None, status: str
    ) -> ImageMember:
        # The real client takes the token's project for "my own membership".
        member = str(member_id or self.conn.current_project_id)
        return member_from_sdk(self._glance_members.update_member(
            image=image.id, member=member, status=status))

    def remove_image_member(self, image: Image, member_id: str) -> None:
        self._glance_members.remove_member(member=member_id, image=image.id)
