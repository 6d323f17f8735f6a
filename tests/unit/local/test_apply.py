"""reconcile/apply.py: runs of bridge, DHCP and router steps go side by side, phases keep
their order, and the report reads as if every step ran one after the other."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.reconcile import apply as applying
from ostack_cli.backend.local.reconcile import plan as steps
from ostack_cli.backend.local.reconcile.desired import BridgeSpec, Desired, HostSettings

SETTINGS = HostSettings(names=HostNames("a1b"), host_dir=Path("/nonexistent"))


def _bridge(n: int) -> steps.EnsureBridge:
    return steps.EnsureBridge(("network", f"n{n}"), BridgeSpec(name=f"b{n}", network_id=f"n{n}",
                                                                mtu=1500))


def _dhcp(n: int) -> steps.EnsureDhcp:
    return steps.EnsureDhcp(("network", f"n{n}"), _Spec(f"n{n}"))  # type: ignore[arg-type]


def _no_hypervisor() -> Any:
    raise AssertionError("no step here needs libvirt")


class _Spec:
    def __init__(self, network_id: str) -> None:
        self.network_id, self.namespace = network_id, f"ns-{network_id}"


class _Recorder:
    """Stands in for the steps: records when each ran and how many ran at once."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.log: list[tuple[str, str]] = []  # ("start" | "end", description)

    def __call__(self, action: steps.Action, *_: Any) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.log.append(("start", action.describe()))
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
            self.log.append(("end", action.describe()))
        if action.key[1] in self.failing:
            raise RuntimeError(f"{action.key[1]} broke\nsecond line")


def test_runs_of_steps_go_side_by_side_and_phases_keep_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = _Recorder(failing={"n1", "n12"})
    monkeypatch.setattr(applying, "_run", recorder)
    actions = (
        steps.RemoveLink(("host", "x"), "x"),
        *(_bridge(n) for n in range(6)),
        steps.PlugTap(("port", "p1"), "t1", "b1"),
        *(_dhcp(n) for n in range(10, 15)),
    )
    hooked: list[str] = []
    report = applying.apply(steps.Plan(actions), Desired(settings=SETTINGS), _no_hypervisor,
                            fault_hook=hooked.append)
    described = [a.describe() for a in actions]
    assert hooked == described, "every fault point, in plan order"
    assert report.done == [d for a, d in zip(actions, described, strict=True)
                           if a.key[1] not in ("n1", "n12")]
    assert report.faults == {
        ("network", "n1"): f"{actions[2].describe()} failed: n1 broke",
        ("network", "n12"): f"{actions[10].describe()} failed: n12 broke",
    }
    assert 1 < recorder.most <= applying.WORKERS
    # Nothing of a phase starts before every step of the one before has ended.
    order = [d for what, d in recorder.log]
    position = {(what, d): i for i, (what, d) in enumerate(recorder.log)}
    bridges, dhcp = described[1:7], described[8:]
    tap = described[7]
    assert max(position[("end", d)] for d in bridges) < position[("start", tap)]
    assert position[("end", tap)] < min(position[("start", d)] for d in dhcp)
    assert order[0] == described[0]


def test_a_step_on_its_own_runs_in_the_callers_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    monkeypatch.setattr(applying, "_run",
                        lambda *_: threads.append(threading.current_thread().name))
    report = applying.apply(steps.Plan((_bridge(1), steps.PlugTap(("port", "p"), "t", "b"),
                                        _dhcp(2))),
                            Desired(settings=SETTINGS), _no_hypervisor)
    assert threads == [threading.current_thread().name] * 3
    assert len(report.done) == 3


def test_runs_are_cut_by_kind() -> None:
    actions = [_bridge(1), _bridge(2), steps.PlugTap(("port", "p"), "t", "b1"),
               steps.PlugTap(("port", "q"), "u", "b2"), _dhcp(3), _bridge(4)]
    assert [len(run) for run in applying._runs(actions)] == [2, 1, 1, 1, 1]
