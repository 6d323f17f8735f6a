"""Which tags on the host are orphans (``backend.local.orphans``): the pure part, from the
names the host holds and the tag registry; and ``host sync --orphans`` where no host is
driven. The sweep against the real host is ``tests/vm/test_orphans_vm.py``."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

from ostack_cli.backend.local import host, orphans
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.orphans import Seen, Verdict
from tests.conftest import Runner

NET = "84eb934f-20a1-48b8-9398-1da72d4cb9a9"
ROUTER = "b58cba37-9be4-4ac7-9b05-7b6caf70315d"
SERVER = "0b3c1d2e-1111-4222-8333-944455556666"


def _store(tag: str) -> Seen:
    """What a store with a router on a network holds on the host."""
    names = HostNames(tag)
    return Seen(
        chains=frozenset({f"4 filter {names.chain('FORWARD')}", f"6 filter {names.chain('INPUT')}",
                          f"eb nat {names.chain('PREROUTING')}",
                          f"4 nat {names.chain('uplink-nat')}"}),
        links=frozenset({names.bridge(NET), names.router_leg(ROUTER, NET, external=False)}),
        namespaces=frozenset({names.router_namespace(ROUTER)}),
        proxies=frozenset({names.router_namespace(ROUTER)}),
    )


def _host(*stores: Seen, guests: dict[str, tuple[str, ...]] | None = None) -> Seen:
    """Several stores' objects on one host, with the host's own and older ostack's."""
    return Seen(
        chains=frozenset({"4 filter FORWARD", "4 filter ostack-FORWARD",
                          *(c for s in stores for c in s.chains)}),
        links=frozenset({"lo", "eth0", "virbr0", "ostbr84eb934f20", "osttap84eb934f",
                         *(link for s in stores for link in s.links)}),
        namespaces=frozenset({f"ostack-router-{ROUTER}", f"ostack-dhcp-{NET}", "ostt-hv-1-aa",
                              *(n for s in stores for n in s.namespaces)}),
        proxies=frozenset(p for s in stores for p in s.proxies),
        guests=guests or {},
    )


def _judge(seen: Seen, owners: dict[str, str | None], existing: Collection[str] = (),
           keep: Collection[str] = ()) -> dict[str, Verdict]:
    return {v.tag: v for v in orphans.judge(seen, owners, lambda p: p in existing, keep=keep)}


def test_tag_of_reads_tagged_names_only() -> None:
    names = HostNames("a1f")
    assert orphans.tag_of(names.bridge(NET)) == "a1f"
    assert orphans.tag_of(names.tap(NET)) == "a1f"
    assert orphans.tag_of(names.router_leg(ROUTER, NET, external=True)) == "a1f"
    assert orphans.tag_of(names.router_namespace(ROUTER)) == "a1f"
    assert orphans.tag_of(names.dhcp_namespace(NET)) == "a1f"
    assert orphans.tag_of(names.domain(SERVER)) == "a1f"
    assert orphans.tag_of(names.chain("sg-fallback")) == "a1f"
    # Older stores' names, the host's own, and look-alikes carry no tag.
    for name in (f"ostack-{SERVER}", f"ostack-router-{ROUTER}", f"ostack-dhcp-{NET}",
                 "ostbr84eb934f20", "osttap84eb934f", "ostack-FORWARD", "ostt-hv-1-aa",
                 "ostabcx12345678", "ostabcb1234567", "ostack-abc", "FORWARD", "eth0"):
        assert orphans.tag_of(name) is None, name


def test_objects_are_grouped_by_tag() -> None:
    found = orphans.objects_by_tag(_host(_store("a1f"), _store("07c")))
    assert sorted(found) == ["07c", "a1f"]
    assert found["a1f"] == sorted([
        "chain 4 filter ostack-a1f-FORWARD", "chain 6 filter ostack-a1f-INPUT",
        "chain eb nat ostack-a1f-PREROUTING", "chain 4 nat ostack-a1f-uplink-nat",
        f"device {HostNames('a1f').bridge(NET)}",
        f"device {HostNames('a1f').router_leg(ROUTER, NET, external=False)}",
        f"namespace ostack-a1f-router-{ROUTER}", f"metadata-proxy ostack-a1f-router-{ROUTER}",
    ])
    assert orphans.objects_by_tag(_host()) == {}


def test_a_tag_without_a_live_owner_is_an_orphan() -> None:
    seen = _host(_store("a1f"), _store("07c"), _store("555"), _store("999"))
    verdicts = _judge(seen, owners={"a1f": "/tmp/live/home", "07c": "/tmp/dead/home",
                                    "555": None},
                      existing={"/tmp/live/home"})
    assert not verdicts["a1f"].orphan and verdicts["a1f"].kept == \
        "its store /tmp/live/home exists"
    assert verdicts["07c"].orphan  # registered, its directory deleted without a purge
    assert verdicts["555"].orphan and verdicts["999"].orphan  # never or no longer registered
    assert verdicts["07c"].summary() == (
        "4 chains, 2 devices, 1 metadata proxy, 1 namespace (store /tmp/dead/home is gone)")
    assert verdicts["555"].summary().endswith("(no store registered)")


def test_the_store_running_the_sweep_is_kept_even_unregistered() -> None:
    verdicts = _judge(_host(_store("a1f")), owners={}, keep={"a1f"})
    assert not verdicts["a1f"].orphan


