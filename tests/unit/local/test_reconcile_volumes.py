"""Volume and snapshot files as host objects: the reconciler keeps those a record wants
(partial ones only while the record is being made) and collects the rest."""

from __future__ import annotations

from pathlib import Path

from ostack_cli.backend.local import volume_files
from ostack_cli.backend.local.names import HostNames
from ostack_cli.backend.local.reconcile.desired import HostSettings, Records, desired_host
from ostack_cli.backend.local.reconcile.observe import Observed
from ostack_cli.backend.local.reconcile.plan import RemoveFiles, plan

SETTINGS = HostSettings(names=HostNames("a1b"), host_dir=Path("/var/lib/ostack-host"))
MADE, MAKING, GONE = ("v0000000-0000-4000-8000-000000000001",
                      "v0000000-0000-4000-8000-000000000002",
                      "v0000000-0000-4000-8000-000000000003")
SNAP, SNAP_MAKING = ("s0000000-0000-4000-8000-000000000001",
                     "s0000000-0000-4000-8000-000000000002")


def test_what_records_want_stays_and_debris_goes() -> None:
    records = Records(volumes=((MADE, "in-use"), (MAKING, "creating")),
                      volume_snapshots=((SNAP, "available"), (SNAP_MAKING, "creating")))
    host = Observed(volume_files=frozenset({
        f"volume-{MADE}", f".volume-{MADE}.part",  # a partial of a made volume: debris
        f".volume-{MAKING}.part",  # being made: kept
        f"volume-{GONE}",  # its record is gone (a delete killed between file and record)
        f"snapshot-{SNAP}", f".snapshot-{SNAP_MAKING}.part",
    }))
    steps = plan(desired_host(records, SETTINGS), host).actions
    assert steps == (
        RemoveFiles(("volume", MADE), f"volumes/.volume-{MADE}.part"),
        RemoveFiles(("volume", GONE), f"volumes/volume-{GONE}"),
    )


def test_an_empty_store_takes_every_volume_file_off_the_host() -> None:
    host = Observed(volume_files=frozenset({f"volume-{MADE}", f"snapshot-{SNAP}"}))
    removed = {step.path for step in plan(desired_host(Records(), SETTINGS), host).actions
               if isinstance(step, RemoveFiles)}
    assert removed == {f"volumes/volume-{MADE}", f"volumes/snapshot-{SNAP}"}


def test_names_ostack_never_makes_are_not_its_own() -> None:
    assert volume_files.ours(f"volume-{MADE}")
    assert volume_files.ours(f".snapshot-{SNAP}.part")
    assert not volume_files.ours("lost+found")
    assert volume_files.owner_of(f".volume-{MADE}.part") == ("volume", MADE)
