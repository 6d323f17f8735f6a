"""firewall.py renders security groups to restore text; iptables.py applies it (faked here).

Rulesets are golden files (``OSTACK_UPDATE_GOLDEN=1`` rewrites them); tests/host proves the
same text really passes and drops traffic, and that iptables-save prints it back unchanged.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence

import pytest

from ostack_cli.backend.local import firewall, iptables
from ostack_cli.backend.local.firewall import ExternalRange, HostGuard, PortFilter, RuleSpec
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.runner import HostCommandError
from tests.unit.local.golden_util import assert_golden

WEB = "3cb1218c-3f00-4a6e-9b9a-0e6d2e1f0001"
DB = "7a0d5e21-9c4b-4b51-8a0c-55e3f1a2b3c4"
OPEN = "c0ffee00-1111-2222-3333-444455556666"

DEFAULT_GROUP = (
    RuleSpec(direction="egress", ethertype="IPv4"),
    RuleSpec(direction="egress", ethertype="IPv6"),
    RuleSpec(direction="ingress", ethertype="IPv4", remote_addresses=("10.0.0.5", "10.0.0.7")),
    RuleSpec(direction="ingress", ethertype="IPv6", remote_addresses=("2001:db8::5",)),
)

EVERY_KIND = (
    RuleSpec(direction="ingress", protocol="tcp", port_range_min=22, port_range_max=22,
             remote_ip_prefix="0.0.0.0/0"),
    RuleSpec(direction="ingress", protocol="tcp", port_range_min=8000, port_range_max=8080),
    RuleSpec(direction="ingress", protocol="udp", port_range_min=53, port_range_max=None,
             remote_ip_prefix="192.168.7.9/24"),
    RuleSpec(direction="ingress", protocol="icmp", port_range_min=8, port_range_max=0),
    RuleSpec(direction="ingress", protocol="icmp", port_range_min=3),
    RuleSpec(direction="ingress", protocol="1", remote_ip_prefix="172.16.0.1"),
    RuleSpec(direction="ingress", protocol="gre"),
    RuleSpec(direction="ingress", protocol="112"),
    RuleSpec(direction="ingress", protocol="sctp", port_range_min=9, port_range_max=10),
    RuleSpec(direction="ingress", protocol="udplite", port_range_min=7, port_range_max=9),
    RuleSpec(direction="ingress", protocol="tcp", remote_addresses=("10.0.0.5", "10.0.0.9",
                                                                     "2001:db8::9")),
    RuleSpec(direction="ingress", protocol="tcp", remote_addresses=()),
    RuleSpec(direction="egress", protocol="tcp", port_range_min=443, port_range_max=443,
             remote_ip_prefix="203.0.113.0/24"),
    RuleSpec(direction="egress", protocol="udp", remote_addresses=("10.0.0.9",)),
    RuleSpec(direction="egress", ethertype="IPv6", protocol="ipv6-icmp"),
    RuleSpec(direction="ingress", ethertype="IPv6", protocol="icmp", port_range_min=128,
             port_range_max=0),
    RuleSpec(direction="ingress", ethertype="IPv6", protocol="tcp", port_range_min=22,
             port_range_max=22, remote_ip_prefix="2001:db8:1::/48"),
    RuleSpec(direction="ingress", ethertype="IPv6", protocol="58", remote_ip_prefix="::/0"),
    RuleSpec(direction="ingress", ethertype="IPv4", protocol="tcp",
             remote_ip_prefix="2001:db8::/32"),  # family mismatch: never rendered
)


NAMES = HostNames("a1b")
CHAINS = firewall.StoreChains(NAMES)
EXTERNAL = ExternalRange(bridge=NAMES.bridge("eeeeeeee-0000-4000-8000-000000000000"),
                         cidr="203.0.113.0/24")
GUARD = HostGuard(names=NAMES, external=(EXTERNAL,))


def port(port_id: str, *rules: RuleSpec, **changes: object) -> PortFilter:
    spec = PortFilter(port_id=port_id, tap=NAMES.tap(port_id), mac="fa:16:3e:11:22:33",
                      fixed_ips=("10.0.0.5", "2001:db8::5"), rules=rules,
                      dhcp_servers=("10.0.0.2", "2001:db8::2"))
    return dataclasses.replace(spec, **changes)  # type: ignore[arg-type]


def two_ports_and_an_open_one() -> list[PortFilter]:
    return [
        port(WEB, *DEFAULT_GROUP),
        port(DB, *DEFAULT_GROUP, mac="FA:16:3E:44:55:66", fixed_ips=("10.0.0.7",)),
        port(OPEN, port_security=False, mac="fa:16:3e:77:88:99", fixed_ips=("10.0.0.9",)),
    ]


STALE = ["ostack-a1b-i0123456789a", "ostack-a1b-o0123456789a", "ostack-a1b-s0123456789a",
         "ostack-a1b-FORWARD", "ostack-a1b-something-else", "FORWARD",
         "ostack-ccc-i0123456789a", "neutron-openvswi-i0123456789a"]


def render(ports: Sequence[PortFilter], family: int = 4, guard: HostGuard = GUARD,
           existing: Sequence[str] = ()) -> str:
    good, failed = firewall.check_ports(ports, guard)
    assert not failed
    return firewall.render_filter_table(good, guard, family=family,  # type: ignore[arg-type]
                                        existing_chains=existing)


def render_bridge(ports: Sequence[PortFilter], existing: Sequence[str] = ()) -> str:
    good, _ = firewall.check_ports(ports, GUARD)
    return firewall.render_bridge_table(good, GUARD, existing_chains=existing)


# -- golden rulesets ----------------------------------------------------------------------


@pytest.mark.parametrize("family", [4, 6])
def test_default_group_on_two_ports_and_one_without_port_security(family: int) -> None:
    text = render(two_ports_and_an_open_one(), family, existing=STALE)
    assert_golden(f"firewall/default_group_v{family}.rules", text)


@pytest.mark.parametrize("family", [4, 6])
def test_every_rule_kind(family: int) -> None:
    text = render([port(WEB, *EVERY_KIND)], family)
    assert_golden(f"firewall/every_kind_v{family}.rules", text)


@pytest.mark.parametrize("family", [4, 6])
def test_address_pairs_and_a_port_without_addresses(family: int) -> None:
    ports = [
        port(WEB, *DEFAULT_GROUP, allowed_address_pairs=(("fa:16:3e:aa:aa:aa", "10.9.0.0/16"),
                                                          ("fa:16:3e:11:22:33", "2001:db8:9::1"))),
        port(DB, RuleSpec(direction="egress"), fixed_ips=(), dhcp_servers=()),
    ]
    text = render(ports, family)
    assert_golden(f"firewall/pairs_and_no_address_v{family}.rules", text)


def test_no_ports_keeps_the_dispatch_chains_and_removes_stale_port_chains() -> None:
    text = render([], existing=STALE)
    assert_golden("firewall/no_ports_v4.rules", text)


def test_bridge_table() -> None:
    ports = [
        *two_ports_and_an_open_one(),
        port("0fa1b2c3-0000-4000-8000-000000000000", fixed_ips=(), dhcp_servers=(),
             mac="fa:16:3e:00:00:01"),
        port("1fa1b2c3-0000-4000-8000-000000000000", mac="fa:16:3e:00:00:02",
             allowed_address_pairs=(("fa:16:3e:aa:aa:aa", "10.9.0.0/16"),)),
    ]
    text = render_bridge(ports, ["ostack-a1b-a0123456789a", "ostack-a1b-PREROUTING",
                                 "ostack-ccc-a0123456789a", "other"])
    assert_golden("firewall/bridge.rules", text)


def test_guard_with_the_uplink_opted_in_and_host_access() -> None:
    guard = HostGuard(names=NAMES, external=(EXTERNAL,), uplink="eth0", host_access=True)
    assert_golden("firewall/guard_uplink_v4.rules", render([port(WEB, *DEFAULT_GROUP)], 4, guard))
    assert_golden("firewall/uplink_nat.rules", firewall.render_uplink_nat(guard))


# -- properties that golden files alone would not make obvious ---------------------------


def forward_rules(text: str) -> list[str]:
    return [line.removeprefix("-A ostack-a1b-FORWARD ") for line in text.splitlines()
            if line.startswith("-A ostack-a1b-FORWARD ")]


def test_what_the_host_would_route_from_a_guest_is_checked_and_then_dropped() -> None:
    rules = forward_rules(render([port(WEB, *DEFAULT_GROUP)]))
    tap = NAMES.tap(WEB)
    assert rules[:3] == [
        f"-m physdev --physdev-in {tap} ! --physdev-is-bridged -j {CHAINS.spoof(WEB)}",
        "-i osta1bb+ -m physdev ! --physdev-is-bridged -j DROP",
        "-o osta1bb+ -m physdev ! --physdev-is-bridged -j DROP",
    ]


def test_the_uplink_opt_in_lets_only_the_external_range_out_and_its_replies_in() -> None:
    rules = forward_rules(render([], 4, HostGuard(names=NAMES, external=(EXTERNAL,),
                                                  uplink="eth0")))
    assert rules[:3] == [
        f"-s 203.0.113.0/24 -i {EXTERNAL.bridge} -o eth0 -j ACCEPT",
        f"-d 203.0.113.0/24 -i eth0 -o {EXTERNAL.bridge} -m conntrack --ctstate "
        "RELATED,ESTABLISHED -j ACCEPT",
        "-i osta1bb+ -m physdev ! --physdev-is-bridged -j DROP",
    ]
    assert not any("eth0" in r for r in forward_rules(render([], 6, HostGuard(
        names=NAMES, external=(EXTERNAL,), uplink="eth0"))))
    assert "MASQUERADE" not in firewall.render_uplink_nat(GUARD)


@pytest.mark.parametrize("family", [4, 6])
def test_new_connections_to_the_host_are_dropped_unless_opted_in(family: int) -> None:
    def host_in(guard: HostGuard) -> list[str]:
        return [line for line in render([port(WEB, *DEFAULT_GROUP)], family, guard).splitlines()
                if line.startswith("-A ostack-a1b-INPUT ")]

    closed = host_in(GUARD)
    assert closed[0] == ("-A ostack-a1b-INPUT -i osta1bb+ -m conntrack --ctstate "
                         "RELATED,ESTABLISHED -j RETURN")
    assert closed[-1] == "-A ostack-a1b-INPUT -i osta1bb+ -j DROP"
    opened = host_in(HostGuard(names=NAMES, host_access=True))
    assert opened == closed[:-1]


def test_the_bridge_table_fails_closed_for_taps_without_a_filter() -> None:
    lines = render_bridge(two_ports_and_an_open_one()).splitlines()
    dispatch = [line for line in lines if line.startswith("-A ostack-a1b-PREROUTING ")]
    assert dispatch[-2:] == [f"-A ostack-a1b-PREROUTING -i {NAMES.tap(OPEN)} -j RETURN",
                             "-A ostack-a1b-PREROUTING -i osta1bt+ -j DROP"]


def test_order_of_ports_and_rules_does_not_matter_and_duplicates_collapse() -> None:
    ports = [port(WEB, *EVERY_KIND), port(DB, *DEFAULT_GROUP, fixed_ips=("10.0.0.7",))]
    expected = render(ports)
    shuffled = [dataclasses.replace(p, rules=tuple(random.sample(p.rules, len(p.rules))) * 2)
                for p in reversed(ports)]
    assert render(shuffled) == expected


def test_chain_names_fit_iptables_limit_and_carry_the_prefix() -> None:
    text = render(two_ports_and_an_open_one())
    declared = [line[1:].split()[0] for line in text.splitlines() if line.startswith(":")]
    assert declared == sorted(declared)
    assert all(name.startswith("ostack-a1b-") and len(name) <= firewall.MAX_CHAIN
               for name in declared)
    assert CHAINS.ingress(WEB) == "ostack-a1b-i3cb1218c3f0"
    assert CHAINS.egress(WEB) == "ostack-a1b-o3cb1218c3f0"
    assert CHAINS.spoof(WEB) == "ostack-a1b-s3cb1218c3f0"
    assert CHAINS.bridge_port(WEB) == "ostack-a1b-a3cb1218c3f0"


def test_built_in_chains_are_never_named_in_the_text() -> None:
    """The FORWARD/INPUT hooks are installed once apart; --noflush would duplicate them."""
    text = render(two_ports_and_an_open_one(), existing=STALE)
    for builtin in ("INPUT", "FORWARD", "OUTPUT"):
        assert f"-A {builtin} " not in text and f":{builtin} " not in text
    assert "-X ostack-a1b-FORWARD" not in text and "something-else" not in text
    assert "ostack-ccc-" not in text, "another store's chains are never touched"


def test_a_port_without_port_security_has_no_chains_and_is_accepted_after_filtered_ports() -> None:
    lines = render(two_ports_and_an_open_one()).splitlines()
    forward = [line for line in lines if line.startswith("-A ostack-a1b-FORWARD")]
    open_tap = NAMES.tap(OPEN)
    assert forward[-5:] == [
        f"-A ostack-a1b-FORWARD -m physdev --physdev-out {open_tap} --physdev-is-bridged "
        "-j ACCEPT",
        f"-A ostack-a1b-FORWARD -m physdev --physdev-in {open_tap} --physdev-is-bridged "
        "-j ACCEPT",
        "-A ostack-a1b-FORWARD -m physdev --physdev-in osta1bt+ -j DROP",
        "-A ostack-a1b-FORWARD -m physdev --physdev-out osta1bt+ -j DROP",
        "-A ostack-a1b-FORWARD -o osta1bb+ -m physdev --physdev-is-bridged -j ACCEPT",
    ]
    assert not any(firewall.port_key(OPEN) in line for line in lines if line.startswith(":"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mac": "fa:16:3e:11:22:33\n-A FORWARD -j ACCEPT"}, "bad MAC address"),
        ({"tap": "tap x"}, "bad device name"),
        ({"tap": "a" * 16}, "bad device name"),
        ({"port_id": "not-a-uuid"}, "is not a UUID"),
        ({"fixed_ips": ("10.0.0.300",)}, "does not appear to be an IPv4 or IPv6 address"),
        ({"rules": (RuleSpec(direction="ingress", protocol="tcp -j ACCEPT"),)},
         "unknown protocol"),
        ({"rules": (RuleSpec(direction="ingress", protocol="256"),)}, "out of range"),
        ({"rules": (RuleSpec(direction="ingress", protocol="tcp", port_range_min=70000),)},
         "out of range"),
        ({"rules": (RuleSpec(direction="ingress", remote_ip_prefix="10.0.0.0/33"),)},
         "does not appear to be an IPv4 or IPv6 network"),
        ({"rules": (RuleSpec(direction="ingress", remote_addresses=("x",)),)},
         "does not appear to be an IPv4 or IPv6"),
        ({"allowed_address_pairs": (("zz", "10.0.0.1"),)}, "bad MAC address"),
    ],
)
def test_malformed_input_never_reaches_the_restore_text_and_leaves_other_ports_alone(
    change: dict[str, object], message: str
) -> None:
    bad = dataclasses.replace(port(WEB), **change)  # type: ignore[arg-type]
    good, failed = firewall.check_ports([bad, port(DB, *DEFAULT_GROUP)], GUARD)
    assert [p.port_id for p in good] == [DB]
    assert list(failed) == [bad.port_id] and message in failed[bad.port_id]
    text = firewall.render_filter_table(good, GUARD)
    assert NAMES.tap(DB) in text and "ACCEPT\n-A FORWARD" not in text


def test_a_second_port_with_the_same_chain_key_is_left_out() -> None:
    twin = WEB.replace("0001", "0002")
    good, failed = firewall.check_ports([port(WEB), port(twin)], GUARD)
    assert [p.port_id for p in good] == [WEB]
    assert "shares the chain key 3cb1218c3f0" in failed[twin]


def _as_saved(text: str) -> str:
    """What iptables-save prints after restoring ``text`` into an empty table."""
    lines = [line for line in text.splitlines() if not line.startswith(("-F ", "-X "))]
    return "\n".join(["# Generated by iptables-save", lines[0], ":INPUT ACCEPT [0:0]",
                      ":FORWARD ACCEPT [3:180]", *lines[1:], "# Completed"]) + "\n"


def test_changes_only_keeps_just_the_chains_that_differ() -> None:
    before = render(two_ports_and_an_open_one())
    ports = two_ports_and_an_open_one()
    ports[0] = dataclasses.replace(ports[0], rules=(*DEFAULT_GROUP, RuleSpec(
        direction="ingress", protocol="tcp", port_range_min=22, port_range_max=22)))
    after = render(ports)
    update = firewall.changes_only(after, _as_saved(before))
    chain = CHAINS.ingress(WEB)
    rule_set = firewall.shared_ingress_chain(firewall.check_ports(ports, GUARD)[0][0], 4, GUARD)
    assert rule_set is not None
    # The port's own chain now jumps to a rule set of its own; nothing else is rewritten.
    assert update == "\n".join([
        "*filter", f":{chain} - [0:0]", f":{rule_set} - [0:0]",
        *(line for line in after.splitlines() if line.startswith(f"-A {chain} ")),
        *(line for line in after.splitlines() if line.startswith(f"-A {rule_set} ")),
        "COMMIT"]) + "\n"
    assert f"-A {rule_set} -p tcp -m tcp --dport 22 -j ACCEPT" in after


def test_ports_with_the_same_rules_share_one_chain_of_them() -> None:
    """50 ports x 200 rules are 200 rules, not 10,000: what keeps a first converge and a
    rule change cheap at scale."""
    many = [port(f"{n:08x}-0000-4000-8000-000000000000", *EVERY_KIND) for n in range(50)]
    shared = [set(line.split()[-1] for line in render([p]).splitlines()
                  if line.startswith(f"-A {CHAINS.ingress(p.port_id)} -j ostack-a1b-r"))
              for p in many[:3]]
    assert shared[0] == shared[1] == shared[2] and len(shared[0]) == 1
    text = render(many)
    assert text.count("-p tcp -m tcp --dport 22 -j ACCEPT") == 1


def test_changes_only_is_none_when_nothing_changed() -> None:
    text = render(two_ports_and_an_open_one())
    assert firewall.changes_only(text, _as_saved(text)) is None
    bridge = render_bridge(two_ports_and_an_open_one())
    assert firewall.changes_only(bridge, _as_saved(bridge)) is None


def test_changes_only_keeps_stale_chain_removal_and_rewrites_the_dispatchers() -> None:
    before = render(two_ports_and_an_open_one())
    existing = [line[1:].split()[0] for line in before.splitlines() if line.startswith(":")]
    after = render(two_ports_and_an_open_one()[:1], existing=existing)
    update = firewall.changes_only(after, _as_saved(before))
    assert update is not None
    declared = [line[1:].split()[0] for line in update.splitlines() if line.startswith(":")]
    assert declared == ["ostack-a1b-FORWARD", "ostack-a1b-INPUT", "ostack-a1b-sg-chain"]
    assert update.splitlines()[-7:] == [
        f"-F {CHAINS.ingress(DB)}", f"-F {CHAINS.egress(DB)}",
        f"-F {CHAINS.spoof(DB)}", f"-X {CHAINS.ingress(DB)}",
        f"-X {CHAINS.egress(DB)}", f"-X {CHAINS.spoof(DB)}", "COMMIT"]
    assert firewall.lost_rules(after, _as_saved(before))[CHAINS.sg] is True


def test_a_chain_printed_differently_is_simply_rewritten() -> None:
    text = render([port(WEB, *DEFAULT_GROUP)])
    saved = _as_saved(text).replace("fa:16:3e:11:22:33", "FA:16:3E:11:22:33")
    update = firewall.changes_only(text, saved)
    assert update is not None and f":{CHAINS.spoof(WEB)} - [0:0]" in update


# -- the apply layer, with a fake runner --------------------------------------------------


class FakeRun:
    """Records argv lists; answers from a queue of (exit status, stdout, last stderr line)."""

    def __init__(self, *answers: tuple[int, str, str]) -> None:
        self.calls: list[tuple[list[str], bytes | None]] = []
        self.answers = list(answers)

    def __call__(self, argv: Sequence[str], *, timeout: float = 60.0,
                 input: bytes | None = None) -> str:
        self.calls.append((list(argv), input))
        status, out, err = self.answers.pop(0) if self.answers else (0, "", "")
        if status:
            raise HostCommandError(f"{argv[0]} failed (exit {status}): {err}")
        return out


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRun:
    runner = FakeRun()
    monkeypatch.setattr(iptables, "run", runner)
    monkeypatch.setattr(iptables.time, "sleep", lambda _: None)
    return runner


def test_apply_runs_restore_with_the_lock_and_noflush(fake: FakeRun) -> None:
    iptables.apply("*filter\nCOMMIT\n")
    iptables.apply("*nat\nCOMMIT\n", family=4, namespace="ostack-router-r1", noflush=False)
    iptables.apply("*filter\nCOMMIT\n", family=6)
    iptables.apply("*nat\nCOMMIT\n", family="eb")
    assert [argv for argv, _ in fake.calls] == [
        ["iptables-restore", "-w", "--noflush"],
        ["ip", "netns", "exec", "ostack-router-r1", "iptables-restore", "-w"],
        ["ip6tables-restore", "-w", "--noflush"],
        ["ebtables-restore", "--noflush"],
    ]
    assert fake.calls[0][1] == b"*filter\nCOMMIT\n"


def test_apply_retries_while_the_xtables_lock_is_busy(fake: FakeRun) -> None:
    fake.answers = [(4, "", "Another app is currently holding the xtables lock."),
                    (4, "", "Another app is currently holding the xtables lock."), (0, "", "")]
    iptables.apply("*filter\nCOMMIT\n")
    assert len(fake.calls) == 3


def test_apply_gives_up_after_five_busy_attempts(fake: FakeRun) -> None:
    fake.answers = [(4, "", "lock")] * 5
    with pytest.raises(iptables.RulesetError, match="exit 4"):
        iptables.apply("*filter\nCOMMIT\n")
    assert len(fake.calls) == 5


def test_a_failure_shows_the_failing_line_with_three_lines_around_it(fake: FakeRun) -> None:
    text = "".join(f"line{n}\n" for n in range(1, 11))
    fake.answers = [(1, "", "iptables-restore: line 5 failed: No chain/target/match by that "
                            "name.")]
    with pytest.raises(iptables.RulesetError) as caught:
        iptables.apply(text)
    assert str(caught.value) == "\n".join([
        "iptables-restore failed (exit 1): iptables-restore: line 5 failed: No "
        "chain/target/match by that name.",
        "      2  line2",
        "      3  line3",
        "      4  line4",
        ">     5  line5",
        "      6  line6",
        "      7  line7",
        "      8  line8",
    ])
    assert len(fake.calls) == 1, "only exit status 4 is retried"


def test_the_complaint_alone_when_it_names_no_line(fake: FakeRun) -> None:
    fake.answers = [(2, "", "Try `iptables-restore -h' for more information.")]
    with pytest.raises(iptables.RulesetError) as caught:
        iptables.apply("*filter\nCOMMIT\n")
    assert str(caught.value) == ("iptables-restore failed (exit 2): Try `iptables-restore -h' "
                                 "for more information.")


def test_ensure_hook_checks_before_inserting(fake: FakeRun) -> None:
    fake.answers = [(0, "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", ""), (0, "", ""),
                    (1, "", "iptables: Bad rule (does a matching rule exist in that chain?)."),
                    (0, "", "")]
    assert iptables.ensure_hook("FORWARD", "ostack-FORWARD", namespace="ns1") is True
    assert [argv for argv, _ in fake.calls] == [
        ["ip", "netns", "exec", "ns1", "iptables-save", "-t", "filter"],
        ["ip", "netns", "exec", "ns1", "iptables", "-w", "-t", "filter", "-N", "ostack-FORWARD"],
        ["ip", "netns", "exec", "ns1", "iptables", "-w", "-t", "filter", "-C", "FORWARD", "-j",
         "ostack-FORWARD"],
        ["ip", "netns", "exec", "ns1", "iptables", "-w", "-t", "filter", "-I", "FORWARD", "1",
         "-j", "ostack-FORWARD"],
    ]


def test_ensure_hook_leaves_an_existing_hook_alone(fake: FakeRun) -> None:
    fake.answers = [(0, ":ostack-PREROUTING RETURN\n", ""), (0, "", "")]
    assert iptables.ensure_hook("PREROUTING", "ostack-PREROUTING", table="nat",
                                family="eb") is False
    assert [argv for argv, _ in fake.calls] == [
        ["ebtables-save", "-t", "nat"],
        ["ebtables", "-t", "nat", "--check", "PREROUTING", "-j", "ostack-PREROUTING"],
    ]


def test_has_rule_raises_when_the_check_itself_fails(fake: FakeRun) -> None:
    fake.answers = [(2, "", "Couldn't load target `ostack-x'")]
    with pytest.raises(HostCommandError, match="exit 2"):
        iptables.has_rule("FORWARD", ["-j", "ostack-x"])


def test_apply_firewall_runs_one_save_and_one_restore_per_table(
    fake: FakeRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(iptables, "_host_sysctls", lambda keys: None)  # no /proc: sysctl
    saved = ("*filter\n:FORWARD ACCEPT [0:0]\n:ostack-a1b-FORWARD - [0:0]\n"
             ":ostack-a1b-INPUT - [0:0]\n:ostack-a1b-i0123456789a - [0:0]\n"
             "-A INPUT -j ostack-a1b-INPUT\n-A FORWARD -j ostack-a1b-FORWARD\nCOMMIT\n")
    fake.answers = [(0, "1\n1\n", ""), (0, saved, ""), (0, "", ""), (0, saved, ""), (0, "", ""),
                    (0, "*nat\n-A PREROUTING -j ostack-a1b-PREROUTING\n"
                        "-A POSTROUTING -j ostack-a1b-POSTROUTING\n", ""), (0, "", ""),
                    (1, "", "iptables: No chain/target/match by that name.")]
    ports, _ = firewall.check_ports([port(WEB, *DEFAULT_GROUP)], GUARD)
    iptables.apply_firewall(ports, GUARD)
    assert [argv for argv, _ in fake.calls] == [
        ["sysctl", "-n", "net.bridge.bridge-nf-call-iptables",
         "net.bridge.bridge-nf-call-ip6tables"],
        ["iptables-save", "-t", "filter"],
        ["iptables-restore", "-w", "--noflush"],
        ["ip6tables-save", "-t", "filter"],
        ["ip6tables-restore", "-w", "--noflush"],
        ["ebtables-save", "-t", "nat"],
        ["ebtables-restore", "--noflush"],
        # No uplink: one chain's listing says the store has no masquerade to take away.
        ["iptables", "-w", "-t", "nat", "-S", "ostack-a1b-uplink"],
    ]
    v4 = fake.calls[2][1]
    assert v4 is not None and b"-X ostack-a1b-i0123456789a\n" in v4
    assert v4.decode() == firewall.render_filter_table(
        ports, GUARD, existing_chains=["ostack-a1b-i0123456789a", "ostack-a1b-FORWARD"])


def _parts(ports: list[PortFilter], guard: HostGuard) -> dict[str, str]:
    """Each part's digest as an apply of ``ports`` records it."""
    return {
        "4": firewall.ruleset_digest(firewall.render_filter_table(ports, guard, family=4)),
        "6": firewall.ruleset_digest(firewall.render_filter_table(ports, guard, family=6)),
        "eb": firewall.ruleset_digest(firewall.render_bridge_table(ports, guard)),
        "nat": firewall.ruleset_digest(firewall.render_uplink_nat(guard)),
    }


