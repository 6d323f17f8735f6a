"""A server's network interfaces (Nova's os-interface) and fixed IPs."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.models.server import Server
from ostack_cli.backend.models.server_interface import ServerInterface


class ServerInterfaceAPI(Protocol):
    def server_interfaces(self, server: Server) -> list[ServerInterface]: ...

    def attach_server_interface(
        self,
        server: Server,
        *,
        port_id: str | None = None,
        network_id: str | None = None,
        fixed_ip: str | None = None,
        tag: str | None = None,
    ) -> ServerInterface:
        """Plug a port (the given one, or a new one on ``network_id``) into the server."""
        ...

    def detach_server_interface(self, server: Server, port_id: str) -> None: ...

    def remove_fixed_ip_from_server(self, server: Server, address: str) -> None:
        """Nova's legacy removeFixedIp action."""
        ...
