"""Users, roles, role assignments, domains, project properties and tokens: ostack's cloud
backend and the real client side by side against realstack's Keystone, as admin and as a
member; and the member's refusals the local backend copies, recorded from the real
services."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from tests.cloud.conftest import SideBySide, assert_same, normalise_error

pytestmark = [pytest.mark.cloud, pytest.mark.slow]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    "args",
    [
        ("user", "list"),
        ("user", "list", "--long"),
        ("user", "list", "--domain", "default"),
        ("user", "list", "--project", "admin"),
        ("user", "show", "admin"),
        ("role", "list"),
        ("role", "list", "--domain", "default"),
        ("role", "show", "admin"),
        ("role", "show", "member"),
        ("role", "assignment", "list", "--user", "admin", "--names"),
        ("role", "assignment", "list", "--user", "admin", "--names", "--effective"),
        ("role", "assignment", "list", "--system", "all", "--names"),
        ("role", "assignment", "list", "--auth-user", "--auth-project"),
        ("domain", "list"),
        ("domain", "list", "--name", "Default"),
        ("domain", "show", "default"),
        ("domain", "show", "Default"),
        ("project", "list", "--my-projects"),
        ("project", "list", "--user", "admin", "--long"),
        ("project", "list", "--domain", "default"),
    ],
)
def test_admin_reads(clients: SideBySide, args: tuple[str, ...]) -> None:
    assert_same(*clients.both(*args, "-f", "json"), unordered=True)


@pytest.mark.parametrize(
    "args",
    [
        ("user", "show", "admin"),
        ("domain", "show", "default"),
        ("role", "show", "admin"),
    ],
)
def test_admin_reads_table(clients: SideBySide, args: tuple[str, ...]) -> None:
    # Show fields come in the real client's order, not sorted.
    real, mine = clients.both(*args)
    assert (mine.rc, mine.out) == (real.rc, real.out)


@pytest.mark.parametrize(
    "args",
    [
        ("user", "show", "nosuch"),
        ("user", "delete", "nosuch", "nosuch2"),
        ("user", "create", "--domain", "nosuch", "x"),
        ("user", "create", "--project", "nosuch", "x"),
        ("user", "list", "--domain", "nosuch"),
        ("role", "show", "nosuch"),
        ("role", "create", "admin"),
        ("role", "delete", "admin"),
        ("role", "add", "member"),
        ("role", "add", "--user", "admin", "member"),
        ("role", "add", "--user", "nosuch", "--project", "demo", "member"),
        ("role", "add", "--user", "admin", "--project", "demo", "nosuch"),
        ("role", "remove", "member"),
        ("role", "assignment", "list", "--user", "nosuch"),
        ("role", "assignment", "list", "--project", "nosuch"),
        ("domain", "show", "nosuch"),
        ("project", "list", "--domain", "nosuch"),
        ("project", "list", "--user", "nosuch"),
        ("project", "delete", "nosuch"),
        ("token", "revoke", "garbage"),
    ],
)
def test_admin_errors(clients: SideBySide, args: tuple[str, ...]) -> None:
    assert_same(*clients.both(*args))


@pytest.mark.parametrize(
    "args",
    [
        ("user", "list"),
        ("user", "show", "demo"),
        ("user", "create", "--password", "x", "member-may-not"),
        ("role", "list"),
        ("role", "show", "admin"),
        ("role", "create", "member-may-not"),
        ("role", "assignment", "list"),
        ("domain", "list"),
        ("domain", "show", "default"),
        ("domain", "show", "Default"),
        ("project", "list"),
        ("project", "list", "--my-projects"),
        ("project", "list", "--domain", "default"),
        ("project", "create", "member-may-not"),
        ("project", "show", "admin"),
    ],
)
def test_member_identity(clients: SideBySide, args: tuple[str, ...]) -> None:
    assert_same(*clients.both(*args, "-f", "json", cloud=clients.member()))


def test_member_role_add_is_refused_silently(clients: SideBySide) -> None:
    # openstacksdk reports Keystone's 403 on the grant as False; the real client exits 0.
    args = ("role", "add", "--user", "demo", "--project", "demo", "admin")
    real, mine = clients.both(*args, cloud=clients.member())
    assert (real.rc, real.out, real.err) == (mine.rc, mine.out, mine.err) == (0, "", "")
    rows = clients.ostack("role", "assignment", "list", "--user", "demo", "--names", "-f",
                          "json").json()
    assert "admin" not in {r["Role"] for r in rows}


# The member's refusals by the other services, which the local backend words the same way
# (backend/local/policy.py): recorded here from the real services.
MEMBER_REFUSALS = [
    (("hypervisor", "list"),
     "Policy doesn't allow os_compute_api:os-hypervisors:list-detail to be performed."),
    (("hypervisor", "show", "1"),
     "Policy doesn't allow os_compute_api:os-hypervisors:list to be performed."),
    (("server", "list", "--all-projects"),
     "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed."),
    (("flavor", "create", "--ram", "64", "--disk", "1", "--vcpus", "1", "member-may-not"),
     "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed."),
    (("network", "create", "--external", "member-may-not"),
     "(rule:create_network and rule:create_network:router:external) is disallowed by "
     "policy"),
    (("network", "create", "--share", "member-may-not"),
     "(rule:create_network and rule:create_network:shared) is disallowed by policy"),
    (("network", "create", "--share", "--external", "member-may-not"),
     "((rule:create_network and rule:create_network:shared) and "
     "rule:create_network:router:external) is disallowed by policy"),
    (("router", "create", "--external-gateway", "public", "--disable-snat", "member-may-not"),
     "(rule:create_router and (rule:create_router:external_gateway_info and "
     "(rule:create_router:external_gateway_info:network_id and "
     "rule:create_router:external_gateway_info:enable_snat))) is disallowed by policy"),
    (("port", "create", "--network", "public", "member-may-not"),
     "rule:create_port is disallowed by policy"),
    (("keypair", "list", "--user", "admin"),
     "Policy doesn't allow os_compute_api:os-keypairs:index to be performed."),
    (("image", "create", "--public", "member-may-not"),
     "403 Forbidden: You are not authorized to complete publicize_image action."),
]


@pytest.mark.parametrize(("args", "service_text"), MEMBER_REFUSALS)
def test_member_refusals_are_the_services_words(
    clients: SideBySide, args: tuple[str, ...], service_text: str
) -> None:
    real, mine = clients.both(*args, cloud=clients.member())
    assert_same(real, mine)
    # The real client prints "<Exception>: 403: Client Error for url: <url>, <text>": the
    # local backend, which has no URL, prints the text.
    assert real.rc == 1
    assert normalise_error(real.err).rstrip("\n").endswith(", " + service_text)


@pytest.fixture
def scratch(clients: SideBySide) -> Iterator[dict[str, str]]:
    """Two users and a project of the test's own, named uniquely; removed even on failure."""
    names = {"theirs": unique("osc-user"), "ours": unique("ostack-user"),
             "project": unique("ostack-proj")}
    try:
        yield names
    finally:
        clients.ostack("user", "delete", names["theirs"], names["ours"])
        clients.ostack("project", "delete", names["project"])