def test_a_guest_whose_disks_exist_keeps_its_tag_after_a_reboot() -> None:
    # After a reboot: /run (the registry) is empty and only libvirt's guests are left.
    names = HostNames("a1f")
    disk = f"/srv/a-host/instances/{SERVER}/disk"
    seen = _host(guests={names.domain(SERVER): (disk,)})
    kept = _judge(seen, owners={}, existing={disk})["a1f"]
    assert not kept.orphan and kept.by_guest and "disks" in kept.kept
    # Its disks gone with its store: the guest goes too.
    gone = _judge(seen, owners={})["a1f"]
    assert gone.orphan and gone.guests() == [names.domain(SERVER)]
    # A guest without a disk file cannot be told: kept.
    bare = _judge(_host(guests={names.domain(SERVER): ()}), owners={})["a1f"]
    assert not bare.orphan and bare.by_guest


def test_a_live_guest_keeps_the_rest_of_its_tag() -> None:
    names = HostNames("a1f")
    disk = f"/srv/a-host/instances/{SERVER}/disk"
    seen = _host(_store("a1f"), guests={names.domain(SERVER): (disk,)})
    verdict = _judge(seen, owners={"a1f": "/srv/a/home"}, existing={disk})["a1f"]
    assert not verdict.orphan


def test_disk_files_of_a_domain() -> None:
    xml = f"""<domain type='qemu'><name>ostack-a1f-{SERVER}</name><devices>
      <disk type='file' device='disk'><source file='/h/instances/{SERVER}/disk'/></disk>
      <disk type='file' device='cdrom'><source file='/h/instances/{SERVER}/disk.config'/></disk>
      <disk type='network' device='disk'><source protocol='rbd' name='p/v'/></disk>
      <interface type='bridge'><source bridge='osta1fb84eb934f'/></interface>
    </devices></domain>"""
    assert orphans.disk_files(xml) == (f"/h/instances/{SERVER}/disk",
                                       f"/h/instances/{SERVER}/disk.config")
    assert orphans.disk_files("<domain><devices/></domain>") == ()
    assert orphans.disk_files("not xml") == ()


def test_report_lines() -> None:
    gone = Verdict("07c", ("chain 4 filter ostack-07c-FORWARD", "device ost07cb84eb934f"),
                   "/tmp/dead/home")
    kept = Verdict("a1f", (f"guest ostack-a1f-{SERVER}",), None, "its disks exist",
                   by_guest=True)
    sweep = orphans.Sweep(removed=[gone], kept=[kept], faults=["555: bad"])
    assert orphans.report(sweep) == (
        ["07c: removed 1 chain, 1 device (store /tmp/dead/home is gone)"],
        ["a1f: kept, its disks exist"], ["555: bad"])
    assert orphans.report(sweep, dry_run=True)[0] == [
        "07c: would remove 1 chain, 1 device (store /tmp/dead/home is gone)"]
    assert orphans.report(orphans.Sweep()) == ([], [], [])


def test_host_sync_orphans_without_a_host_to_drive(
        cli: Runner, capsys: pytest.CaptureFixture[str]) -> None:
    # libvirt's test driver (the unit tests'): no host objects, nothing printed, exit 0.
    done = cli("host", "sync", "--orphans")
    assert (done.rc, done.out, done.err) == (0, "", "")
    assert cli("host", "sync", "--orphans", "--dry-run").rc == 0
    refused = cli("host", "sync", "--dry-run")
    assert refused.rc == 2
    # argparse writes its usage errors to the process's stderr, not the app's.
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        " host sync: error: argument --dry-run: only allowed with --orphans")


def _registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tag registry and its lock, in a scratch directory."""
    registry = tmp_path / "stores"
    registry.mkdir()
    monkeypatch.setattr(host, "TAG_REGISTRY", registry)
    monkeypatch.setattr(host, "REGISTRY_LOCK", tmp_path / "stores.lock")
    return registry


def test_a_tag_registered_while_the_sweep_waits_for_the_lock_is_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = _registry(tmp_path, monkeypatch)
    monkeypatch.setattr(orphans, "look", lambda _: _host(_store("a1f"), _store("07c")))
    removed: list[str] = []

    def remove(verdict: Verdict, _: object) -> list[str]:
        removed.append(verdict.tag)
        return []

    monkeypatch.setattr(orphans, "_remove", remove)
    live = tmp_path / "live"
    live.mkdir()
    real_lock = host.registry_lock

    @contextlib.contextmanager
    def lock_after_a_registration() -> Iterator[None]:
        # A store converging now took the lock first and registered a1f.
        (registry / "a1f").write_text(f"{live}\n")
        with real_lock():
            yield

    monkeypatch.setattr(host, "registry_lock", lock_after_a_registration)
    (registry / "07c").write_text(f"{tmp_path / 'gone'}\n")
    swept = orphans.sweep(None)
    assert removed == ["07c"] and [v.tag for v in swept.removed] == ["07c"]
    assert not (registry / "07c").exists()  # the dead store's entry goes with its objects
    assert (registry / "a1f").read_text() == f"{live}\n"
    # A dry run judges and removes nothing.
    removed.clear()
    assert [v.tag for v in orphans.sweep(None, dry_run=True).removed] == ["07c"]
    assert removed == []


@pytest.mark.skipif(os.geteuid() != 0, reason="a store registers its tag as root only")
def test_registering_a_tag_waits_for_a_sweep_holding_the_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = _registry(tmp_path, monkeypatch)
    done = threading.Event()
    with host.registry_lock():
        def register() -> None:
            host._register_tag("a1f", tmp_path)
            done.set()

        worker = threading.Thread(target=register)
        worker.start()
        assert not done.wait(0.3)  # blocked behind the sweep
        assert not (registry / "a1f").exists()
    worker.join(5)
    assert done.is_set() and (registry / "a1f").read_text() == f"{tmp_path}\n"
