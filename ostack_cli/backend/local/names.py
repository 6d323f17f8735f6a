"""Names of everything ostack creates on the host, all carrying the project's prefix.

Interface names are capped at 15 characters by the kernel (IFNAMSIZ - 1), so devices use the
short prefix ``ost``; namespaces, guests, chains and files use ``ostack``.
"""

from __future__ import annotations

PREFIX = "ostack"
DEVICE_PREFIX = "ost"
IFNAMSIZ = 15


def _hex(resource_id: str, length: int) -> str:
    return resource_id.replace("-", "")[:length]


def domain_name(server_id: str) -> str:
    return f"{PREFIX}-{server_id}"


def bridge_name(network_id: str) -> str:
    return f"{DEVICE_PREFIX}br{_hex(network_id, IFNAMSIZ - 5)}"


def tap_name(port_id: str) -> str:
    return f"{DEVICE_PREFIX}tap{_hex(port_id, IFNAMSIZ - 6)}"


def router_namespace(router_id: str) -> str:
    return f"{PREFIX}-router-{router_id}"


def dhcp_name(network_id: str) -> str:
    return f"{PREFIX}-dhcp-{network_id}"