def test_user_lifecycle(clients: SideBySide, scratch: dict[str, str]) -> None:
    theirs, ours, project = scratch["theirs"], scratch["ours"], scratch["project"]
    assert clients.ostack("project", "create", project).rc == 0
    spec = ("--password", "s3cret-pw", "--email", "a@b.c", "--description", "hello",
            "--project", project, "-f", "json")
    real = clients.openstack("user", "create", theirs, *spec)
    mine = clients.ostack("user", "create", ours, *spec)
    assert_same(real, mine, volatile=("id", "name"))
    assert list(mine.json()) == list(real.json())
    assert "s3cret-pw" not in mine.out + mine.err

    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        done = run("user", "set", name, "--email", "x@y", "--disable", "--description", "d2")
        assert (done.rc, done.out, done.err) == (0, "", "")
    assert_same(clients.openstack("user", "show", theirs, "-f", "json"),
                clients.ostack("user", "show", ours, "-f", "json"), volatile=("id", "name"))

    # Duplicate names: Keystone's conflict, as each client prints it; --or-show shows it.
    real, mine = (clients.openstack("user", "create", "--password", "p", theirs),
                  clients.ostack("user", "create", "--password", "p", ours))
    assert (real.rc, mine.rc) == (1, 1)
    assert mine.err.replace(ours, "NAME") == real.err.replace(theirs, "NAME")
    shown = clients.ostack("user", "create", "--or-show", "--password", "p", ours, "-f",
                           "json")
    assert (shown.rc, shown.json()["name"]) == (0, ours)

    # Roles on the project, for both users; listed by user, by project, effective.
    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        done = run("role", "add", "--user", name, "--project", project, "member")
        assert (done.rc, done.out, done.err) == (0, "", "")
    for args in (("--names",), ("--names", "--effective"), ()):
        real = clients.openstack("role", "assignment", "list", "--user", theirs, *args,
                                 "-f", "json")
        mine = clients.ostack("role", "assignment", "list", "--user", ours, *args, "-f",
                              "json")
        assert_same(real, mine, volatile=("User",), unordered=True)
    assert_same(*clients.both("role", "assignment", "list", "--project", project, "--names",
                              "-f", "json"), unordered=True)
    assert_same(*clients.both("user", "list", "--project", project, "-f", "json"),
                unordered=True)
    real = clients.openstack("project", "list", "--user", theirs, "-f", "json")
    mine = clients.ostack("project", "list", "--user", ours, "-f", "json")
    assert_same(real, mine)
    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        for _ in range(2):  # removing what is gone is no error either
            done = run("role", "remove", "--user", name, "--project", project, "member")
            assert (done.rc, done.out, done.err) == (0, "", "")

    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        done = run("user", "delete", name)
        assert (done.rc, done.out, done.err) == (0, "", "")
    real, mine = (clients.openstack("user", "show", theirs),
                  clients.ostack("user", "show", ours))
    assert (real.err.replace(theirs, "N"), real.rc) == (mine.err.replace(ours, "N"), mine.rc)


