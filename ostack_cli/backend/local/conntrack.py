"""Ending connections the rules no longer allow: conntrack entries outlive the rules that let
them in (``--ctstate ESTABLISHED`` accepts them first), so a removed rule or floating IP must
take its open flows with it, as Neutron's firewall and L3 agents do."""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterable
from pathlib import Path

# The host's table as text (nf_conntrack's procfs view, in this network namespace).
PROC_TABLE = Path("/proc/net/nf_conntrack")


def forget(addresses: Iterable[str], *, namespace: str | None = None) -> int:
    """Delete every entry to or from one of ``addresses``; returns how many went.

    A flow still allowed comes back at its next packet (TCP is picked up mid-stream, ICMP
    echo starts anew), so erring on the side of deleting costs a lookup, never a flow.
    """
    wanted = {str(ipaddress.ip_address(a)) for a in addresses}
    if not wanted:
        return 0
    if namespace is None and _mentions(PROC_TABLE, wanted) is False:
        return 0  # no flow of theirs: no netlink dump of the whole table (100s of ms)
    import pyroute2
    from pyroute2.conntrack import Conntrack

    deleted = 0
    with Conntrack(netns=namespace) if namespace else Conntrack() as ct:
        doomed = [
            entry for entry in ct.dump_entries()
            if {entry.tuple_orig.saddr, entry.tuple_orig.daddr,
                entry.tuple_reply.saddr, entry.tuple_reply.daddr} & wanted
        ]
        for entry in doomed:
            with contextlib.suppress(pyroute2.NetlinkError):
                ct.delete(entry)
                deleted += 1
    return deleted


def _mentions(table: Path, wanted: set[str]) -> bool | None:
    """Whether an entry of the conntrack table shown in ``table`` has one of ``wanted`` as
    an address, either way; None when the kernel does not show its table there."""
    try:
        text = table.read_text()
    except OSError:
        return None
    for token in text.split():
        if token.startswith(("src=", "dst=")):
            value = token[4:]
            if ":" in value:  # IPv6, printed with every group in full
                with contextlib.suppress(ValueError):
                    value = str(ipaddress.ip_address(value))
            if value in wanted:
                return True
    return False
