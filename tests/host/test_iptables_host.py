"""What the apply layer relies on from iptables-nft 1.8.9, asserted in a sandbox namespace."""

from __future__ import annotations

import dataclasses
import re
import time
import uuid

import pytest

from ostack_cli.backend.local import firewall, iptables
from ostack_cli.backend.local.firewall import PortFilter, RuleSpec
from tests.host.conftest import Sandbox, in_ns


def _ports(count: int, rules_per_port: int) -> list[PortFilter]:
    rules = (
        *(RuleSpec(direction="ingress", protocol="tcp", port_range_min=1000 + i,
                   port_range_max=1000 + i, remote_ip_prefix=f"10.{i // 250}.{i % 250}.0/24")
          for i in range(rules_per_port)),
        RuleSpec(direction="egress"),
        RuleSpec(direction="ingress", protocol="icmp", remote_addresses=("10.0.0.1", "10.0.0.2")),
    )
    ports = []
    for n in range(count):
        port_id = str(uuid.UUID(int=(n + 1) << 96))
        ports.append(PortFilter(port_id=port_id, tap=f"osttap{n:09d}",
                                mac=f"fa:16:3e:00:00:{n:02x}", fixed_ips=(f"10.0.0.{n + 10}",
                                                                          f"2001:db8::{n + 10:x}"),
                                rules=rules))
    return ports


def _saved(namespace: str, *, family: iptables.Family = 4, table: str = "filter") -> list[str]:
    """``*-save`` without its comments and counters."""
    text = iptables.save(table=table, family=family, namespace=namespace)
    return [re.sub(r"\[\d+:\d+\]", "[0:0]", line) for line in text.splitlines()
            if not line.startswith("#")]


def test_redeclaring_an_existing_chain_under_noflush_flushes_it(sandbox: Sandbox) -> None:
    iptables.apply("*filter\n:ostack-x - [0:0]\n-A ostack-x -j DROP\n-A ostack-x -j ACCEPT\n"
                   "COMMIT\n", namespace=sandbox.hv)
    iptables.apply("*filter\n:ostack-x - [0:0]\n-A ostack-x -j RETURN\nCOMMIT\n",
                   namespace=sandbox.hv)
    rules = [line for line in _saved(sandbox.hv) if line.startswith("-A ostack-x")]
    assert rules == ["-A ostack-x -j RETURN"]


def test_noflush_keeps_chains_the_text_does_not_name(sandbox: Sandbox) -> None:
    in_ns(sandbox.hv, "iptables", "-N", "someone-else")
    in_ns(sandbox.hv, "iptables", "-A", "someone-else", "-j", "ACCEPT")
    iptables.apply("*filter\n:ostack-x - [0:0]\nCOMMIT\n", namespace=sandbox.hv)
    assert "-A someone-else -j ACCEPT" in _saved(sandbox.hv)


def test_sync_twice_changes_nothing_and_saves_what_was_rendered(sandbox: Sandbox) -> None:
    ports = _ports(3, 5)
    iptables.sync_port_filters(ports, namespace=sandbox.hv)
    first = {f: _saved(sandbox.hv, family=f) for f in (4, 6)}
    bridge = _saved(sandbox.hv, family="eb", table="nat")
    iptables.sync_port_filters(ports, namespace=sandbox.hv)
    assert {f: _saved(sandbox.hv, family=f) for f in (4, 6)} == first
    assert _saved(sandbox.hv, family="eb", table="nat") == bridge
    # The renderer writes rules exactly as *-save prints them, so a diff is meaningful.
    for family in (4, 6):
        rendered = [line for line in firewall.render_filter_table(ports, family=family)
                    .splitlines() if line.startswith("-A ")]
        saved = [line for line in first[family] if line.startswith("-A ostack-")]
        assert sorted(saved) == sorted(rendered)
    rendered_eb = [line for line in firewall.render_bridge_table(ports).splitlines()
                   if line.startswith("-A ")]
    assert sorted(line for line in bridge if line.startswith("-A ostack-")) == sorted(
        rendered_eb)
    hooks = [line for line in first[4] if line.startswith(("-A FORWARD", "-A INPUT"))]
    assert hooks == ["-A INPUT -j ostack-INPUT", "-A FORWARD -j ostack-FORWARD"]
    assert "-A PREROUTING -j ostack-PREROUTING" in bridge


