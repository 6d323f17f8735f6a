"""What every part of the cloud backend shares: the openstacksdk Connection and a logger."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from openstack.connection import Connection

from ostack_cli.errors import BackendUnavailable

# The real client logs partial failures (one line each) before its summary error; ostack's
# console handler prints them on stderr the same way.
LOG = logging.getLogger("ostack.cloud")


class CloudBase:
    """State shared by the cloud backend's parts (each part is a mixin on this)."""

    conn: Connection
    # The cloud's name in the completion cache ("envvars" for a cloud made of OS_* variables);
    # None: keep no cache (a backend built by hand, as in tests).
    cache_name: str | None = None

    def _cache_list(self, kind: str, records: Sequence[Any]) -> None:
        """Hand a complete, unfiltered list to TAB completion. Never fails the command."""
        if self.cache_name is None:
            return
        try:
            from ostack_cli.completion.values import cache_records

            cache_records(self.cache_name, kind, records)
        except Exception as exc:  # a cache may fail; the list was still listed
            LOG.debug("Completion cache not written: %s", exc)


def unavailable(what: str) -> BackendUnavailable:
    """The error for a part of the interface the cloud backend does not serve yet."""
    return BackendUnavailable(
        f"{what} is not implemented by ostack's cloud backend yet.",
        "Use the real 'openstack' client for it meanwhile.",
    )
