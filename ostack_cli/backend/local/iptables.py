"""Applying rendered iptables/ip6tables/ebtables text, in the host or in a namespace.

Thin on purpose: what the rules are is decided by pure renderers (``firewall.py``,
``l3.py``); this module only runs ``*-restore`` atomically (one transaction per table), with
the xtables lock (``-w``) and retries on exit status 4 as Neutron's iptables_manager does, and
installs single hook rules in built-in chains idempotently (``-C`` then ``-I``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ostack_cli.backend.local import firewall
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.runner import HostCommandError, run

Family = Literal[4, 6, "eb"]
_RESTORE = {4: "iptables-restore", 6: "ip6tables-restore", "eb": "ebtables-restore"}
_SAVE = {4: "iptables-save", 6: "ip6tables-save", "eb": "ebtables-save"}
_CLI = {4: "iptables", 6: "ip6tables", "eb": "ebtables"}
_LOCKED = 4  # iptables' RESOURCE_PROBLEM: the xtables lock, or an nft transaction raced
_ATTEMPTS = 5
_CONTEXT = 3


class RulesetError(HostCommandError):
    """A ruleset was rejected; the message shows the failing line with its neighbours."""


def apply(
    table_text: str,
    *,
    family: Family = 4,
    namespace: str | None = None,
    noflush: bool = True,
) -> None:
    """Apply one or more ``*table ... COMMIT`` blocks atomically.

    ``noflush`` keeps chains the text does not declare (rules of others, our hooks); a
    namespace that owns its whole table (a router's ``nat``) restores without it.
    """
    argv = [_RESTORE[family]]
    if family != "eb":
        argv.append("-w")  # ebtables-restore (nft) takes no lock option
    if noflush:
        argv.append("--noflush")
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            run(_in(namespace, argv), input=table_text.encode())
            return
        except HostCommandError as exc:
            if _exit_status(exc) == _LOCKED and attempt < _ATTEMPTS:
                time.sleep(0.05 * attempt)
                continue
            raise RulesetError(_describe_failure(exc, table_text)) from None


def save(*, table: str = "filter", family: Family = 4, namespace: str | None = None) -> str:
    return run(_in(namespace, [_SAVE[family], "-t", table]))


def list_chains(
    prefix: str,
    *,
    table: str = "filter",
    family: Family = 4,
    namespace: str | None = None,
) -> list[str]:
    """Names of the table's chains that start with ``prefix``, from ``*-save``."""
    chains, _ = _parse_save(save(table=table, family=family, namespace=namespace))
    return [name for name in chains if name.startswith(prefix)]


def ensure_chain(
    chain: str, *, table: str = "filter", family: Family = 4, namespace: str | None = None
) -> None:
    if chain in list_chains(chain, table=table, family=family, namespace=namespace):
        return
    try:
        run(_in(namespace, [*_cli(family), "-t", table, "-N", chain]))
    except HostCommandError:
        # Another process may have made it meanwhile; anything else shows up below.
        if chain not in list_chains(chain, table=table, family=family, namespace=namespace):
            raise


def ensure_rule(
    chain: str,
    rule: Sequence[str],
    *,
    table: str = "filter",
    family: Family = 4,
    namespace: str | None = None,
    position: int | None = None,
) -> bool:
    """Add ``rule`` to ``chain`` unless it is there: at ``position`` (1 = first), or at the end.

    Returns True when it added the rule.
    """
    if has_rule(chain, rule, table=table, family=family, namespace=namespace):
        return False
    where = ["-I", chain, str(position)] if position is not None else ["-A", chain]
    run(_in(namespace, [*_cli(family), "-t", table, *where, *rule]))
    return True


def delete_rule(
    chain: str,
    rule: Sequence[str],
    *,
    table: str = "filter",
    family: Family = 4,
    namespace: str | None = None,
) -> bool:
    """Delete every copy of ``rule`` from ``chain``; True if there was one."""
    deleted = False
    while has_rule(chain, rule, table=table, family=family, namespace=namespace):
        run(_in(namespace, [*_cli(family), "-t", table, "-D", chain, *rule]))
        deleted = True
    return deleted


def has_rule(
    chain: str,
    rule: Sequence[str],
    *,
    table: str = "filter",
    family: Family = 4,
    namespace: str | None = None,
) -> bool:
    check = "--check" if family == "eb" else "-C"  # ebtables' -C means --change-counters
    try:
        run(_in(namespace, [*_cli(family), "-t", table, check, chain, *rule]))
    except HostCommandError as exc:
        if _exit_status(exc) == 1:  # "Bad rule (does a matching rule exist ...)"
            return False
        raise
    return True


def ensure_hook(
    builtin: str,
    target: str,
    *,
    table: str = "filter",
    family: Family = 4,
    namespace: str | None = None,
) -> bool:
    """``builtin -j target`` as the first rule of ``builtin``, once; creates ``target``."""
    ensure_chain(target, table=table, family=family, namespace=namespace)
    return ensure_rule(builtin, ["-j", target], table=table, family=family,
                       namespace=namespace, position=1)


def remove_hook(
    builtin: str,
    target: str,
    *,
    table: str = "filter",
    family: Family = 4,
    namespace: str | None = None,
) -> None:
    """Undo ``ensure_hook``: the jump, then the (flushed) chain; absent parts are fine."""
    if target not in list_chains(target, table=table, family=family, namespace=namespace):
        return
    delete_rule(builtin, ["-j", target], table=table, family=family, namespace=namespace)
    run(_in(namespace, [*_cli(family), "-t", table, "-F", target]))
    run(_in(namespace, [*_cli(family), "-t", table, "-X", target]))


def ensure_bridge_netfilter(namespace: str | None = None) -> None:
    """Bridged IPv4/IPv6 traffic must pass iptables' FORWARD, or no port filter applies.

    ``br_netfilter`` is built into this kernel; its switches are per network namespace.
    """
    keys = ("net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables")
    current = _host_sysctls(keys) if namespace is None else None
    if current is None:
        current = run(_in(namespace, ["sysctl", "-n", *keys])).split()
    if current != ["1", "1"]:
        run(_in(namespace, ["sysctl", "-q", "-w", *(f"{k}=1" for k in keys)]))


# The parts of a store's firewall, each applied on its own: the IPv4 and IPv6 filter tables,
# the ebtables nat table, the uplink's masquerade in the IPv4 nat table.
FIREWALL_PARTS = ("4", "6", "eb", "nat")


def _host_sysctls(keys: Sequence[str]) -> list[str] | None:
    """The host's own values, read from /proc (no ``sysctl`` process); None if unreadable."""
    try:
        return [Path("/proc/sys", *key.split(".")).read_text().strip() for key in keys]
    except OSError:
        return None


@dataclass(frozen=True)
class FirewallApplied:
    """What an apply changed: chains rewritten, and the ports some rule was taken from (their
    open connections may no longer be allowed); ``digests``: each part's
    ``firewall.ruleset_digest`` as now applied (what ``apply_firewall``'s ``last`` takes)."""

    rewritten: tuple[str, ...] = ()
    narrowed_ports: frozenset[str] = frozenset()
    forward_rules: int = 0  # rules of the store's IPv4 FORWARD chain, as rendered
    digests: dict[str, str] = field(default_factory=dict)


def apply_firewall(
    ports: Sequence[firewall.PortFilter],
    guard: firewall.HostGuard,
    *,
    namespace: str | None = None,
    last: Mapping[str, str] | None = None,
) -> FirewallApplied:
    """Bring the store's filters (IPv4, IPv6, ARP/MAC), guard and uplink NAT to ``ports``
    (which must have passed ``firewall.check_ports``) and ``guard``.

    Per table, one ``*-save`` shows what is in place and one atomic restore rewrites just
    the chains that differ (none: no restore). The chains are complete before the hooks that
    lead to them are added, so no packet ever meets a half-made filter.

    ``last``: each part's digest as last applied, when the caller knows the host still
    holds it; a part that renders to the same digest is left alone, not even saved (an
    IPv4 rule changes nothing in ip6tables or ebtables). Without it every part is saved.
    """
    ensure_bridge_netfilter(namespace)
    chains = firewall.StoreChains(guard.names)
    rewritten: list[str] = []
    narrowed: set[str] = set()
    by_chain = {}
    for port in ports:
        by_chain[chains.ingress(port.port_id)] = port.port_id
        by_chain[chains.egress(port.port_id)] = port.port_id
    hooks = (("FORWARD", chains.forward), ("INPUT", chains.input))
    families: tuple[Literal[4, 6], ...] = (4, 6)
    forward_rules = 0
    digests: dict[str, str] = {}

    def unchanged(part: str, text: str) -> bool:
        digests[part] = firewall.ruleset_digest(text)
        return last is not None and last.get(part) == digests[part]

    for family in families:
        if last is not None:
            text = firewall.render_filter_table(ports, guard, family=family)
            if family == 4:
                forward_rules = text.count(f"\n-A {chains.forward} ")
            if unchanged(str(family), text):
                continue
        saved = save(family=family, namespace=namespace)
        names_, rules = _parse_save(saved)
        text = firewall.render_filter_table(ports, guard, family=family, existing_chains=names_)
        digests[str(family)] = firewall.ruleset_digest(text)
        if family == 4:
            forward_rules = text.count(f"\n-A {chains.forward} ")
        update, lost_by_chain = firewall.diff_table(text, saved)
        if update:
            apply(update, family=family, namespace=namespace)
            for chain, lost in lost_by_chain.items():
                rewritten.append(chain)
                if lost and chain in by_chain:
                    narrowed.add(by_chain[chain])
                elif lost:  # a shared rule set: every port that jumps to it
                    narrowed |= {p.port_id for p in ports if firewall.shared_ingress_chain(
                        p, family, guard) == chain}
        for builtin, target in hooks:
            if f"-A {builtin} -j {target}" not in rules:
                ensure_hook(builtin, target, family=family, namespace=namespace)
    if last is None or not unchanged("eb", firewall.render_bridge_table(ports, guard)):
        _apply_bridge_table(ports, guard, namespace, digests)
    if not unchanged("nat", firewall.render_uplink_nat(guard)):
        _apply_uplink_nat(guard, namespace)
    return FirewallApplied(tuple(rewritten), frozenset(narrowed), forward_rules, digests)


def _apply_bridge_table(ports: Sequence[firewall.PortFilter], guard: firewall.HostGuard,
                        namespace: str | None, digests: dict[str, str]) -> None:
    chains = firewall.StoreChains(guard.names)
    saved = save(table="nat", family="eb", namespace=namespace)
    names_, rules = _parse_save(saved)
    text = firewall.render_bridge_table(ports, guard, existing_chains=names_)
    digests["eb"] = firewall.ruleset_digest(text)
    update = firewall.changes_only(text, saved)
    if update:
        apply(update, family="eb", namespace=namespace)
    for builtin, target in (("PREROUTING", chains.bridge), ("POSTROUTING", chains.bridge_out)):
        if f"-A {builtin} -j {target}" not in rules:
            ensure_hook(builtin, target, table="nat", family="eb", namespace=namespace)


def _apply_uplink_nat(guard: firewall.HostGuard, namespace: str | None) -> None:
    chain = firewall.StoreChains(guard.names).uplink_nat
    if not guard.uplink:
        # One chain's listing, not a save of the whole nat table (tens of ms on nft).
        if _chain_exists(chain, table="nat", namespace=namespace):
            remove_hook("POSTROUTING", chain, table="nat", namespace=namespace)
        return
    saved = save(table="nat", namespace=namespace)
    _, rules = _parse_save(saved)
    update = firewall.changes_only(firewall.render_uplink_nat(guard), saved)
    if update:
        apply(update, namespace=namespace)
    if f"-A POSTROUTING -j {chain}" not in rules:
        ensure_hook("POSTROUTING", chain, table="nat", namespace=namespace)


def _chain_exists(chain: str, *, table: str, namespace: str | None) -> bool:
    try:
        run(_in(namespace, ["iptables", "-w", "-t", table, "-S", chain]))
    except HostCommandError:
        return False
    return True


def store_chains(
    names: HostNames, *, table: str = "filter", family: Family = 4,
    namespace: str | None = None,
) -> list[str]:
    """The store's chains in one table now."""
    return list_chains(names.object_prefix, table=table, family=family, namespace=namespace)


def remove_firewall(names: HostNames, *, namespace: str | None = None) -> None:
    """Take every chain and hook of the store's away (nothing of it is left on the host)."""
    chains = firewall.StoreChains(names)
    families: tuple[Literal[4, 6], ...] = (4, 6)
    for family in families:
        _remove_store_chains(names, (("FORWARD", chains.forward), ("INPUT", chains.input)),
                             table="filter", family=family, namespace=namespace)
    _remove_store_chains(names, (("PREROUTING", chains.bridge),
                                 ("POSTROUTING", chains.bridge_out)),
                         table="nat", family="eb", namespace=namespace)
    _remove_store_chains(names, (("POSTROUTING", chains.uplink_nat),), table="nat",
                         family=4, namespace=namespace)


def _remove_store_chains(
    names: HostNames,
    hooks: tuple[tuple[str, str], ...],
    *,
    table: str,
    family: Family,
    namespace: str | None,
) -> None:
    saved = save(table=table, family=family, namespace=namespace)
    present, rules = _parse_save(saved)
    mine = [c for c in present if c.startswith(names.object_prefix)]
    if not mine:
        return
    for builtin, target in hooks:
        if f"-A {builtin} -j {target}" in rules:
            delete_rule(builtin, ["-j", target], table=table, family=family, namespace=namespace)
    # One restore empties every chain (so none still jumps to another), then deletes them.
    lines = [f"*{table}", *(f":{c} {'RETURN' if family == 'eb' else '- [0:0]'}" for c in mine),
             *(f"-X {c}" for c in mine), "COMMIT"]
    apply("\n".join(lines) + "\n", family=family, namespace=namespace)


# -- internals ----------------------------------------------------------------------------


def _cli(family: Family) -> list[str]:
    return [_CLI[family]] if family == "eb" else [_CLI[family], "-w"]


def _in(namespace: str | None, argv: Sequence[str]) -> list[str]:
    return ["ip", "netns", "exec", namespace, *argv] if namespace else list(argv)


def _parse_save(text: str) -> tuple[list[str], set[str]]:
    """Chain names and rule lines (``-A ...``) of one table's ``*-save`` output."""
    lines = text.splitlines()
    chains = sorted(line[1:].split()[0] for line in lines if line.startswith(":"))
    return chains, {line.strip() for line in lines if line.startswith("-A ")}


def _exit_status(exc: HostCommandError) -> int | None:
    status = getattr(exc, "returncode", None)
    if isinstance(status, int):
        return status
    found = re.search(r"\(exit (\d+)\)", str(exc))
    return int(found.group(1)) if found else None


def _describe_failure(exc: HostCommandError, text: str) -> str:
    """The program's complaint plus the failing line of ``text`` with context, numbered."""
    complaint = str(getattr(exc, "stderr", "") or exc).strip()
    found = re.search(r"(?:line:? )(\d+)", complaint)
    if not found:
        return complaint
    number = int(found.group(1))
    lines = text.splitlines()
    first, last = max(1, number - _CONTEXT), min(len(lines), number + _CONTEXT)
    shown = [
        f"{'>' if n == number else ' '} {n:5d}  {lines[n - 1]}" for n in range(first, last + 1)
    ]
    return "\n".join([complaint, *shown])

