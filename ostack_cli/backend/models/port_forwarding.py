"""Floating IP port forwardings (Neutron's ``floating-ip-port-forwarding`` with its
description and port-range extensions): a floating IP's external port (or range) sent to one
fixed IP and port (or range) of an internal port, through the router that serves both."""

from __future__ import annotations

import dataclasses
from typing import Any

from ostack_cli.backend.models import Resource

# neutron-lib's IPTABLES_PROTOCOL_MAP: the protocols a port forwarding may name.
PROTOCOLS = ("dccp", "icmp", "ipv6-icmp", "sctp", "tcp", "udp")
# Those with ports, which the router can DNAT by port.
PORT_PROTOCOLS = ("dccp", "sctp", "tcp", "udp")


@dataclasses.dataclass(frozen=True, kw_only=True)
class PortForwarding(Resource):
    """Ports are kept as ranges (a single port is a range of one), as Neutron stores them."""

    KIND = "port_forwarding"
    RESOURCE_NAME = "PortForwarding"

    floatingip_id: str
    project_id: str  # the floating IP's
    internal_port_id: str
    internal_ip_address: str
    internal_port_start: int
    internal_port_end: int
    external_port_start: int
    external_port_end: int
    protocol: str
    description: str = ""
    created_at: str = ""

    @property
    def internal_port(self) -> int | None:
        return self.internal_port_start if self.internal_port_start == self.internal_port_end \
            else None

    @property
    def external_port(self) -> int | None:
        return self.external_port_start if self.external_port_start == self.external_port_end \
            else None

    @property
    def internal_port_range(self) -> str:
        return f"{self.internal_port_start}:{self.internal_port_end}"

    @property
    def external_port_range(self) -> str:
        return f"{self.external_port_start}:{self.external_port_end}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class PortForwardingSpec:
    """What ``floating ip port forwarding create`` sends: one port or a range a side."""

    floatingip_id: str
    internal_port_id: str
    internal_ip_address: str
    protocol: str
    internal_port: int | None = None
    internal_port_range: str | None = None
    external_port: int | None = None
    external_port_range: str | None = None
    description: str | None = None


def port_forwarding_view(pf: PortForwarding) -> dict[str, Any]:
    """What the real client shows: openstacksdk's attributes (``name`` included, never set)
    and the port ranges Neutron sends beyond them."""
    return {
        "description": pf.description,
        "external_port": pf.external_port,
        "external_port_range": pf.external_port_range,
        "id": pf.id,
        "internal_ip_address": pf.internal_ip_address,
        "internal_port": pf.internal_port,
        "internal_port_id": pf.internal_port_id,
        "internal_port_range": pf.internal_port_range,
        "name": None,
        "protocol": pf.protocol,
    }


def fip_summary(pf: PortForwarding) -> dict[str, Any]:
    """One entry of a floating IP's ``port_forwardings`` (expose-port-forwarding-in-fip):
    single ports only when they are single."""
    entry: dict[str, Any] = {"id": pf.id}
    if pf.external_port is not None:
        entry["external_port"] = pf.external_port
    if pf.internal_port is not None:
        entry["internal_port"] = pf.internal_port
    entry.update(internal_ip_address=pf.internal_ip_address, protocol=pf.protocol,
                 internal_port_id=pf.internal_port_id)
    return entry
