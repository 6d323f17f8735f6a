"""Cinder's services on the one local host (cinder/api/v3/services.py ``index``): the
scheduler on ``localhost``, the volume service of the one backend (``local``, the
``host@backend`` part of ``volume_records.VOLUME_HOST``) beside it, both in zone ``nova``.
They are this process's own, so they report now and are up; nothing about them is kept.
"""

from __future__ import annotations

from ostack_cli.backend.local import cinder_rules, volume_records
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.volume_quotas import cinder_forbidden
from ostack_cli.backend.models.volume_transfer import VolumeService

SCHEDULER_BINARY, VOLUME_BINARY = "cinder-scheduler", "cinder-volume"
ZONE = "nova"
# The scheduler's pools report ``backend_state`` "up" unless a driver says otherwise.
BACKEND_STATE = "up"


class VolumeServices:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def find_all(self, *, host: str | None = None, binary: str | None = None,
                 backend_state: bool = False) -> list[VolumeService]:
        """``GET /os-services`` (admins): filtered by exact host and binary;
        ``backend_state``: with the volume backends' state, as Cinder answers from 3.49 (the
        real client's openstacksdk asks at 3.32, below it)."""
        if not self.context.is_admin:
            raise cinder_forbidden("volume_extension:services:index")
        backend_host = volume_records.VOLUME_HOST.partition("#")[0]
        now = cinder_rules.now()  # as compute_hosts.heartbeat: they report now
        services = [
            VolumeService(binary=SCHEDULER_BINARY,
                          host=backend_host.partition("@")[0], zone=ZONE,
                          status="enabled", state="up", updated_at=now),
            VolumeService(binary=VOLUME_BINARY, host=backend_host, zone=ZONE,
                          status="enabled", state="up", updated_at=now,
                          backend_state=BACKEND_STATE if backend_state else None,
                          replication_status="disabled",
                          frozen=False),
        ]
        return [s for s in services
                if (host is None or s.host == host) and (binary is None or s.binary == binary)]
