"""What the apply layer relies on from iptables-nft 1.8.9, asserted in a sandbox namespace."""

from __future__ import annotations

import dataclasses
import re
import time
import uuid
from collections.abc import Sequence

import pytest

from ostack_cli.backend.local import firewall, iptables
from ostack_cli.backend.local.firewall import ExternalRange, HostGuard, PortFilter, RuleSpec
from ostack_cli.backend.local.names import HostNames
from tests.host.conftest import Sandbox, in_ns


def _ports(names: HostNames, count: int, rules_per_port: int) -> list[PortFilter]:
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
        ports.append(PortFilter(port_id=port_id, tap=names.tap(port_id),
                                mac=f"fa:16:3e:00:00:{n:02x}", fixed_ips=(f"10.0.0.{n + 10}",
                                                                          f"2001:db8::{n + 10:x}"),
                                rules=rules, dhcp_servers=("10.0.0.2", "2001:db8::2")))
    return ports


def _every_rule_kind(box: Sandbox) -> tuple[list[PortFilter], HostGuard]:
    """Ports of every sort (address pairs, no address, no port security) and a guard with
    every opt-in: each rule the renderers can write is in there."""
    ports = _ports(box.names, 3, 5)
    ports[1] = dataclasses.replace(ports[1], allowed_address_pairs=(
        ("fa:16:3e:aa:aa:aa", "10.9.0.0/16"), ("fa:16:3e:00:00:01", "2001:db8:9::1")))
    ports[2] = dataclasses.replace(ports[2], fixed_ips=(), dhcp_servers=())
    open_id = str(uuid.UUID(int=9 << 96))
    ports.append(PortFilter(port_id=open_id, tap=box.names.tap(open_id),
                            mac="fa:16:3e:00:00:09", fixed_ips=("10.0.0.9",),
                            port_security=False))
    external = tuple(ExternalRange(bridge=box.names.bridge(str(uuid.UUID(int=n << 96))),
                                   cidr=cidr)
                     for n, cidr in ((1, "203.0.113.0/24"), (2, "198.51.100.0/25")))
    return ports, HostGuard(names=box.names, external=external, uplink="ostt-up0",
                            host_access=True)


def _saved(namespace: str, *, family: iptables.Family = 4, table: str = "filter") -> list[str]:
    """``*-save`` without its comments and counters."""
    text = iptables.save(table=table, family=family, namespace=namespace)
    return [re.sub(r"\[\d+:\d+\]", "[0:0]", line) for line in text.splitlines()
            if not line.startswith("#")]


def _rules(text: str | Sequence[str], prefix: str) -> list[str]:
    lines = text.splitlines() if isinstance(text, str) else text
    return [line for line in lines if line.startswith(f"-A {prefix}")]


def _apply(box: Sandbox, ports: Sequence[PortFilter],
           guard: HostGuard | None = None) -> iptables.FirewallApplied:
    return iptables.apply_firewall(ports, guard or box.guard, namespace=box.hv)


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


@pytest.mark.parametrize("opted_in", [False, True], ids=["closed", "opted-in"])
def test_apply_twice_changes_nothing_and_saves_what_was_rendered(
    sandbox: Sandbox, opted_in: bool,
) -> None:
    ports, guard = _every_rule_kind(sandbox)
    if not opted_in:
        guard = dataclasses.replace(guard, uplink=None, host_access=False)
    good, failed = firewall.check_ports(ports, guard)
    assert not failed
    assert _apply(sandbox, good, guard).rewritten
    first = {f: _saved(sandbox.hv, family=f) for f in (4, 6)}
    bridge = _saved(sandbox.hv, family="eb", table="nat")
    nat = _saved(sandbox.hv, table="nat")
    again = _apply(sandbox, good, guard)
    assert (again.rewritten, again.narrowed_ports) == ((), frozenset()), "nothing to rewrite"
    assert {f: _saved(sandbox.hv, family=f) for f in (4, 6)} == first
    assert _saved(sandbox.hv, family="eb", table="nat") == bridge
    assert _saved(sandbox.hv, table="nat") == nat
    # The renderer writes rules exactly as *-save prints them, so a diff is meaningful.
    prefix = sandbox.names.object_prefix
    for family in (4, 6):
        rendered = firewall.render_filter_table(good, guard, family=family)
        assert _rules(first[family], prefix) == _rules(rendered, prefix)
    assert _rules(bridge, prefix) == _rules(firewall.render_bridge_table(good, guard), prefix)
    assert _rules(nat, prefix) == _rules(firewall.render_uplink_nat(guard), prefix)
    chains = firewall.StoreChains(sandbox.names)
    hooks = [line for line in first[4] if line.startswith(("-A FORWARD", "-A INPUT"))]
    assert hooks == [f"-A INPUT -j {chains.input}", f"-A FORWARD -j {chains.forward}"]
    assert [line for line in bridge if line.startswith(("-A PREROUTING", "-A POSTROUTING"))] \
        == [f"-A PREROUTING -j {chains.bridge}", f"-A POSTROUTING -j {chains.bridge_out}"]
    uplink_hooks = [f"-A POSTROUTING -j {chains.uplink_nat}"] if opted_in else []
    assert [line for line in nat if line.startswith("-A POSTROUTING")] == uplink_hooks


