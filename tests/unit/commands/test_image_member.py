"""Image members (Glance v2 sharing): ``image add|remove project``, ``image member
list|get``, ``image set --accept|--reject|--pending``, and what a member sees in ``image
list``. The local user is a project member in Glance's eyes, also in the admin project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

DEMO = ("--os-project-name", "demo")


def project_id(cli: Runner, name: str) -> str:
    return cli("project", "show", name, "-f", "value", "-c", "id").out.strip()


@pytest.fixture
def image(cli: Runner) -> str:
    """A shared image of the admin project (Glance's default visibility)."""
    result = cli("image", "create", "shimg", "-f", "json", stdin=b"")
    assert result.rc == 0, result.err
    data = result.json()
    assert data["visibility"] == "shared"
    return str(data["id"])


def names(cli: Runner, *args: str) -> list[str]:
    return cli(*DEMO, "image", "list", *args, "-f", "value", "-c", "Name").out.split()


def test_add_project_prints_the_member(cli: Runner, image: str) -> None:
    result = cli("image", "add", "project", "shimg", "demo", "-f", "json")
    assert result.rc == 0, result.err
    member = result.json()
    assert list(member) == ["created_at", "image_id", "member_id", "schema", "status",
                            "updated_at"]
    assert (member["image_id"], member["member_id"], member["schema"], member["status"]) == (
        image, project_id(cli, "demo"), "/v2/schemas/member", "pending")
    again = cli("image", "add", "project", "shimg", "demo")
    assert (again.rc, again.err.strip()) == (
        1, f"Member {member['member_id']} is duplicated for image {image}")
    rows = cli("image", "member", "list", "shimg", "-f", "json").json()
    assert rows == [{"Image ID": image, "Member ID": member["member_id"], "Status": "pending"}]


def test_a_member_sees_the_image_by_id_and_lists_it_once_accepted(
    cli: Runner, image: str
) -> None:
    demo = project_id(cli, "demo")
    assert cli("image", "add", "project", image, demo).rc == 0
    # Pending: shown by ID, not listed by default (so not found by name either).
    assert cli(*DEMO, "image", "show", image, "-f", "value", "-c", "name").out == "shimg\n"
    assert names(cli) == []
    assert names(cli, "--shared") == []
    assert names(cli, "--all") == []
    assert names(cli, "--member-status", "pending") == ["shimg"]
    assert names(cli, "--member-status", "all") == ["shimg"]
    assert cli(*DEMO, "image", "show", "shimg").err.strip() == "No Image found for shimg"
    # Its own membership only, and its own answer.
    assert cli(*DEMO, "image", "member", "list", image, "-f", "value").out == (
        f"{image} {demo} pending\n")
    assert cli(*DEMO, "image", "set", "--accept", image).out == ""
    assert names(cli) == ["shimg"]
    assert names(cli, "--shared") == ["shimg"]
    assert cli(*DEMO, "image", "member", "get", image, demo, "-f", "value", "-c",
               "status").out == "accepted\n"
    assert cli(*DEMO, "image", "set", "--reject", image).rc == 0
    assert names(cli) == []
    assert names(cli, "--shared", "--member-status", "rejected") == ["shimg"]
    assert cli(*DEMO, "image", "set", "--pending", image).rc == 0
    assert names(cli, "--member-status", "PENDING") == ["shimg"]
    # Removed, the image is gone from the member's sight.
    assert cli("image", "remove", "project", "shimg", "demo").out == ""
    assert cli(*DEMO, "image", "show", image).err.strip() == f"No Image found for {image}"


def test_glance_refusals(cli: Runner, image: str, store_snapshot: Snapshot) -> None:
    demo, admin = project_id(cli, "demo"), project_id(cli, "admin")
    assert cli("image", "add", "project", image, demo).rc == 0
    assert cli("image", "create", "--private", "priv", stdin=b"").rc == 0
    priv = cli("image", "show", "priv", "-f", "value", "-c", "id").out.strip()
    before = store_snapshot()
    for args, message in [
        # The owner is no member: it has no answer to give.
        (("image", "set", "--accept", "shimg"),
         f"{admin} not found in the member list of the image {image}."),
        # Only a member answers for itself (Glance's modify_member policy).
        (("image", "set", "--reject", "--project", "demo", "shimg"),
         "You are not authorized to complete modify_member action."),
        ((*DEMO, "image", "add", "project", image, admin),
         "You are not authorized to complete add_member action."),
        ((*DEMO, "image", "remove", "project", image, demo),
         "You are not authorized to complete delete_member action."),
        (("image", "add", "project", "priv", "demo"),
         f"Not allowed to create members for image {priv}."),
        (("image", "member", "list", "priv"),
         f"Not allowed to list members for image {priv}: Only shared images have members."),
        (("image", "member", "get", "priv", demo), "Only shared images have members."),
        (("image", "remove", "project", "priv", "demo"),
         f"Not allowed to delete members for image {priv}."),
        (("image", "member", "get", "shimg", "demo"),
         f"demo not found in the member list of the image {image}."),
        ((*DEMO, "image", "member", "get", image, admin),
         f"{admin} not found in the member list of the image {image}."),
        (("image", "add", "project", "shimg", "nonexistent"), ""),
    ]:
        result = cli(*args)
        assert (result.rc, result.err.strip()) == (1, message), args
    # Removing a project that is no member is no error (openstacksdk ignores the 404).
    assert cli("image", "remove", "project", "shimg", "admin").rc == 0
    assert store_snapshot() == before


def test_members_outlive_a_visibility_change_and_go_with_the_image(
    cli: Runner, image: str
) -> None:
    assert cli("image", "add", "project", image, "demo").rc == 0
    assert cli("image", "set", "--private", image).rc == 0
    assert cli(*DEMO, "image", "show", image).rc == 1
    assert cli("image", "set", "--shared", image).rc == 0
    assert cli(*DEMO, "image", "show", image, "-f", "value", "-c", "name").out == "shimg\n"
    assert cli("image", "delete", image).rc == 0
    assert cli("image", "create", "shimg", "--id", image, stdin=b"").rc == 0
    assert cli("image", "member", "list", image, "-f", "value").out == ""
