"""Floating IP port forwardings (Neutron's ``floating-ip-port-forwarding``)."""

from __future__ import annotations

from typing import Any, Protocol

from ostack_cli.backend.models.network import FloatingIP
from ostack_cli.backend.models.port_forwarding import PortForwarding, PortForwardingSpec


class PortForwardingAPI(Protocol):
    def port_forwardings(
        self,
        fip: FloatingIP,
        *,
        internal_port_id: str | None = None,
        external_port: int | None = None,
        external_port_range: str | None = None,
        protocol: str | None = None,
    ) -> list[PortForwarding]: ...

    def find_port_forwarding(self, fip: FloatingIP, name_or_id: str) -> PortForwarding: ...

    def create_port_forwarding(self, spec: PortForwardingSpec) -> PortForwarding: ...

    def update_port_forwarding(
        self, fip: FloatingIP, port_forwarding_id: str, **changes: Any
    ) -> PortForwarding:
        """``internal_port_id, internal_ip_address, internal_port, internal_port_range,
        external_port, external_port_range, protocol, description``."""
        ...

    def delete_port_forwarding(self, fip: FloatingIP, port_forwarding_id: str) -> None: ...
