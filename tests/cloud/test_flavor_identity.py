"""Flavors, projects and tokens: ostack's output is the real client's, as admin and as member."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.cloud.conftest import SideBySide, assert_same

pytestmark = [pytest.mark.cloud, pytest.mark.slow]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    "args",
    [
        ("flavor", "list"),
        ("flavor", "list", "--all"),
        ("flavor", "list", "--long"),
        ("flavor", "list", "--min-ram", "1024", "--min-disk", "10"),
        ("flavor", "show", "m1.tiny"),
        ("flavor", "show", "1"),
        ("project", "list"),
        ("project", "list", "--long"),
        ("project", "show", "admin"),
    ],
)
def test_admin_reads_json(clients: SideBySide, args: tuple[str, ...]) -> None:
    assert_same(*clients.both(*args, "-f", "json"))


@pytest.mark.parametrize(
    "args",
    [
        ("flavor", "list"),
        ("flavor", "list", "--long"),
        ("flavor", "show", "m1.small", "-c", "name", "-c", "ram", "-c", "properties"),
        ("project", "list", "--long"),
        ("project", "show", "demo"),
        ("flavor", "show", "m1.small"),
    ],
)
def test_admin_reads_table(clients: SideBySide, args: tuple[str, ...]) -> None:
    real, mine = clients.both(*args)
    assert (mine.rc, mine.out) == (real.rc, real.out)


@pytest.mark.parametrize("fmt", ["value", "csv", "yaml"])
def test_other_formats(clients: SideBySide, fmt: str) -> None:
    real, mine = clients.both("flavor", "list", "--all", "-f", fmt)
    assert (mine.rc, mine.out) == (real.rc, real.out)


@pytest.mark.parametrize(
    "args",
    [
        ("flavor", "list"),
        ("flavor", "show", "m1.tiny"),
        ("project", "list"),
        # Keystone forbids a member to look projects up by name: same error, both sides.
        ("project", "show", "demo"),
        ("flavor", "create", "member-may-not"),
    ],
)
def test_member_json(clients: SideBySide, args: tuple[str, ...]) -> None:
    assert_same(*clients.both(*args, "-f", "json", cloud=clients.member()))


@pytest.mark.parametrize("who", ["admin", "member"])
def test_token_issue(clients: SideBySide, who: str) -> None:
    cloud = clients.member() if who == "member" else clients.target.admin
    real, mine = clients.both("token", "issue", "-f", "json", cloud=cloud)
    assert_same(real, mine, volatile=("id", "expires"))
    token = mine.json()
    assert token["id"].startswith("gAAAA") and token["id"] != real.json()["id"]
    assert len(token["expires"]) == len("2026-11-29T02:05:27+0000")
    assert token["expires"].endswith("+0000")


@pytest.fixture
def two_flavor_names(clients: SideBySide) -> Iterator[tuple[str, str]]:
    names = (unique("osc"), unique("ostack"))
    yield names
    for name in names:
        clients.ostack("flavor", "delete", name)


def test_flavor_create_show_set_unset_delete(
    clients: SideBySide, two_flavor_names: tuple[str, str]
) -> None:
    theirs, ours = two_flavor_names
    spec = ("--ram", "128", "--disk", "2", "--vcpus", "2", "--ephemeral", "1", "--swap", "16",
            "--property", "hw:cpu_policy=shared", "--description", "conformance", "-f", "json")
    real = clients.openstack("flavor", "create", theirs, *spec)
    mine = clients.ostack("flavor", "create", ours, *spec)
    assert_same(real, mine, volatile=("id", "name"))
    assert (real.json()["name"], mine.json()["name"]) == (theirs, ours)

    assert_same(clients.openstack("flavor", "show", theirs, "-f", "json"),
                clients.ostack("flavor", "show", ours, "-f", "json"), volatile=("id", "name"))

    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        done = run("flavor", "set", name, "--property", "a=1", "--property", "b=2")
        assert (done.rc, done.out, done.err) == (0, "", "")
        done = run("flavor", "unset", name, "--property", "a", "--property", "nosuch")
        assert (done.rc, done.out, done.err) == (0, "", "")
    real_props = clients.openstack("flavor", "show", theirs, "-f", "json").json()["properties"]
    assert real_props == {"hw:cpu_policy": "shared", "b": "2"}
    assert clients.ostack("flavor", "show", ours, "-f", "json").json()["properties"] == \
        real_props

    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        done = run("flavor", "delete", name)
        assert (done.rc, done.out, done.err) == (0, "", "")
    real, mine = (clients.openstack("flavor", "show", theirs),
                  clients.ostack("flavor", "show", ours))
    assert (real.rc, real.err) == (1, f"No Flavor found for {theirs}\n")
    assert (mine.rc, mine.err) == (1, f"No Flavor found for {ours}\n")


def test_private_flavor_with_project_access(
    clients: SideBySide, two_flavor_names: tuple[str, str]
) -> None:
    theirs, ours = two_flavor_names
    spec = ("--private", "--project", "demo", "-f", "json")
    assert_same(clients.openstack("flavor", "create", theirs, *spec),
                clients.ostack("flavor", "create", ours, *spec), volatile=("id", "name"))
    real = clients.openstack("flavor", "show", theirs, "-f", "json")
    mine = clients.ostack("flavor", "show", ours, "-f", "json")
    assert_same(real, mine, volatile=("id", "name"))
    assert len(mine.json()["access_project_ids"]) == 1
    # Private flavors are listed with --private and --all only.
    listed = clients.ostack("flavor", "list", "--private", "-f", "value", "-c", "Name").out
    assert ours in listed.split()
    assert ours not in clients.ostack("flavor", "list", "-f", "value", "-c", "Name").out


def test_flavor_errors(clients: SideBySide) -> None:
    # A name Nova already has.
    assert_same(*clients.both("flavor", "create", "m1.tiny"))
    # An ID Nova already has.
    assert_same(*clients.both("flavor", "create", "--id", "1", unique("dupid")))
    # Not there at all.
    assert_same(*clients.both("flavor", "show", "no-such-flavor"))
    real, mine = clients.both("flavor", "delete", "no-such-flavor")
    assert_same(real, mine)
    assert mine.err == (
        "Failed to delete flavor with name or ID 'no-such-flavor': No Flavor found for "
        "no-such-flavor\n1 of 1 flavors failed to delete.\n"
    )


def test_deleted_flavor_is_gone(clients: SideBySide) -> None:
    name = unique("gone")
    created = clients.ostack("flavor", "create", name, "-f", "json")
    assert created.rc == 0, created.err
    flavor_id = created.json()["id"]
    assert clients.ostack("flavor", "delete", flavor_id).rc == 0
    for ref in (name, flavor_id):
        assert_same(*clients.both("flavor", "show", ref))
        assert clients.ostack("flavor", "show", ref).err == f"No Flavor found for {ref}\n"


@pytest.fixture
def project_names(clients: SideBySide) -> Iterator[tuple[str, str]]:
    names = (unique("osc"), unique("ostack"))
    yield names
    for name in names:
        clients.ostack("project", "delete", name)


def test_project_create_set_delete(clients: SideBySide, project_names: tuple[str, str]) -> None:
    theirs, ours = project_names
    spec = ("--description", "conformance", "--tag", "b", "--tag", "a", "-f", "json")
    real = clients.openstack("project", "create", theirs, *spec)
    mine = clients.ostack("project", "create", ours, *spec)
    # Tag order follows a set on both sides; compare them sorted.
    real_json, mine_json = real.json(), mine.json()
    assert sorted(mine_json.pop("tags")) == sorted(real_json.pop("tags")) == ["a", "b"]
    assert sorted(mine_json) == sorted(real_json)
    for key in ("description", "domain_id", "enabled", "is_domain", "options", "parent_id"):
        assert mine_json[key] == real_json[key], key

    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        done = run("project", "set", name, "--disable", "--description", "changed",
                   "--tag", "c")
        assert (done.rc, done.out, done.err) == (0, "", "")
    real = clients.openstack("project", "show", theirs, "-f", "json").json()
    mine = clients.ostack("project", "show", ours, "-f", "json").json()
    assert (mine["enabled"], mine["description"], mine["tags"]) == \
        (real["enabled"], real["description"], real["tags"]) == (False, "changed",
                                                                  ["a", "b", "c"])

    # --or-show returns the existing project; without it Keystone's conflict.
    again = clients.ostack("project", "create", ours, "--or-show", "-f", "json")
    assert (again.rc, again.err, again.json()["id"]) == (0, "", mine["id"])
    real, mine_run = clients.both("project", "create", theirs)
    assert (real.rc, mine_run.rc) == (1, 1)
    assert mine_run.err.startswith(
        "ConflictException: 409: Client Error for url: ")
    assert mine_run.err.split(", ", 1)[1].split(": name is")[0] == \
        real.err.split(", ", 1)[1].split(": name is")[0]

    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        done = run("project", "delete", name)
        assert (done.rc, done.out, done.err) == (0, "", "")
    assert_same(clients.openstack("project", "show", theirs),
                clients.ostack("project", "show", theirs))


def test_wrong_password(clients: SideBySide) -> None:
    real, mine = clients.both("--os-password", "wrong", "flavor", "list")
    assert_same(real, mine)
    assert mine.err.startswith(
        "The request you have made requires authentication. (HTTP 401) (Request-ID: req-")
    assert "wrong" not in mine.err


def test_unknown_cloud(clients: SideBySide) -> None:
    real, mine = clients.both("flavor", "list", cloud="no-such-cloud")
    assert_same(real, mine)
    assert mine.err == "Cloud no-such-cloud was not found.\n"


def test_unreachable_endpoint(clients: SideBySide) -> None:
    args = ("--os-auth-url", "http://127.0.0.1:9/v3", "flavor", "list")
    real, mine = clients.both(*args)
    assert_same(real, mine)
    assert mine.err.splitlines()[-1].startswith(
        "Unable to establish connection to http://127.0.0.1:9/v3/auth/tokens: ")


def test_debug_shows_http_without_secrets(ostack_only: SideBySide) -> None:
    done = ostack_only.ostack("--debug", "token", "issue", "-f", "value", "-c", "id")
    assert done.rc == 0, done.err
    token = done.out.strip()
    assert "REQ: curl -g -i -X GET http" in done.err
    assert "RESP BODY:" in done.err
    assert token not in done.err
    password = ostack_only.target.password
    if password:
        assert password not in done.err
    listed = ostack_only.ostack("--debug", "flavor", "list")
    assert listed.rc == 0, listed.err
    tokens = listed.err.count('-H "X-Auth-Token: ')
    assert tokens >= 1
    assert listed.err.count('-H "X-Auth-Token: {SHA256}') == tokens


def test_microversion_option(clients: SideBySide) -> None:
    # At 2.1 Nova has no flavor description: both clients refuse --description the same way.
    args = ("--os-compute-api-version", "2.1", "flavor", "create", unique("mv"),
            "--description", "x")
    assert_same(*clients.both(*args))
    assert_same(*clients.both("--os-compute-api-version", "2.1", "flavor", "show", "m1.tiny",
                              "-f", "json"))