def test_updates_that_rewrite_only_changed_chains_converge_to_the_full_ruleset(
    sandbox: Sandbox,
) -> None:
    ports = _ports(sandbox.names, 4, 3)
    _apply(sandbox, ports)
    extra = RuleSpec(direction="ingress", protocol="udp", port_range_min=53)
    changed = [dataclasses.replace(ports[1], rules=(*ports[1].rules, extra)), *ports[2:],
               dataclasses.replace(ports[0], port_security=False)]
    good, _ = firewall.check_ports(changed, sandbox.guard)
    applied = _apply(sandbox, good)
    chains = firewall.StoreChains(sandbox.names)
    assert chains.ingress(ports[1].port_id) in applied.rewritten
    assert chains.ingress(ports[2].port_id) not in applied.rewritten, "unchanged: left alone"
    # Port 0 lost its filter (port security off) and port 1 only gained a rule.
    assert applied.narrowed_ports == set()
    prefix = sandbox.names.object_prefix
    for family in (4, 6):
        rendered = firewall.render_filter_table(good, sandbox.guard, family=family)
        assert _rules(_saved(sandbox.hv, family=family), prefix) == _rules(rendered, prefix)
    # A rule taken away narrows its port (its open connections may have to go).
    target = good[1]
    assert target.port_security
    narrowed = _apply(sandbox, [good[0], dataclasses.replace(target, rules=target.rules[1:]),
                                *good[2:]])
    assert narrowed.narrowed_ports == {target.port_id}


def test_chains_of_removed_ports_are_deleted(sandbox: Sandbox) -> None:
    ports = _ports(sandbox.names, 3, 2)
    _apply(sandbox, ports)
    chains = firewall.StoreChains(sandbox.names)
    gone = ports[1].port_id
    _apply(sandbox, [ports[0], ports[2]])
    for family in (4, 6):
        present = iptables.store_chains(sandbox.names, family=family, namespace=sandbox.hv)
        for chain in (chains.ingress(gone), chains.egress(gone), chains.spoof(gone)):
            assert chain not in present
        assert chains.ingress(ports[0].port_id) in present
    eb = iptables.store_chains(sandbox.names, table="nat", family="eb", namespace=sandbox.hv)
    assert chains.bridge_port(gone) not in eb
    _apply(sandbox, [])
    assert iptables.store_chains(sandbox.names, namespace=sandbox.hv) == sorted(
        chains.fixed_filter_chains())
    assert iptables.store_chains(sandbox.names, table="nat", family="eb",
                                 namespace=sandbox.hv) == sorted([chains.bridge,
                                                                  chains.bridge_out])


def test_remove_firewall_leaves_the_tables_as_they_were(sandbox: Sandbox) -> None:
    tables: list[tuple[iptables.Family, str]] = [(4, "filter"), (6, "filter"), ("eb", "nat"),
                                                 (4, "nat")]
    before = {t: _saved(sandbox.hv, family=t[0], table=t[1]) for t in tables}
    ports, guard = _every_rule_kind(sandbox)
    _apply(sandbox, firewall.check_ports(ports, guard)[0], guard)
    iptables.remove_firewall(sandbox.names, namespace=sandbox.hv)
    assert {t: _saved(sandbox.hv, family=t[0], table=t[1]) for t in tables} == before
    iptables.remove_firewall(sandbox.names, namespace=sandbox.hv)  # nothing there: fine


def test_hooks_are_installed_once(sandbox: Sandbox) -> None:
    chains = firewall.StoreChains(sandbox.names)
    for _ in range(2):
        iptables.ensure_hook("FORWARD", chains.forward, namespace=sandbox.hv)
        iptables.ensure_hook("PREROUTING", chains.bridge, table="nat", family="eb",
                             namespace=sandbox.hv)
    assert _saved(sandbox.hv).count(f"-A FORWARD -j {chains.forward}") == 1
    assert _saved(sandbox.hv, family="eb", table="nat").count(
        f"-A PREROUTING -j {chains.bridge}") == 1
    iptables.remove_hook("FORWARD", chains.forward, namespace=sandbox.hv)
    assert chains.forward not in iptables.store_chains(sandbox.names, namespace=sandbox.hv)


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
        ports = _ports(sandbox.names, count, 200)
        _apply(sandbox, ports)
        runs = []
        for n in range(5):
            extra = RuleSpec(direction="ingress", protocol="udp", port_range_min=n + 1)
            changed = [dataclasses.replace(p, rules=(*p.rules, extra)) for p in ports]
            start = time.perf_counter()
            _apply(sandbox, changed)
            runs.append(time.perf_counter() - start)
        timings[count] = sorted(runs)[2]
    print(f"one rule change, median: 5 ports {timings[5]:.3f} s, 20 ports {timings[20]:.3f} s")
    assert timings[20] < 2.0
    assert timings[20] < 5 * timings[5] + 0.2
