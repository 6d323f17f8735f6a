"""The firewall's inputs as both converges compute them: the full one (``desired_host``) and
the firewall-only one (``port_filters`` on ports and rules alone) must agree on the digest,
or each would take the other's apply for one that is out of line."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.local import firewall
from ostack_cli.backend.local.port_filters import firewall_digest, guest_ports, port_filters
from ostack_cli.backend.local.reconcile.desired import Records, desired_host
from ostack_cli.backend.models.security_group import SecurityGroupRule
from tests.unit.local.test_reconcile import GROUP, NAMES, PROJECT, SETTINGS, article


def firewall_only(records: Records, *, host_access: bool = False) -> str:
    """The digest as ``firewall_sync`` computes it: no networks, routers or servers read."""
    faults: dict[tuple[str, str], str] = {}
    guests = guest_ports(records.ports, NAMES, faults)
    guard = firewall.HostGuard(names=NAMES, host_access=host_access)
    good, failed = firewall.check_ports(
        port_filters(records.ports, guests, records.rules, NAMES), guard)
    assert not faults and not failed
    return firewall_digest(good, guard)


def test_both_converges_agree_on_the_digest_of_a_store_with_an_external_network() -> None:
    records = article()
    desired = desired_host(records, SETTINGS)
    assert desired.guard is not None and desired.guard.external, "the article has External"
    assert firewall_only(records) == desired.firewall_digest


def test_they_agree_after_a_rule_is_added_and_differ_from_before() -> None:
    records = article()
    wider = dataclasses.replace(records, rules=(*records.rules, SecurityGroupRule(
        id="r2", security_group_id=GROUP, project_id=PROJECT, direction="ingress",
        protocol="tcp", port_range_min=22, port_range_max=22)))
    assert firewall_only(wider) == desired_host(wider, SETTINGS).firewall_digest
    assert firewall_only(wider) != firewall_only(records)


def test_host_access_counts_for_both() -> None:
    records = article()
    opened = dataclasses.replace(SETTINGS, host_access=True)
    assert firewall_only(records, host_access=True) == desired_host(
        records, opened).firewall_digest
    assert firewall_only(records, host_access=True) != firewall_only(records)


def test_the_external_ranges_count_only_with_the_uplink_opt_in() -> None:
    """Nothing renders them without the uplink: the digest leaves them out then."""
    ports, _ = firewall.check_ports([], firewall.HostGuard(names=NAMES))
    external = (firewall.ExternalRange(bridge=NAMES.bridge("e" * 8), cidr="203.0.113.0/24"),)
    plain = firewall.HostGuard(names=NAMES)
    assert firewall_digest(ports, dataclasses.replace(plain, external=external)) == \
        firewall_digest(ports, plain)
    uplinked = dataclasses.replace(plain, uplink="eth0")
    assert firewall_digest(ports, dataclasses.replace(uplinked, external=external)) != \
        firewall_digest(ports, uplinked)
