"""``python -m ostack_cli.backend.local.reconcile inventory|purge|plan``: the store of
``OSTACK_HOME`` on this host, for tests and for looking under the hood.

- ``inventory``: every object of the store's on the host, one per line;
- ``purge``: take all of them away, whatever the records say (then ``inventory`` is empty);
- ``plan``: what a converge would do now (``--deep``: as ``ostack host sync``), changing
  nothing;
- ``orphans``: remove the host objects of every store that is gone (as ``ostack host sync
  --orphans``), one line per tag; ``--dry-run``: only say what would go. It opens no store
  (``OSTACK_HOME`` is not needed, and none is made): ``make clean-host`` runs it.
"""

from __future__ import annotations

import sys

from ostack_cli.backend.local import LocalBackend


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("inventory", "purge", "plan", "orphans"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "orphans":
        return _orphans(dry_run="--dry-run" in argv)
    backend = LocalBackend.open()
    try:
        reconciler = backend.services.host_sync.reconciler
        if argv[0] == "inventory":
            print("\n".join(reconciler.inventory()))
        elif argv[0] == "plan":
            print(reconciler.plan(deep="--deep" in argv).describe(), end="")
        else:
            report = reconciler.purge()
            for (kind, resource_id), why in sorted(report.faults.items()):
                print(f"{kind} {resource_id}: {why}", file=sys.stderr)
            return 1 if report.faults else 0
    finally:
        backend.context.close()
    return 0


def _orphans(*, dry_run: bool) -> int:
    import os

    from ostack_cli.backend.local import orphans

    if os.geteuid() != 0:
        print("orphans: the host's objects are root's to see and remove", file=sys.stderr)
        return 1
    removed, kept, faults = orphans.report(
        orphans.sweep(orphans.default_hypervisor(), dry_run=dry_run), dry_run=dry_run)
    for line in removed:
        print(line)
    for line in (*kept, *faults):
        print(line, file=sys.stderr)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