HOOKED = ("*filter\n:ostack-a1b-FORWARD - [0:0]\n:ostack-a1b-INPUT - [0:0]\n"
          "-A INPUT -j ostack-a1b-INPUT\n-A FORWARD -j ostack-a1b-FORWARD\nCOMMIT\n")


@pytest.mark.parametrize(("extra", "programs"), [
    (RuleSpec(direction="ingress", protocol="tcp", port_range_min=80, port_range_max=80),
     [["iptables-save", "-t", "filter"], ["iptables-restore", "-w", "--noflush"]]),
    (RuleSpec(direction="ingress", ethertype="IPv6", protocol="tcp", port_range_min=80,
              port_range_max=80),
     [["ip6tables-save", "-t", "filter"], ["ip6tables-restore", "-w", "--noflush"]]),
])
def test_apply_firewall_after_one_rule_touches_only_the_table_it_changes(
    fake: FakeRun, monkeypatch: pytest.MonkeyPatch, extra: RuleSpec,
    programs: list[list[str]],
) -> None:
    monkeypatch.setattr(iptables, "_host_sysctls", lambda keys: ["1", "1"])
    before, _ = firewall.check_ports([port(WEB, *DEFAULT_GROUP)], GUARD)
    after, _ = firewall.check_ports([port(WEB, *DEFAULT_GROUP, extra)], GUARD)
    fake.answers = [(0, HOOKED, ""), (0, "", "")]
    applied = iptables.apply_firewall(after, GUARD, last=_parts(before, GUARD))
    assert [argv for argv, _ in fake.calls] == programs
    assert applied.digests == _parts(after, GUARD)
    assert applied.forward_rules == firewall.render_filter_table(after, GUARD).count(
        f"\n-A {CHAINS.forward} ")


