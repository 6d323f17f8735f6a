"""Write the cloud backend's part index from ``CloudParts`` (``make cloud-index``).

``python -m ostack_cli.backend.cloud.part_index_generate`` writes
ostack_cli/backend/cloud/part_index.py; ``--check`` writes nothing and exits 1 when it differs
from what ``CloudParts`` gives now (run it after adding a part or a method to one, or let
tests/unit/cloud/test_part_index.py tell you).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ostack_cli.backend.cloud.base import CloudBase

INDEX = Path(__file__).resolve().parent / "part_index.py"

HEADER = '''"""Which part of the cloud backend serves each name: generated, do not edit.

Written by ``python -m ostack_cli.backend.cloud.part_index_generate`` (``make cloud-index``) from
``parts.CloudParts``; ``part_loading`` imports a part the first time one of its names is used.
"""

from __future__ import annotations

'''


def is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def served_names(whole: type) -> dict[str, type]:
    """Each name the parts define -> the direct base of ``whole`` to load for it: the first
    one whose MRO holds the class ``whole``'s MRO resolves the name to (e.g. a helper base
    several parts share). CloudBase's names are not listed: the run-time class has them."""
    parts = whole.__bases__
    served: dict[str, type] = {}
    for owner in whole.__mro__[1:]:
        if owner in (CloudBase, object):
            continue
        for name in vars(owner):
            if is_dunder(name) or name in served:
                continue
            served[name] = next(part for part in parts if owner in part.__mro__)
    return served


def index_source(whole: type) -> str:
    parts = whole.__bases__
    lines = [HEADER, "# The parts, in the order of the whole class's bases (module, class).\n",
             "PARTS: tuple[tuple[str, str], ...] = (\n"]
    lines += [f"    ({part.__module__!r}, {part.__qualname__!r}),\n" for part in parts]
    lines += [")\n\n", "# Name -> the position in PARTS of the part that serves it.\n",
              "NAMES: dict[str, int] = {\n"]
    served = served_names(whole)
    lines += [f"    {name!r}: {parts.index(served[name])},\n" for name in sorted(served)]
    lines.append("}\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ostack_cli.backend.cloud.part_index_generate",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the index is out of date")
    args = parser.parse_args(argv)
    from ostack_cli.backend.cloud.parts import CloudParts

    text = index_source(CloudParts)
    current = INDEX.read_text() if INDEX.exists() else None
    if args.check:
        if text != current:
            print(f"out of date: {INDEX.name}; run: make cloud-index", file=sys.stderr)
            return 1
        return 0
    if text != current:
        INDEX.write_text(text)
        print(f"wrote {INDEX}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
