"""server list's filters and paging as the real client sends them and Nova applies them;
server set/unset --tag; what server show and create print that only a side-by-side look
with the real client told (the embedded flavor, the create answer's security groups)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner
from tests.unit.compute.test_server import create

Snapshot = Callable[[], list[tuple[Any, ...]]]


def names(cli: Runner, *args: str) -> list[str]:
    listed = cli("server", "list", *args, "-f", "json")
    assert listed.rc == 0, listed.err
    return [s["Name"] for s in listed.json()]


def test_tags_set_unset_and_filters(compute: Runner) -> None:
    create(compute, "a")
    create(compute, "b")
    assert compute("server", "set", "--tag", "t1", "--tag", "t2", "a").rc == 0
    assert compute("server", "set", "--tag", "t1", "b").rc == 0
    assert compute("server", "show", "a", "-f", "json").json()["tags"] == ["t1", "t2"]
    assert names(compute, "--tags", "t1") == ["b", "a"]
    assert names(compute, "--tags", "t1", "--tags", "t2") == ["a"]
    # --not-tags: without all of them.
    assert names(compute, "--not-tags", "t1", "--not-tags", "t2") == ["b"]
    assert names(compute, "--not-tags", "t1") == []
    assert compute("server", "unset", "--tag", "t2", "a").rc == 0
    assert compute("server", "show", "a", "-f", "json").json()["tags"] == ["t1"]
    assert compute("server", "unset", "--all-tags", "a").rc == 0
    assert compute("server", "show", "a", "-f", "json").json()["tags"] == []
    assert compute("server", "unset", "--tag", "x", "--all-tags", "a").rc == 2


def test_tag_refusals(compute: Runner, store_snapshot: Snapshot) -> None:
    server = create(compute)
    before = store_snapshot()
    long = "x" * 61
    refused = compute("server", "set", "--tag", long, "Host2")
    assert refused.err == (f"Tag '{long}' is invalid. It must be a non empty string without "
                           f"characters '/' and ','. Validation error message: '{long}' is too "
                           "long\n")
    refused = compute("server", "set", "--tag", "a,b", "Host2")
    assert refused.err.endswith("Validation error message: 'a,b' does not match "
                                "'^[^,/]*$'\n")
    refused = compute("server", "unset", "--tag", "nosuch", "Host2")
    assert refused.err == f"Instance {server['id']} has no tag 'nosuch'\n"
    assert store_snapshot() == before


def test_a_tag_changes_nothing_else(compute: Runner) -> None:
    server = create(compute)
    updated = compute("server", "show", server["id"], "-f", "value", "-c", "updated").out
    assert compute("server", "set", "--tag", "t", "Host2").rc == 0
    assert compute("server", "show", server["id"], "-f", "value", "-c", "updated").out == \
        updated


def test_state_filters(compute: Runner) -> None:
    create(compute, "a")
    create(compute, "b")
    assert compute("server", "stop", "b").rc == 0
    assert names(compute, "--vm-state", "stopped") == ["b"]
    assert names(compute, "--power-state", "running") == ["a"]
    assert names(compute, "--power-state", "shutdown") == ["b"]
    assert names(compute, "--status", "SHUTOFF") == ["b"]
    assert names(compute, "--task-state", "spawning") == []
    assert names(compute, "--availability-zone", "no") == ["b", "a"]  # a regex, as Nova's
    assert names(compute, "--reservation-id", "nosuch") == []
    assert compute("server", "list", "--vm-state", "bogus").rc == 2
    assert compute("server", "list", "--status", "active").rc == 2  # upper case only
    assert compute("server", "list", "--progress", "0").rc == 2


def test_key_name_config_drive_and_progress(compute: Runner, tmp_path: Any) -> None:
    key = tmp_path / "k.pub"
    key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDJCOpGbRLr+aZ5AvQAHKLsd8BpHXmsEMXa+V"
                   "D0vsYOY t@h\n")
    assert compute("keypair", "create", "--public-key", str(key), "mykey").rc == 0
    create(compute, "a", "--key-name", "mykey")
    create(compute, "b", "--no-config-drive")
    create(compute, "c", "--config-drive", "True")
    assert names(compute, "--key-name", "my") == ["a"]  # Nova matches a regular expression
    # Nova's column holds "True" or "", which openstacksdk then compares with the boolean
    # the real client sent: neither filter lists anything (as realstack shows).
    assert names(compute, "--config-drive") == []
    assert names(compute, "--no-config-drive") == []
    assert names(compute) == ["c", "b", "a"]
    assert names(compute, "--progress", "100") == []


def test_changes_since_and_before(compute: Runner) -> None:
    create(compute, "a")
    assert names(compute, "--changes-since", "2000-01-01T00:00:00Z") == ["a"]
    assert names(compute, "--changes-since", "2999-01-01") == []
    assert names(compute, "--changes-before", "2000-01-01") == []
    assert names(compute, "--changes-before", "2999-01-01T00:00:00Z") == ["a"]
    bad = compute("server", "list", "--changes-before", "tomorrow")
    assert (bad.rc, bad.err) == (1, "Invalid changes-before value: tomorrow\n")
    # The real client sends deleted=False: recently deleted servers are not listed.
    assert compute("server", "delete", "a").rc == 0
    assert names(compute, "--changes-since", "2000-01-01") == []
    assert names(compute, "--deleted", "--changes-since", "2000-01-01") == ["a"]


def test_deleted_and_markers(compute: Runner) -> None:
    first = create(compute, "a")
    second = create(compute, "b")
    create(compute, "c")
    assert compute("server", "delete", "a", "b").rc == 0
    deleted = compute("server", "list", "--deleted", "-f", "json").json()
    assert [(s["Name"], s["Status"]) for s in deleted] == [("b", "DELETED"), ("a", "DELETED")]
    # With --deleted the marker is an ID, used as given.
    assert names(compute, "--deleted", "--marker", second["id"]) == ["a"]
    # A deleted server is a marker for the others too: the ones created before it.
    assert names(compute, "--marker", "c") == []
    assert names(compute, "--deleted", "--marker", first["id"]) == []
    missing = compute("server", "list", "--deleted", "--marker", "nosuch")
    assert (missing.rc, missing.err) == (1, "marker [nosuch] not found\n")
    missing = compute("server", "list", "--marker", "nosuch")
    assert (missing.rc, missing.err) == (1, "No Server found for nosuch\n")


def test_limit_and_marker_by_name(compute: Runner) -> None:
    for name in ("a", "b", "c"):
        create(compute, name)
    assert names(compute, "--limit", "2") == ["c", "b"]
    assert names(compute, "--marker", "c", "--limit", "1") == ["b"]
    assert names(compute, "--max-items", "1") == ["c"]


def test_deleted_is_for_admins_only(compute: Runner) -> None:
    assert compute("user", "create", "--password", "pw", "bob").rc == 0
    assert compute("role", "add", "--user", "bob", "--project", "demo", "member").rc == 0
    assert compute("image", "set", "--public", "cirros").rc == 0

    def bob(*args: str) -> Any:
        return compute("--os-username", "bob", "--os-password", "pw", "--os-project-name",
                       "demo", *args)

    assert bob("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic", "none",
               "gone").rc == 0
    assert bob("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic", "none",
               "kept").rc == 0
    assert bob("server", "delete", "gone").rc == 0
    # Nova drops a non-admin's "deleted" filter without a word.
    listed = bob("server", "list", "--deleted", "-f", "json")
    assert [s["Name"] for s in listed.json()] == ["kept"]


def test_extra_columns_by_name(compute: Runner) -> None:
    server = create(compute)
    row = compute("server", "list", "-c", "ID", "-c", "Created At", "-c", "Security Groups",
                  "-c", "Power State", "-c", "User ID", "-c", "Flavor ID", "-c", "Image ID",
                  "-f", "json").json()[0]
    assert list(row) == ["ID", "Created At", "Security Groups", "Power State", "User ID",
                         "Flavor ID", "Image ID"]
    assert (row["Created At"], row["Security Groups"], row["Power State"], row["Flavor ID"]) \
        == (server["created"], ["default"], 1, None)


def test_show_embeds_the_flavor_as_openstacksdk(compute: Runner) -> None:
    server = create(compute)
    flavor = compute("server", "show", server["id"], "-f", "json").json()["flavor"]
    assert flavor == {
        "name": "m1.tiny", "original_name": "m1.tiny", "description": None, "disk": 1,
        "is_public": True, "ram": 512, "vcpus": 1, "swap": 0, "ephemeral": 0,
        "is_disabled": None, "rxtx_factor": None, "extra_specs": {}, "id": "m1.tiny",
        "location": None,
    }


@pytest.mark.parametrize("nic", [["--nic", "none"], ["--nic", "net-id=private"]])
def test_create_answers_the_groups_as_nova(compute: Runner, nic: list[str]) -> None:
    assert compute("security", "group", "create", "web").rc == 0
    web = compute("security", "group", "show", "web", "-f", "value", "-c", "id").out.strip()
    made = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", *nic,
                   "--security-group", "web", "s", "-f", "json")
    assert made.rc == 0, made.err
    shown = compute("server", "show", made.json()["id"], "-f", "json").json()
    if nic == ["--nic", "none"]:
        # No ports, no groups of its own: the answer echoes the request (the real client
        # names groups by ID), and show has no such field.
        assert made.json()["security_groups"] == [{"name": web}]
        assert "security_groups" not in shown
    else:
        assert made.json()["security_groups"] == [{"name": "web"}]
        assert shown["security_groups"] == [{"name": "web"}]


@pytest.mark.parametrize(("option", "param"), [
    ("--name", "name"), ("--ip", "ip"), ("--ip6", "ip6"), ("--reservation-id", "reservation_id"),
    ("--key-name", "key_name"), ("--availability-zone", "availability_zone"),
])
def test_a_filter_that_is_no_regex_is_refused_as_nova(compute: Runner, option: str,
                                                      param: str) -> None:
    create(compute, "a")
    listed = compute("server", "list", option, "[")
    assert (listed.rc, listed.out) == (1, "")
    assert listed.err.strip() == (
        f"Invalid input for query parameters {param}. Value: [. '[' is not a 'regex'")


@pytest.mark.parametrize("option", ["--limit", "--max-items"])
def test_a_negative_page_size_is_a_usage_error(compute: Runner, option: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    listed = compute("server", "list", option, "-1")
    assert (listed.rc, listed.out) == (2, "")
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        f" server list: error: argument {option}: {option} expected a non-negative integer")