def test_updates_that_rewrite_only_changed_chains_converge_to_the_full_ruleset(
    sandbox: Sandbox,
) -> None:
    ports = _ports(4, 3)
    iptables.sync_port_filters(ports, namespace=sandbox.hv)
    extra = RuleSpec(direction="ingress", protocol="udp", port_range_min=53)
    changed = [dataclasses.replace(ports[1], rules=(*ports[1].rules, extra)), *ports[2:],
               dataclasses.replace(ports[0], port_security=False)]
    iptables.sync_port_filters(changed, namespace=sandbox.hv)
    for family in (4, 6):
        rendered = [line for line in firewall.render_filter_table(changed, family=family)
                    .splitlines() if line.startswith("-A ")]
        saved = [line for line in _saved(sandbox.hv, family=family)
                 if line.startswith("-A ostack-")]
        assert saved == rendered


def test_chains_of_removed_ports_are_deleted(sandbox: Sandbox) -> None:
    ports = _ports(3, 2)
    iptables.sync_port_filters(ports, namespace=sandbox.hv)
    gone = ports[1].port_id
    iptables.sync_port_filters([ports[0], ports[2]], namespace=sandbox.hv)
    for family in (4, 6):
        chains = iptables.list_chains(family=family, namespace=sandbox.hv)
        for chain in (firewall.ingress_chain(gone), firewall.egress_chain(gone),
                      firewall.spoof_chain(gone)):
            assert chain not in chains
        assert firewall.ingress_chain(ports[0].port_id) in chains
    eb = iptables.list_chains(table="nat", family="eb", namespace=sandbox.hv)
    assert firewall.bridge_port_chain(gone) not in eb
    iptables.sync_port_filters([], namespace=sandbox.hv)
    assert iptables.list_chains(namespace=sandbox.hv) == sorted(
        [firewall.FORWARD_CHAIN, firewall.INPUT_CHAIN, firewall.SG_CHAIN,
         firewall.FALLBACK_CHAIN])


def test_hooks_are_installed_once(sandbox: Sandbox) -> None:
    for _ in range(2):
        iptables.ensure_hook("FORWARD", "ostack-FORWARD", namespace=sandbox.hv)
        iptables.ensure_hook("PREROUTING", "ostack-PREROUTING", table="nat", family="eb",
                             namespace=sandbox.hv)
    assert _saved(sandbox.hv).count("-A FORWARD -j ostack-FORWARD") == 1
    assert _saved(sandbox.hv, family="eb", table="nat").count(
        "-A PREROUTING -j ostack-PREROUTING") == 1
    iptables.remove_hook("FORWARD", "ostack-FORWARD", namespace=sandbox.hv)
    assert "ostack-FORWARD" not in iptables.list_chains(namespace=sandbox.hv)


def test_a_rejected_ruleset_names_its_line_and_changes_nothing(sandbox: Sandbox) -> None:
    iptables.apply("*filter\n:ostack-x - [0:0]\n-A ostack-x -j ACCEPT\nCOMMIT\n",
                   namespace=sandbox.hv)
    before = _saved(sandbox.hv)
    bad = ("*filter\n:ostack-x - [0:0]\n-A ostack-x -j DROP\n-A ostack-x -j RETURN\n"
           "-X ostack-not-there\nCOMMIT\n")
    with pytest.raises(iptables.RulesetError) as caught:
        iptables.apply(bad, namespace=sandbox.hv)
    assert ">     5  -X ostack-not-there" in str(caught.value)
    assert "      2  :ostack-x - [0:0]" in str(caught.value)
    assert _saved(sandbox.hv) == before


def test_apply_cost_does_not_grow_badly_with_ports(sandbox: Sandbox) -> None:
    """The issue's benchmark: 20 ports x 200 rules, one rule added to the group they share."""
    timings = {}
    for count in (5, 20):
        ports = _ports(count, 200)
        iptables.sync_port_filters(ports, namespace=sandbox.hv)
        runs = []
        for n in range(5):
            extra = RuleSpec(direction="ingress", protocol="udp", port_range_min=n + 1)
            changed = [dataclasses.replace(p, rules=(*p.rules, extra)) for p in ports]
            start = time.perf_counter()
            iptables.sync_port_filters(changed, namespace=sandbox.hv)
            runs.append(time.perf_counter() - start)
        timings[count] = sorted(runs)[2]
    print(f"one rule change, median: 5 ports {timings[5]:.3f} s, 20 ports {timings[20]:.3f} s")
    assert timings[20] < 2.0
    assert timings[20] < 5 * timings[5] + 0.2
