"""The host side of the local backend as a reconciler: observe what the host holds, plan the
difference against the store (a pure function), apply it step by step, record faults.

The shape of Neutron's agents and Kubernetes' controllers: nothing is remembered between
runs, so the same converge follows one change, repairs a host that lost everything (a reboot)
and collects whatever a crash left behind. One converge runs at a time per store (a lock in
its state directory); two stores on one host never touch each other's objects (each names
its objects with its own tag).

Order matters for crashes: a converge observes the host *before* it reads the store, and
every command writes its records *before* it makes host objects (and removes host objects
before it deletes records). So whatever a converge observes that a concurrent command just
made already has its record, and is never taken for debris.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from ostack_cli import faults as fault_points
from ostack_cli.backend.local.host_lock import host_lock
from ostack_cli.backend.local.reconcile import apply as applying
from ostack_cli.backend.local.reconcile import desired as wanting
from ostack_cli.backend.local.reconcile import observe as observing
from ostack_cli.backend.local.reconcile import plan as planning
from ostack_cli.backend.local.reconcile.apply import Report
from ostack_cli.backend.models.network import FloatingIP, Network, Port, Router, Subnet
from ostack_cli.backend.models.port_forwarding import PortForwarding
from ostack_cli.backend.models.security_group import SecurityGroupRule
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import OstackError
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.backend.local.host import HostContext

BINDING_FAILED = "binding_failed"
BOUND_VIF_TYPE = "bridge"  # Neutron's linuxbridge binding

__all__ = ["Reconciler", "Report"]


class Reconciler:
    """Converges the host to one store. ``before`` runs under the lock first: the store-side
    claims of the DHCP agent (a DHCP port on each network that serves guests)."""

    def __init__(
        self, store: Store, host: HostContext, *, before: Callable[[], None] = lambda: None
    ) -> None:
        self.store = store
        self.host = host
        self.before = before

    @property
    def active(self) -> bool:
        """Whether there is a host to drive (not libvirt's test driver, and root)."""
        return not self.host.is_test_driver and os.geteuid() == 0

    def converge(self, *, deep: bool = False) -> Report:
        if not self.active:
            return Report()
        with host_lock(self.host.state_dir):
            self.before()
            self.host.register_tag()
            settings = self.host.host_settings()
            observed = observing.observe(settings.names, settings.host_dir, self._domains(),
                                         deep=deep)
            desired = wanting.desired_host(read_records(self.store), settings)
            steps = planning.plan(desired, observed, deep=deep)
            report = applying.apply(steps, desired, lambda: self.host.hypervisor,
                                    fault_hook=lambda step: fault_points.reached(
                                        f"converge:{step}"))
            self._record(desired, report)
        return report

    def plan(self, *, deep: bool = False) -> planning.Plan:
        """What a converge would do now; changes nothing."""
        settings = self.host.host_settings()
        observed = observing.observe(settings.names, settings.host_dir, self._domains(),
                                     deep=deep)
        desired = wanting.desired_host(read_records(self.store), settings)
        return planning.plan(desired, observed, deep=deep)

    def purge(self) -> Report:
        """Take everything of the store's off the host, whatever its records say (what a
        store's teardown and the tests' clean-up use)."""
        if not self.active:
            return Report()
        with host_lock(self.host.state_dir):
            settings = self.host.host_settings()
            observed = observing.observe(settings.names, settings.host_dir, self._domains())
            desired = wanting.desired_host(wanting.Records(), settings)
            steps = planning.plan(desired, observed, deep=True)
            report = applying.apply(steps, desired, lambda: self.host.hypervisor)
        if not report.faults:
            from ostack_cli.backend.local.host import unregister_tag

            unregister_tag(settings.names.tag, self.host.state_dir)
        return report

    def inventory(self) -> list[str]:
        """Every object of the store's on the host, one line each: guests, devices,
        namespaces, dnsmasq processes, metadata proxies, chains and files (what the tests
        compare)."""
        from ostack_cli.backend.local import iptables

        settings = self.host.host_settings()
        seen = observing.observe(settings.names, settings.host_dir, self._domains())
        chains = [f"chain {family} {table} {c}"
                  for family, table in ((4, "filter"), (6, "filter"), ("eb", "nat"),
                                        (4, "nat"))
                  for c in iptables.store_chains(settings.names, table=table,
                                                 family=family)]  # type: ignore[arg-type]
        return sorted([
            *(f"guest {d}" for d in seen.domains), *(f"device {d}" for d in seen.links),
            *(f"namespace {n}" for n in seen.namespaces),
            *(f"dnsmasq {n}" for n in seen.dnsmasq),
            *(f"metadata-proxy {n}" for n in seen.metadata), *chains,
            *("process console-proxy" for _ in seen.console_proxies),
            *(f"file instances/{i}" for i in seen.instance_dirs),
            *(f"file _base/{i}" for i in seen.base_files),
            *(f"file volumes/{n}" for n in seen.volume_files),
            *(f"file dhcp/{n}" for n in seen.dhcp_dirs),
            *(f"file routers/{r}" for r in seen.router_digests),
        ])

    def _domains(self) -> list[str]:
        try:
            return [d.name() for d in self.host.hypervisor.conn.listAllDomains(0)]
        except OstackError:
            return []  # libvirt down: no guest is taken for an orphan

    def _record(self, desired: wanting.Desired, report: Report) -> None:
        """Faults onto the records: a port's binding, a network's or router's status."""
        with self.store.transaction():
            for _, (_, port_id) in desired.taps.items():
                self._set(Port, port_id, "binding_vif_type",
                          BINDING_FAILED if ("port", port_id) in report.faults
                          else BOUND_VIF_TYPE)
            for port_id in [k[1] for k in report.faults if k[0] == "port"]:
                self._set(Port, port_id, "binding_vif_type", BINDING_FAILED)
            networks = {b.network_id for b in desired.bridges.values()}
            networks |= {k[1] for k in report.faults if k[0] == "network"}
            for network_id in networks:
                self._set(Network, network_id, "status",
                          "ERROR" if ("network", network_id) in report.faults else "ACTIVE")
            routers = set(desired.routers) | {k[1] for k in report.faults if k[0] == "router"}
            for router_id in routers:
                self._set(Router, router_id, "status",
                          "ERROR" if ("router", router_id) in report.faults else "ACTIVE")

    def _set(self, model: type[Port] | type[Network] | type[Router], resource_id: str,
             attribute: str, value: str) -> None:
        current = self.store.get(model, resource_id)
        if current is not None and getattr(current, attribute) != value:
            self.store.update(current.replace(**{attribute: value}))


def read_records(store: Store) -> wanting.Records:
    from ostack_cli.backend.models.image import Image
    from ostack_cli.backend.models.volume import Volume, VolumeSnapshot

    return wanting.Records(
        networks=tuple(store.list(Network)),
        subnets=tuple(store.list(Subnet)),
        ports=tuple(store.list(Port)),
        routers=tuple(store.list(Router)),
        floating_ips=tuple(store.list(FloatingIP)),
        port_forwardings=tuple(store.list(PortForwarding)),
        rules=tuple(store.list(SecurityGroupRule)),
        servers=tuple(store.list(Server)),
        image_ids=frozenset(i for i, _ in store.names(Image.KIND)),
        volumes=tuple((v.id, v.status) for v in store.list(Volume)),
        volume_snapshots=tuple((s.id, s.status) for s in store.list(VolumeSnapshot)),
    )
