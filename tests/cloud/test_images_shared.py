"""Image members (Glance v2 sharing) through ostack's cloud backend and the real client, side
by side: the owner (admin) shares, the member (demo) accepts, lists and answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.cloud.conftest import Run, SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]

MEMBER_VOLATILE = ("image_id", "created_at", "updated_at", "Image ID")


def ok(run: Run) -> Run:
    assert run.rc == 0, f"{run.args}: {run.err}"
    return run


def project_id(clients: SideBySide, name: str) -> str:
    return ok(clients.openstack("project", "show", name, "-f", "value", "-c", "id")).out.strip()


@pytest.fixture
def images(clients: SideBySide) -> Iterator[tuple[str, str]]:
    """Two shared images of the admin's (Glance's default visibility): one for each client
    to share, so that both walk the same steps."""
    made = []
    try:
        for _ in range(2):
            made.append(ok(clients.openstack(
                "image", "create", f"shared-{uuid.uuid4().hex[:8]}", "-f", "value", "-c",
                "id")).out.strip())
        yield made[0], made[1]
    finally:
        for image in made:
            clients.openstack("image", "delete", image)


def test_sharing_walkthrough(clients: SideBySide, images: tuple[str, str]) -> None:
    member = clients.member()
    theirs, ours = images
    demo = project_id(clients, "demo")
    # The owner offers each image to demo, each client one.
    real = clients.openstack("image", "add", "project", theirs, "demo", "-f", "json")
    mine = clients.ostack("image", "add", "project", ours, "demo", "-f", "json")
    assert_same(real, mine, volatile=MEMBER_VOLATILE)
    assert mine.json()["status"] == "pending"
    real = clients.openstack("image", "member", "list", theirs, "-f", "json")
    mine = clients.ostack("image", "member", "list", ours, "-f", "json")
    assert_same(real, mine, volatile=MEMBER_VOLATILE)
    # Pending: shown by ID to the member, listed only with --member-status.
    for image in (theirs, ours):
        assert_same(*clients.both("image", "show", image, "-f", "json", cloud=member),
                    volatile=("id", "name", "created_at", "updated_at", "properties",
                              "checksum", "file"))
    for args in ((), ("--shared",), ("--member-status", "pending"), ("--member-status", "all"),
                 ("--all",)):
        assert_same(*clients.both("image", "list", *args, "-f", "json", cloud=member))
    # The member answers; each client for one image.
    for run, image in ((clients.openstack, theirs), (clients.ostack, ours)):
        done = run("image", "set", "--accept", image, cloud=member)
        assert (done.rc, done.out, done.err) == (0, "", "")
    for args in ((), ("--shared",), ("--member-status", "accepted")):
        assert_same(*clients.both("image", "list", *args, "-f", "json", cloud=member))
    real = clients.openstack("image", "member", "get", theirs, demo, "-f", "json")
    mine = clients.ostack("image", "member", "get", ours, demo, "-f", "json")
    assert_same(real, mine, volatile=MEMBER_VOLATILE)
    assert mine.json()["status"] == "accepted"
    for run, image in ((clients.openstack, theirs), (clients.ostack, ours)):
        assert run("image", "set", "--reject", image, cloud=member).rc == 0
    assert_same(*clients.both("image", "list", "--shared", "--member-status", "rejected",
                              "-f", "json", cloud=member))
    # The owner takes the offer back; gone from the member's sight.
    for run, image in ((clients.openstack, theirs), (clients.ostack, ours)):
        done = run("image", "remove", "project", image, "demo")
        assert (done.rc, done.out, done.err) == (0, "", "")
    for image in (theirs, ours):
        assert_same(*clients.both("image", "show", image, cloud=member))


def test_refusals_as_the_real_client_words_them(
    clients: SideBySide, images: tuple[str, str]
) -> None:
    member = clients.member()
    image = images[0]
    demo, admin = project_id(clients, "demo"), project_id(clients, "admin")
    ok(clients.openstack("image", "add", "project", image, "demo"))
    for args, cloud in [
        (("image", "add", "project", image, "demo"), None),  # a duplicate
        (("image", "member", "get", image, "demo"), None),  # a name, not looked up
        (("image", "set", "--accept", image), None),  # the owner is no member
        (("image", "add", "project", image, admin), member),
        (("image", "remove", "project", image, demo), member),
        (("image", "member", "get", image, admin), member),
        (("image", "add", "project", image, "nosuch-project"), None),
        (("image", "member", "list", "tiny"), None),  # a public image has no members
        (("image", "member", "get", "tiny", demo), None),
    ]:
        kwargs = {} if cloud is None else {"cloud": cloud}
        real, mine = clients.both(*args, **kwargs)
        assert_same(real, mine)
        assert real.rc == 1, args
    # A project that is no member: removing it is no error (openstacksdk ignores the 404).
    assert_same(*clients.both("image", "remove", "project", image, "admin"))
