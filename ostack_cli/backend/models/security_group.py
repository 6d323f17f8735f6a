"""Neutron security groups and their rules."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models import Resource

# IP protocol names Neutron accepts, with their numbers (neutron-lib constants).
PROTOCOL_NUMBERS: dict[str, int] = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1,
    "igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "icmpv6": 58,
    "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113,
    "rsvp": 46, "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112,
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class SecurityGroup(Resource):
    KIND = "security_group"
    RESOURCE_NAME = "SecurityGroup"

    project_id: str
    description: str = ""
    stateful: bool = True
    shared: bool = False
    tags: list[str] = dataclasses.field(default_factory=list)
    revision_number: int = 1
    created_at: str = ""
    updated_at: str = ""

    def unique_key(self) -> str | None:
        # Neutron allows duplicate names except 'default', of which a project has one.
        return f"{self.project_id}/default" if self.name == "default" else None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SecurityGroupRule(Resource):
    KIND = "security_group_rule"
    RESOURCE_NAME = "SecurityGroupRule"

    security_group_id: str
    project_id: str
    direction: str = "ingress"
    ethertype: str = "IPv4"
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    remote_address_group_id: str | None = None
    description: str = ""
    revision_number: int = 0
    created_at: str = ""
    updated_at: str = ""

    def unique_key(self) -> str | None:
        # Two rules that match the same traffic are one rule to Neutron ("already exists").
        protocol = self.protocol
        if protocol is not None and protocol.lower() in PROTOCOL_NUMBERS:
            protocol = str(PROTOCOL_NUMBERS[protocol.lower()])
        return "|".join(
            str(v)
            for v in (
                self.security_group_id,
                self.direction,
                self.ethertype,
                protocol,
                self.port_range_min,
                self.port_range_max,
                self.remote_ip_prefix,
                self.remote_group_id,
                self.remote_address_group_id,
            )
        )
