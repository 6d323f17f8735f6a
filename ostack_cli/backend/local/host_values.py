"""Values ostack hands to host tools (ip, dnsmasq, libvirt): interface names, MAC and IPv4
addresses, checked before they are used. Apart from ``domain_xml.py`` (which uses them too)
so that the DHCP and network side need not load the domain renderer and its XML library."""

from __future__ import annotations

import ipaddress
import re

# Linux IFNAMSIZ is 16 with the NUL, so 15 characters. A leading letter or digit keeps the
# name from being read as an option by ip(8)/dnsmasq and rules out "." and "..".
_IFNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")
_MAC_RE = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", re.IGNORECASE)


def check_ifname(name: str, what: str = "interface name") -> str:
    """A Linux interface name we are willing to create or pass to a tool."""
    if not isinstance(name, str) or not _IFNAME_RE.fullmatch(name):
        raise ValueError(f"invalid {what} {name!r}: 1-15 characters of A-Z a-z 0-9 _ . -")
    return name


def check_mac(mac: str) -> str:
    """A unicast Ethernet address, returned in the lowercase form Neutron stores."""
    if not isinstance(mac, str) or not _MAC_RE.fullmatch(mac):
        raise ValueError(f"invalid MAC address {mac!r}")
    if int(mac[:2], 16) & 1:
        raise ValueError(f"invalid MAC address {mac!r}: multicast")
    return mac.lower()


def check_ipv4(value: str, what: str = "IPv4 address") -> str:
    """An IPv4 address in its one canonical spelling (no leading zeros, no spaces)."""
    try:
        parsed = ipaddress.IPv4Address(value)
    except (ipaddress.AddressValueError, TypeError) as exc:
        raise ValueError(f"invalid {what} {value!r}") from exc
    if str(parsed) != value:
        raise ValueError(f"invalid {what} {value!r}: write it as {parsed}")
    return value
