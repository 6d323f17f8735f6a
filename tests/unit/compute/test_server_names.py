"""A server's name, description and metadata as Nova's schema checks them, at create and at
set/unset (realstack's texts); a refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner
from tests.unit.compute.test_server import create

Snapshot = Callable[[], list[tuple[Any, ...]]]
BOOT = ("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic", "none")
INVALID_NAME = ("An invalid 'name' value was provided. The name must be: printable "
                "characters. Can not start or end with whitespace.")
LONG = "d" * 256


@pytest.mark.parametrize(("args", "error"), [
    ((" lead",), INVALID_NAME),
    (("trail ",), INVALID_NAME),
    (("a\tb",), INVALID_NAME),
    # Nova's name regex is built from the Basic Multilingual Plane: no emoji.
    (("a\U0001f600",), INVALID_NAME),
    (("",), "Invalid input for field/attribute name. Value: . '' should be non-empty"),
    (("a" * 256,), f"Invalid input for field/attribute name. Value: {'a' * 256}. "
                   f"'{'a' * 256}' is too long"),
    (("--description", LONG, "x"),
     f"Invalid input for field/attribute description. Value: {LONG}. '{LONG}' is too long"),
    (("--property", "a/b=1", "x"),
     "Invalid input for field/attribute metadata. Value: {'a/b': '1'}. 'a/b' does not match "
     "any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'"),
])
def test_create_refusals(compute: Runner, store_snapshot: Snapshot, args: tuple[str, ...],
                         error: str) -> None:
    before = store_snapshot()
    made = compute(*BOOT, *args)
    assert (made.rc, made.out, made.err.strip()) == (1, "", error)
    assert store_snapshot() == before


def test_names_nova_takes(compute: Runner) -> None:
    # A no-break space inside a name is printable (Nova's Zs), as are non-ASCII letters.
    for name in ("a\u00a0b", "ünïcødé ☃", "2024"):
        assert create(compute, name)["name"] == name


def test_set_refuses_what_create_refuses(compute: Runner, store_snapshot: Snapshot) -> None:
    create(compute, "s1")
    before = store_snapshot()
    for args, error in ((("--name", "  x"), INVALID_NAME),
                        (("--name", "a\U0001f600"), INVALID_NAME),
                        (("--description", LONG), "Invalid input for field/attribute "
                         f"description. Value: {LONG}. '{LONG}' is too long")):
        refused = compute("server", "set", *args, "s1")
        assert (refused.rc, refused.out, refused.err.strip()) == (1, "", error)
    assert store_snapshot() == before
    # As the real client: an empty name sends nothing.
    assert compute("server", "set", "--name", "", "s1").rc == 0
    assert store_snapshot() == before


def test_unset_of_a_missing_property_is_novas_404(compute: Runner) -> None:
    create(compute, "s1", "--property", "k1=v", "--property", "k2=v", "--description", "d")
    # openstacksdk deletes the keys one by one: k1 goes, nokey is a 404, k2 and the
    # description (unset after the metadata) stay.
    unset = compute("server", "unset", "--property", "k1", "--property", "nokey",
                    "--property", "k2", "--description", "s1")
    assert (unset.rc, unset.out, unset.err.strip()) == (1, "", "Metadata item was not found")
    shown = compute("server", "show", "s1", "-f", "json").json()
    assert (shown["properties"], shown["description"]) == ({"k2": "v"}, "d")
    assert compute("server", "unset", "--property", "k2", "--description", "s1").rc == 0
    shown = compute("server", "show", "s1", "-f", "json").json()
    assert (shown["properties"], shown["description"]) == ({}, "")


def test_metadata_of_a_server_in_error_is_novas_409(compute: Runner,
                                                    store_snapshot: Snapshot) -> None:
    # A forced host that does not exist leaves the server in ERROR.
    server = create(compute, "s1", "--availability-zone", "nova:bogus", "--property", "k=v")
    assert server["status"] == "ERROR"
    before = store_snapshot()
    for args, action in ((("set", "--property", "a=b"), "update metadata"),
                         (("unset", "--property", "k"), "delete metadata")):
        refused = compute("server", *args, "s1")
        assert (refused.rc, refused.out, refused.err.strip()) == (
            1, "", f"Cannot '{action}' instance {server['id']} while it is in vm_state error")
    assert store_snapshot() == before
    # Its name and description are not metadata.
    assert compute("server", "set", "--name", "s2", "--description", "d", "s1").rc == 0


@pytest.mark.parametrize(("tags", "error"), [
    (["a/b"], "Invalid input for field/attribute 0. Value: a/b. 'a/b' does not match "
              "'^[^,/]*$'"),
    (["ok", "a,b"], "Invalid input for field/attribute 1. Value: a,b. 'a,b' does not match "
                    "'^[^,/]*$'"),
    (["ok", "t" * 61], f"Invalid input for field/attribute 1. Value: {'t' * 61}. "
                       f"'{'t' * 61}' is too long"),
    ([f"t{i}" for i in range(51)],
     f"Invalid input for field/attribute tags. Value: {[f't{i}' for i in range(51)]!r}. "
     f"{[f't{i}' for i in range(51)]!r} is too long"),
])
def test_create_refuses_novas_bad_tags(compute: Runner, store_snapshot: Snapshot,
                                       tags: list[str], error: str) -> None:
    before = store_snapshot()
    made = compute(*BOOT, *[arg for tag in tags for arg in ("--tag", tag)], "s1")
    assert (made.rc, made.out, made.err.strip()) == (1, "", error)
    assert store_snapshot() == before
