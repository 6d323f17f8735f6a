"""Neutron's attribute validators for names, strings, MACs, MTUs, tags, address pairs and DNS
names (pure).

Each follows the neutron-lib validator named in its docstring, with its message, so that a
value Neutron's API refuses is refused here before anything is stored. Patterns are matched
whole (``fullmatch``): a trailing newline never slips through a ``$``.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence

from ostack_cli.backend.local.ipam import (
    bad_request,
    invalid_attr,
    invalid_input,
    ip_address_error,
    subnet_error,
)
from ostack_cli.errors import BadRequest, Conflict

NAME_MAX_LEN = 255
DESCRIPTION_MAX_LEN = 255
DEVICE_ID_MAX_LEN = 255  # neutron-lib db constants DEVICE_ID_FIELD_SIZE
DEVICE_OWNER_MAX_LEN = 255
TAG_MAX_LEN = 255
TAGS_MAX_COUNT = 50  # neutron/extensions/tagging.py MAX_TAGS_COUNT
FQDN_MAX_LEN = 255  # neutron-lib db constants FQDN_FIELD_SIZE
MAX_ALLOWED_ADDRESS_PAIRS = 10  # Neutron's max_allowed_address_pair
# The largest MTU the local bridges take (ML2's "maximum is %d" comes from the physical
# network MTU; a host-local bridge is not limited by a NIC).
MAX_MTU = 9000
# A network's MTU when none is asked for (Neutron's global_physnet_mtu default).
DEFAULT_MTU = 1500
IPV4_MIN_MTU = 68
IPV6_MIN_MTU = 1280

# netaddr's EUI-48 spellings (``netaddr.strategy.eui48.RE_MAC_FORMATS``), which
# ``validate_mac_address`` accepts: groups of hex digits, separated or bare.
_HEX = "[0-9a-f]"
_MAC_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        ":".join([f"({_HEX}{{1,2}})"] * 6),
        "-".join([f"({_HEX}{{1,2}})"] * 6),
        ":".join([f"({_HEX}{{1,4}})"] * 3),
        "-".join([f"({_HEX}{{1,4}})"] * 3),
        r"\.".join([f"({_HEX}{{1,4}})"] * 3),
        "-".join([f"({_HEX}{{5,6}})"] * 2),
        ":".join([f"({_HEX}{{5,6}})"] * 2),
        f"({_HEX}{{12}})",
        f"({_HEX}{{11}})",
    )
)
# Neutron's INVALID_MAC_ADDRESSES, as integers (any spelling of them is refused).
_INVALID_MACS = (0, 0xFFFFFFFFFFFF)
_MULTICAST_BIT = 0x010000000000
# neutron-lib DNS_LABEL_REGEX (after the lower-casing converter), and its keywords.
_DNS_LABEL_RE = re.compile(
    r"[a-z0-9-]{1,63}|<project_id>|<project_name>|<user_name>|<user_id>"
)
_ALL_DIGITS_RE = re.compile(r"[0-9]+")


# -- strings ----------------------------------------------------------------------------


def check_string(attr: str, value: str | None, max_len: int) -> None:
    """neutron-lib ``validate_string`` with a length cap."""
    if value is not None and len(value) > max_len:
        raise invalid_attr(attr, f"'{value}' exceeds maximum length of {max_len}")


def _printable(char: str) -> bool:
    """neutron-lib ``_is_printable``: no control or format characters, and no separator but
    a horizontal space. Neutron builds its pattern from the Basic Multilingual Plane only
    (``range(0xFFFF)``), so characters beyond it are refused as well."""
    if ord(char) >= 0xFFFF:
        return False
    category = unicodedata.category(char)
    return not category.startswith("C") and (not category.startswith("Z") or category == "Zs")


def _edge_ok(char: str) -> bool:
    return _printable(char) and unicodedata.category(char) != "Zs"


def check_name(value: str | None) -> None:
    """neutron-lib ``validate_name_string`` (networks, subnets, ports, routers): printable
    characters, no space or other separator at either end."""
    if value is None:
        return
    check_string("name", value, NAME_MAX_LEN)
    if value and not (
        all(_printable(c) for c in value) and _edge_ok(value[0]) and _edge_ok(value[-1])
    ):
        raise invalid_attr("name", f"'{value}' is not a valid string")


def check_description(value: str | None) -> None:
    check_string("description", value, DESCRIPTION_MAX_LEN)


def check_device(device_id: str | None, device_owner: str | None) -> None:
    """A port's ``device_id`` and ``device_owner``: strings of at most 255 characters."""
    check_string("device_id", device_id, DEVICE_ID_MAX_LEN)
    check_string("device_owner", device_owner, DEVICE_OWNER_MAX_LEN)


