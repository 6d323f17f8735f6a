"""``network agent list|show``: the host's DHCP, L3 and metadata agent roles as Neutron's
agents (an admin's view), with the real client's columns."""

from __future__ import annotations

import shutil

from tests.conftest import Runner

HEADERS = ["ID", "Agent Type", "Host", "Availability Zone", "Alive", "State", "Binary"]
SHOW_FIELDS = ["admin_state_up", "agent_type", "alive", "availability_zone", "binary",
               "configuration", "created_at", "description", "ha_chassis_priority",
               "ha_state", "host", "id", "last_heartbeat_at", "resources_synced",
               "started_at", "topic"]


def _alive(*tools: str) -> bool:
    return all(shutil.which(t) for t in tools)


def test_the_hosts_agents(cli: Runner) -> None:
    listed = cli("network", "agent", "list", "-f", "json")
    assert listed.rc == 0, listed.err
    rows = listed.json()
    assert [list(r) for r in rows] == [HEADERS] * 3
    assert [(r["Agent Type"], r["Binary"], r["Host"], r["Availability Zone"], r["State"])
            for r in rows] == [
        ("DHCP agent", "neutron-dhcp-agent", "localhost", "nova", True),
        ("L3 agent", "neutron-l3-agent", "localhost", "nova", True),
        ("Metadata agent", "neutron-metadata-agent", "localhost", None, True)]
    assert [r["Alive"] for r in rows] == [_alive("dnsmasq", "ip"), _alive("ip", "iptables"),
                                          _alive("ip")]
    # The same IDs from one command to the next.
    again = cli("network", "agent", "list", "-f", "value", "-c", "ID").out.split()
    assert again == [r["ID"] for r in rows]
    table = cli("network", "agent", "list").out
    assert "| UP    |" in table and ("| :-)   |" in table or "| XXX   |" in table)

    dhcp = cli("network", "agent", "list", "--agent-type", "dhcp", "-f", "json").json()
    assert [r["Agent Type"] for r in dhcp] == ["DHCP agent"]
    assert cli("network", "agent", "list", "--host", "elsewhere", "-f", "json").json() == []
    assert cli("network", "agent", "list", "--agent-type", "bgp", "-f", "json").json() == []
    paged = cli("network", "agent", "list", "--marker", rows[0]["ID"], "--limit", "1",
                "-f", "json").json()
    assert [r["ID"] for r in paged] == [rows[1]["ID"]]

    shown = cli("network", "agent", "show", rows[1]["ID"], "-f", "json")
    assert shown.rc == 0, shown.err
    body = shown.json()
    assert list(body) == SHOW_FIELDS
    assert (body["agent_type"], body["topic"], body["admin_state_up"],
            body["ha_chassis_priority"], body["ha_state"]) == (
        "L3 agent", "l3_agent", True, None, None)
    assert body["configuration"]["agent_mode"] == "legacy"
    assert body["configuration"]["routers"] == 0

    missing = cli("network", "agent", "show", "nope")
    assert (missing.rc, missing.err.strip()) == (1, "No Agent found for nope")
    bad_type = cli("network", "agent", "list", "--agent-type", "foo")
    assert bad_type.rc == 2


def test_agents_hosting_a_network_and_a_router(cli: Runner) -> None:
    assert cli("network", "create", "n1").rc == 0
    assert cli("network", "create", "bare").rc == 0
    assert cli("subnet", "create", "s1", "--network", "n1", "--subnet-range",
               "10.0.0.0/24").rc == 0
    assert cli("router", "create", "r1").rc == 0
    assert cli("router", "add", "subnet", "r1", "s1").rc == 0
    hosting = cli("network", "agent", "list", "--network", "n1", "-f", "json").json()
    assert [r["Agent Type"] for r in hosting] == ["DHCP agent"]
    # No DHCP-enabled subnet, no DHCP port: no agent hosts it.
    assert cli("network", "agent", "list", "--network", "bare", "-f", "json").json() == []
    l3 = cli("network", "agent", "list", "--router", "r1", "--long", "-f", "json").json()
    assert [(r["Agent Type"], r["HA State"]) for r in l3] == [("L3 agent", None)]
    assert list(l3[0]) == [*HEADERS, "HA State"]
    plain = cli("network", "agent", "list", "--router", "r1", "-f", "json").json()
    assert list(plain[0]) == HEADERS
    dhcp_id = hosting[0]["ID"]
    config = cli("network", "agent", "show", dhcp_id, "-f", "json").json()["configuration"]
    # The router's interface (no guest yet: no DHCP port either).
    assert (config["networks"], config["subnets"], config["ports"]) == (1, 1, 1)
    l3_config = cli("network", "agent", "show", l3[0]["ID"], "-f", "json").json()[
        "configuration"]
    assert (l3_config["routers"], l3_config["interfaces"]) == (1, 1)
    assert cli("network", "agent", "list", "--network", "nope").err.strip() == (
        "No Network found for nope")
    assert cli("network", "agent", "list", "--router", "nope").err.strip() == (
        "No Router found for nope")
    both = cli("network", "agent", "list", "--network", "n1", "--router", "r1")
    assert both.rc == 2


def test_a_member_sees_no_agent(cli: Runner) -> None:
    demo = ("--os-project-name", "demo")
    agent_id = cli("network", "agent", "list", "-f", "value", "-c", "ID").out.split()[0]
    assert cli(*demo, "network", "agent", "list", "-f", "json").json() == []
    shown = cli(*demo, "network", "agent", "show", agent_id)
    assert (shown.rc, shown.err.strip()) == (1, f"No Agent found for {agent_id}")
    assert cli(*demo, "network", "create", "mine").rc == 0
    refused = cli(*demo, "network", "agent", "list", "--network", "mine")
    assert refused.rc == 1
    assert refused.err.strip().endswith("rule:get_dhcp-agents is disallowed by policy")
    assert cli(*demo, "router", "create", "own").rc == 0
    refused = cli(*demo, "network", "agent", "list", "--router", "own")
    assert refused.rc == 1
    assert refused.err.strip().endswith("rule:get_l3-agents is disallowed by policy")
