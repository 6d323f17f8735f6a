"""Glance image members: the projects a ``shared`` image is offered to, and their answer."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource

MEMBER_STATUSES = ("pending", "accepted", "rejected")
MEMBER_SCHEMA = "/v2/schemas/member"
# Glance's image_member_quota default.
MEMBER_QUOTA = 128


def member_record_id(image_id: str, member_id: str) -> str:
    """One membership per image and project: the pair is the record's ID."""
    return f"{image_id}/{member_id}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImageMember(Resource):
    """A project's membership of an image. It belongs to no project (``project_id`` is
    absent): a membership never keeps a project from being deleted."""

    KIND = "image_member"
    RESOURCE_NAME = "Member"

    image_id: str
    member_id: str
    status: str = "pending"
    created_at: str = ""
    updated_at: str = ""


def member_view(member: ImageMember) -> dict[str, Any]:
    """What the real client shows of a member (openstacksdk's Member without id, name and
    location)."""
    return {
        "created_at": member.created_at,
        "image_id": member.image_id,
        "member_id": member.member_id,
        "schema": MEMBER_SCHEMA,
        "status": member.status,
        "updated_at": member.updated_at,
    }
