"""``python -m ostack_cli.backend.local.reconcile inventory|purge|plan``: the store of
``OSTACK_HOME`` on this host, for tests and for looking under the hood.

- ``inventory``: every object of the store's on the host, one per line;
- ``purge``: take all of them away, whatever the records say (then ``inventory`` is empty);
- ``plan``: what a converge would do now (``--deep``: as ``ostack host sync``), changing
  nothing.
"""

from __future__ import annotations

import sys

from ostack_cli.backend.local import LocalBackend


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("inventory", "purge", "plan"):
        print(__doc__, file=sys.stderr)
        return 2
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
