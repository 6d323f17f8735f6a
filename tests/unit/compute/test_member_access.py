"""Two people on one host: a member sees only its project's servers, networks and ports, and
admin-only actions answer with the real services' 403 texts, changing nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]


def as_bob(cli: Runner) -> Runner:
    def run(*args: str, stdin: str | None = None) -> Any:
        return cli("--os-username", "bob", "--os-password", "pw", "--os-project-name", "demo",
                   *args, stdin=stdin)

    return run


@pytest.fixture
def two_people(compute: Runner) -> tuple[Runner, Runner]:
    """The admin with a server on ``private``; bob, a member of ``demo``, with his own."""
    admin = compute
    assert admin("user", "create", "--password", "pw", "bob").rc == 0
    assert admin("role", "add", "--user", "bob", "--project", "demo", "member").rc == 0
    assert admin("image", "set", "--public", "cirros").rc == 0
    made = admin("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                 "net-id=private", "adminvm")
    assert made.rc == 0, made.err
    bob = as_bob(compute)
    assert bob("network", "create", "bobnet").rc == 0
    made = bob("subnet", "create", "--network", "bobnet", "--subnet-range", "10.9.0.0/24",
               "bobsub")
    assert made.rc == 0, made.err
    made = bob("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
               "net-id=bobnet", "bobvm")
    assert made.rc == 0, made.err
    return admin, bob


def names(result: Any, column: str = "Name") -> list[str]:
    assert result.rc == 0, result.err
    return sorted(row[column] for row in result.json())


def test_a_member_sees_only_its_projects_resources(two_people: tuple[Runner, Runner]) -> None:
    admin, bob = two_people
    assert names(bob("server", "list", "-f", "json")) == ["bobvm"]
    assert bob("server", "show", "adminvm").err == "No Server found for adminvm\n"
    assert names(bob("network", "list", "-f", "json")) == ["bobnet"]
    assert bob("network", "show", "private").err == "No Network found for private\n"
    assert names(bob("subnet", "list", "-f", "json")) == ["bobsub"]
    bob_ports = bob("port", "list", "-f", "json").json()
    demo = admin("project", "show", "demo", "-f", "value", "-c", "id").out.strip()
    for port in bob_ports:
        shown = bob("port", "show", port["ID"], "-f", "json").json()
        assert shown["project_id"] == demo
    admin_ports = [p["ID"] for p in admin("port", "list", "--network", "private", "-f",
                                          "json").json()]
    assert admin_ports
    assert not set(admin_ports) & {p["ID"] for p in bob_ports}
    assert bob("port", "show", admin_ports[0]).err == f"No Port found for {admin_ports[0]}\n"
    # The admin, in its project, lists its own servers; every project's with --all-projects.
    assert names(admin("server", "list", "-f", "json")) == ["adminvm"]
    assert names(admin("server", "list", "--all-projects", "-f", "json")) == ["adminvm",
                                                                            "bobvm"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hypervisor", "list"],
         "Policy doesn't allow os_compute_api:os-hypervisors:list-detail to be performed."),
        (["hypervisor", "show", "1"],
         "Policy doesn't allow os_compute_api:os-hypervisors:list to be performed."),
        (["server", "list", "--all-projects"],
         "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed."),
        (["flavor", "create", "--ram", "64", "--disk", "1", "--vcpus", "1", "f"],
         "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed."),
        (["flavor", "delete", "m1.tiny"],
         "Failed to delete flavor with name or ID 'm1.tiny': Policy doesn't allow "
         "os_compute_api:os-flavor-manage:delete to be performed.\n"
         "1 of 1 flavors failed to delete."),
        (["flavor", "set", "--property", "a=b", "m1.tiny"],
         "Failed to set flavor properties: Policy doesn't allow "
         "os_compute_api:os-flavor-extra-specs:create to be performed.\n"
         "Command Failed: One or more of the operations failed"),
        (["keypair", "list", "--user", "admin"],
         "Policy doesn't allow os_compute_api:os-keypairs:index to be performed."),
        (["network", "create", "--external", "x"],
         "(rule:create_network and rule:create_network:router:external) is disallowed by "
         "policy"),
        (["network", "create", "--share", "x"],
         "(rule:create_network and rule:create_network:shared) is disallowed by policy"),
        (["network", "create", "--share", "--external", "x"],
         "((rule:create_network and rule:create_network:shared) and "
         "rule:create_network:router:external) is disallowed by policy"),
        (["network", "set", "--external", "bobnet"],
         "(rule:update_network and rule:update_network:router:external) is disallowed by "
         "policy"),
        (["router", "create", "--external-gateway", "public", "--disable-snat", "r"],
         "(rule:create_router and (rule:create_router:external_gateway_info and "
         "(rule:create_router:external_gateway_info:network_id and "
         "rule:create_router:external_gateway_info:enable_snat))) is disallowed by policy"),
        (["subnet", "create", "--network", "public", "--subnet-range", "10.8.0.0/24", "s"],
         "rule:create_subnet is disallowed by policy"),
        (["port", "create", "--network", "public", "p"],
         "rule:create_port is disallowed by policy"),
        (["port", "create", "--network", "bobnet", "--host", "h", "p"],
         "(rule:create_port and rule:create_port:binding:host_id) is disallowed by policy"),
        (["floating", "ip", "create", "--floating-ip-address", "192.168.61.50", "public"],
         "(rule:create_floatingip and rule:create_floatingip:floating_ip_address) is "
         "disallowed by policy"),
        (["image", "create", "--public", "img"],
         "403 Forbidden: You are not authorized to complete publicize_image action."),
        (["image", "set", "--public", "bobimg"], "Forbidden"),
        (["user", "list"],
         "You are not authorized to perform the requested action: identity:list_users."),
        (["user", "create", "--password", "x", "eve"],
         "You are not authorized to perform the requested action: identity:create_user."),
        (["project", "create", "p"],
         "You are not authorized to perform the requested action: identity:create_project."),
        (["project", "show", "admin"],
         "You are not authorized to perform the requested action: identity:list_projects."),
        (["role", "list"],
         "You are not authorized to perform the requested action: identity:list_roles."),
        (["role", "assignment", "list"],
         "You are not authorized to perform the requested action: "
         "identity:list_role_assignments."),
        (["domain", "list"],
         "You are not authorized to perform the requested action: identity:list_domains."),
    ],
)
def test_admin_only_actions_are_refused_with_the_services_words(
    two_people: tuple[Runner, Runner], store_snapshot: Snapshot, args: list[str],
    message: str,
) -> None:
    admin, bob = two_people
    assert admin("network", "create", "--external", "public").rc == 0
    assert admin("subnet", "create", "--network", "public", "--subnet-range",
                 "192.168.61.0/24", "public-subnet").rc == 0
    assert bob("image", "create", "bobimg").rc == 0
    before = store_snapshot()
    refused = bob(*args)
    assert (refused.rc, refused.out, refused.err) == (1, "", message + "\n")
    assert store_snapshot() == before


def test_quota_set_is_novas_first_then_neutrons(two_people: tuple[Runner, Runner],
                                                store_snapshot: Snapshot) -> None:
    admin, bob = two_people
    demo = admin("project", "show", "demo", "-f", "value", "-c", "id").out.strip()
    before = store_snapshot()
    assert bob("quota", "set", "--cores", "5", demo).err == (
        "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.\n")
    assert bob("quota", "set", "--networks", "5", demo).err == (
        "rule:update_quota is disallowed by policy\n")
    # By name, the project lookup is Keystone's to refuse first.
    assert bob("quota", "set", "--cores", "5", "demo").err == (
        "You are not authorized to perform the requested action: identity:list_projects.\n")
    assert store_snapshot() == before
    assert admin("quota", "set", "--cores", "5", "demo").rc == 0


def test_a_refused_role_add_exits_0_and_changes_nothing(two_people: tuple[Runner, Runner],
                                                        store_snapshot: Snapshot) -> None:
    # openstacksdk reports Keystone's 403 on the grant as False, which the real client
    # does not look at.
    _admin, bob = two_people
    before = store_snapshot()
    done = bob("role", "add", "--user", "bob", "--project", "demo", "admin")
    assert (done.rc, done.out, done.err) == (0, "", "")
    assert store_snapshot() == before
    assert bob("hypervisor", "list").rc == 1


def test_an_admin_role_makes_an_admin(two_people: tuple[Runner, Runner]) -> None:
    admin, bob = two_people
    assert admin("role", "add", "--user", "bob", "--project", "demo", "admin").rc == 0
    assert re.fullmatch(r"[0-9a-f-]{36}\n",
                        bob("hypervisor", "list", "-f", "value", "-c", "ID").out)
    assert names(bob("server", "list", "--all-projects", "-f", "json")) == ["adminvm", "bobvm"]
