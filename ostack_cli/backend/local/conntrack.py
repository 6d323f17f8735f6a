"""Ending connections the rules no longer allow: conntrack entries outlive the rules that let
them in (``--ctstate ESTABLISHED`` accepts them first), so a removed rule or floating IP must
take its open flows with it, as Neutron's firewall and L3 agents do."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable


def forget(addresses: Iterable[str], *, namespace: str | None = None) -> int:
    """Delete every entry to or from one of ``addresses``; returns how many went.

    A flow still allowed comes back at its next packet (TCP is picked up mid-stream, ICMP
    echo starts anew), so erring on the side of deleting costs a lookup, never a flow.
    """
    wanted = set(addresses)
    if not wanted:
        return 0
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
