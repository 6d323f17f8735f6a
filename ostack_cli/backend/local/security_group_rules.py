"""Neutron's checks and conversions for security groups and rules, as pure functions.

Each function follows the Neutron code path named in its docstring, with its messages, so that
a bad request fails here with the text a real cloud returns, before anything is stored.
"""

from __future__ import annotations

import dataclasses
import ipaddress

from ostack_cli.backend.models.security_group import PROTOCOL_NUMBERS, SecurityGroupRuleSpec
from ostack_cli.errors import BadRequest, Conflict

NAME_MAX = 255  # neutron-lib db constants NAME_FIELD_SIZE / DESCRIPTION_FIELD_SIZE
TAG_MAX = 255
TAGS_MAX_COUNT = 50
PORT_PROTOCOLS = ("dccp", "sctp", "tcp", "udp", "udplite")
PORT_PROTOCOL_NUMBERS = (33, 132, 6, 17, 136)
ICMP_NUMBERS = (1, 58)
# Protocols that only exist over IPv6 (neutron _validate_ethertype_and_protocol).
IPV6_ONLY_PROTOCOLS = (
    "ipv6-encap", "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts", "ipv6-route",
    "41", "44", "58", "59", "60", "43",
)
PORT_MIN, PORT_MAX = 1, 65535


@dataclasses.dataclass(frozen=True, kw_only=True)
class RuleValues:
    """A rule request after Neutron's conversions, ready to store."""

    direction: str
    ethertype: str
    protocol: str | None
    port_range_min: int | None
    port_range_max: int | None
    remote_ip_prefix: str | None
    remote_group_id: str | None
    remote_address_group_id: str | None
    description: str


def _too_long(attr: str, value: str, limit: int = NAME_MAX) -> BadRequest:
    return BadRequest(
        f"Invalid input for {attr}. Reason: '{value}' exceeds maximum length of {limit}."
    )


def check_group_name(name: str) -> None:
    """neutron ``_validate_name_not_default`` (POST and PUT of a group's name)."""
    if len(name) > NAME_MAX:
        raise _too_long("name", name)
    if name.lower() == "default":
        raise Conflict("Default security group already exists.")


def check_description(description: str | None) -> None:
    if description is not None and len(description) > NAME_MAX:
        raise _too_long("description", description)


def check_tags(tags: list[str]) -> None:
    """neutron tagging ``validate_tag`` and ``validate_tags_limit``."""
    for tag in tags:
        if len(tag) > TAG_MAX:
            raise BadRequest(
                f"Invalid input for operation: '{tag}' exceeds maximum length of {TAG_MAX}."
            )
    if len(set(tags)) > TAGS_MAX_COUNT:
        raise BadRequest(
            "Bad security_groups request: The number of tags exceed the per-resource limit "
            f"of {TAGS_MAX_COUNT}."
        )


def _unsupported_protocol(value: str) -> BadRequest:
    supported = str((None, "any", *PROTOCOL_NUMBERS))
    return BadRequest(
        f"Security group rule protocol {value} not supported. Only protocol values "
        f"{supported} and integer representations [0 to 255] are supported."
    )


def convert_protocol(value: str | None) -> str | None:
    """neutron ``convert_protocol``: names lower-cased, numbers kept as given, any is None."""
    if value is None or value == "any":
        return None
    try:
        number = int(value)
    except ValueError:
        lowered = value.lower()
        if lowered == "any":
            return None
        if lowered in PROTOCOL_NUMBERS:
            return lowered
        raise _unsupported_protocol(value) from None
    if 0 <= number <= 255:
        return value
    raise _unsupported_protocol(value)


def convert_port(port: int | None) -> int | None:
    """neutron ``convert_validate_port_value``."""
    if port is not None and not 0 <= port <= 65535:
        raise BadRequest(f"Invalid value for port {port}")
    return port


def convert_ip_prefix(value: str | None) -> str | None:
    """neutron ``convert_ip_prefix_to_cidr``: netaddr's text, host bits kept, mask added."""
    if not value:
        return None
    try:
        if "%" in value:  # netaddr knows no IPv6 zone indexes
            raise ValueError(value)
        interface = ipaddress.ip_interface(value)
    except ValueError:
        raise BadRequest(f"Invalid CIDR {value} given as IP prefix.") from None
    return f"{interface.ip}/{interface.network.prefixlen}"


