"""The firewall's inputs from the store's records: each guest port's filter, its rules taken
from its security groups, and the digest everything the store's rules are rendered from.

Pure, and the one place both converges take them from: the full one (``reconcile.desired``)
and the firewall-only one after a security group change (``firewall_sync``). The two must
agree to the byte: each reads the other's digest to tell whether the host is in line.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Sequence

from ostack_cli.backend.local import firewall
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.models.network import DEVICE_OWNER_DHCP, Port
from ostack_cli.backend.models.security_group import SecurityGroupRule

COMPUTE_OWNER_PREFIX = "compute:"

FaultKey = tuple[str, str]  # (store kind, resource ID)


def guest_ports(ports: Iterable[Port], names: HostNames,
                faults: dict[FaultKey, str]) -> list[Port]:
    """The ports guests plug into (oldest first), each with a tap name of its own; a port
    whose name is bad or taken gets a fault instead."""
    guests = [p for p in ports if p.device_owner.startswith(COMPUTE_OWNER_PREFIX)]
    return unique_devices(guests, names.tap, "port", faults)


def port_filters(
    ports: Sequence[Port],
    guests: Iterable[Port],
    rules: Iterable[SecurityGroupRule],
    names: HostNames,
) -> list[firewall.PortFilter]:
    """What the firewall must know of each of ``guests``: ``ports`` are all the store's
    (remote groups' members, the networks' DHCP servers), ``rules`` all its rules."""
    members: dict[str, set[str]] = {}
    by_network: dict[str, list[Port]] = {}
    for port in ports:
        by_network.setdefault(port.network_id, []).append(port)
        for group_id in port.security_group_ids:
            members.setdefault(group_id, set()).update(f["ip_address"] for f in port.fixed_ips)
    # Each group's rules made once and shared by its ports (one tuple, one repr, one check).
    by_group: dict[str, list[firewall.RuleSpec]] = {}
    for rule in rules:
        by_group.setdefault(rule.security_group_id, []).append(rule_spec(rule, members))
    shared = {group: tuple(specs) for group, specs in by_group.items()}
    return [port_filter(p, shared, by_network, names) for p in guests]


def rule_spec(rule: SecurityGroupRule, members: dict[str, set[str]]) -> firewall.RuleSpec:
    return firewall.RuleSpec(
        direction=rule.direction,  # type: ignore[arg-type]
        ethertype=rule.ethertype,  # type: ignore[arg-type]
        protocol=rule.protocol,
        port_range_min=rule.port_range_min,
        port_range_max=rule.port_range_max,
        remote_ip_prefix=rule.remote_ip_prefix,
        remote_addresses=tuple(sorted(members.get(rule.remote_group_id, set())))
        if rule.remote_group_id else None,
    )


def firewall_digest(ports: Sequence[firewall.PortFilter], guard: firewall.HostGuard) -> str:
    """A fingerprint of everything the store's rules are rendered from. Ports of one group
    share their rules' tuple: each distinct tuple is written out once. The external ranges
    count only with the uplink opt-in (nothing else renders them), so a converge that
    never looks at networks and routers can tell the digest too."""
    rendered_guard = guard if guard.uplink else dataclasses.replace(guard, external=())
    digest = hashlib.sha256(repr(rendered_guard).encode())
    written: dict[int, int] = {}  # id of a rules tuple (alive all along) -> its number
    for port in ports:
        number = written.get(id(port.rules))
        if number is None:
            number = written[id(port.rules)] = len(written)
            digest.update(f"rules {number} {port.rules!r}\n".encode())
        fields = (port.port_id, port.tap, port.mac, port.fixed_ips, port.port_security,
                  port.allowed_address_pairs, port.dhcp_servers, number)
        digest.update(f"{fields!r}\n".encode())
    return digest.hexdigest()[:32]


def port_filter(
    port: Port,
    rules_by_group: dict[str, tuple[firewall.RuleSpec, ...]],
    by_network: dict[str, list[Port]],
    names: HostNames,
) -> firewall.PortFilter:
    groups = port.security_group_ids
    # One group (the common case): its shared tuple as it is.
    rules = (rules_by_group.get(groups[0], ()) if len(groups) == 1
             else tuple(r for g in groups for r in rules_by_group.get(g, ())))
    dhcp_servers = tuple(
        f["ip_address"] for p in by_network.get(port.network_id, [])
        if p.device_owner == DEVICE_OWNER_DHCP for f in p.fixed_ips
    )
    return firewall.PortFilter(
        port_id=port.id,
        tap=names.tap(port.id),
        mac=port.mac_address,
        fixed_ips=tuple(f["ip_address"] for f in port.fixed_ips),
        port_security=port.is_port_security_enabled,
        rules=rules,
        allowed_address_pairs=tuple(
            (pair.get("mac_address") or port.mac_address, pair["ip_address"])
            for pair in port.allowed_address_pairs
        ),
        dhcp_servers=dhcp_servers,
    )


def unique_devices(
    ports: list[Port], device: Callable[[str], str], kind: str, faults: dict[FaultKey, str]
) -> list[Port]:
    """Ports whose tap names are their own; a later port sharing one gets a fault."""
    seen: dict[str, str] = {}
    kept = []
    for port in sorted(ports, key=lambda p: (p.created_at, p.id)):
        try:
            name = device(port.id)
        except ValueError as exc:
            faults[(kind, port.id)] = str(exc)
            continue
        if name in seen:
            faults[(kind, port.id)] = f"its device name {name} is taken by {seen[name]}"
            continue
        seen[name] = port.id
        kept.append(port)
    return kept
