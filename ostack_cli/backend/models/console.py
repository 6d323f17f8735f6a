"""Nova's console authorizations (nova-consoleauth's tokens, now its ``console_auth_tokens``
table)."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models import Resource


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConsoleAuthToken(Resource):
    """A console token handed out by ``console url show``, stored by the SHA-256 of its text
    (the record's ID), never the text itself: the text is only ever in the URL. Nova keeps
    the same (``token_hash``); a token stays good until it expires (nothing uses it up)."""

    KIND = "console_auth_token"
    RESOURCE_NAME = "ConsoleAuthToken"

    instance_uuid: str
    console_type: str  # novnc, spice-html5 or serial
    # The guest's display port when the token was made (VNC, SPICE): the proxy admits a
    # connection only while the guest still listens there. None for the serial console,
    # which is a libvirt stream, not a port.
    port: int | None = None
    access_url_base: str = ""
    expires: int = 0  # seconds since the epoch (Nova's utcnow_ts() + token_ttl)
    created_at: str = ""
