"""What every part of the cloud backend shares: the openstacksdk Connection and a logger."""

from __future__ import annotations

import logging

from openstack.connection import Connection

from ostack_cli.errors import BackendUnavailable

# The real client logs partial failures (one line each) before its summary error; ostack's
# console handler prints them on stderr the same way.
LOG = logging.getLogger("ostack.cloud")


class CloudBase:
    """State shared by the cloud backend's parts (each part is a mixin on this)."""

    conn: Connection


def unavailable(what: str) -> BackendUnavailable:
    """The error for a part of the interface the cloud backend does not serve yet."""
    return BackendUnavailable(
        f"{what} is not implemented by ostack's cloud backend yet.",
        "Use the real 'openstack' client for it meanwhile.",
    )