def test_apply_firewall_with_nothing_changed_runs_nothing(
    fake: FakeRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(iptables, "_host_sysctls", lambda keys: ["1", "1"])
    ports, _ = firewall.check_ports([port(WEB, *DEFAULT_GROUP), port(DB)], GUARD)
    applied = iptables.apply_firewall(ports, GUARD, last=_parts(ports, GUARD))
    assert fake.calls == []
    assert applied.digests == _parts(ports, GUARD)
    assert applied.forward_rules > 0


def test_apply_firewall_without_last_digests_every_part_it_saved(
    fake: FakeRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a full apply records is what the firewall-only converge compares against: the
    stale chains it deleted (``-X``) do not make its digests differ from a plain render."""
    monkeypatch.setattr(iptables, "_host_sysctls", lambda keys: ["1", "1"])
    stale = HOOKED.replace("COMMIT", ":ostack-a1b-i0123456789a - [0:0]\nCOMMIT")
    fake.answers = [(0, stale, ""), (0, "", ""), (0, HOOKED, ""), (0, "", "")]
    ports, _ = firewall.check_ports([port(WEB, *DEFAULT_GROUP)], GUARD)
    applied = iptables.apply_firewall(ports, GUARD)
    assert b"-X ostack-a1b-i0123456789a\n" in (fake.calls[1][1] or b"")
    assert applied.digests == _parts(ports, GUARD)


def test_ruleset_digest_counts_rules_not_stale_chains() -> None:
    ports, _ = firewall.check_ports([port(WEB, *DEFAULT_GROUP)], GUARD)
    plain = firewall.render_filter_table(ports, GUARD)
    cleaning = firewall.render_filter_table(ports, GUARD,
                                            existing_chains=["ostack-a1b-i0123456789a"])
    assert plain != cleaning
    assert firewall.ruleset_digest(plain) == firewall.ruleset_digest(cleaning)
    wider, _ = firewall.check_ports([port(WEB, *DEFAULT_GROUP, RuleSpec(
        direction="egress", protocol="udp", port_range_min=53, port_range_max=53))], GUARD)
    assert firewall.ruleset_digest(firewall.render_filter_table(wider, GUARD)) != \
        firewall.ruleset_digest(plain)


def test_apply_firewall_turns_bridge_netfilter_on(fake: FakeRun) -> None:
    fake.answers = [(0, "0\n1\n", "")]
    iptables.ensure_bridge_netfilter("ns1")
    assert fake.calls[1][0] == [
        "ip", "netns", "exec", "ns1", "sysctl", "-q", "-w",
        "net.bridge.bridge-nf-call-iptables=1", "net.bridge.bridge-nf-call-ip6tables=1"]


def test_moving_to_another_rule_set_narrows_only_when_a_rule_goes() -> None:
    """A port's ingress chain jumps to a rule set named by its contents: gaining a rule
    moves it to another set without narrowing it; losing one narrows it."""
    base = render([port(WEB, *DEFAULT_GROUP)])
    extra = RuleSpec(direction="ingress", protocol="udp", port_range_min=53, port_range_max=53)
    wider = render([port(WEB, *DEFAULT_GROUP, extra)])
    _, gained = firewall.diff_table(wider, _as_saved(base))
    assert gained[CHAINS.ingress(WEB)] is False
    _, lost = firewall.diff_table(base, _as_saved(wider))
    assert lost[CHAINS.ingress(WEB)] is True
