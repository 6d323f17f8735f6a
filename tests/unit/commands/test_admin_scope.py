"""Neutron's scope of an admin: acting in the ``admin`` project (where the local user holds
the admin role), every project's networks, subnets, ports, routers and floating IPs are
found by name and listed; a project member sees its own (and shared or external networks)."""

from __future__ import annotations

from tests.conftest import Runner

DEMO = ("--os-project-name", "demo")


def value(cli: Runner, *args: str) -> str:
    result = cli(*args, "-f", "value", "-c", "id")
    assert result.rc == 0, result.err
    return result.out.strip()


def test_an_admin_acts_by_name_on_another_projects_resources(cli: Runner) -> None:
    net = value(cli, *DEMO, "network", "create", "demo-net")
    sub = value(cli, *DEMO, "subnet", "create", "demo-sub", "--network", "demo-net",
                "--subnet-range", "10.5.0.0/24")
    port = value(cli, *DEMO, "port", "create", "demo-port", "--network", "demo-net")
    router = value(cli, *DEMO, "router", "create", "demo-router")
    demo = cli("project", "show", "demo", "-f", "value", "-c", "id").out.strip()
    assert value(cli, "network", "show", "demo-net") == net
    assert value(cli, "subnet", "show", "demo-sub") == sub
    assert value(cli, "port", "show", "demo-port") == port
    assert value(cli, "router", "show", "demo-router") == router
    assert cli("router", "add", "subnet", "demo-router", "demo-sub").rc == 0
    assert cli("router", "set", "demo-router", "--description", "by admin").rc == 0
    assert cli(*DEMO, "router", "show", "demo-router", "-f", "value", "-c",
               "description").out == "by admin\n"
    # Listed too, and filtered by project (name or ID).
    for project in ("demo", demo):
        assert cli("router", "list", "--project", project, "-f", "value", "-c",
                   "Name").out == "demo-router\n"
    assert cli("network", "list", "--project", "demo", "-f", "value", "-c", "Name").out == (
        "demo-net\n")
    assert "demo-port" in cli("port", "list", "-f", "value", "-c", "Name").out.split()
    assert cli("router", "delete", "demo-router").rc == 1  # an interface is still attached


def test_a_member_sees_its_own_only(cli: Runner) -> None:
    assert cli("network", "create", "admin-net").rc == 0
    assert cli("router", "create", "admin-router").rc == 0
    assert cli(*DEMO, "network", "show", "admin-net").err.strip() == (
        "No Network found for admin-net")
    assert cli(*DEMO, "router", "show", "admin-router").err.strip() == (
        "No Router found for admin-router")
    assert cli(*DEMO, "router", "list", "-f", "value").out == ""
    # A member may not look projects up: the name is taken as an ID, which owns nothing.
    listed = cli(*DEMO, "router", "list", "--project", "admin", "-f", "value")
    assert (listed.rc, listed.out, listed.err) == (0, "", "")


def test_names_shared_across_projects_are_ambiguous_to_an_admin(cli: Runner) -> None:
    assert cli("network", "create", "private").rc == 0
    assert cli(*DEMO, "network", "create", "private").rc == 0
    assert cli("network", "show", "private").err.strip() == (
        "More than one Network exists with the name 'private'.")
    # Each project still finds its own by name.
    assert cli(*DEMO, "network", "show", "private", "-f", "value", "-c", "name").out == (
        "private\n")
