"""What a store's last firewall apply left behind, and whether the host still holds it.

Beside the firewall's chains each apply records, under /run/ostack/firewall (tmpfs: a reboot,
which empties iptables, forgets it too):

- ``<tag>``: the digest of everything the rules were rendered from and how many rules the
  store's IPv4 FORWARD chain got (the full converge's "in line" check);
- ``<tag>.parts``: each part's rendered digest (IPv4, IPv6, ebtables, uplink NAT), so the
  firewall-only converge re-applies just the parts whose text changed.

Both go before an apply starts and come back once it has ended: a crash in between leaves
none, and the next converge applies everything.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

FIREWALL_MARKERS = Path("/run/ostack/firewall")
PARTS_SUFFIX = ".parts"


def read_marker(tag: str) -> tuple[str, int] | None:
    """(digest, FORWARD rules) of the store's last complete apply, or None."""
    fields = _read(FIREWALL_MARKERS / tag).split()
    if len(fields) != 2 or not fields[1].isdigit():
        return None
    return fields[0], int(fields[1])


def read_parts(tag: str) -> dict[str, str]:
    """Each part's digest as last applied (empty when unknown)."""
    parts = {}
    for line in _read(FIREWALL_MARKERS / f"{tag}{PARTS_SUFFIX}").splitlines():
        fields = line.split()
        if len(fields) == 2:
            parts[fields[0]] = fields[1]
    return parts


def forget(tag: str) -> None:
    """Before an apply (or the firewall's removal): nothing says the host is in line."""
    (FIREWALL_MARKERS / tag).unlink(missing_ok=True)
    (FIREWALL_MARKERS / f"{tag}{PARTS_SUFFIX}").unlink(missing_ok=True)


def record(tag: str, digest: str, forward_rules: int, parts: Mapping[str, str]) -> None:
    """After a complete apply: the parts first, the marker that vouches for them last."""
    from ostack_cli.state.paths import write_private_file

    FIREWALL_MARKERS.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = "".join(f"{part} {value}\n" for part, value in sorted(parts.items()))
    write_private_file(FIREWALL_MARKERS / f"{tag}{PARTS_SUFFIX}", text.encode())
    write_private_file(FIREWALL_MARKERS / tag, f"{digest} {forward_rules}\n".encode())


def chain_rules(chain: str) -> int | None:
    """How many rules an IPv4 filter chain holds, or None if it does not exist (one short
    ``iptables -S``, where a save of the whole table costs tens of milliseconds)."""
    done = subprocess.run(["iptables", "-w", "-S", chain], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        return None
    return sum(1 for line in done.stdout.splitlines() if line.startswith("-A "))


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
