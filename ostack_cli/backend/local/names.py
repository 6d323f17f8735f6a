"""Names of everything ostack creates on the host, all carrying the project's prefix and the
store's tag.

Every store (one ``OSTACK_HOME``) has a short tag of its own (``HostNames.tag``), and every
host object it makes carries that tag: two stores on one host never take each other's
objects for their own, and observation finds a store's objects by prefix alone.

Interface names are capped at 15 characters by the kernel (IFNAMSIZ - 1), so devices are
``ost`` + tag (3) + kind (1) + 8 hex digits of the owning resource's ID; namespaces, guests
and chains use ``ostack-<tag>-``. Two resources of one store whose IDs share those 8 hex digits (one
chance in 4 billion per pair) would share a device: the desired state gives the newer one a
fault instead (``reconcile.desired``).

The module-level functions without a tag name the objects of stores made before tags existed
(their guests keep their stored ``instance_name``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

PREFIX = "ostack"
DEVICE_PREFIX = "ost"
IFNAMSIZ = 15
TAG_LENGTH = 3
ID_DIGITS = 8
TAG_RE = re.compile(rf"[0-9a-f]{{{TAG_LENGTH}}}")

# The kind letter of each device: a network's bridge, a guest port's tap, the host end of a
# network's DHCP leg, the host ends of a router's internal and gateway legs.
BRIDGE, TAP, DHCP_LEG, ROUTER_LEG, GATEWAY_LEG = "b", "t", "d", "r", "g"


def new_tag() -> str:
    return secrets.token_hex(2)[:TAG_LENGTH]


def id_key(resource_id: str, length: int = ID_DIGITS) -> str:
    """The first hex digits of a UUID, the part of it that host objects' names carry."""
    key = resource_id.replace("-", "").lower()[:length]
    if not re.fullmatch(rf"[0-9a-f]{{{length}}}", key):
        raise ValueError(f"{resource_id!r} is not a UUID")
    return key


@dataclass(frozen=True)
class HostNames:
    """The names of one store's host objects."""

    tag: str

    def __post_init__(self) -> None:
        if not TAG_RE.fullmatch(self.tag):
            raise ValueError(f"bad store tag {self.tag!r}")

    # -- prefixes (what observation lists) ----------------------------------------------

    @property
    def device_prefix(self) -> str:
        return f"{DEVICE_PREFIX}{self.tag}"

    @property
    def object_prefix(self) -> str:
        """Namespaces, guests and iptables chains."""
        return f"{PREFIX}-{self.tag}-"

    @property
    def dhcp_namespace_prefix(self) -> str:
        return f"{self.object_prefix}dhcp-"

    @property
    def router_namespace_prefix(self) -> str:
        return f"{self.object_prefix}router-"

    def device_wildcard(self, kind: str) -> str:
        """An iptables/ebtables interface pattern matching every device of one kind."""
        return f"{self.device_prefix}{kind}+"

    # -- one object each ------------------------------------------------------------------

    def domain(self, server_id: str) -> str:
        return f"{self.object_prefix}{server_id}"

    def bridge(self, network_id: str) -> str:
        return self._device(BRIDGE, id_key(network_id))

    def tap(self, port_id: str) -> str:
        return self._device(TAP, id_key(port_id))

    def dhcp_leg(self, network_id: str) -> str:
        return self._device(DHCP_LEG, id_key(network_id))

    def router_leg(self, router_id: str, network_id: str, *, external: bool) -> str:
        """The host-side end of a router's leg: unique per router and network."""
        digest = hashlib.sha1(f"{router_id}/{network_id}".encode()).hexdigest()[:ID_DIGITS]
        return self._device(GATEWAY_LEG if external else ROUTER_LEG, digest)

    def dhcp_namespace(self, network_id: str) -> str:
        return f"{self.dhcp_namespace_prefix}{network_id}"

    def router_namespace(self, router_id: str) -> str:
        return f"{self.router_namespace_prefix}{router_id}"

    def chain(self, suffix: str) -> str:
        return f"{self.object_prefix}{suffix}"

    def _device(self, kind: str, key: str) -> str:
        name = f"{self.device_prefix}{kind}{key}"
        assert len(name) <= IFNAMSIZ, name
        return name


# -- stores made before tags --------------------------------------------------------------


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