@pytest.fixture
def property_projects(clients: SideBySide) -> Iterator[tuple[str, str]]:
    names = (unique("osc-props"), unique("ostack-props"))
    try:
        yield names
    finally:
        for name in names:
            clients.ostack("project", "delete", name)


def test_project_properties(clients: SideBySide, property_projects: tuple[str, str]) -> None:
    theirs, ours = property_projects
    spec = ("--property", "foo=bar", "--property", "enabled=no", "-f", "json")
    assert_same(clients.openstack("project", "create", theirs, *spec),
                clients.ostack("project", "create", ours, *spec), volatile=("id", "name"))
    for name, run in ((theirs, clients.openstack), (ours, clients.ostack)):
        done = run("project", "set", name, "--property", "color=red", "--property", "foo=")
        assert (done.rc, done.out, done.err) == (0, "", "")
    assert_same(clients.openstack("project", "show", theirs, "-f", "json"),
                clients.ostack("project", "show", ours, "-f", "json"), volatile=("id", "name"))
    assert_same(*clients.both("project", "create", "--property", "tags=x", unique("bad")))


def test_token_revoke(clients: SideBySide) -> None:
    token = clients.ostack("token", "issue", "-f", "value", "-c", "id").out.strip()
    done = clients.ostack("token", "revoke", token)
    assert (done.rc, done.out, done.err) == (0, "", "")
    real, mine = clients.both("token", "revoke", token)
    assert_same(real, mine)
    assert re.fullmatch(r"Failed to validate token \(HTTP 404\) \(Request-ID: req-<id>\)\n",
                        normalise_error(mine.err))
    admins = clients.ostack("token", "issue", "-f", "value", "-c", "id").out.strip()
    try:
        assert_same(*clients.both("token", "revoke", admins, cloud=clients.member()))
    finally:
        clients.ostack("token", "revoke", admins)
