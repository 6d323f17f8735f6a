"""Floating IP port forwardings through openstacksdk's network proxy, call for call as the
real client makes them."""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.network_map import present
from ostack_cli.backend.models.network import FloatingIP
from ostack_cli.backend.models.port_forwarding import PortForwarding, PortForwardingSpec


def _span(single: Any, text: Any) -> tuple[int, int]:
    if text:
        first, _, last = str(text).partition(":")
        return int(first), int(last or first)
    return (int(single), int(single)) if single is not None else (0, 0)


def port_forwarding_from_sdk(res: Any, fip_id: str) -> PortForwarding:
    body = res.to_dict(computed=False, headers=False)
    internal = _span(res.internal_port, body.get("internal_port_range"))
    external = _span(res.external_port, body.get("external_port_range"))
    return PortForwarding(
        id=res.id,
        floatingip_id=fip_id,
        project_id="",
        internal_port_id=res.internal_port_id,
        internal_ip_address=res.internal_ip_address,
        internal_port_start=internal[0], internal_port_end=internal[1],
        external_port_start=external[0], external_port_end=external[1],
        protocol=res.protocol,
        description=res.description or "",
    )


@translate_errors
class CloudPortForwardings(CloudBase):
    def port_forwardings(
        self,
        fip: FloatingIP,
        *,
        internal_port_id: str | None = None,
        external_port: int | None = None,
        external_port_range: str | None = None,
        protocol: str | None = None,
    ) -> list[PortForwarding]:
        query = present(internal_port_id=internal_port_id, external_port=external_port,
                        external_port_range=external_port_range, protocol=protocol)
        return [port_forwarding_from_sdk(pf, fip.id) for pf in
                self.conn.network.floating_ip_port_forwardings(fip.id, **query)]

    def find_port_forwarding(self, fip: FloatingIP, name_or_id: str) -> PortForwarding:
        found = self.conn.network.find_floating_ip_port_forwarding(
            fip.id, name_or_id, ignore_missing=False)
        return port_forwarding_from_sdk(found, fip.id)

    def create_port_forwarding(self, spec: PortForwardingSpec) -> PortForwarding:
        attrs = present(
            internal_port=spec.internal_port, internal_port_range=spec.internal_port_range,
            external_port=spec.external_port, external_port_range=spec.external_port_range,
            description=spec.description,
        )
        attrs.update(internal_port_id=spec.internal_port_id,
                     internal_ip_address=spec.internal_ip_address, protocol=spec.protocol)
        created = self.conn.network.create_floating_ip_port_forwarding(
            spec.floatingip_id, **attrs)
        return port_forwarding_from_sdk(created, spec.floatingip_id)

    def update_port_forwarding(
        self, fip: FloatingIP, port_forwarding_id: str, **changes: Any
    ) -> PortForwarding:
        updated = self.conn.network.update_floating_ip_port_forwarding(
            fip.id, port_forwarding_id, **changes)
        return port_forwarding_from_sdk(updated, fip.id)

    def delete_port_forwarding(self, fip: FloatingIP, port_forwarding_id: str) -> None:
        self.conn.network.delete_floating_ip_port_forwarding(
            fip.id, port_forwarding_id, ignore_missing=False)
