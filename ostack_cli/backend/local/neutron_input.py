"""Neutron's attribute validators for names, descriptions, MACs, MTUs and tags (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ostack_cli.backend.local.ipam import invalid_attr, invalid_input

NAME_MAX_LEN = 255
DESCRIPTION_MAX_LEN = 255
TAG_MAX_LEN = 255
# The largest MTU the local bridges take (ML2's "maximum is %d" comes from the physical
# network MTU; a host-local bridge is not limited by a NIC).
MAX_MTU = 9000
IPV4_MIN_MTU = 68
IPV6_MIN_MTU = 1280

_MAC_PATTERNS = (
    re.compile(r"^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]"
               r"([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$"),
    re.compile(r"^([0-9a-f]{2})([0-9a-f]{2})\.([0-9a-f]{2})([0-9a-f]{2})\."
               r"([0-9a-f]{2})([0-9a-f]{2})$"),
    re.compile(r"^([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})"
               r"([0-9a-f]{2})$"),
)
INVALID_MACS = ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff")


def check_string(attr: str, value: str | None, max_len: int) -> None:
    if value is not None and len(value) > max_len:
        raise invalid_attr(attr, f"'{value}' exceeds maximum length of {max_len}")


def check_name(value: str | None) -> None:
    check_string("name", value, NAME_MAX_LEN)


def check_description(value: str | None) -> None:
    check_string("description", value, DESCRIPTION_MAX_LEN)


def check_tags(tags: Iterable[str]) -> list[str]:
    """Tags as Neutron stores them: unique, each at most 255 characters."""
    result: list[str] = []
    for tag in tags:
        if len(tag) > TAG_MAX_LEN:
            raise invalid_input(f"'{tag}' exceeds maximum length of {TAG_MAX_LEN}")
        if tag not in result:
            result.append(tag)
    return result


def normalize_mac(value: str) -> str:
    """neutron-lib ``validate_mac_address``; returns the lower-case colon form Neutron shows."""
    for pattern in _MAC_PATTERNS:
        match = pattern.match(value.strip().lower()) if value == value.strip() else None
        if match:
            mac = ":".join(match.groups())
            if mac not in INVALID_MACS:
                return mac
            break
    raise invalid_attr("mac_address", f"'{value}' is not a valid MAC address")


def parse_mtu(value: str | int) -> int:
    """``--mtu`` reaches Neutron as text; its validator wants a non-negative integer."""
    try:
        mtu = int(str(value).strip())
    except ValueError:
        raise invalid_attr("mtu", f"'{value}' is not an integer") from None
    if mtu < 0:
        raise invalid_attr("mtu", f"'{value}' should be non-negative")
    if mtu > MAX_MTU:
        raise invalid_input(f"Requested MTU is too big, maximum is {MAX_MTU}")
    return mtu
