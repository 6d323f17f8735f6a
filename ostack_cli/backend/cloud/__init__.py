"""The cloud backend: the same interface as the local one, served by a real OpenStack.

Imported only by ``backend.factory`` once a cloud is selected, so local invocations never load
openstacksdk or keystoneauth.
"""

from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from ostack_cli.backend.cloud.compute import CloudFlavors
from ostack_cli.backend.cloud.connection import HttpDebug, connect
from ostack_cli.backend.cloud.identity import CloudIdentity
from ostack_cli.backend.cloud.image import CloudImages
from ostack_cli.backend.cloud.keypair import CloudKeypairs
from ostack_cli.backend.cloud.network import CloudNetworks
from ostack_cli.backend.cloud.quota import CloudQuotas
from ostack_cli.backend.cloud.routers import CloudRouters
from ostack_cli.backend.cloud.security_group import CloudSecurityGroups
from ostack_cli.backend.cloud.server import CloudServers
from ostack_cli.config import Selection


class CloudBackend(
    CloudFlavors,
    CloudIdentity,
    CloudImages,
    CloudKeypairs,
    CloudNetworks,
    CloudRouters,
    CloudQuotas,
    CloudSecurityGroups,
    CloudServers,
):
    def __init__(self, conn: Connection, http_debug: HttpDebug | None = None) -> None:
        self.conn = conn
        self._http_debug = http_debug

    @classmethod
    def open(cls, selection: Selection, options: Any) -> CloudBackend:
        http_debug = None
        if getattr(options, "debug", False):
            http_debug = HttpDebug()
            http_debug.start()
        try:
            conn = connect(selection, options)
        except BaseException:
            if http_debug is not None:
                http_debug.stop()
            raise
        return cls(conn, http_debug)

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            if self._http_debug is not None:
                self._http_debug.stop()
                self._http_debug = None


__all__ = ["CloudBackend"]
