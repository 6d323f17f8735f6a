"""Carrying out a plan, step by step: a step that fails records a fault against its resource
and the other steps still run (one resource never jams the host for the others).

A run of bridge, DHCP, router or metadata proxy steps goes side by side in a few threads:
each touches only its own objects (a bridge, a network's DHCP namespace, a router's
namespace, a namespace's proxy) and spends its time waiting for ``ip``, dnsmasq,
iptables-restore or a proxy's start, not in Python. The phases keep their
order (the next starts once every step of one run has ended), and faults, the fault points
and ``Report.done`` follow the plan's order as if the steps ran one after the other.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ostack_cli.backend.local import (
    console_proxy_host,
    firewall_state,
    firewall_sync,
    host_network,
    iptables,
    metadata_host,
    router_host,
)
from ostack_cli.backend.local.names import TAP
from ostack_cli.backend.local.reconcile import plan as steps
from ostack_cli.backend.local.reconcile.desired import Desired, FaultKey, dhcp_files
from ostack_cli.backend.local.reconcile.observe import APPLIED_SUFFIX, FORWARDING_FILE
from ostack_cli.backend.local.runner import HostCommandError

if TYPE_CHECKING:
    from ostack_cli.backend.local.hypervisor import Hypervisor


# Steps that may run side by side with others of their kind, and how many at once: enough
# to overlap their processes' start-up and waits on a small host, few enough not to swamp it.
SIDE_BY_SIDE = (steps.EnsureBridge, steps.EnsureDhcp, steps.EnsureRouter,
                steps.StartMetadataProxy)
WORKERS = 4


@dataclass
class Report:
    done: list[str] = field(default_factory=list)
    faults: dict[FaultKey, str] = field(default_factory=dict)
    narrowed_ports: frozenset[str] = frozenset()  # ports some firewall rule was taken from


def apply(
    plan: steps.Plan,
    desired: Desired,
    hypervisor: Callable[[], Hypervisor],
    *,
    fault_hook: Callable[[str], None] = lambda _: None,
) -> Report:
    """Run every step of ``plan``; ``fault_hook`` is called with each step's description
    before it runs (the fault-injection tier kills the process there)."""
    report = Report(faults=dict(plan.faults))
    host_dir = desired.settings.host_dir
    for group in _runs(plan.actions):
        if len(group) == 1:
            action = group[0]
            fault_hook(action.describe())
            try:
                _run(action, desired, host_dir, hypervisor, report)
            except Exception as exc:  # one step's failure is that resource's fault
                _failed(action, exc, desired, report)
                continue
            report.done.append(action.describe())
            continue
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(group))) as pool:
            # The fault points are reached here, in plan order, each just before its step
            # is handed to a worker: a kill there leaves that step and those after it
            # undone, and those handed over before it done or half-done, as any crash
            # leaves them (the next converge finishes them).
            futures = []
            for action in group:
                fault_hook(action.describe())
                futures.append(pool.submit(_run, action, desired, host_dir, hypervisor, report))
            for action, future in zip(group, futures, strict=True):
                failure = future.exception()
                if failure is None:
                    report.done.append(action.describe())
                elif isinstance(failure, Exception):
                    _failed(action, failure, desired, report)
                else:
                    raise failure
    return report


def _runs(actions: Sequence[steps.Action]) -> Iterator[list[steps.Action]]:
    """The plan cut into runs: consecutive steps of one kind that may go side by side, and
    every other step on its own."""
    group: list[steps.Action] = []
    for action in actions:
        if group and (type(action) is not type(group[0])
                      or not isinstance(action, SIDE_BY_SIDE)):
            yield group
            group = []
        group.append(action)
    if group:
        yield group


def _failed(action: steps.Action, exc: Exception, desired: Desired, report: Report) -> None:
    report.faults.setdefault(action.key, f"{action.describe()} failed: {_one_line(exc)}")
    if isinstance(action, steps.ApplyFirewall):
        # Without its filters no port may carry traffic: the catch-all of a previous apply
        # still drops unknown taps, and new taps are never plugged here.
        for port in desired.ports:
            report.faults.setdefault(("port", port.port_id),
                                     f"its firewall could not be applied: {_one_line(exc)}")


def _run(
    action: steps.Action,
    desired: Desired,
    host_dir: Path,
    hypervisor: Callable[[], Hypervisor],
    report: Report,
) -> None:
    names = desired.settings.names
    match action:
        case steps.DestroyGuest(domain=domain):
            hypervisor().undefine(domain)
        case steps.ApplyFirewall():
            assert desired.guard is not None
            applied = firewall_sync.apply_and_record(desired.ports, desired.guard,
                                                     desired.firewall_digest)
            report.narrowed_ports = applied.narrowed_ports
        case steps.RemoveFirewall():
            taps = [d for d in _devices() if d.startswith(names.device_prefix + TAP)]
            if taps:  # a guest still running (its destroy failed) keeps its filters
                raise HostCommandError(f"taps {', '.join(taps)} are still on the host")
            firewall_state.forget(names.tag)
            iptables.remove_firewall(names)
        case steps.SetForwarding(enable=True):
            saved = host_dir / FORWARDING_FILE
            if not saved.exists():
                current = Path("/proc/sys/net/ipv4/ip_forward").read_text().strip()
                _write_private(saved, current + "\n")
            router_host.set_forwarding("1")
        case steps.SetForwarding(enable=False):
            saved = host_dir / FORWARDING_FILE
            router_host.set_forwarding(saved.read_text().strip() or "0")
            saved.unlink()
        case steps.StopDhcp(pids=pids):
            for pid in pids:
                host_network.stop(pid)
        case steps.StopMetadataProxy(pids=pids):
            metadata_host.stop(pids)
        case steps.StartMetadataProxy(spec=spec, restart=restart):
            metadata_host.start(spec, stale=restart)
        case steps.RemoveRouter(namespace=namespace):
            router_host.remove_router(namespace)
        case steps.RemoveNamespace(namespace=namespace):
            host_network.remove_namespace(namespace)
        case steps.RemoveLink(device=device):
            router_host.remove_link(device)
        case steps.EnsureBridge(spec=spec):
            router_host.ensure_bridge(spec.name, spec.mtu, spec.address)
        case steps.PlugTap(tap=tap, bridge=bridge):
            router_host.plug(tap, bridge)
        case steps.EnsureDhcp(spec=spec, restart=restart):
            host_network.ensure_dhcp(spec, dhcp_files(host_dir, spec.network_id),
                                     stale=restart)
        case steps.EnsureRouter(plan=router):
            marker = host_dir / "routers" / f"{router.spec.router_id}{APPLIED_SUFFIX}"
            with contextlib.suppress(FileNotFoundError):
                marker.unlink()  # a crash mid-way must not leave the old fingerprint
            router_host.ensure_router(router.spec, names)
            marker.parent.mkdir(mode=0o700, exist_ok=True)
            _write_private(marker, router.digest)
        case steps.StopConsoleProxy(pids=pids):
            for pid in pids:
                console_proxy_host.stop(pid)
        case steps.StartConsoleProxy(spec=spec):
            # Not waited for: it listens once it has started (``console url show`` waits).
            console_proxy_host.start(spec)
        case steps.RemoveFiles(path=relative):
            target = host_dir / relative
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()
        case _:
            raise TypeError(f"unknown step {action!r}")


def _devices() -> list[str]:
    try:
        return os.listdir("/sys/class/net")
    except OSError:
        return []


def _write_private(path: Path, text: str) -> None:
    from ostack_cli.state.paths import write_private_file

    write_private_file(path, text.encode())


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
