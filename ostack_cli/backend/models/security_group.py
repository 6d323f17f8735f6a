"""Neutron security groups and their rules."""

from __future__ import annotations

import dataclasses
import ipaddress

from ostack_cli.backend.models import Resource

# IP protocol names Neutron accepts, with their numbers, in neutron-lib's IP_PROTOCOL_MAP order
# (Neutron's "protocol not supported" message lists them in this order).
PROTOCOL_NUMBERS: dict[str, int] = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1,
    "igmp": 2, "ip": 0, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58,
    "icmpv6": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89,
    "pgm": 113, "rsvp": 46, "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112,
}

# Remote prefixes Neutron treats as "no remote prefix" when it compares rules.
ANY_PREFIXES = ("0.0.0.0/0", "::/0")


def protocol_key(protocol: str | None) -> str | None:
    """One spelling per protocol, so that ``tcp`` and ``6`` are the same rule to the store."""
    if protocol is None:
        return None
    number = PROTOCOL_NUMBERS.get(protocol)
    return protocol if number is None else str(number)


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
    standard_attr_id: int = 0
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
    # None for the rules Neutron copies from its templates, "" when a request gave none.
    description: str | None = None
    # Fixed for a rule's life: its group is or is not its project's default group.
    belongs_to_default_sg: bool = False
    # Neutron never updates a rule, so its revision stays 0.
    revision_number: int = 0
    standard_attr_id: int = 0
    created_at: str = ""
    updated_at: str = ""

    @property
    def normalized_cidr(self) -> str | None:
        """The remote prefix without host bits, as Neutron reports it beside the prefix."""
        if not self.remote_ip_prefix:
            return None
        return str(ipaddress.ip_interface(self.remote_ip_prefix).network)

    def unique_key(self) -> str | None:
        # Neutron's _rule_to_key: two rules that match the same traffic are one rule
        # ("already exists"); any-address prefixes equal no prefix.
        prefix = self.remote_ip_prefix
        if prefix in ANY_PREFIXES:
            prefix = None
        return "|".join(
            "+" if v is None else str(v)
            for v in (
                self.security_group_id,
                self.direction,
                self.ethertype,
                protocol_key(self.protocol),
                self.port_range_min,
                self.port_range_max,
                prefix,
                self.remote_group_id,
                self.remote_address_group_id,
            )
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class SecurityGroupSpec:
    """What ``security group create`` asks for (after the client's defaults)."""

    name: str
    description: str = ""
    project_id: str | None = None
    stateful: bool | None = None
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SecurityGroupRuleSpec:
    """The request body ``security group rule create`` sends, before Neutron converts it."""

    security_group_id: str
    direction: str = "ingress"
    ethertype: str = "IPv4"
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    remote_address_group_id: str | None = None
    description: str | None = None
    project_id: str | None = None
