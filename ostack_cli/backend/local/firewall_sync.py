"""The firewall-only converge: after a command that wrote only security groups or their
rules, the host's filters are brought in line without the full reconciler.

A group or a rule changes nothing but the port filters: no bridge, namespace, DHCP server or
guest depends on one. So this converge reads only ports and rules, observes only the store's
IPv4 FORWARD chain (one ``iptables -S``), and re-applies only the parts of the firewall
whose rendered text differs from what was last applied (``firewall_state``): an IPv4 rule
saves and restores the IPv4 filter table alone.

It runs under the same host lock as a full converge and gives way to one (returns False)
whenever it cannot vouch for the result: no record of a complete last apply, the FORWARD
chain gone or not holding the rules it got (a flush, a firewall reload, a reboot), the
uplink opt-in (its rules depend on the external networks, which only the full converge
derives), a port that does not render or is not bound, or an apply that failed. The full
converge then re-applies every part and reports faults as always (a ``HostFault`` for the
command when the firewall could not be applied).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ostack_cli import faults as fault_points
from ostack_cli.backend.local import conntrack, firewall, firewall_state, iptables
from ostack_cli.backend.local.host_lock import host_lock
from ostack_cli.backend.local.port_filters import firewall_digest, guest_ports, port_filters
from ostack_cli.backend.models.network import Port
from ostack_cli.backend.models.security_group import SecurityGroupRule
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.backend.local.host import HostContext

BOUND_VIF_TYPE = "bridge"  # what a full converge records on a port it plugged and filtered
# The full converge's step: its fault point is reached here too, before the same work.
APPLY_STEP = "apply the store's firewall"


def apply_and_record(
    ports: Sequence[firewall.PortFilter],
    guard: firewall.HostGuard,
    digest: str,
    *,
    last: Mapping[str, str] | None = None,
) -> iptables.FirewallApplied:
    """Apply the store's firewall (``last``: see ``iptables.apply_firewall``) and record it;
    connections a narrowed port may no longer carry are forgotten by conntrack."""
    tag = guard.names.tag
    firewall_state.forget(tag)  # until the new rules are in place
    applied = iptables.apply_firewall(ports, guard, last=last)
    firewall_state.record(tag, digest, applied.forward_rules, applied.digests)
    addresses = [ip for p in ports if p.port_id in applied.narrowed_ports
                 for ip in p.fixed_ips]
    if addresses:
        conntrack.forget(addresses)
    return applied


def converge_firewall(store: Store, host: HostContext) -> bool:
    """Bring the store's firewall in line with its records; False when this converge cannot
    (the caller then runs the full one), True when the host's filters follow the records."""
    if host.settings.uplink_interface:
        return False
    names = host.names
    with host_lock(host.state_dir):
        marker = firewall_state.read_marker(names.tag)
        last = firewall_state.read_parts(names.tag)
        if marker is None or set(last) != set(iptables.FIREWALL_PARTS):
            return False
        if firewall_state.chain_rules(names.chain("FORWARD")) != marker[1]:
            return False
        ports = store.list(Port)
        faults: dict[tuple[str, str], str] = {}
        guests = guest_ports(ports, names, faults)
        if faults or not guests or any(p.binding_vif_type != BOUND_VIF_TYPE for p in guests):
            return False
        guard = firewall.HostGuard(names=names, host_access=host.settings.host_access)
        candidates = port_filters(ports, guests, store.list(SecurityGroupRule), names)
        good, failed = firewall.check_ports(candidates, guard)
        if failed:
            return False
        digest = firewall_digest(good, guard)
        if digest == marker[0]:
            return True
        fault_points.reached(f"converge:{APPLY_STEP}")
        try:
            apply_and_record(good, guard, digest, last=last)
        except Exception:  # the markers are gone: the full converge re-applies and reports
            return False
    return True
