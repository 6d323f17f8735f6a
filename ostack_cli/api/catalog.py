"""The service catalog: the six services, on this server's one address.

All services share one port, so each has a path of its own, as devstack mounts them behind
Apache (``/identity``, ``/compute``, ``/image``, ...), except Keystone, whose version document
answers at ``/`` and whose endpoint is ``/v3`` (a Keystone URL works unchanged):

=============  =========  =======================  =====================================
type           name       endpoint                 version discovery
=============  =========  =======================  =====================================
identity       keystone   ``<base>/v3``            ``<base>/`` (300, as Keystone)
compute        nova       ``<base>/compute/v2.1``  ``<base>/compute/`` (Nova's root)
network        neutron    ``<base>/network``       ``<base>/network/`` (API: ``/v2.0``)
image          glance     ``<base>/image``         ``<base>/image/`` (300; API: ``/v2``)
block-storage  cinder     ``<base>/volume/v3``     ``<base>/volume/`` (300, as Cinder)
placement      placement  ``<base>/placement``     ``<base>/placement/`` (read only)
volumev3       cinderv3   ``<base>/volume/v3``     (Cinder again, as devstack lists it)
=============  =========  =======================  =====================================

Each endpoint is listed on the public, internal and admin interfaces of ``RegionOne`` with
IDs that never change, so clients that cache the catalog keep working across restarts.
``<base>`` is the address the client used (scheme and ``Host``), so a catalog read through
``localhost`` names ``localhost``.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from ostack_cli.backend.local.discovery import REGION

INTERFACES = ("public", "internal", "admin")
_NAMESPACE = uuid.UUID("6f1f3a0e-7c0b-4d55-9a64-0c1c0e0f57a1")


@dataclasses.dataclass(frozen=True)
class CatalogEntry:
    service_type: str
    name: str
    path: str  # the endpoint, relative to the server's base URL

    @property
    def service_id(self) -> str:
        return uuid.uuid5(_NAMESPACE, f"service:{self.service_type}").hex

    def endpoint_id(self, interface: str) -> str:
        return uuid.uuid5(_NAMESPACE, f"endpoint:{self.service_type}:{interface}").hex


# Paths every service module mounts under (ostack_cli/api/<service>.py uses these).
IDENTITY_PATH = "/v3"
COMPUTE_MOUNT = "/compute"
COMPUTE_PATH = f"{COMPUTE_MOUNT}/v2.1"
NETWORK_MOUNT = "/network"
IMAGE_MOUNT = "/image"
VOLUME_MOUNT = "/volume"
VOLUME_PATH = f"{VOLUME_MOUNT}/v3"
PLACEMENT_MOUNT = "/placement"

ENTRIES = (
    CatalogEntry("compute", "nova", COMPUTE_PATH),
    CatalogEntry("identity", "keystone", IDENTITY_PATH),
    CatalogEntry("image", "glance", IMAGE_MOUNT),
    CatalogEntry("network", "neutron", NETWORK_MOUNT),
    CatalogEntry("placement", "placement", PLACEMENT_MOUNT),
    CatalogEntry("volumev3", "cinderv3", VOLUME_PATH),
    CatalogEntry("block-storage", "cinder", VOLUME_PATH),
)


def catalog(base_url: str) -> list[dict[str, Any]]:
    """Keystone's catalog body (``GET /v3/auth/catalog``, a token's ``catalog``)."""
    return [
        {
            "endpoints": [
                {"id": entry.endpoint_id(interface), "interface": interface,
                 "region_id": REGION, "url": base_url + entry.path, "region": REGION}
                for interface in INTERFACES
            ],
            "id": entry.service_id,
            "type": entry.service_type,
            "name": entry.name,
        }
        for entry in ENTRIES
    ]