def _protocol_number(protocol: str) -> int:
    # neutron _get_ip_proto_number (convert_protocol already admitted only these values).
    number = PROTOCOL_NUMBERS.get(protocol)
    return int(protocol) if number is None else number


def _check_port_range(protocol: str | None, low: int | None, high: int | None) -> None:
    """neutron ``_validate_port_range``."""
    if low is None and high is None:
        return
    if not protocol:
        raise BadRequest("Must also specify protocol if port range is given.")
    number = _protocol_number(protocol)
    if number in PORT_PROTOCOL_NUMBERS:
        if low == 0 or high == 0:
            raise BadRequest("Invalid value for port 0")
        if low is None or high is None or low > high:
            raise BadRequest("For TCP/UDP protocols, port_range_min must be <= port_range_max")
    elif number in ICMP_NUMBERS:
        for value, field, attr in ((low, "type", "port_range_min"),
                                   (high, "code", "port_range_max")):
            if value is not None and not 0 <= value <= 255:
                raise BadRequest(
                    f"Invalid value for ICMP {field} ({attr}) {value}. It must be 0 to 255."
                )
        if low is None and high is not None:
            raise BadRequest(
                f"ICMP code (port-range-max) {high} is provided but ICMP type "
                "(port-range-min) is missing."
            )
    else:
        raise BadRequest(
            f"Ports cannot be specified for protocol {number}. Ports are only supported for "
            f"{', '.join(p.upper() for p in PORT_PROTOCOLS)}."
        )


def convert_rule(spec: SecurityGroupRuleSpec) -> RuleValues:
    """Neutron's API conversions, then ``_validate_base_security_group_rule_attributes``."""
    if spec.direction not in ("ingress", "egress"):
        raise BadRequest(
            f"Invalid input for direction. Reason: '{spec.direction}' is not in "
            "['ingress', 'egress']."
        )
    protocol = convert_protocol(spec.protocol)
    low = convert_port(spec.port_range_min)
    high = convert_port(spec.port_range_max)
    ethertype = {"ipv4": "IPv4", "ipv6": "IPv6"}.get(spec.ethertype.lower())
    if ethertype is None:
        raise BadRequest(
            f"Security group rule for ethertype '{spec.ethertype}' not supported. "
            "Allowed values are ['IPv4', 'IPv6']."
        )
    prefix = convert_ip_prefix(spec.remote_ip_prefix)
    check_description(spec.description)

    # _make_canonical_ipv6_icmp_protocol: legacy IPv6 ICMP spellings become ipv6-icmp / 58.
    if ethertype == "IPv6":
        if protocol in ("icmp", "icmpv6"):
            protocol = "ipv6-icmp"
        elif protocol == "1":
            protocol = "58"
    # _make_canonical_port_range: the whole range is the same as no range.
    if (low, high) == (PORT_MIN, PORT_MAX):
        low = high = None
    _check_port_range(protocol, low, high)
    if prefix is not None:
        version = ipaddress.ip_interface(prefix).version
        if ethertype != f"IPv{version}":
            raise BadRequest(f"Conflicting value ethertype {ethertype} for CIDR {prefix}")
    if protocol in IPV6_ONLY_PROTOCOLS and ethertype == "IPv4":
        raise BadRequest(f"Invalid ethertype {ethertype} for protocol {protocol}.")
    remotes = [r for r in (prefix, spec.remote_group_id, spec.remote_address_group_id) if r]
    if len(remotes) > 1:
        raise BadRequest(
            "Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may "
            "be provided."
        )
    return RuleValues(
        direction=spec.direction,
        ethertype=ethertype,
        protocol=protocol,
        port_range_min=low,
        port_range_max=high,
        remote_ip_prefix=prefix,
        remote_group_id=spec.remote_group_id,
        remote_address_group_id=spec.remote_address_group_id,
        description=spec.description or "",
    )