def check_tags(tags: Iterable[str], resource: str) -> list[str]:
    """Tags as Neutron stores them: unique, each at most 255 characters (tagging
    ``validate_tags``), at most 50 (``validate_tags_limit``; ``resource`` is the collection,
    e.g. ``networks``)."""
    result: list[str] = []
    for tag in tags:
        if len(tag) > TAG_MAX_LEN:
            raise invalid_input(f"'{tag}' exceeds maximum length of {TAG_MAX_LEN}")
        if tag not in result:
            result.append(tag)
    if len(result) > TAGS_MAX_COUNT:
        raise bad_request(
            resource, f"The number of tags exceed the per-resource limit of {TAGS_MAX_COUNT}"
        )
    return result


# -- MAC addresses ----------------------------------------------------------------------


def _mac_value(value: str) -> int | None:
    """The MAC as an integer, if ``value`` is one of netaddr's spellings of one."""
    for pattern in _MAC_PATTERNS:
        match = pattern.fullmatch(value)
        if match:
            groups = match.groups()
            width = 12 // len(groups)
            return int("".join(g.rjust(width, "0") for g in groups), 16)
    return None


def mac_address_error(value: str) -> str | None:
    """neutron-lib ``validate_mac_address``: None if ``value`` is a usable MAC, else why not."""
    number = _mac_value(value) if isinstance(value, str) else None
    if number is None or number in _INVALID_MACS:
        return f"'{value}' is not a valid MAC address"
    return None


def _mac_text(number: int) -> str:
    # netaddr's mac_unix_expanded: lower case, colons, two digits a byte.
    digits = f"{number:012x}"
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


def normalize_mac(value: str) -> str:
    """A port's MAC: validated, then in the lower-case colon form Neutron stores
    (``convert_to_sanitized_mac_address``)."""
    reason = mac_address_error(value)
    if reason:
        raise invalid_attr("mac_address", reason)
    number = _mac_value(value)
    assert number is not None
    return _mac_text(number)


# -- MTU --------------------------------------------------------------------------------


def parse_mtu(value: str | int) -> int:
    """``--mtu`` reaches Neutron as text; its validator wants a non-negative integer. 0 asks
    for the default, as no MTU at all would (ML2 ``_get_network_mtu``: ``net_mtu or
    max_mtu``); callers check a 0 against the subnets first, as Neutron does on update."""
    try:
        mtu = int(str(value).strip())
    except ValueError:
        raise invalid_attr("mtu", f"'{value}' is not an integer") from None
    if mtu < 0:
        raise invalid_attr("mtu", f"'{value}' should be non-negative")
    if mtu > MAX_MTU:
        raise invalid_input(f"Requested MTU is too big, maximum is {MAX_MTU}")
    return mtu


# -- allowed address pairs --------------------------------------------------------------


