"""A server of a project on a network another project shared with it through an RBAC policy
(Nova makes the port in the server's project; Neutron lets it, and then keeps the policy)."""

from __future__ import annotations

from tests.conftest import Runner

DEMO = ("--os-project-name", "demo")


def test_a_member_boots_on_a_network_shared_with_its_project(compute: Runner) -> None:
    assert compute("image", "set", "--public", "cirros").rc == 0
    made = compute(*DEMO, "server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                   "--nic", "net-id=private", "vm")
    assert made.rc == 1
    assert "private" in made.err
    policy = compute("network", "rbac", "create", "--type", "network", "--action",
                     "access_as_shared", "--target-project", "demo", "private", "-f", "value",
                     "-c", "id").out.strip()
    made = compute(*DEMO, "server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                   "--nic", "net-id=private", "vm", "-f", "json")
    assert made.rc == 0, made.err
    assert made.json()["addresses"] == {"private": ["10.0.0.2"]}
    assert compute("network", "rbac", "delete", policy).rc == 1
    assert compute(*DEMO, "server", "delete", "--wait", "vm").rc == 0
    assert compute("network", "rbac", "delete", policy).rc == 0