def check_address_pairs(pairs: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """neutron-lib ``_validate_allowed_address_pairs``, in its order. Returns the pairs with
    each MAC in the colon form the host side reads (Neutron keeps the spelling given)."""
    if len(pairs) > MAX_ALLOWED_ADDRESS_PAIRS:
        raise BadRequest(
            "The number of allowed address pair exceeds the maximum "
            f"{MAX_ALLOWED_ADDRESS_PAIRS}."
        )
    seen: set[tuple[str | None, str]] = set()
    checked = []
    for pair in pairs:
        mac = pair.get("mac_address")
        if mac is not None and mac_address_error(mac):
            raise BadRequest(str(mac_address_error(mac)))
        if "ip_address" not in pair:
            # neutron-lib's InvalidInput subclasses with a message of their own: no prefix.
            raise BadRequest("AllowedAddressPair must contain ip_address")
        ip = pair["ip_address"]
        if (mac, ip) in seen:
            raise BadRequest(
                f"Request contains duplicate address pair: mac_address {mac} ip_address {ip}."
            )
        seen.add((mac, ip))
        extra = sorted(set(pair) - {"mac_address", "ip_address"})
        if extra:
            raise BadRequest(f"Unrecognized attribute(s) '{', '.join(extra)}'")
        _check_pair_address(ip)
        checked.append(_pair(ip, mac))
    return checked


def _check_pair_address(ip: str) -> None:
    reason = subnet_error(ip) if "/" in ip else ip_address_error(ip)
    if reason:
        raise BadRequest(reason)
    # neutron-lib validate_subnet_not_multicast / validate_ip_not_multicast.
    net = ipaddress.ip_network(ip, strict=False)
    if "/" not in ip:
        if net.network_address.is_multicast:
            raise BadRequest(f"IP {ip} is a multicast address, which is not supported.")
        return
    multicast = ipaddress.ip_network("224.0.0.0/4" if net.version == 4 else "ff00::/8")
    everything = net == ipaddress.ip_network("0.0.0.0/0")  # Neutron lets this one pass
    if not everything and net.overlaps(multicast):
        raise BadRequest(
            f"Subnet {ip} overlaps with multicast range {multicast}, which is not supported."
        )


def _pair(ip: str, mac: str | None) -> dict[str, str]:
    if mac is None:
        return {"ip_address": ip}
    number = _mac_value(mac)
    assert number is not None
    if number & _MULTICAST_BIT:
        raise BadRequest(
            f"MAC address {mac} is a multicast address, which is not supported."
        )
    return {"ip_address": ip, "mac_address": _mac_text(number)}


# -- DNS names --------------------------------------------------------------------------


def _dns_label_error(label: str) -> str | None:
    if not label:
        return "Encountered an empty component"
    if label.startswith("-") or label.endswith("-"):
        return f"Name '{label}' must not start or end with a hyphen"
    if not _DNS_LABEL_RE.fullmatch(label):
        return (f"Name '{label}' must be 1-63 characters long, each of which can only be "
                "alphanumeric or a hyphen")
    return None


def _dns_format_error(data: str) -> str | None:
    """neutron-lib ``_validate_dns_format`` (RFC 1123 labels, a trailing dot allowed)."""
    trimmed = data[:-1] if data.endswith(".") else data
    labels = trimmed.split(".")
    reason: str | None
    if len(trimmed) > FQDN_MAX_LEN:
        reason = f"'{trimmed}' exceeds the {FQDN_MAX_LEN} character FQDN limit"
    else:
        reason = next((r for r in map(_dns_label_error, labels) if r), None)
    if reason is None and len(labels) > 1 and _ALL_DIGITS_RE.fullmatch(labels[-1]):
        reason = f"TLD '{labels[-1]}' must not be all numeric"
    return f"'{data}' not a valid PQDN or FQDN. Reason: {reason}" if reason else None


def check_dns_domain(value: str | None) -> str | None:
    """neutron-lib ``validate_dns_domain`` after the lower-casing converter: a FQDN (with its
    trailing dot) with room for a sub-domain, or empty."""
    if not value:
        return value
    data = value.lower()
    reason = f"'{data}' is not a FQDN" if not data.endswith(".") else _dns_format_error(data)
    if reason is None and len(data) > FQDN_MAX_LEN - 2:
        reason = (f"'{data}' contains {len(data)} characters. Adding a sub-domain will cause "
                  f"it to exceed the maximum length of a FQDN of '{FQDN_MAX_LEN}'")
    if reason:
        raise invalid_attr("dns_domain", reason)
    return data


def check_fip_dns_name(value: str | None) -> str | None:
    """neutron-lib ``validate_fip_dns_name`` after the lower-casing converter: a relative
    name with room for a domain, or empty."""
    if not value:
        return value
    data = value.lower()
    reason = (f"'{data}' is a FQDN. It should be a relative domain name"
              if data.endswith(".") else _dns_format_error(data))
    if reason is None and len(data) > FQDN_MAX_LEN - 3:
        reason = (f"'{data}' contains {len(data)} characters. Adding a domain name will "
                  f"cause it to exceed the maximum length of a FQDN of '{FQDN_MAX_LEN}'")
    if reason:
        raise invalid_attr("dns_name", reason)
    return data


def check_subnet_mtu(network_id: str, mtu: int, ip_versions: Iterable[int]) -> None:
    """An MTU the network's subnets can live with (``db_base_plugin_v2``
    ``_validate_change_network_mtu`` and ``_validate_subnet_network_mtu``): below IPv4's
    minimum with any subnet, Neutron names IPv4's; else below IPv6's with an IPv6 subnet."""
    versions = set(ip_versions)
    if mtu >= IPV6_MIN_MTU or not versions:
        return
    minimum = IPV4_MIN_MTU if mtu < IPV4_MIN_MTU else IPV6_MIN_MTU
    if minimum == IPV4_MIN_MTU or 6 in versions:
        raise Conflict(
            f"MTU of {network_id} is not valid, subnet requires a minimum of {minimum}"
        )


# neutron-lib validate_subnet_service_types adds "compute:" to its list of prefixes with +=,
# one character at a time: a type starting with any of those characters passes too.
_SERVICE_TYPE_PREFIXES = ("network:", "neutron:", *"compute:")


def check_service_types(types: Iterable[str]) -> list[str]:
    """A subnet's service types: device owners, by neutron-lib's prefixes."""
    checked = list(types)
    for service_type in checked:
        if not service_type.startswith(_SERVICE_TYPE_PREFIXES):
            raise invalid_input(
                f"Subnet service type {service_type} does not correspond to a valid device "
                "owner"
            )
    return checked
